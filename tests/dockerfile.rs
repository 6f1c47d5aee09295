//! Dockerfile fixtures: findings and diffs of DKR001 as snapshots, the fix invariants, and the
//! parser's round trip on every fixture.

mod common;

use std::fs;
use std::path::Path;

use cinch::engine::FixMode;
use cinch::formats::dockerfile::parser;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/dockerfile");

fn read_fixture(file: &str) -> String {
    let path = Path::new(FIXTURES).join(file);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Joins the parsed pieces of `text` (a BOM removed, as `SourceFile` does) and checks that they
/// give back the input.
fn assert_round_trip(name: &str, text: &str) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let parsed = parser::parse(text).unwrap_or_else(|e| panic!("{name}: does not parse: {e:?}"));
    let mut joined = String::new();
    for piece in &parsed.pieces {
        assert_eq!(piece.range.start, joined.len(), "{name}: pieces leave a gap or overlap");
        joined.push_str(&text[piece.range.clone()]);
    }
    assert_eq!(joined, text, "{name}: joined pieces differ from the input");
}

/// Runs fixture `name` with `config`: its snapshot, the fix invariants, and the round trip.
/// Returns the text after `--unsafe-fixes`.
fn check_fixture(name: &str, config: &str, others: &[(&str, &str)]) -> String {
    let text = read_fixture(&format!("{name}.Dockerfile"));
    let path = format!("{name}.Dockerfile");
    let rendered = common::render(&path, &text, config, FixMode::Unsafe, others);
    assert_fixture_snapshot!(format!("dockerfile_{name}"), rendered);
    common::assert_invariants(&path, &text, config, FixMode::Unsafe, others);
    assert_round_trip(name, &text);
    let result = common::run_in(&path, &text, config, FixMode::Unsafe, others);
    common::fixed_text(&result)
}

/// Returns the text `--unsafe-fixes` produces for `text` as a file named `Dockerfile`.
fn fix(text: &str) -> String {
    common::fixed_text(&common::run("Dockerfile", text, "", FixMode::Unsafe))
}

/// Returns the messages and notes `cinch check` reports for `text`.
fn report(text: &str, others: &[(&str, &str)]) -> String {
    common::render("Dockerfile", text, "", FixMode::None, others)
}

#[test]
fn user_created_before_late_run() {
    let fixed = check_fixture("user_created_before_late_run", "", &[]);
    assert!(fixed.ends_with("RUN mkdir -p /var/lib/abacus/journal\nUSER 10001:10001\nCMD [\"abacus-server\", \"--journal\", \"/var/lib/abacus/journal\"]\n"), "{fixed}");
    let findings = report(&read_fixture("user_created_before_late_run.Dockerfile"), &[]);
    assert!(findings.contains("`/var/lib/abacus/journal` is created by RUN as root"), "{findings}");
}

#[test]
fn node_base_ships_user() {
    let fixed = check_fixture("node_base_ships_user", "", &[]);
    assert!(fixed.ends_with("EXPOSE 8080\nUSER 1000:1000\nCMD [\"node\", \"src/main.js\"]\n"), "{fixed}");
    assert!(!fixed.contains("useradd"));
}

#[test]
fn dotnet_aspnet8() {
    let fixed = check_fixture("dotnet_aspnet8", "", &[]);
    assert!(fixed.ends_with("COPY --from=build /out .\nUSER $APP_UID\nENTRYPOINT [\"dotnet\", \"Billing.Api.dll\"]\n"), "{fixed}");
}

#[test]
fn final_stage_from_scratch() {
    let fixed = check_fixture("final_stage_from_scratch", "", &[]);
    assert!(fixed.ends_with("/pinger\nUSER 10001:10001\nENTRYPOINT [\"/pinger\"]\n"), "{fixed}");
    assert_eq!(fixed.matches("USER").count(), 1, "only the final stage changes");
    assert!(!fixed.contains("RUN groupadd"), "scratch has no shell");
    assert!(!fixed.contains("adduser"), "scratch has no shell");
}

#[test]
fn heredoc_body_looks_like_user() {
    let text = read_fixture("heredoc_body_looks_like_user.Dockerfile");
    let fixed = check_fixture("heredoc_body_looks_like_user", "", &[]);
    let expected = text.replace("COPY fetch.py /opt/fetch.py\n", "COPY fetch.py /opt/fetch.py\nUSER 10001:10001\n");
    assert_eq!(fixed, expected);
    assert!(fixed.contains("\nUser fetcher\n"), "the heredoc body is left alone");
}

