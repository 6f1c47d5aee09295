//! Kubernetes manifests: pod and container security settings and service account tokens.
//!
//! yaml-rust2's event parser builds a span-carrying tree ([`yaml`]); [`model`] finds the objects,
//! pod specs and containers in it; [`placement`] turns additions into byte-range edits that copy
//! the file's layout. Each rule lives in its own file.

use std::path::Path;

use crate::edit::{Applicability, Fix};
use crate::finding::Finding;
use crate::rule::{run_rules, CheckError, CommentSyntax, FileKind, Format, Rule, RuleContext};
use crate::source::SourceFile;

mod capabilities_not_dropped;
mod kustomize;
mod model;
mod placement;
mod pod_runs_as_root;
mod privilege_escalation_allowed;
mod privileged_container;
mod seccomp_unconfined;
mod service_account_token_automounted;
mod writable_root_filesystem;
pub(crate) mod yaml;

use model::Manifest;
use placement::Editor;
use yaml::{NodeKind, Tree};

pub struct KubernetesFormat;

/// Returns whether the Kubernetes rules read `path` from the project context. They read a
/// kustomization for the patches it lists.
pub fn is_context_file(path: &Path) -> bool {
    kustomize::is_kustomization(path)
}

const TEMPLATE_SKIP: &str = "Helm or other template; cinch checks rendered manifests, so run it on the output of `helm template` (or your template tool) instead";

impl Format for KubernetesFormat {
    fn kind(&self) -> FileKind {
        FileKind::Kubernetes
    }

    fn rule_ids(&self) -> Vec<&'static str> {
        vec!["K8S001", "K8S002", "K8S003", "K8S004", "K8S005", "K8S006", "K8S007"]
    }

    /// Claims YAML and JSON files except kustomizations, which describe how to build manifests
    /// and are kept in the project context instead, for the patches they list.
    fn matches_path(&self, path: &Path) -> bool {
        let name = super::file_name(path);
        let manifest_name = name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".json");
        manifest_name && !kustomize::is_kustomization(path)
    }

    /// Accepts files with at least one document that has `apiVersion` and `kind`, and templates
    /// (so that they get a skip message), and YAML that does not parse but names both keys (so
    /// that the parse error is reported).
    fn accepts(&self, source: &SourceFile) -> bool {
        match yaml::parse(source) {
            Ok(tree) => model::has_objects(&tree),
            Err(_) => source.text.contains("{{") || (source.text.contains("apiVersion") && source.text.contains("kind")),
        }
    }

    fn comment_syntax(&self, path: &Path) -> CommentSyntax {
        let json = path.extension().is_some_and(|ext| ext.eq_ignore_ascii_case("json"));
        if json {
            CommentSyntax { line_prefixes: &[], trailing: false }
        } else {
            CommentSyntax { line_prefixes: &["#"], trailing: true }
        }
    }

    fn check(&self, source: &SourceFile, ctx: &RuleContext) -> Result<Vec<Finding>, CheckError> {
        let tree = match yaml::parse(source) {
            Ok(tree) => tree,
            Err(_) if source.text.contains("{{") => return Err(CheckError::Skip(TEMPLATE_SKIP.to_string())),
            Err(error) => return Err(CheckError::Parse(error)),
        };
        if source.text.contains("{{") && has_template_actions(&tree) {
            return Err(CheckError::Skip(TEMPLATE_SKIP.to_string()));
        }
        if !model::has_objects(&tree) {
            return Err(CheckError::Skip("not a Kubernetes manifest: no document has both `apiVersion` and `kind`".to_string()));
        }
        let manifest = Manifest::new(source, tree);
        let rules: [&dyn Rule<Manifest<'_>>; 7] = [
            &pod_runs_as_root::PodRunsAsRoot,
            &seccomp_unconfined::SeccompUnconfined,
            &privilege_escalation_allowed::PrivilegeEscalationAllowed,
            &capabilities_not_dropped::CapabilitiesNotDropped,
            &writable_root_filesystem::WritableRootFilesystem,
            &service_account_token_automounted::ServiceAccountTokenAutomounted,
            &privileged_container::PrivilegedContainer,
        ];
        let findings = merge_shared_findings(run_rules(&rules, &manifest, ctx)?);
        match kustomize::listing_kustomization(ctx.project, ctx.path) {
            Some(kustomization) => {
                let note = format!(
                    "`{}` lists this file as a patch, which Kustomize merges into a base; fix the merged output or the base instead",
                    kustomization.display()
                );
                Ok(findings
                    .into_iter()
                    .map(|mut finding| {
                        finding.fix = None;
                        finding.with_note(note.clone())
                    })
                    .collect())
            }
            None => Ok(findings),
        }
    }
}

