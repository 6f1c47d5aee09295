//! K8S002 seccomp-unconfined: a pod whose containers run without a seccomp profile.
//!
//! Without a profile, container runtimes under Kubernetes run containers `Unconfined`: every
//! system call is open to a compromised process, including those used in kernel exploits. The
//! runtime's default profile (`RuntimeDefault`) blocks the rarely needed dangerous calls, and
//! the `restricted` Pod Security Standard requires it. The fix sets it at pod level, where every
//! container inherits it.

use crate::edit::Applicability;
use crate::finding::Finding;
use crate::rule::{Rule, RuleContext};

use super::model::{Manifest, PodSpec};
use super::placement::{Editor, NewValue};
use super::yaml::NodeId;
use super::{with_editor_fix, WINDOWS_NOTE};

pub struct SeccompUnconfined;

const ID: &str = "K8S002";

impl<'a> Rule<Manifest<'a>> for SeccompUnconfined {
    fn id(&self) -> &'static str {
        ID
    }

    fn check(&self, manifest: &Manifest<'a>, _ctx: &RuleContext) -> Vec<Finding> {
        let mut findings = Vec::new();
        for pod in &manifest.pods {
            check_pod(manifest, pod, &mut findings);
        }
        findings
    }
}

fn profile_type(manifest: &Manifest, security_context: Option<NodeId>) -> Option<NodeId> {
    manifest.tree.path(security_context?, &["seccompProfile", "type"])
}

fn check_pod(manifest: &Manifest, pod: &PodSpec, findings: &mut Vec<Finding>) {
    let tree = &manifest.tree;
    let pod_context = tree.get(pod.node, "securityContext");
    let mut scopes: Vec<(String, Option<NodeId>)> = vec![(manifest.pod_label(pod), pod_context)];
    for container in &pod.containers {
        scopes.push((manifest.container_label(pod, container), tree.get(container.node, "securityContext")));
    }
    for (label, context) in &scopes {
        let Some(value) = profile_type(manifest, *context) else { continue };
        if tree.scalar(value) != Some("Unconfined") {
            continue;
        }
        let finding = Finding::new(ID, manifest.range(value), format!("{label} disables seccomp (`type: Unconfined`)"));
        if pod.windows {
            findings.push(finding.with_note(WINDOWS_NOTE));
            continue;
        }
        let finding = finding.with_note("the profile looks deliberate: check which system calls the workload needs before accepting the fix");
        let mut editor = Editor::new(manifest);
        editor.replace(value, &replacement_text(manifest, value));
        findings.push(with_editor_fix(finding, manifest, Ok(editor), Applicability::Review));
    }

    if profile_type(manifest, pod_context).is_some() {
        return;
    }
    let every_container_has_one =
        !pod.containers.is_empty() && pod.containers.iter().all(|c| profile_type(manifest, tree.get(c.node, "securityContext")).is_some());
    if every_container_has_one {
        return;
    }
    let finding = Finding::new(
        ID,
        manifest.range(pod.key),
        format!("{} runs without a seccomp profile, so its containers can make any system call", manifest.pod_label(pod)),
    );
    if pod.windows {
        findings.push(finding.with_note(WINDOWS_NOTE));
        return;
    }
    if let Some((key, value)) = conflicting_annotation(manifest, pod) {
        let label = manifest.pod_label(pod);
        let profile = tree.scalar(value).unwrap_or("");
        findings.push(
            Finding::new(ID, manifest.range(value), format!("{label} asks for the seccomp profile `{profile}` through the legacy annotation `{key}`"))
                .with_note("the API server rejects a `seccompProfile` field that differs from the annotation, so no field is added; replace the annotation with a `securityContext.seccompProfile` and remove it"),
        );
        return;
    }
    let mut editor = Editor::new(manifest);
    let result = editor
        .ensure(pod.node, &["securityContext", "seccompProfile"], vec![("type", NewValue::str("RuntimeDefault"))])
        .map(|()| editor);
    findings.push(with_editor_fix(finding, manifest, result, Applicability::Safe));
}

/// The legacy seccomp annotation on the pod and on each container.
const POD_ANNOTATION: &str = "seccomp.security.alpha.kubernetes.io/pod";
const CONTAINER_ANNOTATION_PREFIX: &str = "container.seccomp.security.alpha.kubernetes.io/";

/// Returns the first legacy seccomp annotation of the pod whose value is not the runtime's
/// default profile, as (annotation name, value node). Both `runtime/default` and its old name
/// `docker/default` mean `RuntimeDefault`.
fn conflicting_annotation(manifest: &Manifest, pod: &PodSpec) -> Option<(String, NodeId)> {
    let tree = &manifest.tree;
    let annotations = tree.path(pod.template, &["metadata", "annotations"])?;
    tree.entries(annotations).iter().find_map(|&(key, value)| {
        let name = tree.scalar(key)?;
        let seccomp = name == POD_ANNOTATION || name.starts_with(CONTAINER_ANNOTATION_PREFIX);
        let default = tree.scalar(value).is_some_and(|v| v == "runtime/default" || v == "docker/default");
        (seccomp && !default).then(|| (name.to_string(), tree.resolve(value)))
    })
}

/// `RuntimeDefault` in the quotes of the value it replaces.
fn replacement_text(manifest: &Manifest, value: NodeId) -> String {
    let original = &manifest.source.text[manifest.range(value)];
    match original.chars().next() {
        Some(q @ ('"' | '\'')) => format!("{q}RuntimeDefault{q}"),
        _ => "RuntimeDefault".to_string(),
    }
}
