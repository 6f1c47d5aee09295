//! Kubernetes objects in a parsed YAML file: which documents are objects, where their pod specs
//! and containers are, and the file's layout habits that new text copies.

use std::collections::HashMap;

use super::yaml::{yaml11_bool, yaml11_int, NodeId, NodeKind, ScalarStyle, Tree};
use crate::finding::Finding;
use crate::source::SourceFile;

/// One object: a document's root mapping with `apiVersion` and `kind`, or an item of a `List`.
#[derive(Debug, Clone)]
pub struct Object {
    pub node: NodeId,
    pub api_version: String,
    pub kind: String,
    pub name: Option<String>,
    pub namespace: Option<String>,
}

impl Object {
    /// The API group: empty for the core group (`v1`).
    pub fn group(&self) -> &str {
        self.api_version.rsplit_once('/').map_or("", |(group, _)| group)
    }

    /// `Deployment \`web\``, for messages.
    pub fn label(&self) -> String {
        match &self.name {
            Some(name) => format!("{} `{name}`", self.kind),
            None => self.kind.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerKind {
    Init,
    Regular,
    Ephemeral,
}

impl ContainerKind {
    pub fn list_key(self) -> &'static str {
        match self {
            ContainerKind::Init => "initContainers",
            ContainerKind::Regular => "containers",
            ContainerKind::Ephemeral => "ephemeralContainers",
        }
    }

    fn noun(self) -> &'static str {
        match self {
            ContainerKind::Init => "init container",
            ContainerKind::Regular => "container",
            ContainerKind::Ephemeral => "ephemeral container",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Container {
    pub kind: ContainerKind,
    /// The container's mapping, aliases resolved.
    pub node: NodeId,
    /// The list item as written: the mapping, or an alias to it.
    pub item: NodeId,
    /// Where findings about the container sit: the start of its mapping.
    pub position: std::ops::Range<usize>,
    pub name: String,
}

/// A pod spec inside a workload object.
#[derive(Debug, Clone)]
pub struct PodSpec {
    /// Index into [`Manifest::objects`].
    pub object: usize,
    /// The `spec` key that holds the pod spec; findings about the pod sit on it.
    pub key: NodeId,
    /// The pod spec mapping, aliases resolved.
    pub node: NodeId,
    /// The mapping that contains `spec` and the pod's `metadata`: the object, or its pod template.
    pub template: NodeId,
    /// Whether the pod runs on Windows (`os.name` or a node selector), where Linux-only
    /// security fields are rejected.
    pub windows: bool,
    pub containers: Vec<Container>,
}

/// Indentation and quoting habits of a file, measured on its existing text.
#[derive(Debug, Clone)]
pub struct Style {
    /// Extra indentation of a nested block mapping under its key.
    pub step: usize,
    /// Extra indentation of a block sequence's `-` under its key (0 for `key:\n- item`).
    pub sequence_offset: usize,
    /// Distance from a `-` to the first key of a mapping item on its line.
    pub item_offset: usize,
    /// The quote for new strings that need one in YAML (`"ALL"`).
    pub quote: char,
    /// Whether the file is a JSON manifest: every new key and string is double-quoted.
    pub json: bool,
    pub newline: &'static str,
    /// The indentation unit of a multi-line JSON or flow layout.
    pub flow_unit: String,
}

/// A parsed file and the Kubernetes objects found in it: the tree that the rules read.
pub struct Manifest<'a> {
    pub source: &'a SourceFile,
    pub tree: Tree,
    pub objects: Vec<Object>,
    pub pods: Vec<PodSpec>,
    /// The layout measured over the whole file.
    pub style: Style,
    /// The layout of each document with a root, by the root's span, where it differs from the
    /// whole file's.
    pub document_styles: Vec<(std::ops::Range<usize>, Style)>,
}

impl<'a> Manifest<'a> {
    /// Returns every container of every pod spec, with its pod, in file order.
    pub fn containers(&self) -> impl Iterator<Item = (&PodSpec, &Container)> {
        self.pods.iter().flat_map(|pod| pod.containers.iter().map(move |container| (pod, container)))
    }

    pub fn new(source: &'a SourceFile, tree: Tree) -> Self {
        let objects = find_objects(&tree);
        let pods = objects.iter().enumerate().filter_map(|(index, object)| pod_spec(source, &tree, index, object)).collect();
        let style = measure_style(source, &tree, &tree.nodes, None);
        // Nodes come in event order, so a document's nodes run from its root to the next root.
        let roots: Vec<NodeId> = tree.documents.iter().filter_map(|document| document.root).collect();
        let document_styles = roots
            .iter()
            .enumerate()
            .map(|(index, &root)| {
                let end = roots.get(index + 1).copied().unwrap_or(tree.nodes.len()).max(root);
                let span = tree.node(root).span.clone();
                let document_style = measure_style(source, &tree, &tree.nodes[root..end], Some(&style));
                (span, document_style)
            })
            .collect();
        Manifest { source, tree, objects, pods, style, document_styles }
    }

    /// Returns the layout of the document that contains `node`.
    pub fn style_at(&self, node: NodeId) -> &Style {
        let start = self.tree.node(node).span.start;
        self.document_styles.iter().find(|(span, _)| span.start <= start && start <= span.end).map_or(&self.style, |(_, style)| style)
    }

    pub fn object(&self, pod: &PodSpec) -> &Object {
        &self.objects[pod.object]
    }

    /// Returns the range of a node's text, for a finding's position.
    pub fn range(&self, node: NodeId) -> std::ops::Range<usize> {
        self.tree.node(node).span.clone()
    }

    /// `Pod \`web\``, or `the pod of Deployment \`shop\`` for a pod template, for messages.
    pub fn pod_label(&self, pod: &PodSpec) -> String {
        let object = self.object(pod);
        if object.kind == "Pod" {
            object.label()
        } else {
            format!("the pod of {}", object.label())
        }
    }

    /// `container \`web\` of Deployment \`shop\``, for messages.
    pub fn container_label(&self, pod: &PodSpec, container: &Container) -> String {
        format!("{} `{}` of {}", container.kind.noun(), container.name, self.object(pod).label())
    }

    /// Returns the value of `key` in a container's `securityContext`, if both exist.
    pub fn container_setting(&self, container: &Container, key: &str) -> Option<NodeId> {
        self.tree.path(container.node, &["securityContext", key])
    }

    pub fn pod_setting(&self, pod: &PodSpec, key: &str) -> Option<NodeId> {
        self.tree.path(pod.node, &["securityContext", key])
    }

    /// Adds a note to `finding` when the pod-level `securityContext` sets `key`, which exists
    /// only on containers: the API server drops or rejects it there.
    pub fn note_misplaced(&self, pod: &PodSpec, key: &str, finding: Finding) -> Finding {
        if self.pod_setting(pod, key).is_none() {
            return finding;
        }
        finding.with_note(format!(
            "the pod-level securityContext sets `{key}`, which exists only on containers and has no effect there"
        ))
    }

    /// Returns a boolean setting's value as the API server reads it: a plain scalar follows the
    /// YAML 1.1 rules of go-yaml v2 (`yes`, `on`, `y` are true), and a quoted one counts only
    /// when it spells `true` or `false`. A tag other than `!!bool` makes the value unknown.
    pub fn bool_value(&self, node: Option<NodeId>) -> Option<bool> {
        let node = self.tree.resolve(node?);
        if self.tree.tag(node).is_some_and(|tag| tag != "!!bool") {
            return None;
        }
        match &self.tree.node(node).kind {
            NodeKind::Scalar { value, style: ScalarStyle::Plain } => yaml11_bool(value),
            NodeKind::Scalar { value, .. } => match value.as_str() {
                "true" | "True" | "TRUE" => Some(true),
                "false" | "False" | "FALSE" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// Returns an integer setting's value as go-yaml v2 reads a plain scalar (`0x0`, `0o0`,
    /// `00` and `+0` are all 0).
    pub fn int_value(&self, node: Option<NodeId>) -> Option<i64> {
        let node = self.tree.resolve(node?);
        if self.tree.tag(node).is_some_and(|tag| tag != "!!int") {
            return None;
        }
        match &self.tree.node(node).kind {
            NodeKind::Scalar { value, style: ScalarStyle::Plain } => yaml11_int(value),
            NodeKind::Scalar { value, .. } => value.parse().ok(),
            _ => None,
        }
    }
}

const MAX_LIST_DEPTH: usize = 8;

fn find_objects(tree: &Tree) -> Vec<Object> {
    let mut objects = Vec::new();
    for document in &tree.documents {
        if let Some(root) = document.root {
            collect_objects(tree, root, 0, &mut objects);
        }
    }
    objects
}

fn collect_objects(tree: &Tree, node: NodeId, depth: usize, objects: &mut Vec<Object>) {
    let node = tree.resolve(node);
    if !tree.is_mapping(node) || depth > MAX_LIST_DEPTH {
        return;
    }
    let (Some(api_version), Some(kind)) = (tree.get_str(node, "apiVersion"), tree.get_str(node, "kind")) else {
        return;
    };
    let object = Object {
        node,
        api_version: api_version.to_string(),
        kind: kind.to_string(),
        name: tree.path(node, &["metadata", "name"]).and_then(|n| tree.scalar(n)).map(str::to_string),
        namespace: tree.path(node, &["metadata", "namespace"]).and_then(|n| tree.scalar(n)).map(str::to_string),
    };
    let is_list = object.kind.ends_with("List");
    objects.push(object);
    if is_list {
        if let Some(items) = tree.get(node, "items") {
            for &item in tree.items(items) {
                collect_objects(tree, item, depth + 1, objects);
            }
        }
    }
}

/// Whether at least one document of the tree is a Kubernetes object.
pub fn has_objects(tree: &Tree) -> bool {
    tree.documents.iter().filter_map(|d| d.root).any(|root| {
        let root = tree.resolve(root);
        tree.get_str(root, "apiVersion").is_some() && tree.get_str(root, "kind").is_some()
    })
}

/// The keys leading from an object to the mapping that holds its pod spec under `spec`
/// (`template` for a PodTemplate), for the workload kinds of the built-in API groups.
fn pod_spec_parent(object: &Object) -> Option<&'static [&'static str]> {
    let group = object.group();
    let apps = matches!(group, "apps" | "extensions");
    match object.kind.as_str() {
        "Pod" if group.is_empty() => Some(&[]),
        "PodTemplate" if group.is_empty() => Some(&["template"]),
        "ReplicationController" if group.is_empty() => Some(&["spec", "template"]),
        "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet" if apps => Some(&["spec", "template"]),
        "Job" if group == "batch" => Some(&["spec", "template"]),
        "CronJob" if group == "batch" => Some(&["spec", "jobTemplate", "spec", "template"]),
        _ => None,
    }
}

fn pod_spec(source: &SourceFile, tree: &Tree, index: usize, object: &Object) -> Option<PodSpec> {
    let parent = tree.path(object.node, pod_spec_parent(object)?)?;
    let (key, value) = tree.entry(parent, "spec")?;
    let node = tree.resolve(value);
    if !tree.is_mapping(node) {
        return None;
    }
    let windows = is_windows(tree, node);
    let mut containers = Vec::new();
    for kind in [ContainerKind::Init, ContainerKind::Regular, ContainerKind::Ephemeral] {
        let Some(list) = tree.get(node, kind.list_key()) else { continue };
        for &item in tree.items(list) {
            let item_node = tree.resolve(item);
            // A strategic merge patch removes a container marked `$patch: delete`.
            if !tree.is_mapping(item_node) || tree.get_str(item_node, "$patch") == Some("delete") {
                continue;
            }
            let start = tree.node(item).span.start;
            let line_end = source.line_content_end(source.line_index(start));
            let name = tree.get_str(item_node, "name").unwrap_or("(unnamed)").to_string();
            containers.push(Container { kind, node: item_node, item, position: start..line_end.max(start), name });
        }
    }
    Some(PodSpec { object: index, key, node, template: tree.resolve(parent), windows, containers })
}

fn is_windows(tree: &Tree, pod: NodeId) -> bool {
    let os = tree.path(pod, &["os", "name"]).and_then(|n| tree.scalar(n));
    if os.is_some_and(|name| name.eq_ignore_ascii_case("windows")) {
        return true;
    }
    let selector = tree.get(pod, "nodeSelector");
    ["kubernetes.io/os", "beta.kubernetes.io/os"].iter().any(|key| {
        selector.and_then(|s| tree.get_str(s, key)).is_some_and(|value| value.eq_ignore_ascii_case("windows"))
    })
}

fn most_common(counts: &HashMap<usize, usize>) -> Option<usize> {
    counts.iter().max_by_key(|(value, count)| (**count, std::cmp::Reverse(**value))).map(|(value, _)| *value)
}

/// Measures the layout of `nodes`. A habit with no example there comes from `fallback` when one
/// is given.
fn measure_style(source: &SourceFile, tree: &Tree, nodes: &[super::yaml::Node], fallback: Option<&Style>) -> Style {
    let mut steps = HashMap::new();
    let mut sequence_offsets = HashMap::new();
    let mut item_offsets = HashMap::new();
    let (mut single, mut double) = (0usize, 0usize);
    for node in nodes {
        match &node.kind {
            NodeKind::Mapping { entries, flow: false } => {
                for &(key, value) in entries {
                    let (key, value) = (tree.node(key), tree.node(value));
                    if value.line == key.line {
                        continue;
                    }
                    match value.kind {
                        NodeKind::Mapping { flow: false, .. } if value.col > key.col => {
                            *steps.entry(value.col - key.col).or_insert(0) += 1;
                        }
                        NodeKind::Sequence { flow: false, .. } if value.col >= key.col => {
                            *sequence_offsets.entry(value.col - key.col).or_insert(0) += 1;
                        }
                        _ => {}
                    }
                }
            }
            NodeKind::Sequence { items, flow: false } => {
                // Each block mapping item that starts on its dash's line, at the sequence's column.
                for &id in items {
                    let item = tree.node(id);
                    let dash_on_line = source.line_text(item.line).chars().nth(node.col) == Some('-');
                    // An anchor or tag between the dash and the first key hides the distance, so it is not counted.
                    let bare = || source.line_text(item.line).chars().skip(node.col + 1).take(item.col - node.col - 1).all(|c| c == ' ' || c == '\t');
                    if matches!(item.kind, NodeKind::Mapping { flow: false, .. }) && dash_on_line && item.col > node.col && bare() {
                        *item_offsets.entry(item.col - node.col).or_insert(0) += 1;
                    }
                }
            }
            NodeKind::Scalar { style: ScalarStyle::SingleQuoted, .. } => single += 1,
            NodeKind::Scalar { style: ScalarStyle::DoubleQuoted, .. } => double += 1,
            _ => {}
        }
    }
    let json = source.path.extension().is_some_and(|ext| ext.eq_ignore_ascii_case("json"));
    let step = most_common(&steps).or(fallback.map(|f| f.step)).unwrap_or(2);
    let quote = if single + double == 0 {
        fallback.map_or('"', |f| f.quote)
    } else if single > double && !json {
        '\''
    } else {
        '"'
    };
    Style {
        step,
        sequence_offset: most_common(&sequence_offsets).or(fallback.map(|f| f.sequence_offset)).unwrap_or(step),
        item_offset: most_common(&item_offsets).or(fallback.map(|f| f.item_offset)).unwrap_or(2),
        quote,
        json,
        newline: source.newline(),
        flow_unit: fallback.map_or_else(|| source.indent_unit("  "), |f| f.flow_unit.clone()),
    }
}
