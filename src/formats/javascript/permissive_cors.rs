//! EXP003 permissive-cors: `cors` options that let any site make credentialed requests
//! (`origin: true`, `origin: '*'` or a callback that accepts every origin, with
//! `credentials: true`), and origin regular expressions that lookalike domains also match
//! (`/example\.com$/` matches `evil-example.com`). The fix writes the origins from
//! `cors.allowed_origins`, or anchors the regular expression at the scheme and at a host
//! boundary. Without that key every finding is reported and the file is left alone.

use tree_sitter::Node;

use super::object::{add_properties, property, quoted_in};
use super::script::{Options, Package, Script};
use super::session::Flag;
use super::syntax::{bool_value, call_arguments, is_function, named_children, parameter_names, string_value, text_of, unwrap_expression};
use crate::edit::{Edit, Fix};
use crate::finding::Finding;
use crate::rule::{Rule, RuleContext};

pub struct PermissiveCors;

const ID: &str = "EXP003";
const CONFIG_KEY: &str = "cors.allowed_origins";

impl<'t> Rule<Script<'t>> for PermissiveCors {
    fn id(&self) -> &'static str {
        ID
    }

    fn check(&self, script: &Script<'t>, ctx: &RuleContext) -> Vec<Finding> {
        let origins = ctx.settings.allowed_origins.as_deref().filter(|list| !list.is_empty());
        let mut findings = Vec::new();
        for call in script.calls_of(Package::Cors) {
            check_call(script, origins, call, &mut findings);
        }
        findings
    }
}

/// Attaches the fix when the allowlist is configured, and otherwise names the missing key.
fn with_fix_or_key(finding: Finding, origins: Option<&[String]>, edits: impl FnOnce(&[String]) -> Vec<Edit>) -> Finding {
    match origins {
        Some(origins) => finding.with_fix(Fix::review(edits(origins))),
        None => finding.needs_config(CONFIG_KEY),
    }
}

fn check_call<'t>(script: &Script<'t>, origins: Option<&[String]>, call: Node<'t>, findings: &mut Vec<Finding>) {
    let text = script.text;
    let args = call_arguments(call);
    let Some(argument) = args.first() else {
        findings.push(
            Finding::new(ID, call.byte_range(), "`cors()` without options allows requests from every origin")
                .with_note("this suits a public API that uses no cookies or credentials; otherwise pass `origin` with the allowed origins"),
        );
        return;
    };
    let object = match script.options(*argument) {
        Options::Object(object) => object,
        Options::Opaque(node, why) => {
            findings.push(
                Finding::new(ID, node.byte_range(), format!("cannot check the CORS options: they are {why}"))
                    .with_note("make sure `origin` lists the allowed origins when `credentials` is true"),
            );
            return;
        }
    };
    let credentials = matches!(Flag::read(object, "credentials", text), Flag::True(_));
    let array = |origins: &[String]| {
        let items: Vec<String> = origins.iter().map(|origin| quoted_in(object, script, origin)).collect();
        format!("[{}]", items.join(", "))
    };

    let Some(origin) = property(object, "origin", text) else {
        if credentials {
            let finding = Finding::new(ID, call.byte_range(), "`cors` allows credentials but sets no `origin`, so it answers every origin with `*`, which browsers reject for credentialed requests")
                .with_note("the fix limits CORS to the configured origins; requests from other origins get no CORS headers");
            findings.push(with_fix_or_key(finding, origins, |origins| add_properties(script, object, &[("origin", array(origins))])));
        }
        return;
    };

    let value = unwrap_expression(origin.value);
    if let Some(why) = allows_every_origin(value, text) {
        if credentials {
            let finding = Finding::new(ID, origin.node.byte_range(), format!("`cors` {why} and allows credentials, so any website can make requests with the user's cookies"))
                .with_note("the fix limits CORS to the configured origins; clients on other origins lose access");
            // A method (`origin(value, callback) { ... }`) is replaced with a whole property.
            let edit = |origins: &[String]| {
                if origin.is_pair() {
                    vec![Edit::replace(origin.value.byte_range(), array(origins))]
                } else {
                    vec![Edit::replace(origin.node.byte_range(), format!("origin: {}", array(origins)))]
                }
            };
            findings.push(with_fix_or_key(finding, origins, edit));
        }
        return;
    }
    let regexes: Vec<Node<'t>> = match value.kind() {
        "regex" => vec![value],
        "array" => named_children(value).into_iter().map(unwrap_expression).filter(|n| n.kind() == "regex").collect(),
        _ => Vec::new(),
    };
    for regex in regexes {
        let pattern = regex.child_by_field_name("pattern").map_or("", |p| text_of(p, text));
        if is_anchored(pattern) {
            continue;
        }
        let message = format!("the origin pattern `{}` is not anchored, so lookalike domains such as `evil-{}` also match", text_of(regex, text), example_host(pattern));
        let finding = Finding::new(ID, regex.byte_range(), message);
        match anchored(pattern) {
            Some(fixed) => {
                let flags = regex.child_by_field_name("flags").map_or("", |f| text_of(f, text));
                let finding = finding.with_note("the anchored pattern accepts the host and its subdomains over the same scheme, and nothing else");
                findings.push(with_fix_or_key(finding, origins, |_| vec![Edit::replace(regex.byte_range(), format!("/{fixed}/{flags}"))]));
            }
            None => findings.push(finding.with_note("cinch cannot read a host name from this pattern; anchor it by hand (`^https://` and `$`)")),
        }
    }
}

