//! Express rules (EXP001 to EXP006) on JavaScript and TypeScript fixtures: snapshots of the
//! findings and diffs, the exact output for the hard cases, and the invariants of every fix.

mod common;

use std::path::Path;

use cinch::edit::Applicability;
use cinch::engine::{FileResult, FixMode, Problem};
use cinch::formats::javascript::syntax_error;

const ORIGINS: &str = "[cors]\nallowed_origins = [\"https://app.example.com\"]\n";

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/express").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()))
}

fn rules_of(result: &FileResult) -> Vec<&'static str> {
    result.remaining.iter().chain(result.fixed_findings.iter()).map(|d| d.finding.rule).collect()
}

/// Snapshots a fixture with `config` and `mode`, then checks that the fixed text parses and that
/// a second run changes nothing.
fn check_fixture(name: &str, config: &str, mode: FixMode) {
    check_text(name, &fixture(name), config, mode);
}

fn check_text(name: &str, text: &str, config: &str, mode: FixMode) {
    let rendered = common::render(name, text, config, mode, &[]);
    let snapshot = format!("express_{}", name.replace('.', "_"));
    assert_fixture_snapshot!(snapshot, rendered);
    common::assert_invariants(name, text, config, mode, &[]);
    let fixed = common::fixed_text(&common::run(name, text, config, mode));
    assert_eq!(syntax_error(Path::new(name), &fixed), None, "{name}: fixed text does not parse");
}

#[test]
fn grammars_load() {
    let languages: [(&str, tree_sitter::Language, &str); 4] = [
        ("javascript", tree_sitter_javascript::LANGUAGE.into(), "const a = <b>{c}</b>;"),
        ("typescript", tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(), "const a: number = 1 satisfies number;"),
        ("tsx", tree_sitter_typescript::LANGUAGE_TSX.into(), "const a = <b>{c as string}</b>;"),
        ("c#", tree_sitter_c_sharp::LANGUAGE.into(), "class A { void B() { var c = new D { E = 1 }; } }"),
    ];
    for (name, language, snippet) in languages {
        let mut parser = tree_sitter::Parser::new();
        parser.set_language(&language).unwrap_or_else(|error| panic!("{name} grammar does not load: {error}"));
        let tree = parser.parse(snippet, None).unwrap_or_else(|| panic!("{name}: no tree"));
        assert!(!tree.root_node().has_error(), "{name}: snippet has syntax errors");
    }
}

#[test]
fn fixtures_snapshot() {
    let cases: [(&str, &str, FixMode); 16] = [
        ("app_factory.js", "", FixMode::Unsafe),
        ("cors_credentials.js", ORIGINS, FixMode::Unsafe),
        ("xsrf_cookie.js", "", FixMode::Safe),
        ("session_cjs.js", "", FixMode::Unsafe),
        ("session_esm.mjs", "", FixMode::Unsafe),
        ("namespace_const.ts", ORIGINS, FixMode::Unsafe),
        ("cors_typescript.ts", ORIGINS, FixMode::Unsafe),
        ("destructured_require.cjs", "", FixMode::Unsafe),
        ("spread_options.js", ORIGINS, FixMode::Unsafe),
        ("foreign_session.js", ORIGINS, FixMode::Unsafe),
        ("helmet_app.js", "", FixMode::Unsafe),
        ("secure_without_proxy.js", "", FixMode::Unsafe),
        ("one_line.js", "", FixMode::Unsafe),
        ("controller.ts", "", FixMode::Safe),
        ("view.tsx", "", FixMode::Safe),
        ("explicit_values.js", ORIGINS, FixMode::Unsafe),
    ];
    for (name, config, mode) in cases {
        check_fixture(name, config, mode);
    }
}

#[test]
fn examples_snapshot() {
    for name in ["app.js", "server.ts"] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/express").join(name);
        let text = std::fs::read_to_string(&path).expect("read the example");
        check_text(&format!("example_{name}"), &text, ORIGINS, FixMode::Unsafe);
    }
}

