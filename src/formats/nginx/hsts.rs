//! NGX003 missing-hsts: TLS servers without `Strict-Transport-Security`.
//!
//! Without HSTS a browser that types the bare host name, or follows an `http://` link, makes a
//! first plain request that an attacker on the network can intercept and downgrade. The header
//! only means something over TLS, so it goes into servers that listen only with `ssl` or `quic`
//! (or `ssl on`, before nginx 1.25.1 removed it), never into a port-80 server. A server that
//! serves both is reported, since a plain `add_header` would send it over HTTP too. By nginx's
//! inheritance rule the header is repeated in every `location` and `if` below that declares its
//! own `add_header`, and a server that gets its first `add_header` copies the ones it inherited.

use crate::edit::Fix;
use crate::finding::Finding;
use crate::rule::{Rule, RuleContext};

use super::headers::{add_header_line, add_header_lines, has_header, more_set_headers, more_set_note};
use super::model::{block_name, Doc, Level};
use super::parser::Context;

pub struct Hsts;

const ID: &str = "NGX003";
const HEADER: &str = "Strict-Transport-Security";
const MERGE: Option<&str> = Some("add_header_inherit");

/// The transport a server accepts connections on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Plain,
    Tls,
    Both,
}

/// Classifies the server at the end of `chain` by its `listen` directives (no `listen` means
/// port 80) and, before nginx 1.25.1, by `ssl on`.
pub fn transport(doc: &Doc, chain: &[Level<'_>], version: (u32, u32, u32)) -> Transport {
    let level = chain.last().expect("chain is never empty");
    let listens = doc.own(level, "listen");
    let ssl_on = version < (1, 25, 1)
        && chain.iter().rev().take(2).any(|l| doc.own(l, "ssl").iter().any(|e| e.args.first().is_some_and(|a| a == "on")));
    if ssl_on {
        return Transport::Tls;
    }
    if listens.is_empty() {
        return Transport::Plain;
    }
    let tls = |args: &[String]| args.iter().skip(1).any(|a| a == "ssl" || a == "quic");
    let tls_count = listens.iter().filter(|e| tls(&e.args)).count();
    match tls_count {
        0 => Transport::Plain,
        n if n == listens.len() => Transport::Tls,
        _ => Transport::Both,
    }
}

fn hsts_value(ctx: &RuleContext) -> String {
    let nginx = &ctx.settings.nginx;
    let mut value = format!("max-age={}", nginx.hsts_max_age);
    if nginx.hsts_include_subdomains {
        value.push_str("; includeSubDomains");
    }
    if nginx.hsts_preload {
        value.push_str("; preload");
    }
    value
}

impl Rule<Doc> for Hsts {
    fn id(&self) -> &'static str {
        ID
    }

    fn check(&self, doc: &Doc, ctx: &RuleContext) -> Vec<Finding> {
        let version = ctx.settings.nginx.version;
        let line = add_header_line(doc, HEADER, &hsts_value(ctx));
        let mut findings = Vec::new();
        doc.walk(&mut |chain| {
            let level = chain.last().expect("chain is never empty");
            let Some(server_at) = chain.iter().rposition(|l| l.context == Context::Server) else { return };
            let server_chain = &chain[..=server_at];
            let is_server = server_at == chain.len() - 1;
            let declaring_location = matches!(level.context, Context::Location | Context::IfInLocation) && !doc.own(level, "add_header").is_empty();
            if !is_server && !declaring_location {
                return;
            }
            if server_chain.last().expect("non-empty").owner.is_none() {
                // A snippet of locations: the server and its listen lines are elsewhere.
                return;
            }
            let span = doc.head_span(level);
            match transport(doc, server_chain, version) {
                Transport::Plain => return,
                Transport::Both if is_server => {
                    findings.push(
                        Finding::new(ID, span, "this server accepts both plain HTTP and TLS, so HSTS cannot be added with a plain add_header")
                            .with_note("move the plain-HTTP listen into its own server that redirects to https, or send the header through `map $https $hsts { on \"max-age=31536000\"; }` and `add_header Strict-Transport-Security $hsts always;`"),
                    );
                    return;
                }
                Transport::Both => return,
                Transport::Tls => {}
            }
            let effective = doc.effective(chain, "add_header", MERGE);
            let present: Vec<Vec<String>> = effective.entries.iter().map(|e| e.args.clone()).collect();
            if has_header(&present, HEADER) || more_set_note(&more_set_headers(doc, chain), HEADER).is_some() {
                return;
            }
            let what = if is_server { "TLS server".to_string() } else { format!("{} below a TLS server", block_name(level)) };
            let outer_unknown = doc.inclusion.is_none() && is_server && chain.iter().all(|l| doc.unresolved(l).is_empty());
            if let Some(reason) = &effective.uncertain {
                if !outer_unknown {
                    findings.push(
                        Finding::new(ID, span, format!("cannot tell whether this {what} sends Strict-Transport-Security"))
                            .with_note(format!("{reason}; add `{line}` by hand if it is missing")),
                    );
                    return;
                }
            }
            let mut review = false;
            let mut notes = Vec::new();
            let new = vec![line.clone()];
            let lines = match add_header_lines(doc, chain, MERGE, &new, outer_unknown) {
                Ok((lines, note)) => {
                    if let Some(note) = note {
                        review = true;
                        notes.push(note);
                    }
                    lines
                }
                Err(reason) => {
                    findings.push(
                        Finding::new(ID, span, format!("cannot tell whether this {what} sends Strict-Transport-Security"))
                            .with_note(format!("{reason}; add `{line}` by hand if it is missing")),
                    );
                    return;
                }
            };
            if lines.len() > new.len() {
                notes.push("this level declared no add_header and inherited some from above; they are copied here because a level with its own add_header inherits none".to_string());
            }
            let mut message = format!("this {what} does not send Strict-Transport-Security");
            if !is_server {
                message.push_str(" (it declares its own add_header, so it inherits none from the server)");
            }
            let edit = doc.insert(level, "add_header", &lines);
            let fix = if review { Fix::review(vec![edit]) } else { Fix::safe(vec![edit]) };
            let mut finding = Finding::new(ID, span, message).with_fix(fix);
            notes.push("includeSubDomains and preload are not added: they commit every subdomain to HTTPS; set `nginx.hsts_include_subdomains` or `nginx.hsts_preload` to add them".to_string());
            for note in notes {
                finding = finding.with_note(note);
            }
            findings.push(finding);
        });
        findings
    }
}
