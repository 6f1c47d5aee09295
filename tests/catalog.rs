//! The rule catalog agrees with the code: every registered rule has exactly one TOML in
//! `transforms/`, every TOML belongs to a registered rule, and the README's table is current.

use std::collections::BTreeSet;

use cinch::catalog;
use cinch::formats;

#[test]
fn every_toml_parses() {
    for (stem, parsed) in catalog::parse_all() {
        let doc = parsed.unwrap_or_else(|e| panic!("transforms/{stem}.toml does not parse: {e}"));
        assert_eq!(doc.id, stem, "transforms/{stem}.toml has id {}", doc.id);
        assert!(["safe", "review", "report", "mixed"].contains(&doc.fix.as_str()), "{stem}: fix is `{}`", doc.fix);
        assert!(!doc.summary.contains('\n'), "{stem}: summary must be one line");
    }
}

#[test]
fn rules_and_tomls_match() {
    let registered: BTreeSet<&str> = formats::rule_ids().into_iter().map(|(id, _)| id).collect();
    let documented: BTreeSet<String> = catalog::parse_all().into_iter().map(|(stem, _)| stem.to_string()).collect();
    for id in &registered {
        assert!(documented.contains(*id), "rule {id} is registered but has no transforms/{id}.toml");
    }
    for stem in &documented {
        assert!(registered.contains(stem.as_str()), "transforms/{stem}.toml has no registered rule");
    }
}

#[test]
fn toml_format_matches_rule() {
    for (id, kind) in formats::rule_ids() {
        let doc = catalog::doc(id).unwrap_or_else(|| panic!("{id} has no documentation"));
        assert_eq!(doc.format, kind.name(), "{id}: format in TOML");
    }
}

#[test]
fn rule_ids_are_unique() {
    let ids: Vec<&str> = formats::rule_ids().into_iter().map(|(id, _)| id).collect();
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(ids.len(), unique.len(), "duplicate rule ids: {ids:?}");
}

#[test]
fn readme_rule_table_is_current() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README.md");
    let start = readme.find("<!-- rules:start -->").expect("README has a rules:start marker");
    let end = readme.find("<!-- rules:end -->").expect("README has a rules:end marker");
    let current = readme[start + "<!-- rules:start -->".len()..end].trim();
    let expected = catalog::markdown_table();
    if std::env::var_os("CINCH_UPDATE_README").is_some() && current != expected.trim() {
        let updated = format!("{}<!-- rules:start -->\n{}<!-- rules:end -->{}", &readme[..start], expected, &readme[end + "<!-- rules:end -->".len()..]);
        std::fs::write(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"), updated).expect("README.md is writable");
        return;
    }
    assert_eq!(current, expected.trim(), "the README's rule table is stale: run `CINCH_UPDATE_README=1 cargo test --test catalog`");
}
