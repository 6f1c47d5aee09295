//! K8S003 privilege-escalation-allowed: a container whose processes can gain privileges.
//!
//! Unless `allowPrivilegeEscalation` is `false`, the kernel lets a process gain more privileges
//! than its parent through setuid binaries or file capabilities (the `no_new_privs` flag is not
//! set). The API server rejects `allowPrivilegeEscalation: false` on a privileged container or one
//! that adds `SYS_ADMIN`, so those are reported without a fix.

use crate::edit::Applicability;
use crate::finding::Finding;
use crate::rule::{Rule, RuleContext};

use super::model::{Container, Manifest, PodSpec};
use super::placement::{Editor, NewValue};
use super::yaml::NodeId;
use super::{with_editor_fix, WINDOWS_NOTE};

pub struct PrivilegeEscalationAllowed;

const ID: &str = "K8S003";

impl<'a> Rule<Manifest<'a>> for PrivilegeEscalationAllowed {
    fn id(&self) -> &'static str {
        ID
    }

    fn check(&self, manifest: &Manifest<'a>, _ctx: &RuleContext) -> Vec<Finding> {
        manifest.containers().filter_map(|(pod, container)| check_container(manifest, pod, container)).collect()
    }
}

/// Returns whether a container's `capabilities.add` lists `SYS_ADMIN` (with or without `CAP_`).
pub(crate) fn adds_sys_admin(manifest: &Manifest, container: &Container) -> bool {
    let tree = &manifest.tree;
    let Some(added) = tree.path(container.node, &["securityContext", "capabilities", "add"]) else { return false };
    tree.items(added).iter().filter_map(|&item| tree.scalar(item)).any(|name| {
        let name = name.to_ascii_uppercase();
        name == "SYS_ADMIN" || name == "CAP_SYS_ADMIN"
    })
}

/// Returns why `allowPrivilegeEscalation: false` is wrong for a container, if it is: the API
/// server rejects it on a privileged container or one that adds `SYS_ADMIN`, and a `privileged`
/// value cinch cannot read may be either.
fn no_escalation_conflict(manifest: &Manifest, container: &Container, _anchored: NodeId) -> Option<String> {
    let setting = manifest.container_setting(container, "privileged");
    match manifest.bool_value(setting) {
        Some(true) => Some("that container is privileged, where the API server rejects `allowPrivilegeEscalation: false`".to_string()),
        None if setting.is_some() => Some("that container's `privileged` value is not a boolean cinch can read".to_string()),
        _ if adds_sys_admin(manifest, container) => {
            Some("that container adds SYS_ADMIN, where the API server rejects `allowPrivilegeEscalation: false`".to_string())
        }
        _ => None,
    }
}

fn check_container(manifest: &Manifest, pod: &PodSpec, container: &Container) -> Option<Finding> {
    let setting = manifest.container_setting(container, "allowPrivilegeEscalation");
    let value = manifest.bool_value(setting);
    if value == Some(false) {
        return None;
    }
    let label = manifest.container_label(pod, container);
    let privileged_setting = manifest.container_setting(container, "privileged");
    let privileged = manifest.bool_value(privileged_setting) == Some(true);
    if let (Some(node), None) = (privileged_setting, manifest.bool_value(privileged_setting)) {
        let written = &manifest.source.text[manifest.range(node)];
        return Some(
            Finding::new(ID, container.position.clone(), format!("{label} does not set `allowPrivilegeEscalation: false`")).with_note(format!(
                "`privileged: {written}` is not a boolean cinch can read, and the API server rejects `allowPrivilegeEscalation: false` on a privileged container; not fixed automatically"
            )),
        );
    }
    if privileged || adds_sys_admin(manifest, container) {
        let reason = if privileged { "it is privileged" } else { "it adds the SYS_ADMIN capability" };
        return Some(
            Finding::new(ID, container.position.clone(), format!("{label} allows privilege escalation"))
                .with_note(format!("{reason}, and the API server rejects `allowPrivilegeEscalation: false` on such a container; not fixed automatically")),
        );
    }
    if let (Some(node), Some(true)) = (setting, value) {
        let finding = Finding::new(ID, manifest.range(node), format!("{label} allows privilege escalation (`allowPrivilegeEscalation: true`)"));
        if pod.windows {
            return Some(finding.with_note(WINDOWS_NOTE));
        }
        let finding = finding.with_note("the setting looks deliberate: check whether the container runs setuid programs before accepting the fix");
        let mut editor = Editor::new(manifest);
        editor.user_check = Some(no_escalation_conflict);
        editor.replace(node, "false");
        return Some(with_editor_fix(finding, manifest, Ok(editor), Applicability::Review));
    }
    let finding = Finding::new(ID, container.position.clone(), format!("{label} does not set `allowPrivilegeEscalation: false`"));
    let finding = manifest.note_misplaced(pod, "allowPrivilegeEscalation", finding);
    if pod.windows {
        return Some(finding.with_note(WINDOWS_NOTE));
    }
    let mut editor = Editor::new(manifest);
    editor.user_check = Some(no_escalation_conflict);
    let result = editor
        .ensure(container.node, &["securityContext"], vec![("allowPrivilegeEscalation", NewValue::Bool(false))])
        .map(|()| editor);
    Some(with_editor_fix(finding, manifest, result, Applicability::Safe))
}
