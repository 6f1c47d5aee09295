//! K8S004 capabilities-not-dropped: a container that keeps the runtime's default capabilities.
//!
//! Container runtimes grant a default set of Linux capabilities (containerd and CRI-O: about
//! fourteen, including `NET_RAW`, `CHOWN`, `SETUID` and `DAC_OVERRIDE`) that most applications
//! never use and an attacker can. The fix drops `ALL` and keeps any `add` list. It needs review:
//! some images (the stock nginx image, anything that binds a port below 1024 or switches user at
//! startup) need a few capabilities back under `add`.

use crate::edit::Applicability;
use crate::finding::Finding;
use crate::rule::{Rule, RuleContext};

use super::model::{Container, Manifest, PodSpec};
use super::placement::{Editor, NewValue};
use super::yaml::{NodeKind, ScalarStyle};
use super::{with_editor_fix, WINDOWS_NOTE};

pub struct CapabilitiesNotDropped;

const ID: &str = "K8S004";

impl<'a> Rule<Manifest<'a>> for CapabilitiesNotDropped {
    fn id(&self) -> &'static str {
        ID
    }

    fn check(&self, manifest: &Manifest<'a>, _ctx: &RuleContext) -> Vec<Finding> {
        manifest.containers().filter_map(|(pod, container)| check_container(manifest, pod, container)).collect()
    }
}

fn check_container(manifest: &Manifest, pod: &PodSpec, container: &Container) -> Option<Finding> {
    let tree = &manifest.tree;
    let drop = tree.path(container.node, &["securityContext", "capabilities", "drop"]);
    let drops_all = drop.is_some_and(|list| tree.items(list).iter().any(|&item| tree.scalar(item).is_some_and(|name| name.eq_ignore_ascii_case("ALL"))));
    if drops_all {
        return None;
    }
    let label = manifest.container_label(pod, container);
    let finding = Finding::new(ID, container.position.clone(), format!("{label} does not drop all Linux capabilities"));
    let finding = manifest.note_misplaced(pod, "capabilities", finding);
    if pod.windows {
        return Some(finding.with_note(WINDOWS_NOTE));
    }
    let finding = finding.with_note(
        "images that bind ports below 1024 or switch user at startup need some capabilities back: list them under `capabilities.add` (for example NET_BIND_SERVICE)",
    );
    let mut editor = Editor::new(manifest);
    let result = match drop {
        Some(list) if matches!(tree.node(list).kind, NodeKind::Sequence { .. }) => {
            let capabilities = tree.path(container.node, &["securityContext", "capabilities"]).expect("drop has a parent");
            let quote = tree.items(list).iter().find_map(|&item| match tree.node(item).kind {
                NodeKind::Scalar { style: ScalarStyle::DoubleQuoted, .. } => Some("\"ALL\""),
                NodeKind::Scalar { style: ScalarStyle::SingleQuoted, .. } => Some("'ALL'"),
                NodeKind::Scalar { .. } => Some("ALL"),
                _ => None,
            });
            let item = match quote {
                Some(text) => NewValue::Raw(text.to_string()),
                None => NewValue::FlowItem("ALL".to_string()),
            };
            editor.append(capabilities, "drop", item)
        }
        Some(_) => {
            let capabilities = tree.path(container.node, &["securityContext", "capabilities"]).expect("drop has a parent");
            editor.append(capabilities, "drop", NewValue::FlowItem("ALL".to_string()))
        }
        None => editor.ensure(
            container.node,
            &["securityContext", "capabilities"],
            vec![("drop", NewValue::FlowList(vec!["ALL".to_string()]))],
        ),
    };
    Some(with_editor_fix(finding, manifest, result.map(|()| editor), Applicability::Review))
}
