//! A light YAML tree with byte spans over the original text, built from yaml-rust2's events.
//!
//! yaml-rust2 0.13 reports only where each event starts, and its `Marker::index()` counts
//! characters (it drifts from byte offsets after multi-byte text). Its line (1-based) and column
//! (0-based, in characters) are reliable, so every position goes through the file's own line
//! index. Ends are computed here. A quoted scalar ends at its closing quote and a plain scalar
//! where its value runs out. A literal or folded scalar ends at its last content line, a flow
//! collection at its closing bracket, and a block collection at the end of its last child. Trailing comments
//! and blank lines after a block therefore belong to what follows, except in `|+` scalars, whose
//! trailing blank lines are part of the value.

use std::collections::HashMap;
use std::ops::Range;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use crate::rule::ParseError;
use crate::source::SourceFile;

/// Collections nested deeper than this are rejected rather than walked.
pub const MAX_DEPTH: usize = 256;

pub type NodeId = usize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarStyle {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

#[derive(Debug, Clone)]
pub enum NodeKind {
    Scalar { value: String, style: ScalarStyle },
    Mapping { entries: Vec<(NodeId, NodeId)>, flow: bool },
    Sequence { items: Vec<NodeId>, flow: bool },
    /// `*name`; `target` is the anchored node it refers to.
    Alias { target: Option<NodeId>, name: String },
}

#[derive(Debug, Clone)]
pub struct Node {
    pub kind: NodeKind,
    /// Bytes of the node's own text: from its first content byte (a block mapping's first key, a
    /// flow collection's bracket, a block scalar's `|` or `>`) to its last content byte.
    pub span: Range<usize>,
    /// 0-based line and character column of `span.start`.
    pub line: usize,
    pub col: usize,
    /// The anchor id yaml-rust2 gave the node, when it carries `&name`.
    pub anchor: Option<usize>,
    /// The collection that contains the node; `None` for a document's root.
    pub parent: Option<NodeId>,
    /// The node's tag, with the standard `tag:yaml.org,2002:` prefix written as `!!` (`!!null`).
    pub tag: Option<String>,
}

/// One YAML document of the stream.
#[derive(Debug, Clone)]
pub struct Document {
    pub root: Option<NodeId>,
}

/// Every node of a file, in event order, and its documents.
#[derive(Debug, Clone, Default)]
pub struct Tree {
    pub nodes: Vec<Node>,
    pub documents: Vec<Document>,
    /// Alias nodes, by the anchor id they refer to.
    pub aliases: HashMap<usize, Vec<NodeId>>,
    /// Nodes that carry an anchor, in event order.
    pub anchored: Vec<NodeId>,
}

impl Tree {
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id]
    }

    /// Follows an alias to its anchored node; other nodes are returned as they are.
    pub fn resolve(&self, id: NodeId) -> NodeId {
        match &self.nodes[id].kind {
            NodeKind::Alias { target: Some(target), .. } => *target,
            _ => id,
        }
    }

    pub fn scalar(&self, id: NodeId) -> Option<&str> {
        match &self.nodes[self.resolve(id)].kind {
            NodeKind::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    pub fn is_mapping(&self, id: NodeId) -> bool {
        matches!(self.nodes[self.resolve(id)].kind, NodeKind::Mapping { .. })
    }

    pub fn entries(&self, id: NodeId) -> &[(NodeId, NodeId)] {
        match &self.nodes[self.resolve(id)].kind {
            NodeKind::Mapping { entries, .. } => entries,
            _ => &[],
        }
    }

    pub fn items(&self, id: NodeId) -> &[NodeId] {
        match &self.nodes[self.resolve(id)].kind {
            NodeKind::Sequence { items, .. } => items,
            _ => &[],
        }
    }

    pub fn is_flow(&self, id: NodeId) -> bool {
        matches!(self.nodes[id].kind, NodeKind::Mapping { flow: true, .. } | NodeKind::Sequence { flow: true, .. })
    }

    /// Returns the `(key, value)` ids of `key` in mapping `map`, looking through `<<` merge keys
    /// when the mapping itself lacks it.
    pub fn entry(&self, map: NodeId, key: &str) -> Option<(NodeId, NodeId)> {
        self.entry_at_depth(map, key, 0)
    }

    fn entry_at_depth(&self, map: NodeId, key: &str, depth: usize) -> Option<(NodeId, NodeId)> {
        if depth > 16 {
            return None;
        }
        let entries = self.entries(map);
        if let Some(found) = entries.iter().find(|(k, _)| self.scalar(*k) == Some(key)) {
            return Some(*found);
        }
        for (k, v) in entries {
            if self.scalar(*k) != Some("<<") {
                continue;
            }
            let sources: Vec<NodeId> = match &self.nodes[self.resolve(*v)].kind {
                NodeKind::Sequence { items, .. } => items.clone(),
                _ => vec![*v],
            };
            for source in sources {
                if let Some(found) = self.entry_at_depth(source, key, depth + 1) {
                    return Some(found);
                }
            }
        }
        None
    }

    /// Returns the value of `key` in mapping `map`, aliases resolved.
    pub fn get(&self, map: NodeId, key: &str) -> Option<NodeId> {
        self.entry(map, key).map(|(_, value)| self.resolve(value))
    }

    /// Follows a path of keys through nested mappings.
    pub fn path(&self, map: NodeId, keys: &[&str]) -> Option<NodeId> {
        keys.iter().try_fold(self.resolve(map), |node, key| self.get(node, key))
    }

    pub fn get_str(&self, map: NodeId, key: &str) -> Option<&str> {
        self.get(map, key).and_then(|value| self.scalar(value))
    }

    /// Returns whether `value` is a null: empty, `~` or `null` in plain style, with no tag.
    pub fn is_null(&self, id: NodeId) -> bool {
        let node = &self.nodes[self.resolve(id)];
        match &node.kind {
            NodeKind::Scalar { value, style: ScalarStyle::Plain } if node.tag.is_none() => {
                matches!(value.as_str(), "" | "~" | "null" | "Null" | "NULL")
            }
            _ => false,
        }
    }

    /// Returns the node's tag, aliases resolved.
    pub fn tag(&self, id: NodeId) -> Option<&str> {
        self.nodes[self.resolve(id)].tag.as_deref()
    }
}

/// Parses `source` into a tree.
pub fn parse(source: &SourceFile) -> Result<Tree, ParseError> {
    if let Some(at) = lone_carriage_return(&source.text) {
        return Err(ParseError::at(at, "a carriage return without a line feed ends a line here; cinch reads YAML with LF or CRLF line endings only"));
    }
    let mut builder = Builder { source, tree: Tree::default(), stack: Vec::new(), anchors: HashMap::new(), error: None };
    let mut parser = Parser::new_from_str(&source.text);
    if let Err(error) = parser.load(&mut builder, true) {
        let offset = marker_offset(source, error.marker());
        return Err(ParseError::at(offset, syntax_message(source, offset, error.info())));
    }
    if let Some(error) = builder.error {
        return Err(error);
    }
    Ok(builder.tree)
}

/// The message for a syntax error that yaml-rust2 reports at `offset`. yaml-rust2 rejects a
/// closing `]` or `}` of a multi-line flow collection at or left of its key's column, which
/// libyaml-based loaders accept, so that message names the bracket and how to move it.
fn syntax_message(source: &SourceFile, offset: usize, info: &str) -> String {
    let bracket = source.text.as_bytes().get(offset).copied().filter(|b| matches!(b, b']' | b'}'));
    match bracket {
        Some(b) if info.contains("indentation") => {
            let line = source.line_index(offset) + 1;
            let bracket = b as char;
            format!(
                "invalid YAML: the closing `{bracket}` on line {line} is not indented past the key that holds its flow collection; cinch's YAML reader rejects this layout, so indent the `{bracket}` further"
            )
        }
        _ => format!("invalid YAML: {info}"),
    }
}

fn lone_carriage_return(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().position(|(i, &b)| b == b'\r' && bytes.get(i + 1) != Some(&b'\n'))
}

/// Converts a marker (1-based line, 0-based character column) into a byte offset.
fn marker_offset(source: &SourceFile, marker: &Marker) -> usize {
    source.offset_of(marker.line().saturating_sub(1), marker.col())
}

enum Frame {
    Mapping { id: NodeId, pending_key: Option<NodeId> },
    Sequence { id: NodeId },
}

struct Builder<'a> {
    source: &'a SourceFile,
    tree: Tree,
    stack: Vec<Frame>,
    anchors: HashMap<usize, NodeId>,
    error: Option<ParseError>,
}

