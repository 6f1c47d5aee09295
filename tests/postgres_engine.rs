//! Checks rewritten pg_hba.conf files with a real PostgreSQL server.
//!
//! The test creates a cluster in a temporary directory with `initdb` and turns on TLS with a
//! self-signed certificate, so that `hostssl` records are legal. It starts the server on a free
//! loopback port with its socket in the same directory. Then it writes each fixture's fixed
//! pg_hba.conf into the cluster and queries `pg_hba_file_rules`, which parses the file on disk,
//! for errors, and compares the type and method of each record with cinch's reading. Last, it
//! has the server write a postgresql.auto.conf with `ALTER SYSTEM` and checks that cinch lets
//! that file override postgresql.conf.
//!
//! The server binaries are looked up in `/usr/lib/postgresql/*/bin` (Debian's layout), newest
//! version first, then on `PATH`. Without them the test is skipped with a message, unless the
//! `CI` environment variable is set, in which case it fails. PostgreSQL refuses to run as root:
//! as root the test runs the server as the `postgres` system user through `runuser`.
//!
//! PostgreSQL 15 (Debian 12) has no `include` records, which came in PostgreSQL 16, so fixtures
//! with them are skipped on older servers.

mod common;

use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use cinch::engine::FixMode;

const EVERYTHING: &str =
    "[postgres]\nallowed_networks = [\"10.60.0.0/16\", \"fd12:3456:789a::/48\"]\npasswords_are_scram = true\nssl = true\n";
const SYSTEM_USER: &str = "postgres";

/// Returns the directory holding `initdb`, `pg_ctl` and `psql`, and the server's major version.
fn find_binaries() -> Option<(PathBuf, u32)> {
    let mut candidates: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.ok())
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            Some((version, entry.path().join("bin")))
        })
        .filter(|(_, bin)| bin.join("initdb").is_file() && bin.join("pg_ctl").is_file())
        .collect();
    candidates.sort();
    if let Some((version, bin)) = candidates.pop() {
        return Some((bin, version));
    }
    let output = Command::new("pg_config").arg("--bindir").output().ok()?;
    let bin = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    let version_output = Command::new(bin.join("initdb")).arg("--version").output().ok()?;
    let text = String::from_utf8_lossy(&version_output.stdout);
    let version = text.split_whitespace().last()?.split('.').next()?.parse().ok()?;
    Some((bin, version))
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0").unwrap_or(false)
}

/// Runs a server program, as the `postgres` system user when the test runs as root.
fn run_as_server_user(program: &Path, args: &[&str]) -> Output {
    let mut command = if is_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", SYSTEM_USER, "--"]).arg(program);
        command
    } else {
        Command::new(program)
    };
    command.args(args);
    command.output().unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()))
}

