//! K8S001 pod-runs-as-root: a pod whose containers may run as UID 0.
//!
//! A process that runs as root in a container is root on the node's kernel; one container escape
//! away from the host. `runAsNonRoot: true` makes the kubelet refuse to start such a container,
//! but the kubelet can only verify a numeric user: an image whose `USER` is a name fails to start.
//! So the fix always writes `runAsNonRoot` together with numeric `runAsUser` and `runAsGroup`
//! from `[user]` (the same numbers the Dockerfile rule writes), and `fsGroup` with
//! `fsGroupChangePolicy: OnRootMismatch` when `kubernetes.fs_group` is configured.

use crate::edit::Applicability;
use crate::finding::Finding;
use crate::rule::{Rule, RuleContext};

use super::model::{Manifest, PodSpec};
use super::placement::{Editor, NewValue};
use super::yaml::NodeId;
use super::{with_editor_fix, WINDOWS_NOTE};

pub struct PodRunsAsRoot;

const ID: &str = "K8S001";

impl<'a> Rule<Manifest<'a>> for PodRunsAsRoot {
    fn id(&self) -> &'static str {
        ID
    }

    fn check(&self, manifest: &Manifest<'a>, ctx: &RuleContext) -> Vec<Finding> {
        let mut findings = Vec::new();
        for pod in &manifest.pods {
            check_pod(manifest, pod, ctx, &mut findings);
        }
        findings
    }
}

/// Returns whether a `runAsUser` value names a user other than root. Non-numeric values count as
/// non-root because only the API server can judge them.
fn is_non_root_user(manifest: &Manifest, value: Option<NodeId>) -> Option<bool> {
    let value = value?;
    Some(manifest.int_value(Some(value)).map_or(true, |uid| uid != 0))
}

fn check_pod(manifest: &Manifest, pod: &PodSpec, ctx: &RuleContext, findings: &mut Vec<Finding>) {
    let tree = &manifest.tree;
    let user = &ctx.settings.user;
    let mut explicit_root = false;

    // Explicit root settings, at pod level and in every container.
    let mut scopes: Vec<(String, Option<NodeId>)> = vec![(manifest.pod_label(pod), tree.get(pod.node, "securityContext"))];
    for container in &pod.containers {
        scopes.push((manifest.container_label(pod, container), tree.get(container.node, "securityContext")));
    }
    for (label, context) in &scopes {
        let Some(context) = *context else { continue };
        if let Some(value) = tree.get(context, "runAsUser") {
            if manifest.int_value(Some(value)) == Some(0) {
                explicit_root = true;
                let written = tree.scalar(value).unwrap_or("0");
                let finding = Finding::new(ID, manifest.range(value), format!("{label} is set to run as root (`runAsUser: {written}`)"));
                findings.push(explicit_fix(manifest, pod, finding, value, &user.uid.to_string()));
            }
        }
        if let Some(value) = tree.get(context, "runAsNonRoot") {
            if manifest.bool_value(Some(value)) == Some(false) {
                explicit_root = true;
                let finding = Finding::new(ID, manifest.range(value), format!("{label} allows running as root (`runAsNonRoot: false`)"));
                findings.push(explicit_fix(manifest, pod, finding, value, "true"));
            }
        }
    }

    // Missing settings: can any container start as root?
    let pod_user = manifest.pod_setting(pod, "runAsUser");
    let pod_non_root = manifest.bool_value(manifest.pod_setting(pod, "runAsNonRoot"));
    let container_runs_as_root = |index: usize| {
        let container = &pod.containers[index];
        let own_user = manifest.container_setting(container, "runAsUser");
        let own_non_root = manifest.bool_value(manifest.container_setting(container, "runAsNonRoot"));
        let non_root = own_non_root.or(pod_non_root) == Some(true) || is_non_root_user(manifest, own_user.or(pod_user)) == Some(true);
        !non_root
    };
    let may_run_as_root = if pod.containers.is_empty() {
        pod_non_root != Some(true) && is_non_root_user(manifest, pod_user) != Some(true)
    } else {
        (0..pod.containers.len()).any(container_runs_as_root)
    };
    if !may_run_as_root {
        return;
    }
    let every_container_sets = |key: &str| {
        !pod.containers.is_empty() && pod.containers.iter().all(|c| manifest.container_setting(c, key).is_some())
    };
    let mut entries: Vec<(&str, NewValue)> = Vec::new();
    for (key, value) in [
        ("runAsNonRoot", NewValue::Bool(true)),
        ("runAsUser", NewValue::Int(user.uid)),
        ("runAsGroup", NewValue::Int(user.gid)),
    ] {
        if manifest.pod_setting(pod, key).is_none() && !every_container_sets(key) {
            entries.push((key, value));
        }
    }
    if let Some(fs_group) = ctx.settings.kubernetes.fs_group {
        if manifest.pod_setting(pod, "fsGroup").is_none() {
            entries.push(("fsGroup", NewValue::Int(fs_group)));
        }
        if manifest.pod_setting(pod, "fsGroupChangePolicy").is_none() {
            entries.push(("fsGroupChangePolicy", NewValue::str("OnRootMismatch")));
        }
    }
    if entries.iter().all(|(key, _)| key.starts_with("fsGroup")) {
        // Only explicit root values keep the pod running as root; their findings cover it.
        return;
    }

    let finding = Finding::new(
        ID,
        manifest.range(pod.key),
        format!("{} may run as root: no securityContext sets `runAsNonRoot: true` or a non-zero `runAsUser`", manifest.pod_label(pod)),
    );
    if pod.windows {
        findings.push(finding.with_note(WINDOWS_NOTE).with_note(
            "on Windows, set `securityContext.windowsOptions.runAsUserName: ContainerUser` instead",
        ));
        return;
    }
    let explicit_uid = user.uid_is_explicit && !explicit_root;
    let applicability = if explicit_uid { Applicability::Safe } else { Applicability::Review };
    let mut finding = finding;
    if entries.iter().any(|(key, _)| matches!(*key, "runAsUser" | "runAsGroup")) {
        finding = finding.with_note(format!(
            "after the fix, containers without a runAsUser or runAsGroup of their own run as UID {} and GID {}, so their images must work as that user",
            user.uid, user.gid
        ));
    }
    if !user.uid_is_explicit {
        finding = finding.with_note("set `user.uid` in cinch.toml to the UID your images are built for to make this fix safe");
    }
    if ctx.settings.kubernetes.fs_group.is_none() && tree.get(pod.node, "volumes").is_some() {
        finding = finding.with_note(
            "volumes may be owned by root: set `kubernetes.fs_group` in cinch.toml to add `fsGroup` with `fsGroupChangePolicy: OnRootMismatch`",
        );
    }
    let mut editor = Editor::new(manifest);
    let result = editor.ensure(pod.node, &["securityContext"], entries).map(|()| editor);
    findings.push(with_editor_fix(finding, manifest, result, applicability));
}

fn explicit_fix(manifest: &Manifest, pod: &PodSpec, finding: Finding, value: NodeId, replacement: &str) -> Finding {
    if pod.windows {
        return finding.with_note(WINDOWS_NOTE);
    }
    let finding = finding.with_note("the setting looks deliberate: check why the container needs root before accepting the fix");
    let mut editor = Editor::new(manifest);
    editor.replace(value, replacement);
    with_editor_fix(finding, manifest, Ok(editor), Applicability::Review)
}