impl MarkedEventReceiver for Builder<'_> {
    fn on_event(&mut self, event: Event, marker: Marker) {
        if self.error.is_some() {
            return;
        }
        let line = marker.line().saturating_sub(1);
        let offset = marker_offset(self.source, &marker);
        match event {
            Event::DocumentStart => self.tree.documents.push(Document { root: None }),
            Event::Scalar(value, style, anchor, tag) => {
                let id = self.scalar_node(value, style, line, marker.col(), offset);
                self.remember_anchor(id, anchor);
                self.set_tag(id, tag.as_ref());
                self.attach(id);
            }
            Event::Alias(anchor) => {
                let name = alias_name(&self.source.text, offset);
                let end = offset + 1 + name.len();
                let target = self.anchors.get(&anchor).copied();
                let id = self.push_node(NodeKind::Alias { target, name }, offset..end, line, marker.col(), None);
                self.tree.aliases.entry(anchor).or_default().push(id);
                self.attach(id);
            }
            Event::SequenceStart(anchor, tag) => {
                let flow = self.source.text.as_bytes().get(offset) == Some(&b'[');
                let (offset, col) = if flow { (offset, marker.col()) } else { self.block_sequence_start(offset, line, marker.col()) };
                let id = self.push_node(NodeKind::Sequence { items: Vec::new(), flow }, offset..offset, line, col, None);
                self.remember_anchor(id, anchor);
                self.set_tag(id, tag.as_ref());
                self.open(Frame::Sequence { id });
            }
            Event::MappingStart(anchor, tag) => {
                let flow = self.source.text.as_bytes().get(offset) == Some(&b'{');
                let id = self.push_node(NodeKind::Mapping { entries: Vec::new(), flow }, offset..offset, line, marker.col(), None);
                self.remember_anchor(id, anchor);
                self.set_tag(id, tag.as_ref());
                self.open(Frame::Mapping { id, pending_key: None });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = self.stack.pop() else { return };
                let id = match frame {
                    Frame::Mapping { id, .. } | Frame::Sequence { id } => id,
                };
                self.close(id, offset);
                self.check_duplicate_keys(id);
                self.attach(id);
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
        }
    }
}