#[test]
fn cors_origin_true_and_regex() {
    let text = fixture("cors_credentials.js");
    let fixed = common::fixed_text(&common::run("app.js", &text, ORIGINS, FixMode::Unsafe));
    let expected = "const corsMiddleware = require('cors');\n\n\
        server.use('/v1', corsMiddleware({ credentials: true, origin: ['https://app.example.com'] }));\n\
        server.use('/widgets', corsMiddleware({ credentials: true, origin: /^https:\\/\\/([a-z0-9-]+\\.)*affiliate\\.example$/ }));\n";
    assert_eq!(fixed, expected);
}

#[test]
fn cors_without_allowlist() {
    let text = fixture("cors_credentials.js");
    let result = common::run("app.js", &text, "", FixMode::Unsafe);
    assert!(result.fixed.is_none(), "the file changed without an allowlist");
    assert_eq!(result.remaining.len(), 2);
    for diagnostic in &result.remaining {
        assert_eq!(diagnostic.finding.needs_config.as_deref(), Some("cors.allowed_origins"));
    }
}

#[test]
fn cors_safe_mode_untouched() {
    let text = fixture("cors_credentials.js");
    let result = common::run("app.js", &text, ORIGINS, FixMode::Safe);
    assert!(result.fixed.is_none(), "review-level CORS fixes applied in safe mode");
}

#[test]
fn xsrf_cookie_stays_readable() {
    let text = fixture("xsrf_cookie.js");
    let result = common::run("csrf.js", &text, "", FixMode::Safe);
    let expected = "router.use(function issueToken(request, response, next) {\n  \
        response.cookie('XSRF-TOKEN', request.csrfToken(), { path: '/', sameSite: 'strict', secure: true });\n  \
        next();\n});\n";
    assert_eq!(common::fixed_text(&result), expected);
    let notes = result.fixed_findings.iter().flat_map(|d| d.finding.notes.iter()).cloned().collect::<Vec<_>>().join("\n");
    assert!(notes.contains("cookies.readable_by_scripts"), "no note on the skipped httpOnly: {notes}");
}

#[test]
fn readable_list_from_config() {
    let text = fixture("xsrf_cookie.js");
    let config = "[cookies]\nreadable_by_scripts = []\n";
    let fixed = common::fixed_text(&common::run("csrf.js", &text, config, FixMode::Safe));
    assert!(fixed.contains("sameSite: 'strict', httpOnly: true, secure: true }"), "{fixed}");
}

#[test]
fn session_fix_order() {
    let text = fixture("session_cjs.js");
    let fixed = common::fixed_text(&common::run("app.js", &text, "", FixMode::Unsafe));
    assert!(
        fixed.contains("const app = express();\napp.set('trust proxy', 1);\napp.disable('x-powered-by');\n\napp.use(express.json());"),
        "settings are not right after the app:\n{fixed}"
    );
    assert!(fixed.contains("    secret: process.env.SESSION_SECRET,\n"), "{fixed}");
    assert!(fixed.contains("    saveUninitialized: false,\n    cookie: { secure: true, sameSite: 'lax' }\n  })"), "{fixed}");
}

#[test]
fn session_safe_mode() {
    let text = fixture("session_cjs.js");
    let result = common::run("app.js", &text, "", FixMode::Safe);
    let fixed = common::fixed_text(&result);
    assert!(fixed.contains("cookie: { sameSite: 'lax' }"), "{fixed}");
    assert!(!fixed.contains("trust proxy"), "a review-level edit landed in safe mode:\n{fixed}");
    assert!(!fixed.contains("secure"), "{fixed}");
}

#[test]
fn settings_from_config() {
    let text = fixture("session_cjs.js");
    let config = "[express]\ntrust_proxy_hops = 2\nsession_secret_env = \"APP_SESSION_KEY\"\n[cookies]\nsame_site = \"strict\"\n";
    let fixed = common::fixed_text(&common::run("app.js", &text, config, FixMode::Unsafe));
    assert!(fixed.contains("app.set('trust proxy', 2);"), "{fixed}");
    assert!(fixed.contains("secret: process.env.APP_SESSION_KEY,"), "{fixed}");
    assert!(fixed.contains("sameSite: 'strict'"), "{fixed}");
}

