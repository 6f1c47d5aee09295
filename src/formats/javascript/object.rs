//! Reading and extending object literals while keeping their layout: one line or one property
//! per line, the indentation of the properties, quoted or bare keys, and a trailing comma.

use tree_sitter::Node;

use super::script::Script;
use super::syntax::{named_children, string_value, text_of};
use crate::edit::Edit;

/// One property of an object literal.
#[derive(Debug, Clone, Copy)]
pub struct Property<'t> {
    /// The whole property: a `pair`, a shorthand name, or a method.
    pub node: Node<'t>,
    /// The value of a `pair`; the node itself for a shorthand property or a method.
    pub value: Node<'t>,
}

impl Property<'_> {
    pub fn is_pair(&self) -> bool {
        self.node.kind() == "pair"
    }
}

/// The name of a property: a bare key, a quoted key, a shorthand name or a method name.
fn key_name(property: Node<'_>, text: &str) -> Option<String> {
    let key = match property.kind() {
        "pair" => property.child_by_field_name("key")?,
        "method_definition" => property.child_by_field_name("name")?,
        "shorthand_property_identifier" => property,
        _ => return None,
    };
    match key.kind() {
        "property_identifier" | "shorthand_property_identifier" => Some(text_of(key, text).to_string()),
        "string" => string_value(key, text),
        _ => None,
    }
}

/// Returns the last property named `key`, which is the one that wins at run time.
pub fn property<'t>(object: Node<'t>, key: &str, text: &str) -> Option<Property<'t>> {
    named_children(object)
        .into_iter()
        .rev()
        .find(|child| key_name(*child, text).as_deref() == Some(key))
        .map(|node| Property { node, value: if node.kind() == "pair" { node.child_by_field_name("value").unwrap_or(node) } else { node } })
}

