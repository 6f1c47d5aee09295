//! pg_hba.conf and postgresql.conf fixtures: findings and diffs as snapshots, exact expected
//! outputs for the cases that matter most, and the invariants of every fix.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use cinch::engine::FixMode;

const NO_CONFIG: &str = "";
const NETWORKS: &str = "[postgres]\nallowed_networks = [\"10.60.0.0/16\", \"fd12:3456:789a::/48\"]\n";
const IPV4_ONLY: &str = "[postgres]\nallowed_networks = [\"10.60.0.0/16\"]\n";
const SCRAM: &str = "[postgres]\npasswords_are_scram = true\n";
const EVERYTHING: &str =
    "[postgres]\nallowed_networks = [\"10.60.0.0/16\", \"fd12:3456:789a::/48\"]\npasswords_are_scram = true\nssl = true\n";

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/postgres")
}

fn fixture(name: &str, file: &str) -> String {
    let path = fixture_dir().join(name).join(file);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Lists the fixture directories that contain a pg_hba.conf.
fn hba_fixtures() -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(fixture_dir())
        .expect("fixture directory exists")
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.path().join("pg_hba.conf").is_file())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Returns the other files of a fixture directory, as `(path, text)` pairs for the project context.
fn siblings(name: &str) -> Vec<(String, String)> {
    ["postgresql.conf", "postgresql.auto.conf"]
        .into_iter()
        .filter_map(|file| {
            let text = fs::read_to_string(fixture_dir().join(name).join(file)).ok()?;
            Some((format!("{name}/{file}"), text))
        })
        .collect()
}

fn fixed(path: &str, text: &str, config: &str, mode: FixMode, others: &[(&str, &str)]) -> String {
    common::fixed_text(&common::run_in(path, text, config, mode, others))
}

/// Snapshot names and the config and mode each fixture is rendered with.
const SNAPSHOTS: &[(&str, &str, &str, FixMode)] = &[
    ("md5_lockout", "md5_lockout", NO_CONFIG, FixMode::Unsafe),
    ("md5_lockout_confirmed", "md5_lockout", SCRAM, FixMode::Safe),
    ("open_to_world", "open_to_world", NETWORKS, FixMode::Unsafe),
    ("open_to_world_unconfigured", "open_to_world", NO_CONFIG, FixMode::Unsafe),
    ("open_to_world_ipv4_only", "open_to_world", IPV4_ONLY, FixMode::Unsafe),
    ("continuation", "continuation", EVERYTHING, FixMode::Unsafe),
    ("quoted", "quoted", EVERYTHING, FixMode::Unsafe),
    ("includes", "includes", EVERYTHING, FixMode::Unsafe),
    ("address_mask", "address_mask", EVERYTHING, FixMode::Unsafe),
    ("crlf", "crlf", NO_CONFIG, FixMode::Safe),
    ("no_final_newline", "no_final_newline", NO_CONFIG, FixMode::Safe),
    ("with_conf", "with_conf", NO_CONFIG, FixMode::Unsafe),
    ("clean", "clean", EVERYTHING, FixMode::Unsafe),
    ("combined", "combined", EVERYTHING, FixMode::Unsafe),
    ("combined_safe_only", "combined", NO_CONFIG, FixMode::Safe),
    ("samenet_and_local", "samenet_and_local", EVERYTHING, FixMode::Unsafe),
    ("quoted_methods", "quoted_methods", EVERYTHING, FixMode::Unsafe),
    ("quoted_methods_unconfigured", "quoted_methods", NO_CONFIG, FixMode::Unsafe),
    ("auto_conf", "auto_conf", SCRAM, FixMode::Unsafe),
];

#[test]
fn fixture_snapshots() {
    for &(snapshot, name, config, mode) in SNAPSHOTS {
        let text = fixture(name, "pg_hba.conf");
        let others = siblings(name);
        let others: Vec<(&str, &str)> = others.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
        let path = format!("{name}/pg_hba.conf");
        let rendered = common::render(&path, &text, config, mode, &others);
        assert_fixture_snapshot!(format!("postgres_{snapshot}"), rendered);
    }
}