impl Builder<'_> {
    fn push_node(&mut self, kind: NodeKind, span: Range<usize>, line: usize, col: usize, anchor: Option<usize>) -> NodeId {
        let parent = self.stack.last().map(|frame| match frame {
            Frame::Mapping { id, .. } | Frame::Sequence { id } => *id,
        });
        self.tree.nodes.push(Node { kind, span, line, col, anchor, parent, tag: None });
        self.tree.nodes.len() - 1
    }

    /// Returns the offset and column of a block sequence's first `-`. yaml-rust2 marks a
    /// sequence that is not indented under its key after its first `- `, and a sequence whose
    /// first item is another sequence at that item's `-`.
    fn block_sequence_start(&mut self, offset: usize, line: usize, col: usize) -> (usize, usize) {
        let text = self.source.text.as_bytes();
        let line_start = self.source.line_start(line);
        let dash_before = |at: usize| {
            let mut i = at;
            while i > line_start && text[i - 1] == b' ' {
                i -= 1;
            }
            (i > line_start && text[i - 1] == b'-').then(|| i - 1)
        };
        let mut start = offset;
        if text.get(offset) != Some(&b'-') {
            if let Some(dash) = dash_before(offset) {
                start = dash;
            }
        }
        // An enclosing sequence that yaml-rust2 marked at this same `-` starts at the one before.
        if let Some(Frame::Sequence { id }) = self.stack.last() {
            let parent = *id;
            let node = &self.tree.nodes[parent];
            if !self.tree.is_flow(parent) && node.span.start == start && self.tree.items(parent).is_empty() {
                if let Some(dash) = dash_before(start) {
                    let parent_col = self.source.text[line_start..dash].chars().count();
                    let node = &mut self.tree.nodes[parent];
                    node.span = dash..dash;
                    node.col = parent_col;
                }
            }
        }
        let col = if start == offset { col } else { self.source.text[line_start..start].chars().count() };
        (start, col)
    }

    /// Records a node's tag, and rejects a standard tag that does not fit the node: a mapping
    /// or sequence under a scalar tag (`!!null`, `!!str`) or a scalar under `!!map` or `!!seq`.
    /// Other YAML loaders refuse such a node, so a file with one is never accepted.
    fn set_tag(&mut self, id: NodeId, tag: Option<&Tag>) {
        let Some(tag) = tag else { return };
        let name = if tag.handle == "!!" || tag.handle == "tag:yaml.org,2002:" {
            format!("!!{}", tag.suffix)
        } else {
            format!("{}{}", tag.handle, tag.suffix)
        };
        let fits = match (&self.tree.nodes[id].kind, name.strip_prefix("!!")) {
            (_, None) => true,
            (NodeKind::Mapping { .. }, Some(kind)) => matches!(kind, "map" | "omap" | "pairs" | "set"),
            (NodeKind::Sequence { .. }, Some(kind)) => matches!(kind, "seq" | "omap" | "pairs"),
            (_, Some(kind)) => !matches!(kind, "map" | "seq" | "omap" | "pairs" | "set"),
        };
        if !fits && self.error.is_none() {
            let what = match self.tree.nodes[id].kind {
                NodeKind::Mapping { .. } => "a mapping",
                NodeKind::Sequence { .. } => "a sequence",
                _ => "a scalar",
            };
            self.error = Some(ParseError::at(self.tree.nodes[id].span.start, format!("{what} carries the tag `{name}`, which does not fit it")));
        }
        self.tree.nodes[id].tag = Some(name);
    }

    /// Rejects a mapping that repeats a key: the API server rejects such a manifest, and an
    /// edit could not tell which entry counts. A quoted and a plain key with the same text are
    /// the same string, except when the plain one reads as a boolean, number or null.
    fn check_duplicate_keys(&mut self, id: NodeId) {
        let mut seen: HashMap<(&str, bool), NodeId> = HashMap::new();
        for &(key, _) in self.tree.entries(id) {
            let NodeKind::Scalar { value, style } = &self.tree.nodes[key].kind else { continue };
            let quoted = matches!(style, ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted);
            let non_string = !quoted && plain_non_string(value);
            if let Some(&first) = seen.get(&(value.as_str(), non_string)) {
                let first_line = self.tree.nodes[first].line + 1;
                self.error = Some(ParseError::at(
                    self.tree.nodes[key].span.start,
                    format!("duplicate key `{value}` in a mapping (first at line {first_line})"),
                ));
                return;
            }
            seen.insert((value.as_str(), non_string), key);
        }
    }

    fn remember_anchor(&mut self, id: NodeId, anchor: usize) {
        if anchor > 0 {
            self.tree.nodes[id].anchor = Some(anchor);
            self.tree.anchored.push(id);
            self.anchors.insert(anchor, id);
        }
    }

    fn open(&mut self, frame: Frame) {
        self.stack.push(frame);
        if self.stack.len() > MAX_DEPTH {
            let id = match self.stack.last() {
                Some(Frame::Mapping { id, .. } | Frame::Sequence { id }) => *id,
                None => 0,
            };
            self.error = Some(ParseError::at(
                self.tree.nodes[id].span.start,
                format!("collections are nested more than {MAX_DEPTH} levels deep"),
            ));
        }
    }

    /// Sets the end of a finished collection: after the closing bracket of a flow collection,
    /// at the end of the last child of a block collection.
    fn close(&mut self, id: NodeId, end_marker: usize) {
        let text = &self.source.text;
        let node = &self.tree.nodes[id];
        let flow = self.tree.is_flow(id);
        let end = if flow {
            let closing = if matches!(node.kind, NodeKind::Mapping { .. }) { b'}' } else { b']' };
            if text.as_bytes().get(end_marker) == Some(&closing) { end_marker + 1 } else { end_marker }
        } else {
            let children: Vec<NodeId> = match &node.kind {
                NodeKind::Mapping { entries, .. } => entries.iter().flat_map(|(k, v)| [*k, *v]).collect(),
                NodeKind::Sequence { items, .. } => items.clone(),
                _ => Vec::new(),
            };
            children.iter().map(|&child| self.tree.nodes[child].span.end).max().unwrap_or(node.span.start)
        };
        let node = &mut self.tree.nodes[id];
        node.span.end = end.max(node.span.start);
    }

    fn attach(&mut self, id: NodeId) {
        match self.stack.last_mut() {
            Some(Frame::Mapping { id: map, pending_key }) => {
                let map = *map;
                match pending_key.take() {
                    None => {
                        *pending_key = Some(id);
                        let first = matches!(&self.tree.nodes[map].kind, NodeKind::Mapping { entries, flow: false } if entries.is_empty());
                        if first {
                            // A block mapping starts at its first key, not where yaml-rust2 puts it.
                            let (start, line, col) = {
                                let key = &self.tree.nodes[id];
                                (key.span.start, key.line, key.col)
                            };
                            let node = &mut self.tree.nodes[map];
                            node.span = start..start;
                            node.line = line;
                            node.col = col;
                        }
                    }
                    Some(key) => {
                        self.place_empty_value(key, id);
                        if let NodeKind::Mapping { entries, .. } = &mut self.tree.nodes[map].kind {
                            entries.push((key, id));
                        }
                    }
                }
            }
            Some(Frame::Sequence { id: seq }) => {
                let seq = *seq;
                self.place_empty_item(seq, id);
                if let NodeKind::Sequence { items, .. } = &mut self.tree.nodes[seq].kind {
                    items.push(id);
                }
            }
            None => {
                if let Some(document) = self.tree.documents.last_mut() {
                    document.root = Some(id);
                } else {
                    self.tree.documents.push(Document { root: Some(id) });
                }
            }
        }
    }

    /// Moves an empty value to just after its key's `:`, so that the mapping ends on the key's
    /// line. yaml-rust2 puts an empty value where the next token starts.
    fn place_empty_value(&mut self, key: NodeId, value: NodeId) {
        let empty = matches!(&self.tree.nodes[value].kind, NodeKind::Scalar { value, style: ScalarStyle::Plain } if value.is_empty());
        if !empty {
            return;
        }
        let text = self.source.text.as_bytes();
        let mut at = self.tree.nodes[key].span.end;
        while matches!(text.get(at), Some(b' ' | b'\t')) {
            at += 1;
        }
        if text.get(at) == Some(&b':') {
            at += 1;
        } else {
            at = self.tree.nodes[key].span.end;
        }
        let line = self.source.line_index(at);
        let col = self.source.text[self.source.line_start(line)..at].chars().count();
        let node = &mut self.tree.nodes[value];
        node.span = at..at;
        node.line = line;
        node.col = col;
    }

    /// Moves an empty block sequence item (a bare `-`) to just after its dash. yaml-rust2 puts it
    /// where the next token starts, which can be the next key of an enclosing mapping.
    fn place_empty_item(&mut self, seq: NodeId, item: NodeId) {
        let empty = matches!(&self.tree.nodes[item].kind, NodeKind::Scalar { value, style: ScalarStyle::Plain } if value.is_empty());
        if !empty || self.tree.is_flow(seq) {
            return;
        }
        let source = self.source;
        let text = source.text.as_bytes();
        let dash = match self.tree.items(seq).last() {
            None => Some(self.tree.nodes[seq].span.start),
            Some(&previous) => {
                // Later items start on a line of their own, after blank and comment lines.
                let first_line = source.line_index(self.tree.nodes[previous].span.end) + 1;
                (first_line..source.line_count()).find_map(|line| {
                    let content = source.line_text(line).trim_start_matches([' ', '\t']);
                    if content.is_empty() || content.starts_with('#') {
                        return None;
                    }
                    let at = source.line_content_end(line) - content.len();
                    Some((text.get(at) == Some(&b'-')).then_some(at))
                }).flatten()
            }
        };
        let Some(dash) = dash.filter(|&at| text.get(at) == Some(&b'-')) else { return };
        let at = dash + 1;
        let line = source.line_index(at);
        let col = source.text[source.line_start(line)..at].chars().count();
        let node = &mut self.tree.nodes[item];
        node.span = at..at;
        node.line = line;
        node.col = col;
    }

    fn scalar_node(&mut self, value: String, style: TScalarStyle, line: usize, col: usize, offset: usize) -> NodeId {
        let source = self.source;
        let (style, span, line, col) = match style {
            TScalarStyle::Plain => {
                let end = if value.is_empty() { offset } else { plain_end(&source.text, offset, &value) };
                (ScalarStyle::Plain, offset..end, line, col)
            }
            TScalarStyle::SingleQuoted => (ScalarStyle::SingleQuoted, offset..single_quoted_end(&source.text, offset), line, col),
            TScalarStyle::DoubleQuoted => (ScalarStyle::DoubleQuoted, offset..double_quoted_end(&source.text, offset), line, col),
            TScalarStyle::Literal | TScalarStyle::Folded => {
                let style = if matches!(style, TScalarStyle::Literal) { ScalarStyle::Literal } else { ScalarStyle::Folded };
                let parent_col = self.parent_column();
                let (span, header_line, header_col) = block_scalar_span(source, line, col, offset, parent_col);
                (style, span, header_line, header_col)
            }
        };
        self.push_node(NodeKind::Scalar { value, style }, span, line, col, None)
    }

    /// The column of the innermost open block collection, which a block scalar's content must
    /// be indented past.
    fn parent_column(&self) -> Option<usize> {
        self.stack.iter().rev().find_map(|frame| match frame {
            Frame::Mapping { id, .. } | Frame::Sequence { id } if !self.tree.is_flow(*id) => Some(self.tree.nodes[*id].col),
            _ => None,
        })
    }
}

