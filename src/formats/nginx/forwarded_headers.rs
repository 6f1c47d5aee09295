//! NGX004 missing-forwarded-headers: proxied requests without `X-Forwarded-For` and
//! `X-Forwarded-Proto`.
//!
//! Without them the upstream receives nginx's address as the client and `http` as the scheme, so it
//! logs and rate-limits the wrong address, builds `http://` redirects and sets cookies without
//! `Secure`. The headers go into the `server` (or into `http` when that block already holds the
//! `proxy_set_header` set the server inherits), and into every `location` below that declares its
//! own `proxy_set_header`, because nginx inherits `proxy_set_header` only into levels that declare
//! none. `Host` is never added (nginx sends `$proxy_host` by default and upstreams chosen by name
//! depend on it), but a location that loses an inherited `Host` is reported. The fix changes what
//! upstreams see, so it needs review.

use crate::edit::Fix;
use crate::finding::Finding;
use crate::rule::{Rule, RuleContext};

use super::headers::{has_header, lines_with_inherited};
use super::model::{Doc, Level};
use super::parser::{Context, Directive};

pub struct ForwardedHeaders;

const ID: &str = "NGX004";
const NAME: &str = "proxy_set_header";
const WANTED: [(&str, &str); 2] = [("X-Forwarded-For", "$proxy_add_x_forwarded_for"), ("X-Forwarded-Proto", "$scheme")];

fn proxies(children: &[Directive]) -> bool {
    children.iter().any(|d| d.is("proxy_pass") || d.block.as_ref().is_some_and(|b| b.context != Context::Raw && proxies(&b.children)))
}

fn location_name(level: &Level<'_>) -> String {
    match level.owner {
        Some(owner) => format!("`location {}`", owner.args.iter().map(|a| a.value.as_str()).collect::<Vec<_>>().join(" ")),
        None => "location".to_string(),
    }
}

impl Rule<Doc> for ForwardedHeaders {
    fn id(&self) -> &'static str {
        ID
    }

    fn check(&self, doc: &Doc, _ctx: &RuleContext) -> Vec<Finding> {
        let mut findings = Vec::new();
        doc.walk(&mut |chain| {
            let level = chain.last().expect("chain is never empty");
            match level.context {
                Context::Server if level.owner.is_some() && proxies(level.children) => {
                    findings.extend(check_server(doc, chain));
                }
                Context::Location if proxies(level.children) && !doc.own(level, NAME).is_empty() => {
                    findings.extend(check_location(doc, chain));
                }
                _ => {}
            }
        });
        findings
    }
}

