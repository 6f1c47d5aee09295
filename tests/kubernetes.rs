//! Kubernetes manifests: fixtures with snapshots of their findings and diffs, a comparison of
//! every fixed document with its original, and a run over real manifests.

mod common;

use std::path::Path;

use cinch::engine::FixMode;
use yaml_rust2::{Yaml, YamlLoader};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/kubernetes");

fn fixture(name: &str) -> String {
    let path = Path::new(FIXTURES).join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

const UID_CONFIG: &str = "[user]\nuid = 10001\ngid = 10001\n";

/// Runs a fixture, checks the invariants and the tree comparison, and returns the fixed text.
fn fix(path: &str, text: &str, config: &str, mode: FixMode, others: &[(&str, &str)]) -> String {
    common::assert_invariants(path, text, config, mode, others);
    let result = common::run_in(path, text, config, mode, others);
    let fixed = common::fixed_text(&result);
    assert_only_additions(path, text, &fixed);
    fixed
}

fn snapshot(name: &str, path: &str, text: &str, config: &str, mode: FixMode, others: &[(&str, &str)]) -> String {
    let fixed = fix(path, text, config, mode, others);
    assert_fixture_snapshot!(format!("kubernetes_{name}"), common::render(path, text, config, mode, others));
    fixed
}

#[test]
fn case_tmp_emptydir_appended() {
    let text = fixture("tmp_emptydir.yaml");
    let config = "[rules]\nselect = [\"K8S005\"]\n";
    let fixed = snapshot("tmp_emptydir", "deploy/renderer.yaml", &text, config, FixMode::Unsafe, &[]);
    assert_eq!(fixed, fixture("tmp_emptydir.expected"));
}

#[test]
fn case_init_containers_get_container_fields() {
    let text = fixture("init_containers.yaml");
    let config = format!("{UID_CONFIG}[rules]\nselect = [\"K8S001\", \"K8S002\", \"K8S003\", \"K8S004\"]\n");
    let fixed = snapshot("init_containers", "db/statefulset.yaml", &text, &config, FixMode::Unsafe, &[]);
    assert_eq!(fixed, fixture("init_containers.expected"));
}

#[test]
fn case_bound_service_account_left_alone() {
    let text = fixture("bound_service_account.yaml");
    let config = "[rules]\nselect = [\"K8S006\"]\n";
    let fixed = snapshot("bound_service_account", "ops/bundle.yaml", &text, config, FixMode::Unsafe, &[]);
    assert_eq!(fixed, fixture("bound_service_account.expected"));
    let checked = common::run("ops/bundle.yaml", &text, config, FixMode::None);
    let reported_only: Vec<_> = checked.remaining.iter().filter(|d| d.finding.fix.is_none()).collect();
    assert_eq!(reported_only.len(), 1, "{:?}", checked.remaining);
    assert!(reported_only[0].finding.message.contains("backup-operator"));
}

#[test]
fn case_anchor_edited_once() {
    let text = fixture("anchors.yaml");
    let config = "[rules]\nselect = [\"K8S003\"]\n";
    let fixed = snapshot("anchors", "api/deployment.yaml", &text, config, FixMode::Safe, &[]);
    assert_eq!(fixed, fixture("anchors.expected"));
}

/// Messages and fix presence of the remaining findings of one rule, in file order.
fn findings_of(result: &cinch::engine::FileResult, rule: &str) -> Vec<(String, bool, Vec<String>)> {
    result
        .remaining
        .iter()
        .filter(|d| d.finding.rule == rule)
        .map(|d| (d.finding.message.clone(), d.finding.fix.is_some(), d.finding.notes.clone()))
        .collect()
}

#[test]
fn merged_anchor_with_privileged_user_is_not_edited() {
    let text = fixture("merge_privileged.yaml");
    let config = "[rules]\nselect = [\"K8S003\"]\n";
    let fixed = snapshot("merge_privileged", "node/tools.yaml", &text, config, FixMode::Unsafe, &[]);
    assert_eq!(fixed, text, "no edit may go into the anchored securityContext");
    let checked = common::run("node/tools.yaml", &text, config, FixMode::None);
    let shell = findings_of(&checked, "K8S003").into_iter().find(|(m, _, _)| m.contains("`shell`")).expect("shell reported");
    assert!(!shell.1, "{shell:?}");
    assert!(shell.2.iter().any(|n| n.contains("`*shared` on line 19") && n.contains("privileged")), "{shell:?}");
}

#[test]
fn anchor_shared_by_plain_containers_is_edited() {
    let text = fixture("merge_privileged.yaml").replace("      privileged: true\n", "      readOnlyRootFilesystem: true\n");
    let config = "[rules]\nselect = [\"K8S003\"]\n";
    let fixed = fix("node/tools.yaml", &text, config, FixMode::Safe, &[]);
    // `mounter` gets its own line too: its merge key had no value for the key when checked.
    assert_eq!(fixed.matches("allowPrivilegeEscalation: false").count(), 2, "{fixed}");
    assert!(fixed.contains("&shared\n      runAsUser: 1000\n      allowPrivilegeEscalation: false\n"), "{fixed}");
}

#[test]
fn shared_context_without_tmp_mount() {
    let text = fixture("shared_security_context.yaml");
    let config = "[rules]\nselect = [\"K8S005\"]\n";
    let fixed = snapshot("shared_security_context", "apps/pair.yaml", &text, config, FixMode::Unsafe, &[]);
    assert_eq!(fixed, text);
    let checked = common::run("apps/pair.yaml", &text, config, FixMode::None);
    let findings = findings_of(&checked, "K8S005");
    assert_eq!(findings.len(), 2, "{findings:?}");
    assert!(findings.iter().all(|(_, fixable, notes)| !fixable && notes.iter().any(|n| n.contains("no `/tmp` mount"))), "{findings:?}");
}

#[test]
fn shared_value_reported_once() {
    let text = fixture("shared_security_context.yaml");
    let config = format!("{UID_CONFIG}[rules]\nselect = [\"K8S001\"]\n");
    let checked = common::run("apps/pair.yaml", &text, &config, FixMode::None);
    let explicit: Vec<_> = findings_of(&checked, "K8S001").into_iter().filter(|(m, _, _)| m.contains("`runAsUser: 0`")).collect();
    assert_eq!(explicit.len(), 1, "{explicit:?}");
    let fixable = checked.remaining.iter().filter(|d| d.finding.fix.is_some()).count();
    let result = common::run("apps/pair.yaml", &text, &config, FixMode::Unsafe);
    assert_eq!(result.fixed_findings.len(), fixable, "{:?}", result.fixed_findings);
}

#[test]
fn each_document_keeps_its_indentation() {
    let narrow = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: narrow\nspec:\n  containers:\n  - name: app\n    image: registry.example/app:1\n";
    let wide = "apiVersion: v1\nkind: Pod\nmetadata:\n    name: wide\nspec:\n    containers:\n        -   name: app\n            image: registry.example/app:1\n            ports:\n                -   containerPort: 80\n";
    let text = format!("{narrow}---\n{wide}");
    let config = "[rules]\nselect = [\"K8S005\"]\n";
    let fixed = fix("apps/mixed.yaml", &text, config, FixMode::Unsafe, &[]);
    assert!(fixed.contains("  volumes:\n  - name: tmp\n    emptyDir: {}\n---\n"), "{fixed}");
    assert!(fixed.contains("    volumes:\n        -   name: tmp\n            emptyDir: {}\n"), "{fixed}");
}

#[test]
fn minified_json_empty_list_stays_tight() {
    let text = r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"m"},"spec":{"containers":[{"name":"a","image":"x"}],"volumes":[]}}"#;
    let config = "[rules]\nselect = [\"K8S005\"]\n";
    let fixed = fix("apps/mini.json", text, config, FixMode::Unsafe, &[]);
    assert!(fixed.contains(r#""volumes":[{"name":"tmp","emptyDir":{}}]"#), "{fixed}");
}

#[test]
fn pretty_json_empty_context_filled_over_lines() {
    let text = "{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"Pod\",\n  \"metadata\": {\"name\": \"p\"},\n  \"spec\": {\n    \"automountServiceAccountToken\": false,\n    \"securityContext\": {},\n    \"containers\": [{\"name\": \"a\", \"image\": \"x\"}]\n  }\n}\n";
    let config = "[rules]\nselect = [\"K8S002\"]\n";
    let fixed = fix("apps/pretty.json", text, config, FixMode::Safe, &[]);
    let expected = "    \"securityContext\": {\n      \"seccompProfile\": {\n        \"type\": \"RuntimeDefault\"\n      }\n    },\n";
    assert!(fixed.contains(expected), "{fixed}");
}

#[test]
fn yaml_1_1_scalars_read_as_kubernetes_does() {
    let text = fixture("yaml11_values.yaml");
    let fixed = snapshot("yaml11_values", "apps/legacy.yaml", &text, UID_CONFIG, FixMode::Unsafe, &[]);
    assert!(!fixed.contains("privileged: yes\n          allowPrivilegeEscalation"), "{fixed}");
    let checked = common::run("apps/legacy.yaml", &text, UID_CONFIG, FixMode::None);
    let privileged = findings_of(&checked, "K8S007");
    assert_eq!(privileged.len(), 1, "{privileged:?}");
    assert!(privileged[0].0.contains("`agent`"), "{privileged:?}");
    let root = findings_of(&checked, "K8S001");
    let hex_root = root.iter().find(|(m, _, _)| m.contains("`runAsUser: 0x0`")).expect("0x0 read as root");
    assert!(hex_root.1, "{hex_root:?}");
    assert!(root.iter().any(|(m, _, _)| m.contains("`runAsNonRoot: false`")), "{root:?}");
    let escalation = findings_of(&checked, "K8S003");
    let worker = escalation.iter().find(|(m, _, _)| m.contains("`worker`")).expect("worker reported");
    assert!(worker.0.contains("`allowPrivilegeEscalation: true`"), "{worker:?}");
    let probe = escalation.iter().find(|(m, _, _)| m.contains("`probe`")).expect("probe reported");
    assert!(!probe.1, "{probe:?}");
}

#[test]
fn string_tagged_boolean_is_unknown() {
    let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: s\nspec:\n  containers:\n  - name: app\n    image: x\n    securityContext:\n      privileged: !!str true\n";
    let config = "[rules]\nselect = [\"K8S003\"]\n";
    let checked = common::run("apps/s.yaml", text, config, FixMode::None);
    let findings = findings_of(&checked, "K8S003");
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert!(!findings[0].1, "{findings:?}");
    assert!(findings[0].2.iter().any(|n| n.contains("not a boolean")), "{findings:?}");
}

#[test]
fn tagged_null_gets_no_fix() {
    let text = fixture("tagged_null.yaml");
    let fixed = snapshot("tagged_null", "apps/tagged.yaml", &text, UID_CONFIG, FixMode::Unsafe, &[]);
    assert!(fixed.contains("  securityContext: !!null\n  automountServiceAccountToken: false\n"), "{fixed}");
    assert!(fixed.ends_with("    securityContext: !!null\n"), "{fixed}");
    let broken = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  securityContext: !!null\n    runAsNonRoot: true\n";
    let result = common::run("apps/broken.yaml", broken, "", FixMode::None);
    assert!(format!("{:?}", result.problems).contains("`!!null`"), "{:?}", result.problems);
}

#[test]
fn legacy_seccomp_annotation_blocks_the_field() {
    let text = fixture("seccomp_annotation.yaml");
    let config = "[rules]\nselect = [\"K8S002\"]\n";
    let fixed = snapshot("seccomp_annotation", "apps/tracer.yaml", &text, config, FixMode::Unsafe, &[]);
    assert_eq!(fixed.matches("RuntimeDefault").count(), 1, "{fixed}");
    let checked = common::run("apps/tracer.yaml", &text, config, FixMode::None);
    let findings = findings_of(&checked, "K8S002");
    assert_eq!(findings.iter().filter(|(m, fixable, _)| m.contains("legacy annotation") && !fixable).count(), 2, "{findings:?}");
}

#[test]
fn quoted_duplicate_key_is_an_error() {
    let result = common::run("apps/twice.yaml", &fixture("quoted_duplicate.yaml"), "", FixMode::None);
    let problems = format!("{:?}", result.problems);
    assert!(problems.contains("duplicate key `runAsNonRoot`"), "{problems}");
}

#[test]
fn flow_close_at_key_column_is_named() {
    let result = common::run("apps/args.yaml", &fixture("flow_close_left.yaml"), "", FixMode::None);
    let problems = format!("{:?}", result.problems);
    assert!(problems.contains("closing `]` on line 11"), "{problems}");
}

const KUSTOMIZATION: &str = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- ../base\npatches:\n- path: ./shop-patch.yaml\n";

#[test]
fn kustomize_patch_is_reported_only() {
    let text = fixture("kustomize_patch.yaml");
    let others = [("overlays/prod/kustomization.yaml", KUSTOMIZATION)];
    let fixed = snapshot("kustomize_patch", "overlays/prod/shop-patch.yaml", &text, UID_CONFIG, FixMode::Unsafe, &others);
    assert_eq!(fixed, text);
    let checked = common::run_in("overlays/prod/shop-patch.yaml", &text, UID_CONFIG, FixMode::None, &others);
    assert!(!checked.remaining.is_empty());
    assert!(checked.remaining.iter().all(|d| d.finding.fix.is_none()), "{:?}", checked.remaining);
    assert!(checked.remaining.iter().all(|d| !d.finding.message.contains("debug-sidecar")), "{:?}", checked.remaining);
    // Without the kustomization, the same file gets fixes.
    let alone = common::run("overlays/prod/shop-patch.yaml", &text, UID_CONFIG, FixMode::None);
    assert!(alone.remaining.iter().any(|d| d.finding.fix.is_some()));
}

#[test]
fn kustomization_without_kind_is_read() {
    let text = fixture("kustomize_patch.yaml");
    let kustomization = "patchesStrategicMerge:\n- shop-patch.yaml\n";
    let others = [("overlays/dev/kustomization.yml", kustomization)];
    let checked = common::run_in("overlays/dev/shop-patch.yaml", &text, UID_CONFIG, FixMode::None, &others);
    assert!(!checked.remaining.is_empty());
    assert!(checked.remaining.iter().all(|d| d.finding.fix.is_none()), "{:?}", checked.remaining);
    assert!(cinch::formats::is_context_file(Path::new("overlays/dev/Kustomization")));
    assert_eq!(cinch::formats::kind_for_path(Path::new("overlays/dev/kustomization.yaml")), None);
}

#[test]
fn deleted_container_is_not_edited() {
    let text = fixture("deleted_container.yaml");
    let fixed = fix("apps/patch.yaml", &text, UID_CONFIG, FixMode::Unsafe, &[]);
    assert_eq!(fixed, text);
}

const ALL_RULES_UID: &str = UID_CONFIG;

fn problems(result: &cinch::engine::FileResult) -> String {
    format!("{:?}", result.problems)
}

#[test]
fn cronjob_pod_spec_found() {
    let text = fixture("cronjob.yaml");
    let fixed = snapshot("cronjob", "jobs/report.yaml", &text, ALL_RULES_UID, FixMode::Unsafe, &[]);
    assert!(fixed.contains("          securityContext:\n            runAsNonRoot: true\n"), "{fixed}");
    assert!(fixed.contains("            securityContext:\n              allowPrivilegeEscalation: false\n"), "{fixed}");
}

#[test]
fn list_items_checked() {
    let text = fixture("list.yaml");
    let fixed = snapshot("list", "debug/list.yaml", &text, ALL_RULES_UID, FixMode::Unsafe, &[]);
    assert!(fixed.contains("  data:\n    motd: hello\n"), "the ConfigMap item changed:\n{fixed}");
}

#[test]
fn json_manifest_stays_json() {
    let text = fixture("manifest.json");
    let fixed = snapshot("json", "deploy/geo.json", &text, ALL_RULES_UID, FixMode::Unsafe, &[]);
    let parsed: serde_json::Value = serde_json::from_str(&fixed).unwrap_or_else(|e| panic!("not JSON: {e}\n{fixed}"));
    let container = &parsed["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["securityContext"]["allowPrivilegeEscalation"], serde_json::Value::Bool(false));
    assert_eq!(container["securityContext"]["capabilities"]["drop"][0], "ALL");
    assert_eq!(parsed["spec"]["template"]["spec"]["securityContext"]["seccompProfile"]["type"], "RuntimeDefault");
    assert_eq!(container["volumeMounts"][0]["mountPath"], "/tmp");
}

#[test]
fn json_tabs_and_minified_copied() {
    let tabs = snapshot("json_tabs", "deploy/tabs.json", &fixture("tabs.json"), ALL_RULES_UID, FixMode::Unsafe, &[]);
    assert!(tabs.contains("\t\t\t\t\"securityContext\": {\n\t\t\t\t\t\"allowPrivilegeEscalation\": false,\n"), "{tabs}");
    serde_json::from_str::<serde_json::Value>(&tabs).unwrap_or_else(|e| panic!("not JSON: {e}\n{tabs}"));
    let minified = snapshot("json_minified", "deploy/mini.json", &fixture("minified.json"), ALL_RULES_UID, FixMode::Unsafe, &[]);
    assert!(!minified.contains(": "), "{minified}");
    assert!(!minified.contains(", "), "{minified}");
    assert!(!minified.contains('\n'), "{minified}");
    serde_json::from_str::<serde_json::Value>(&minified).unwrap_or_else(|e| panic!("not JSON: {e}\n{minified}"));
}

#[test]
fn crlf_line_endings_kept() {
    let text = fixture("tmp_emptydir.yaml").replace('\n', "\r\n");
    let config = "[rules]\nselect = [\"K8S005\"]\n";
    let fixed = fix("deploy/renderer.yaml", &text, config, FixMode::Unsafe, &[]);
    assert_eq!(fixed, fixture("tmp_emptydir.expected").replace('\n', "\r\n"));
}

#[test]
fn bom_kept_and_ignored() {
    let text = format!("\u{feff}{}", fixture("cronjob.yaml"));
    let result = common::run("jobs/report.yaml", &text, ALL_RULES_UID, FixMode::Unsafe);
    assert!(!result.has_error(), "{}", problems(&result));
    let bytes = result.fixed_bytes().expect("fixed");
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let without_bom = String::from_utf8(bytes[3..].to_vec()).expect("UTF-8");
    let lf = common::run("jobs/report.yaml", &fixture("cronjob.yaml"), ALL_RULES_UID, FixMode::Unsafe);
    assert_eq!(without_bom, common::fixed_text(&lf));
    common::assert_invariants("jobs/report.yaml", &text, ALL_RULES_UID, FixMode::Unsafe, &[]);
}

#[test]
fn four_space_indentation_copied() {
    let text = fixture("four_space.yaml");
    let fixed = snapshot("four_space", "mail/deployment.yaml", &text, ALL_RULES_UID, FixMode::Unsafe, &[]);
    assert!(fixed.contains("        spec:\n            securityContext:\n                runAsNonRoot: true\n"), "{fixed}");
    assert!(fixed.contains("                    securityContext:\n                        allowPrivilegeEscalation: false\n"), "{fixed}");
    assert!(fixed.contains("                        -   name: tmp\n                            mountPath: /tmp\n"), "{fixed}");
}

#[test]
fn flow_security_context_merged() {
    let text = fixture("flow_security_context.yaml");
    let fixed = snapshot("flow_security_context", "probe/pod.yaml", &text, ALL_RULES_UID, FixMode::Unsafe, &[]);
    assert!(fixed.contains("  securityContext: {fsGroup: 1000, runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, seccompProfile: {type: RuntimeDefault}}\n"), "{fixed}");
    assert!(fixed.contains("capabilities: {add: [NET_RAW], drop: [\"ALL\"]}"), "{fixed}");
}

#[test]
fn multi_document_order_kept() {
    let text = fixture("multi_document.yaml");
    let fixed = snapshot("multi_document", "cache/all.yaml", &text, ALL_RULES_UID, FixMode::Unsafe, &[]);
    let untouched_end = text.find("# The cache itself.").expect("marker");
    assert_eq!(&fixed[..untouched_end], &text[..untouched_end]);
    assert!(fixed.ends_with("          # more settings come from the ConfigMap\n\n---\n"), "{fixed}");
}

#[test]
fn helm_template_skipped() {
    for name in ["helm_template.yaml", "helm_parses.yaml"] {
        let result = common::run(&format!("chart/templates/{name}"), &fixture(name), "", FixMode::Unsafe);
        let message = problems(&result);
        assert!(!result.has_error(), "{name}: {message}");
        assert!(message.contains("Skip"), "{name}: {message}");
        assert!(message.contains("Helm or other template"), "{name}: {message}");
        assert!(result.fixed.is_none());
    }
}

#[test]
fn alerting_rule_processed() {
    let text = fixture("alerting_rule.yaml");
    let fixed = snapshot("alerting_rule", "monitoring/rules.yaml", &text, ALL_RULES_UID, FixMode::Unsafe, &[]);
    let second_document = text.find("---").expect("separator");
    assert_eq!(&fixed[..second_document], &text[..second_document]);
    assert!(fixed.contains("allowPrivilegeEscalation: false"), "{fixed}");
}

#[test]
fn windows_pod_reported_only() {
    let text = fixture("windows_pod.yaml");
    snapshot("windows_pod", "agents/windows.yaml", &text, ALL_RULES_UID, FixMode::Unsafe, &[]);
    let result = common::run("agents/windows.yaml", &text, ALL_RULES_UID, FixMode::Unsafe);
    let fixed = common::fixed_text(&result);
    for field in ["runAsUser", "seccompProfile", "capabilities", "allowPrivilegeEscalation", "readOnlyRootFilesystem"] {
        assert!(!fixed.contains(field), "{field} added to a Windows pod:\n{fixed}");
    }
    assert!(fixed.contains("automountServiceAccountToken: false"), "{fixed}");
    let rules: Vec<&str> = result.remaining.iter().map(|d| d.finding.rule).collect();
    for rule in ["K8S001", "K8S002", "K8S003", "K8S004", "K8S005"] {
        assert!(rules.contains(&rule), "{rule} missing from {rules:?}");
    }
}

#[test]
fn explicit_settings_review_only() {
    let text = fixture("explicit_settings.yaml");
    snapshot("explicit_settings", "node/tuner.yaml", &text, ALL_RULES_UID, FixMode::Unsafe, &[]);
    let safe = common::run("node/tuner.yaml", &text, ALL_RULES_UID, FixMode::Safe);
    let fixed = common::fixed_text(&safe);
    assert!(fixed.contains("        runAsUser: 0\n"), "a safe run changed runAsUser: 0:\n{fixed}");
    assert!(fixed.contains("type: Unconfined"), "{fixed}");
    let unsafe_run = common::run("node/tuner.yaml", &text, ALL_RULES_UID, FixMode::Unsafe);
    let remaining: Vec<(&str, &str)> = unsafe_run.remaining.iter().map(|d| (d.finding.rule, d.finding.message.as_str())).collect();
    assert!(remaining.iter().any(|(rule, m)| *rule == "K8S007" && m.contains("tuner")), "{remaining:?}");
    assert!(remaining.iter().any(|(rule, m)| *rule == "K8S003" && m.contains("mounter")), "{remaining:?}");
    assert!(remaining.iter().any(|(rule, m)| *rule == "K8S003" && m.contains("tuner")), "{remaining:?}");
}

#[test]
fn tmp_volume_names_untaken() {
    let text = fixture("tmp_names.yaml");
    let config = "[rules]\nselect = [\"K8S005\"]\n";
    let fixed = snapshot("tmp_names", "upload/pod.yaml", &text, config, FixMode::Unsafe, &[]);
    assert!(fixed.contains("    - name: tmp-1\n      emptyDir: {}\n"), "{fixed}");
    assert_eq!(fixed.matches("mountPath: /tmp\n").count(), 1, "{fixed}");
}

#[test]
fn block_scalar_ends_found() {
    let text = fixture("block_scalars.yaml");
    let fixed = snapshot("block_scalars", "jobs/migrate.yaml", &text, ALL_RULES_UID, FixMode::Unsafe, &[]);
    assert!(fixed.contains("            keep trailing lines\n\n          securityContext:\n"), "{fixed}");
    assert!(fixed.contains("            after migrating\n          securityContext:\n"), "{fixed}");
}

#[test]
fn null_security_context_filled() {
    let text = fixture("null_security_context.yaml");
    snapshot("null_security_context", "echo/pod.yaml", &text, ALL_RULES_UID, FixMode::Unsafe, &[]);
}

#[test]
fn comments_stay_attached() {
    let text = fixture("comments.yaml");
    let fixed = snapshot("comments", "search/indexer.yaml", &text, ALL_RULES_UID, FixMode::Unsafe, &[]);
    assert!(fixed.contains("      automountServiceAccountToken: false\n      # The containers, in start order.\n      containers:\n"), "{fixed}");
    assert!(fixed.contains("            readOnlyRootFilesystem: true\n            # runAsUser: 1000 is set by the image\n"), "{fixed}");
    assert!(fixed.ends_with("          emptyDir: {}\n\n      # Volumes follow.\n"), "{fixed}");
}

#[test]
fn pod_level_container_fields_ignored() {
    let text = fixture("pod_level_container_fields.yaml");
    let fixed = snapshot("pod_level_container_fields", "misplaced/pod.yaml", &text, ALL_RULES_UID, FixMode::Unsafe, &[]);
    assert!(fixed.contains("      securityContext:\n        allowPrivilegeEscalation: false\n"), "{fixed}");
    let checked = common::run("misplaced/pod.yaml", &text, ALL_RULES_UID, FixMode::None);
    for rule in ["K8S003", "K8S004", "K8S005"] {
        let finding = checked.remaining.iter().find(|d| d.finding.rule == rule).unwrap_or_else(|| panic!("{rule} missing"));
        assert!(finding.finding.notes.iter().any(|n| n.contains("exists only on containers")), "{rule}: {:?}", finding.finding.notes);
    }
}

#[test]
fn lists_only_containers() {
    let text = fixture("lists_only.yaml");
    let fixed = snapshot("lists_only", "lists/pod.yaml", &text, ALL_RULES_UID, FixMode::Unsafe, &[]);
    assert!(fixed.contains("  containers:\n  - securityContext:\n      allowPrivilegeEscalation: false\n"), "{fixed}");
    assert!(fixed.contains("    envFrom:\n      - configMapRef: {name: shared}\n    volumeMounts:\n      - name: tmp\n"), "{fixed}");
}

#[test]
fn merge_key_containers() {
    let text = fixture("merge_keys.yaml");
    snapshot("merge_keys", "workers/pod.yaml", &text, ALL_RULES_UID, FixMode::Unsafe, &[]);
}

#[test]
fn service_account_object_fixed() {
    let text = fixture("service_account.yaml");
    let fixed = snapshot("service_account", "reports/sa.yaml", &text, "", FixMode::Unsafe, &[]);
    assert!(fixed.ends_with("  namespace: reports\nautomountServiceAccountToken: false\n"), "{fixed}");
    let binding = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: read\nsubjects:\n- kind: ServiceAccount\n  name: report-reader\n  namespace: reports\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}\n";
    let bound = common::run_in("reports/sa.yaml", &text, "", FixMode::Unsafe, &[("reports/binding.yaml", binding)]);
    assert!(bound.fixed.is_none(), "{:?}", bound.fixed);
    assert!(bound.remaining.is_empty(), "{:?}", bound.remaining);
    let elsewhere = common::run_in("reports/sa.yaml", &text, "", FixMode::Unsafe, &[("other/binding.yaml", binding)]);
    assert!(elsewhere.fixed.is_some(), "a binding in another directory counted");
}

#[test]
fn binding_in_sibling_file_counts() {
    let binding = "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: backup\nsubjects:\n  - kind: ServiceAccount\n    name: backup-operator\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: snapshot-writer}\n";
    let operator = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: operator\nspec:\n  serviceAccountName: backup-operator\n  containers:\n    - name: op\n      image: registry.example.internal/op:1\n";
    let files = [("ops/binding.yaml", binding), ("ops/operator.yaml", operator)];
    let project = common::project(&files);
    let settings = common::settings("[rules]\nselect = [\"K8S006\"]\n", "ops/operator.yaml");
    let format = cinch::formats::for_kind(cinch::rule::FileKind::Kubernetes);
    // The binding file is checked first, so the directory's facts are computed while it is the
    // current file; they must still count for the operator.
    for (path, text) in files {
        let source = cinch::source::SourceFile::new(path, text);
        let result = cinch::engine::process(format, source, &settings, &project, FixMode::Unsafe);
        assert!(result.fixed.is_none(), "{path} changed: {:?}", result.fixed);
    }
}

#[test]
fn binding_by_user_name_counts() {
    let text = fixture("service_account.yaml");
    let binding = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: read\nsubjects:\n- kind: User\n  name: system:serviceaccount:reports:report-reader\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}\n";
    let bound = common::run_in("reports/sa.yaml", &text, "", FixMode::Unsafe, &[("reports/binding.yaml", binding)]);
    assert!(bound.fixed.is_none(), "{:?}", bound.fixed);
    let other_namespace = binding.replace(":reports:", ":billing:");
    let unbound = common::run_in("reports/sa.yaml", &text, "", FixMode::Unsafe, &[("reports/binding.yaml", &other_namespace)]);
    assert!(unbound.fixed.is_some(), "a binding in another namespace counted");
}

