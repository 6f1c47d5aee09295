//! The rule catalog: user-facing documentation of every rule, read from `transforms/*.toml`
//! (embedded at build time by `build.rs`).

use std::sync::OnceLock;

use serde::Deserialize;

include!(concat!(env!("OUT_DIR"), "/transforms.rs"));

/// One rule parameter: the config key it reads and its default.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Parameter {
    pub key: String,
    pub default: String,
    pub description: String,
}

/// The contents of one `transforms/<ID>.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDoc {
    pub id: String,
    pub name: String,
    /// The format's name, as [`crate::rule::FileKind::name`] returns it.
    pub format: String,
    /// One line: what the rule finds.
    pub summary: String,
    /// Why it matters, in a few paragraphs.
    pub why: String,
    /// `safe`, `review`, `report` (no fix), or `mixed` when the level depends on the case.
    pub fix: String,
    /// The construction of the fix, and when it is safe.
    pub fix_details: String,
    #[serde(default)]
    pub parameters: Vec<Parameter>,
    #[serde(default)]
    pub known_problems: Vec<String>,
    #[serde(default)]
    pub references: Vec<String>,
}

/// Returns every rule's documentation, sorted by id. A TOML that does not parse is a build defect
/// that the catalog test catches. Here it is skipped, so one bad file cannot take `cinch` down.
pub fn docs() -> &'static [RuleDoc] {
    static DOCS: OnceLock<Vec<RuleDoc>> = OnceLock::new();
    DOCS.get_or_init(|| {
        let mut docs: Vec<RuleDoc> = TRANSFORMS.iter().filter_map(|(_, text)| toml::from_str(text).ok()).collect();
        docs.sort_by(|a, b| a.id.cmp(&b.id));
        docs
    })
}

/// Parses every embedded TOML, returning `(file stem, result)` pairs; used by the catalog test.
pub fn parse_all() -> Vec<(&'static str, Result<RuleDoc, String>)> {
    TRANSFORMS.iter().map(|(stem, text)| (*stem, toml::from_str::<RuleDoc>(text).map_err(|e| e.to_string()))).collect()
}

pub fn doc(id: &str) -> Option<&'static RuleDoc> {
    let upper = id.to_ascii_uppercase();
    docs().iter().find(|doc| doc.id == upper || doc.name == id)
}

/// Renders a rule's documentation for `cinch explain`.
pub fn explain(doc: &RuleDoc) -> String {
    let mut out = format!("{} ({})\n\n{}\n\nFormat: {}\nFix: {}\n\n", doc.id, doc.name, doc.summary, doc.format, doc.fix);
    out.push_str("## Why it matters\n\n");
    out.push_str(doc.why.trim());
    out.push_str("\n\n## The fix\n\n");
    out.push_str(doc.fix_details.trim());
    out.push('\n');
    if !doc.parameters.is_empty() {
        out.push_str("\n## Configuration\n\n");
        for parameter in &doc.parameters {
            out.push_str(&format!("- `{}` (default: {}): {}\n", parameter.key, parameter.default, parameter.description));
        }
    }
    if !doc.known_problems.is_empty() {
        out.push_str("\n## Known problems\n\n");
        for problem in &doc.known_problems {
            out.push_str(&format!("- {problem}\n"));
        }
    }
    if !doc.references.is_empty() {
        out.push_str("\n## References\n\n");
        for reference in &doc.references {
            out.push_str(&format!("- {reference}\n"));
        }
    }
    out
}

/// Renders the README's rule table.
pub fn markdown_table() -> String {
    let mut out = String::from("| id | name | format | fix | summary |\n|---|---|---|---|---|\n");
    for doc in docs() {
        out.push_str(&format!("| {} | {} | {} | {} | {} |\n", doc.id, doc.name, doc.format, doc.fix, doc.summary));
    }
    out
}
