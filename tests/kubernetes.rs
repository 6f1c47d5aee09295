//! Kubernetes manifests: fixtures with snapshots of their findings and diffs, a comparison of
//! every fixed document with its original, and a run over real manifests.

mod common;

use std::path::{Path, PathBuf};

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

#[allow(dead_code)]
fn realworld_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/realworld/k8s")
}

