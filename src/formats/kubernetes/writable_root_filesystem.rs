//! K8S005 writable-root-filesystem: a container that can write to its image's filesystem.
//!
//! A writable root filesystem lets an attacker drop tools and persist changes to binaries for as
//! long as the container lives. `readOnlyRootFilesystem: true` stops that, but most programs write
//! temporary files, so the fix also mounts an `emptyDir` volume at `/tmp`: appended to the
//! container's `volumeMounts` and the pod's `volumes`, under a name not already taken, unless
//! `/tmp` is already mounted. Other paths an application writes to (caches, pid files, uploads)
//! cannot be found in a manifest, so the fix needs review unless
//! `kubernetes.read_only_root_filesystem = true` declares that the workloads cope.

use crate::edit::Applicability;
use crate::finding::Finding;
use crate::rule::{Rule, RuleContext};

use super::model::{Container, Manifest, PodSpec};
use super::placement::{Editor, NewValue};
use super::yaml::NodeId;
use super::{with_editor_fix, WINDOWS_NOTE};

pub struct WritableRootFilesystem;

const ID: &str = "K8S005";

impl<'a> Rule<Manifest<'a>> for WritableRootFilesystem {
    fn id(&self) -> &'static str {
        ID
    }

    fn check(&self, manifest: &Manifest<'a>, ctx: &RuleContext) -> Vec<Finding> {
        let applicability = match ctx.settings.kubernetes.read_only_root_filesystem {
            Some(false) => return Vec::new(),
            Some(true) => Applicability::Safe,
            None => Applicability::Review,
        };
        manifest.containers().filter_map(|(pod, container)| check_container(manifest, pod, container, applicability)).collect()
    }
}

fn mounts_tmp(manifest: &Manifest, container: &Container) -> bool {
    let tree = &manifest.tree;
    let Some(mounts) = tree.get(container.node, "volumeMounts") else { return false };
    tree.items(mounts)
        .iter()
        .filter_map(|&mount| tree.get_str(tree.resolve(mount), "mountPath"))
        .any(|path| path.trim_end_matches('/') == "/tmp")
}

/// Returns why a read-only root filesystem is wrong for a container that shares the edited
/// node `anchored`: it has no `/tmp` mount, and the fix adds one only to the container it is
/// for. A container that merges or aliases that whole container and has no `volumeMounts` of
/// its own inherits the new mount.
fn lacks_tmp_mount(manifest: &Manifest, container: &Container, anchored: NodeId) -> Option<String> {
    let tree = &manifest.tree;
    if mounts_tmp(manifest, container) || manifest.bool_value(manifest.container_setting(container, "readOnlyRootFilesystem")) == Some(true) {
        return None;
    }
    let whole_container = manifest.containers().any(|(_, other)| other.node == anchored);
    let own_mounts = tree.entries(container.node).iter().any(|&(key, _)| tree.scalar(key) == Some("volumeMounts"));
    if whole_container && !own_mounts {
        return None;
    }
    Some("that container has no `/tmp` mount, which this fix adds only to the container it is for".to_string())
}

/// Picks the volume to mount at `/tmp`: `tmp`, or `tmp-1`, `tmp-2`... when a volume of that name
/// exists and is not an `emptyDir`. Returns the name and whether the volume must be added.
fn tmp_volume(manifest: &Manifest, pod: &PodSpec) -> (String, bool) {
    let tree = &manifest.tree;
    let volumes: Vec<_> = tree.get(pod.node, "volumes").map(|list| tree.items(list).to_vec()).unwrap_or_default();
    let mounted_names: Vec<&str> = pod
        .containers
        .iter()
        .filter_map(|c| tree.get(c.node, "volumeMounts"))
        .flat_map(|list| tree.items(list).iter().filter_map(|&m| tree.get_str(tree.resolve(m), "name")))
        .collect();
    for index in 0.. {
        let name = if index == 0 { "tmp".to_string() } else { format!("tmp-{index}") };
        let existing = volumes.iter().map(|&v| tree.resolve(v)).find(|&v| tree.get_str(v, "name") == Some(name.as_str()));
        match existing {
            Some(volume) if tree.get(volume, "emptyDir").is_some() => return (name, false),
            Some(_) => continue,
            None if mounted_names.contains(&name.as_str()) => continue,
            None => return (name, true),
        }
    }
    unreachable!("the loop returns")
}

fn check_container(manifest: &Manifest, pod: &PodSpec, container: &Container, applicability: Applicability) -> Option<Finding> {
    let setting = manifest.container_setting(container, "readOnlyRootFilesystem");
    let value = manifest.bool_value(setting);
    if value == Some(true) {
        return None;
    }
    let label = manifest.container_label(pod, container);
    let (range, message) = match (setting, value) {
        (Some(node), Some(false)) => (manifest.range(node), format!("{label} has a writable root filesystem (`readOnlyRootFilesystem: false`)")),
        _ => (container.position.clone(), format!("{label} has a writable root filesystem")),
    };
    let finding = manifest.note_misplaced(pod, "readOnlyRootFilesystem", Finding::new(ID, range, message));
    if pod.windows {
        return Some(finding.with_note(WINDOWS_NOTE));
    }
    let mut finding = finding.with_note(
        "other paths the application writes to (caches, pid files, uploads) cannot be found in the manifest: mount an emptyDir volume on each before applying",
    );
    let applicability = if value == Some(false) { Applicability::Review } else { applicability };
    let mut editor = Editor::new(manifest);
    editor.user_check = Some(lacks_tmp_mount);
    let mut result = match (setting, value) {
        (Some(node), Some(false)) => {
            editor.replace(node, "true");
            Ok(())
        }
        _ => editor.ensure(container.node, &["securityContext"], vec![("readOnlyRootFilesystem", NewValue::Bool(true))]),
    };
    if result.is_ok() && !mounts_tmp(manifest, container) {
        let (name, add_volume) = tmp_volume(manifest, pod);
        finding = finding.with_note(format!("`/tmp` gets the emptyDir volume `{name}`"));
        result = editor.append(
            container.node,
            "volumeMounts",
            NewValue::map(vec![("name", NewValue::Str(name.clone())), ("mountPath", NewValue::str("/tmp"))]),
        );
        if result.is_ok() && add_volume {
            result = editor.append(
                pod.node,
                "volumes",
                NewValue::map(vec![("name", NewValue::Str(name)), ("emptyDir", NewValue::Map(Vec::new()))]),
            );
        }
    }
    let mut finding = with_editor_fix(finding, manifest, result.map(|()| editor), applicability);
    if finding.fix.is_none() {
        finding.notes.retain(|note| !note.starts_with("`/tmp` gets"));
    }
    Some(finding)
}
