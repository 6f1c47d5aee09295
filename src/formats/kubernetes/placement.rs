//! Where new keys and list items go, and how their text is written.
//!
//! A new key goes after the last entry of its mapping whose value is not a block sequence, so
//! that it never lands below a long `containers:` or `volumeMounts:` list. When every entry is a
//! block sequence, it goes before the first one (above that entry's comments). A new key that
//! holds a block sequence goes after the last entry, with the other lists. A new list item goes
//! after the last item. New text copies the file: its indentation step, whether sequences
//! are indented under their key, the distance from `-` to an item's first key, the quotes of
//! neighbouring values, its line ending, and flow style inside flow collections (with JSON
//! quoting in `.json` manifests and in flow mappings whose keys are all double-quoted; a plain
//! new key is always followed by `: `). New keys of a block mapping line up with its first key,
//! or with the anchor or tag before that key on its line.
//!
//! An [`Editor`] collects the additions of one fix and renders one edit per mapping or sequence,
//! so keys that go into the same place arrive together and in the order given.

use std::cell::Cell;

use super::model::{Container, Manifest, Style};
use super::yaml::{NodeId, NodeKind, ScalarStyle};
use crate::edit::Edit;

/// A value to write.
#[derive(Debug, Clone, PartialEq)]
pub enum NewValue {
    Bool(bool),
    Int(u32),
    Str(String),
    /// A mapping; written as `{}` when empty.
    Map(Vec<(String, NewValue)>),
    /// A list of strings, always written in flow style (`["ALL"]`).
    FlowList(Vec<String>),
    /// A list written as a block sequence in block context.
    List(Vec<NewValue>),
    /// A string list item in the quotes that new list strings get (`"ALL"`).
    FlowItem(String),
    /// Text written as it is.
    Raw(String),
}

impl NewValue {
    pub fn str(text: &str) -> Self {
        NewValue::Str(text.to_string())
    }

    pub fn map(entries: Vec<(&str, NewValue)>) -> Self {
        NewValue::Map(entries.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    }
}

/// Adds `entries` to `into`, merging mappings and lists that share a key.
fn merge_entries(into: &mut Vec<(String, NewValue)>, entries: Vec<(String, NewValue)>) {
    for (key, value) in entries {
        match into.iter_mut().find(|(k, _)| *k == key) {
            Some((_, NewValue::Map(existing))) => {
                if let NewValue::Map(more) = value {
                    merge_entries(existing, more);
                }
            }
            Some((_, NewValue::List(existing))) => {
                if let NewValue::List(more) = value {
                    existing.extend(more);
                }
            }
            Some(_) => {}
            None => into.push((key, value)),
        }
    }
}

fn nest(path: &[&str], entries: Vec<(String, NewValue)>) -> NewValue {
    match path.split_first() {
        None => NewValue::Map(entries),
        Some((first, rest)) => NewValue::Map(vec![(first.to_string(), nest(rest, entries))]),
    }
}

/// Collects the additions of one fix.
pub struct Editor<'m, 'a> {
    manifest: &'m Manifest<'a>,
    inserts: Vec<(NodeId, Vec<(String, NewValue)>)>,
    appends: Vec<(NodeId, Vec<NewValue>)>,
    /// Null values (`key:` or `key: null`) that become a collection: (key, value, new value).
    fills: Vec<(NodeId, NodeId, NewValue)>,
    replacements: Vec<Edit>,
    /// Nodes that receive text, for finding the anchors an edit changes, each with the pod spec
    /// or container mapping that the addition was asked for (`None` for a replacement).
    pub targets: Vec<(NodeId, Option<NodeId>)>,
    /// The mapping passed to the current `ensure` or `append` call.
    root: Option<NodeId>,
    /// Judges a container that shares an edited anchored node (given as the last argument): a
    /// reason when the edit is wrong for that container.
    pub user_check: Option<fn(&Manifest, &Container, NodeId) -> Option<String>>,
}

impl<'m, 'a> Editor<'m, 'a> {
    pub fn new(manifest: &'m Manifest<'a>) -> Self {
        Editor {
            manifest,
            inserts: Vec::new(),
            appends: Vec::new(),
            fills: Vec::new(),
            replacements: Vec::new(),
            targets: Vec::new(),
            root: None,
            user_check: None,
        }
    }

