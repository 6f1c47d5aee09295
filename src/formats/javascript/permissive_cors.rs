//! EXP003 permissive-cors: `cors` options that let any site make credentialed requests
//! (`origin: true`, `origin: '*'` or a callback that accepts every origin, with
//! `credentials: true`), and origin regular expressions that other sites' origins also match
//! (`/example\.com$/` matches `https://evil-example.com`; `/^https:\/\/example\.com/` matches
//! `https://example.com.evil.net`). Patterns are judged by trying such origins against them. The
//! fix writes the origins from `cors.allowed_origins`, or anchors the regular expression while
//! keeping the subdomains it accepted. Without that key every finding is reported and the file is
//! left alone.

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
        let flags = regex.child_by_field_name("flags").map_or("", |f| text_of(f, text));
        let literal = text_of(regex, text);
        match review_pattern(pattern, flags) {
            Review::Tight => {}
            Review::Unreadable => findings.push(
                Finding::new(ID, regex.byte_range(), format!("the origin pattern `{literal}` is not anchored with both `^` and `$`, and cinch cannot tell which other sites' origins it lets through"))
                    .with_note(ANCHOR_BY_HAND_NOTE),
            ),
            Review::Loose { message, fix } => {
                let finding = Finding::new(ID, regex.byte_range(), format!("the origin pattern `{literal}` {message}"));
                match fix {
                    Some((fixed, note)) => {
                        let finding = finding.with_note(note);
                        findings.push(with_fix_or_key(finding, origins, |_| vec![Edit::replace(regex.byte_range(), format!("/{fixed}/{flags}"))]));
                    }
                    None => findings.push(finding.with_note(ANCHOR_BY_HAND_NOTE)),
                }
            }
        }
    }
}

const ANCHOR_BY_HAND_NOTE: &str = "cinch cannot anchor this pattern safely; anchor it by hand, with `^https:\\/\\/` before the host and `$` after it";

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

/// The verdict on an origin pattern, from the origins that get through it.
#[derive(Debug, PartialEq, Eq)]
enum Review {
    /// No origin of another site that cinch tries gets through.
    Tight,
    /// The pattern lacks `^` or `$`, and cinch cannot evaluate it or read a host from it.
    Unreadable,
    /// Another site's origin gets through: the rest of the message naming it, and the fixed
    /// pattern with a note on what it accepts, when cinch can write one.
    Loose { message: String, fix: Option<(String, String)> },
}

/// An origin pattern split into its anchors, scheme, subdomain wildcard, host and the rest.
#[derive(Debug)]
struct Parts<'p> {
    start: bool,
    end: bool,
    scheme: Option<&'p str>,
    wildcard: Option<&'p str>,
    host: Vec<&'p str>,
    /// What follows the host, before a final `$`: a port, or anything else.
    rest: &'p str,
}

/// Subdomain wildcards that may come right before the host. The first group also matches the end
/// of another name (`evil-` before `example.com`); the second stops at a dot.
const BARE_WILDCARDS: [&str; 2] = [".*", ".+"];
const DOT_WILDCARDS: [&str; 9] = ["(.*\\.)?", "(.+\\.)?", "([a-z0-9-]+\\.)*", "([\\w-]+\\.)*", "(\\w+\\.)?", "(\\w+\\.)*", ".*\\.", ".+\\.", "\\."];
/// Dot-bounded wildcards that require at least one subdomain label.
const REQUIRED_SUBDOMAIN: [&str; 3] = [".*\\.", ".+\\.", "\\."];

