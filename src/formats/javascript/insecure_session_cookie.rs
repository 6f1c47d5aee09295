//! EXP001 insecure-session-cookie: a session cookie from `express-session` or `cookie-session`
//! without `sameSite`, with `httpOnly: false`, or without `secure`. Without them the session id
//! travels over plain HTTP, rides along on cross-site requests, or is readable by injected
//! scripts. When a TLS-terminating proxy forwards plain HTTP, express-session silently skips a
//! `secure` cookie and cookie-session throws, so the `secure` fix also makes the app trust
//! `express.trust_proxy_hops` proxies. A missing `sameSite` is added by a safe fix; explicit
//! `false` values are changed only by review-level fixes.

use super::object::add_properties;
use super::script::Script;
use super::session::{session_calls, CookieFlags, Flag, SessionCall, SessionPackage};
use crate::edit::{Edit, Fix};
use crate::finding::Finding;
use crate::rule::{Rule, RuleContext};

pub struct InsecureSessionCookie;

const ID: &str = "EXP001";

impl<'t> Rule<Script<'t>> for InsecureSessionCookie {
    fn id(&self) -> &'static str {
        ID
    }

    fn check(&self, script: &Script<'t>, ctx: &RuleContext) -> Vec<Finding> {
        let mut findings = Vec::new();
        for session in session_calls(script) {
            check_session(script, ctx, &session, &mut findings);
        }
        findings
    }
}

fn check_session<'t>(script: &Script<'t>, ctx: &RuleContext, session: &SessionCall<'t>, findings: &mut Vec<Finding>) {
    let text = script.text;
    let same_site = script.quoted(&ctx.settings.cookies.same_site);
    let package = session.package.name();
    match session.cookie(script) {
        CookieFlags::NoOptions => {
            findings.push(
                Finding::new(ID, session.callee().byte_range(), format!("{package} is called without options, so its cookie has no `secure` or `sameSite` flag"))
                    .with_note("pass an options object with the cookie flags; cinch does not write the whole configuration"),
            );
        }
        CookieFlags::Opaque(node, why) => {
            findings.push(
                Finding::new(ID, node.byte_range(), format!("cannot check the {package} cookie flags: the options are {why}"))
                    .with_note("make sure the session cookie sets `secure: true`, `httpOnly: true` and `sameSite`"),
            );
        }
        CookieFlags::MissingCookie { options } => {
            let range = session.callee().byte_range();
            let message = format!("{package} has no `cookie` option, so the session cookie has no `sameSite` or `secure` flag");
            findings.push(
                Finding::new(ID, range.clone(), message.clone())
                    .with_fix(Fix::safe(add_properties(script, options, &[("cookie", format!("{{ sameSite: {same_site} }}"))]))),
            );
            let edits = add_properties(script, options, &[("cookie", "{ secure: true }".to_string())]);
            findings.push(secure_finding(script, ctx, session, range, format!("{package} sends the session cookie without `secure`"), edits));
        }
        CookieFlags::Object { object, anchor } => {
            // Missing flags are added by a safe fix; explicit weak values are changed only by
            // review-level fixes, each on its own property.
            if let Flag::False(found) = Flag::read(object, "httpOnly", text) {
                findings.push(
                    Finding::new(ID, found.node.byte_range(), format!("the {package} cookie sets `httpOnly: false`, so any script on the page can read the session id"))
                        .with_fix(Fix::review(vec![Edit::replace(found.value.byte_range(), "true")]))
                        .with_note("an explicit `httpOnly: false` may be there because a browser script reads this cookie; that script stops working after the fix"),
                );
            }
            let same_site_flag = Flag::read(object, "sameSite", text);
            match same_site_flag {
                Flag::Missing => {
                    findings.push(
                        Finding::new(ID, anchor.byte_range(), format!("the {package} cookie has no `sameSite` flag"))
                            .with_fix(Fix::safe(add_properties(script, object, &[("sameSite", same_site.clone())])))
                            .with_note("without `sameSite` some browsers send the cookie on cross-site requests"),
                    );
                }
                Flag::False(found) => {
                    findings.push(
                        Finding::new(ID, found.node.byte_range(), format!("the {package} cookie sets `sameSite: false`, so it has no `SameSite` attribute and some browsers send it on cross-site requests"))
                            .with_fix(Fix::review(vec![Edit::replace(found.value.byte_range(), same_site.clone())]))
                            .with_note(format!(
                                "an explicit `sameSite: false` may be deliberate for a session that must survive requests from other sites (a login that posts back from an identity provider, an embedded page), which `sameSite: {same_site}` stops; check such flows before applying the fix"
                            )),
                    );
                }
                _ => {}
            }

            let none = same_site_flag.none_literal(text);
            match Flag::read(object, "secure", text) {
                Flag::Missing => {
                    let message = if let Some(literal) = none {
                        format!("the {package} cookie has `sameSite: {literal}` without `secure`, and browsers reject such cookies")
                    } else {
                        format!("the {package} cookie has no `secure` flag, so it is also sent over plain HTTP")
                    };
                    let edits = add_properties(script, object, &[("secure", "true".to_string())]);
                    findings.push(secure_finding(script, ctx, session, anchor.byte_range(), message, edits));
                }
                Flag::False(found) => {
                    let message = if let Some(literal) = none {
                        format!("the {package} cookie has `sameSite: {literal}` with `secure: false`, and browsers reject such cookies")
                    } else {
                        format!("the {package} cookie sets `secure: false`, so it is also sent over plain HTTP")
                    };
                    let edits = vec![Edit::replace(found.value.byte_range(), "true")];
                    let finding = secure_finding(script, ctx, session, found.node.byte_range(), message, edits)
                        .with_note("`secure: false` may be deliberate for local development over HTTP; set it from the environment if so");
                    findings.push(finding);
                }
                _ => {}
            }
        }
    }
}

