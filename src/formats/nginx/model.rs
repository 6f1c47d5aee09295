//! The checked file as the rules see it: the block tree with contexts, what each `include`
//! brings in, where the file itself is included, nginx's inheritance rule for array directives
//! (`add_header`, `proxy_set_header`), and where new directives go.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::context::ProjectContext;
use crate::edit::Edit;
use crate::source::SourceFile;

use super::include::{self, Included, Inclusion, Provided};
use super::parser::{self, Context, Directive, Parsed};

/// A parsed nginx file with its include information.
pub struct Doc {
    pub source: SourceFile,
    pub path: PathBuf,
    pub children: Vec<Directive>,
    /// The context of the file's top level: `Main` for a main file, `Http` for a snippet of
    /// `server` blocks, `Server` for a snippet of `location` blocks, `Other` when unknown.
    pub top: Context,
    /// The content of each `include` directive, keyed by the directive's start offset.
    pub includes: HashMap<usize, Included>,
    /// The place another walked file includes this one, when that is known and unambiguous.
    pub inclusion: Option<Inclusion>,
    /// The indentation unit new blocks' contents get when no neighbour shows one.
    pub indent_unit: String,
    /// The positions of the simple directives (those without a block) of every level, keyed by
    /// the address of the level's children. A level of thousands of `server` blocks has few
    /// simple directives, so lookups at that level stay cheap.
    simple: HashMap<usize, Vec<usize>>,
    /// The quote character the file uses for `add_header` values, `"` when it uses none.
    pub value_quote: char,
    /// Whether the walked tree contains an `nginx.conf`.
    main_in_tree: bool,
}

/// One level of the tree: the top of the file or a block, with the directive that opens it.
#[derive(Clone, Copy)]
pub struct Level<'a> {
    pub owner: Option<&'a Directive>,
    pub children: &'a [Directive],
    pub context: Context,
}

/// A simple directive present at a level, written there or brought in by an `include`.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub name: String,
    pub args: Vec<String>,
    /// The directive as written, for copying it to another level.
    pub text: String,
    /// The directive in this file, or `None` when an included file provides it.
    pub local: Option<&'a Directive>,
    /// The file that provides it, for included entries.
    pub from: Option<String>,
}

/// The directives of one name that a level ends up with, after nginx's inheritance.
#[derive(Debug, Clone)]
pub struct Effective<'a> {
    pub entries: Vec<Entry<'a>>,
    /// The reason the result may be incomplete: an include that cannot be resolved, or a file whose
    /// includer is not in the tree.
    pub uncertain: Option<String>,
}

impl Doc {
    pub fn build(source: &SourceFile, parsed: Parsed, project: &ProjectContext) -> Doc {
        let mut children = parsed.children;
        let inferred = parser::infer_top_context(&children);
        let inclusion = if inferred == Context::Main { None } else { include::inclusion_of(project, &source.path) };
        let top = match &inclusion {
            Some(found) => found.context,
            None => inferred,
        };
        parser::assign_contexts(&mut children, top);
        let mut includes = HashMap::new();
        collect_includes(project, source, &children, &mut includes);

        let mut doc = Doc {
            indent_unit: source.indent_unit("    "),
            source: source.clone(),
            path: source.path.clone(),
            children,
            top,
            includes,
            inclusion,
            simple: HashMap::new(),
            value_quote: '"',
            main_in_tree: project.files().any(|(path, _)| crate::formats::file_name(path) == "nginx.conf"),
        };
        let mut simple = HashMap::new();
        index_simple(&doc.children, &mut simple);
        doc.simple = simple;

        let mut quote = '"';
        doc.walk(&mut |chain| {
            let level = chain.last().expect("chain is never empty");
            for directive in level.children.iter().filter(|d| d.is("add_header")) {
                if let Some(found) = directive.args.get(1).and_then(|arg| arg.quote) {
                    quote = found;
                }
            }
        });
        doc.value_quote = quote;
        doc
    }