#[test]
fn multistage_stage_chain() {
    let fixed = check_fixture("multistage_stage_chain", "", &[]);
    let expected_tail = "EXPOSE 80 8443\nRUN groupadd --system --gid 10001 app \\\n    && useradd --system --uid 10001 --gid app --no-create-home app\nUSER 10001:10001\n# start the web server\nCMD";
    assert!(fixed.contains(expected_tail), "{fixed}");
    let findings = report(&read_fixture("multistage_stage_chain.Dockerfile"), &[]);
    assert!(findings.contains("port 80 below 1024"), "{findings}");
    assert!(!findings.contains("8443 "), "{findings}");
    assert!(findings.contains("/opt/tally"), "{findings}");
}

#[test]
fn nonroot_inherited_from_stage() {
    let text = read_fixture("nonroot_inherited_from_stage.Dockerfile");
    assert_eq!(check_fixture("nonroot_inherited_from_stage", "", &[]), text);
    assert!(!report(&text, &[]).contains("DKR001"));
}

#[test]
fn windows_backtick_escape() {
    let fixed = check_fixture("windows_backtick_escape", "", &[]);
    assert!(fixed.ends_with("COPY app C:\\app\r\nUSER ContainerUser\r\nCMD [\"C:\\\\app\\\\Tracker.exe\"]\r\n"), "{fixed:?}");
}

#[test]
fn windows_continuation_uses_backtick() {
    let text = "# escape=`\nFROM debian:bookworm\nRUN apt-get update ; `\n    echo done\nCMD [\"x\"]\n";
    let fixed = fix(text);
    assert!(fixed.contains("RUN groupadd --system --gid 10001 app `\n    && useradd"), "{fixed}");
}

#[test]
fn crlf_line_endings() {
    let fixed = check_fixture("crlf_line_endings", "", &[]);
    assert!(fixed.contains("probe.sh\r\nRUN groupadd --system --gid 10001 app \\\r\n && useradd --system --uid 10001 --gid app --no-create-home app\r\nUSER 10001:10001\r\nENTRYPOINT"), "{fixed:?}");
    assert_eq!(fixed.matches('\n').count(), fixed.matches("\r\n").count(), "every line break is CRLF");
}

#[test]
fn no_final_newline() {
    let fixed = check_fixture("no_final_newline", "", &[]);
    assert!(fixed.ends_with("./cmd/fetcher\nRUN groupadd --system --gid 10001 app \\\n    && useradd --system --uid 10001 --gid app --no-create-home app\nUSER 10001:10001"), "{fixed:?}");
}

#[test]
fn bom_alpine() {
    let fixed = check_fixture("bom_alpine", "", &[]);
    assert!(fixed.contains("check.sh\nRUN addgroup -S -g 10001 app \\\n    && adduser -S -D -H -u 10001 -G app app\nUSER 10001:10001\nENTRYPOINT"), "{fixed}");
    let result = common::run("Dockerfile", &read_fixture("bom_alpine.Dockerfile"), "", FixMode::Unsafe);
    assert!(result.fixed_bytes().expect("fixed").starts_with(b"\xEF\xBB\xBFFROM"), "the BOM is kept");
}

#[test]
fn heredocs_several() {
    let fixed = check_fixture("heredocs_several", "", &[]);
    assert!(fixed.contains("TWO\nRUN groupadd --system --gid 10001 app"), "{fixed}");
    assert!(fixed.contains("\nUSER 0\nTWO\n"), "heredoc bodies are not instructions");
}

#[test]
fn root_user_last() {
    let fixed = check_fixture("root_user_last", "", &[]);
    assert!(fixed.ends_with("cron\nUSER 3000:3000\nCMD [\"feedd\"]\n"), "{fixed}");
    assert!(!fixed.contains("USER root"));
}

#[test]
fn root_user_then_run() {
    let fixed = check_fixture("root_user_then_run", "", &[]);
    assert!(fixed.contains("USER root\nRUN apt-get"), "build steps keep running as root: {fixed}");
    assert!(fixed.contains("lists/*\nUSER 1000:1000\nENTRYPOINT"), "{fixed}");
}

#[test]
fn already_nonroot() {
    let text = read_fixture("already_nonroot.Dockerfile");
    assert_eq!(check_fixture("already_nonroot", "", &[]), text);
    assert!(!report(&text, &[]).contains("DKR001"));
}