/// Builds a review-level finding whose fix sets `secure` and, where the app does not trust a proxy yet,
/// adds `app.set('trust proxy', N)`.
fn secure_finding<'t>(
    script: &Script<'t>,
    ctx: &RuleContext,
    session: &SessionCall<'t>,
    range: std::ops::Range<usize>,
    message: String,
    mut edits: Vec<Edit>,
) -> Finding {
    let mut notes = Vec::new();
    let package = session.package.name();
    if session.needs_trust_proxy(script) {
        let hops = ctx.settings.express.trust_proxy_hops;
        let trust = format!("set({}, {hops})", script.quoted("trust proxy"));
        match script.app_for(session.call) {
            Some(app) => {
                edits.push(script.app_setting(app, &trust));
                notes.push(format!(
                    "the fix also adds `{}.{trust}`: behind a TLS-terminating proxy, Express sees that a request came over HTTPS only through `X-Forwarded-Proto` from a trusted proxy; set `express.trust_proxy_hops` to the number of proxies in front of the app",
                    app.name
                ));
            }
            None if script.apps.is_empty() => notes.push(format!(
                "this file creates no Express app: behind a TLS-terminating proxy, the app that mounts this middleware needs `app.{trust}`"
            )),
            None => notes.push(format!(
                "this file creates several Express apps and cinch cannot tell which one mounts this middleware: behind a TLS-terminating proxy, that app needs `app.{trust}`"
            )),
        }
    }
    notes.push(match session.package {
        SessionPackage::ExpressSession => {
            "express-session silently skips a secure cookie on a request that Express sees as plain HTTP, so local development over plain HTTP loses the session".to_string()
        }
        SessionPackage::CookieSession => format!(
            "{package} throws `Cannot send secure cookie over unencrypted connection` on a request that Express sees as plain HTTP, so local development needs TLS or a `secure` value from the environment"
        ),
    });
    let mut finding = Finding::new(ID, range, message).with_fix(Fix::review(edits));
    for note in notes {
        finding = finding.with_note(note);
    }
    finding
}