#[test]
fn postgresql_conf_snapshot() {
    let text = fixture("with_conf", "postgresql.conf");
    let rendered = common::render("with_conf/postgresql.conf", &text, NO_CONFIG, FixMode::Unsafe, &[]);
    assert_fixture_snapshot!("postgres_conf_md5_encryption", rendered);
    let text = fixture("auto_conf", "postgresql.conf");
    let auto = fixture("auto_conf", "postgresql.auto.conf");
    let others = [("auto_conf/postgresql.auto.conf", auto.as_str())];
    let rendered = common::render("auto_conf/postgresql.conf", &text, NO_CONFIG, FixMode::Unsafe, &others);
    assert_fixture_snapshot!("postgres_conf_overridden_by_auto_conf", rendered);
}

#[test]
fn invariants_hold_for_every_fixture() {
    for name in hba_fixtures() {
        let text = fixture(&name, "pg_hba.conf");
        let others = siblings(&name);
        let others: Vec<(&str, &str)> = others.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
        let path = format!("{name}/pg_hba.conf");
        for config in [NO_CONFIG, NETWORKS, IPV4_ONLY, SCRAM, EVERYTHING] {
            for mode in [FixMode::None, FixMode::Safe, FixMode::Unsafe] {
                common::assert_invariants(&path, &text, config, mode, &others);
            }
        }
    }
    let conf = fixture("with_conf", "postgresql.conf");
    let overridden = fixture("auto_conf", "postgresql.conf");
    let auto = fixture("auto_conf", "postgresql.auto.conf");
    for mode in [FixMode::None, FixMode::Safe, FixMode::Unsafe] {
        common::assert_invariants("with_conf/postgresql.conf", &conf, NO_CONFIG, mode, &[]);
        common::assert_invariants("auto_conf/postgresql.conf", &overridden, NO_CONFIG, mode, &[("auto_conf/postgresql.auto.conf", &auto)]);
    }
}

#[test]
fn parser_round_trips_every_fixture() {
    use cinch::formats::postgres::{conf, hba};
    for name in hba_fixtures() {
        let text = fixture(&name, "pg_hba.conf");
        let file = hba::parse(&text).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        let joined: String = file.pieces.iter().map(|piece| &text[piece.range.clone()]).collect();
        assert_eq!(joined, text, "{name}: pieces do not join back to the input");
    }
    let text = fixture("with_conf", "postgresql.conf");
    let file = conf::parse(&text).expect("postgresql.conf parses");
    let joined: String = file.pieces.iter().map(|piece| &text[piece.range.clone()]).collect();
    assert_eq!(joined, text);
}

#[test]
fn md5_unchanged_without_confirmation() {
    let text = fixture("md5_lockout", "pg_hba.conf");
    let result = common::run("pg_hba.conf", &text, NO_CONFIG, FixMode::Unsafe);
    assert!(result.fixed.is_none(), "md5 records changed without confirmation");
    let md5_findings: Vec<_> = result.remaining.iter().filter(|d| d.finding.rule == "PGH001").collect();
    assert_eq!(md5_findings.len(), 3);
    for diagnostic in md5_findings {
        assert_eq!(diagnostic.finding.needs_config.as_deref(), Some("postgres.passwords_are_scram"));
        assert!(diagnostic.finding.notes.iter().any(|note| note.contains("rolpassword LIKE 'md5%'")));
    }
}

#[test]
fn md5_upgraded_when_confirmed() {
    let text = fixture("md5_lockout", "pg_hba.conf");
    let expected = "\
# Billing cluster: client authentication
# TYPE  DATABASE  USER      ADDRESS          METHOD
local   all       postgres                   peer
host    all       all       127.0.0.1/32     scram-sha-256
host    billing   billing   10.40.0.0/16     scram-sha-256
host    all       all       ::1/128          scram-sha-256
";
    assert_eq!(fixed("pg_hba.conf", &text, SCRAM, FixMode::Safe, &[]), expected);
}

#[test]
fn open_ranges_replaced_per_family() {
    let text = fixture("open_to_world", "pg_hba.conf");
    let expected = "\
host    all           all          10.60.0.0/16          scram-sha-256
host    all           all          fd12:3456:789a::/48   scram-sha-256
host    replication   replicator   10.60.0.0/16          scram-sha-256
host    replication   replicator   fd12:3456:789a::/48   scram-sha-256
host    all           monitor      samehost     scram-sha-256
";
    assert_eq!(fixed("pg_hba.conf", &text, NETWORKS, FixMode::Unsafe, &[]), expected);
}

