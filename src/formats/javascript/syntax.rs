//! Parsing with tree-sitter and small helpers over its nodes.
//!
//! The grammar follows the file extension: `.ts` is TypeScript, `.tsx` is TSX, and every other
//! extension (`.js`, `.mjs`, `.cjs`, `.jsx`) is JavaScript, whose grammar includes JSX. Each
//! thread keeps one parser per grammar.

use std::cell::RefCell;
use std::path::Path;

use tree_sitter::{Language, Node, Parser, Tree};

use crate::rule::ParseError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grammar {
    JavaScript,
    TypeScript,
    Tsx,
}

impl Grammar {
    pub fn for_path(path: &Path) -> Grammar {
        match path.extension().and_then(|ext| ext.to_str()) {
            Some("ts") => Grammar::TypeScript,
            Some("tsx") => Grammar::Tsx,
            _ => Grammar::JavaScript,
        }
    }

    pub fn language(self) -> Language {
        match self {
            Grammar::JavaScript => tree_sitter_javascript::LANGUAGE.into(),
            Grammar::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            Grammar::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Grammar::JavaScript => "JavaScript",
            Grammar::TypeScript => "TypeScript",
            Grammar::Tsx => "TSX",
        }
    }

    /// Checks whether type annotations and `as` are allowed.
    pub fn is_typescript(self) -> bool {
        self != Grammar::JavaScript
    }

    fn slot(self) -> usize {
        self as usize
    }
}

thread_local! {
    static PARSERS: RefCell<[Option<Parser>; 3]> = const { RefCell::new([None, None, None]) };
}

/// Parses `text` with `grammar`, returning an error at the first syntax error: cinch does not
/// edit a file it cannot read completely.
pub fn parse(text: &str, grammar: Grammar) -> Result<Tree, ParseError> {
    let tree = PARSERS.with(|cell| {
        let mut parsers = cell.borrow_mut();
        let slot = &mut parsers[grammar.slot()];
        if slot.is_none() {
            let mut parser = Parser::new();
            parser.set_language(&grammar.language()).map_err(|error| {
                ParseError::new(format!("failed to load the {} grammar: {error}", grammar.name()), None)
            })?;
            *slot = Some(parser);
        }
        let parser = slot.as_mut().expect("parser was just created");
        parser.reset();
        parser.parse(text, None).ok_or_else(|| ParseError::new("the parser returned no syntax tree", None))
    })?;
    if let Some(node) = first_error(tree.root_node()) {
        let offset = node.start_byte();
        let message = if node.is_missing() {
            format!("invalid {} syntax: missing `{}`", grammar.name(), node.kind())
        } else {
            let found: String = text[node.byte_range()].chars().take(20).collect();
            let found = found.lines().next().unwrap_or("").trim().to_string();
            if found.is_empty() {
                format!("invalid {} syntax", grammar.name())
            } else {
                format!("invalid {} syntax near `{found}`", grammar.name())
            }
        };
        return Err(ParseError::at(offset, message));
    }
    Ok(tree)
}

/// Returns the first `ERROR` or missing node in document order, walking without recursion.
pub fn first_error(root: Node<'_>) -> Option<Node<'_>> {
    if !root.has_error() {
        return None;
    }
    let mut cursor = root.walk();
    loop {
        let node = cursor.node();
        if node.is_error() || node.is_missing() {
            return Some(node);
        }
        // Only descend into subtrees that contain an error.
        if node.has_error() && cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return None;
            }
        }
    }
}

/// Calls `visit` on every named node under `root` in document order, without recursion.
pub fn for_each_named<'t>(root: Node<'t>, mut visit: impl FnMut(Node<'t>)) {
    let mut cursor = root.walk();
    loop {
        let node = cursor.node();
        if node.is_named() {
            visit(node);
        }
        if cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return;
            }
        }
    }
}

/// Returns the named children of `node` without comments.
pub fn named_children(node: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).filter(|child| child.kind() != "comment").collect()
}

/// Returns the source text of `node`.
pub fn text_of<'s>(node: Node<'_>, text: &'s str) -> &'s str {
    &text[node.byte_range()]
}

