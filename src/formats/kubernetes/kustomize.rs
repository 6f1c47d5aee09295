//! Kustomize patches: files that a `kustomization.yaml` lists under `patches` or
//! `patchesStrategicMerge` contain partial objects that Kustomize merges into full ones. A
//! setting missing from a patch comes from the base. An edit to a patch could conflict with the
//! base or land on a container that the patch deletes, so findings there get no fix.

use std::path::{Component, Path, PathBuf};

use super::yaml::{self, NodeKind};
use crate::context::ProjectContext;

/// The names Kustomize reads as a kustomization.
const NAMES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// Returns whether `path` is a kustomization, which Kubernetes rules read for its patches.
pub fn is_kustomization(path: &Path) -> bool {
    NAMES.contains(&super::super::file_name(path))
}

/// Returns the kustomization that lists `path` as a patch, if one in its directory or an
/// enclosing one does.
pub fn listing_kustomization(project: &ProjectContext, path: &Path) -> Option<PathBuf> {
    let target = normalize(path);
    let mut dir = path.parent();
    while let Some(current) = dir {
        for (candidate, file) in project.files_in_dir(current) {
            if !is_kustomization(candidate) {
                continue;
            }
            let Ok(tree) = yaml::parse(&file.source) else { continue };
            let listed = patch_paths(&tree);
            if listed.iter().any(|relative| normalize(&current.join(relative)) == target) {
                return Some(candidate.to_path_buf());
            }
        }
        dir = current.parent().filter(|parent| !parent.as_os_str().is_empty());
    }
    None
}

/// Returns the file paths under `patches` (`- path: x.yaml`) and `patchesStrategicMerge` (`- x.yaml`).
fn patch_paths(tree: &yaml::Tree) -> Vec<String> {
    let mut paths = Vec::new();
    for root in tree.documents.iter().filter_map(|d| d.root) {
        for key in ["patches", "patchesStrategicMerge"] {
            let Some(list) = tree.get(root, key) else { continue };
            for &item in tree.items(list) {
                let item = tree.resolve(item);
                match &tree.node(item).kind {
                    NodeKind::Scalar { value, .. } if !value.contains('\n') => paths.push(value.clone()),
                    NodeKind::Mapping { .. } => {
                        if let Some(path) = tree.get_str(item, "path") {
                            paths.push(path.to_string());
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    paths
}

/// Removes `.` components and folds `..` into the component before it, without touching the
/// file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir if !out.as_os_str().is_empty() => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    #[test]
    fn both_list_styles() {
        let source = SourceFile::new(
            "kustomization.yaml",
            "patches:\n- path: ./a.yaml\n- patch: |-\n    x: 1\npatchesStrategicMerge:\n- b.yaml\n",
        );
        let tree = yaml::parse(&source).unwrap();
        assert_eq!(patch_paths(&tree), vec!["./a.yaml".to_string(), "b.yaml".to_string()]);
    }

    #[test]
    fn dot_segments() {
        assert_eq!(normalize(Path::new("k/./p/../a.yaml")), PathBuf::from("k/a.yaml"));
    }
}