#[test]
fn open_ranges_reported_without_networks() {
    let text = fixture("open_to_world", "pg_hba.conf");
    let result = common::run("pg_hba.conf", &text, NO_CONFIG, FixMode::Unsafe);
    assert!(result.fixed.is_none());
    let lines: Vec<usize> =
        result.remaining.iter().filter(|d| d.finding.rule == "PGH003").map(|d| d.line).collect();
    assert_eq!(lines, [1, 2, 3]);
    let open: Vec<_> = result.remaining.iter().filter(|d| d.finding.rule == "PGH003").collect();
    assert!(open.iter().all(|d| d.finding.needs_config.as_deref() == Some("postgres.allowed_networks")));
}

#[test]
fn open_ipv6_reported_without_ipv6_network() {
    let text = fixture("open_to_world", "pg_hba.conf");
    let out = fixed("pg_hba.conf", &text, IPV4_ONLY, FixMode::Unsafe, &[]);
    assert!(out.contains("::/0"), "an IPv6 range was dropped:\n{out}");
    assert!(!out.contains("0.0.0.0/0"), "the IPv4 range stayed open:\n{out}");
}

#[test]
fn address_mask_form_kept() {
    let text = fixture("address_mask", "pg_hba.conf");
    let out = fixed("pg_hba.conf", &text, NETWORKS, FixMode::Unsafe, &[]);
    // The IPv6 variant pushes the method column right, and the IPv4 record written in the same
    // fix keeps its method aligned with it.
    assert!(out.contains("host    all       app    10.60.0.0      255.255.0.0          md5\n"), "{out}");
    assert!(out.contains("host    all       app    fd12:3456:789a::  ffff:ffff:ffff::  md5\n"), "{out}");
    assert!(out.contains("host    all       app    192.168.1.0    255.255.255.0    md5\n"), "{out}");
    assert!(out.contains("127.0.0.1      255.255.255.255  trust"), "{out}");
}

#[test]
fn password_becomes_md5_by_default() {
    let text = fixture("crlf", "pg_hba.conf");
    let out = fixed("pg_hba.conf", &text, NO_CONFIG, FixMode::Safe, &[]);
    assert!(out.contains("host    all       all   0.0.0.0/0     md5\r\n"), "{out:?}");
    assert_eq!(out.matches("\r\n").count(), out.matches('\n').count(), "a line lost its CRLF");
}

#[test]
fn final_newline_stays_missing() {
    let text = fixture("no_final_newline", "pg_hba.conf");
    let out = fixed("pg_hba.conf", &text, NO_CONFIG, FixMode::Safe, &[]);
    assert_eq!(out, "local   all   postgres                peer\nhost    all   all       10.0.0.0/8    md5");
}

#[test]
fn continuation_records_fixed() {
    let text = fixture("continuation", "pg_hba.conf");
    let out = fixed("pg_hba.conf", &text, EVERYTHING, FixMode::Unsafe, &[]);
    assert!(out.contains("hostssl reports analyst 10.8.0.0/16 \\\n        scram-sha-256 # analysts\n"), "{out}");
    assert!(out.contains("local   all     all     peer  # socket \\\n        still the same comment\n"), "{out}");
}

#[test]
fn hostssl_from_sibling_conf() {
    let text = fixture("with_conf", "pg_hba.conf");
    let conf = fixture("with_conf", "postgresql.conf");
    let with = fixed("db/pg_hba.conf", &text, NO_CONFIG, FixMode::Unsafe, &[("db/postgresql.conf", &conf)]);
    assert!(with.contains("hostssl all       app   10.20.0.0/16    scram-sha-256"), "{with}");
    assert!(with.contains("host    all       all   127.0.0.1/32    scram-sha-256"), "loopback changed:\n{with}");
    assert!(with.contains("host    all       all   samehost        scram-sha-256"), "samehost changed:\n{with}");
    let elsewhere = fixed("db/pg_hba.conf", &text, NO_CONFIG, FixMode::Unsafe, &[("other/postgresql.conf", &conf)]);
    assert_eq!(elsewhere, text, "a postgresql.conf in another directory enabled the fix");
    let ssl_off = conf.replace("ssl = on", "ssl = off");
    let off = fixed("db/pg_hba.conf", &text, NO_CONFIG, FixMode::Unsafe, &[("db/postgresql.conf", &ssl_off)]);
    assert_eq!(off, text, "ssl = off enabled the fix");
}

#[test]
fn auto_conf_not_claimed() {
    assert_eq!(cinch::formats::kind_for_path(Path::new("data/postgresql.auto.conf")), None);
    assert!(cinch::formats::postgres::is_context_file(Path::new("data/postgresql.auto.conf")));
    assert!(!cinch::formats::postgres::is_context_file(Path::new("data/postgresql.conf")));
    assert!(cinch::formats::is_context_file(Path::new("data/postgresql.auto.conf")));
    assert!(cinch::formats::kind_for_path(Path::new("data/postgresql.conf")).is_some());
    assert!(cinch::formats::kind_for_path(Path::new("conf/office.hba")).is_some());
}

