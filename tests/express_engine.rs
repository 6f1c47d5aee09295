//! Runs the example Express apps, fixed by cinch, under Node with the real express,
//! express-session, cookie-session and cors packages (pinned in tests/node/package-lock.json),
//! and checks the fixes over HTTP on loopback ports. Fixed CORS origin patterns are also checked
//! with Node's own regular expressions, which the cors package uses.
//!
//! Without Node the test is skipped with a message, unless the `CI` environment variable is set,
//! in which case it fails. `npm ci` runs in tests/node when its node_modules is missing.

mod common;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use cinch::engine::FixMode;

const CONFIG: &str = "[cors]\nallowed_origins = [\"https://app.example.com\"]\n";
const ALLOWED: &str = "https://app.example.com";
const FOREIGN: &str = "https://evil-app.example.com";
const START_TIMEOUT: Duration = Duration::from_secs(20);
const NPM_TIMEOUT: Duration = Duration::from_secs(300);

fn node_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/node")
}

/// Returns whether `node` and `npm` run; panics under CI when they do not.
fn node_available() -> bool {
    let works = |program: &str| Command::new(program).arg("--version").output().is_ok_and(|out| out.status.success());
    if works("node") && works("npm") {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!("node and npm are required when CI is set (install nodejs and npm)");
    }
    eprintln!("skipping the Express engine test: node or npm is not installed");
    false
}

/// Runs `command` to completion, killing it after `timeout`.
fn run_bounded(mut command: Command, timeout: Duration, description: &str) {
    let mut child = command.spawn().unwrap_or_else(|error| panic!("failed to start {description}: {error}"));
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait().expect("waiting for a child process") {
            assert!(status.success(), "{description} failed with {status}");
            return;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{description} timed out after {timeout:?}");
        }
        sleep(Duration::from_millis(100));
    }
}

fn install_packages() {
    if node_dir().join("node_modules").is_dir() {
        return;
    }
    let mut npm = Command::new("npm");
    npm.args(["ci", "--no-audit", "--no-fund"]).current_dir(node_dir());
    run_bounded(npm, NPM_TIMEOUT, "npm ci in tests/node");
}

/// A Node process, killed when dropped.
struct NodeApp {
    child: Child,
    port: u16,
}

impl Drop for NodeApp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}


/// Starts `script` with Node and waits until it accepts connections.
fn start(script: &Path) -> NodeApp {
    let port = common::free_port();
    let child = Command::new("node")
        .arg(script)
        .current_dir(node_dir())
        .env("PORT", port.to_string())
        .env("SESSION_SECRET", "engine-test-secret")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start node");
    let mut app = NodeApp { child, port };
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return app;
        }
        if let Some(status) = app.child.try_wait().expect("waiting for node") {
            panic!("{} exited with {status} before listening", script.display());
        }
        assert!(Instant::now() < deadline, "{} did not listen on port {port} within {START_TIMEOUT:?}", script.display());
        sleep(Duration::from_millis(100));
    }
}

/// The status line and headers of a response, header names lower-cased.
struct Response {
    status: String,
    headers: Vec<(String, String)>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }

    fn all(&self, name: &str) -> Vec<&str> {
        self.headers.iter().filter(|(key, _)| key == name).map(|(_, value)| value.as_str()).collect()
    }

    /// Returns the `Set-Cookie` header of cookie `name`.
    fn cookie(&self, name: &str) -> &str {
        self.all("set-cookie")
            .into_iter()
            .find(|value| value.starts_with(&format!("{name}=")))
            .unwrap_or_else(|| panic!("no Set-Cookie for `{name}` in {:?}", self.all("set-cookie")))
    }
}

/// Sends `GET path` from `origin` as if through a TLS-terminating proxy.
fn get(app: &NodeApp, path: &str, origin: &str) -> Response {
    let mut stream = TcpStream::connect(("127.0.0.1", app.port)).expect("connect to the app");
    stream.set_read_timeout(Some(Duration::from_secs(10))).expect("read timeout");
    stream.set_write_timeout(Some(Duration::from_secs(10))).expect("write timeout");
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nOrigin: {origin}\r\nX-Forwarded-Proto: https\r\nX-Forwarded-For: 203.0.113.7\r\nConnection: close\r\n\r\n",
        app.port
    );
    stream.write_all(request.as_bytes()).expect("send the request");
    let _ = stream.shutdown(Shutdown::Write);
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read the response");
    let (status, headers) = common::http_head(&String::from_utf8_lossy(&raw));
    Response { status, headers }
}

fn assert_cookie_flags(cookie: &str) {
    let lower = cookie.to_ascii_lowercase();
    for flag in ["; secure", "; httponly", "; samesite="] {
        assert!(lower.contains(flag), "Set-Cookie lacks `{}`: {cookie}", flag.trim_start_matches("; "));
    }
}

/// Fixes an example with every fix applied and the test allowlist.
fn fixed_example(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/express").join(name);
    let text = std::fs::read_to_string(&path).expect("read the example");
    let result = common::run(name, &text, CONFIG, FixMode::Unsafe);
    assert!(!result.has_error(), "{name}: {:?}", result.problems);
    result.fixed.unwrap_or_else(|| panic!("{name}: cinch changed nothing"))
}

