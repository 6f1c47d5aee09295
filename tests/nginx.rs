//! nginx fixtures: every fixture's findings and diff as a snapshot, the fix invariants, the
//! lossless parse, and the detection of nginx files among other `*.conf` files.

mod common;
mod nginx_support;

use std::path::Path;

use cinch::engine::FixMode;
use cinch::formats;
use cinch::formats::nginx::parser;
use cinch::source::SourceFile;

fn others_ref(others: &[(String, String)]) -> Vec<(&str, &str)> {
    others.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect()
}

#[test]
fn fixtures_snapshots() {
    for case in nginx_support::cases() {
        let text = case.text();
        let others = case.others();
        let others = others_ref(&others);
        let rendered = common::render(&case.path, &text, &case.config, case.mode(), &others);
        assert_fixture_snapshot!(format!("nginx_{}", case.name), rendered);
    }
}

#[test]
fn fixtures_invariants() {
    for case in nginx_support::cases() {
        let text = case.text();
        let others = case.others();
        common::assert_invariants(&case.path, &text, &case.config, case.mode(), &others_ref(&others));
    }
}

#[test]
fn fixtures_parse_losslessly() {
    for entry in std::fs::read_dir(nginx_support::fixture_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "conf") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let parsed = parser::parse(&text).unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
        assert_eq!(parsed.reassemble(&text), text, "{}", path.display());
    }
}

#[test]
fn clean_file_unchanged() {
    let text = nginx_support::read_fixture("nothing_to_fix");
    let result = common::run("etc/nginx/nginx.conf", &text, "", FixMode::Unsafe);
    assert!(result.fixed.is_none());
    assert!(result.remaining.is_empty(), "{:?}", result.remaining);
}

#[test]
fn websocket_case_output() {
    let text = nginx_support::read_fixture("websocket_location");
    let result = common::run("etc/nginx/conf.d/chat.conf", &text, "[rules]\nselect = [\"NGX004\"]", FixMode::Unsafe);
    let expected = "    proxy_set_header Host $host;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto $scheme;

    location / {
        proxy_pass http://chat_web;
    }

    location /socket {
        proxy_pass http://chat_ws;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection \"upgrade\";
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
    }
}
";
    let fixed = common::fixed_text(&result);
    assert!(fixed.ends_with(expected), "{fixed}");
    assert!(!fixed.contains("X-Forwarded-Proto $scheme;\n    proxy_set_header Host"));
    let host_lost = result.remaining.iter().any(|d| d.finding.rule == "NGX004" && d.finding.message.contains("Host"));
    assert!(host_lost, "{:?}", result.remaining);
}

#[test]
fn hsts_case_skips_port_80() {
    let text = nginx_support::read_fixture("hsts_port80_main");
    let result = common::run("etc/nginx/nginx.conf", &text, "[rules]\nselect = [\"NGX003\"]", FixMode::Safe);
    let fixed = common::fixed_text(&result);
    assert_eq!(fixed.matches("Strict-Transport-Security").count(), 1);
    let first_server_end = fixed.find("listen 443").unwrap();
    assert!(!fixed[..first_server_end].contains("Strict-Transport-Security"));
    assert!(fixed.contains("        ssl_certificate_key /etc/ssl/portal.key;\n        add_header Strict-Transport-Security \"max-age=31536000\" always;\n"));
}

#[test]
fn unbalanced_braces_error() {
    let result = common::run("etc/nginx/nginx.conf", "http {\n    server {\n}\n", "", FixMode::Safe);
    assert!(result.has_error());
    let message = format!("{:?}", result.problems);
    assert!(message.contains("nginx.conf:1:6"), "{message}");
}

#[test]
fn unterminated_string_error() {
    let result = common::run("etc/nginx/nginx.conf", "http {\n    add_header A \"b;\n}\n", "", FixMode::Safe);
    assert!(format!("{:?}", result.problems).contains("unterminated quoted string"));
}

#[test]
fn deep_nesting_error() {
    let text = "location / {".repeat(400);
    let result = common::run("etc/nginx/nginx.conf", &text, "", FixMode::Safe);
    assert!(format!("{:?}", result.problems).contains("nested"));
}

