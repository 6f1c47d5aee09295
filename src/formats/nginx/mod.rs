//! nginx configuration: a lossless block tree, `include` resolution against the walked tree,
//! and rules for server tokens, security headers, HSTS, forwarded headers, TLS protocols and
//! directory listings.

use std::path::Path;

use crate::finding::Finding;
use crate::rule::{run_rules, CheckError, CommentSyntax, FileKind, Format, ParseError, Rule, RuleContext};
use crate::source::SourceFile;

mod autoindex;
mod forwarded_headers;
mod headers;
mod hsts;
pub mod include;
pub mod model;
pub mod parser;
mod security_headers;
mod server_tokens;
mod tls_protocols;

use model::Doc;

pub struct NginxFormat;

static RULES: [&dyn Rule<Doc>; 6] = [
    &server_tokens::ServerTokens,
    &security_headers::SecurityHeaders,
    &hsts::Hsts,
    &forwarded_headers::ForwardedHeaders,
    &tls_protocols::TlsProtocols,
    &autoindex::Autoindex,
];

impl Format for NginxFormat {
    fn kind(&self) -> FileKind {
        FileKind::Nginx
    }

    fn rule_ids(&self) -> Vec<&'static str> {
        RULES.iter().map(|rule| rule.id()).collect()
    }

    fn matches_path(&self, path: &Path) -> bool {
        let name = super::file_name(path);
        if name == "nginx.conf" {
            return true;
        }
        if name.ends_with(".conf") {
            return super::has_dir(path, |d| d.contains("nginx") || d == "conf.d" || d.starts_with("sites-") || d == "snippets");
        }
        // Debian keeps virtual hosts without an extension (`sites-available/default`).
        let in_sites = path
            .parent()
            .and_then(|parent| parent.file_name())
            .and_then(|dir| dir.to_str())
            .is_some_and(|dir| dir == "sites-available" || dir == "sites-enabled");
        in_sites && !name.starts_with('.') && !name.contains('.')
    }

    fn accepts(&self, source: &SourceFile) -> bool {
        looks_like_nginx(&source.text)
    }

    fn comment_syntax(&self, _path: &Path) -> CommentSyntax {
        CommentSyntax { line_prefixes: &["#"], trailing: true }
    }

    fn check(&self, source: &SourceFile, ctx: &RuleContext) -> Result<Vec<Finding>, CheckError> {
        let parsed = parser::parse(&source.text)?;
        let doc = Doc::build(source, parsed, ctx.project);
        run_rules(&RULES, &doc, ctx)
    }

    fn round_trip(&self, source: &SourceFile) -> Option<Result<String, ParseError>> {
        Some(parser::parse(&source.text).map(|parsed| parsed.reassemble(&source.text)))
    }
}

/// Directive names that only nginx configurations use, or that nginx files use all the time.
const KNOWN_DIRECTIVES: &[&str] = &[
    "http", "events", "server", "location", "upstream", "listen", "server_name", "root", "index", "proxy_pass",
    "fastcgi_pass", "uwsgi_pass", "grpc_pass", "include", "worker_processes", "worker_connections", "add_header",
    "proxy_set_header", "ssl_certificate", "ssl_certificate_key", "ssl_protocols", "ssl_ciphers", "try_files",
    "return", "rewrite", "access_log", "error_log", "error_page", "gzip", "gzip_types", "server_tokens",
    "client_max_body_size", "keepalive_timeout", "sendfile", "autoindex", "alias", "expires", "map", "types",
    "default_type", "charset", "limit_req_zone", "limit_req", "proxy_http_version", "proxy_redirect", "stream",
    "ssl_session_cache", "ssl_session_timeout", "resolver", "set", "if", "deny", "allow", "auth_basic",
    "load_module", "pid", "user", "tcp_nopush", "tcp_nodelay", "log_format", "proxy_cache_path", "stub_status",
    "ssl_stapling", "ssl_prefer_server_ciphers", "http2", "etag", "types_hash_max_size",
];