    /// Ensures that the mapping reached from `map` through `path` has every key of `entries`,
    /// creating the mappings along the path that are missing. Keys that exist keep their value.
    /// Fails with a message when a key on the path has a value other than a mapping.
    pub fn ensure(&mut self, map: NodeId, path: &[&str], entries: Vec<(&str, NewValue)>) -> Result<(), String> {
        let tree = &self.manifest.tree;
        let entries: Vec<(String, NewValue)> = entries.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        let mut current = tree.resolve(map);
        self.root = Some(current);
        if !tree.is_mapping(current) {
            return Err("the node is not a mapping".to_string());
        }
        for (index, segment) in path.iter().enumerate() {
            match tree.entry(current, segment) {
                Some((key, value)) => {
                    let resolved = tree.resolve(value);
                    if let Some(tag) = tree.tag(resolved).filter(|tag| *tag != "!!map") {
                        return Err(format!("`{segment}` carries the tag `{tag}`, which new text would have to replace"));
                    }
                    if tree.is_mapping(resolved) {
                        current = resolved;
                        continue;
                    }
                    if tree.is_null(value) {
                        self.fill(key, value, nest(&path[index + 1..], entries));
                        return Ok(());
                    }
                    return Err(format!("`{segment}` is not a mapping"));
                }
                None => {
                    let nested = nest(&path[index + 1..], entries);
                    self.insert(current, vec![(segment.to_string(), nested)])?;
                    return Ok(());
                }
            }
        }
        let missing: Vec<(String, NewValue)> = entries.into_iter().filter(|(k, _)| tree.entry(current, k).is_none()).collect();
        if !missing.is_empty() {
            self.insert(current, missing)?;
        }
        Ok(())
    }

    /// Appends `item` to the sequence under `key` in mapping `map`, creating the key when it is
    /// missing.
    pub fn append(&mut self, map: NodeId, key: &str, item: NewValue) -> Result<(), String> {
        let tree = &self.manifest.tree;
        let map = tree.resolve(map);
        self.root = Some(map);
        match tree.entry(map, key) {
            Some((key_node, value)) => {
                let resolved = tree.resolve(value);
                if let Some(tag) = tree.tag(resolved).filter(|tag| *tag != "!!seq") {
                    return Err(format!("`{key}` carries the tag `{tag}`, which new text would have to replace"));
                }
                if matches!(tree.node(resolved).kind, NodeKind::Sequence { .. }) {
                    self.targets.push((resolved, self.root));
                    match self.appends.iter_mut().find(|(seq, _)| *seq == resolved) {
                        Some((_, items)) => items.push(item),
                        None => self.appends.push((resolved, vec![item])),
                    }
                    Ok(())
                } else if tree.is_null(value) {
                    self.fill(key_node, value, NewValue::List(vec![item]));
                    Ok(())
                } else {
                    Err(format!("`{key}` is not a list"))
                }
            }
            None => self.insert(map, vec![(key.to_string(), NewValue::List(vec![item]))]),
        }
    }

    /// Replaces a scalar's text.
    pub fn replace(&mut self, node: NodeId, text: &str) {
        self.targets.push((node, None));
        let span = self.manifest.tree.node(node).span.clone();
        self.replacements.push(Edit::replace(span, text));
    }

    fn insert(&mut self, map: NodeId, entries: Vec<(String, NewValue)>) -> Result<(), String> {
        if !self.manifest.tree.is_flow(map) && block_key_start(self.manifest, map).is_none() {
            return Err("text other than an anchor or tag precedes the first key of the mapping on its line, so no column for a new key is known to be valid".to_string());
        }
        self.targets.push((map, self.root));
        match self.inserts.iter_mut().find(|(m, _)| *m == map) {
            Some((_, existing)) => merge_entries(existing, entries),
            None => self.inserts.push((map, entries)),
        }
        Ok(())
    }