#[test]
fn crlf_line_endings() {
    let text = fixture("session_cjs.js").replace('\n', "\r\n");
    common::assert_invariants("app.js", &text, "", FixMode::Unsafe, &[]);
    let fixed = common::fixed_text(&common::run("app.js", &text, "", FixMode::Unsafe));
    assert_ne!(fixed, text);
    assert_eq!(fixed.matches('\n').count(), fixed.matches("\r\n").count(), "a bare LF was written:\n{fixed:?}");
    assert!(fixed.contains("const app = express();\r\napp.set('trust proxy', 1);\r\n"), "{fixed:?}");
}

#[test]
fn foreign_session_untouched() {
    let text = fixture("foreign_session.js");
    let result = common::run("app.js", &text, ORIGINS, FixMode::Unsafe);
    assert_eq!(rules_of(&result), Vec::<&str>::new());
    assert!(result.fixed.is_none());
}

#[test]
fn spread_reported_only() {
    let text = fixture("spread_options.js");
    let result = common::run("app.js", &text, ORIGINS, FixMode::Unsafe);
    assert!(result.fixed.is_none(), "opaque options were edited");
    assert_eq!(rules_of(&result), vec!["EXP001", "EXP001", "EXP003"]);
    assert!(result.remaining.iter().all(|d| d.finding.fix.is_none()));
}

#[test]
fn helmet_hides_powered_by() {
    let text = fixture("helmet_app.js");
    let result = common::run("app.js", &text, "", FixMode::Unsafe);
    assert_eq!(rules_of(&result), Vec::<&str>::new());
}

#[test]
fn secure_cookie_needs_trust_proxy() {
    let text = fixture("secure_without_proxy.js");
    let result = common::run("app.js", &text, "", FixMode::Unsafe);
    assert_eq!(rules_of(&result), vec!["EXP005"]);
    assert!(common::fixed_text(&result).contains("app.disable('x-powered-by');\napp.set('trust proxy', 1);\n"));
}

#[test]
fn typescript_const_options() {
    let text = fixture("namespace_const.ts");
    let fixed = common::fixed_text(&common::run("server.ts", &text, ORIGINS, FixMode::Unsafe));
    assert!(fixed.contains("cookie: { sameSite: 'none', maxAge: 3600_000, secure: true },\n} satisfies SessionOptions;"), "{fixed}");
    assert!(fixed.contains("secret: process.env.SESSION_SECRET as string,"), "{fixed}");
    assert!(fixed.contains("origin: ['https://app.example.com'],\n  credentials: true,\n} as const;"), "{fixed}");
}

#[test]
fn syntax_error_reported() {
    let text = fixture("broken.js");
    let result = common::run("broken.js", &text, "", FixMode::Unsafe);
    let errors: Vec<&String> = result
        .problems
        .iter()
        .filter_map(|p| match p {
            Problem::Error { message } => Some(message),
            Problem::Skip { .. } | Problem::Warning { .. } => None,
        })
        .collect();
    assert_eq!(errors.len(), 1, "{:?}", result.problems);
    assert!(errors[0].contains(":2:"), "the error does not name line 2: {}", errors[0]);
    assert!(result.fixed.is_none());
}

#[test]
fn suppression_comment() {
    let text = "const express = require('express');\n// cinch: ignore[EXP004] a proxy strips the header\nconst app = express();\n";
    let result = common::run("app.js", text, "", FixMode::Safe);
    assert!(result.fixed.is_none());
    assert!(result.remaining.is_empty());
}

#[test]
fn byte_order_mark_kept() {
    let text = format!("\u{feff}{}", fixture("xsrf_cookie.js"));
    let result = common::run("csrf.js", &text, "", FixMode::Safe);
    let bytes = result.fixed_bytes().expect("the fix changed the file");
    assert!(bytes.starts_with(&[0xef, 0xbb, 0xbf]));
}