/// Returns the entries of an object literal without comments.
fn entries(object: Node<'_>) -> Vec<Node<'_>> {
    named_children(object)
}

/// Returns the quote character of the object's first string literal, else the file's.
fn quote_of(object: Node<'_>, script: &Script) -> char {
    let mut found = None;
    super::syntax::for_each_named(object, |node| {
        if found.is_none() && node.kind() == "string" {
            found = text_of(node, script.text).chars().next();
        }
    });
    found.unwrap_or(script.quote)
}

/// Quotes `value` in the quote style of `object`.
pub fn quoted_in(object: Node<'_>, script: &Script, value: &str) -> String {
    super::syntax::quote(value, quote_of(object, script))
}

/// Edits that add `properties` (key, value source) at the end of `object`, in its style.
pub fn add_properties(script: &Script, object: Node<'_>, properties: &[(&str, String)]) -> Vec<Edit> {
    let source = script.source;
    let text = script.text;
    let entries = entries(object);
    let quote_keys = !entries.is_empty()
        && entries.iter().all(|entry| entry.kind() == "pair" && entry.child_by_field_name("key").is_some_and(|k| k.kind() == "string"));
    let key_quote = quote_of(object, script);
    let rendered: Vec<String> = properties
        .iter()
        .map(|(key, value)| if quote_keys { format!("{key_quote}{key}{key_quote}: {value}") } else { format!("{key}: {value}") })
        .collect();
    let open_line = source.line_index(object.start_byte());
    let newline = source.newline();

    let Some(last) = entries.last().copied() else {
        // An empty object: `{}` becomes `{ key: value }`, a multi-line one gets indented lines.
        let close_line = source.line_index(object.end_byte().saturating_sub(1));
        let inside = object.start_byte() + 1;
        if close_line == open_line {
            let inner = &text[inside..object.end_byte() - 1];
            return vec![Edit::replace(inside..object.end_byte() - 1, format!(" {}{}", rendered.join(", "), if inner.trim().is_empty() { " " } else { inner }))];
        }
        let outer = source.indentation(open_line);
        let unit = source.indent_unit("  ");
        let body: String = rendered.iter().map(|p| format!("{newline}{outer}{unit}{p},")).collect();
        return vec![Edit::insert(inside, body)];
    };

    let first_line = source.line_index(entries[0].start_byte());
    let comma = last.next_sibling().filter(|n| n.kind() == ",");
    let after_last = comma.map_or(last.end_byte(), |c| c.end_byte());
    let multiline = first_line != open_line;
    if !multiline {
        return match comma {
            Some(comma) => vec![Edit::insert(comma.end_byte(), rendered.iter().map(|p| format!(" {p},")).collect::<String>())],
            None => vec![Edit::insert(last.end_byte(), rendered.iter().map(|p| format!(", {p}")).collect::<String>())],
        };
    }

    let last_line = source.line_index(last.start_byte());
    let indent = source.indentation(last_line).to_string();
    let end_line = source.line_index(after_last);
    let closing_on_line = source.line_index(object.end_byte().saturating_sub(1)) == end_line;
    // A comment after the last property stays on its line: the new lines go after it.
    let mut insert_at = after_last;
    if !closing_on_line {
        let rest = &text[after_last..source.line_content_end(end_line)];
        if rest.trim_start().starts_with("//") || rest.trim_start().starts_with("/*") {
            insert_at = source.line_content_end(end_line);
        }
    }
    let body: String = if comma.is_some() {
        rendered.iter().map(|p| format!("{newline}{indent}{p},")).collect()
    } else {
        rendered.iter().map(|p| format!("{newline}{indent}{p}")).collect::<Vec<_>>().join(",")
    };
    if comma.is_some() || insert_at == last.end_byte() {
        let prefix = if comma.is_some() { "" } else { "," };
        return vec![Edit::insert(insert_at, format!("{prefix}{body}"))];
    }
    vec![Edit::insert(last.end_byte(), ","), Edit::insert(insert_at, body)]
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::edit::apply_edits;
    use crate::formats::javascript::syntax::{for_each_named, parse, Grammar};
    use crate::source::SourceFile;

    fn add(text: &str, properties: &[(&str, &str)]) -> String {
        let source = SourceFile::new("a.js", text);
        let tree = parse(text, Grammar::JavaScript).unwrap();
        let script = Script::new(&source, Grammar::for_path(Path::new("a.js")), tree.root_node());
        let mut object = None;
        for_each_named(tree.root_node(), |node| {
            if object.is_none() && node.kind() == "object" {
                object = Some(node);
            }
        });
        let owned: Vec<(&str, String)> = properties.iter().map(|(k, v)| (*k, v.to_string())).collect();
        let edits = add_properties(&script, object.unwrap(), &owned);
        apply_edits(text, &edits)
    }

    #[test]
    fn one_line_object() {
        assert_eq!(add("f({ a: 1 });\n", &[("b", "2"), ("c", "3")]), "f({ a: 1, b: 2, c: 3 });\n");
        assert_eq!(add("f({ a: 1, });\n", &[("b", "2")]), "f({ a: 1, b: 2, });\n");
    }

    #[test]
    fn empty_object() {
        assert_eq!(add("f({});\n", &[("b", "2")]), "f({ b: 2 });\n");
        assert_eq!(add("f({\n});\n", &[("b", "2")]), "f({\n  b: 2,\n});\n");
    }

    #[test]
    fn multi_line_object() {
        assert_eq!(add("f({\n    a: 1\n});\n", &[("b", "2")]), "f({\n    a: 1,\n    b: 2\n});\n");
        assert_eq!(add("f({\n\ta: 1,\n});\n", &[("b", "2")]), "f({\n\ta: 1,\n\tb: 2,\n});\n");
        assert_eq!(add("f({\r\n  a: 1,\r\n});\r\n", &[("b", "2")]), "f({\r\n  a: 1,\r\n  b: 2,\r\n});\r\n");
    }

    #[test]
    fn comment_after_last_property() {
        assert_eq!(add("f({\n  a: 1 // one\n});\n", &[("b", "2")]), "f({\n  a: 1, // one\n  b: 2\n});\n");
        assert_eq!(add("f({\n  a: 1, // one\n});\n", &[("b", "2")]), "f({\n  a: 1, // one\n  b: 2,\n});\n");
    }

    #[test]
    fn quoted_keys() {
        assert_eq!(add("f({ \"a\": 1 });\n", &[("b", "2")]), "f({ \"a\": 1, \"b\": 2 });\n");
    }
}