    fn fill(&mut self, key: NodeId, value: NodeId, new: NewValue) {
        self.targets.push((value, self.root));
        match self.fills.iter_mut().find(|(_, v, _)| *v == value) {
            Some((_, _, NewValue::Map(existing))) => {
                if let NewValue::Map(more) = new {
                    merge_entries(existing, more);
                }
            }
            Some((_, _, NewValue::List(existing))) => {
                if let NewValue::List(more) = new {
                    existing.extend(more);
                }
            }
            Some(_) => {}
            None => self.fills.push((key, value, new)),
        }
    }

    /// Renders every addition into edits.
    pub fn finish(self) -> Vec<Edit> {
        let style = self.targets.first().map_or(&self.manifest.style, |&(target, _)| self.manifest.style_at(target));
        let render =
            Renderer { manifest: self.manifest, style, colon: Cell::new(": "), comma: Cell::new(", "), sequence_offset: Cell::new(None) };
        let mut edits = self.replacements;
        for (map, entries) in &self.inserts {
            edits.extend(render.insert_into_mapping(*map, entries));
        }
        for (seq, items) in &self.appends {
            edits.push(render.append_to_sequence(*seq, items));
        }
        for (key, value, new) in &self.fills {
            edits.extend(render.fill_null(*key, *value, new));
        }
        // Lines added at one offset close the innermost mapping first: a container's new
        // `volumeMounts` go before the pod's new `volumes` when both follow the same line.
        edits.sort_by_key(|edit| (edit.range.start, edit.range.end, std::cmp::Reverse(first_line_indent(&edit.replacement))));
        edits
    }
}

struct Renderer<'m, 'a> {
    manifest: &'m Manifest<'a>,
    /// The layout of the document that receives the edits.
    style: &'m Style,
    /// Separators of flow text: `": "` and `", "` unless the target collection is written
    /// without spaces (minified JSON).
    colon: Cell<&'static str>,
    comma: Cell<&'static str>,
    /// Indentation of a new block sequence under its key, when the target mapping's own lists
    /// show one; the file's most common offset otherwise.
    sequence_offset: Cell<Option<usize>>,
}

impl Renderer<'_, '_> {
    fn text(&self) -> &str {
        &self.manifest.source.text
    }

    fn nl(&self) -> &'static str {
        self.style.newline
    }

    fn end_of(&self, node: NodeId) -> usize {
        self.manifest.tree.node(node).span.end
    }

    /// Returns the position after which new lines go once `end` is a node's last byte, and
    /// whether that position is a line start (a `|+` scalar ends after its line breaks).
    fn after(&self, end: usize) -> (usize, bool) {
        let source = self.manifest.source;
        if end > 0 && self.text().as_bytes()[end - 1] == b'\n' {
            (end, true)
        } else {
            (source.line_content_end(source.line_index(end)), false)
        }
    }

    fn lines_after(&self, end: usize, lines: &[String]) -> Edit {
        let (at, line_start) = self.after(end);
        let nl = self.nl();
        let text: String = if line_start {
            lines.iter().map(|line| format!("{line}{nl}")).collect()
        } else {
            lines.iter().map(|line| format!("{nl}{line}")).collect()
        };
        Edit::insert(at, text)
    }

    /// Returns the quote that the string values of a mapping share, if they all use one.
    fn value_quote(&self, map: NodeId) -> Option<char> {
        let tree = &self.manifest.tree;
        if self.style.json {
            return Some('"');
        }
        let mut quotes = tree.entries(map).iter().filter_map(|&(_, value)| match &tree.node(value).kind {
            NodeKind::Scalar { style: ScalarStyle::DoubleQuoted, .. } => Some(Some('"')),
            NodeKind::Scalar { style: ScalarStyle::SingleQuoted, .. } => Some(Some('\'')),
            NodeKind::Scalar { value, style: ScalarStyle::Plain } if !is_plain_literal(value) => Some(None),
            _ => None,
        });
        let first = quotes.next()??;
        quotes.all(|q| q == Some(first)).then_some(first)
    }