#[test]
fn distroless_static() {
    let fixed = check_fixture("distroless_static", "", &[]);
    assert!(fixed.ends_with("/gateway /gateway\nUSER 65532:65532\nENTRYPOINT [\"/gateway\"]\n"), "{fixed}");
}

#[test]
fn distroless_nonroot() {
    let text = read_fixture("distroless_nonroot.Dockerfile");
    assert_eq!(check_fixture("distroless_nonroot", "", &[]), text);
}

#[test]
fn alpine_base() {
    let fixed = check_fixture("alpine_base", "", &[]);
    assert!(fixed.contains("COPY app.py .\nRUN addgroup -S -g 10001 app \\\n    && adduser -S -D -H -u 10001 -G app app\nUSER 10001:10001\nCMD"), "{fixed}");
}

#[test]
fn ubi_minimal() {
    let fixed = check_fixture("ubi_minimal", "", &[]);
    assert!(fixed.contains("orders.jar\nUSER 10001:10001\nCMD"), "{fixed}");
    assert!(!fixed.contains("useradd"), "ubi-minimal has no useradd");
}

#[test]
fn gosu_entrypoint() {
    let script = read_fixture("gosu_entrypoint.sh");
    let others = [("docker-entrypoint.sh", script.as_str())];
    let text = read_fixture("gosu_entrypoint.Dockerfile");
    assert_eq!(check_fixture("gosu_entrypoint", "", &others), text, "reported, not fixed");
    assert!(report(&text, &others).contains("`gosu`"));
    // Without the script in the project there is nothing to show a privilege drop.
    assert_ne!(fix(&text), text);
}

#[test]
fn privilege_drop_in_entrypoint_command() {
    let text = "FROM alpine:3.20\nRUN apk add --no-cache su-exec\nENTRYPOINT su-exec nobody /usr/bin/server\n";
    assert_eq!(fix(text), text);
    assert!(report(text, &[]).contains("`su-exec`"));
}

#[test]
fn arg_based_from() {
    let fixed = check_fixture("arg_based_from", "", &[]);
    assert!(fixed.ends_with("/usr/local/bin/minify\nUSER 1000:1000\nCMD [\"minify\", \"--help\"]\n"), "{fixed}");
}

#[test]
fn arg_from_without_default() {
    let fixed = check_fixture("arg_from_without_default", "", &[]);
    assert!(fixed.ends_with("COPY report.sh /report.sh\nUSER 10001:10001\nCMD [\"/report.sh\"]\n"), "{fixed}");
}

#[test]
fn lowercase_instructions() {
    let fixed = check_fixture("lowercase_instructions", "", &[]);
    assert!(fixed.contains("expose 8080\nrun groupadd --system --gid 10001 app \\\n    && useradd --system --uid 10001 --gid app --no-create-home app\nuser 10001:10001\ncmd"), "{fixed}");
}

#[test]
fn user_created_without_uid() {
    let fixed = check_fixture("user_created_without_uid", "", &[]);
    assert!(fixed.contains("report.py\nUSER reporter\nCMD"), "{fixed}");
}

#[test]
fn configured_user() {
    let config = "[user]\nuid = 2100\ngid = 2200\nname = \"svc\"\n";
    let fixed = check_fixture("configured_user", config, &[]);
    assert!(fixed.contains("groupadd --system --gid 2200 svc \\\n    && useradd --system --uid 2100 --gid svc --no-create-home svc\nUSER 2100:2200\n"), "{fixed}");
}

#[test]
fn review_fix_needs_unsafe_fixes() {
    let text = read_fixture("user_created_before_late_run.Dockerfile");
    let result = common::run("Dockerfile", &text, "", FixMode::Safe);
    assert_eq!(common::fixed_text(&result), text);
    assert_eq!(result.remaining.len(), 1);
}

#[test]
fn suppression_comment_above_from() {
    let text = "# cinch: ignore[DKR001] the sidecar needs root to configure iptables\nFROM alpine:3.20\nCMD [\"init\"]\n";
    let result = common::run("Dockerfile", text, "", FixMode::Unsafe);
    assert!(result.remaining.is_empty());
    assert_eq!(common::fixed_text(&result), text);
}