#[test]
fn detection_by_content() {
    let format = formats::for_kind(cinch::rule::FileKind::Nginx);
    let apache = SourceFile::new("etc/httpd/conf.d/site.conf", "<VirtualHost *:80>\n    ServerName a\n</VirtualHost>\n");
    let postgres = SourceFile::new("etc/postgresql/conf.d/tuning.conf", "shared_buffers = 128MB\nwork_mem = 4MB\n");
    let nginx = SourceFile::new("etc/nginx/conf.d/site.conf", "server {\n    listen 80;\n}\n");
    assert!(format.matches_path(Path::new("etc/httpd/conf.d/site.conf")));
    assert!(!format.accepts(&apache));
    assert!(!format.accepts(&postgres));
    assert!(format.accepts(&nginx));
}

#[test]
fn bom_is_kept() {
    let bytes = b"\xEF\xBB\xBFevents {}\nhttp {\n    server_tokens on;\n}\n";
    let source = SourceFile::from_bytes("etc/nginx/nginx.conf", bytes).unwrap();
    let settings = common::settings("[rules]\nselect = [\"NGX001\"]", "etc/nginx/nginx.conf");
    let result = cinch::engine::process(
        formats::for_kind(cinch::rule::FileKind::Nginx),
        source,
        &settings,
        &cinch::context::ProjectContext::empty(),
        FixMode::Safe,
    );
    let written = result.fixed_bytes().unwrap();
    assert!(written.starts_with(b"\xEF\xBB\xBFevents {}"));
    assert!(String::from_utf8_lossy(&written).contains("server_tokens off;"));
}

#[test]
fn transforms_match_rules() {
    let format = formats::for_kind(cinch::rule::FileKind::Nginx);
    let docs = cinch::catalog::parse_all();
    for id in format.rule_ids() {
        let (_, parsed) = docs.iter().find(|(stem, _)| *stem == id).unwrap_or_else(|| panic!("no transforms/{id}.toml"));
        let doc = parsed.as_ref().unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(doc.id, id);
        assert_eq!(doc.format, "nginx");
    }
    assert_eq!(format.rule_ids(), ["NGX001", "NGX002", "NGX003", "NGX004", "NGX005", "NGX006"]);
}

#[test]
fn example_config() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/nginx/nginx.conf");
    let text = std::fs::read_to_string(path).unwrap();
    let rendered = common::render("examples/nginx/nginx.conf", &text, "", FixMode::Unsafe, &[]);
    assert_fixture_snapshot!("nginx_example", rendered);
    common::assert_invariants("examples/nginx/nginx.conf", &text, "", FixMode::Unsafe, &[]);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(400))]

    /// Any text either fails to parse with an offset inside it, or parses into tokens that give
    /// the text back. Text that parses goes through the rules without an internal error.
    #[test]
    fn parser_lossless_or_error(text in "[a-z_ ;{}#\"'\\\\$()\r\n\t]{0,80}") {
        match parser::parse(&text) {
            Ok(parsed) => {
                proptest::prop_assert_eq!(parsed.reassemble(&text), text.clone());
                let result = common::run("etc/nginx/nginx.conf", &text, "", FixMode::Unsafe);
                proptest::prop_assert!(!format!("{:?}", result.problems).contains("internal error"), "{:?}", result.problems);
            }
            Err(error) => {
                let offset = error.offset.expect("parse errors carry an offset");
                proptest::prop_assert!(offset <= text.len());
            }
        }
    }
}

const SIMPLE: &[&str] = &[
    "listen 80;", "listen 443 ssl;", "add_header X-Custom b;", "add_header X-Frame-Options DENY;",
    "add_header Strict-Transport-Security max-age=60;", "proxy_pass http://up;", "proxy_set_header Host $host;",
    "proxy_set_header X-Forwarded-For $remote_addr;", "server_tokens on;", "server_tokens off;",
    "ssl_protocols TLSv1 TLSv1.2;", "autoindex on;", "include x.conf;", "# comment\n", "ssl on;",
    "add_header_inherit merge;", "return 200 \"ok\";",
];
const BLOCKS: &[&str] = &["http", "server", "location /", "if ($a)", "events", "upstream u", "content_by_lua_block", "limit_except GET"];
const SEPARATORS: &[&str] = &["\n", " ", "\r\n", "\n\t", "\n    "];