#[test]
fn local_trust_only_reported() {
    let text = "local   all   all   trust\n";
    let result = common::run("pg_hba.conf", text, EVERYTHING, FixMode::Unsafe);
    assert!(result.fixed.is_none());
    assert_eq!(result.remaining.len(), 1);
    assert_eq!(result.remaining[0].finding.rule, "PGH002");
}

#[test]
fn trust_needs_confirmation() {
    let text = "host   all   all   10.0.0.0/8   trust\n";
    let result = common::run("pg_hba.conf", text, NO_CONFIG, FixMode::Unsafe);
    assert!(result.fixed.is_none());
    let trust = result.remaining.iter().find(|d| d.finding.rule == "PGH002").expect("PGH002 reported");
    assert_eq!(trust.finding.needs_config.as_deref(), Some("postgres.passwords_are_scram"));
    let out = fixed("pg_hba.conf", text, SCRAM, FixMode::Unsafe, &[]);
    assert_eq!(out, "host   all   all   10.0.0.0/8   scram-sha-256\n");
    let safe_only = fixed("pg_hba.conf", text, SCRAM, FixMode::Safe, &[]);
    assert_eq!(safe_only, text, "the trust fix applied without --unsafe-fixes");
}

#[test]
fn reject_records_untouched() {
    let text = "host   all   all   0.0.0.0/0   reject\nhostnossl   all   all   all   reject\n";
    let result = common::run("pg_hba.conf", text, EVERYTHING, FixMode::Unsafe);
    assert!(result.remaining.is_empty(), "{:?}", result.remaining);
    assert!(result.fixed.is_none());
}

#[test]
fn combined_rules_converge() {
    let text = fixture("combined", "pg_hba.conf");
    let out = fixed("pg_hba.conf", &text, EVERYTHING, FixMode::Unsafe, &[]);
    let expected = "\
# One record that several rules rewrite in turn.
# TYPE  DATABASE  USER  ADDRESS      METHOD
hostssl all       all   10.60.0.0/16          scram-sha-256
hostssl all       all   10.60.0.0/16          scram-sha-256   # legacy app servers
hostssl all       all   fd12:3456:789a::/48   scram-sha-256   # legacy app servers
local   all       all                trust
";
    assert_eq!(out, expected);
}

#[test]
fn invalid_file_is_an_error() {
    let result = common::run("pg_hba.conf", "hots all all 10.0.0.0/8 md5\n", NO_CONFIG, FixMode::Safe);
    assert!(result.has_error());
    let message = format!("{:?}", result.problems);
    assert!(message.contains("invalid connection type `hots`"), "{message}");
}

#[test]
fn template_is_skipped() {
    let result = common::run("pg_hba.conf", "local all all @authmethod@\n", NO_CONFIG, FixMode::Safe);
    assert!(!result.has_error(), "{:?}", result.problems);
    assert_eq!(result.problems.len(), 1);
}

#[test]
fn suppression_comment_respected() {
    let text = "host   all   all   10.0.0.0/8   password   # cinch: ignore[PGH001] legacy client\n";
    let result = common::run("pg_hba.conf", text, NO_CONFIG, FixMode::Safe);
    assert!(result.fixed.is_none());
    assert!(result.remaining.iter().all(|d| d.finding.rule != "PGH001"), "{:?}", result.remaining);
    assert!(result.remaining.iter().any(|d| d.finding.rule == "PGH004"), "other rules were suppressed too");
}

/// Runs every pg_hba file under the shared real-world corpus through check and fix with every
/// fix enabled: no error, no panic, and the invariants hold.
#[test]
fn realworld_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/realworld/pghba");
    if !root.is_dir() {
        eprintln!("skipping: {} is missing", root.display());
        return;
    }
    let mut files = common::files_under(&root);
    // The Debian package's template and the file of the cluster it creates, when installed.
    for installed in ["/usr/share/postgresql/15/pg_hba.conf.sample", "/etc/postgresql/15/main/pg_hba.conf"] {
        if Path::new(installed).is_file() {
            files.push(PathBuf::from(installed));
        }
    }
    assert!(!files.is_empty(), "no files under {}", root.display());
    for file in files {
        let text = fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for mode in [FixMode::None, FixMode::Unsafe] {
            let result = common::run("pg_hba.conf", &text, EVERYTHING, mode);
            assert!(!result.has_error(), "{}: {:?}", file.display(), result.problems);
            common::assert_invariants("pg_hba.conf", &text, EVERYTHING, mode, &[]);
        }
        assert_diff_applies("pg_hba.conf", &text, EVERYTHING, &[]);
    }
}

