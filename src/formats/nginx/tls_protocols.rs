//! NGX005 legacy-tls-protocols: `ssl_protocols` that allow SSLv3, TLSv1 or TLSv1.1.
//!
//! These protocol versions have known attacks (POODLE, BEAST) and lack modern cipher suites;
//! every current browser speaks TLSv1.2. The fix removes the legacy versions from the list, and
//! writes `TLSv1.2 TLSv1.3` when none other remains. Before nginx 1.23.4
//! the default list still included TLSv1 and TLSv1.1, so for such targets (`nginx.version`) a
//! TLS server that sets no `ssl_protocols` at all is a finding too.

use crate::edit::{Edit, Fix};
use crate::finding::Finding;
use crate::rule::{Rule, RuleContext};

use super::hsts::{transport, Transport};
use super::model::Doc;
use super::parser::Context;

pub struct TlsProtocols;

const ID: &str = "NGX005";
const LEGACY: &[&str] = &["SSLv2", "SSLv3", "TLSv1", "TLSv1.1"];
const MODERN: &str = "TLSv1.2 TLSv1.3";

impl Rule<Doc> for TlsProtocols {
    fn id(&self) -> &'static str {
        ID
    }

    fn check(&self, doc: &Doc, ctx: &RuleContext) -> Vec<Finding> {
        let version = ctx.settings.nginx.version;
        let old_default = version < (1, 23, 4);
        let mut findings = Vec::new();
        let mut http_reported = false;
        doc.walk(&mut |chain| {
            let level = chain.last().expect("chain is never empty");
            for directive in level.children.iter().filter(|d| d.is("ssl_protocols") && d.block.is_none()) {
                let legacy: Vec<&str> = directive.args.iter().map(|a| a.value.as_str()).filter(|v| LEGACY.contains(v)).collect();
                if legacy.is_empty() || directive.args.is_empty() {
                    continue;
                }
                let range = directive.args[0].span.start..directive.head_end();
                // Only the legacy versions go; a version the list did not allow is added only
                // when nothing would remain.
                let remaining: Vec<&str> = directive
                    .args
                    .iter()
                    .filter(|a| !LEGACY.contains(&a.value.as_str()))
                    .map(|a| &doc.text()[a.span.clone()])
                    .collect();
                let mut finding = Finding::new(ID, directive.span.clone(), format!("`ssl_protocols` allows {}, {} known attacks", legacy.join(", "), if legacy.len() == 1 { "which has" } else { "which have" }))
                    .with_note("clients limited to TLSv1.1 or older (Android 4.3, Internet Explorer 10 and older) can no longer connect");
                let replacement = if remaining.is_empty() {
                    finding = finding.with_note(format!("the list allows no version newer than TLSv1.1, so the fix writes `{MODERN}`"));
                    MODERN.to_string()
                } else {
                    remaining.join(" ")
                };
                findings.push(finding.with_fix(Fix::safe(vec![Edit::replace(range, replacement)])));
            }

            if !old_default || level.context != Context::Server || level.owner.is_none() {
                return;
            }
            if transport(doc, chain, version) == Transport::Plain {
                return;
            }
            let effective = doc.effective(chain, "ssl_protocols", None);
            if !effective.entries.is_empty() {
                return;
            }
            // Prefer the http block, which covers every server of the file at once.
            let http_at = chain.iter().rposition(|l| l.context == Context::Http && l.owner.is_some());
            let (target, target_chain) = match http_at {
                Some(at) => (chain[at], &chain[..=at]),
                None => (*level, chain),
            };
            if http_at.is_some() && http_reported {
                return;
            }
            let span = doc.head_span(&target);
            let message = format!(
                "nginx {}.{}.{} allows TLSv1 and TLSv1.1 by default, and this TLS server sets no ssl_protocols",
                version.0, version.1, version.2
            );
            if let Some(reason) = effective.uncertain {
                if !(http_at.is_none() && doc.inclusion.is_none() && target_chain.iter().all(|l| doc.unresolved(l).is_empty())) {
                    findings.push(Finding::new(ID, span, message).with_note(format!("{reason}; add `ssl_protocols {MODERN};` by hand if nothing sets it")));
                    return;
                }
            }
            http_reported |= http_at.is_some();
            let edit = doc.insert(&target, "ssl_protocols", &[format!("ssl_protocols {MODERN};")]);
            findings.push(
                Finding::new(ID, span, message)
                    .with_note("nginx 1.23.4 and later default to TLSv1.2 TLSv1.3; set `nginx.version` to the version you run")
                    .with_fix(Fix::safe(vec![edit])),
            );
        });
        findings
    }
}
