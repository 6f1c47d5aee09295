//! EXP002 insecure-cookie-options: `res.cookie(name, value[, options])` without `httpOnly`,
//! `secure` or `sameSite`. Express sets none of them by default, so the cookie is readable by
//! injected scripts, sent over plain HTTP and sent on cross-site requests. Express writes the
//! `Secure` attribute whatever the request's scheme, so adding it needs no proxy setting.
//!
//! Missing flags are added by a safe fix. A value the author wrote is a choice that the app may
//! rely on, so an explicit `secure: false` or `sameSite: false` is changed only by a review-level
//! fix, and an explicit `httpOnly: false` is reported without one.
//!
//! The call is found by shape, because controllers rarely import express: a `.cookie(...)` call
//! with two or three arguments on the response parameter of a function shaped like a handler,
//! `(req, res)`, `(req, res, next)` or `(err, req, res, next)`. Cookies that browser scripts
//! must read (`cookies.readable_by_scripts`) get no `httpOnly`.

use globset::GlobBuilder;
use tree_sitter::Node;

use super::object::{add_properties, quoted_in, Property};
use super::script::{Options, Script};
use super::session::Flag;
use super::syntax::{call_arguments, is_function, method_call, named_children, parameter_names, string_value, text_of, unwrap_expression};
use crate::edit::{Edit, Fix};
use crate::finding::Finding;
use crate::rule::{Rule, RuleContext};

pub struct InsecureCookieOptions;

const ID: &str = "EXP002";

impl<'t> Rule<Script<'t>> for InsecureCookieOptions {
    fn id(&self) -> &'static str {
        ID
    }

    fn check(&self, script: &Script<'t>, ctx: &RuleContext) -> Vec<Finding> {
        script.calls.iter().filter_map(|call| check_call(script, ctx, *call)).flatten().collect()
    }
}