#[test]
fn fixture_diffs_apply() {
    for name in hba_fixtures() {
        let text = fixture(&name, "pg_hba.conf");
        let others = siblings(&name);
        let others: Vec<(&str, &str)> = others.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
        for config in [NO_CONFIG, EVERYTHING] {
            assert_diff_applies(&format!("{name}/pg_hba.conf"), &text, config, &others);
        }
    }
    let conf = fixture("with_conf", "postgresql.conf");
    assert_diff_applies("with_conf/postgresql.conf", &conf, NO_CONFIG, &[]);
}

/// Asserts that `git apply` accepts the diff of an `--unsafe-fixes` run on `text` and that the
/// patched file equals the fixed text.
fn assert_diff_applies(path: &str, text: &str, config: &str, others: &[(&str, &str)]) {
    if Command::new("git").arg("--version").output().is_err() {
        assert!(std::env::var_os("CI").is_none(), "git is missing");
        eprintln!("skipping the git apply check: git is missing");
        return;
    }
    let result = common::run_in(path, text, config, FixMode::Unsafe, others);
    let patch = cinch::report::diff_all(std::slice::from_ref(&result));
    if patch.is_empty() {
        return;
    }
    let dir = tempfile::tempdir().expect("temporary directory");
    let target = dir.path().join(path);
    fs::create_dir_all(target.parent().unwrap()).unwrap();
    fs::write(&target, text).unwrap();
    fs::write(dir.path().join("fix.patch"), &patch).unwrap();
    let output = Command::new("git").args(["apply", "--whitespace=nowarn", "fix.patch"]).current_dir(dir.path()).output().unwrap();
    assert!(
        output.status.success(),
        "{path}: git apply rejected the diff: {}\n{}",
        String::from_utf8_lossy(&output.stderr),
        String::from_utf8_lossy(&patch)
    );
    assert_eq!(fs::read_to_string(&target).unwrap(), common::fixed_text(&result), "{path}: patched file differs");
}

#[test]
fn rule_docs_present() {
    for (id, kind) in [("PGH001", "pg_hba"), ("PGH002", "pg_hba"), ("PGH003", "pg_hba"), ("PGH004", "pg_hba"), ("PGH005", "postgresql_conf")] {
        let doc = cinch::catalog::doc(id).unwrap_or_else(|| panic!("transforms/{id}.toml is missing or invalid"));
        assert_eq!(doc.format, kind, "{id}");
        assert!(["safe", "review", "report", "mixed"].contains(&doc.fix.as_str()), "{id}: fix = {}", doc.fix);
    }
    for (stem, parsed) in cinch::catalog::parse_all() {
        if stem.starts_with("PGH") {
            assert!(parsed.is_ok(), "transforms/{stem}.toml: {:?}", parsed.err());
        }
    }
}


#[test]
fn examples_have_findings() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let hba = fs::read_to_string(root.join("pg_hba.conf")).expect("examples/pg_hba.conf");
    let conf = fs::read_to_string(root.join("postgresql.conf")).expect("examples/postgresql.conf");
    let others = [("examples/postgresql.conf", conf.as_str())];
    let result = common::run_in("examples/pg_hba.conf", &hba, NO_CONFIG, FixMode::Safe, &others);
    let mut rules: Vec<&str> = result.remaining.iter().chain(&result.fixed_findings).map(|d| d.finding.rule).collect();
    rules.sort_unstable();
    rules.dedup();
    assert_eq!(rules, ["PGH001", "PGH002", "PGH003", "PGH004"]);
    common::assert_invariants("examples/pg_hba.conf", &hba, NO_CONFIG, FixMode::Unsafe, &others);
    common::assert_invariants("examples/pg_hba.conf", &hba, EVERYTHING, FixMode::Unsafe, &others);
    let conf_result = common::run("examples/postgresql.conf", &conf, NO_CONFIG, FixMode::None);
    assert_eq!(conf_result.remaining.len(), 1);
    assert_eq!(conf_result.remaining[0].finding.rule, "PGH005");
    let rendered = common::render("examples/pg_hba.conf", &hba, EVERYTHING, FixMode::Unsafe, &others);
    assert_fixture_snapshot!("postgres_example", rendered);
}