#[test]
fn suppression_comment_honoured() {
    let text = fixture("suppressed.yaml");
    let result = common::run("legacy/pod.yaml", &text, "", FixMode::Unsafe);
    let rules: Vec<&str> = result.fixed_findings.iter().chain(&result.remaining).map(|d| d.finding.rule).collect();
    assert!(!rules.contains(&"K8S005"), "{rules:?}");
    assert!(rules.contains(&"K8S003"), "{rules:?}");
    common::assert_invariants("legacy/pod.yaml", &text, "", FixMode::Unsafe, &[]);
}

#[test]
fn non_kubernetes_yaml_skipped() {
    let result = common::run("ci/workflow.yaml", &fixture("not_kubernetes.yaml"), "", FixMode::Unsafe);
    let message = problems(&result);
    assert!(!result.has_error(), "{message}");
    assert!(message.contains("not a Kubernetes manifest"), "{message}");
}

#[test]
fn invalid_yaml_is_parse_error() {
    let result = common::run("broken/pod.yaml", &fixture("invalid.yaml"), "", FixMode::Unsafe);
    let message = problems(&result);
    assert!(result.has_error(), "{message}");
    assert!(message.contains("cannot parse"), "{message}");
}

#[test]
fn fs_group_from_config() {
    let text = fixture("cronjob.yaml");
    let config = format!("{UID_CONFIG}[kubernetes]\nfs_group = 3000\n");
    let fixed = fix("jobs/report.yaml", &text, &config, FixMode::Safe, &[]);
    assert!(fixed.contains("runAsGroup: 10001\n            fsGroup: 3000\n            fsGroupChangePolicy: OnRootMismatch\n"), "{fixed}");
}