#[test]
fn already_nonroot_images() {
    for image in ["cgr.dev/chainguard/python:latest", "mcr.microsoft.com/dotnet/runtime:8.0-noble-chiseled", "nginxinc/nginx-unprivileged:1.27", "bitnami/postgresql:16", "gcr.io/distroless/java21-debian12:debug-nonroot"] {
        let text = format!("FROM {image}\nCOPY x /x\n");
        let result = common::run("Dockerfile", &text, "", FixMode::Unsafe);
        assert!(result.remaining.is_empty(), "{image} needs no USER");
        assert!(result.fixed_findings.is_empty(), "{image} needs no fix");
    }
}

#[test]
fn bad_input_gives_parse_errors() {
    let cases = [
        ("FROM debian\nRUN <<EOF\necho unterminated\n", "unterminated heredoc"),
        ("FROM debian\nCOPY <<A /a <<B /b\nbody\nA\n", "`<<B`"),
        ("# escape=x\nFROM debian\n", "invalid escape character"),
        ("RUN echo before from\n", "before the first `FROM`"),
        ("FROM debian\nRNU echo\n", "unknown instruction `RNU`"),
        ("FROM\n", "names no image"),
    ];
    for (text, expected) in cases {
        let result = common::run("Dockerfile", text, "", FixMode::Unsafe);
        assert!(result.has_error(), "{text:?} should not parse");
        let message = format!("{:?}", result.problems);
        assert!(message.contains(expected), "{text:?}: {message}");
    }
}

#[test]
fn odd_input_gives_no_finding() {
    for text in ["", "\n\n", "# only a comment", "# syntax=docker/dockerfile:1\n# and a comment\n"] {
        let result = common::run("Dockerfile", text, "", FixMode::Unsafe);
        assert!(!result.has_error(), "{text:?}: {:?}", result.problems);
        assert!(result.remaining.is_empty(), "{text:?}");
        assert_eq!(common::fixed_text(&result), text);
    }
}

#[test]
fn odd_input_is_handled() {
    // A lone escape at the end of the file ends the instruction, and broken JSON is shell form.
    for text in ["FROM debian\nCMD echo \\", "FROM debian\nCMD [\"broken, \"quotes]\n", "FROM debian\nENTRYPOINT [\n"] {
        let result = common::run("Dockerfile", text, "", FixMode::Unsafe);
        assert!(!result.has_error(), "{text:?}: {:?}", result.problems);
        common::assert_invariants("Dockerfile", text, "", FixMode::Unsafe, &[]);
    }
}

#[test]
fn every_fixture_round_trips() {
    let mut count = 0;
    for entry in fs::read_dir(FIXTURES).expect("fixture directory") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|ext| ext == "Dockerfile") {
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            let text = read_fixture(&name);
            assert_round_trip(&name, &text);
            common::assert_invariants(&name, &text, "", FixMode::Unsafe, &[]);
            count += 1;
        }
    }
    assert!(count >= 20, "expected the Dockerfile fixtures, found {count}");
}

#[test]
fn examples_are_fixed() {
    for (name, snapshot) in [("Dockerfile", "dockerfile_example_single_stage"), ("multistage.Dockerfile", "dockerfile_example_multistage")] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples").join(name);
        let text = fs::read_to_string(&path).expect("example exists");
        assert_round_trip(name, &text);
        assert_fixture_snapshot!(snapshot, common::render(name, &text, "", FixMode::Unsafe, &[]));
        let result = common::run(name, &text, "", FixMode::Unsafe);
        assert!(!result.fixed_findings.is_empty(), "{name} shows the fix");
        common::assert_invariants(name, &text, "", FixMode::Unsafe, &[]);
    }
}

#[test]
fn root_user_inherited() {
    let fixed = check_fixture("root_user_inherited", "", &[]);
    assert!(fixed.ends_with("job.sh\nUSER 4100\nENTRYPOINT [\"/usr/local/bin/job.sh\"]\n"), "{fixed}");
    let findings = report(&read_fixture("root_user_inherited.Dockerfile"), &[]);
    assert!(findings.contains(":7:1: DKR001"), "the finding sits on the final FROM: {findings}");
}

mod generated {
    use super::*;
    use proptest::prelude::*;