fn config_strategy() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let leaf = proptest::sample::select(SIMPLE).prop_map(str::to_string);
    leaf.prop_recursive(4, 64, 6, |inner| {
        (proptest::sample::select(BLOCKS), proptest::collection::vec(inner, 0..6), proptest::sample::select(SEPARATORS))
            .prop_map(|(name, children, separator)| format!("{name} {{{separator}{}{separator}}}", children.join(separator)))
    })
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]

    /// Generated configurations reach the rules: a fix must leave text that parses, and a
    /// second run must change nothing.
    #[test]
    fn rules_keep_text_parseable(parts in proptest::collection::vec(config_strategy(), 0..4)) {
        let text = parts.join("\n");
        let first = common::run("etc/nginx/nginx.conf", &text, "", FixMode::Unsafe);
        proptest::prop_assert!(!first.has_error(), "{text:?}: {:?}", first.problems);
        let fixed = common::fixed_text(&first);
        proptest::prop_assert!(parser::parse(&fixed).is_ok(), "{fixed:?}");
        let second = common::run("etc/nginx/nginx.conf", &fixed, "", FixMode::Unsafe);
        proptest::prop_assert!(second.fixed.is_none(), "{text:?} changed again:\n{}", common::fixed_text(&second));
    }
}

#[test]
fn deep_nesting_within_limit() {
    let depth = parser::MAX_DEPTH;
    let locations = depth - 2;
    let text = format!(
        "http {{\nserver {{\n{}add_header A b;\nproxy_set_header C d;\nproxy_pass http://up;\n{}}}\n}}\n",
        "location / {\n".repeat(locations),
        "}\n".repeat(locations)
    );
    let result = common::run("etc/nginx/nginx.conf", &text, "", FixMode::Unsafe);
    assert!(!result.has_error(), "{:?}", result.problems);
    assert!(common::fixed_text(&result).contains("server_tokens off;"));
}

#[test]
fn crlf_kept_in_new_lines() {
    let text = nginx_support::read_fixture("crlf_line_endings");
    let result = common::run("etc/nginx/nginx.conf", &text, "", FixMode::Unsafe);
    let fixed = common::fixed_text(&result);
    assert!(fixed.len() > text.len());
    assert_eq!(fixed.matches('\n').count(), fixed.matches("\r\n").count(), "{fixed:?}");
}

#[test]
fn tabs_kept_in_new_lines() {
    let text = nginx_support::read_fixture("tabs_no_final_newline");
    let result = common::run("etc/nginx/nginx.conf", &text, "", FixMode::Safe);
    let fixed = common::fixed_text(&result);
    assert!(fixed.contains("\n\tserver_tokens off;\n"), "{fixed:?}");
    assert!(fixed.contains("\n\t\t\tadd_header X-Frame-Options \"DENY\" always;\n"), "{fixed:?}");
    assert!(!fixed.ends_with('\n'));
}

#[test]
fn suppression_comment() {
    let text = "server {\n    listen 80;\n    server_tokens off;\n    location /pub/ {\n        # cinch: ignore[NGX006] public download mirror\n        autoindex on;\n    }\n}\n";
    let result = common::run("etc/nginx/conf.d/mirror.conf", text, "[rules]\nselect = [\"NGX006\"]", FixMode::None);
    assert!(result.remaining.is_empty(), "{:?}", result.remaining);
    let unsuppressed = text.replace("# cinch: ignore[NGX006] public download mirror\n", "");
    let result = common::run("etc/nginx/conf.d/mirror.conf", &unsuppressed, "[rules]\nselect = [\"NGX006\"]", FixMode::None);
    assert_eq!(result.remaining.len(), 1);
}

fn cinch_in(dir: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_cinch")).args(args).current_dir(dir).output().expect("cinch runs")
}