#[test]
fn rule_docs_parse() {
    let parsed = cinch::catalog::parse_all();
    for id in ["EXP001", "EXP002", "EXP003", "EXP004", "EXP005", "EXP006"] {
        let (_, doc) = parsed.iter().find(|(stem, _)| *stem == id).unwrap_or_else(|| panic!("transforms/{id}.toml is missing"));
        let doc = doc.as_ref().unwrap_or_else(|error| panic!("transforms/{id}.toml: {error}"));
        assert_eq!(doc.id, id);
        assert_eq!(doc.format, "javascript");
        assert!(["safe", "review", "mixed"].contains(&doc.fix.as_str()), "{id}: fix = {}", doc.fix);
    }
}

#[test]
fn tab_indentation() {
    let text = fixture("app_factory.js");
    let fixed = common::fixed_text(&common::run("app.js", &text, "", FixMode::Unsafe));
    assert!(fixed.contains("\tapp.set('view engine', 'pug');\n\tapp.set('trust proxy', 1);\n\tapp.disable('x-powered-by');\n"), "{fixed}");
    assert!(fixed.contains("\t\tcookie: { sameSite: 'lax', httpOnly: true, secure: true },\n"), "{fixed}");
}

#[test]
fn missing_final_newline() {
    let text = "const express = require('express');\nconst app = express()";
    let fixed = common::fixed_text(&common::run("app.js", text, "", FixMode::Safe));
    assert_eq!(fixed, "const express = require('express');\nconst app = express()\napp.disable('x-powered-by')");
    common::assert_invariants("app.js", text, "", FixMode::Safe, &[]);
}

#[test]
fn deep_nesting_no_overflow() {
    let depth = 3000;
    let text = format!(
        "app.get('/', (req, res) => {{ {}res.cookie('a', 'b'){}; }});\n",
        "f(".repeat(depth),
        ")".repeat(depth)
    );
    let result = common::run("deep.js", &text, "", FixMode::Safe);
    assert!(!result.has_error(), "{:?}", result.problems);
    assert!(common::fixed_text(&result).contains("res.cookie('a', 'b', { httpOnly: true, secure: true, sameSite: 'lax' })"));
}

#[test]
fn jsx_and_module_extensions() {
    let text = "const express = require('express');\nconst app = express();\nconst view = <main>{app.name}</main>;\n";
    for name in ["app.jsx", "app.mjs", "app.cjs"] {
        let result = common::run(name, text, "", FixMode::Safe);
        assert!(!result.has_error(), "{name}: {:?}", result.problems);
        assert!(common::fixed_text(&result).contains("app.disable('x-powered-by');"), "{name}");
    }
}

#[test]
fn origins_escaped_in_quotes() {
    let text = "const cors = require(\"cors\");\napp.use(cors({ origin: true, credentials: true }));\n";
    let config = "[cors]\nallowed_origins = [\"https://a.example.com\", \"https://b.example.com\"]\n";
    let fixed = common::fixed_text(&common::run("app.js", text, config, FixMode::Unsafe));
    assert!(fixed.contains("origin: [\"https://a.example.com\", \"https://b.example.com\"]"), "{fixed}");
}

#[test]
fn truncated_fixtures_never_panic() {
    let names = ["session_cjs.js", "namespace_const.ts", "controller.ts", "one_line.js", "cors_typescript.ts", "view.tsx"];
    for name in names {
        let text = fixture(name);
        let cuts = (0..text.len()).step_by(5).filter(|cut| text.is_char_boundary(*cut));
        for cut in cuts {
            let part = &text[..cut];
            let result = common::run(name, part, ORIGINS, FixMode::Unsafe);
            let internal: Vec<_> = result
                .problems
                .iter()
                .filter(|p| matches!(p, Problem::Error { message } if message.contains("internal error")))
                .collect();
            assert!(internal.is_empty(), "{name} cut at {cut}: {internal:?}");
            if let Some(fixed) = &result.fixed {
                assert_eq!(syntax_error(Path::new(name), fixed), None, "{name} cut at {cut}: fixed text does not parse");
                let second = common::run(name, fixed, ORIGINS, FixMode::Unsafe);
                assert!(second.fixed.is_none(), "{name} cut at {cut}: a second run changed the text");
            }
        }
    }
}