/// Returns whether a plain scalar reads as a null, a boolean or a number under the YAML 1.1
/// rules that Kubernetes uses.
fn plain_non_string(value: &str) -> bool {
    matches!(value, "" | "~" | "null" | "Null" | "NULL") || yaml11_bool(value).is_some() || yaml11_int(value).is_some() || value.parse::<f64>().is_ok()
}

/// Reads a plain scalar as a boolean the way go-yaml v2 (under sigs.k8s.io/yaml) does.
pub fn yaml11_bool(value: &str) -> Option<bool> {
    match value {
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "true" | "True" | "TRUE" => Some(true),
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

/// Reads a plain scalar as an integer the way go-yaml v2 does: an optional sign, `_` between
/// digits, `0x` hexadecimal, `0b` binary, `0o` or a leading `0` octal.
pub fn yaml11_int(value: &str) -> Option<i64> {
    let (negative, rest) = match value.as_bytes().first() {
        Some(b'-') => (true, &value[1..]),
        Some(b'+') => (false, &value[1..]),
        _ => (false, value),
    };
    let digits = rest.replace('_', "");
    if digits.is_empty() || rest.starts_with('_') {
        return None;
    }
    let parsed = if let Some(hex) = digits.strip_prefix("0x") {
        i64::from_str_radix(hex, 16).ok()
    } else if let Some(bin) = digits.strip_prefix("0b") {
        i64::from_str_radix(bin, 2).ok()
    } else if let Some(oct) = digits.strip_prefix("0o") {
        i64::from_str_radix(oct, 8).ok()
    } else if digits.len() > 1 && digits.starts_with('0') {
        i64::from_str_radix(&digits[1..], 8).ok()
    } else if digits.bytes().all(|b| b.is_ascii_digit()) {
        digits.parse().ok()
    } else {
        None
    };
    parsed.map(|n| if negative { -n } else { n })
}

fn alias_name(text: &str, offset: usize) -> String {
    text.get(offset + 1..)
        .unwrap_or("")
        .chars()
        .take_while(|c| !c.is_whitespace() && !matches!(c, ',' | '[' | ']' | '{' | '}'))
        .collect()
}

/// Finds where a plain scalar whose parsed value is `value` ends, by walking the value and the
/// text together. Inside a line the two agree character for character. Where the text folds a
/// line break (trailing spaces, the break, the next line's indentation), the value has one space
/// or line feeds instead.
fn plain_end(text: &str, start: usize, value: &str) -> usize {
    let mut source = text[start..].char_indices().map(|(i, c)| (start + i, c)).peekable();
    let mut expected = value.chars().peekable();
    let mut end = start;
    while let (Some(&want), Some(&(at, c))) = (expected.peek(), source.peek()) {
        if c == want {
            source.next();
            expected.next();
            end = at + c.len_utf8();
        } else if c.is_whitespace() {
            while source.next_if(|&(_, c)| c.is_whitespace()).is_some() {}
            while expected.next_if(|&w| w == ' ' || w == '\n').is_some() {}
        } else {
            break;
        }
    }
    end
}

fn single_quoted_end(text: &str, start: usize) -> usize {
    let bytes = text.as_bytes();
    let mut i = start + 1;
    while i < bytes.len() {
        if bytes[i] == b'\'' {
            if bytes.get(i + 1) == Some(&b'\'') {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    text.len()
}

fn double_quoted_end(text: &str, start: usize) -> usize {
    let bytes = text.as_bytes();
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    text.len()
}

/// A block scalar's header: the offset of `|` or `>`, the end of its indicators, an explicit
/// indentation digit, and whether it keeps trailing line breaks (`+`).
struct BlockHeader {
    start: usize,
    line: usize,
    col: usize,
    explicit_indent: Option<usize>,
    keep: bool,
}

/// Finds a header on `line_text` (the part of a line that may hold it): a `|` or `>` at the start
/// or after whitespace, followed by indicators and then nothing but whitespace or a comment.
fn header_in(line_text: &str) -> Option<(usize, Option<usize>, bool)> {
    let bytes = line_text.as_bytes();
    for (at, &b) in bytes.iter().enumerate() {
        if b != b'|' && b != b'>' {
            continue;
        }
        if at > 0 && !matches!(bytes[at - 1], b' ' | b'\t') {
            continue;
        }
        let rest = &line_text[at + 1..];
        let indicators: &str = &rest[..rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit() || c == '+' || c == '-').len()];
        let after = &rest[indicators.len()..];
        let trimmed = after.trim_start_matches([' ', '\t']);
        let clean = trimmed.is_empty() || (trimmed.starts_with('#') && trimmed.len() < after.len());
        if clean {
            let digit = indicators.chars().find(|c| c.is_ascii_digit()).and_then(|c| c.to_digit(10)).map(|d| d as usize);
            return Some((at, digit, indicators.contains('+')));
        }
    }
    None
}

fn find_block_header(source: &SourceFile, line: usize, col: usize, offset: usize) -> Option<BlockHeader> {
    let text = &source.text;
    if matches!(text.as_bytes().get(offset), Some(b'|' | b'>')) {
        let line_start = source.line_start(line);
        if let Some((at, digit, keep)) = header_in(&text[line_start..source.line_content_end(line)]) {
            if line_start + at == offset {
                return Some(BlockHeader { start: offset, line, col, explicit_indent: digit, keep });
            }
        }
    }
    for candidate in (0..=line).rev() {
        let start = source.line_start(candidate);
        let end = if candidate == line { offset } else { source.line_content_end(candidate) };
        let part = &text[start..end];
        if part.trim().is_empty() {
            continue;
        }
        let (at, digit, keep) = header_in(part)?;
        let col = part[..at].chars().count();
        return Some(BlockHeader { start: start + at, line: candidate, col, explicit_indent: digit, keep });
    }
    None
}

/// Returns the span of a literal or folded scalar whose content yaml-rust2 marked at
/// (`line`, `col`), with the line and column of its header.
fn block_scalar_span(source: &SourceFile, line: usize, col: usize, offset: usize, parent_col: Option<usize>) -> (Range<usize>, usize, usize) {
    let Some(header) = find_block_header(source, line, col, offset) else {
        return (offset..offset, line, col);
    };
    let header_end = source.line_content_end(header.line);
    let minimum = parent_col.map_or(0, |c| c + 1);
    let content_indent = match header.explicit_indent {
        Some(digit) => parent_col.unwrap_or(0) + digit,
        None if line > header.line && col >= minimum => col,
        None => minimum.max(1),
    };
    let mut last_content: Option<usize> = None;
    let mut stop = source.line_count();
    for candidate in header.line + 1..source.line_count() {
        let line_text = source.line_text(candidate);
        if line_text.trim_matches([' ', '\t']).is_empty() {
            continue;
        }
        let indent = line_text.len() - line_text.trim_start_matches(' ').len();
        if indent >= content_indent {
            last_content = Some(candidate);
        } else {
            stop = candidate;
            break;
        }
    }
    let end = match (header.keep, last_content) {
        (true, _) if stop < source.line_count() => source.line_start(stop),
        (true, _) => source.text.len(),
        (false, Some(last)) => source.line_content_end(last),
        (false, None) => header_end,
    };
    (header.start..end.max(header.start), header.line, header.col)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(text: &str) -> (SourceFile, Tree) {
        let source = SourceFile::new("t.yaml", text);
        let tree = parse(&source).expect("parses");
        (source, tree)
    }

    fn span_text<'a>(source: &'a SourceFile, tree: &Tree, id: NodeId) -> &'a str {
        &source.text[tree.node(id).span.clone()]
    }

    #[test]
    fn scalar_spans_by_style() {
        let text = "a: plain value # c\nb: \"dq \\\" é\"\nc: 'it''s'\nd: multi\n  line plain\ne: |\n  lit\n  more\n\n# after\nf: x\n";
        let (source, tree) = tree(text);
        let root = tree.documents[0].root.unwrap();
        let value = |key: &str| span_text(&source, &tree, tree.entry(root, key).unwrap().1);
        assert_eq!(value("a"), "plain value");
        assert_eq!(value("b"), "\"dq \\\" é\"");
        assert_eq!(value("c"), "'it''s'");
        assert_eq!(value("d"), "multi\n  line plain");
        assert_eq!(value("e"), "|\n  lit\n  more");
        assert_eq!(value("f"), "x");
    }

    #[test]
    fn block_mapping_ends_before_trailing_comment() {
        let (source, tree) = tree("outer:\n  inner: 1\n  # trailing\n\nnext: 2\n");
        let root = tree.documents[0].root.unwrap();
        let outer = tree.get(root, "outer").unwrap();
        assert_eq!(span_text(&source, &tree, outer), "inner: 1");
    }

    #[test]
    fn keep_chomping_takes_blank_lines() {
        let (source, tree) = tree("a: |+\n  x\n\nb: 1\n");
        let root = tree.documents[0].root.unwrap();
        assert_eq!(span_text(&source, &tree, tree.get(root, "a").unwrap()), "|+\n  x\n\n");
    }

    #[test]
    fn multibyte_text_keeps_offsets() {
        let long = "é".repeat(300);
        let text = format!("a: \"{long}\"\nb:\n  - {long}\n  - z\n");
        let (source, tree) = tree(&text);
        let root = tree.documents[0].root.unwrap();
        let items = tree.items(tree.get(root, "b").unwrap()).to_vec();
        assert_eq!(span_text(&source, &tree, items[1]), "z");
        assert_eq!(span_text(&source, &tree, items[0]), long);
    }

    #[test]
    fn flow_and_alias_spans() {
        let (source, tree) = tree("a: &x {k: [1, 2], j: v}\nb: *x\n");
        let root = tree.documents[0].root.unwrap();
        let (_, b) = tree.entry(root, "b").unwrap();
        assert_eq!(span_text(&source, &tree, b), "*x");
        let a = tree.get(root, "a").unwrap();
        assert_eq!(span_text(&source, &tree, a), "{k: [1, 2], j: v}");
        assert_eq!(tree.resolve(b), a);
        assert_eq!(tree.aliases.values().flatten().count(), 1);
    }

    #[test]
    fn empty_value_sits_after_colon() {
        let (source, tree) = tree("a:\n  b:\n  # c\nd: 1\n");
        let root = tree.documents[0].root.unwrap();
        let a = tree.get(root, "a").unwrap();
        assert_eq!(span_text(&source, &tree, a), "b:");
    }

    #[test]
    fn sequence_columns_at_dashes() {
        let (_, tree) = tree("a:\n- x: 1\n  y: 2\nb:\n- - q\nc:\n  - z\n");
        let root = tree.documents[0].root.unwrap();
        assert_eq!(tree.node(tree.get(root, "a").unwrap()).col, 0);
        let b = tree.get(root, "b").unwrap();
        assert_eq!(tree.node(b).col, 0);
        assert_eq!(tree.node(tree.items(b)[0]).col, 2);
        assert_eq!(tree.node(tree.get(root, "c").unwrap()).col, 2);
    }

    #[test]
    fn duplicate_key_is_rejected() {
        let error = parse(&SourceFile::new("t.yaml", "a: 1\nb: 2\na: 3\n")).unwrap_err();
        assert_eq!(error.offset, Some(10));
        assert!(error.message.contains("duplicate key `a`"), "{}", error.message);
    }

    #[test]
    fn quoted_key_repeats_plain_key() {
        let error = parse(&SourceFile::new("t.yaml", "a: 1\n\"a\": 2\n")).unwrap_err();
        assert!(error.message.contains("duplicate key `a`"), "{}", error.message);
        // A plain `true` is a boolean and a quoted one a string: two different keys.
        assert!(parse(&SourceFile::new("t.yaml", "true: 1\n'true': 2\n")).is_ok());
    }

    #[test]
    fn mapping_under_scalar_tag_is_rejected() {
        let error = parse(&SourceFile::new("t.yaml", "a: !!null\n  b: 1\n")).unwrap_err();
        assert!(error.message.contains("`!!null`"), "{}", error.message);
        assert!(parse(&SourceFile::new("t.yaml", "a: !!str {b: 1}\n")).is_err());
        assert!(parse(&SourceFile::new("t.yaml", "a: !!map x\n")).is_err());
        let (_, tree) = tree("a: !!map {b: 1}\nc: !!null\nd: !custom [1]\n");
        let root = tree.documents[0].root.unwrap();
        assert_eq!(tree.tag(tree.get(root, "a").unwrap()), Some("!!map"));
        let c = tree.get(root, "c").unwrap();
        assert_eq!(tree.tag(c), Some("!!null"));
        assert!(!tree.is_null(c));
    }

    #[test]
    fn flow_close_left_of_key_is_named() {
        let error = parse(&SourceFile::new("t.yaml", "s:\n  c:\n  - n: b\n    args: [\n      \"a\",\n    ]\n")).unwrap_err();
        assert!(error.message.contains("closing `]` on line 6"), "{}", error.message);
    }

    #[test]
    fn yaml_1_1_booleans_and_ints() {
        for (text, value) in [("yes", true), ("On", true), ("Y", true), ("NO", false), ("off", false), ("n", false)] {
            assert_eq!(yaml11_bool(text), Some(value), "{text}");
        }
        assert_eq!(yaml11_bool("yES"), None);
        for (text, value) in [("0x0", 0), ("0o0", 0), ("00", 0), ("+0", 0), ("0x3E8", 1000), ("010", 8), ("1_000", 1000), ("-1", -1)] {
            assert_eq!(yaml11_int(text), Some(value), "{text}");
        }
        assert_eq!(yaml11_int("1e3"), None);
        assert_eq!(yaml11_int("0x"), None);
    }

    #[test]
    fn empty_item_sits_after_dash() {
        let (source, tree) = tree("a:\n  - x\n  # note\n  -\nb: 1\n");
        let root = tree.documents[0].root.unwrap();
        let a = tree.get(root, "a").unwrap();
        assert_eq!(span_text(&source, &tree, a), "- x\n  # note\n  -");
    }

    #[test]
    fn multi_document_stream() {
        let (_, tree) = tree("a: 1\n---\nb: 2\n...\n---\n# only a comment\n");
        assert!(tree.documents.len() >= 2);
        assert!(tree.documents[1].root.is_some());
    }

    #[test]
    fn deep_nesting_is_rejected() {
        let text = format!("{}{}", "[".repeat(MAX_DEPTH + 5), "]".repeat(MAX_DEPTH + 5));
        // yaml-rust2 has a nesting limit of its own; either limit must turn into an error.
        assert!(parse(&SourceFile::new("t.yaml", text)).is_err());
        let mapping = format!("{}1{}", "{a: ".repeat(MAX_DEPTH + 5), "}".repeat(MAX_DEPTH + 5));
        assert!(parse(&SourceFile::new("t.yaml", mapping)).is_err());
    }

    #[test]
    fn invalid_yaml_is_an_error_with_offset() {
        let error = parse(&SourceFile::new("t.yaml", "a: [1, 2\nb: 3\n")).unwrap_err();
        assert!(error.offset.is_some());
    }

    #[test]
    fn lone_carriage_return_is_rejected() {
        assert!(parse(&SourceFile::new("t.yaml", "a: 1\rb: 2\n")).is_err());
    }
}
