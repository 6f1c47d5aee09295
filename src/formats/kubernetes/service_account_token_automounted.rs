//! K8S006 service-account-token-automounted: pods that get an API token they may not need.
//!
//! By default, the kubelet mounts a token for the pod's service account into every
//! container. Anyone who takes over the process can then call the Kubernetes API with that
//! account's permissions. Most applications never call the API, so the fix sets
//! `automountServiceAccountToken: false` on pod specs and `ServiceAccount` objects. A workload
//! whose service account is bound by a RoleBinding or ClusterRoleBinding in the same file or
//! directory is taken to call the API (operators, controllers, CSI drivers crash without the
//! token): it is reported, and neither it nor the ServiceAccount is edited.

use std::path::Path;
use std::sync::Arc;

use crate::edit::Applicability;
use crate::finding::Finding;
use crate::rule::{FileKind, Rule, RuleContext};

use super::model::{Manifest, Object};
use super::placement::{Editor, NewValue};
use super::with_editor_fix;
use super::yaml;

pub struct ServiceAccountTokenAutomounted;

const ID: &str = "K8S006";

impl<'a> Rule<Manifest<'a>> for ServiceAccountTokenAutomounted {
    fn id(&self) -> &'static str {
        ID
    }

    fn check(&self, manifest: &Manifest<'a>, ctx: &RuleContext) -> Vec<Finding> {
        let mut facts = collect_facts(manifest);
        if let Some(dir) = ctx.path.parent() {
            let key = format!("kubernetes-service-accounts:{}", dir.display());
            let shared: Arc<AccountFacts> = ctx.project.memo(&key, || facts_of_directory(ctx, dir));
            facts.bindings.extend(shared.bindings.iter().cloned());
            facts.without_token.extend(shared.without_token.iter().cloned());
        }

        let mut findings = Vec::new();
        let tree = &manifest.tree;
        for pod in &manifest.pods {
            if tree.get(pod.node, "automountServiceAccountToken").is_some() {
                continue;
            }
            let object = manifest.object(pod);
            let account = tree
                .get_str(pod.node, "serviceAccountName")
                .or_else(|| tree.get_str(pod.node, "serviceAccount"))
                .unwrap_or("default")
                .to_string();
            let namespace = object.namespace.as_deref();
            if facts.without_token.iter().any(|a| a.matches(&account, namespace)) {
                continue;
            }
            let message = format!("{} mounts a token for the service account `{account}`", manifest.pod_label(pod));
            let finding = Finding::new(ID, manifest.range(pod.key), message);
            if let Some(binding) = facts.bindings.iter().find(|b| b.account.matches(&account, namespace)) {
                findings.push(finding.with_note(format!(
                    "{} binds `{account}` to a role, so the workload probably calls the Kubernetes API and needs its token; not fixed automatically",
                    binding.label
                )));
                continue;
            }
            let finding = finding.with_note("programs that call the Kubernetes API (client libraries use the in-cluster config) fail without the token: check before applying");
            let mut editor = Editor::new(manifest);
            let result = editor.ensure(pod.node, &[], vec![("automountServiceAccountToken", NewValue::Bool(false))]).map(|()| editor);
            findings.push(with_editor_fix(finding, manifest, result, Applicability::Review));
        }

        for object in manifest.objects.iter().filter(|o| is_service_account(o)) {
            if tree.get(object.node, "automountServiceAccountToken").is_some() {
                continue;
            }
            let Some(name) = object.name.as_deref() else { continue };
            if facts.bindings.iter().any(|b| b.account.matches(name, object.namespace.as_deref())) {
                continue;
            }
            let (kind_key, _) = tree.entry(object.node, "kind").expect("objects have a kind");
            let finding = Finding::new(ID, manifest.range(kind_key), format!("{} lets pods mount its token by default", object.label()))
                .with_note("pods that use this account and call the Kubernetes API must then set `automountServiceAccountToken: true` themselves");
            let mut editor = Editor::new(manifest);
            let result = editor.ensure(object.node, &[], vec![("automountServiceAccountToken", NewValue::Bool(false))]).map(|()| editor);
            findings.push(with_editor_fix(finding, manifest, result, Applicability::Review));
        }
        findings
    }
}

fn is_service_account(object: &Object) -> bool {
    object.kind == "ServiceAccount" && object.group().is_empty()
}

/// A service account, by name and, when known, namespace.
#[derive(Debug, Clone)]
struct Account {
    name: String,
    namespace: Option<String>,
}

impl Account {
    /// Returns whether this account is the one named `name` in `namespace`. An unknown
    /// namespace on either side matches any.
    fn matches(&self, name: &str, namespace: Option<&str>) -> bool {
        self.name == name && (self.namespace.is_none() || namespace.is_none() || self.namespace.as_deref() == namespace)
    }
}

#[derive(Debug, Clone)]
struct Binding {
    account: Account,
    /// `RoleBinding \`x\``, for notes.
    label: String,
}

/// Service account facts collected from the manifests of one directory.
#[derive(Debug, Default)]
struct AccountFacts {
    bindings: Vec<Binding>,
    /// ServiceAccounts that set `automountServiceAccountToken: false`.
    without_token: Vec<Account>,
}

fn collect_facts(manifest: &Manifest) -> AccountFacts {
    let tree = &manifest.tree;
    let mut facts = AccountFacts::default();
    for object in &manifest.objects {
        let is_binding = matches!(object.kind.as_str(), "RoleBinding" | "ClusterRoleBinding") && object.group() == "rbac.authorization.k8s.io";
        if is_binding {
            let Some(subjects) = tree.get(object.node, "subjects") else { continue };
            for &subject in tree.items(subjects) {
                let subject = tree.resolve(subject);
                let Some(name) = tree.get_str(subject, "name") else { continue };
                let account = match tree.get_str(subject, "kind") {
                    Some("ServiceAccount") => {
                        let namespace = tree.get_str(subject, "namespace").map(str::to_string).or_else(|| {
                            // A RoleBinding's subjects default to the binding's own namespace.
                            (object.kind == "RoleBinding").then(|| object.namespace.clone()).flatten()
                        });
                        Account { name: name.to_string(), namespace }
                    }
                    // The API server authenticates a service account as the user
                    // `system:serviceaccount:<namespace>:<name>`.
                    Some("User") => {
                        let Some(rest) = name.strip_prefix("system:serviceaccount:") else { continue };
                        let Some((namespace, account)) = rest.split_once(':') else { continue };
                        Account { name: account.to_string(), namespace: Some(namespace.to_string()) }
                    }
                    _ => continue,
                };
                facts.bindings.push(Binding { account, label: object.label() });
            }
        } else if is_service_account(object) {
            let automount = manifest.bool_value(tree.get(object.node, "automountServiceAccountToken"));
            if let (Some(false), Some(name)) = (automount, &object.name) {
                facts.without_token.push(Account { name: name.clone(), namespace: object.namespace.clone() });
            }
        }
    }
    facts
}

fn facts_of_directory(ctx: &RuleContext, dir: &Path) -> AccountFacts {
    let mut facts = AccountFacts::default();
    for (_, file) in ctx.project.files_in_dir(dir) {
        // The file being checked is read too: the cached facts serve every file of the directory.
        if file.kind != Some(FileKind::Kubernetes) {
            continue;
        }
        let Ok(tree) = yaml::parse(&file.source) else { continue };
        let manifest = Manifest::new(&file.source, tree);
        let found = collect_facts(&manifest);
        facts.bindings.extend(found.bindings);
        facts.without_token.extend(found.without_token);
    }
    facts
}