fn check_call<'t>(script: &Script<'t>, ctx: &RuleContext, call: Node<'t>) -> Option<Vec<Finding>> {
    let text = script.text;
    let (receiver, method) = method_call(call, text)?;
    let args = call_arguments(call);
    if method != "cookie" || !(2..=3).contains(&args.len()) || !is_response(receiver, text) {
        return None;
    }
    let name = string_value(args[0], text);
    let readable = name.as_deref().is_some_and(|name| is_readable(name, &ctx.settings.cookies.readable_by_scripts));
    let cookie_label = name.as_deref().map_or_else(|| "a cookie".to_string(), |name| format!("cookie `{name}`"));
    let same_site = &ctx.settings.cookies.same_site;
    let readable_note = || {
        format!(
            "`httpOnly` is left out on purpose: {cookie_label} is listed in `cookies.readable_by_scripts`, because browser scripts read it (a double-submit CSRF token)"
        )
    };

    let Some(options_arg) = args.get(2) else {
        let mut properties = Vec::new();
        if !readable {
            properties.push("httpOnly: true".to_string());
        }
        properties.push("secure: true".to_string());
        properties.push(format!("sameSite: {}", script.quoted(same_site)));
        let edit = Edit::insert(args[1].end_byte(), format!(", {{ {} }}", properties.join(", ")));
        let missing = if readable { "no options, so it has no `secure` or `sameSite` flag" } else { "no options, so it has no `httpOnly`, `secure` or `sameSite` flag" };
        let mut finding = Finding::new(ID, call.byte_range(), format!("{cookie_label} is set with {missing}")).with_fix(Fix::safe(vec![edit]));
        if readable {
            finding = finding.with_note(readable_note());
        }
        return Some(vec![finding]);
    };

    let object = match script.options(*options_arg) {
        Options::Object(object) => object,
        Options::Opaque(node, why) => {
            return Some(vec![Finding::new(ID, node.byte_range(), format!("cannot check the options of {cookie_label}: they are {why}"))
                .with_note("make sure the options set `httpOnly: true` (unless scripts read the cookie), `secure: true` and `sameSite`")]);
        }
    };

    // Options held in a `const` may also serve a cookie that scripts read, which must stay readable.
    let sharer = if readable { None } else { readable_sharer(script, ctx, *options_arg, call) };
    let same_site_flag = Flag::read(object, "sameSite", text);
    let none = same_site_flag.none_literal(text);
    let none_without_secure = none.map(|literal| format!("`sameSite: {literal}` without `secure`, which browsers reject"));
    // A finding about one explicit value sits on that value when the object is written in the call.
    let at = |found: Property<'_>| if call.byte_range().contains(&found.node.start_byte()) { found.node.byte_range() } else { call.byte_range() };
    let mut findings = Vec::new();
    let mut missing: Vec<(&str, String)> = Vec::new();
    let mut problems = Vec::new();
    let http_only = Flag::read(object, "httpOnly", text);
    if !readable && sharer.is_none() {
        match http_only {
            Flag::Missing => {
                problems.push("no `httpOnly`");
                missing.push(("httpOnly", "true".to_string()));
            }
            Flag::False(found) => findings.push(
                Finding::new(ID, at(found), format!("{cookie_label} is set with `httpOnly: false`, so any script on the page can read it"))
                    .with_note("an explicit `httpOnly: false` usually means that browser scripts read this cookie, so cinch does not change it: set it to `true` if no script does, or add the cookie's name to `cookies.readable_by_scripts` if one does"),
            ),
            _ => {}
        }
    }
    match Flag::read(object, "secure", text) {
        Flag::Missing => {
            problems.push(none_without_secure.as_deref().unwrap_or("no `secure`"));
            missing.push(("secure", "true".to_string()));
        }
        Flag::False(found) => {
            let message = if let Some(literal) = none {
                format!("{cookie_label} is set with `sameSite: {literal}` and `secure: false`, and browsers reject such cookies")
            } else {
                format!("{cookie_label} is set with `secure: false`, so browsers also send it over plain HTTP")
            };
            findings.push(
                Finding::new(ID, at(found), message)
                    .with_fix(Fix::review(vec![Edit::replace(found.value.byte_range(), "true")]))
                    .with_note("`secure: false` may be deliberate for a development server on plain HTTP, because browsers keep a secure cookie sent over plain HTTP only from localhost; set it from the environment if so"),
            );
        }
        _ => {}
    }
    match same_site_flag {
        Flag::Missing => {
            problems.push("no `sameSite`");
            missing.push(("sameSite", quoted_in(object, script, same_site)));
        }
        Flag::False(found) => {
            let value = quoted_in(object, script, same_site);
            findings.push(
                Finding::new(ID, at(found), format!("{cookie_label} is set with `sameSite: false`, so it has no `SameSite` attribute and some browsers send it on cross-site requests"))
                    .with_note(format!("an explicit `sameSite: false` may be deliberate for a cookie that must come along on requests from other sites, which `sameSite: {value}` stops; check such flows before applying the fix"))
                    .with_fix(Fix::review(vec![Edit::replace(found.value.byte_range(), value)])),
            );
        }
        _ => {}
    }
    if !problems.is_empty() {
        let mut finding = Finding::new(ID, call.byte_range(), format!("{cookie_label} is set with {}", join_and(&problems)))
            .with_fix(Fix::safe(add_properties(script, object, &missing)));
        if readable && !matches!(http_only, Flag::True(_)) {
            finding = finding.with_note(readable_note());
        }
        if let Some(other) = &sharer {
            finding = finding.with_note(format!(
                "`httpOnly` is left out: these options also serve cookie `{other}`, which `cookies.readable_by_scripts` lists as read by browser scripts; give {cookie_label} options of its own to make it `httpOnly`"
            ));
        }
        findings.insert(0, finding);
    }
    Some(findings)
}

/// Returns the name of another cookie, listed in `cookies.readable_by_scripts`, whose
/// `res.cookie(...)` call passes the same `const` options as `call`.
fn readable_sharer(script: &Script, ctx: &RuleContext, options: Node<'_>, call: Node<'_>) -> Option<String> {
    let text = script.text;
    let options = unwrap_expression(options);
    if options.kind() != "identifier" {
        return None;
    }
    let shared = text_of(options, text);
    script.calls.iter().filter(|other| other.id() != call.id()).find_map(|other| {
        let (receiver, method) = method_call(*other, text)?;
        let args = call_arguments(*other);
        if method != "cookie" || args.len() != 3 || !is_response(receiver, text) {
            return None;
        }
        let passed = unwrap_expression(args[2]);
        if passed.kind() != "identifier" || text_of(passed, text) != shared {
            return None;
        }
        let name = string_value(args[0], text)?;
        is_readable(&name, &ctx.settings.cookies.readable_by_scripts).then_some(name)
    })
}