#[test]
fn uid_config_decides_safety() {
    let text = fixture("cronjob.yaml");
    let default_uid = common::run("jobs/report.yaml", &text, "", FixMode::Safe);
    assert!(!common::fixed_text(&default_uid).contains("runAsUser"), "K8S001 applied as safe without user.uid");
    let explicit_uid = common::run("jobs/report.yaml", &text, UID_CONFIG, FixMode::Safe);
    assert!(common::fixed_text(&explicit_uid).contains("runAsUser: 10001"));
}

#[test]
fn read_only_root_filesystem_setting() {
    let text = fixture("tmp_emptydir.yaml");
    let on = common::run("deploy/renderer.yaml", &text, "[kubernetes]\nread_only_root_filesystem = true\n", FixMode::Safe);
    assert!(common::fixed_text(&on).contains("readOnlyRootFilesystem: true"));
    let off = common::run("deploy/renderer.yaml", &text, "[kubernetes]\nread_only_root_filesystem = false\n", FixMode::Unsafe);
    assert!(off.fixed_findings.iter().chain(&off.remaining).all(|d| d.finding.rule != "K8S005"));
    let default = common::run("deploy/renderer.yaml", &text, "", FixMode::Safe);
    assert!(!common::fixed_text(&default).contains("readOnlyRootFilesystem"));
}