impl<'p> Parts<'p> {
    fn parse(pattern: &'p str) -> Option<Parts<'p>> {
        let (start, body) = match pattern.strip_prefix('^') {
            Some(body) => (true, body),
            None => (false, pattern),
        };
        let end = ends_with_anchor(body);
        let body = if end { &body[..body.len() - 1] } else { body };
        let (scheme, mut host_part) = split_scheme(body);
        let mut wildcard = None;
        for prefix in DOT_WILDCARDS.iter().chain(BARE_WILDCARDS.iter()) {
            if let Some(stripped) = host_part.strip_prefix(prefix) {
                wildcard = Some(*prefix);
                host_part = stripped;
                break;
            }
        }
        let (host, rest) = split_host(host_part)?;
        Some(Parts { start, end, scheme, wildcard, host, rest })
    }

    /// Checks that the pattern names a scheme and that nothing but a dot-bounded run of labels
    /// can come between it and the host. Such a pattern accepts other names ending in the host
    /// only where a `^` or `$` is missing, and an origin cannot carry text before its scheme.
    fn host_start_pinned(&self) -> bool {
        self.scheme.is_some() && !self.wildcard.is_some_and(|w| BARE_WILDCARDS.contains(&w))
    }
}

/// Checks whether `pattern` ends with a `$` anchor rather than an escaped `\$`.
fn ends_with_anchor(pattern: &str) -> bool {
    pattern.strip_suffix('$').is_some_and(|body| (body.len() - body.trim_end_matches('\\').len()) % 2 == 0)
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

/// Reads host labels (`partner\.example`; an unescaped `.` counts as a separator too) from the
/// front of `text` and returns them with what follows. `None` when `text` starts with no label.
fn split_host(text: &str) -> Option<(Vec<&str>, &str)> {
    let is_label = |c: char| c.is_ascii_alphanumeric() || c == '-';
    let mut labels = Vec::new();
    let mut rest = text;
    loop {
        let length = rest.find(|c: char| !is_label(c)).unwrap_or(rest.len());
        if length == 0 {
            break;
        }
        labels.push(&rest[..length]);
        rest = &rest[length..];
        let after_dot = rest.strip_prefix("\\.").or_else(|| rest.strip_prefix('.'));
        match after_dot {
            Some(next) if next.starts_with(is_label) => rest = next,
            _ => break,
        }
    }
    (!labels.is_empty()).then_some((labels, rest))
}

/// Checks whether `pattern` has an alternation (`|`) outside any group or class, which a `^` or
/// `$` added at one end would bind to one branch only.
fn has_top_level_alternation(pattern: &str) -> bool {
    let (mut depth, mut in_class, mut escaped) = (0usize, false, false);
    for c in pattern.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '[' => in_class = true,
            ']' => in_class = false,
            '(' if !in_class => depth += 1,
            ')' if !in_class => depth = depth.saturating_sub(1),
            '|' if !in_class && depth == 0 => return true,
            _ => {}
        }
    }
    false
}

/// Compiles a JavaScript pattern with the `i` flag honoured. `None` for syntax the regex crate
/// does not share with JavaScript, such as lookaround.
fn compile(pattern: &str, flags: &str) -> Option<regex::Regex> {
    regex::RegexBuilder::new(pattern).case_insensitive(flags.contains('i')).build().ok()
}

/// Origins of other sites that a loose pattern for `host` lets through.
struct Bypasses {
    lookalike: String,
    longer: String,
    plain: [String; 2],
}

impl Bypasses {
    fn new(scheme: &str, host: &str) -> Bypasses {
        Bypasses {
            lookalike: format!("{scheme}://evil-{host}"),
            longer: format!("{scheme}://{host}.evil.net"),
            plain: [format!("http://{host}"), format!("http://www.{host}")],
        }
    }
}