    /// Returns whether new keys of flow mapping `map` are double-quoted: in a JSON manifest, and
    /// when every key of the mapping is.
    fn keys_quoted(&self, map: NodeId) -> bool {
        let tree = &self.manifest.tree;
        let entries = tree.entries(map);
        self.style.json
            || (!entries.is_empty()
                && entries.iter().all(|&(key, _)| matches!(tree.node(key).kind, NodeKind::Scalar { style: ScalarStyle::DoubleQuoted, .. })))
    }

    /// Returns the separator after a new flow key. Only a double-quoted key may be followed by a
    /// `:` without a space: after a plain key, `key:value` reads as one plain scalar.
    fn key_colon(&self, quoted_key: bool) -> &'static str {
        if quoted_key {
            self.colon.get()
        } else {
            ": "
        }
    }

    fn scalar(&self, value: &NewValue, quote: Option<char>) -> String {
        match value {
            NewValue::Bool(b) => b.to_string(),
            NewValue::Int(n) => n.to_string(),
            NewValue::Str(s) => match quote {
                Some(q) => quoted(s, q),
                None => s.clone(),
            },
            other => self.inline(other, quote, quote == Some('"') && self.style.json),
        }
    }

    /// Renders a value on one line in flow style.
    fn inline(&self, value: &NewValue, quote: Option<char>, quote_keys: bool) -> String {
        match value {
            NewValue::Map(entries) if entries.is_empty() => "{}".to_string(),
            NewValue::Map(entries) => {
                let inner: Vec<String> =
                    entries.iter().map(|(k, v)| format!("{}{}{}", key_text(k, quote_keys), self.key_colon(quote_keys), self.inline(v, quote, quote_keys))).collect();
                format!("{{{}}}", inner.join(self.comma.get()))
            }
            NewValue::FlowList(items) => {
                let q = quote.unwrap_or(self.style.quote);
                format!("[{}]", items.iter().map(|item| quoted(item, q)).collect::<Vec<_>>().join(self.comma.get()))
            }
            NewValue::List(items) => {
                format!("[{}]", items.iter().map(|item| self.inline(item, quote, quote_keys)).collect::<Vec<_>>().join(self.comma.get()))
            }
            NewValue::FlowItem(item) => quoted(item, quote.unwrap_or(self.style.quote)),
            NewValue::Raw(text) => text.clone(),
            scalar => self.scalar(scalar, quote),
        }
    }

    /// Renders a value across lines in flow style, as pretty-printed JSON is laid out.
    fn pretty(&self, value: &NewValue, indent: &str, quote: Option<char>, quote_keys: bool) -> String {
        let nl = self.nl();
        let inner = format!("{indent}{}", self.style.flow_unit);
        match value {
            NewValue::Map(entries) if !entries.is_empty() => {
                let parts: Vec<String> = entries
                    .iter()
                    .map(|(k, v)| format!("{inner}{}{}{}", key_text(k, quote_keys), self.key_colon(quote_keys), self.pretty(v, &inner, quote, quote_keys)))
                    .collect();
                format!("{{{nl}{}{nl}{indent}}}", parts.join(&format!(",{nl}")))
            }
            NewValue::List(items) if !items.is_empty() => {
                let parts: Vec<String> = items.iter().map(|item| format!("{inner}{}", self.pretty(item, &inner, quote, quote_keys))).collect();
                format!("[{nl}{}{nl}{indent}]", parts.join(&format!(",{nl}")))
            }
            other => self.inline(other, quote, quote_keys),
        }
    }

    /// Renders `key: value` at column `col` in block style, one string per line.
    fn block_lines(&self, col: usize, key: &str, value: &NewValue, quote: Option<char>, out: &mut Vec<String>) {
        let style = self.style;
        let indent = " ".repeat(col);
        match value {
            NewValue::Map(children) if !children.is_empty() => {
                out.push(format!("{indent}{key}:"));
                for (k, v) in children {
                    self.block_lines(col + style.step, k, v, quote, out);
                }
            }
            NewValue::List(items) if !items.is_empty() => {
                out.push(format!("{indent}{key}:"));
                let offset = self.sequence_offset.get().unwrap_or(style.sequence_offset);
                for item in items {
                    self.item_lines(col + offset, style.item_offset, item, quote, out);
                }
            }
            other => out.push(format!("{indent}{key}: {}", self.inline(other, quote, false))),
        }
    }

    /// Renders a block sequence item whose `-` is at `dash_col`.
    fn item_lines(&self, dash_col: usize, item_offset: usize, item: &NewValue, quote: Option<char>, out: &mut Vec<String>) {
        let dash = format!("{}-{}", " ".repeat(dash_col), " ".repeat(item_offset.max(1) - 1));
        match item {
            NewValue::Map(children) if !children.is_empty() => {
                let mut lines = Vec::new();
                for (k, v) in children {
                    self.block_lines(dash_col + item_offset.max(1), k, v, quote, &mut lines);
                }
                let first = lines.remove(0);
                out.push(format!("{dash}{}", first.trim_start()));
                out.extend(lines);
            }
            other => out.push(format!("{dash}{}", self.inline(other, quote, false))),
        }
    }

    fn insert_into_mapping(&self, map: NodeId, entries: &[(String, NewValue)]) -> Vec<Edit> {
        let tree = &self.manifest.tree;
        let quote = self.value_quote(map);
        if tree.is_flow(map) {
            return vec![self.insert_into_flow_mapping(map, entries, quote)];
        }
        // `Editor::insert` takes no mapping without a known column.
        let Some((start, col)) = block_key_start(self.manifest, map) else { return Vec::new() };
        let render = |group: &[&(String, NewValue)]| {
            let mut lines = Vec::new();
            for (key, value) in group {
                self.block_lines(col, key, value, quote, &mut lines);
            }
            lines
        };
        let sibling_offset = tree.entries(map).iter().find_map(|&(key, value)| {
            let (key, value) = (tree.node(key), tree.node(value));
            let block_list = matches!(value.kind, NodeKind::Sequence { flow: false, .. });
            (block_list && value.line > key.line && value.col >= key.col).then(|| value.col - key.col)
        });
        self.sequence_offset.set(sibling_offset);
        let (lists, others): (Vec<&(String, NewValue)>, Vec<&(String, NewValue)>) =
            entries.iter().partition(|(_, value)| matches!(value, NewValue::List(items) if !items.is_empty()));
        let existing = tree.entries(map);
        let Some(last) = existing.last() else {
            // A block mapping always has an entry; an empty one gets no edit rather than a guess.
            return Vec::new();
        };
        let entry_end = |&(key, value): &(NodeId, NodeId)| self.end_of(key).max(self.end_of(value));
        let mut edits = Vec::new();
        if !others.is_empty() {
            let lines = render(&others);
            let anchor = existing.iter().rev().find(|&&(_, value)| !matches!(tree.node(value).kind, NodeKind::Sequence { flow: false, .. }));
            edits.push(match anchor {
                Some(entry) => self.lines_after(entry_end(entry), &lines),
                // Every entry holds a block sequence: the new keys go before the first one.
                None => self.lines_before_key(existing[0].0, start, col, &lines),
            });
        }
        if !lists.is_empty() {
            // New block sequences go last, after the lists that are already there.
            edits.push(self.lines_after(entry_end(last), &render(&lists)));
        }
        self.sequence_offset.set(None);
        edits
    }

    /// Puts `lines` before the first key of a block mapping, whose text (with the anchor or tag
    /// before it) starts at `start`.
    fn lines_before_key(&self, key: NodeId, start: usize, col: usize, lines: &[String]) -> Edit {
        let source = self.manifest.source;
        let nl = self.nl();
        let key_node = self.manifest.tree.node(key);
        let line = key_node.line;
        let before_key = &self.text()[source.line_start(line)..start];
        if before_key.trim().is_empty() {
            let mut top = line;
            while top > 0 && source.line_text(top - 1).trim_start().starts_with('#') {
                top -= 1;
            }
            let text: String = lines.iter().map(|l| format!("{l}{nl}")).collect();
            return Edit::insert(source.line_start(top), text);
        }
        // The key follows `- ` on its line: the new keys take its place and it moves down with
        // its anchor or tag.
        let mut text = lines.iter().map(String::as_str).collect::<Vec<_>>().join(nl);
        text = text.trim_start().to_string();
        text.push_str(nl);
        text.push_str(&" ".repeat(col));
        Edit::insert(start, text)
    }

    fn insert_into_flow_mapping(&self, map: NodeId, entries: &[(String, NewValue)], quote: Option<char>) -> Edit {
        let tree = &self.manifest.tree;
        let node = tree.node(map);
        let quote_keys = self.keys_quoted(map);
        // A flow mapping with quoted keys is written like JSON, strings quoted as well.
        let quote = quote.or(quote_keys.then_some('"'));
        let existing = tree.entries(map);
        self.copy_separators(map);
        let Some(&(last_key, last_value)) = existing.last() else {
            if let Some(indent) = self.own_line_indent(map) {
                let value = NewValue::Map(entries.to_vec());
                let text = self.pretty(&value, &indent, quote, quote_keys);
                self.reset_separators();
                return Edit::replace(node.span.clone(), text);
            }
            let inner: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{}{}{}", key_text(k, quote_keys), self.key_colon(quote_keys), self.inline(v, quote, quote_keys)))
                .collect();
            return Edit::insert(node.span.start + 1, inner.join(self.comma.get()));
        };
        let end = self.end_of(last_key).max(self.end_of(last_value));
        let key_node = tree.node(last_key);
        let source = self.manifest.source;
        let key_starts_line = self.text()[source.line_start(key_node.line)..key_node.span.start].trim().is_empty();
        let text: String = if key_node.line != node.line && key_starts_line {
            let indent = source.indentation(key_node.line).to_string();
            let nl = self.nl();
            entries
                .iter()
                .map(|(k, v)| format!(",{nl}{indent}{}{}{}", key_text(k, quote_keys), self.key_colon(quote_keys), self.pretty(v, &indent, quote, quote_keys)))
                .collect()
        } else {
            entries
                .iter()
                .map(|(k, v)| format!("{}{}{}{}", self.comma.get(), key_text(k, quote_keys), self.key_colon(quote_keys), self.inline(v, quote, quote_keys)))
                .collect()
        };
        self.reset_separators();
        Edit::insert(end, text)
    }

    /// Returns the indentation of the line of an empty flow collection or null when it is the
    /// value of a key that starts its own line inside a multi-line flow collection, as in
    /// pretty-printed JSON. New content then goes on lines of its own.
    fn own_line_indent(&self, collection: NodeId) -> Option<String> {
        let tree = &self.manifest.tree;
        let source = self.manifest.source;
        let parent = tree.node(collection).parent?;
        if !tree.is_flow(parent) {
            return None;
        }
        let parent_node = tree.node(parent);
        if source.line_index(parent_node.span.end) == parent_node.line {
            return None;
        }
        let &(key, _) = tree.entries(parent).iter().find(|&&(_, value)| value == collection)?;
        let key_node = tree.node(key);
        let key_starts_line = self.text()[source.line_start(key_node.line)..key_node.span.start].trim().is_empty();
        key_starts_line.then(|| source.indentation(key_node.line).to_string())
    }

    fn append_to_sequence(&self, seq: NodeId, items: &[NewValue]) -> Edit {
        let tree = &self.manifest.tree;
        let node = tree.node(seq);
        let existing = tree.items(seq);
        let first_map = existing.iter().map(|&i| tree.resolve(i)).find(|&i| tree.is_mapping(i));
        let quote = first_map.and_then(|m| self.value_quote(m));
        if tree.is_flow(seq) {
            self.copy_separators(seq);
            let quote_keys = first_map.is_some_and(|m| self.keys_quoted(m)) || self.style.json;
            let quote = quote.or(quote_keys.then_some('"'));
            let Some(&last) = existing.last() else {
                let inner: Vec<String> = items.iter().map(|item| self.inline(item, quote, quote_keys)).collect();
                let text = inner.join(self.comma.get());
                self.reset_separators();
                return Edit::insert(node.span.start + 1, text);
            };
            let last_node = tree.node(last);
            let source = self.manifest.source;
            let starts_line = self.text()[source.line_start(last_node.line)..last_node.span.start].trim().is_empty();
            let text: String = if last_node.line != node.line && starts_line {
                let indent = source.indentation(last_node.line).to_string();
                let nl = self.nl();
                items.iter().map(|item| format!(",{nl}{indent}{}", self.pretty(item, &indent, quote, quote_keys))).collect()
            } else {
                items.iter().map(|item| format!("{}{}", self.comma.get(), self.inline(item, quote, quote_keys))).collect()
            };
            self.reset_separators();
            return Edit::insert(last_node.span.end, text);
        }
        let item_offset = existing
            .first()
            .copied()
            .filter(|&i| tree.node(i).line == node.line && matches!(tree.node(i).kind, NodeKind::Mapping { flow: false, .. }))
            .and_then(|i| block_key_start(self.manifest, i))
            .filter(|&(_, col)| col > node.col)
            .map_or(self.style.item_offset, |(_, col)| col - node.col);
        let mut lines = Vec::new();
        for item in items {
            self.item_lines(node.col, item_offset, item, quote, &mut lines);
        }
        let end = existing.last().map_or(node.span.end, |&last| self.end_of(last));
        self.lines_after(end, &lines)
    }

    /// Copies the separators of flow collection `node`: a collection written without a space
    /// after its first `:` or `,` gets new text without one either.
    fn copy_separators(&self, node: NodeId) {
        let tree = &self.manifest.tree;
        let text = self.text();
        let gap_after = |end: usize, marker: u8| {
            let rest = &text.as_bytes()[end..];
            let at = rest.iter().position(|&b| !matches!(b, b' ' | b'\t'))?;
            (rest[at] == marker).then(|| rest.get(at + 1).is_some_and(|&b| b != b' ' && b != b'\n' && b != b'\r'))
        };
        let (colon_tight, comma_tight) = match &tree.node(node).kind {
            NodeKind::Mapping { entries, .. } => (
                entries.first().and_then(|&(key, _)| gap_after(tree.node(key).span.end, b':')),
                entries.first().and_then(|&(_, value)| gap_after(tree.node(value).span.end, b',')),
            ),
            NodeKind::Sequence { items, .. } => (None, items.first().and_then(|&item| gap_after(tree.node(item).span.end, b','))),
            _ => (None, None),
        };
        // Inside a sequence, the separators of its first mapping item decide the colon.
        let colon_tight = colon_tight.or_else(|| {
            tree.items(node).iter().map(|&i| tree.resolve(i)).find(|&i| tree.is_mapping(i)).and_then(|m| {
                tree.entries(m).first().and_then(|&(key, _)| gap_after(tree.node(key).span.end, b':'))
            })
        });
        // An empty collection shows no separator, so the enclosing flow collections decide.
        let (mut colon_tight, mut comma_tight) = (colon_tight, comma_tight);
        let mut outer = tree.node(node).parent;
        while let (Some(parent), true) = (outer, colon_tight.is_none() || comma_tight.is_none()) {
            if let NodeKind::Mapping { entries, flow: true } = &tree.node(parent).kind {
                colon_tight = colon_tight.or_else(|| entries.first().and_then(|&(key, _)| gap_after(tree.node(key).span.end, b':')));
                comma_tight = comma_tight.or_else(|| entries.first().and_then(|&(_, value)| gap_after(tree.node(value).span.end, b',')));
            }
            outer = tree.node(parent).parent;
        }
        // A collection with one entry shows no comma: a tight colon suggests tight commas.
        let comma_tight = comma_tight.or(colon_tight);
        self.colon.set(if colon_tight == Some(true) { ":" } else { ": " });
        self.comma.set(if comma_tight == Some(true) { "," } else { ", " });
    }

    fn reset_separators(&self) {
        self.colon.set(": ");
        self.comma.set(", ");
    }

    fn fill_null(&self, key: NodeId, value: NodeId, new: &NewValue) -> Vec<Edit> {
        let tree = &self.manifest.tree;
        let value_node = tree.node(value);
        let parent_flow = tree.node(key).parent.is_some_and(|parent| tree.is_flow(parent));
        if parent_flow {
            let quote_keys = self.style.json;
            let quote = quote_keys.then_some('"');
            let text = match self.own_line_indent(value) {
                Some(indent) => self.pretty(new, &indent, quote, quote_keys),
                None => self.inline(new, quote, quote_keys),
            };
            return vec![Edit::replace(value_node.span.clone(), text)];
        }
        let key_node = tree.node(key);
        let bytes = self.text().as_bytes();
        let mut colon_end = key_node.span.end;
        while matches!(bytes.get(colon_end), Some(b' ' | b'\t')) {
            colon_end += 1;
        }
        if bytes.get(colon_end) == Some(&b':') {
            colon_end += 1;
        }
        let style = self.style;
        // The key's mapping may start with an anchor or tag before its first key (`- &a key:`).
        let key_col = key_node.parent.and_then(|map| block_key_start(self.manifest, map)).map_or(key_node.col, |(_, col)| col.min(key_node.col));
        let mut lines = Vec::new();
        match new {
            NewValue::Map(children) => {
                for (k, v) in children {
                    self.block_lines(key_col + style.step, k, v, None, &mut lines);
                }
            }
            NewValue::List(items) => {
                for item in items {
                    self.item_lines(key_col + style.sequence_offset, style.item_offset, item, None, &mut lines);
                }
            }
            other => lines.push(format!(" {}", self.inline(other, None, false))),
        }
        let nl = self.nl();
        let text: String = lines.iter().map(|line| format!("{nl}{line}")).collect();
        // The null's text (`~`, `null`) goes; a comment after it stays on the key's line.
        let mut edits = Vec::new();
        let end = value_node.span.end.max(colon_end);
        if end > colon_end {
            edits.push(Edit::delete(colon_end..end));
        }
        let source = self.manifest.source;
        edits.push(Edit::insert(source.line_content_end(source.line_index(end)), text));
        edits
    }
}