fn missing_lines(doc: &Doc, chain: &[Level<'_>]) -> (Vec<&'static str>, Vec<String>, Option<String>) {
    let effective = doc.effective(chain, NAME, None);
    let present: Vec<Vec<String>> = effective.entries.iter().map(|e| e.args.clone()).collect();
    let missing: Vec<(&str, &str)> = WANTED.iter().copied().filter(|(header, _)| !has_header(&present, header)).collect();
    let lines = missing.iter().map(|(header, value)| format!("{NAME} {header} {value};")).collect();
    (missing.iter().map(|(h, _)| *h).collect(), lines, effective.uncertain)
}

fn check_server(doc: &Doc, chain: &[Level<'_>]) -> Vec<Finding> {
    let server = chain.last().expect("chain is never empty");
    let span = doc.head_span(server);
    // The http block takes the headers when it holds the set this server inherits.
    let http_at = chain.iter().rposition(|l| l.context == Context::Http && l.owner.is_some());
    let target_chain = match http_at {
        Some(at) if doc.own(server, NAME).is_empty() && doc.unresolved(server).is_empty() && !doc.own(&chain[at], NAME).is_empty() => &chain[..=at],
        _ => chain,
    };
    let target = target_chain.last().expect("non-empty");

    let (missing, new, uncertain) = missing_lines(doc, target_chain);
    if missing.is_empty() && uncertain.is_none() {
        return Vec::new();
    }
    let outer_unknown = doc.inclusion.is_none() && target.context == Context::Server && chain.iter().all(|l| doc.unresolved(l).is_empty());
    if let Some(reason) = &uncertain {
        if !outer_unknown {
            return vec![Finding::new(ID, span, "cannot tell whether this server passes X-Forwarded-For and X-Forwarded-Proto to its upstreams")
                .with_note(format!("{reason}; add `proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;` and `proxy_set_header X-Forwarded-Proto $scheme;` by hand if they are missing"))];
        }
        if missing.is_empty() {
            return Vec::new();
        }
    }

    let mut notes = Vec::new();
    let lines = match lines_with_inherited(doc, target_chain, NAME, None, &new) {
        Ok(lines) => lines,
        Err(_) if outer_unknown => {
            notes.push(format!("{}; a server that declares its first proxy_set_header stops inheriting that block's, so copy any it has into this server", doc.unknown_includer()));
            new.clone()
        }
        Err(reason) => {
            return vec![Finding::new(ID, span, "cannot tell whether this server passes X-Forwarded-For and X-Forwarded-Proto to its upstreams")
                .with_note(format!("{reason}; add the headers by hand if they are missing"))];
        }
    };
    if lines.len() > new.len() {
        notes.push("this server declared no proxy_set_header and inherited some from above; they are copied here because a level with its own proxy_set_header inherits none".to_string());
    }

    let place = if target.context == Context::Http { " (added to the http block, which holds the proxy_set_header lines this server inherits)" } else { "" };
    let edit = doc.insert(target, NAME, &lines);
    let mut finding = Finding::new(ID, span, format!("this server proxies requests without {}{place}", missing.join(" and ")))
        .with_note("the upstream sees the client address and scheme after this change; check that it trusts X-Forwarded-* only from this proxy")
        .with_fix(Fix::review(vec![edit]));
    for note in notes {
        finding = finding.with_note(note);
    }
    vec![finding]
}

fn check_location(doc: &Doc, chain: &[Level<'_>]) -> Vec<Finding> {
    let level = chain.last().expect("chain is never empty");
    let span = doc.head_span(level);
    let name = location_name(level);
    let mut findings = Vec::new();

    // Host is reported, never added: the default `$proxy_host` may be what the upstream expects.
    let own = doc.own(level, NAME);
    let own_args: Vec<Vec<String>> = own.iter().map(|e| e.args.clone()).collect();
    let parent = doc.effective(&chain[..chain.len() - 1], NAME, None);
    let inherited_host = parent.entries.iter().find(|e| e.args.first().is_some_and(|h| h.eq_ignore_ascii_case("host")));
    if let Some(host) = inherited_host {
        if !has_header(&own_args, "Host") && doc.unresolved(level).is_empty() {
            findings.push(
                Finding::new(ID, span.clone(), format!("{name} sets its own proxy_set_header, so it no longer sends the inherited `{}`", host.text))
                    .with_note("nginx then sends `Host: $proxy_host`; add the line here if the upstream depends on the original host name (cinch does not, because it changes what the upstream sees)"),
            );
        }
    }

    let (missing, new, uncertain) = missing_lines(doc, chain);
    if let Some(reason) = uncertain {
        findings.push(Finding::new(ID, span, format!("cannot tell whether {name} passes X-Forwarded-For and X-Forwarded-Proto"))
            .with_note(format!("{reason}; add the headers by hand if they are missing")));
        return findings;
    }
    if missing.is_empty() {
        return findings;
    }
    let edit = doc.insert(level, NAME, &new);
    findings.push(
        Finding::new(ID, span, format!("{name} proxies requests without {} (it declares its own proxy_set_header, so it inherits none from the server)", missing.join(" and ")))
            .with_note("the upstream sees the client address and scheme after this change; check that it trusts X-Forwarded-* only from this proxy")
            .with_fix(Fix::review(vec![edit])),
    );
    findings
}