/// Every fixture keeps the invariants under every mode and the tree comparison holds.
#[test]
fn fixtures_keep_invariants() {
    let skipped = ["helm_template.yaml", "helm_parses.yaml", "not_kubernetes.yaml", "invalid.yaml", "flow_close_left.yaml", "quoted_duplicate.yaml"];
    let mut names: Vec<String> = std::fs::read_dir(FIXTURES)
        .expect("fixtures")
        .map(|e| e.expect("entry").file_name().to_string_lossy().to_string())
        .filter(|name| (name.ends_with(".yaml") || name.ends_with(".json")) && !skipped.contains(&name.as_str()))
        .collect();
    names.sort();
    assert!(names.len() >= 15, "{names:?}");
    for name in names {
        let text = fixture(&name);
        for config in ["", UID_CONFIG] {
            for mode in [FixMode::Safe, FixMode::Unsafe] {
                fix(&format!("fixtures/{name}"), &text, config, mode, &[]);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Tree comparison: a fixed document loads to its original plus the keys and items rules add.

/// Keys that the rules add to mappings.
const ADDED_KEYS: &[&str] = &[
    "securityContext",
    "runAsNonRoot",
    "runAsUser",
    "runAsGroup",
    "fsGroup",
    "fsGroupChangePolicy",
    "seccompProfile",
    "type",
    "allowPrivilegeEscalation",
    "capabilities",
    "drop",
    "readOnlyRootFilesystem",
    "volumeMounts",
    "volumes",
    "automountServiceAccountToken",
];

/// Keys whose explicit value a review-level fix may change.
const CHANGED_KEYS: &[&str] = &["runAsUser", "runAsNonRoot", "type", "allowPrivilegeEscalation", "readOnlyRootFilesystem"];

fn assert_only_additions(path: &str, original: &str, fixed: &str) {
    let original_docs = YamlLoader::load_from_str(original.trim_start_matches('\u{feff}')).unwrap_or_else(|e| panic!("{path}: original: {e}"));
    let fixed_docs = YamlLoader::load_from_str(fixed.trim_start_matches('\u{feff}')).unwrap_or_else(|e| panic!("{path}: fixed: {e}\n{fixed}"));
    assert_eq!(original_docs.len(), fixed_docs.len(), "{path}: document count changed");
    for (index, (before, after)) in original_docs.iter().zip(&fixed_docs).enumerate() {
        compare(path, &format!("document {index}"), None, before, after);
    }
}

fn is_added_item(item: &Yaml) -> bool {
    match item {
        Yaml::String(text) => text == "ALL",
        Yaml::Hash(map) => {
            let get = |key: &str| map.get(&Yaml::String(key.to_string()));
            let is_tmp_name = get("name").and_then(Yaml::as_str).is_some_and(|n| n == "tmp" || n.starts_with("tmp-"));
            let mount = get("mountPath").and_then(Yaml::as_str) == Some("/tmp") && map.len() == 2;
            let volume = get("emptyDir").is_some() && map.len() == 2;
            is_tmp_name && (mount || volume)
        }
        _ => false,
    }
}

fn compare(path: &str, at: &str, key: Option<&str>, before: &Yaml, after: &Yaml) {
    match (before, after) {
        (Yaml::Hash(old), Yaml::Hash(new)) => {
            let mut last_position = 0;
            for (k, v) in old {
                let name = k.as_str().unwrap_or("?");
                let Some(position) = new.keys().position(|n| n == k) else {
                    panic!("{path}: {at}: key `{name}` disappeared");
                };
                assert!(position >= last_position, "{path}: {at}: key `{name}` moved");
                last_position = position;
                compare(path, &format!("{at}.{name}"), Some(name), v, &new[k]);
            }
            for k in new.keys().filter(|k| !old.contains_key(*k)) {
                let name = k.as_str().unwrap_or("?");
                assert!(ADDED_KEYS.contains(&name), "{path}: {at}: unexpected new key `{name}`");
            }
        }
        (Yaml::Hash(old), Yaml::Null) | (Yaml::Null, Yaml::Hash(old)) if old.is_empty() => {}
        (Yaml::Null, Yaml::Hash(_) | Yaml::Array(_)) => {
            assert!(key.is_some_and(|k| ADDED_KEYS.contains(&k)), "{path}: {at}: a null became a collection");
        }
        (Yaml::Array(old), Yaml::Array(new)) => {
            assert!(new.len() >= old.len(), "{path}: {at}: items disappeared");
            for (index, (a, b)) in old.iter().zip(new).enumerate() {
                compare(path, &format!("{at}[{index}]"), None, a, b);
            }
            for extra in &new[old.len()..] {
                assert!(is_added_item(extra), "{path}: {at}: unexpected new item {extra:?}");
            }
        }
        (a, b) if a == b => {}
        (a, b) => {
            assert!(key.is_some_and(|k| CHANGED_KEYS.contains(&k)), "{path}: {at}: value changed from {a:?} to {b:?}");
        }
    }
}



// ---------------------------------------------------------------------------------------------
// Real manifests.


#[test]
fn realworld_manifests_fix_cleanly() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/realworld/k8s");
    if !root.is_dir() {
        println!("skipped: {} is missing", root.display());
        return;
    }
    let paths = common::files_under(&root);
    let files: Vec<(String, String)> = paths
        .iter()
        .filter_map(|path| {
            let relative = path.strip_prefix(&root).expect("under root").to_string_lossy().replace('\\', "/");
            let text = std::fs::read_to_string(path).ok()?;
            Some((relative, text))
        })
        .filter(|(relative, _)| cinch::formats::kind_for_path(Path::new(relative)) == Some(cinch::rule::FileKind::Kubernetes))
        .collect();
    assert!(!files.is_empty(), "no manifests under {}", root.display());
    let others: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();

    let (mut findings, mut fixed_findings, mut changed, mut skipped, mut rejected) = (0, 0, 0, 0, 0);
    let mut results = Vec::new();
    for (path, text) in &files {
        let result = common::run_in(path, text, "", FixMode::Unsafe, &others);
        if result.has_error() {
            // Only input that another YAML parser rejects too may fail, and never internally.
            let message = format!("{:?}", result.problems);
            assert!(message.contains("cannot parse"), "{path}: {message}");
            assert!(!message.contains("internal error"), "{path}: {message}");
            assert!(YamlLoader::load_from_str(text).is_err(), "{path}: valid YAML was rejected: {message}");
            rejected += 1;
            continue;
        }
        if !result.problems.is_empty() {
            skipped += 1;
            continue;
        }
        let fixed = common::fixed_text(&result);
        assert_only_additions(path, text, &fixed);
        let second = common::run_in(path, &fixed, "", FixMode::Unsafe, &others);
        assert!(second.fixed.is_none(), "{path}: a second run changed the file:\n{}", common::fixed_text(&second));
        findings += result.fixed_findings.len() + result.remaining.len();
        fixed_findings += result.fixed_findings.len();
        if result.fixed.is_some() {
            changed += 1;
        }
        results.push(result);
    }
    // A safe-only run must keep the same guarantees on the same files.
    for result in &results {
        let path = result.path.to_string_lossy().to_string();
        let text = &result.original.as_ref().expect("original kept").text;
        let safe = common::run_in(&path, text, "", FixMode::Safe, &others);
        assert!(!safe.has_error(), "{path}: {:?}", safe.problems);
        let fixed = common::fixed_text(&safe);
        assert_only_additions(&path, text, &fixed);
        let second = common::run_in(&path, &fixed, "", FixMode::Safe, &others);
        assert!(second.fixed.is_none(), "{path}: a second safe run changed the file");
    }
    println!(
        "real manifests: {} files, {skipped} skipped, {rejected} rejected as invalid, {findings} findings, {fixed_findings} fixed, {changed} files changed",
        files.len()
    );
    assert_diffs_apply(&files, &results);
}

/// Writes the originals into a fresh git repository and checks that `git apply` accepts the diff.
fn assert_diffs_apply(files: &[(String, String)], results: &[cinch::engine::FileResult]) {
    if std::process::Command::new("git").arg("--version").output().is_err() {
        assert!(std::env::var_os("CI").is_none(), "git is required in CI");
        println!("skipped: git is not installed");
        return;
    }
    let dir = tempfile::tempdir().expect("temporary directory");
    for (path, text) in files {
        let target = dir.path().join(path);
        std::fs::create_dir_all(target.parent().expect("has a parent")).expect("create directories");
        std::fs::write(&target, text).expect("write original");
    }
    let run = |args: &[&str]| {
        let output = std::process::Command::new("git").args(args).current_dir(dir.path()).output().expect("git runs");
        assert!(output.status.success(), "git {args:?} failed: {}", String::from_utf8_lossy(&output.stderr));
    };
    run(&["init", "-q"]);
    let diff = cinch::report::diff_all(results);
    let patch = dir.path().join("fix.patch");
    std::fs::write(&patch, &diff).expect("write patch");
    run(&["apply", "--check", "fix.patch"]);
    run(&["apply", "fix.patch"]);
    for result in results {
        if let Some(bytes) = result.fixed_bytes() {
            let applied = std::fs::read(dir.path().join(&result.path)).expect("patched file");
            assert_eq!(applied, bytes, "{}: git apply result differs from the fixed text", result.path.display());
        }
    }
}

#[test]
fn rule_docs_parse() {
    let format = cinch::formats::for_kind(cinch::rule::FileKind::Kubernetes);
    let parsed = cinch::catalog::parse_all();
    for id in format.rule_ids() {
        let (_, result) = parsed.iter().find(|(stem, _)| *stem == id).unwrap_or_else(|| panic!("transforms/{id}.toml is missing"));
        let doc = result.as_ref().unwrap_or_else(|e| panic!("transforms/{id}.toml: {e}"));
        assert_eq!(doc.id, id);
        assert_eq!(doc.format, "kubernetes");
        assert!(["safe", "review", "report", "mixed"].contains(&doc.fix.as_str()), "{id}: fix = {}", doc.fix);
    }
}

#[test]
fn examples_show_every_fix() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    for name in ["deployment.yaml", "cronjob.yaml"] {
        let text = std::fs::read_to_string(root.join(name)).expect("example exists");
        let path = format!("examples/{name}");
        let fixed = fix(&path, &text, "", FixMode::Unsafe, &[]);
        let result = common::run(&path, &text, "", FixMode::Unsafe);
        let mut rules: Vec<&str> = result.fixed_findings.iter().map(|d| d.finding.rule).collect();
        rules.sort_unstable();
        rules.dedup();
        assert_eq!(rules, ["K8S001", "K8S002", "K8S003", "K8S004", "K8S005", "K8S006"], "{name}:\n{fixed}");
    }
}

/// Cuts every fixture at many points and splices lines together: whatever parses must fix
/// without a panic or an internal error, and whatever does not parse must be reported.
#[test]
fn damaged_fixtures_never_fail_internally() {
    let mut names: Vec<String> = std::fs::read_dir(FIXTURES)
        .expect("fixtures")
        .map(|e| e.expect("entry").file_name().to_string_lossy().to_string())
        .filter(|name| name.ends_with(".yaml") || name.ends_with(".json"))
        .collect();
    names.sort();
    for name in names {
        let text = fixture(&name);
        let path = format!("damaged/{name}");
        let cuts: Vec<usize> = (0..text.len()).step_by(11).filter(|&at| text.is_char_boundary(at)).collect();
        let mut variants: Vec<(String, String)> = Vec::new();
        for &cut in &cuts {
            variants.push((format!("cut at {cut}"), text[..cut].to_string()));
            variants.push((format!("5 bytes gone at {cut}"), format!("{}{}", &text[..cut], &text[(cut + 5).min(text.len())..])));
        }
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        for index in 0..lines.len() {
            let without: String = lines.iter().enumerate().filter(|(i, _)| *i != index).map(|(_, l)| *l).collect();
            variants.push((format!("line {index} gone"), without));
            let indented: String = lines.iter().enumerate().map(|(i, l)| if i == index { format!("  {l}") } else { l.to_string() }).collect();
            variants.push((format!("line {index} indented"), indented));
            let doubled: String = lines.iter().enumerate().map(|(i, l)| if i == index { format!("{l}{l}") } else { l.to_string() }).collect();
            variants.push((format!("line {index} doubled"), doubled));
        }
        for (label, variant) in variants {
            let result = common::run(&path, &variant, UID_CONFIG, FixMode::Unsafe);
            let message = format!("{:?}", result.problems);
            assert!(!message.contains("internal error"), "{name} {label}: {message}\n{variant}");
        }
    }
}

#[test]
fn anchored_item_keys_line_up_with_anchor() {
    let text = fixture("anchored_item.yaml");
    let fixed = snapshot("anchored_item", "apps/anchored.yaml", &text, UID_CONFIG, FixMode::Unsafe, &[]);
    // New keys line up with `&worker`, not with `name`, which yaml-rust2 would reject.
    assert!(fixed.contains("    - &worker  name: worker-a\n      image: registry.example/worker:1\n      securityContext:\n"), "{fixed}");
    assert!(fixed.contains("    - !!str name: worker-b\n      image: registry.example/worker:1\n      securityContext:\n        allowPrivilegeEscalation: false\n"), "{fixed}");
    // A complex key leaves no known column: the container is reported without a fix.
    assert!(fixed.contains("      : worker-c\n      image: registry.example/worker:1\n  volumes:\n"), "{fixed}");
    let result = common::run("apps/anchored.yaml", &text, UID_CONFIG, FixMode::Unsafe);
    for rule in ["K8S003", "K8S004", "K8S005"] {
        let found = findings_of(&result, rule);
        assert_eq!(found.len(), 1, "{rule}: {found:?}");
        let (message, has_fix, notes) = &found[0];
        assert!(message.contains("worker-c"), "{rule}: {message}");
        assert!(!has_fix, "{rule}: {found:?}");
        assert!(notes.iter().any(|n| n.starts_with("not fixed automatically")), "{rule}: {notes:?}");
    }
}

#[test]
fn flow_plain_keys_get_spaced_colon() {
    let text = fixture("flow_mixed_keys.yaml");
    let fixed = snapshot("flow_mixed_keys", "apps/mixed.yaml", &text, UID_CONFIG, FixMode::Unsafe, &[]);
    // The container mixes plain and quoted keys: the new key is plain and followed by `: `.
    assert!(fixed.contains("\n   volumeMounts: [\n"), "{fixed}");
    // Every key of the pod spec is quoted: new keys there are quoted too.
    assert!(fixed.contains("\"automountServiceAccountToken\": false"), "{fixed}");
    assert!(!fixed.contains(":false"), "{fixed}");
    assert!(!fixed.contains(":{"), "{fixed}");
}

#[test]
fn flow_quoted_keys_stay_tight() {
    let text = fixture("flow_quoted_keys.yaml");
    let fixed = snapshot("flow_quoted_keys", "apps/tight.yaml", &text, UID_CONFIG, FixMode::Unsafe, &[]);
    assert!(fixed.contains(r#""automountServiceAccountToken":false,"volumes":[{"name":"tmp","emptyDir":{}}]"#), "{fixed}");
}

#[test]
fn flow_tight_plain_key_gets_space() {
    // A tight colon after a quoted key does not carry over to a plain one.
    let text = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},\"spec\":{containers:[{\"name\":\"a\",\"image\":\"x\"}],\"hostPID\":false}}\n";
    let config = "[rules]\nselect = [\"K8S006\"]\n";
    let fixed = fix("apps/plain.yaml", text, config, FixMode::Unsafe, &[]);
    assert!(fixed.contains(",automountServiceAccountToken: false}"), "{fixed}");
}

#[test]
fn anchored_lists_only_item_keeps_anchor_on_its_key() {
    let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - &lists  env:\n        - name: A\n          value: b\n";
    let config = "[rules]\nselect = [\"K8S003\"]\n";
    let fixed = fix("apps/lists.yaml", text, config, FixMode::Unsafe, &[]);
    assert!(fixed.contains("    - securityContext:\n        allowPrivilegeEscalation: false\n      &lists  env:\n"), "{fixed}");
}