/// Whether `text` parses as nginx and uses at least one nginx directive. Apache files fail to
/// parse (their directives end without `;`), and so do `key = value` files such as
/// postgresql.conf, but a file of `name value;` lines could be anything, so a known directive
/// name is required too.
///
/// A file that does not parse is still taken for nginx when its lines read like nginx: a known
/// directive starts a line, and no line is a `key = value` setting or an Apache `<Tag>`. `check`
/// then reports the syntax error instead of skipping the file.
pub fn looks_like_nginx(text: &str) -> bool {
    let Ok(parsed) = parser::parse(text) else {
        return lines_look_like_nginx(text);
    };
    fn any_known(children: &[parser::Directive]) -> bool {
        children.iter().any(|d| {
            KNOWN_DIRECTIVES.contains(&d.name.value.as_str())
                || d.block.as_ref().is_some_and(|block| any_known(&block.children))
        })
    }
    // `key = value;` lines; `location = /path { }` is nginx's exact-match location.
    let uses_equals = parsed.children.iter().any(|d| d.block.is_none() && d.arg(0) == Some("="));
    any_known(&parsed.children) && !uses_equals
}

/// Line-based look at a file that does not parse: at least one line starts with a known
/// directive name followed by a space, `{` or `;`, and no line is an Apache `<Tag>` or a
/// `key = value` setting.
fn lines_look_like_nginx(text: &str) -> bool {
    let mut known = false;
    for line in text.lines() {
        let line = line.trim_start();
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        if line.starts_with('<') {
            return false;
        }
        let word_end = line.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(line.len());
        let (word, rest) = line.split_at(word_end);
        if word.is_empty() {
            continue;
        }
        let rest = rest.trim_start();
        if rest.starts_with('=') && word != "location" {
            return false;
        }
        let follows = line[word_end..].chars().next();
        if KNOWN_DIRECTIVES.contains(&word) && matches!(follows, None | Some(' ' | '\t' | '{' | ';' | '\r')) {
            known = true;
        }
    }
    known
}

/// Whether `path` may be a file that an nginx `include` names without being checked itself.
pub fn is_context_file(path: &Path) -> bool {
    let name = super::file_name(path);
    if name.ends_with(".conf") || name == "mime.types" || name.ends_with("_params") || name.ends_with(".inc") || name.ends_with(".nginx") {
        return true;
    }
    // Extensionless includes such as `sites-enabled/example` or `snippets/tls`.
    let extensionless = !name.is_empty() && !name.starts_with('.') && !name.contains('.');
    extensionless && super::has_dir(path, |d| d.contains("nginx") || d.starts_with("sites-") || d == "snippets" || d == "conf.d")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection_by_content() {
        assert!(looks_like_nginx("server {\n    listen 80;\n}\n"));
        assert!(!looks_like_nginx("<VirtualHost *:80>\n    ServerName a\n</VirtualHost>\n"));
        assert!(!looks_like_nginx("max_connections = 100\nshared_buffers = 128MB\n"));
        assert!(!looks_like_nginx("foo = bar;\n"));
        assert!(!looks_like_nginx("# only a comment\n"));
        assert!(looks_like_nginx("location = /favicon.ico {\n    access_log off;\n}\n"));
    }

    #[test]
    fn detection_of_broken_files() {
        // A missing `;` or `}` must reach `check` as a parse error, not a skip.
        assert!(looks_like_nginx("server {\n    listen 80\n}\n"));
        assert!(looks_like_nginx("server {\n    listen 80;\n    location / {\n        add_header X 1;\n"));
        let deep = format!("{}{}", "location /a {\n".repeat(300), "}\n".repeat(300));
        assert!(looks_like_nginx(&deep));
        assert!(!looks_like_nginx("<VirtualHost *:80>\n    server_name a;\n</VirtualHost>\n"));
        assert!(!looks_like_nginx("listen_addresses = '*'\nport = 5432\ninclude 'other.conf'\n"));
        assert!(!looks_like_nginx("Include conf.d/*.conf\nServerName a\n"));
        assert!(!looks_like_nginx("local all all peer\nhost all all 127.0.0.1/32 md5\n"));
    }

    #[test]
    fn paths() {
        let format = NginxFormat;
        assert!(format.matches_path(Path::new("etc/nginx/nginx.conf")));
        assert!(format.matches_path(Path::new("deploy/conf.d/app.conf")));
        assert!(format.matches_path(Path::new("etc/nginx/sites-available/default")));
        assert!(!format.matches_path(Path::new("etc/nginx/sites-available/default.bak~")));
        assert!(!format.matches_path(Path::new("etc/app/app.conf")));
    }

    #[test]
    fn context_files() {
        assert!(is_context_file(Path::new("etc/nginx/proxy_params")));
        assert!(is_context_file(Path::new("etc/nginx/snippets/tls")));
        assert!(is_context_file(Path::new("deploy/headers.inc")));
        assert!(!is_context_file(Path::new("my-nginx-app/README.md")));
        assert!(!is_context_file(Path::new("my-nginx-app/src/main.rs")));
    }
}