/// Keeps one finding of each group that a rule reports on the same node with the same fix.
/// Containers that share a setting through an alias each get such a finding, and one edit fixes
/// them all, so the counts of fixable and fixed findings agree.
fn merge_shared_findings(findings: Vec<Finding>) -> Vec<Finding> {
    let mut kept: Vec<Finding> = Vec::with_capacity(findings.len());
    let mut by_place: std::collections::HashMap<(&'static str, usize, usize), Vec<usize>> = std::collections::HashMap::new();
    for finding in findings {
        let place = (finding.rule, finding.range.start, finding.range.end);
        let earlier = by_place.get(&place).map(Vec::as_slice).unwrap_or(&[]);
        let repeated = earlier.iter().any(|&index| kept[index].fix.is_some() && kept[index].fix == finding.fix);
        if !repeated {
            by_place.entry(place).or_default().push(kept.len());
            kept.push(finding);
        }
    }
    kept
}

/// Returns whether the tree contains unquoted template actions: `{{ x }}` parses as a flow mapping whose
/// key is another mapping, which no Kubernetes object contains.
fn has_template_actions(tree: &Tree) -> bool {
    tree.nodes.iter().any(|node| match &node.kind {
        NodeKind::Mapping { entries, .. } => {
            entries.iter().any(|&(key, _)| matches!(tree.node(key).kind, NodeKind::Mapping { .. } | NodeKind::Sequence { .. }))
        }
        _ => false,
    })
}

/// Turns an editor's additions into a fix, with notes naming the aliases that share an edited
/// anchored node. Returns no fix when there is nothing to add, or when an alias brings the edit
/// into a place where it is wrong. A note then names the alias and the reason.
pub(crate) fn build_fix(manifest: &Manifest, editor: Editor, applicability: Applicability) -> (Option<Fix>, Vec<String>) {
    let (notes, conflict) = anchor_notes(manifest, &editor);
    if let Some(reason) = conflict {
        return (None, vec![format!("not fixed automatically: {reason}")]);
    }
    let edits = editor.finish();
    if edits.is_empty() {
        return (None, notes);
    }
    (Some(Fix::new(edits, applicability)), notes)
}

/// Adds a fix built from `editor` to `finding`, or a note saying why there is none.
pub(crate) fn with_editor_fix(
    finding: Finding,
    manifest: &Manifest,
    editor: Result<Editor, String>,
    applicability: Applicability,
) -> Finding {
    match editor {
        Ok(editor) => {
            let (fix, notes) = build_fix(manifest, editor, applicability);
            let mut finding = finding;
            for note in notes {
                finding = finding.with_note(note);
            }
            match fix {
                Some(fix) => finding.with_fix(fix),
                None => finding,
            }
        }
        Err(reason) => finding.with_note(format!("not fixed automatically: {reason}")),
    }
}

/// The location of a node: a container, a pod spec outside its containers, or elsewhere.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Container(usize, usize),
    Pod(usize),
    Other,
}

fn place_of(manifest: &Manifest, node: yaml::NodeId) -> Place {
    let tree = &manifest.tree;
    let span = tree.node(node).span.clone();
    let within = |outer: yaml::NodeId| {
        let outer = &tree.node(outer).span;
        outer.start <= span.start && span.end <= outer.end
    };
    for (p, pod) in manifest.pods.iter().enumerate() {
        for (c, container) in pod.containers.iter().enumerate() {
            if within(container.item) || within(container.node) {
                return Place::Container(p, c);
            }
        }
    }
    for (p, pod) in manifest.pods.iter().enumerate() {
        if within(pod.node) {
            return Place::Pod(p);
        }
    }
    Place::Other
}

/// Returns the place that an addition was requested for: the container or pod spec whose
/// mapping was given.
fn root_place(manifest: &Manifest, root: yaml::NodeId) -> Place {
    for (p, pod) in manifest.pods.iter().enumerate() {
        if pod.node == root {
            return Place::Pod(p);
        }
        if let Some(c) = pod.containers.iter().position(|c| c.node == root) {
            return Place::Container(p, c);
        }
    }
    place_of(manifest, root)
}

