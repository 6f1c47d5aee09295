//! `include` resolution against the walked tree.
//!
//! nginx resolves a relative `include` path against the configuration prefix, the directory of
//! the main `nginx.conf`, whatever file the directive sits in. A glob includes every match in
//! alphabetical order. cinch looks for the nearest `nginx.conf` above the including file and
//! resolves against its directory. A file with no `nginx.conf` above it is a snippet whose main
//! file is elsewhere, so its includes are tried against each of its parent directories, nearest
//! first. An absolute path (`/etc/nginx/snippets/tls.conf`) is tried with its leading
//! components removed one at a time, longest remainder first, since the tree is a checkout and
//! not the server's file system.

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use globset::GlobBuilder;

use crate::formats::normalize_path as normalize;
use crate::context::ProjectContext;

use super::parser::{self, Context, Directive, Parsed};

/// Includes nested deeper than this are not followed.
const MAX_INCLUDE_DEPTH: usize = 8;

/// A simple directive that an included file contributes to the level holding the `include`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provided {
    pub name: String,
    pub args: Vec<String>,
    /// The directive as written, from its name to its `;`.
    pub text: String,
    /// The file it comes from, as walked, or a stock file name such as `proxy_params`.
    pub from: String,
}

impl Provided {
    /// Builds the entry for `directive`, written in `text` of the file `from`.
    pub fn of(directive: &Directive, text: &str, from: &Path) -> Self {
        Provided {
            name: directive.name.value.clone(),
            args: directive.args.iter().map(|a| a.value.clone()).collect(),
            text: text[directive.span.clone()].to_string(),
            from: from.display().to_string(),
        }
    }
}

/// The files and directives one `include` directive brings in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Included {
    pub files: Vec<PathBuf>,
    /// Top-level simple directives of the included files, nested includes expanded.
    pub provided: Vec<Provided>,
    /// Patterns (this one or nested ones) that match nothing in the tree.
    pub unresolved: Vec<String>,
}


/// The walked files that nginx configuration may include, keyed by normalized path.
struct FileIndex {
    by_normalized: HashMap<PathBuf, PathBuf>,
    normalized: Vec<PathBuf>,
    mains: Vec<PathBuf>,
}

fn file_index(project: &ProjectContext) -> Arc<FileIndex> {
    project.memo("nginx:file-index", || {
        let mut by_normalized = HashMap::new();
        let mut normalized = Vec::new();
        let mut mains = Vec::new();
        for (path, _) in project.files() {
            let key = normalize(path);
            if super::super::file_name(path) == "nginx.conf" {
                mains.push(key.clone());
            }
            normalized.push(key.clone());
            by_normalized.insert(key, path.to_path_buf());
        }
        normalized.sort();
        FileIndex { by_normalized, normalized, mains }
    })
}

/// Parses a walked file once per run; `None` when it is missing or does not parse.
pub fn parsed_file(project: &ProjectContext, path: &Path) -> Arc<Option<Parsed>> {
    let key = format!("nginx:parsed:{}", path.display());
    project.memo(&key, || project.source(path).and_then(|source| parser::parse(&source.text).ok()))
}

/// Returns the directories an include pattern in `file` is resolved against, most likely first.
fn bases_for(index: &FileIndex, file: &Path) -> Vec<PathBuf> {
    let file = normalize(file);
    let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
    let main_dir = index
        .mains
        .iter()
        .filter_map(|main| main.parent())
        .filter(|main_dir| dir.starts_with(main_dir))
        .max_by_key(|main_dir| main_dir.components().count());
    match main_dir {
        Some(main_dir) => vec![main_dir.to_path_buf()],
        None => dir.ancestors().map(Path::to_path_buf).collect(),
    }
}

fn has_glob(pattern: &str) -> bool {
    pattern.contains(['*', '?', '['])
}

/// Returns the walked files that `pattern`, written in `file`, includes. The list is empty when
/// the tree contains none of them.
pub fn resolve_pattern(project: &ProjectContext, file: &Path, pattern: &str) -> Vec<PathBuf> {
    resolve(project, file, pattern).unwrap_or_default()
}

/// Returns the walked files that `pattern`, written in `file`, includes, or `None` when it cannot
/// be resolved. When no walked file matches, the walk's links and directories are tried next
/// ([`resolve_through_links`]).
pub fn resolve(project: &ProjectContext, file: &Path, pattern: &str) -> Option<Vec<PathBuf>> {
    let found = resolve_in_tree(project, file, pattern);
    if !found.is_empty() {
        return Some(found);
    }
    resolve_through_links(project, file, pattern)
}