#[test]
fn scram_switch_needs_review_with_md5_encryption() {
    let text = "host   all   all   10.0.0.0/8   md5\n";
    let conf = "password_encryption = md5\n";
    let others = [("db/postgresql.conf", conf)];
    let safe = fixed("db/pg_hba.conf", text, SCRAM, FixMode::Safe, &others);
    assert_eq!(safe, text, "switched to scram-sha-256 while new passwords still get MD5 verifiers");
    let reviewed = fixed("db/pg_hba.conf", text, SCRAM, FixMode::Unsafe, &others);
    assert_eq!(reviewed, "host   all   all   10.0.0.0/8   scram-sha-256\n");
}

/// Every fix the rules offer for one record replaces the whole record, so two rules that touch
/// one record in one pass always overlap and the engine defers one of them to the next pass.
#[test]
fn fixes_on_one_record_overlap() {
    use cinch::context::ProjectContext;
    use cinch::rule::{Format, RuleContext};
    use cinch::source::SourceFile;

    let text = "host   all   all   0.0.0.0/0   password   # app\nhost   all   all   all   trust\n";
    let settings = common::settings(EVERYTHING, "pg_hba.conf");
    let project = ProjectContext::empty();
    let enabled = |_: &str| true;
    let ctx = RuleContext { path: Path::new("pg_hba.conf"), settings: &settings, project: &project, enabled: &enabled };
    let source = SourceFile::new("pg_hba.conf", text);
    let findings = cinch::formats::postgres::PgHbaFormat.check(&source, &ctx).expect("fixture parses");
    let edits: Vec<_> = findings.iter().filter_map(|f| f.fix.as_ref()).flat_map(|fix| fix.edits.clone()).collect();
    assert_eq!(edits.len(), 6, "{findings:#?}");
    for (i, first) in edits.iter().enumerate() {
        for second in &edits[i + 1..] {
            let same_line = text[..first.range.start].matches('\n').count() == text[..second.range.start].matches('\n').count();
            assert_eq!(first.overlaps(second), same_line, "{first:?} and {second:?}");
        }
    }
}

#[test]
fn installed_postgresql_conf_parses() {
    use cinch::formats::postgres::conf;
    let candidates = ["/usr/share/postgresql/15/postgresql.conf.sample", "/etc/postgresql/15/main/postgresql.conf"];
    let present: Vec<&str> = candidates.into_iter().filter(|path| Path::new(path).is_file()).collect();
    if present.is_empty() {
        eprintln!("skipping: no installed postgresql.conf (apt-get install postgresql)");
        return;
    }
    for path in present {
        let text = fs::read_to_string(path).expect("readable");
        let file = conf::parse(&text).unwrap_or_else(|e| panic!("{path}: {e:?}"));
        let joined: String = file.pieces.iter().map(|piece| &text[piece.range.clone()]).collect();
        assert_eq!(joined, text, "{path}: pieces do not join back to the input");
        common::assert_invariants("postgresql.conf", &text, NO_CONFIG, FixMode::Unsafe, &[]);
    }
}

#[test]
fn password_encryption_keeps_quotes() {
    let text = "password_encryption = 'md5'\n";
    let out = fixed("postgresql.conf", text, NO_CONFIG, FixMode::Unsafe, &[]);
    assert_eq!(out, "password_encryption = 'scram-sha-256'\n");
    let safe_only = fixed("postgresql.conf", text, NO_CONFIG, FixMode::Safe, &[]);
    assert_eq!(safe_only, text, "the PGH005 fix applied without --unsafe-fixes");
}

#[test]
fn password_encryption_last_setting_wins() {
    let overridden = "PASSWORD_ENCRYPTION = MD5\npassword_encryption = scram-sha-256\n";
    let result = common::run("postgresql.conf", overridden, NO_CONFIG, FixMode::Unsafe);
    assert!(result.remaining.is_empty(), "{:?}", result.remaining);
    assert!(result.fixed.is_none());
    let effective = "password_encryption = scram-sha-256\npassword_encryption = md5   # legacy\n";
    let out = fixed("postgresql.conf", effective, NO_CONFIG, FixMode::Unsafe, &[]);
    assert_eq!(out, "password_encryption = scram-sha-256\npassword_encryption = scram-sha-256   # legacy\n");
}