/// Returns notes naming the aliases of every anchored node that the editor changes. When one
/// alias uses the node where the change is wrong, it also returns the reason to give no fix.
/// That is another kind of place (a container's setting under a pod), a Windows pod, or a
/// container that the editor's check rejects.
fn anchor_notes(manifest: &Manifest, editor: &Editor) -> (Vec<String>, Option<String>) {
    let tree = &manifest.tree;
    let mut anchors: Vec<(usize, yaml::NodeId, Place)> = Vec::new();
    for &(target, root) in &editor.targets {
        let span = tree.node(target).span.clone();
        // Only targets inside an anchored node need their place, which costs a walk of the pods.
        let expected = || match root {
            Some(root) => root_place(manifest, root),
            None => place_of(manifest, target),
        };
        for &anchored in &tree.anchored {
            let node = tree.node(anchored);
            if let Some(anchor) = node.anchor {
                if node.span.start <= span.start && span.end <= node.span.end && !anchors.iter().any(|(a, _, _)| *a == anchor) {
                    anchors.push((anchor, anchored, expected()));
                }
            }
        }
    }
    let mut notes = Vec::new();
    for (anchor, anchored, expected) in anchors {
        let Some(aliases) = tree.aliases.get(&anchor) else { continue };
        let Some(&first) = aliases.first() else { continue };
        let name = match &tree.node(first).kind {
            NodeKind::Alias { name, .. } => name.clone(),
            _ => continue,
        };
        // The users of the node: every alias, and the container or pod spec that holds the
        // anchored node itself. The place the fix is for judges its own change.
        let home = place_of(manifest, anchored);
        let anchor_text = format!("&{name}");
        let home_start = tree.node(anchored).span.start;
        let anchor_at = manifest.source.text[..home_start].rfind(&anchor_text).unwrap_or(home_start);
        let home_line = manifest.source.line_index(anchor_at) + 1;
        let mut users: Vec<(Place, String)> = Vec::new();
        if home != Place::Other {
            users.push((home, format!("the change would go into the node anchored as `&{name}` on line {home_line}, which belongs to")));
        }
        for &alias in aliases {
            let line = tree.node(alias).line + 1;
            users.push((
                place_of(manifest, alias),
                format!("the change would go into the node anchored as `&{name}`, which `*{name}` on line {line} also brings into"),
            ));
        }
        for (place, shared) in users {
            if place == expected && place != Place::Other {
                continue;
            }
            let conflict = match place {
                Place::Container(p, c) => {
                    let (pod, container) = (&manifest.pods[p], &manifest.pods[p].containers[c]);
                    let label = manifest.container_label(pod, container);
                    if !matches!(expected, Place::Container(..)) {
                        Some(format!("{shared} {label}, where it does not belong"))
                    } else if pod.windows {
                        Some(format!("{shared} {label}, whose pod runs on Windows"))
                    } else {
                        editor.user_check.and_then(|check| check(manifest, container, anchored)).map(|reason| format!("{shared} {label}, and {reason}"))
                    }
                }
                Place::Pod(p) => {
                    let pod = &manifest.pods[p];
                    let label = manifest.pod_label(pod);
                    if !matches!(expected, Place::Pod(..)) {
                        Some(format!("{shared} {label}, where it does not belong"))
                    } else if pod.windows {
                        Some(format!("{shared} {label}, which runs on Windows"))
                    } else {
                        None
                    }
                }
                Place::Other if expected == Place::Other => None,
                Place::Other => Some(format!("{shared} a place outside any pod spec")),
            };
            if conflict.is_some() {
                return (notes, conflict);
            }
        }
        let lines: Vec<String> = aliases.iter().map(|&alias| (tree.node(alias).line + 1).to_string()).collect();
        let lines_text = if lines.len() == 1 { format!("line {}", lines[0]) } else { format!("lines {}", lines.join(", ")) };
        notes.push(format!(
            "the change goes into the node anchored as `&{name}`, so it also applies where `*{name}` is used ({lines_text})"
        ));
    }
    (notes, None)
}

/// Settings that a Windows pod rejects; findings on Windows pods get this note instead of a fix.
pub(crate) const WINDOWS_NOTE: &str =
    "the pod runs on Windows, which rejects this Linux-only field; not fixed automatically";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_detected_in_valid_yaml() {
        let source = SourceFile::new("t.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}\n");
        let tree = yaml::parse(&source).unwrap();
        assert!(has_template_actions(&tree));
    }

    #[test]
    fn quoted_template_is_not_an_action() {
        let source = SourceFile::new("t.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: \"{{ x }}\"\n");
        let tree = yaml::parse(&source).unwrap();
        assert!(!has_template_actions(&tree));
    }

    #[test]
    fn accepts_only_objects() {
        let format = KubernetesFormat;
        assert!(format.accepts(&SourceFile::new("a.yaml", "apiVersion: v1\nkind: Pod\n")));
        assert!(!format.accepts(&SourceFile::new("a.yaml", "name: ci\non: push\n")));
        assert!(!format.accepts(&SourceFile::new("package.json", "{\"name\": \"x\"}\n")));
        assert!(format.accepts(&SourceFile::new("a.yaml", "{{- if .Values.x }}\napiVersion: v1\n{{- end }}\n")));
    }
}