/// Returns the indentation of the first line that `text` starts after a line break.
fn first_line_indent(text: &str) -> usize {
    let line = text.trim_start_matches(['\r', '\n']);
    line.len() - line.trim_start_matches([' ', '\t']).len()
}

fn key_text(key: &str, quoted_keys: bool) -> String {
    if quoted_keys {
        quoted(key, '"')
    } else {
        key.to_string()
    }
}

fn quoted(text: &str, quote: char) -> String {
    if quote == '\'' {
        format!("'{}'", text.replace('\'', "''"))
    } else {
        format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

/// Returns whether a plain scalar reads as a number, boolean or null. Such a scalar has no
/// quotes whatever the file's quoting habit is, so it is not counted.
fn is_plain_literal(value: &str) -> bool {
    matches!(value, "" | "~" | "null" | "true" | "false" | "True" | "False" | "TRUE" | "FALSE") || value.parse::<f64>().is_ok()
}

/// Returns where the keys of block mapping `map` start: the byte offset and column of its first
/// key, or of the node properties (an anchor `&a`, a tag `!t`) that precede that key on its
/// line, as in `- &a name: x`. The later keys line up with those properties, and the properties
/// belong to the first key. Returns `None` when other text precedes the first key on its line
/// (a `?` complex key, for one), since no column is known to be valid then.
pub(crate) fn block_key_start(manifest: &Manifest, map: NodeId) -> Option<(usize, usize)> {
    let tree = &manifest.tree;
    let source = manifest.source;
    let &(first_key, _) = tree.entries(map).first()?;
    let key = tree.node(first_key);
    let line_start = source.line_start(key.line);
    let prefix = source.text.get(line_start..key.span.start)?;
    let bytes = prefix.as_bytes();
    let mut at = 0;
    loop {
        while matches!(bytes.get(at), Some(b' ' | b'\t')) {
            at += 1;
        }
        if bytes.get(at) == Some(&b'-') && matches!(bytes.get(at + 1), Some(b' ' | b'\t')) {
            at += 1;
        } else {
            break;
        }
    }
    let properties = &prefix[at..];
    if !properties.split_whitespace().all(|token| token.starts_with('&') || token.starts_with('!')) {
        return None;
    }
    let col = if properties.is_empty() { key.col } else { prefix[..at].chars().count() };
    Some((line_start + at, col))
}