/// Returns the candidate paths `pattern`, written in `file`, may stand for, most likely first.
fn candidates(index: &FileIndex, file: &Path, pattern: &str) -> Vec<PathBuf> {
    let pattern_path = Path::new(pattern);
    let remainders: Vec<PathBuf> = if pattern_path.is_absolute() {
        let parts: Vec<_> = pattern_path.components().filter(|c| matches!(c, Component::Normal(_))).collect();
        let keep = if has_glob(pattern) && parts.len() > 1 { 2 } else { 1 };
        (0..=parts.len().saturating_sub(keep)).map(|skip| parts[skip..].iter().collect()).collect()
    } else {
        vec![pattern_path.to_path_buf()]
    };
    let mut out = Vec::new();
    for base in bases_for(index, file) {
        for remainder in &remainders {
            out.push(normalize(&base.join(remainder)));
        }
    }
    out
}

/// Resolves `pattern` through the walk's symbolic links and directories when no walked file
/// matches it. A link whose target is a walked file stands for that file (Debian's
/// `sites-enabled/default` pointing to `sites-available/default`). A glob in a walked directory
/// that matches nothing resolves to nothing, as nginx allows. Returns `None` when the pattern
/// stays unresolved. The facts come from the project context, so nothing here reads the disk.
fn resolve_through_links(project: &ProjectContext, file: &Path, pattern: &str) -> Option<Vec<PathBuf>> {
    let index = file_index(project);
    let own = normalize(file);
    let walked = |link: &Path| -> Option<PathBuf> {
        let target = project.link_target(link)?;
        (normalize(target) != own).then(|| target.to_path_buf())
    };
    for candidate in candidates(&index, file, pattern) {
        if !has_glob(pattern) {
            if let Some(target) = walked(&candidate) {
                return Some(vec![target]);
            }
            continue;
        }
        let Some(dir) = candidate.parent().filter(|dir| !has_glob(&dir.to_string_lossy())) else { continue };
        let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
        if !project.has_dir(dir) {
            continue;
        }
        let Ok(glob) = GlobBuilder::new(&candidate.to_string_lossy()).literal_separator(true).build() else { continue };
        let matcher = glob.compile_matcher();
        // No walked file matched the pattern, so only links remain. A matching link whose target
        // is outside the tree leaves the pattern unresolved.
        let mut targets = Vec::new();
        for (link, target) in project.links_in_dir(dir) {
            if matcher.is_match(link) {
                if normalize(target) == own {
                    return None;
                }
                targets.push(target.to_path_buf());
            }
        }
        if links_outside_tree_match(project, dir, &matcher) {
            return None;
        }
        targets.sort();
        return Some(targets);
    }
    None
}

/// Returns true when a link in `dir` that the walk met matches the glob but points outside the
/// indexed files, so what it includes cannot be read.
fn links_outside_tree_match(project: &ProjectContext, dir: &Path, matcher: &globset::GlobMatcher) -> bool {
    project.unresolved_links_in_dir(dir).any(|link| matcher.is_match(link))
}

fn resolve_in_tree(project: &ProjectContext, file: &Path, pattern: &str) -> Vec<PathBuf> {
    let index = file_index(project);
    let pattern_path = Path::new(pattern);
    let remainders: Vec<PathBuf> = if pattern_path.is_absolute() {
        let parts: Vec<_> = pattern_path.components().filter(|c| matches!(c, Component::Normal(_))).collect();
        // A bare glob such as `*` left after removing every directory would match unrelated
        // files, so a glob keeps at least its last directory.
        let keep = if has_glob(pattern) && parts.len() > 1 { 2 } else { 1 };
        (0..=parts.len().saturating_sub(keep)).map(|skip| parts[skip..].iter().collect()).collect()
    } else {
        vec![pattern_path.to_path_buf()]
    };
    for base in bases_for(&index, file) {
        for remainder in &remainders {
            let candidate = normalize(&base.join(remainder));
            let found: Vec<PathBuf> = if has_glob(pattern) {
                let Ok(glob) = GlobBuilder::new(&candidate.to_string_lossy()).literal_separator(true).build() else {
                    return Vec::new();
                };
                let matcher = glob.compile_matcher();
                index.normalized.iter().filter(|path| matcher.is_match(path)).cloned().collect()
            } else if index.by_normalized.contains_key(&candidate) {
                vec![candidate]
            } else {
                Vec::new()
            };
            let own = normalize(file);
            let found: Vec<PathBuf> = found.into_iter().filter(|path| *path != own).collect();
            if !found.is_empty() {
                return found.iter().filter_map(|path| index.by_normalized.get(path).cloned()).collect();
            }
        }
    }
    Vec::new()
}

