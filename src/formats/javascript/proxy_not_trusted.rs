//! EXP005 proxy-not-trusted: a session cookie that is already `secure` in an app with no
//! `trust proxy` setting. Behind a TLS-terminating proxy, Express receives plain HTTP, so
//! express-session silently stops sending the cookie and cookie-session throws. The fix makes the
//! app trust `express.trust_proxy_hops` proxies (never `true`, which lets any client forge
//! `X-Forwarded-For`).

use super::script::Script;
use super::session::{session_calls, CookieFlags, Flag};
use crate::edit::Fix;
use crate::finding::Finding;
use crate::rule::{Rule, RuleContext};

pub struct ProxyNotTrusted;

const ID: &str = "EXP005";

impl<'t> Rule<Script<'t>> for ProxyNotTrusted {
    fn id(&self) -> &'static str {
        ID
    }

    fn check(&self, script: &Script<'t>, ctx: &RuleContext) -> Vec<Finding> {
        if script.trusts_proxy {
            return Vec::new();
        }
        let hops = ctx.settings.express.trust_proxy_hops;
        let mut findings = Vec::new();
        for session in session_calls(script) {
            if !session.needs_trust_proxy(script) {
                continue;
            }
            let CookieFlags::Object { object, .. } = session.cookie(script) else { continue };
            let flag = Flag::read(object, "secure", script.text);
            let secure = match flag {
                Flag::True(found) => found,
                Flag::Text(found) if flag.string(script.text).as_deref() == Some("auto") => found,
                _ => continue,
            };
            // Without an app in this file, the setting may well live where the app is created.
            let Some(app) = script.app_for(session.call) else { continue };
            let edit = script.app_setting(app, &format!("set({}, {hops})", script.quoted("trust proxy")));
            findings.push(
                Finding::new(
                    ID,
                    secure.node.byte_range(),
                    format!("the {} cookie is secure but `{}` does not trust its proxy, so behind a TLS-terminating proxy the cookie is not sent", session.package.name(), app.name),
                )
                .with_fix(Fix::review(vec![edit]))
                .with_note(format!("the fix trusts {hops} proxy hop(s); set `express.trust_proxy_hops` to the number of proxies in front of the app")),
            );
        }
        findings
    }
}