    /// Returns the simple directives of `level`, in order.
    fn simple_children<'a>(&self, level: &Level<'a>) -> Vec<&'a Directive> {
        match self.simple.get(&(level.children.as_ptr() as usize)) {
            Some(positions) if !level.children.is_empty() => positions.iter().map(|&i| &level.children[i]).collect(),
            _ => level.children.iter().filter(|d| d.block.is_none()).collect(),
        }
    }

    /// Says why the http block this file's servers go into is unknown, for a file no walked file
    /// is known to include.
    pub fn unknown_includer(&self) -> &'static str {
        if self.main_in_tree {
            "no checked file is known to include this one (nginx.conf may reach it through a link to outside the tree or an include that cannot be resolved), so the http block its servers go into is unknown"
        } else {
            "this file's servers are included into an http block that is not in the checked tree"
        }
    }

    pub fn text(&self) -> &str {
        &self.source.text
    }

    pub fn root(&self) -> Level<'_> {
        Level { owner: None, children: &self.children, context: self.top }
    }

    /// Calls `visit` with every level's chain of ancestors, the level itself last, top down.
    pub fn walk<'a>(&'a self, visit: &mut dyn FnMut(&[Level<'a>])) {
        let mut chain = vec![self.root()];
        walk_levels(&mut chain, visit);
    }

    /// Returns the simple directives at `level`, includes expanded in place.
    pub fn entries<'a>(&'a self, level: &Level<'a>) -> Vec<Entry<'a>> {
        let mut entries = Vec::new();
        for directive in self.simple_children(level) {
            if directive.is("include") {
                if let Some(included) = self.includes.get(&directive.span.start) {
                    entries.extend(included.provided.iter().map(entry_of_provided));
                }
                continue;
            }
            entries.push(Entry {
                name: directive.name.value.clone(),
                args: directive.args.iter().map(|a| a.value.clone()).collect(),
                text: self.text()[directive.span.clone()].to_string(),
                local: Some(directive),
                from: None,
            });
        }
        entries
    }

    /// Returns the include patterns at `level` that match nothing in the tree.
    pub fn unresolved(&self, level: &Level<'_>) -> Vec<String> {
        self.simple_children(level)
            .into_iter()
            .filter(|d| d.is("include"))
            .filter_map(|d| self.includes.get(&d.span.start))
            .flat_map(|included| included.unresolved.iter().cloned())
            .collect()
    }

    /// Returns the entries named `name` at `level`.
    pub fn own<'a>(&'a self, level: &Level<'a>, name: &str) -> Vec<Entry<'a>> {
        let simple = self.simple_children(level);
        if !simple.iter().any(|d| d.is(name) || d.is("include")) {
            return Vec::new();
        }
        self.entries(level).into_iter().filter(|e| e.name == name).collect()
    }

    /// Returns the `name` directives in force at the last level of `chain`, by nginx's rule for
    /// array directives: a level that declares any of them inherits none from above, unless
    /// `merge_directive merge` (such as `add_header_inherit merge`) is in force there.
    pub fn effective<'a>(&'a self, chain: &[Level<'a>], name: &str, merge_directive: Option<&str>) -> Effective<'a> {
        let mut entries = Vec::new();
        for level in chain.iter().rev() {
            // An include at the main level can add blocks but none of the http-level
            // directives this lookup is for.
            let unresolved = if level.context == Context::Main { Vec::new() } else { self.unresolved(level) };
            if !unresolved.is_empty() {
                return Effective {
                    entries,
                    uncertain: Some(format!("`include {}` cannot be resolved in the tree", unresolved.join(" "))),
                };
            }
            let own = self.own(level, name);
            if !own.is_empty() {
                let merges = merge_directive.is_some_and(|merge| {
                    self.own(level, merge).iter().any(|e| e.args.first().is_some_and(|a| a == "merge"))
                });
                entries.extend(own);
                if !merges {
                    return Effective { entries, uncertain: None };
                }
            }
        }
        self.effective_outside(entries, name)
    }

    /// Continues an inheritance lookup past the file's top level, into the includer.
    fn effective_outside<'a>(&'a self, mut entries: Vec<Entry<'a>>, name: &str) -> Effective<'a> {
        if self.top == Context::Main {
            return Effective { entries, uncertain: None };
        }
        let Some(inclusion) = &self.inclusion else {
            return Effective {
                entries,
                uncertain: Some(if self.main_in_tree {
                    "no checked file is known to include this one".to_string()
                } else {
                    "the file that includes this one is not in the tree".to_string()
                }),
            };
        };
        for level in inclusion.levels.iter().rev() {
            if !level.unresolved.is_empty() && level.context != Some(Context::Main) {
                return Effective {
                    entries,
                    uncertain: Some(format!(
                        "`include {}` in {} cannot be resolved in the tree",
                        level.unresolved.join(" "),
                        inclusion.includer.display()
                    )),
                };
            }
            let own: Vec<Entry> = level.entries.iter().filter(|p| p.name == name).map(entry_of_provided).collect();
            if !own.is_empty() {
                entries.extend(own);
                return Effective { entries, uncertain: None };
            }
        }
        let uncertain = (!inclusion.complete)
            .then(|| format!("the file that includes {} is not in the tree", inclusion.includer.display()));
        Effective { entries, uncertain }
    }

    /// Returns the span a finding about a block sits on: the directive's head up to its `{`.
    pub fn head_span(&self, level: &Level<'_>) -> std::ops::Range<usize> {
        match level.owner {
            Some(owner) => match &owner.block {
                Some(block) => owner.span.start..block.open + 1,
                None => owner.span.clone(),
            },
            None => 0..self.text().len().min(self.source.line_content_end(0)),
        }
    }

    /// Returns an edit that inserts `lines` (each a directive without indentation or line
    /// break) into `level`. They go after the last directive named `name`, else after the last
    /// simple directive before the first nested block, else at the top of the block.
    pub fn insert(&self, level: &Level<'_>, name: &str, lines: &[String]) -> Edit {
        let children = level.children;
        let anchor = children.iter().rev().find(|d| d.is(name) && d.block.is_none()).or_else(|| {
            let first_block = children.iter().position(|d| d.block.is_some()).unwrap_or(children.len());
            children[..first_block].iter().rev().find(|d| d.block.is_none())
        });
        match anchor {
            Some(directive) => self.insert_after(directive, lines),
            None => self.insert_at_top(level, lines),
        }
    }

    fn insert_after(&self, directive: &Directive, lines: &[String]) -> Edit {
        let text = self.text();
        let end = directive.span.end;
        let line_index = self.source.line_index(directive.span.start);
        let line_start = self.source.line_start(line_index);
        let starts_line = text[line_start..directive.span.start].trim().is_empty();
        let rest_end = text[end..].find('\n').map(|at| end + at).unwrap_or(text.len());
        let rest = text[end..rest_end].trim();
        if !(rest.is_empty() || rest.starts_with('#')) {
            // More follows on the line (`location / { proxy_pass x; }`), so the block stays on
            // one line.
            return Edit::insert(end, format!(" {}", lines.join(" ")));
        }
        let mut indent = self.source.indentation(line_index).to_string();
        if !starts_line {
            // `server { listen 80;` puts the first child after the brace: indent one level more.
            indent.push_str(&self.indent_unit);
        }
        self.insert_lines(rest_end, &indent, lines)
    }

    /// Inserts whole lines at the end of the line that ends at `line_end` (its `\n` or the end
    /// of the text).
    fn insert_lines(&self, line_end: usize, indent: &str, lines: &[String]) -> Edit {
        let newline = self.source.newline();
        let mut added = String::new();
        if line_end >= self.text().len() {
            for line in lines {
                added.push_str(newline);
                added.push_str(indent);
                added.push_str(line);
            }
            return Edit::insert(self.text().len(), added);
        }
        for line in lines {
            added.push_str(indent);
            added.push_str(line);
            added.push_str(newline);
        }
        Edit::insert(line_end + 1, added)
    }

    fn insert_at_top(&self, level: &Level<'_>, lines: &[String]) -> Edit {
        let text = self.text();
        let Some(block) = level.owner.and_then(|owner| owner.block.as_ref()) else {
            let newline = self.source.newline();
            let added: String = lines.iter().map(|line| format!("{line}{newline}")).collect();
            return Edit::insert(0, added);
        };
        let after_open = block.open + 1;
        let rest_end = text[after_open..].find('\n').map(|at| after_open + at).unwrap_or(text.len());
        let rest = text[after_open..rest_end].trim();
        if !(rest.is_empty() || rest.starts_with('#')) {
            let tail = if text[after_open..].starts_with([' ', '\t']) { "" } else { " " };
            return Edit::insert(after_open, format!(" {}{tail}", lines.join(" ")));
        }
        let indent = self.child_indent(level);
        self.insert_lines(rest_end, &indent, lines)
    }

    /// Returns the indentation of a block's contents: its first child's, or the block's own
    /// plus one unit.
    fn child_indent(&self, level: &Level<'_>) -> String {
        if let Some(first) = level.children.first() {
            let line = self.source.line_index(first.span.start);
            if self.text()[self.source.line_start(line)..first.span.start].trim().is_empty() {
                return self.source.indentation(line).to_string();
            }
        }
        match level.owner {
            Some(owner) => {
                let line = self.source.line_index(owner.span.start);
                format!("{}{}", self.source.indentation(line), self.indent_unit)
            }
            None => String::new(),
        }
    }
}

fn entry_of_provided<'a>(provided: &Provided) -> Entry<'a> {
    Entry {
        name: provided.name.clone(),
        args: provided.args.clone(),
        text: provided.text.clone(),
        local: None,
        from: Some(provided.from.clone()),
    }
}

fn walk_levels<'a>(chain: &mut Vec<Level<'a>>, visit: &mut dyn FnMut(&[Level<'a>])) {
    visit(chain);
    let current = *chain.last().expect("chain is never empty");
    for directive in current.children {
        if let Some(block) = &directive.block {
            // `map`, `types`, `geo` and similar blocks hold key-value pairs, not directives, and
            // raw blocks hold Lua code.
            if matches!(block.context, Context::Raw | Context::Map | Context::Types | Context::Other) {
                continue;
            }
            chain.push(Level { owner: Some(directive), children: &block.children, context: block.context });
            walk_levels(chain, visit);
            chain.pop();
        }
    }
}

fn index_simple(children: &[Directive], out: &mut HashMap<usize, Vec<usize>>) {
    if !children.is_empty() {
        let positions = children.iter().enumerate().filter(|(_, d)| d.block.is_none()).map(|(i, _)| i).collect();
        out.insert(children.as_ptr() as usize, positions);
    }
    for block in children.iter().filter_map(|d| d.block.as_ref()) {
        index_simple(&block.children, out);
    }
}

fn collect_includes(project: &ProjectContext, source: &SourceFile, children: &[Directive], out: &mut HashMap<usize, Included>) {
    for directive in children {
        if directive.is("include") {
            if let Some(pattern) = directive.arg(0) {
                out.insert(directive.span.start, include::include(project, &source.path, pattern));
            }
        }
        if let Some(block) = &directive.block {
            collect_includes(project, source, &block.children, out);
        }
    }
}

/// Names a level for messages: "`location /x` block", "`if ($a)` block", "`server` block".
pub fn block_name(level: &Level<'_>) -> String {
    match level.owner {
        Some(owner) => match owner.args.first() {
            Some(_) if owner.is("location") || owner.is("if") => {
                format!("`{} {}` block", owner.name.value, owner.args.iter().map(|a| a.value.as_str()).collect::<Vec<_>>().join(" "))
            }
            _ => format!("`{}` block", owner.name.value),
        },
        None => "top level of this file".to_string(),
    }
}

/// Whether the server at the end of `chain` is an `http` server.
pub fn is_http_server(level: &Level<'_>) -> bool {
    level.context == Context::Server && level.owner.is_some()
}

/// Returns a header name's canonical form for comparison.
pub fn header_key(name: &str) -> String {
    name.to_ascii_lowercase()
}

/// Quotes an argument when nginx would otherwise split or misread it.
pub fn quote_arg(value: &str) -> String {
    let needs = value.is_empty() || value.contains([' ', '\t', ';', '{', '}', '"', '\'', '#', '\\']);
    if needs {
        format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::apply_edits;

    fn doc(text: &str) -> Doc {
        let source = SourceFile::new("etc/nginx/nginx.conf", text);
        let parsed = parser::parse(text).unwrap();
        Doc::build(&source, parsed, &ProjectContext::empty())
    }

    /// Inserts `line` into the first block named `block` and returns the new text.
    fn insert(text: &str, block: &str, name: &str, line: &str) -> String {
        let doc = doc(text);
        let mut edit = None;
        doc.walk(&mut |chain| {
            let level = chain.last().unwrap();
            if edit.is_none() && level.owner.is_some_and(|o| o.is(block)) {
                edit = Some(doc.insert(level, name, &[line.to_string()]));
            }
        });
        apply_edits(text, &[edit.expect("block found")])
    }

    #[test]
    fn after_same_name() {
        let text = "http {\n    add_header A 1;\n    sendfile on;\n    add_header B 2; # b\n    gzip on;\n}\n";
        let out = insert(text, "http", "add_header", "add_header C 3;");
        assert_eq!(out, "http {\n    add_header A 1;\n    sendfile on;\n    add_header B 2; # b\n    add_header C 3;\n    gzip on;\n}\n");
    }

    #[test]
    fn before_first_nested_block() {
        let text = "http {\n    sendfile on;\n    server {\n    }\n    gzip on;\n}\n";
        let out = insert(text, "http", "server_tokens", "server_tokens off;");
        assert_eq!(out, "http {\n    sendfile on;\n    server_tokens off;\n    server {\n    }\n    gzip on;\n}\n");
    }

    #[test]
    fn top_of_block() {
        let text = "http {\n\tserver {\n\t\tlisten 80;\n\t}\n}\n";
        let out = insert(text, "http", "server_tokens", "server_tokens off;");
        assert_eq!(out, "http {\n\tserver_tokens off;\n\tserver {\n\t\tlisten 80;\n\t}\n}\n");
    }

    #[test]
    fn empty_blocks() {
        assert_eq!(insert("http {\n}\n", "http", "gzip", "gzip on;"), "http {\n    gzip on;\n}\n");
        assert_eq!(insert("http {}\n", "http", "gzip", "gzip on;"), "http { gzip on; }\n");
    }

    #[test]
    fn one_line_block() {
        let text = "location / { proxy_pass http://x; }\n";
        let out = insert(text, "location", "proxy_set_header", "proxy_set_header A b;");
        assert_eq!(out, "location / { proxy_pass http://x; proxy_set_header A b; }\n");
    }

    #[test]
    fn child_on_the_opening_line() {
        let out = insert("http { gzip on;\n    server { }\n}\n", "http", "gzip", "gzip_vary on;");
        assert_eq!(out, "http { gzip on;\n    gzip_vary on;\n    server { }\n}\n");
    }

    #[test]
    fn crlf_and_no_final_newline() {
        let out = insert("http {\r\n    gzip on;\r\n}\r\n", "http", "gzip", "gzip_vary on;");
        assert_eq!(out, "http {\r\n    gzip on;\r\n    gzip_vary on;\r\n}\r\n");
        let out = insert("http {\n    gzip on; }", "http", "gzip", "gzip_vary on;");
        assert_eq!(out, "http {\n    gzip on; gzip_vary on; }");
    }

    #[test]
    fn inheritance_stops_at_declaring_level() {
        let doc = doc("http {\n    add_header A 1;\n    server {\n        location / {\n            add_header B 2;\n        }\n        location /x { }\n    }\n}\n");
        let mut seen = Vec::new();
        doc.walk(&mut |chain| {
            let level = chain.last().unwrap();
            if level.context == Context::Location {
                let names: Vec<String> = doc.effective(chain, "add_header", None).entries.iter().map(|e| e.args[0].clone()).collect();
                seen.push(names);
            }
        });
        assert_eq!(seen, [vec!["B".to_string()], vec!["A".to_string()]]);
    }

    #[test]
    fn walk_skips_key_value_blocks() {
        let doc = doc("http {\n    map $a $b {\n        autoindex on;\n    }\n    geo $c {\n        default 0;\n    }\n    server { }\n}\n");
        let mut contexts = Vec::new();
        doc.walk(&mut |chain| contexts.push(chain.last().unwrap().context));
        assert_eq!(contexts, [Context::Main, Context::Http, Context::Server]);
    }

    #[test]
    fn merge_keeps_inherited() {
        let doc = doc("http {\n    add_header A 1;\n    server {\n        add_header_inherit merge;\n        add_header B 2;\n    }\n}\n");
        let mut names = Vec::new();
        doc.walk(&mut |chain| {
            if chain.last().unwrap().context == Context::Server {
                names = doc.effective(chain, "add_header", Some("add_header_inherit")).entries.iter().map(|e| e.args[0].clone()).collect();
            }
        });
        assert_eq!(names, ["B", "A"]);
    }
}