/// Strips parentheses and TypeScript wrappers that do not change a value: `(x)`, `x as T`,
/// `x satisfies T`, `x!`, and `<T>x`.
pub fn unwrap_expression(mut node: Node<'_>) -> Node<'_> {
    loop {
        match node.kind() {
            "parenthesized_expression" | "as_expression" | "satisfies_expression" | "non_null_expression" => {
                match named_children(node).first() {
                    Some(inner) => node = *inner,
                    None => return node,
                }
            }
            "type_assertion" => match named_children(node).last() {
                Some(inner) => node = *inner,
                None => return node,
            },
            _ => return node,
        }
    }
}

/// Returns the value of a string literal, or of a template literal without substitutions, with
/// escapes kept as written.
pub fn string_value(node: Node<'_>, text: &str) -> Option<String> {
    match node.kind() {
        "string" => {
            let raw = text_of(node, text);
            Some(raw.get(1..raw.len().saturating_sub(1)).unwrap_or("").to_string())
        }
        "template_string" => {
            if named_children(node).iter().any(|child| child.kind() == "template_substitution") {
                return None;
            }
            let raw = text_of(node, text);
            Some(raw.get(1..raw.len().saturating_sub(1)).unwrap_or("").to_string())
        }
        _ => None,
    }
}

/// Writes `value` as a string literal with quote character `quote`, escaping backslashes and that
/// quote.
pub fn quote(value: &str, quote: char) -> String {
    let mut literal = String::with_capacity(value.len() + 2);
    literal.push(quote);
    for c in value.chars() {
        if c == '\\' || c == quote {
            literal.push('\\');
        }
        literal.push(c);
    }
    literal.push(quote);
    literal
}

/// Returns `Some(true)` or `Some(false)` for a boolean literal.
pub fn bool_value(node: Node<'_>) -> Option<bool> {
    match node.kind() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// Returns the arguments of a call without comments, or nothing for a tagged template.
pub fn call_arguments(call: Node<'_>) -> Vec<Node<'_>> {
    match call.child_by_field_name("arguments") {
        Some(args) if args.kind() == "arguments" => named_children(args),
        _ => Vec::new(),
    }
}

/// For `object.property(...)`, the object and the property name.
pub fn method_call<'t>(call: Node<'t>, text: &str) -> Option<(Node<'t>, String)> {
    let function = call.child_by_field_name("function")?;
    if function.kind() != "member_expression" {
        return None;
    }
    let object = function.child_by_field_name("object")?;
    let property = function.child_by_field_name("property")?;
    Some((object, text_of(property, text).to_string()))
}

/// Whether `node` is a function: an arrow function, a function expression or declaration, or a
/// method.
pub fn is_function(node: Node<'_>) -> bool {
    matches!(
        node.kind(),
        "arrow_function" | "function_expression" | "function" | "function_declaration" | "method_definition"
            | "generator_function" | "generator_function_declaration"
    )
}

/// Returns the names of a function's parameters in order. A parameter that is not a plain name
/// (a destructuring pattern, a rest element, a default value) gives `None`.
pub fn parameter_names(function: Node<'_>, text: &str) -> Vec<Option<String>> {
    if let Some(single) = function.child_by_field_name("parameter") {
        return vec![Some(text_of(single, text).to_string())];
    }
    let Some(params) = function.child_by_field_name("parameters") else {
        return Vec::new();
    };
    named_children(params)
        .into_iter()
        .map(|param| {
            let name = match param.kind() {
                "identifier" => Some(param),
                "required_parameter" => param.child_by_field_name("pattern").filter(|p| p.kind() == "identifier"),
                _ => None,
            };
            name.map(|n| text_of(n, text).to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grammar_by_extension() {
        assert_eq!(Grammar::for_path(Path::new("a/app.ts")), Grammar::TypeScript);
        assert_eq!(Grammar::for_path(Path::new("view.tsx")), Grammar::Tsx);
        assert_eq!(Grammar::for_path(Path::new("view.jsx")), Grammar::JavaScript);
        assert_eq!(Grammar::for_path(Path::new("server.mjs")), Grammar::JavaScript);
        assert_eq!(Grammar::for_path(Path::new("server.cjs")), Grammar::JavaScript);
    }

    #[test]
    fn parse_each_grammar() {
        assert!(parse("const a = <div>{x}</div>;\n", Grammar::JavaScript).is_ok());
        assert!(parse("const a: number = 1 as number;\n", Grammar::TypeScript).is_ok());
        assert!(parse("const a = <T,>(x: T) => <b>{x}</b>;\n", Grammar::Tsx).is_ok());
    }

    #[test]
    fn quote_escapes() {
        assert_eq!(quote("a'b\\c", '\''), "'a\\'b\\\\c'");
        assert_eq!(quote("a'b", '"'), "\"a'b\"");
    }

    #[test]
    fn modern_syntax_parses() {
        let javascript = [
            "a?.b ?? c; x ??= 1; y ||= 2;",
            "class A { #secret = 1; static { init(); } get #x() { return this.#secret; } }",
            "const data = await fetch(url);",
            "import config from './config.json' with { type: 'json' };",
            "const re = /[\\p{L}]/v;",
            "const view = <><A {...props} /></>;",
            "@decorate class B {}",
            "export * as helpers from './helpers.js';",
        ];
        for snippet in javascript {
            assert!(parse(snippet, Grammar::JavaScript).is_ok(), "{snippet}");
        }
        let typescript = [
            "enum Mode { A = 1, B }",
            "function f<T extends object>(x: T): asserts x is T {}",
            "class C { constructor(private readonly a: string, public b?: number) {} }",
            "const o = { a: 1 } as const satisfies Record<string, number>;",
            "type K = `prefix-${string}`; let k!: K;",
            "abstract class D { abstract run(): void; accessor count = 0; }",
            "import type { Request } from 'express'; export type { Request };",
        ];
        for snippet in typescript {
            assert!(parse(snippet, Grammar::TypeScript).is_ok(), "{snippet}");
        }
    }

    #[test]
    fn parse_error_position() {
        let error = parse("const a = 1;\nconst = ;\n", Grammar::JavaScript).unwrap_err();
        assert_eq!(error.offset.map(|o| o >= 13), Some(true), "{error:?}");
        assert!(error.message.starts_with("invalid JavaScript syntax"), "{}", error.message);
    }

    #[test]
    fn deep_nesting_parses() {
        let text = format!("const a = {}1{};\n", "[".repeat(5000), "]".repeat(5000));
        let tree = parse(&text, Grammar::JavaScript).expect("deeply nested array parses");
        let mut count = 0;
        for_each_named(tree.root_node(), |_| count += 1);
        assert!(count > 5000);
    }
}