/// Directives that Debian's and nginx's stock include files hold, for includes that name one of
/// them when the tree does not contain it. Only directives the rules look at are listed.
fn stock_file(pattern: &str) -> Option<Vec<Provided>> {
    let name = Path::new(pattern).file_name()?.to_str()?;
    let provided = |lines: &[(&str, &[&str])]| {
        lines
            .iter()
            .map(|(name, args)| Provided {
                name: name.to_string(),
                args: args.iter().map(|a| a.to_string()).collect(),
                text: format!("{name} {};", args.join(" ")),
                from: format!("stock {}", pattern),
            })
            .collect::<Vec<_>>()
    };
    match name {
        "mime.types" | "fastcgi_params" | "fastcgi.conf" | "scgi_params" | "uwsgi_params" | "koi-utf" | "koi-win"
        | "win-utf" | "fastcgi-php.conf" => Some(Vec::new()),
        // Debian's /etc/nginx/proxy_params.
        "proxy_params" => Some(provided(&[
            ("proxy_set_header", &["Host", "$http_host"]),
            ("proxy_set_header", &["X-Real-IP", "$remote_addr"]),
            ("proxy_set_header", &["X-Forwarded-For", "$proxy_add_x_forwarded_for"]),
            ("proxy_set_header", &["X-Forwarded-Proto", "$scheme"]),
        ])),
        // Debian's modules-enabled/*.conf hold `load_module` lines only.
        _ if pattern.contains("modules-enabled/") => Some(Vec::new()),
        _ => None,
    }
}

/// Resolves `pattern`, written in `file`, and collects what it provides.
pub fn include(project: &ProjectContext, file: &Path, pattern: &str) -> Included {
    let mut visited = HashSet::new();
    visited.insert(normalize(file));
    let mut out = Included::default();
    collect(project, file, pattern, 0, &mut visited, &mut out);
    out
}

fn collect(project: &ProjectContext, file: &Path, pattern: &str, depth: usize, visited: &mut HashSet<PathBuf>, out: &mut Included) {
    let Some(files) = resolve(project, file, pattern) else {
        match stock_file(pattern) {
            Some(provided) => out.provided.extend(provided),
            None => out.unresolved.push(pattern.to_string()),
        }
        return;
    };
    for path in files {
        if depth >= MAX_INCLUDE_DEPTH || !visited.insert(normalize(&path)) {
            continue;
        }
        out.files.push(path.clone());
        let parsed = parsed_file(project, &path);
        let Some(source) = project.source(&path) else { continue };
        let Some(parsed) = parsed.as_ref() else {
            out.unresolved.push(format!("{pattern} ({} does not parse)", path.display()));
            continue;
        };
        for directive in &parsed.children {
            if directive.block.is_some() {
                continue;
            }
            if directive.is("include") {
                if let Some(inner) = directive.arg(0) {
                    collect(project, &path, inner, depth + 1, visited, out);
                }
                continue;
            }
            out.provided.push(Provided::of(directive, &source.text, &path));
        }
        visited.remove(&normalize(&path));
    }
}

/// The simple directives of one level of an including file, includes expanded.
#[derive(Debug, Clone, Default)]
pub struct OuterLevel {
    pub context: Option<Context>,
    pub entries: Vec<Provided>,
    pub unresolved: Vec<String>,
}

/// The place a snippet is included at: the includer's levels from its top down to the block holding the
/// `include`, outermost first.
#[derive(Debug, Clone)]
pub struct Inclusion {
    pub includer: PathBuf,
    pub context: Context,
    pub levels: Vec<OuterLevel>,
    /// Whether `levels` start at a main file's top, so nothing above them is unknown.
    pub complete: bool,
}