#[test]
fn cors_credentials_without_origin() {
    let text = "const cors = require('cors');\napp.use(cors({ credentials: true }));\n";
    let fixed = common::fixed_text(&common::run("app.js", text, ORIGINS, FixMode::Unsafe));
    assert_eq!(fixed, "const cors = require('cors');\napp.use(cors({ credentials: true, origin: ['https://app.example.com'] }));\n");
}

#[test]
fn same_site_none_any_case() {
    let text = "const session = require('express-session');\napp.use(session({ secret: process.env.S, cookie: { sameSite: 'None' } }));\n";
    let result = common::run("app.js", text, "", FixMode::Unsafe);
    assert_eq!(common::fixed_text(&result), "const session = require('express-session');\napp.use(session({ secret: process.env.S, cookie: { sameSite: 'None', secure: true } }));\n");
    let messages: Vec<&str> = result.fixed_findings.iter().map(|d| d.finding.message.as_str()).collect();
    assert!(messages.iter().any(|m| m.contains("browsers reject")), "{messages:?}");
}

#[test]
fn session_without_app_in_file() {
    let text = "import session from 'express-session';\nexport const sessions = session({ secret: process.env.S, cookie: { sameSite: 'lax' } });\n";
    let result = common::run("session.mjs", text, "", FixMode::Unsafe);
    let fixed = common::fixed_text(&result);
    assert!(fixed.contains("cookie: { sameSite: 'lax', secure: true }"), "{fixed}");
    assert!(!fixed.contains("trust proxy"), "{fixed}");
    let notes: Vec<&String> = result.fixed_findings.iter().flat_map(|d| d.finding.notes.iter()).collect();
    assert!(notes.iter().any(|n| n.contains("creates no Express app")), "{notes:?}");
}

#[test]
fn cookie_handler_shapes() {
    let cases: [(&str, &str, bool); 11] = [
        ("a.js", "f((req, res) => res.cookie('a', 'b'));", true),
        ("a.js", "f((_req, res) => res.cookie('a', 'b'));", true),
        ("a.js", "f(function (request, response) { response.cookie('a', 'b'); });", true),
        ("a.js", "f((err, req, res, next) => res.cookie('a', 'b'));", true),
        ("a.js", "app.get('/', (a, b) => b.cookie('a', 'b'));", true),
        ("a.ts", "f((ctx: Context, out: Response) => out.cookie('a', 'b'));", true),
        ("a.js", "f((store, cookies) => cookies.cookie('a', 'b'));", false),
        ("a.js", "f((req, res) => res.cookie('a'));", false),
        ("a.js", "f((req, res) => other.cookie('a', 'b'));", false),
        ("a.js", "f((req, res) => { const g = (res) => res.cookie('a', 'b'); });", false),
        ("a.js", "f((req, res, next, extra) => res.cookie('a', 'b'));", false),
    ];
    for (name, text, expected) in cases {
        let result = common::run(name, text, "", FixMode::None);
        let found = result.remaining.iter().any(|d| d.finding.rule == "EXP002");
        assert_eq!(found, expected, "{text}");
    }
}

#[test]
fn shared_options_stay_readable() {
    let text = "const opts = { path: '/' };\n\
        app.use((req, res, next) => {\n  res.cookie('XSRF-TOKEN', 't', opts);\n  res.cookie('sid', 's', opts);\n  next();\n});\n";
    let result = common::run("app.js", text, "", FixMode::Safe);
    let fixed = common::fixed_text(&result);
    assert!(fixed.starts_with("const opts = { path: '/', secure: true, sameSite: 'lax' };\n"), "{fixed}");
    assert!(!fixed.contains("httpOnly"), "{fixed}");
    let notes: Vec<&String> = result.fixed_findings.iter().flat_map(|d| d.finding.notes.iter()).collect();
    assert!(notes.iter().any(|n| n.contains("also serve cookie `XSRF-TOKEN`")), "{notes:?}");
}