#[test]
fn broken_files_reported() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("site/conf.d")).unwrap();
    std::fs::write(dir.path().join("site/nginx.conf"), "events {}\nhttp {\n    server {\n        listen 80\n    }\n}\n").unwrap();
    std::fs::write(dir.path().join("site/conf.d/cut.conf"), "server {\n    listen 80;\n    location / {\n        add_header X 1;\n").unwrap();
    let deep = format!("events {{}}\nhttp {{\n{}{}}}\n", "location /a {\n".repeat(300), "}\n".repeat(300));
    std::fs::write(dir.path().join("site/conf.d/deep.conf"), deep).unwrap();
    for args in [vec!["check", "site"], vec!["check", "site/nginx.conf", "site/conf.d/cut.conf", "site/conf.d/deep.conf"]] {
        let output = cinch_in(dir.path(), &args);
        let all = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        assert_eq!(output.status.code(), Some(2), "{args:?}: {all}");
        assert!(all.contains("nginx.conf:4:9"), "{args:?}: {all}");
        assert!(all.contains("cut.conf:3:"), "{args:?}: {all}");
        assert!(all.contains("nested more than"), "{args:?}: {all}");
        assert!(!all.contains("skipped"), "{args:?}: {all}");
    }
}

fn many_servers(count: usize) -> String {
    let mut text = String::from("events {}\nhttp {\n");
    for i in 0..count {
        text.push_str(&format!(
            "    server {{\n        listen 127.0.0.1:{};\n        server_name s{i};\n        location / {{ add_header X-S{i} 1; return 200; }}\n        location /p {{ proxy_pass http://127.0.0.1:1; }}\n    }}\n",
            20000 + i
        ));
    }
    text.push_str("}\n");
    text
}

/// Returns the fastest of three runs, to damp the noise of a shared machine.
fn check_seconds(text: &str, mode: FixMode) -> f64 {
    (0..3)
        .map(|_| {
            let started = std::time::Instant::now();
            let result = common::run("etc/nginx/nginx.conf", text, "", mode);
            assert!(!result.has_error());
            started.elapsed().as_secs_f64()
        })
        .fold(f64::MAX, f64::min)
}

#[test]
fn check_time_grows_linearly() {
    // Ten times the servers: a linear check takes about ten times as long, a quadratic one a
    // hundred times.
    let small = many_servers(500);
    let large = many_servers(5000);
    for mode in [FixMode::None, FixMode::Unsafe] {
        let ratio = check_seconds(&large, mode) / check_seconds(&small, mode);
        assert!(ratio < 30.0, "{mode:?}: 5,000 servers took {ratio:.1} times as long as 500");
    }
}

#[test]
fn debian_layout_links() {
    let dir = tempfile::tempdir().unwrap();
    let etc = dir.path().join("etc/nginx");
    for sub in ["conf.d", "sites-available", "sites-enabled", "other"] {
        std::fs::create_dir_all(etc.join(sub)).unwrap();
    }
    std::fs::write(
        etc.join("nginx.conf"),
        "events {}\nhttp {\n\tinclude /etc/nginx/conf.d/*.conf;\n\tinclude /etc/nginx/sites-enabled/*;\n}\n",
    )
    .unwrap();
    let site = "server {\n\tlisten 80 default_server;\n\troot /var/www/html;\n}\n";
    std::fs::write(etc.join("sites-available/default"), site).unwrap();
    std::fs::write(etc.join("sites-available/spare"), site).unwrap();
    std::os::unix::fs::symlink("../sites-available/default", etc.join("sites-enabled/default")).unwrap();

    let output = cinch_in(dir.path(), &["check", "etc"]);
    let all = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    // The empty conf.d glob and the linked site resolve, so the http block gets its fixes, and
    // the linked site is covered by them.
    assert!(!all.contains("cannot be resolved in the tree"), "{all}");
    assert!(all.contains("nginx.conf:2:1: NGX002 [*]"), "{all}");
    assert!(!all.contains("sites-available/default"), "{all}");
    // For a site that no link enables, the note names the unknown includer, since nginx.conf is in the tree.
    assert!(all.contains("sites-available/spare"), "{all}");
    assert!(!all.contains("not in the checked tree"), "{all}");
    assert!(all.contains("no checked file is known to include this one"), "{all}");

    let output = cinch_in(dir.path(), &["fix", "etc"]);
    assert!(output.status.code().is_some_and(|code| code < 2), "{output:?}");
    assert!(std::fs::symlink_metadata(etc.join("sites-enabled/default")).unwrap().file_type().is_symlink());
    assert_eq!(std::fs::read_to_string(etc.join("sites-available/default")).unwrap(), site);
    assert!(std::fs::read_to_string(etc.join("nginx.conf")).unwrap().contains("\tadd_header X-Frame-Options"));
}
