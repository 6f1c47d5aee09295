//! EXP006 hardcoded-session-secret: a session `secret` (or cookie-session `keys`) written as a
//! string literal. Anyone who reads the repository can sign session cookies. The fix reads the
//! secret from the environment variable `express.session_secret_env`.

use tree_sitter::Node;

use super::object::property;
use super::script::{Options, Script};
use super::session::{session_calls, SessionPackage};
use super::syntax::{named_children, string_value, text_of, unwrap_expression};
use crate::edit::{Edit, Fix};
use crate::finding::Finding;
use crate::rule::{Rule, RuleContext};

pub struct HardcodedSessionSecret;

const ID: &str = "EXP006";

impl<'t> Rule<Script<'t>> for HardcodedSessionSecret {
    fn id(&self) -> &'static str {
        ID
    }

    fn check(&self, script: &Script<'t>, ctx: &RuleContext) -> Vec<Finding> {
        let variable = &ctx.settings.express.session_secret_env;
        let mut findings = Vec::new();
        for session in session_calls(script) {
            let Some(Options::Object(options)) = session.options else { continue };
            let keys: &[&str] = match session.package {
                SessionPackage::ExpressSession => &["secret"],
                SessionPackage::CookieSession => &["secret", "keys"],
            };
            for key in keys {
                let Some(found) = property(options, key, script.text) else { continue };
                if !found.is_pair() {
                    continue;
                }
                if let Some(finding) = check_value(script, variable, session.package, key, found.value) {
                    findings.push(finding);
                }
            }
        }
        findings
    }
}

fn check_value(script: &Script, variable: &str, package: SessionPackage, key: &str, value: Node<'_>) -> Option<Finding> {
    let text = script.text;
    let env = if script.grammar.is_typescript() {
        format!("process.env.{variable} as string")
    } else {
        format!("process.env.{variable}")
    };
    let unwrapped = unwrap_expression(value);
    let replacement = if is_literal(unwrapped, text) {
        if key == "keys" { format!("[{env}]") } else { env.clone() }
    } else if unwrapped.kind() == "array" && !named_children(unwrapped).is_empty() && named_children(unwrapped).iter().all(|n| is_literal(*n, text)) {
        if key == "keys" || package == SessionPackage::CookieSession { format!("[{env}]") } else { env.clone() }
    } else if unwrapped.kind() == "binary_expression" && fallback_is_literal(unwrapped, text) {
        let left = unwrapped.child_by_field_name("left")?;
        // Without the fallback the value may be undefined, which strict TypeScript rejects for a secret.
        let without_fallback = if script.grammar.is_typescript() && left.kind() != "as_expression" {
            format!("{} as string", text_of(left, text))
        } else {
            text_of(left, text).to_string()
        };
        let message = format!("the {} `{key}` falls back to a hard-coded string when the environment does not set it", package.name());
        return Some(
            Finding::new(ID, value.byte_range(), message)
                .with_fix(Fix::review(vec![Edit::replace(value.byte_range(), without_fallback)]))
                .with_note("without the fallback, a missing variable shows up at once instead of every deployment sharing a public secret"),
        );
    } else {
        return None;
    };
    let message = format!("the {} `{key}` is a hard-coded string, so anyone who can read the source can sign session cookies", package.name());
    let mut finding = Finding::new(ID, value.byte_range(), message)
        .with_fix(Fix::review(vec![Edit::replace(value.byte_range(), replacement)]))
        .with_note(format!("set the `{variable}` environment variable wherever the app runs; store the current value there to keep existing sessions valid, or a new one to end them"));
    if package == SessionPackage::ExpressSession {
        finding = finding.with_note("while the variable is unset, express-session fails every request with `secret option required for sessions`");
    }
    Some(finding)
}

fn is_literal(node: Node<'_>, text: &str) -> bool {
    string_value(unwrap_expression(node), text).is_some()
}

/// Checks for `a || 'literal'` and `a ?? 'literal'`.
fn fallback_is_literal(binary: Node<'_>, text: &str) -> bool {
    let operator = binary.child_by_field_name("operator").map(|o| text_of(o, text));
    let right = binary.child_by_field_name("right");
    matches!(operator, Some("||") | Some("??")) && right.is_some_and(|r| is_literal(r, text))
}