    /// Pieces of Dockerfile syntax, including broken ones, that generated files are built from.
    const FRAGMENTS: &[&str] = &[
        "FROM debian:bookworm", "FROM scratch", "FROM base AS final", "from alpine as base", "FROM ${IMG}",
        "ARG IMG=node:20", "RUN echo hi", "RUN <<EOF", "RUN <<-EOF cat <<'B'", "EOF", "\tEOF", "B",
        "COPY <<X /x", "X", "USER root", "USER 0:0", "USER app", "CMD [\"a\", \"b\"]", "CMD [\"broken",
        "ENTRYPOINT gosu app run", "WORKDIR /srv", "EXPOSE 80", "# comment", "# escape=`", "",
        "  RUN indented \\", "RUN a `", "\\", "`", "RUN useradd -u 5 x", "COPY e.sh /usr/local/bin/",
        "ENTRYPOINT [\"e.sh\"]", "\u{feff}FROM x", "RUN 'unclosed", "CMD \"x",
    ];

    fn dockerfile() -> impl Strategy<Value = String> {
        let line = prop::sample::select(FRAGMENTS);
        let ending = prop::sample::select(&["\n", "\r\n", "\n", " \n", "\r"][..]);
        (prop::collection::vec((line, ending), 0..14), any::<bool>()).prop_map(|(lines, final_newline)| {
            let mut text: String = lines.iter().map(|(line, ending)| format!("{line}{ending}")).collect();
            if !final_newline {
                text = text.trim_end_matches(['\n', '\r']).to_string();
            }
            text
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        #[test]
        fn parser_is_lossless_or_fails_cleanly(text in dockerfile()) {
            if let Ok(parsed) = parser::parse(&text) {
                let joined: String = parsed.pieces.iter().map(|piece| &text[piece.range.clone()]).collect();
                prop_assert_eq!(joined, text.clone());
            }
        }

        #[test]
        fn engine_never_panics(text in dockerfile()) {
            // The harness compares texts without the BOM that `SourceFile` strips.
            let text = text.trim_start_matches('\u{feff}').to_string();
            let result = common::run("Dockerfile", &text, "", FixMode::Unsafe);
            let problems = format!("{:?}", result.problems);
            prop_assert!(!problems.contains("internal error"), "{:?}: {}", text, problems);
            if !result.has_error() {
                common::assert_invariants("Dockerfile", &text, "", FixMode::Unsafe, &[]);
            }
        }
    }
}

#[test]
fn trailing_escape_at_end_is_reported() {
    let text = "FROM debian:bookworm\nRUN apt-get update \\";
    let result = common::run("Dockerfile", text, "", FixMode::Unsafe);
    assert!(!result.has_error(), "{:?}", result.problems);
    assert_eq!(common::fixed_text(&result), text);
    assert!(report(text, &[]).contains("ends inside a line continuation"));
}

#[test]
fn diffs_apply_with_git() {
    if std::process::Command::new("git").arg("--version").output().is_err() {
        assert!(std::env::var_os("CI").is_none(), "git is missing, and CI is set");
        eprintln!("skipping: git is not installed");
        return;
    }
    let dir = tempfile::tempdir().expect("temporary directory");
    for name in ["crlf_line_endings", "windows_backtick_escape", "no_final_newline", "bom_alpine", "multistage_stage_chain"] {
        let file = format!("{name}.Dockerfile");
        let original = fs::read(Path::new(FIXTURES).join(&file)).expect("fixture");
        fs::write(dir.path().join(&file), &original).expect("write fixture");
        let result = common::run(&file, &String::from_utf8(original).expect("UTF-8"), "", FixMode::Unsafe);
        let patch = cinch::report::diff_all(std::slice::from_ref(&result));
        assert!(!patch.is_empty(), "{name}: the fix changes the file");
        let patch_path = dir.path().join(format!("{name}.patch"));
        fs::write(&patch_path, &patch).expect("write patch");
        let output = std::process::Command::new("git")
            .args(["apply", "-p1"])
            .arg(&patch_path)
            .current_dir(dir.path())
            .output()
            .expect("git runs");
        assert!(output.status.success(), "{name}: git apply failed: {}", String::from_utf8_lossy(&output.stderr));
        let applied = fs::read(dir.path().join(&file)).expect("patched file");
        assert_eq!(applied, result.fixed_bytes().expect("fixed bytes"), "{name}: git's result differs from cinch's");
    }
}

#[test]
fn entrypoint_script_in_subdirectory() {
    let dockerfile = "FROM alpine:3.20\nRUN apk add --no-cache su-exec\nWORKDIR /opt/sched\nCOPY scripts/ ./bin/\nENTRYPOINT [\"./bin/start.sh\"]\n";
    let script = "#!/bin/sh\nexec su-exec sched:sched /opt/sched/bin/scheduler\n";
    let others = [("services/sched/scripts/start.sh", script)];
    let result = common::run_in("services/sched/Dockerfile", dockerfile, "", FixMode::Unsafe, &others);
    assert_eq!(common::fixed_text(&result), dockerfile, "reported, not fixed");
    let rendered = common::render("services/sched/Dockerfile", dockerfile, "", FixMode::None, &others);
    assert!(rendered.contains("`su-exec`"), "{rendered}");
    assert!(rendered.contains("services/sched/scripts/start.sh"), "{rendered}");
}

#[test]
fn script_without_privilege_drop_is_fixed() {
    let dockerfile = "FROM debian:bookworm-slim\nCOPY start.sh /start.sh\nENTRYPOINT /start.sh\n";
    let others = [("start.sh", "#!/bin/sh\n# no gosu here\nexec /usr/bin/server\n")];
    let result = common::run_in("Dockerfile", dockerfile, "", FixMode::Unsafe, &others);
    assert!(common::fixed_text(&result).contains("USER 10001:10001\nENTRYPOINT /start.sh\n"));
}

#[test]
fn run_flags_are_not_commands() {
    let text = "FROM debian:bookworm\nRUN --mount=type=cache,target=/var/cache/apt mkdir -p /var/lib/shelf\nCMD [\"shelf\"]\n";
    assert!(report(text, &[]).contains("`/var/lib/shelf` is created by RUN as root"));
}

#[test]
fn base_entrypoint_switches_user() {
    let text = read_fixture("base_entrypoint_switches_user.Dockerfile");
    assert_eq!(check_fixture("base_entrypoint_switches_user", "", &[]), text, "reported, not fixed");
    // With an ENTRYPOINT of its own, the image is an ordinary Debian base.
    let own = "FROM postgres:16\nENTRYPOINT [\"/usr/local/bin/backup\"]\n";
    assert_ne!(fix(own), own);
}

#[test]
fn rule_documentation_parses() {
    let parsed = cinch::catalog::parse_all();
    let (_, doc) = parsed.iter().find(|(stem, _)| *stem == "DKR001").expect("transforms/DKR001.toml is embedded");
    let doc = doc.as_ref().expect("transforms/DKR001.toml parses");
    assert_eq!(doc.id, "DKR001");
    assert_eq!(doc.format, cinch::rule::FileKind::Dockerfile.name());
    assert_eq!(doc.fix, "review");
    assert_eq!(cinch::rule::Format::rule_ids(&cinch::formats::dockerfile::DockerfileFormat), vec!["DKR001"]);
}

#[test]
fn earlier_nonroot_user_is_reused() {
    let text = "FROM registry.example.internal/base:2\nUSER svc\nRUN make\nUSER root\nRUN apt-get update\nCMD [\"svc\"]\n";
    let fixed = fix(text);
    assert!(fixed.ends_with("RUN apt-get update\nUSER svc\nCMD [\"svc\"]\n"), "{fixed}");
}

#[test]
fn stage_name_shadows_image() {
    // `FROM node` after a stage named `node` builds on that stage, not on the node image.
    let text = "FROM debian:bookworm AS node\nRUN useradd -u 2500 -N runner\nFROM node\nCMD [\"run\"]\n";
    let fixed = fix(text);
    assert!(fixed.ends_with("FROM node\nUSER 2500\nCMD [\"run\"]\n"), "{fixed}");
}

#[test]
fn arg_names_a_stage() {
    let text = "ARG FINAL=hardened\nFROM alpine:3.20 AS hardened\nRUN adduser -S -D -u 3100 web\nUSER 3100\nFROM ${FINAL}\nCMD [\"web\"]\n";
    let result = common::run("Dockerfile", text, "", FixMode::Unsafe);
    assert!(result.remaining.is_empty(), "the final stage inherits USER 3100");
    assert_eq!(common::fixed_text(&result), text);
}

#[test]
fn windows_administrator_user() {
    let text = "# escape=`\nFROM mcr.microsoft.com/windows/nanoserver:ltsc2022\nUSER ContainerAdministrator\nCMD [\"cmd\", \"/c\", \"echo\"]\n";
    let fixed = fix(text);
    assert!(fixed.contains("\nUSER ContainerUser\nCMD"), "{fixed}");
    assert!(!fixed.contains("ContainerAdministrator"), "{fixed}");
}

#[test]
fn indented_instructions() {
    let text = "FROM alpine:3.20\n  RUN apk add --no-cache curl\n  CMD [\"curl\"]\n";
    let fixed = fix(text);
    assert!(fixed.contains("\n  RUN addgroup -S -g 10001 app \\\n      && adduser"), "{fixed}");
    assert!(fixed.contains("\n  USER 10001:10001\n  CMD"), "{fixed}");
}

#[test]
fn root_user_from_build_arguments() {
    // A stage's `ARG UID` takes the global default, so USER resolves to 0:0.
    let text = "ARG UID=0\nARG GID=0\nFROM python:3.12-slim\nARG UID\nARG GID\nRUN if [ $UID -ne 0 ]; then adduser --uid $UID --disabled-password app; fi\nUSER $UID:$GID\nCMD [\"serve\"]\n";
    let result = common::run("Dockerfile", text, "", FixMode::Unsafe);
    assert_eq!(common::fixed_text(&result), text, "reported, not fixed");
    assert_eq!(result.remaining.len(), 1);
    let rendered = report(text, &[]);
    assert!(rendered.contains("default values of its build arguments"), "{rendered}");
}

#[test]
fn user_ids_from_build_arguments() {
    let text = "FROM debian:bookworm\nARG APP_UID=7000\nRUN useradd -u ${APP_UID} -N worker\nCMD [\"work\"]\n";
    let fixed = fix(text);
    assert!(fixed.contains("\nUSER 7000\nCMD"), "{fixed}");
}

#[test]
fn unknown_windows_base() {
    let text = "# escape=`\nARG CONTAINER_IMAGE\nFROM ${CONTAINER_IMAGE}\nWORKDIR C:\\build\nCOPY bootstrap.ps1 .\nRUN ./bootstrap.ps1\nCMD [\"ci\"]\n";
    let fixed = fix(text);
    assert!(fixed.contains("\nUSER ContainerUser\nCMD"), "{fixed}");
    let shell_only = "FROM registry.example.internal/winbase:1\nSHELL [\"powershell\", \"-Command\"]\nCMD [\"app.exe\"]\n";
    assert!(fix(shell_only).contains("\nUSER ContainerUser\nCMD"));
}

#[test]
fn continuation_with_comments() {
    // Without the entrypoint script in the project, the fix reuses the user the file creates.
    let fixed = check_fixture("continuation_with_comments", "", &[]);
    assert!(fixed.contains("COPY quarry-entrypoint.sh quarry-healthcheck.sh /usr/local/bin/\nUSER 970:970\nENTRYPOINT"), "{fixed}");

    // With it, the `setpriv` step-down is found and the finding is only reported.
    let text = read_fixture("continuation_with_comments.Dockerfile");
    let script = read_fixture("quarry-entrypoint.sh");
    let others = [("quarry-entrypoint.sh", script.as_str())];
    let result = common::run_in("Dockerfile", &text, "", FixMode::Unsafe, &others);
    assert_eq!(common::fixed_text(&result), text);
    assert!(report(&text, &others).contains("`setpriv`"));
}

#[test]
fn volume_paths_are_named() {
    let text = "FROM debian:bookworm\nRUN apt-get update\nVOLUME [\"/var/lib/tally\"]\nCMD [\"tally\"]\n";
    let rendered = report(text, &[]);
    assert!(rendered.contains("`/var/lib/tally` is a VOLUME"), "{rendered}");
    let chowned = "FROM debian:bookworm\nRUN mkdir -p /var/lib/tally && chown 10001 /var/lib/tally\nVOLUME /var/lib/tally\nCMD [\"tally\"]\n";
    assert!(!report(chowned, &[]).contains("/var/lib/tally"), "a chown'd path needs no note");
}

#[test]
fn file_suppression_after_directives() {
    let text = "# syntax=docker/dockerfile:1\n# cinch: ignore-file[DKR001] the init container must run as root\nFROM debian:bookworm\nCMD [\"init\"]\n";
    let parsed = parser::parse(text).expect("parses");
    assert_eq!(parsed.pieces[0].kind, parser::PieceKind::Directive);
    assert_eq!(parsed.pieces[1].kind, parser::PieceKind::Comment, "the suppression is a comment, not a directive");
    let result = common::run("Dockerfile", text, "", FixMode::Unsafe);
    assert!(result.remaining.is_empty());
    assert_eq!(common::fixed_text(&result), text);
}