/// Checks whether `receiver` (or the root of a chain such as `res.status(200)`) is the response
/// parameter of the innermost enclosing function that declares that name, and that function is
/// shaped like an Express handler.
fn is_response(receiver: Node<'_>, text: &str) -> bool {
    let mut root = receiver;
    while root.kind() == "call_expression" {
        match method_call(root, text) {
            Some((object, _)) => root = object,
            None => return false,
        }
    }
    if root.kind() != "identifier" {
        return false;
    }
    let name = text_of(root, text);
    let mut current = root.parent();
    while let Some(node) = current {
        if is_function(node) {
            let params = parameter_names(node, text);
            if let Some(position) = params.iter().position(|p| p.as_deref() == Some(name)) {
                return is_handler(node, &params, position, text);
            }
        }
        current = node.parent();
    }
    false
}

/// Checks that a function whose parameter `position` receives `.cookie(...)` is shaped like an
/// Express handler. Its parameters must be plain names, `(req, res)`, `(req, res, next)` or
/// `(err, req, res, next)`. One more sign is also required: the names start with `req` and `res`,
/// the response parameter is typed as a `Response`, or the function is passed to a route or
/// middleware method such as `app.get(...)` or `router.use(...)`.
fn is_handler(function: Node<'_>, params: &[Option<String>], position: usize, text: &str) -> bool {
    let arity = matches!((params.len(), position), (2, 1) | (3, 1) | (4, 2));
    if !arity || !params.iter().all(Option::is_some) {
        return false;
    }
    // A leading underscore marks an unused parameter (`_req`) in TypeScript and ESLint setups.
    let plain = |index: usize| params[index].as_deref().unwrap_or("").trim_start_matches('_').to_ascii_lowercase();
    let (request, response) = (plain(position - 1), plain(position));
    if request.starts_with("req") && response.starts_with("res") {
        return true;
    }
    let typed_response = function
        .child_by_field_name("parameters")
        .and_then(|list| named_children(list).get(position).copied())
        .and_then(|param| param.child_by_field_name("type"))
        .is_some_and(|annotation| text_of(annotation, text).contains("Response"));
    typed_response || is_route_argument(function, text)
}

const ROUTE_METHODS: [&str; 10] = ["all", "delete", "get", "head", "options", "patch", "post", "put", "use", "route"];

/// Checks whether `function` is an argument of `x.get(...)`, `x.post(...)`, `x.use(...)` and the like.
fn is_route_argument(function: Node<'_>, text: &str) -> bool {
    let Some(arguments) = function.parent().filter(|p| p.kind() == "arguments") else { return false };
    let Some(call) = arguments.parent() else { return false };
    method_call(call, text).is_some_and(|(_, method)| ROUTE_METHODS.contains(&method.as_str()))
}

/// Joins phrases as `a, b and c`.
pub(super) fn join_and(phrases: &[&str]) -> String {
    match phrases {
        [] => String::new(),
        [only] => only.to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// Checks whether `name` matches one of the `cookies.readable_by_scripts` patterns (`*` wildcards,
/// letter case ignored).
fn is_readable(name: &str, patterns: &[String]) -> bool {
    patterns.iter().any(|pattern| {
        GlobBuilder::new(pattern)
            .case_insensitive(true)
            .literal_separator(false)
            .build()
            .map(|glob| glob.compile_matcher().is_match(name))
            .unwrap_or(false)
    })
}

#[cfg(test)]
mod tests {
    use super::is_readable;

    #[test]
    fn readable_patterns() {
        let patterns = vec!["XSRF-TOKEN".to_string(), "csrf*".to_string()];
        assert!(is_readable("XSRF-TOKEN", &patterns));
        assert!(is_readable("xsrf-token", &patterns));
        assert!(is_readable("csrfToken", &patterns));
        assert!(!is_readable("sid", &patterns));
        assert!(!is_readable("_csrf", &patterns));
    }
}