fn check_success(step: &str, output: &Output) {
    assert!(
        output.status.success(),
        "{step} failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A running server; dropping it stops the server, also when an assertion failed.
struct Server {
    bin: PathBuf,
    data: PathBuf,
    socket_dir: PathBuf,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start(bin: &Path) -> Server {
        let dir = tempfile::Builder::new().prefix("cinch-pg-").tempdir().expect("temporary directory");
        let root = dir.path().to_path_buf();
        let data = root.join("data");
        if is_root() {
            let chown = Command::new("chown").arg(format!("{SYSTEM_USER}:")).arg(&root).output().expect("chown runs");
            check_success("chown of the temporary directory", &chown);
        }
        let initdb = run_as_server_user(
            &bin.join("initdb"),
            &["-D", data.to_str().unwrap(), "--auth=trust", "--username=postgres", "--no-sync", "--encoding=UTF8"],
        );
        check_success("initdb", &initdb);

        let openssl = run_as_server_user(
            Path::new("openssl"),
            &[
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-days", "1",
                "-keyout", data.join("server.key").to_str().unwrap(),
                "-out", data.join("server.crt").to_str().unwrap(),
            ],
        );
        check_success("openssl req", &openssl);

        let port = TcpListener::bind("127.0.0.1:0").expect("free port").local_addr().unwrap().port();
        let settings = format!(
            "\nssl = on\nlisten_addresses = '127.0.0.1'\nport = {port}\nunix_socket_directories = '{}'\n",
            root.display()
        );
        let conf = data.join("postgresql.conf");
        let mut text = fs::read_to_string(&conf).expect("initdb wrote postgresql.conf");
        text.push_str(&settings);
        fs::write(&conf, text).expect("postgresql.conf is writable");

        let server = Server { bin: bin.to_path_buf(), data: data.clone(), socket_dir: root.clone(), port, _dir: dir };
        let log = root.join("server.log");
        let start = run_as_server_user(
            &bin.join("pg_ctl"),
            &["-D", data.to_str().unwrap(), "-l", log.to_str().unwrap(), "-w", "-t", "60", "start"],
        );
        if !start.status.success() {
            let log_text = fs::read_to_string(&log).unwrap_or_default();
            panic!("pg_ctl start failed:\n{}\n{log_text}", String::from_utf8_lossy(&start.stderr));
        }
        server
    }

    /// Runs one query through the Unix socket and returns its unaligned output.
    fn query(&self, sql: &str) -> String {
        let psql = if self.bin.join("psql").is_file() { self.bin.join("psql") } else { PathBuf::from("psql") };
        let port = self.port.to_string();
        let output = run_as_server_user(
            &psql,
            &["-X", "-A", "-t", "-h", self.socket_dir.to_str().unwrap(), "-p", &port, "-U", "postgres", "-d", "postgres", "-c", sql],
        );
        check_success(&format!("psql -c {sql:?}"), &output);
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    }

    /// Writes `text` as the cluster's pg_hba.conf and returns the errors PostgreSQL finds in it.
    fn hba_errors(&self, text: &str) -> Vec<String> {
        fs::write(self.data.join("pg_hba.conf"), text).expect("pg_hba.conf is writable");
        let count = self.query("SELECT count(*) FROM pg_hba_file_rules WHERE error IS NOT NULL");
        if count == "0" {
            return Vec::new();
        }
        let details = self.query("SELECT line_number || ': ' || error FROM pg_hba_file_rules WHERE error IS NOT NULL");
        let mut errors: Vec<String> = details.lines().map(str::to_string).collect();
        errors.insert(0, format!("{count} erroneous records"));
        errors
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = run_as_server_user(&self.bin.join("pg_ctl"), &["-D", self.data.to_str().unwrap(), "-m", "immediate", "-w", "stop"]);
    }
}

fn fixture_texts() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/postgres");
    let mut names: Vec<PathBuf> = fs::read_dir(&root).expect("fixtures").filter_map(|e| e.ok()).map(|e| e.path()).collect();
    names.sort();
    let mut texts: Vec<(String, String)> = names
        .into_iter()
        .filter(|dir| dir.join("pg_hba.conf").is_file())
        .map(|dir| {
            let text = fs::read_to_string(dir.join("pg_hba.conf")).expect("fixture readable");
            (dir.file_name().unwrap().to_string_lossy().into_owned(), text)
        })
        .collect();
    let realworld = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/realworld/pghba");
    let mut extra = vec![PathBuf::from("/etc/postgresql/15/main/pg_hba.conf")];
    for entry in fs::read_dir(&realworld).into_iter().flatten().flatten() {
        extra.push(entry.path().join("pg_hba.conf"));
    }
    for path in extra.into_iter().filter(|p| p.is_file()) {
        let text = fs::read_to_string(&path).expect("readable");
        texts.push((path.display().to_string(), text));
    }
    texts
}

/// Lists the parsed records as `line type method`, the way the query on pg_hba_file_rules does.
fn records_as_postgres_lists_them(text: &str) -> String {
    let file = cinch::formats::postgres::hba::parse(text).expect("fixed text parses");
    let mut lines = Vec::new();
    for record in &file.records {
        let Some(auth) = record.auth() else { continue };
        let line = text[..record.range.start].matches('\n').count() + 1;
        let kind = record.fields[0].value().unwrap_or("?");
        let method = record.fields[auth.method].value().unwrap_or("?");
        lines.push(format!("{line} {kind} {method}"));
    }
    lines.join("\n")
}

fn uses_include(text: &str) -> bool {
    cinch::formats::postgres::hba::parse(text)
        .map(|file| file.records.iter().any(|r| r.kind == cinch::formats::postgres::hba::RecordKind::Include))
        .unwrap_or(false)
}

#[test]
fn fixed_files_load_in_postgres() {
    let binaries = find_binaries();
    let openssl_present = Command::new("openssl").arg("version").output().is_ok_and(|o| o.status.success());
    let (Some((bin, version)), true) = (binaries, openssl_present) else {
        let missing = if openssl_present { "PostgreSQL server binaries (initdb, pg_ctl)" } else { "openssl" };
        if std::env::var_os("CI").is_some() {
            panic!("{missing} not found; install the Debian packages `postgresql` and `openssl`");
        }
        eprintln!("skipping: {missing} not found (apt-get install postgresql openssl)");
        return;
    };
    let server = Server::start(&bin);

    // The checks must be able to fail: a record PostgreSQL rejects is reported.
    let broken = server.hba_errors("host all all 10.0.0.0/8 md5 nosuchoption=1\n");
    assert!(!broken.is_empty(), "pg_hba_file_rules reported no error for an invalid option");

    let mut failures = Vec::new();
    for (name, text) in fixture_texts() {
        if version < 16 && uses_include(&text) {
            eprintln!("{name}: uses include records, which PostgreSQL {version} does not know; checked by snapshot only");
            continue;
        }
        let inputs = [
            ("original", text.clone()),
            ("safe fixes", common::fixed_text(&common::run("pg_hba.conf", &text, "", FixMode::Safe))),
            ("all fixes", common::fixed_text(&common::run("pg_hba.conf", &text, EVERYTHING, FixMode::Unsafe))),
        ];
        for (label, input) in inputs {
            let errors = server.hba_errors(&input);
            if !errors.is_empty() {
                failures.push(format!("{name} ({label}):\n{input}\n{}", errors.join("\n")));
                continue;
            }
            let theirs = server.query("SELECT line_number || ' ' || type || ' ' || auth_method FROM pg_hba_file_rules ORDER BY line_number");
            let ours = records_as_postgres_lists_them(&input);
            if theirs != ours {
                failures.push(format!("{name} ({label}): records differ\npostgres:\n{theirs}\ncinch:\n{ours}"));
            }
        }
    }
    assert!(failures.is_empty(), "PostgreSQL rejected records:\n\n{}", failures.join("\n\n"));

    alter_system_output_is_read(&server);
}

/// Has the server write postgresql.auto.conf with `ALTER SYSTEM` (without reloading it) and
/// checks that cinch reads the file it writes.
fn alter_system_output_is_read(server: &Server) {
    server.query("ALTER SYSTEM SET password_encryption = 'md5'");
    server.query("ALTER SYSTEM SET ssl = off");
    let auto = fs::read_to_string(server.data.join("postgresql.auto.conf")).expect("ALTER SYSTEM wrote postgresql.auto.conf");
    let conf_text = "ssl = on\npassword_encryption = md5\n";
    let conf = common::run_in("db/postgresql.conf", conf_text, "", FixMode::Unsafe, &[("db/postgresql.auto.conf", &auto)]);
    assert!(conf.fixed.is_none(), "fixed postgresql.conf under an auto file that sets md5:\n{auto}");
    assert_eq!(conf.remaining.len(), 1, "{auto}");

    // postgresql.conf alone would allow both fixes; the auto file turns them off.
    let others = [("db/postgresql.auto.conf", auto.as_str()), ("db/postgresql.conf", "ssl = on\npassword_encryption = scram-sha-256\n")];
    let hba = "host   all   all   10.0.0.0/8   md5\n";
    let config = "[postgres]\npasswords_are_scram = true\n";
    let fixed = common::fixed_text(&common::run_in("db/pg_hba.conf", hba, config, FixMode::Unsafe, &others));
    assert!(!fixed.contains("hostssl"), "wrote hostssl under an auto file with ssl = off:\n{auto}");
    let safe = common::fixed_text(&common::run_in("db/pg_hba.conf", hba, config, FixMode::Safe, &others));
    assert_eq!(safe, hba, "switched to scram-sha-256 safely under an auto file that sets md5:\n{auto}");

    server.query("ALTER SYSTEM RESET ALL");
}
