//! Runs the real nginx on cinch's output: `nginx -t` on every fixed fixture and on every fixed
//! real-world file whose original passes, and a live server on a loopback port whose responses
//! must carry the security headers after the fix.
//!
//! Without an nginx binary the tests print a message and pass, unless the `CI` environment
//! variable is set, in which case they fail. Dummy certificates come from `openssl`.

mod common;
mod nginx_support;

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cinch::context::{ContextFile, ProjectContext};
use cinch::engine::{process, FixMode};
use cinch::formats;
use cinch::formats::nginx::parser::{self, Directive};
use cinch::source::SourceFile;

/// Returns the nginx binary, or `None` (after printing why) when the test should be skipped
/// because nginx or openssl is missing.
fn nginx() -> Option<PathBuf> {
    let candidates = ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"];
    let found = candidates.iter().map(PathBuf::from).find(|p| p.is_file());
    let openssl = Command::new("openssl").arg("version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success());
    if let (Some(found), true) = (&found, openssl) {
        return Some(found.clone());
    }
    let missing = if found.is_none() { "nginx" } else { "openssl" };
    if std::env::var_os("CI").is_some() {
        panic!("{missing} is not installed, and CI is set; install the Debian packages `nginx` and `openssl`");
    }
    eprintln!("skipping: {missing} is not installed (apt-get install nginx openssl)");
    None
}

/// A scratch prefix with a self-signed certificate.
struct Prefix {
    dir: tempfile::TempDir,
}

impl Prefix {
    fn new() -> Prefix {
        let dir = tempfile::tempdir().expect("temporary directory");
        let status = Command::new("openssl")
            .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost"])
            .arg("-keyout")
            .arg(dir.path().join("test.key"))
            .arg("-out")
            .arg(dir.path().join("test.crt"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("openssl runs (apt-get install openssl)");
        assert!(status.success(), "openssl could not create a test certificate");
        Prefix { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn join(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    /// Runs `nginx -t` on `conf`; returns the error output when it fails.
    fn test_config(&self, nginx: &Path, conf: &Path, prefix: &Path, globals: bool) -> Result<(), String> {
        let mut command = Command::new(nginx);
        command.arg("-t").arg("-q").arg("-p").arg(format!("{}/", prefix.display())).arg("-c").arg(conf);
        if globals {
            command.arg("-g").arg(format!("error_log {}/error.log; pid {}/nginx.pid;", self.path().display(), self.path().display()));
        }
        let output = command.output().expect("nginx runs");
        if output.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&output.stderr).into_owned())
        }
    }
}

fn walk_directives<'a>(children: &'a [Directive], out: &mut Vec<&'a Directive>) {
    for directive in children {
        out.push(directive);
        if let Some(block) = &directive.block {
            walk_directives(&block.children, out);
        }
    }
}

/// Host names of `proxy_pass` targets, and the upstream blocks the files define.
#[derive(Default)]
struct Upstreams {
    hosts: BTreeSet<String>,
    defined: BTreeSet<String>,
}

/// Points certificates at the prefix's test certificate and collects upstream host names that
/// need an `upstream` block to resolve. Text that does not parse is returned unchanged.
fn adapt(text: &str, prefix: &Prefix, upstreams: &mut Upstreams) -> String {
    let Upstreams { hosts, defined } = upstreams;
    let Ok(parsed) = parser::parse(text) else {
        return text.to_string();
    };
    let mut all = Vec::new();
    walk_directives(&parsed.children, &mut all);
    let mut edits: Vec<(std::ops::Range<usize>, String)> = Vec::new();
    for directive in all {
        let Some(first) = directive.args.first() else { continue };
        match directive.name.value.as_str() {
            "ssl_certificate" | "ssl_trusted_certificate" | "ssl_client_certificate" => {
                edits.push((first.span.clone(), prefix.join("test.crt").display().to_string()));
            }
            "ssl_certificate_key" => edits.push((first.span.clone(), prefix.join("test.key").display().to_string())),
            // Fixtures name files under the server's prefix, which the test prefix replaces.
            "include" if first.value.starts_with("/etc/nginx/") => {
                edits.push((first.span.clone(), first.value["/etc/nginx/".len()..].to_string()));
            }
            "upstream" if directive.block.is_some() => {
                defined.insert(first.value.clone());
            }
            "proxy_pass" => {
                let value = &first.value;
                if let Some(rest) = value.strip_prefix("http://").or_else(|| value.strip_prefix("https://")) {
                    let host = rest.split(['/', ':']).next().unwrap_or("");
                    if !host.is_empty() && !host.contains('$') && host.parse::<std::net::IpAddr>().is_err() && host != "localhost" && !rest[host.len()..].starts_with(':') {
                        hosts.insert(host.to_string());
                    }
                }
            }
            _ => {}
        }
    }
    let mut out = text.to_string();
    edits.sort_by_key(|(range, _)| std::cmp::Reverse(range.start));
    for (range, replacement) in edits {
        out.replace_range(range, &replacement);
    }
    out
}

/// Returns the `http`-level lines that make a test configuration loadable: upstreams for the proxied
/// host names and writable log and temporary paths.
fn http_preamble(prefix: &Prefix, upstreams: &Upstreams) -> String {
    let p = prefix.path().display();
    let mut out = format!(
        "\naccess_log {p}/access.log;\nclient_body_temp_path {p}/body;\nproxy_temp_path {p}/proxy;\nfastcgi_temp_path {p}/fastcgi;\nuwsgi_temp_path {p}/uwsgi;\nscgi_temp_path {p}/scgi;\n"
    );
    for host in upstreams.hosts.difference(&upstreams.defined) {
        out.push_str(&format!("upstream {host} {{ server 127.0.0.1:9; }}\n"));
    }
    out
}

/// Inserts `preamble` right after the `http {` of a main file.
fn inject_into_http(text: &str, preamble: &str) -> String {
    let parsed = parser::parse(text).expect("a main fixture parses");
    let http = parsed.children.iter().find(|d| d.is("http")).expect("a main fixture has an http block");
    let open = http.block.as_ref().unwrap().open + 1;
    format!("{}{}{}", &text[..open], preamble, &text[open..])
}

/// Strips the `etc/nginx/` tree prefix that fixtures use for their paths.
fn relative_to_prefix(path: &str) -> &str {
    path.strip_prefix("etc/nginx/").unwrap_or(path)
}

/// Writes `files` (tree path, text) under the prefix and returns the main configuration to load.
fn stage(prefix: &Prefix, case: &nginx_support::Case, files: &[(String, String)]) -> PathBuf {
    let mut hosts = Upstreams::default();
    let adapted: Vec<(String, String)> =
        files.iter().map(|(path, text)| (relative_to_prefix(path).to_string(), adapt(text, prefix, &mut hosts))).collect();
    let preamble = http_preamble(prefix, &hosts);
    let main = adapted.iter().find(|(path, _)| path == "nginx.conf").map(|(p, _)| p.clone());
    for (path, text) in &adapted {
        let target = prefix.join(path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        let text = if Some(path) == main.as_ref() { inject_into_http(text, &preamble) } else { text.clone() };
        std::fs::write(&target, text).unwrap();
    }
    // Stock files that fixtures include without shipping them.
    let mime = prefix.join("mime.types");
    if !mime.exists() {
        std::fs::write(mime, "types {}\n").unwrap();
    }
    if main.is_some() {
        return prefix.join("nginx.conf");
    }
    let snippet = prefix.join(relative_to_prefix(&case.path));
    let body = match case.wrap.as_str() {
        "http" => format!("include {};", snippet.display()),
        "server" => format!("server {{ listen 127.0.0.1:8; include {}; }}", snippet.display()),
        other => panic!("case {}: wrap {other} needs an nginx.conf", case.name),
    };
    let wrapper = prefix.join("wrapper.conf");
    std::fs::write(&wrapper, format!("events {{}}\nhttp {{{preamble}{body}\n}}\n")).unwrap();
    wrapper
}

#[test]
fn fixed_fixtures_pass_nginx_t() {
    let Some(nginx) = nginx() else { return };
    let mut failures = Vec::new();
    let mut tested = 0;
    for case in nginx_support::cases().into_iter().filter(|c| c.engine) {
        let text = case.text();
        let others = case.others();
        let others_ref: Vec<(&str, &str)> = others.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
        let result = common::run_in(&case.path, &text, &case.config, case.mode(), &others_ref);
        let fixed = common::fixed_text(&result);
        for (label, body) in [("original", text.clone()), ("fixed", fixed)] {
            let prefix = Prefix::new();
            let mut files = others.clone();
            files.push((case.path.clone(), body));
            let conf = stage(&prefix, &case, &files);
            if let Err(error) = prefix.test_config(&nginx, &conf, prefix.path(), true) {
                failures.push(format!("{} ({label}): {error}", case.name));
            }
        }
        tested += 1;
    }
    assert!(tested > 20, "only {tested} fixtures were tested");
    assert!(failures.is_empty(), "nginx -t failed:\n{}", failures.join("\n"));
}

/// A running nginx, stopped when dropped.
struct Server {
    child: Child,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}


fn start(nginx: &Path, prefix: &Prefix, conf: &Path, port: u16) -> Server {
    let p = prefix.path().display();
    let child = Command::new(nginx)
        .arg("-p")
        .arg(format!("{p}/"))
        .arg("-c")
        .arg(conf)
        .arg("-g")
        .arg(format!("daemon off; master_process off; error_log {p}/error.log; pid {p}/nginx.pid;"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("nginx starts");
    let mut server = Server { child };
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = server.child.try_wait() {
            let mut error = String::new();
            if let Some(mut stderr) = server.child.stderr.take() {
                let _ = stderr.read_to_string(&mut error);
            }
            panic!("nginx exited with {status}: {error}");
        }
        assert!(Instant::now() < deadline, "nginx did not listen on port {port} within 10 seconds");
        std::thread::sleep(Duration::from_millis(50));
    }
    server
}

/// Sends a GET request and returns the status line and the headers, names lower-cased.
fn get(port: u16, path: &str) -> (String, Vec<(String, String)>) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    common::http_head(&response)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

/// Prepares the `headers_location_own` fixture to serve a file on `port` from the prefix.
fn serve_config(prefix: &Prefix, text: &str, port: u16) -> PathBuf {
    let www = prefix.join("www");
    std::fs::create_dir_all(www.join("assets")).unwrap();
    std::fs::write(www.join("assets/app.css"), "body {}\n").unwrap();
    let text = text.replace("listen 80;", &format!("listen 127.0.0.1:{port};")).replace("root /srv/static;", &format!("root {};", www.display()));
    let text = inject_into_http(&text, &http_preamble(prefix, &Upstreams::default()));
    let conf = prefix.join("nginx.conf");
    std::fs::write(&conf, text).unwrap();
    conf
}

#[test]
fn live_server_sends_headers() {
    let Some(nginx) = nginx() else { return };
    let original = nginx_support::read_fixture("headers_location_own").replace("server_tokens off;\n", "");
    let result = common::run("etc/nginx/nginx.conf", &original, "", FixMode::Safe);
    let fixed = common::fixed_text(&result);
    assert_ne!(fixed, original);

    // Before the fix the location with its own add_header sends none of the http level's, and
    // the Server header names the version.
    let prefix = Prefix::new();
    let port = common::free_port();
    let conf = serve_config(&prefix, &original, port);
    {
        let _server = start(&nginx, &prefix, &conf, port);
        let (status, headers) = get(port, "/assets/app.css");
        assert!(status.contains("200"), "{status}");
        assert!(header(&headers, "x-content-type-options").is_none());
        assert!(header(&headers, "server").is_some_and(|s| s.contains('/')), "{headers:?}");
    }

    let prefix = Prefix::new();
    let port = common::free_port();
    let conf = serve_config(&prefix, &fixed, port);
    let _server = start(&nginx, &prefix, &conf, port);
    for path in ["/assets/app.css", "/assets/missing.css", "/"] {
        let (status, headers) = get(port, path);
        assert_eq!(header(&headers, "x-content-type-options"), Some("nosniff"), "{path}: {status} {headers:?}");
        assert_eq!(header(&headers, "x-frame-options"), Some("DENY"), "{path}: {headers:?}");
        assert_eq!(header(&headers, "referrer-policy"), Some("strict-origin-when-cross-origin"), "{path}: {headers:?}");
        assert_eq!(header(&headers, "server"), Some("nginx"), "{path}: {headers:?}");
    }
    let (_, headers) = get(port, "/assets/app.css");
    let own_header_kept = headers.iter().any(|(name, value)| name == "cache-control" && value == "public, max-age=86400");
    assert!(own_header_kept, "{headers:?}");
}

/// Reads every file of one real-world checkout, as the walk would index it.
fn load_tree(root: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(text) = std::fs::read_to_string(&path) {
                out.push((path, text));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn realworld_files() {
    let base = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/realworld/nginx");
    if !base.is_dir() {
        eprintln!("skipping: {} is missing", base.display());
        return;
    }
    let nginx = nginx();
    let format = formats::for_kind(cinch::rule::FileKind::Nginx);
    let settings = common::settings("", "x");
    let mut checked = 0;
    let mut engine_checked = 0;
    let mut failures = Vec::new();
    for repo in std::fs::read_dir(&base).unwrap() {
        let root = repo.unwrap().path();
        let files = load_tree(&root);
        // Paths keep the checkout's folder name, as a walk from the parent directory would.
        let entries = files.iter().filter_map(|(path, text)| {
            let relative = path.strip_prefix(&base).unwrap().to_path_buf();
            let source = SourceFile::from_bytes(relative.clone(), text.as_bytes()).ok()?;
            let kind = formats::kind_for_path(&relative).filter(|_| format.accepts(&source));
            Some((relative, ContextFile { kind, source: Arc::new(source) }))
        });
        let project = ProjectContext::new(vec![PathBuf::from(".")], entries);
        let targets: Vec<(PathBuf, Arc<SourceFile>)> =
            project.files_of_kind(cinch::rule::FileKind::Nginx).map(|(p, f)| (p.to_path_buf(), f.source.clone())).collect();
        for (relative, source) in targets {
            checked += 1;
            let result = process(format, (*source).clone(), &settings, &project, FixMode::Unsafe);
            for problem in &result.problems {
                let text = format!("{problem:?}");
                if text.contains("internal error") {
                    failures.push(text);
                }
            }
            let (Some(nginx), Some(fixed)) = (nginx.as_ref(), result.fixed.as_ref()) else { continue };
            let in_checkout = base.join(&relative).strip_prefix(&root).unwrap().to_path_buf();
            // A file that the checkout's nginx.conf includes is tested through that file, where
            // the variables and maps it relies on are defined.
            let main = cinch::formats::nginx::include::inclusion_of(&project, &relative)
                .map(|inclusion| base.join(inclusion.includer).strip_prefix(&root).unwrap().to_path_buf())
                .filter(|includer| includer.file_name().is_some_and(|n| n == "nginx.conf"));
            match engine_compare(nginx, &root, &files, &in_checkout, main.as_deref(), &source.text, fixed) {
                Ok(true) => engine_checked += 1,
                Ok(false) => eprintln!("{}: the original does not pass nginx -t in any context tried", relative.display()),
                Err(error) => failures.push(format!("{}: fixed file fails nginx -t: {error}", relative.display())),
            }
        }
    }
    eprintln!("real-world nginx files: {checked} checked, {engine_checked} fixed files verified with nginx -t");
    assert!(checked > 20, "only {checked} real-world files were checked");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Stages the checkout with the original file, and when `nginx -t` accepts it (in any of the
/// contexts tried), stages the fixed file the same way and requires nginx to accept it too.
/// Returns whether the comparison ran.
fn engine_compare(
    nginx: &Path,
    root: &Path,
    files: &[(PathBuf, String)],
    relative: &Path,
    main: Option<&Path>,
    original: &str,
    fixed: &str,
) -> Result<bool, String> {
    let parsed = parser::parse(original).map_err(|e| e.message)?;
    let top = parser::infer_top_context(&parsed.children);
    let wraps: &[&str] = match top {
        _ if main.is_some() => &["main"],
        parser::Context::Main => &["main"],
        parser::Context::Http => &["http", "main+http"],
        parser::Context::Server => &["server", "main+server"],
        _ => &["http", "server", "location", "main+http", "main+server", "main+location"],
    };
    // The checkout's own nginx.conf defines the maps and variables its snippets use.
    let checkout_main = files.iter().map(|(path, _)| path.strip_prefix(root).unwrap()).find(|p| p == &Path::new("nginx.conf"));
    for wrap in wraps {
        let attempt = |body: &str| -> Result<(), String> {
            let prefix = Prefix::new();
            let mut hosts = Upstreams::default();
            for (path, text) in files {
                let rel = path.strip_prefix(root).unwrap();
                let target = prefix.join(&rel.to_string_lossy());
                std::fs::create_dir_all(target.parent().unwrap()).unwrap();
                let text = if rel == relative { body } else { text.as_str() };
                std::fs::write(&target, adapt(text, &prefix, &mut hosts)).unwrap();
            }
            let target = prefix.join(&relative.to_string_lossy());
            let tree_root = prefix.path().to_path_buf();
            if *wrap == "main" {
                let main_file = prefix.join(&main.unwrap_or(relative).to_string_lossy());
                let conf_dir = main_file.parent().unwrap().to_path_buf();
                return prefix.test_config(nginx, &main_file, &conf_dir, false);
            }
            let inner = match wrap.trim_start_matches("main+") {
                "http" => format!("include {};", target.display()),
                "server" => format!("server {{ listen 127.0.0.1:8; include {}; }}", target.display()),
                _ => format!("server {{ listen 127.0.0.1:8; location / {{ include {}; }} }}", target.display()),
            };
            if wrap.starts_with("main+") {
                let Some(main_path) = checkout_main else { return Err("no nginx.conf in the checkout".to_string()) };
                let main_file = prefix.join(&main_path.to_string_lossy());
                let text = std::fs::read_to_string(&main_file).unwrap();
                let parsed = parser::parse(&text).map_err(|e| e.message)?;
                let http = parsed.children.iter().find(|d| d.is("http")).ok_or("no http block")?;
                let close = http.block.as_ref().unwrap().close;
                let staged = format!("{}{inner}\n{}", &text[..close], &text[close..]);
                let staged_file = prefix.join("cinch-main.conf");
                std::fs::write(&staged_file, staged).unwrap();
                return prefix.test_config(nginx, &staged_file, &tree_root, false);
            }
            let wrapper = prefix.join("cinch-wrapper.conf");
            std::fs::write(&wrapper, format!("events {{}}\nhttp {{{}{inner}\n}}\n", http_preamble(&prefix, &hosts))).unwrap();
            prefix.test_config(nginx, &wrapper, &tree_root, true)
        };
        if attempt(original).is_ok() {
            return attempt(fixed).map(|()| true);
        }
    }
    Ok(false)
}

#[test]
fn fixed_example_passes_nginx_t() {
    let Some(nginx) = nginx() else { return };
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/nginx/nginx.conf");
    let text = std::fs::read_to_string(path).unwrap();
    let result = common::run("etc/nginx/nginx.conf", &text, "", FixMode::Unsafe);
    let fixed = common::fixed_text(&result);
    assert_ne!(fixed, text);
    let case = nginx_support::Case {
        name: "example".to_string(),
        fixture: None,
        path: "etc/nginx/nginx.conf".to_string(),
        config: String::new(),
        mode: "unsafe".to_string(),
        wrap: "none".to_string(),
        others: Vec::new(),
        engine: true,
    };
    let prefix = Prefix::new();
    let conf = stage(&prefix, &case, &[(case.path.clone(), fixed)]);
    if let Err(error) = prefix.test_config(&nginx, &conf, prefix.path(), true) {
        panic!("the fixed example fails nginx -t: {error}");
    }
}