/// Returns, for every walked file that some nginx file includes, where it is included.
pub fn includers(project: &ProjectContext) -> Arc<HashMap<PathBuf, Vec<Inclusion>>> {
    project.memo("nginx:includers", || {
        let mut map: HashMap<PathBuf, Vec<Inclusion>> = HashMap::new();
        let candidates: Vec<PathBuf> = project
            .files()
            .filter(|(path, file)| file.kind == Some(crate::rule::FileKind::Nginx) || super::is_context_file(path))
            .map(|(path, _)| path.to_path_buf())
            .collect();
        for path in candidates {
            let parsed = parsed_file(project, &path);
            let Some(parsed) = parsed.as_ref() else { continue };
            let mut children = parsed.children.clone();
            let top = parser::infer_top_context(&children);
            parser::assign_contexts(&mut children, top);
            let mut chain = Vec::new();
            walk_includes(project, &path, &children, top, &mut chain, &mut map);
        }
        map
    })
}

fn walk_includes(
    project: &ProjectContext,
    path: &Path,
    children: &[Directive],
    context: Context,
    chain: &mut Vec<OuterLevel>,
    map: &mut HashMap<PathBuf, Vec<Inclusion>>,
) {
    let level = outer_level(project, path, children, context);
    chain.push(level);
    for directive in children {
        if directive.is("include") {
            if let Some(pattern) = directive.arg(0) {
                for file in resolve_pattern(project, path, pattern) {
                    if normalize(&file) == normalize(path) {
                        continue;
                    }
                    map.entry(normalize(&file)).or_default().push(Inclusion {
                        includer: path.to_path_buf(),
                        context,
                        levels: chain.clone(),
                        complete: chain.first().and_then(|level| level.context) == Some(Context::Main),
                    });
                }
            }
        }
        if let Some(block) = &directive.block {
            walk_includes(project, path, &block.children, block.context, chain, map);
        }
    }
    chain.pop();
}

/// Builds the owned view of one level of a file: its simple directives with includes expanded.
pub fn outer_level(project: &ProjectContext, path: &Path, children: &[Directive], context: Context) -> OuterLevel {
    let text = project.source(path).map(|source| source.text.as_str()).unwrap_or("");
    let mut level = OuterLevel { context: Some(context), ..OuterLevel::default() };
    for directive in children.iter().filter(|d| d.block.is_none()) {
        if directive.is("include") {
            if let Some(pattern) = directive.arg(0) {
                let included = include(project, path, pattern);
                level.entries.extend(included.provided);
                level.unresolved.extend(included.unresolved);
            }
            continue;
        }
        level.entries.push(Provided::of(directive, text, path));
    }
    level
}

/// Returns where `path` is included, when exactly one includer context is known. When the
/// includer is itself included, its includer's levels are prepended, up to the main file.
pub fn inclusion_of(project: &ProjectContext, path: &Path) -> Option<Inclusion> {
    let mut found = direct_inclusion(project, path)?;
    for _ in 0..MAX_INCLUDE_DEPTH {
        if found.complete {
            break;
        }
        let Some(outer) = direct_inclusion(project, &found.includer) else { break };
        // The outer file's last level already contains the includer's top-level directives,
        // so it replaces the includer's own top level.
        let mut levels = outer.levels;
        levels.extend(found.levels.into_iter().skip(1));
        found = Inclusion { includer: found.includer, context: found.context, levels, complete: outer.complete };
    }
    Some(found)
}

