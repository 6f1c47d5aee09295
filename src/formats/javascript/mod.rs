//! JavaScript and TypeScript (Express): session cookies, `res.cookie` options, CORS,
//! `X-Powered-By`, `trust proxy` and session secrets.
//!
//! Files are parsed with tree-sitter. The rules follow bindings rather than names: the local
//! names that `require` or `import` bind to `express`, `express-session`, `cookie-session` and
//! `cors`, and the variables that hold `express()` apps. Options are edited only when they are an
//! object literal in the call or in a `const` of the same file; other shapes are reported.

mod hardcoded_session_secret;
mod insecure_cookie_options;
mod insecure_session_cookie;
mod object;
mod permissive_cors;
mod proxy_not_trusted;
mod script;
mod session;
mod syntax;
mod x_powered_by;

use std::path::Path;

use crate::finding::Finding;
use crate::rule::{run_rules, CheckError, CommentSyntax, FileKind, Format, Rule, RuleContext};
use crate::source::SourceFile;

use script::Script;
use syntax::Grammar;

pub struct JavaScriptFormat;

impl Format for JavaScriptFormat {
    fn kind(&self) -> FileKind {
        FileKind::JavaScript
    }

    fn rule_ids(&self) -> Vec<&'static str> {
        vec!["EXP001", "EXP002", "EXP003", "EXP004", "EXP005", "EXP006"]
    }

    fn matches_path(&self, path: &Path) -> bool {
        let name = super::file_name(path);
        [".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx"].iter().any(|ext| name.ends_with(ext))
            && !name.ends_with(".d.ts")
            && !name.ends_with(".min.js")
    }

    fn comment_syntax(&self, _path: &Path) -> CommentSyntax {
        CommentSyntax { line_prefixes: &["//"], trailing: true }
    }

    fn check(&self, source: &SourceFile, ctx: &RuleContext) -> Result<Vec<Finding>, CheckError> {
        let grammar = Grammar::for_path(source.path());
        let tree = syntax::parse(&source.text, grammar)?;
        let script = Script::new(source, grammar, tree.root_node());
        let rules: [&dyn Rule<Script<'_>>; 6] = [
            &insecure_session_cookie::InsecureSessionCookie,
            &insecure_cookie_options::InsecureCookieOptions,
            &permissive_cors::PermissiveCors,
            &x_powered_by::XPoweredBy,
            &proxy_not_trusted::ProxyNotTrusted,
            &hardcoded_session_secret::HardcodedSessionSecret,
        ];
        run_rules(&rules, &script, ctx)
    }
}

/// Parses `text` with the grammar for `path` and reports the first syntax error, for tests that
/// check fixed output.
pub fn syntax_error(path: &Path, text: &str) -> Option<String> {
    syntax::parse(text, Grammar::for_path(path)).err().map(|error| format!("{error} at byte {:?}", error.offset))
}