/// Lists the rules that report something in `text` as `db/pg_hba.conf`, sorted.
fn rules_found(text: &str, config: &str, others: &[(&str, &str)]) -> Vec<String> {
    let result = common::run_in("db/pg_hba.conf", text, config, FixMode::None, others);
    let mut rules: Vec<String> = result.remaining.iter().map(|r| r.finding.rule.to_string()).collect();
    rules.sort();
    rules
}

#[test]
fn quoted_method_read_without_quotes() {
    let trust = "host all all 10.0.0.0/8 \"trust\"\n";
    assert_eq!(rules_found(trust, NO_CONFIG, &[]), ["PGH002", "PGH004"]);
    let md5 = "host all all 10.0.0.0/8 \"md5\"\n";
    assert_eq!(rules_found(md5, NO_CONFIG, &[]), ["PGH001", "PGH004"]);
    let reject = "\"host\" all all \"0.0.0.0/0\" \"reject\"\n";
    assert!(rules_found(reject, EVERYTHING, &[]).is_empty());
    let fixed_text = fixed("db/pg_hba.conf", "\"host\"  all  all  10.0.0.0/8  \"trust\"\n", EVERYTHING, FixMode::Unsafe, &[]);
    assert_eq!(fixed_text, "\"hostssl\"  all  all  10.0.0.0/8  \"scram-sha-256\"\n");
    let mask = fixed("db/pg_hba.conf", "host all all \"0.0.0.0\" \"0.0.0.0\" md5\n", IPV4_ONLY, FixMode::Unsafe, &[]);
    assert_eq!(mask, "host all all \"10.60.0.0\" \"255.255.0.0\" md5\n");
}

const MD5_AUTO_CONF: &str = "password_encryption = 'md5'\n";

#[test]
fn auto_conf_md5_makes_scram_switch_review() {
    let text = "host   all   all   10.0.0.0/8   md5\n";
    let scram_conf = "password_encryption = scram-sha-256\n";
    let others = [("db/postgresql.conf", scram_conf), ("db/postgresql.auto.conf", MD5_AUTO_CONF)];
    assert_eq!(fixed("db/pg_hba.conf", text, SCRAM, FixMode::Safe, &others), text, "switched while ALTER SYSTEM keeps md5");
    let reviewed = common::run_in("db/pg_hba.conf", text, SCRAM, FixMode::None, &others);
    let weak = reviewed.remaining.iter().find(|r| r.finding.rule == "PGH001").expect("PGH001 reported");
    let notes = &weak.finding.notes;
    assert!(notes.iter().any(|n| n.contains("db/postgresql.auto.conf") && n.contains("ALTER SYSTEM SET")), "{notes:?}");
    // Without the auto file the postgresql.conf setting decides, and the switch is safe.
    let alone = [("db/postgresql.conf", scram_conf)];
    assert_eq!(fixed("db/pg_hba.conf", text, SCRAM, FixMode::Safe, &alone), "host   all   all   10.0.0.0/8   scram-sha-256\n");
    // An auto file in another directory belongs to another server.
    let elsewhere = [("other/postgresql.auto.conf", MD5_AUTO_CONF)];
    assert_eq!(fixed("db/pg_hba.conf", text, SCRAM, FixMode::Safe, &elsewhere), "host   all   all   10.0.0.0/8   scram-sha-256\n");
}

#[test]
fn auto_conf_md5_leaves_conf_unfixed() {
    let conf = "password_encryption = md5\n";
    let others = [("db/postgresql.auto.conf", MD5_AUTO_CONF)];
    let result = common::run_in("db/postgresql.conf", conf, NO_CONFIG, FixMode::Unsafe, &others);
    assert!(result.fixed.is_none(), "fixed postgresql.conf although postgresql.auto.conf overrides it");
    let finding = &result.remaining[0].finding;
    assert_eq!(finding.rule, "PGH005");
    assert!(finding.fix.is_none());
    assert!(finding.notes.iter().any(|n| n.contains("ALTER SYSTEM SET password_encryption = 'scram-sha-256'")), "{:?}", finding.notes);
    assert!(finding.notes.iter().any(|n| n.contains("ALTER SYSTEM RESET password_encryption")), "{:?}", finding.notes);

    let scram = "password_encryption = 'scram-sha-256'\n";
    let result = common::run_in("db/postgresql.conf", scram, NO_CONFIG, FixMode::Unsafe, &others);
    assert_eq!(result.remaining.len(), 1, "a scram-sha-256 line overridden by md5 was not reported");
    assert!(result.remaining[0].finding.fix.is_none());

    let scram_auto = [("db/postgresql.auto.conf", "password_encryption = 'scram-sha-256'\n")];
    let result = common::run_in("db/postgresql.conf", conf, NO_CONFIG, FixMode::None, &scram_auto);
    let finding = &result.remaining[0].finding;
    assert!(finding.fix.is_some());
    assert!(finding.notes.iter().any(|n| n.contains("only if that setting is reset")), "{:?}", finding.notes);
}