fn direct_inclusion(project: &ProjectContext, path: &Path) -> Option<Inclusion> {
    let map = includers(project);
    let found = map.get(&normalize(path))?;
    let first = found.first()?;
    found.iter().all(|other| other.context == first.context).then(|| first.clone())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::context::ContextFile;
    use crate::source::SourceFile;

    fn project(files: &[(&str, &str)]) -> ProjectContext {
        let entries = files.iter().map(|(path, text)| {
            let source = SourceFile::new(*path, *text);
            (PathBuf::from(path), ContextFile { kind: Some(crate::rule::FileKind::Nginx), source: Arc::new(source) })
        });
        ProjectContext::new(vec![PathBuf::from(".")], entries)
    }

    #[test]
    fn relative_to_main_prefix() {
        let project = project(&[
            ("etc/nginx/nginx.conf", "http { include sites-enabled/*.conf; }"),
            ("etc/nginx/sites-enabled/app.conf", "server { include snippets/tls.conf; }"),
            ("etc/nginx/snippets/tls.conf", "ssl_protocols TLSv1.2;"),
            ("etc/nginx/sites-enabled/snippets/tls.conf", "ssl_protocols TLSv1;"),
        ]);
        let found = resolve_pattern(&project, Path::new("etc/nginx/sites-enabled/app.conf"), "snippets/tls.conf");
        assert_eq!(found, [PathBuf::from("etc/nginx/snippets/tls.conf")]);
    }

    #[test]
    fn glob_sorted_and_not_recursive() {
        let project = project(&[
            ("etc/nginx/nginx.conf", ""),
            ("etc/nginx/conf.d/b.conf", ""),
            ("etc/nginx/conf.d/a.conf", ""),
            ("etc/nginx/conf.d/sub/c.conf", ""),
        ]);
        let found = resolve_pattern(&project, Path::new("etc/nginx/nginx.conf"), "conf.d/*.conf");
        assert_eq!(found, [PathBuf::from("etc/nginx/conf.d/a.conf"), PathBuf::from("etc/nginx/conf.d/b.conf")]);
    }

    #[test]
    fn absolute_path_maps_into_tree() {
        let project = project(&[("deploy/nginx.conf", ""), ("deploy/snippets/headers.conf", "add_header A b;")]);
        let found = resolve_pattern(&project, Path::new("deploy/nginx.conf"), "/etc/nginx/snippets/headers.conf");
        assert_eq!(found, [PathBuf::from("deploy/snippets/headers.conf")]);
        assert!(resolve_pattern(&project, Path::new("deploy/nginx.conf"), "/etc/nginx/sites-enabled/*").is_empty());
    }

    #[test]
    fn snippet_without_main_uses_parents() {
        let project = project(&[("site/conf.d/app.conf", ""), ("site/common/headers.conf", "add_header A b;")]);
        let found = resolve_pattern(&project, Path::new("site/conf.d/app.conf"), "common/headers.conf");
        assert_eq!(found, [PathBuf::from("site/common/headers.conf")]);
    }

    #[test]
    fn provided_directives_and_cycles() {
        let project = project(&[
            ("etc/nginx/nginx.conf", ""),
            ("etc/nginx/a.conf", "server_tokens off;\ninclude b.conf;\n"),
            ("etc/nginx/b.conf", "add_header X y;\ninclude a.conf;\ninclude missing.conf;\n"),
        ]);
        let included = include(&project, Path::new("etc/nginx/nginx.conf"), "a.conf");
        let names: Vec<&str> = included.provided.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["server_tokens", "add_header"]);
        assert_eq!(included.unresolved, ["missing.conf"]);
    }

    #[test]
    fn stock_files_are_known() {
        let project = project(&[("etc/nginx/nginx.conf", "")]);
        let params = include(&project, Path::new("etc/nginx/nginx.conf"), "proxy_params");
        assert!(params.unresolved.is_empty());
        assert_eq!(params.provided.len(), 4);
        assert!(include(&project, Path::new("etc/nginx/nginx.conf"), "/etc/nginx/mime.types").unresolved.is_empty());
    }

    #[test]
    fn nested_includers_reach_main() {
        let project = project(&[
            ("etc/nginx/nginx.conf", "events {}\nhttp {\n    add_header X y;\n    include conf.d/*.conf;\n}\n"),
            ("etc/nginx/conf.d/app.conf", "server {\n    include sites/*.conf;\n}\n"),
            ("etc/nginx/sites/a.conf", "location / { }\n"),
        ]);
        let inclusion = inclusion_of(&project, Path::new("etc/nginx/sites/a.conf")).expect("included");
        assert!(inclusion.complete);
        assert_eq!(inclusion.context, Context::Server);
        let contexts: Vec<Option<Context>> = inclusion.levels.iter().map(|l| l.context).collect();
        assert_eq!(contexts, [Some(Context::Main), Some(Context::Http), Some(Context::Server)]);
        assert_eq!(inclusion.levels[1].entries[0].name, "add_header");
    }

    #[test]
    fn includer_gives_snippet_context() {
        let project = project(&[
            ("etc/nginx/nginx.conf", "events {}\nhttp {\n    add_header X y;\n    include conf.d/*.conf;\n}\n"),
            ("etc/nginx/conf.d/app.conf", "location / { }\n"),
        ]);
        let inclusion = inclusion_of(&project, Path::new("etc/nginx/conf.d/app.conf")).expect("included");
        assert_eq!(inclusion.context, Context::Http);
        assert_eq!(inclusion.levels.last().unwrap().entries[0].name, "add_header");
    }
}