#[test]
fn typescript_secret_fallback() {
    let text = "import session from 'express-session';\napp.use(session({ secret: process.env.KEY ?? 'dev' }));\n";
    let fixed = common::fixed_text(&common::run("app.ts", text, "", FixMode::Unsafe));
    assert!(fixed.contains("secret: process.env.KEY as string,"), "{fixed}");
    common::assert_invariants("app.ts", text, "", FixMode::Unsafe, &[]);
}

#[test]
fn helmet_keeping_powered_by() {
    let text = "const express = require('express');\nconst helmet = require('helmet');\nconst app = express();\napp.use(helmet({ xPoweredBy: false }));\n";
    let result = common::run("app.js", text, "", FixMode::None);
    let rules: Vec<&str> = result.remaining.iter().map(|d| d.finding.rule).collect();
    assert_eq!(rules, vec!["EXP004"]);
}

#[test]
fn session_proxy_option() {
    let text = "const express = require('express');\nconst session = require('express-session');\nconst app = express();\napp.disable('x-powered-by');\n\
        app.use(session({ secret: process.env.S, proxy: true, cookie: { secure: true, sameSite: 'lax' } }));\n";
    let result = common::run("app.js", text, "", FixMode::Unsafe);
    assert!(result.remaining.is_empty(), "{:?}", result.remaining);
    assert!(result.fixed.is_none());
}

#[test]
fn cors_origin_method() {
    let text = "import cors from 'cors';\napp.use(cors({\n  credentials: true,\n  origin(origin, done) {\n    done(null, true);\n  },\n}));\n";
    let fixed = common::fixed_text(&common::run("app.mjs", text, ORIGINS, FixMode::Unsafe));
    assert_eq!(fixed, "import cors from 'cors';\napp.use(cors({\n  credentials: true,\n  origin: ['https://app.example.com'],\n}));\n");
}

/// Wraps `call` in a handler, as a controller would write it.
fn handler(call: &str) -> String {
    format!("app.get('/', (req, res) => {{\n  {call};\n  res.end();\n}});\n")
}

/// Checks that no two findings' fixes overlap, so the engine can apply them in one pass.
fn assert_fixes_apart(result: &cinch::engine::FileResult) {
    let edits: Vec<(usize, &cinch::edit::Edit)> = result
        .remaining
        .iter()
        .enumerate()
        .flat_map(|(index, d)| d.finding.fix.iter().flat_map(move |fix| fix.edits.iter().map(move |edit| (index, edit))))
        .collect();
    for (a, first) in &edits {
        for (b, second) in &edits {
            assert!(a == b || !first.overlaps(second), "the fixes of findings {a} and {b} overlap: {first:?} {second:?}");
        }
    }
}

#[test]
fn cookie_explicit_false_kept_in_safe_mode() {
    let cases = [
        ("res.cookie('a', 'b', { httpOnly: false })", "res.cookie('a', 'b', { httpOnly: false, secure: true, sameSite: 'lax' })"),
        ("res.cookie('a', 'b', { secure: false })", "res.cookie('a', 'b', { secure: false, httpOnly: true, sameSite: 'lax' })"),
        ("res.cookie('a', 'b', { sameSite: false })", "res.cookie('a', 'b', { sameSite: false, httpOnly: true, secure: true })"),
    ];
    for (call, expected) in cases {
        let result = common::run("app.js", &handler(call), "", FixMode::Safe);
        assert_eq!(common::fixed_text(&result), handler(expected), "{call}");
        assert_eq!(result.remaining.len(), 1, "{call}: {:?}", result.remaining);
    }
}