/// Checks the responses of a fixed app: cookies with all three flags, CORS headers for the
/// allowed origin only, and no `X-Powered-By`.
fn check_fixed_app(app: &NodeApp, cookies: &[&str], httponly_cookies: &[&str]) {
    let allowed = get(app, "/login", ALLOWED);
    assert!(allowed.status.contains(" 200 "), "unexpected status: {}", allowed.status);
    for name in httponly_cookies {
        assert_cookie_flags(allowed.cookie(name));
    }
    for name in cookies {
        let cookie = allowed.cookie(name).to_ascii_lowercase();
        assert!(cookie.contains("; secure"), "{name} lacks Secure: {cookie}");
        assert!(cookie.contains("; samesite="), "{name} lacks SameSite: {cookie}");
    }
    assert_eq!(allowed.header("access-control-allow-origin"), Some(ALLOWED));
    assert_eq!(allowed.header("access-control-allow-credentials"), Some("true"));
    assert_eq!(allowed.header("x-powered-by"), None, "X-Powered-By is still sent");

    let foreign = get(app, "/login", FOREIGN);
    assert_eq!(foreign.header("access-control-allow-origin"), None, "a foreign origin got CORS access");
}

#[test]
fn fixed_examples_over_http() {
    if !node_available() {
        return;
    }
    install_packages();
    let work = tempfile::Builder::new().prefix("fixed-").tempdir_in(node_dir()).expect("temporary directory in tests/node");

    // The example as written: the checks below would fail on it.
    let original = work.path().join("original.js");
    std::fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/express/app.js"), &original).expect("copy the example");
    let app = start(&original);
    let response = get(&app, "/login", FOREIGN);
    assert_eq!(response.header("x-powered-by"), Some("Express"));
    assert_eq!(response.header("access-control-allow-origin"), Some(FOREIGN));
    drop(app);

    let javascript = work.path().join("app.js");
    std::fs::write(&javascript, fixed_example("app.js")).expect("write the fixed app");
    let app = start(&javascript);
    check_fixed_app(&app, &["theme"], &["connect.sid", "theme"]);
    drop(app);

    let typescript = work.path().join("server.ts");
    std::fs::write(&typescript, fixed_example("server.ts")).expect("write the fixed TypeScript app");
    let compiled = work.path().join("server.js");
    let mut strip = Command::new("node");
    strip.arg("strip-types.js").arg(&typescript).arg(&compiled).current_dir(node_dir());
    run_bounded(strip, START_TIMEOUT, "compiling server.ts");
    let app = start(&compiled);
    // `XSRF-TOKEN` stays readable by scripts, so only the session cookies must be HttpOnly.
    check_fixed_app(&app, &["XSRF-TOKEN"], &["session", "session.sig"]);
    let token = get(&app, "/login", ALLOWED);
    assert!(!token.cookie("XSRF-TOKEN").to_ascii_lowercase().contains("httponly"), "XSRF-TOKEN became HttpOnly");
}

/// Origin patterns with origins that the original accepted from its own host and must keep
/// accepting after the fix.
const PATTERNS: [(&str, &[&str]); 7] = [
    ("/^https:\\/\\/example\\.com/", &["https://example.com"]),
    ("/https:\\/\\/example\\.com/", &["https://example.com"]),
    ("/example\\.com$/", &["https://example.com", "https://www.example.com"]),
    ("/^https?:\\/\\/example\\.com/i", &["https://EXAMPLE.com", "http://example.com"]),
    ("/\\.partner\\.example$/", &["https://www.partner.example", "https://a.b.partner.example"]),
    ("/^https:\\/\\/.*example\\.com$/", &["https://example.com", "https://a.example.com"]),
    ("/^https:\\/\\/([a-z0-9-]+\\.)*example\\.com(:\\d+)?/", &["https://a.example.com:8443", "https://example.com"]),
];

/// Returns the backquoted origins in `message`.
fn named_origins(message: &str) -> Vec<&str> {
    message.split('`').skip(1).step_by(2).filter(|part| part.starts_with("http")).collect()
}

#[test]
fn cors_patterns_in_node() {
    if !node_available() {
        return;
    }
    // Each line of the script tests one origin against one regular expression literal.
    let mut script = String::from("const checks = [];\n");
    let mut expected = Vec::new();
    for (pattern, own) in PATTERNS {
        let text = format!("const cors = require('cors');\napp.use(cors({{ origin: {pattern}, credentials: true }}));\n");
        let result = common::run("app.js", &text, CONFIG, FixMode::Unsafe);
        let finding = &result.fixed_findings.first().unwrap_or_else(|| panic!("{pattern}: no fix applied, {:?}", result.remaining)).finding;
        let fixed_text = result.fixed.as_deref().expect("the fix changed the file");
        let fixed = fixed_text.split("origin: ").nth(1).and_then(|rest| rest.split(", credentials").next()).expect("the fixed origin");
        let bypasses = named_origins(&finding.message);
        assert!(!bypasses.is_empty(), "{pattern}: the message names no origin: {}", finding.message);
        for origin in bypasses {
            script.push_str(&format!("checks.push({pattern}.test({origin:?}));\n"));
            expected.push((format!("{pattern} matches {origin}"), true));
            script.push_str(&format!("checks.push({fixed}.test({origin:?}));\n"));
            expected.push((format!("{fixed} matches {origin}"), false));
        }
        for origin in own {
            script.push_str(&format!("checks.push({fixed}.test({origin:?}));\n"));
            expected.push((format!("{fixed} matches {origin}"), true));
        }
    }
    script.push_str("console.log(JSON.stringify(checks));\n");
    let output = Command::new("node").arg("-e").arg(&script).output().expect("run node");
    assert!(output.status.success(), "node failed: {}", String::from_utf8_lossy(&output.stderr));
    let results: Vec<bool> = serde_json::from_slice(&output.stdout).expect("node prints a JSON array");
    assert_eq!(results.len(), expected.len());
    for ((claim, want), got) in expected.iter().zip(results) {
        assert_eq!(got, *want, "in Node, `{claim}` is {got}");
    }
}