/// Explains why an `origin` value accepts every origin, or returns `None`.
fn allows_every_origin(value: Node<'_>, text: &str) -> Option<&'static str> {
    if bool_value(value) == Some(true) {
        return Some("reflects every origin (`origin: true`)");
    }
    if string_value(value, text).as_deref() == Some("*") {
        return Some("allows every origin (`origin: '*'`)");
    }
    if is_function(value) && callback_allows_all(value, text) {
        return Some("has an `origin` callback that accepts every origin");
    }
    None
}

/// Checks whether an origin callback does nothing but accept: its body is `callback(null, true)` or
/// `callback(null, origin)`, possibly returned.
fn callback_allows_all(function: Node<'_>, text: &str) -> bool {
    let params = parameter_names(function, text);
    let (Some(Some(origin)), Some(Some(callback))) = (params.first(), params.get(1)) else { return false };
    let Some(body) = function.child_by_field_name("body") else { return false };
    let call = if body.kind() == "statement_block" {
        match named_children(body).as_slice() {
            [statement] if matches!(statement.kind(), "expression_statement" | "return_statement") => named_children(*statement).first().copied(),
            _ => None,
        }
    } else {
        Some(body)
    };
    let Some(call) = call.map(unwrap_expression).filter(|c| c.kind() == "call_expression") else { return false };
    let callee = call.child_by_field_name("function").map(|f| text_of(f, text));
    let args = call_arguments(call);
    callee == Some(callback.as_str())
        && args.len() == 2
        && args[0].kind() == "null"
        && (bool_value(args[1]) == Some(true) || text_of(args[1], text) == origin)
}

/// Checks whether a pattern is anchored at both ends without a wildcard right before the host, which
/// would let `evil-example.com` through.
fn is_anchored(pattern: &str) -> bool {
    let Some(rest) = pattern.strip_prefix('^') else { return false };
    if !pattern.ends_with('$') || pattern.ends_with("\\$") {
        return false;
    }
    let (_, after_scheme) = split_scheme(rest);
    !(after_scheme.starts_with(".*") || after_scheme.starts_with(".+")) || after_scheme[2..].starts_with("\\.")
}

/// Splits `https?:\/\/` (slashes escaped or not) off the front of a pattern.
fn split_scheme(pattern: &str) -> (Option<&str>, &str) {
    for scheme in ["https?", "https", "http"] {
        for slashes in [":\\/\\/", "://"] {
            if let Some(rest) = pattern.strip_prefix(scheme).and_then(|r| r.strip_prefix(slashes)) {
                return (Some(scheme), rest);
            }
        }
    }
    (None, pattern)
}

/// Builds the anchored form of an origin pattern: the scheme (`https` unless the pattern names one),
/// any number of subdomain labels, the host with its dots escaped, and `$`. `None` when the
/// pattern contains more than a host.
fn anchored(pattern: &str) -> Option<String> {
    let rest = pattern.strip_prefix('^').unwrap_or(pattern);
    let rest = rest.strip_suffix('$').unwrap_or(rest);
    let (scheme, rest) = split_scheme(rest);
    let mut host = rest;
    for prefix in ["(.*\\.)?", "(.+\\.)?", "([a-z0-9-]+\\.)*", "([\\w-]+\\.)*", "(\\w+\\.)?", "(\\w+\\.)*", ".*\\.", ".+\\.", ".*", ".+", "\\."] {
        if let Some(stripped) = host.strip_prefix(prefix) {
            host = stripped;
            break;
        }
    }
    let labels = host_labels(host)?;
    Some(format!("^{}:\\/\\/([a-z0-9-]+\\.)*{}$", scheme.unwrap_or("https"), labels.join("\\.")))
}

/// Splits a host written as a pattern (`partner\.example`) into labels. An unescaped `.` counts
/// as a separator too. Returns `None` when anything else appears.
fn host_labels(host: &str) -> Option<Vec<&str>> {
    let labels: Vec<&str> = host.split("\\.").flat_map(|part| part.split('.')).collect();
    let valid = labels.iter().all(|label| !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    (valid && !labels.is_empty()).then_some(labels)
}

/// Returns a readable host for the message: the pattern without escapes and anchors.
fn example_host(pattern: &str) -> String {
    let rest = pattern.trim_start_matches('^').trim_end_matches('$');
    let (_, rest) = split_scheme(rest);
    rest.replace("\\.", ".").trim_start_matches(['.', '*', '+']).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchoring_detection() {
        assert!(!is_anchored("partner\\.example$"));
        assert!(!is_anchored("^partner\\.example"));
        assert!(!is_anchored("^https:\\/\\/.*example\\.com$"));
        assert!(is_anchored("^https:\\/\\/.*\\.example\\.com$"));
        assert!(is_anchored("^https:\\/\\/app\\.example\\.com$"));
    }

    #[test]
    fn anchored_patterns() {
        assert_eq!(anchored("partner\\.example$").as_deref(), Some("^https:\\/\\/([a-z0-9-]+\\.)*partner\\.example$"));
        assert_eq!(anchored("https?:\\/\\/.*example\\.com").as_deref(), Some("^https?:\\/\\/([a-z0-9-]+\\.)*example\\.com$"));
        assert_eq!(anchored("\\.example\\.org$").as_deref(), Some("^https:\\/\\/([a-z0-9-]+\\.)*example\\.org$"));
        assert_eq!(anchored("(foo|bar)\\.example"), None);
    }
}