#[test]
fn cookie_explicit_false_review() {
    let text = handler("res.cookie('a', 'b', { httpOnly: false, secure: false, sameSite: false })");
    let before = common::run("app.js", &text, "", FixMode::None);
    assert_fixes_apart(&before);
    let kinds: Vec<Option<Applicability>> = before.remaining.iter().map(|d| d.finding.fix.as_ref().map(|f| f.applicability)).collect();
    assert_eq!(kinds, vec![None, Some(Applicability::Review), Some(Applicability::Review)]);
    let http_only = &before.remaining[0].finding;
    assert!(http_only.message.contains("`httpOnly: false`"), "{}", http_only.message);
    assert!(http_only.notes.iter().any(|n| n.contains("cookies.readable_by_scripts")), "{:?}", http_only.notes);

    let result = common::run("app.js", &text, "", FixMode::Unsafe);
    assert_eq!(common::fixed_text(&result), handler("res.cookie('a', 'b', { httpOnly: false, secure: true, sameSite: 'lax' })"));
    let remaining: Vec<&str> = result.remaining.iter().map(|d| d.finding.message.as_str()).collect();
    assert_eq!(remaining, vec!["cookie `a` is set with `httpOnly: false`, so any script on the page can read it"]);
    common::assert_invariants("app.js", &text, "", FixMode::Unsafe, &[]);
}

#[test]
fn cookie_review_and_safe_apart() {
    // The explicit value is the last property, right where the missing flags are added.
    let calls = [
        "res.cookie('a', 'b', { secure: false })",
        "res.cookie('a', 'b', {\n    sameSite: false\n  })",
        "res.cookie('a', 'b', {\n    sameSite: false // sent from the partner site\n  })",
    ];
    for call in calls {
        let text = handler(call);
        assert_fixes_apart(&common::run("app.js", &text, "", FixMode::None));
        let result = common::run("app.js", &text, "", FixMode::Unsafe);
        assert!(result.remaining.is_empty(), "{call}: {:?}", result.remaining);
        common::assert_invariants("app.js", &text, "", FixMode::Unsafe, &[]);
    }
    let fixed = common::fixed_text(&common::run("app.js", &handler("res.cookie('a', 'b', { secure: false })"), "", FixMode::Unsafe));
    assert_eq!(fixed, handler("res.cookie('a', 'b', { secure: true, httpOnly: true, sameSite: 'lax' })"));
}

#[test]
fn cookie_same_site_none() {
    let text = handler("res.cookie('a', 'b', { httpOnly: true, sameSite: 'None' })");
    let result = common::run("app.js", &text, "", FixMode::Safe);
    assert_eq!(common::fixed_text(&result), handler("res.cookie('a', 'b', { httpOnly: true, sameSite: 'None', secure: true })"));
    let message = &result.fixed_findings[0].finding.message;
    assert!(message.contains("browsers reject"), "{message}");

    let text = handler("res.cookie('a', 'b', { httpOnly: true, sameSite: 'None', secure: false })");
    let result = common::run("app.js", &text, "", FixMode::Safe);
    assert!(result.fixed.is_none(), "an explicit `secure: false` changed in safe mode");
    let finding = &result.remaining[0].finding;
    assert!(finding.message.contains("browsers reject"), "{}", finding.message);
    assert_eq!(finding.fix.as_ref().map(|f| f.applicability), Some(Applicability::Review));
}

#[test]
fn session_explicit_false_review() {
    let text = "const session = require('express-session');\n\
        app.use(session({ secret: process.env.S, proxy: true, cookie: { httpOnly: false, sameSite: false, secure: false } }));\n";
    let safe = common::run("app.js", text, "", FixMode::Safe);
    assert!(safe.fixed.is_none(), "explicit values changed in safe mode:\n{}", common::fixed_text(&safe));
    assert_eq!(safe.remaining.len(), 3);
    assert!(safe.remaining.iter().all(|d| d.finding.fix.as_ref().map(|f| f.applicability) == Some(Applicability::Review)));
    assert_fixes_apart(&common::run("app.js", text, "", FixMode::None));
    let fixed = common::fixed_text(&common::run("app.js", text, "", FixMode::Unsafe));
    assert!(fixed.contains("cookie: { httpOnly: true, sameSite: 'lax', secure: true } }));"), "{fixed}");
}