/// Tries origins of other sites against an origin pattern, names one that gets through, and
/// builds a fixed pattern that keeps what the original accepted from its own host.
fn review_pattern(pattern: &str, flags: &str) -> Review {
    let anchored = pattern.starts_with('^') && ends_with_anchor(pattern);
    let (Some(original), Some(parts)) = (compile(pattern, flags), Parts::parse(pattern)) else {
        return if anchored { Review::Tight } else { Review::Unreadable };
    };
    let host = parts.host.join(".");
    let scheme = if parts.scheme == Some("http") { "http" } else { "https" };
    let bypasses = Bypasses::new(scheme, &host);
    let lookalike = original.is_match(&bypasses.lookalike);
    let longer = original.is_match(&bypasses.longer);
    let plain = parts.scheme.is_none() && bypasses.plain.iter().any(|origin| original.is_match(origin));
    let message = if lookalike || longer {
        let mut causes = Vec::new();
        if lookalike && longer && !parts.start && !parts.end {
            causes.push("is anchored at neither end");
        } else {
            if lookalike {
                causes.push(lookalike_cause(&parts));
            }
            if longer {
                causes.push("has no `$` after the host");
            }
        }
        let examples: Vec<String> = [(lookalike, &bypasses.lookalike), (longer, &bypasses.longer)]
            .iter()
            .filter(|(matched, _)| *matched)
            .map(|(_, origin)| format!("`{origin}`"))
            .collect();
        let kind = if longer { "other sites" } else { "lookalike domains" };
        format!("{}, so {kind} such as {} also match", causes.join(" and "), examples.join(" and "))
    } else if plain {
        let origin = bypasses.plain.iter().find(|origin| original.is_match(origin)).map_or("", String::as_str);
        format!("names no scheme, so plain-HTTP origins such as `{origin}` also match, which anyone on the network path can pose as")
    } else {
        return Review::Tight;
    };
    let fix = fixed_pattern(pattern, &parts).and_then(|(fixed, note)| {
        let compiled = compile(&fixed, flags)?;
        let own = [format!("{scheme}://{host}"), format!("{scheme}://www.{host}")];
        let keeps_own = own.iter().all(|origin| !original.is_match(origin) || compiled.is_match(origin));
        let mut others = vec![&bypasses.lookalike, &bypasses.longer];
        if parts.scheme.is_none() {
            others.extend(bypasses.plain.iter());
        }
        let blocks_others = others.iter().all(|origin| !compiled.is_match(origin));
        (keeps_own && blocks_others).then_some((fixed, note))
    });
    Review::Loose { message, fix }
}

/// Says why a pattern lets lookalike domains through.
fn lookalike_cause(parts: &Parts) -> &'static str {
    if parts.scheme.is_some() {
        "has a wildcard right before the host"
    } else if parts.start {
        "starts with a wildcard instead of the scheme"
    } else {
        "has no `^` at the start"
    }
}