#[test]
fn auto_conf_ssl_overrides_conf() {
    let text = "host   all   all   10.0.0.0/8   scram-sha-256\n";
    let on = [("db/postgresql.conf", "ssl = on\n"), ("db/postgresql.auto.conf", "ssl = 'off'\n")];
    assert_eq!(fixed("db/pg_hba.conf", text, NO_CONFIG, FixMode::Unsafe, &on), text, "hostssl written while ALTER SYSTEM turned TLS off");
    let result = common::run_in("db/pg_hba.conf", text, NO_CONFIG, FixMode::None, &on);
    let notes = &result.remaining[0].finding.notes;
    assert!(notes.iter().any(|n| n.contains("`ssl = off` in db/postgresql.auto.conf")), "{notes:?}");
    let auto_on = [("db/postgresql.conf", "ssl = off\n"), ("db/postgresql.auto.conf", "ssl = 'on'\n")];
    assert_eq!(fixed("db/pg_hba.conf", text, NO_CONFIG, FixMode::Unsafe, &auto_on), "hostssl   all   all   10.0.0.0/8   scram-sha-256\n");
    let unreadable = [("db/postgresql.conf", "ssl = on\n"), ("db/postgresql.auto.conf", "ssl = 'on\n")];
    assert_eq!(fixed("db/pg_hba.conf", text, NO_CONFIG, FixMode::Unsafe, &unreadable), text, "relied on postgresql.conf beside an unreadable auto file");
}

/// Runs PGH003 on `text` with `networks` as `postgres.allowed_networks`, set directly so that
/// values the config file would refuse still reach the rule.
fn open_address_fixes(text: &str, networks: &[&str]) -> Vec<cinch::finding::Finding> {
    use cinch::context::ProjectContext;
    use cinch::rule::{Format, RuleContext};
    use cinch::source::SourceFile;

    let mut settings = common::settings(NO_CONFIG, "pg_hba.conf");
    settings.postgres.allowed_networks = Some(networks.iter().map(|n| n.to_string()).collect());
    let project = ProjectContext::empty();
    let enabled = |id: &str| id == "PGH003";
    let ctx = RuleContext { path: Path::new("pg_hba.conf"), settings: &settings, project: &project, enabled: &enabled };
    cinch::formats::postgres::PgHbaFormat.check(&SourceFile::new("pg_hba.conf", text), &ctx).expect("parses")
}

fn applied(text: &str, finding: &cinch::finding::Finding) -> String {
    cinch::edit::apply_edits(text, &finding.fix.as_ref().expect("a fix").edits)
}

#[test]
fn open_range_networks_written_once() {
    let text = "host  all  all  0.0.0.0/0  md5\n";
    let duplicates = open_address_fixes(text, &["10.60.0.0/16", "10.60.0.0/16", "10.60.9.9/16", "10.70.0.0/16"]);
    assert_eq!(applied(text, &duplicates[0]), "host  all  all  10.60.0.0/16  md5\nhost  all  all  10.70.0.0/16  md5\n");
    let host_bits = open_address_fixes(text, &["10.0.0.1/8"]);
    assert_eq!(applied(text, &host_bits[0]), "host  all  all  10.0.0.0/8 md5\n");
}

#[test]
fn open_range_not_replaced_by_itself() {
    let text = "host  all  all  0.0.0.0/0  md5\nhost  all  all  0.0.0.0  0.0.0.0  md5\nhost  all  all  ::/0  md5\n";
    let findings = open_address_fixes(text, &["0.0.0.0/0", "::/0"]);
    assert_eq!(findings.len(), 3, "{findings:#?}");
    assert!(findings.iter().all(|f| f.fix.is_none()), "{findings:#?}");
    let mixed = open_address_fixes(text, &["0.0.0.0/0", "10.60.0.0/16"]);
    assert_eq!(applied(text, &mixed[0]), text.replacen("0.0.0.0/0", "10.60.0.0/16", 1));
}