#[test]
fn session_missing_same_site_safe() {
    let text = "const session = require('express-session');\n\
        app.use(session({ secret: process.env.S, proxy: true, cookie: { httpOnly: false, secure: true } }));\n";
    let result = common::run("app.js", text, "", FixMode::Safe);
    assert!(common::fixed_text(&result).contains("cookie: { httpOnly: false, secure: true, sameSite: 'lax' } }));"));
    let left: Vec<&str> = result.remaining.iter().map(|d| d.finding.message.as_str()).collect();
    assert_eq!(left, vec!["the express-session cookie sets `httpOnly: false`, so any script on the page can read the session id"]);
}

#[test]
fn cors_regex_end_anchor() {
    let cases = [
        ("/^https:\\/\\/example\\.com/", "/^https:\\/\\/example\\.com$/"),
        ("/^https?:\\/\\/example\\.com/i", "/^https?:\\/\\/example\\.com$/i"),
        ("/^https:\\/\\/([a-z0-9-]+\\.)*example\\.com(:\\d+)?/", "/^https:\\/\\/([a-z0-9-]+\\.)*example\\.com(:\\d+)?$/"),
    ];
    for (pattern, expected) in cases {
        let text = format!("const cors = require('cors');\napp.use(cors({{ origin: {pattern}, credentials: true }}));\n");
        let result = common::run("app.js", &text, ORIGINS, FixMode::Unsafe);
        assert_eq!(common::fixed_text(&result), text.replace(pattern, expected), "{pattern}");
        let message = &result.fixed_findings[0].finding.message;
        assert!(message.contains(".com.evil.net`"), "{pattern}: {message}");
        assert!(!message.contains("evil-"), "{pattern}: {message}");
        common::assert_invariants("app.js", &text, ORIGINS, FixMode::Unsafe, &[]);
    }
}

#[test]
fn cors_regex_lookalike_message() {
    let text = "const cors = require('cors');\napp.use(cors({ origin: /example\\.com$/, credentials: true }));\n";
    let result = common::run("app.js", text, ORIGINS, FixMode::Unsafe);
    let message = &result.fixed_findings[0].finding.message;
    assert!(message.contains("`https://evil-example.com`"), "{message}");
    assert!(common::fixed_text(&result).contains("origin: /^https:\\/\\/([a-z0-9-]+\\.)*example\\.com$/,"));
}

#[test]
fn cors_regex_tight_untouched() {
    for pattern in ["/^https:\\/\\/example\\.com$/", "/^https:\\/\\/([a-z0-9-]+\\.)*example\\.com$/", "/^https:\\/\\/example\\.com\\//"] {
        let text = format!("const cors = require('cors');\napp.use(cors({{ origin: {pattern}, credentials: true }}));\n");
        let result = common::run("app.js", &text, ORIGINS, FixMode::Unsafe);
        assert!(result.remaining.is_empty(), "{pattern}: {:?}", result.remaining);
        assert!(result.fixed.is_none(), "{pattern}: the file changed");
    }
}

#[test]
fn powered_by_enabled_explicitly() {
    for setting in ["app.enable('x-powered-by');", "app.set('x-powered-by', true);"] {
        let text = format!("const express = require('express');\nconst app = express();\n{setting}\n");
        let result = common::run("app.js", &text, "", FixMode::Unsafe);
        assert!(result.fixed.is_none(), "{setting}: an explicit setting was overridden");
        assert_eq!(rules_of(&result), vec!["EXP004"], "{setting}");
        assert!(result.remaining[0].finding.fix.is_none(), "{setting}");
        assert_eq!(result.remaining[0].line, 3, "{setting}: the finding is not on the setting");
    }
}