/// Writes the fixed pattern and a note on what it accepts. A pattern that names a scheme with no
/// wildcard right before the host only gets the anchors it lacks, so it accepts exactly the
/// subdomains it did before. Any other pattern already accepted every subdomain, so it becomes
/// `^`, the scheme (`https` when it names none), a run of subdomain labels, the host, the rest
/// and `$`.
fn fixed_pattern(pattern: &str, parts: &Parts) -> Option<(String, String)> {
    if has_top_level_alternation(pattern) {
        return None;
    }
    if parts.host_start_pinned() {
        let anchors = match (parts.start, parts.end) {
            (true, true) => return None,
            (true, false) => "`$`",
            (false, true) => "`^`",
            (false, false) => "`^` and `$`",
        };
        let fixed = format!("{}{pattern}{}", if parts.start { "" } else { "^" }, if parts.end { "" } else { "$" });
        return Some((fixed, format!("the fix only adds {anchors}, so the pattern keeps its scheme and accepts the same subdomains as before")));
    }
    let host = parts.host.join("\\.");
    let required = parts.wildcard.is_some_and(|w| REQUIRED_SUBDOMAIN.contains(&w));
    let labels = if required { "([a-z0-9-]+\\.)+" } else { "([a-z0-9-]+\\.)*" };
    let scheme = parts.scheme.unwrap_or("https");
    let fixed = format!("^{scheme}:\\/\\/{labels}{host}{}$", parts.rest);
    let accepts = if required { format!("the subdomains of `{}`", parts.host.join(".")) } else { format!("`{}` and its subdomains", parts.host.join(".")) };
    let over = match parts.scheme {
        Some(named) => format!("over `{named}`, as before"),
        None => "over `https` only (the original named no scheme, so it also accepted plain HTTP)".to_string(),
    };
    Some((fixed, format!("the anchored pattern accepts {accepts} {over}, and nothing else")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed(pattern: &str) -> Option<String> {
        match review_pattern(pattern, "") {
            Review::Loose { fix, .. } => fix.map(|(fixed, _)| fixed),
            other => panic!("{pattern}: {other:?}"),
        }
    }

    fn message(pattern: &str) -> String {
        match review_pattern(pattern, "") {
            Review::Loose { message, .. } => message,
            other => panic!("{pattern}: {other:?}"),
        }
    }

    #[test]
    fn tight_patterns() {
        for pattern in [
            "^https:\\/\\/app\\.example\\.com$",
            "^https:\\/\\/.*\\.example\\.com$",
            "^https?:\\/\\/(.*\\.)?example\\.com$",
            "^https:\\/\\/example\\.com(:\\d+)?$",
            // Browsers send no path in `Origin`, so these match no real origin at all.
            "^https:\\/\\/example\\.com\\/",
            "^example\\.com$",
            // No origin has text before its scheme, so `^` is not needed here.
            "https:\\/\\/example\\.com$",
        ] {
            assert_eq!(review_pattern(pattern, ""), Review::Tight, "{pattern}");
        }
    }

    #[test]
    fn bypass_named() {
        assert!(message("partner\\.example$").contains("`https://evil-partner.example`"));
        let end_open = message("^https:\\/\\/example\\.com");
        assert!(end_open.contains("no `$`"), "{end_open}");
        assert!(end_open.contains("`https://example.com.evil.net`"), "{end_open}");
        assert!(!end_open.contains("evil-example"), "{end_open}");
        assert!(message("^https:\\/\\/.*example\\.com$").contains("wildcard right before the host"));
        let wildcard_open = message("^https:\\/\\/.*example\\.com");
        assert!(wildcard_open.contains("wildcard right before the host and has no `$`"), "{wildcard_open}");
        let scheme_unanchored = message("https:\\/\\/example\\.com");
        assert!(scheme_unanchored.starts_with("has no `$`"), "{scheme_unanchored}");
        assert!(!scheme_unanchored.contains("evil-"), "{scheme_unanchored}");
        let both = message("partner\\.example");
        assert!(both.contains("neither end"), "{both}");
        assert!(both.contains("evil-partner.example"), "{both}");
        assert!(both.contains("partner.example.evil.net"), "{both}");
        assert!(message("\\.example\\.org$").contains("`http://www.example.org`"));
    }

    #[test]
    fn end_anchor_only() {
        assert_eq!(fixed("^https:\\/\\/example\\.com").as_deref(), Some("^https:\\/\\/example\\.com$"));
        assert_eq!(fixed("^https?:\\/\\/example\\.com").as_deref(), Some("^https?:\\/\\/example\\.com$"));
        assert_eq!(fixed("^https:\\/\\/(.*\\.)?example\\.com(:\\d+)?").as_deref(), Some("^https:\\/\\/(.*\\.)?example\\.com(:\\d+)?$"));
        // `$` after a trailing wildcard still lets longer hosts through, so there is no fix.
        assert_eq!(fixed("^https:\\/\\/example\\.com.*"), None);
        assert_eq!(fixed("https:\\/\\/example\\.com").as_deref(), Some("^https:\\/\\/example\\.com$"));
        assert_eq!(fixed("^https:\\/\\/a\\.com|^https:\\/\\/b\\.com"), None);
    }

    #[test]
    fn subdomains_kept() {
        assert_eq!(fixed("partner\\.example$").as_deref(), Some("^https:\\/\\/([a-z0-9-]+\\.)*partner\\.example$"));
        assert_eq!(fixed("https?:\\/\\/.*example\\.com").as_deref(), Some("^https?:\\/\\/([a-z0-9-]+\\.)*example\\.com$"));
        assert_eq!(fixed("^https:\\/\\/.*example\\.com$").as_deref(), Some("^https:\\/\\/([a-z0-9-]+\\.)*example\\.com$"));
        assert_eq!(fixed("\\.example\\.org$").as_deref(), Some("^https:\\/\\/([a-z0-9-]+\\.)+example\\.org$"));
        assert_eq!(review_pattern("(foo|bar)\\.example", ""), Review::Unreadable);
    }

    #[test]
    fn unreadable_pattern() {
        assert_eq!(review_pattern("(?!evil)example\\.com", ""), Review::Unreadable);
        assert_eq!(review_pattern("^https:\\/\\/(?!evil)example\\.com$", ""), Review::Tight);
    }

    #[test]
    fn case_flag() {
        assert_eq!(review_pattern("^https:\\/\\/EXAMPLE\\.com$", "i"), Review::Tight);
        assert!(matches!(review_pattern("EXAMPLE\\.com$", "i"), Review::Loose { .. }));
    }
}
