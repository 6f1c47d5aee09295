//! NGX002 missing-security-headers: responses without `X-Content-Type-Options`,
//! `X-Frame-Options` and `Referrer-Policy`.
//!
//! Without them browsers sniff content types, let any site frame the pages (clickjacking), and
//! send full URLs to other sites. The headers go into the highest level: `http`, or each `server`
//! of a snippet whose `http` block is not in the tree. nginx inherits `add_header` only into
//! levels that declare none, so the headers are also repeated in every `server`, `location` and
//! `if` below that declares its own. `X-XSS-Protection` is not added: browsers dropped the filter it
//! controls, and current guidance is to leave it unset.

use crate::edit::{Edit, Fix};
use crate::finding::Finding;
use crate::rule::{Rule, RuleContext};

use super::headers::{add_header_line, add_header_lines, has_header, more_set_headers, more_set_note};
use super::model::{block_name, header_key, Doc, Level};
use super::parser::Context;

pub struct SecurityHeaders;

const ID: &str = "NGX002";
const MERGE: Option<&str> = Some("add_header_inherit");

/// Whether the last level of `chain` is where the headers go even without its own `add_header`.
fn is_top_target(doc: &Doc, chain: &[Level<'_>]) -> bool {
    let level = chain.last().expect("chain is never empty");
    match level.context {
        Context::Http => level.owner.is_some(),
        Context::Server => doc.top == Context::Http && chain.len() == 2 && doc.inclusion.is_none(),
        _ => false,
    }
}

fn accepts_add_header(context: Context) -> bool {
    matches!(context, Context::Http | Context::Server | Context::Location | Context::IfInLocation)
}

impl Rule<Doc> for SecurityHeaders {
    fn id(&self) -> &'static str {
        ID
    }

    fn check(&self, doc: &Doc, ctx: &RuleContext) -> Vec<Finding> {
        let wanted = [
            ("X-Content-Type-Options", "nosniff".to_string()),
            ("X-Frame-Options", ctx.settings.nginx.frame_options.clone()),
            ("Referrer-Policy", "strict-origin-when-cross-origin".to_string()),
        ];
        let mut findings = Vec::new();
        doc.walk(&mut |chain| {
            let level = chain.last().expect("chain is never empty");
            if !accepts_add_header(level.context) {
                return;
            }
            let own = doc.own(level, "add_header");
            let top = is_top_target(doc, chain);
            // A snippet's top level is part of the including block, whose other includes this
            // file cannot see, so only blocks written in this file are checked.
            // Its own lines still get `always` when another file includes it.
            let nested = !own.is_empty() && level.owner.is_some();
            let included_top = !own.is_empty() && level.owner.is_none() && doc.inclusion.is_some();
            if !top && !nested && !included_top {
                return;
            }
            let effective = doc.effective(chain, "add_header", MERGE);
            let span = doc.head_span(level);
            let name = block_name(level);
            let all_resolved = chain.iter().all(|l| doc.unresolved(l).is_empty());
            let outer_unknown = doc.inclusion.is_none() && level.context == Context::Server && all_resolved;
            if let Some(reason) = effective.uncertain.as_ref().filter(|_| !included_top) {
                if outer_unknown && top && own.is_empty() {
                    // A server of a snippet whose http block is elsewhere: handled below.
                } else {
                    findings.push(
                        Finding::new(ID, span, format!("cannot tell whether the {name} sends the security headers"))
                            .with_note(format!("{reason}; add the included files to the checked tree, or add X-Content-Type-Options, X-Frame-Options and Referrer-Policy with `always` by hand")),
                    );
                    return;
                }
            }
            let present: Vec<Vec<String>> = effective.entries.iter().map(|e| e.args.clone()).collect();
            let missing: Vec<&(&str, String)> = if included_top {
                Vec::new()
            } else {
                wanted.iter().filter(|(header, _)| !has_header(&present, header)).collect()
            };
            // A header that more_set_headers sets is sent already; a second one from add_header
            // would conflict with it.
            let more = more_set_headers(doc, chain);
            let more_notes: Vec<String> = missing.iter().filter_map(|(header, _)| more_set_note(&more, header)).collect();
            let missing: Vec<&(&str, String)> = missing.into_iter().filter(|(header, _)| more_set_note(&more, header).is_none()).collect();

            // Security headers declared here without `always` are not sent on error responses.
            let mut edits = Vec::new();
            let mut without_always = Vec::new();
            for entry in &own {
                let Some(header) = entry.args.first() else { continue };
                if entry.args.len() != 2 || !wanted.iter().any(|(name, _)| header_key(name) == header_key(header)) {
                    continue;
                }
                match entry.local {
                    Some(directive) => {
                        edits.push(Edit::insert(directive.head_end(), " always"));
                        without_always.push(header.clone());
                    }
                    None => {
                        // The line is in another file, which gets its own finding when checked.
                        let from = entry.from.clone().unwrap_or_default();
                        findings.push(
                            Finding::new(ID, span.clone(), format!("the {name} sends {header} without `always` (from {from}), so error responses lack it"))
                                .with_note(format!("add `always` to the add_header line in {from}")),
                        );
                    }
                }
            }

            let mut notes = more_notes;
            let mut review = false;
            if !missing.is_empty() {
                // A level with its own add_header lost the lines it inherited: a header set above
                // is copied with the value chosen there, and only the rest get cinch's values.
                let above = if !own.is_empty() && chain.len() > 1 {
                    let parent = doc.effective(&chain[..chain.len() - 1], "add_header", MERGE);
                    if parent.uncertain.is_some() { Vec::new() } else { parent.entries }
                } else {
                    Vec::new()
                };
                let mut copied = Vec::new();
                let mut new: Vec<String> = Vec::new();
                for (header, value) in &missing {
                    let lines: Vec<String> = above
                        .iter()
                        .filter(|e| e.args.first().is_some_and(|first| header_key(first) == header_key(header)))
                        .map(|e| e.text.clone())
                        .collect();
                    if lines.is_empty() {
                        new.push(add_header_line(doc, header, value));
                    } else {
                        copied.push(*header);
                        new.extend(lines);
                    }
                }
                if !copied.is_empty() {
                    notes.push(format!(
                        "the fix copies {} with the value{} set above, which this {name} no longer inherits",
                        copied.join(", "),
                        if copied.len() == 1 { "" } else { "s" }
                    ));
                }
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
                            Finding::new(ID, span, format!("cannot tell whether the {name} sends the security headers"))
                                .with_note(format!("{reason}; add X-Content-Type-Options, X-Frame-Options and Referrer-Policy with `always` by hand")),
                        );
                        return;
                    }
                };
                if lines.len() > new.len() {
                    notes.push(format!(
                        "this {name} declared no add_header, so it inherited {} from above; the fix copies {} here because a level with its own add_header inherits none",
                        lines.len() - new.len(),
                        if lines.len() - new.len() == 1 { "it" } else { "them" }
                    ));
                }
                edits.push(doc.insert(level, "add_header", &lines));
            }
            if edits.is_empty() {
                return;
            }
            let mut parts = Vec::new();
            if !missing.is_empty() {
                parts.push(format!("does not send {}", missing.iter().map(|(h, _)| *h).collect::<Vec<_>>().join(", ")));
            }
            if !without_always.is_empty() {
                parts.push(format!(
                    "sends {} without `always`, so error responses lack {}",
                    without_always.join(", "),
                    if without_always.len() == 1 { "it" } else { "them" }
                ));
            }
            let mut message = format!("the {name} {}", parts.join(" and "));
            if !top && !missing.is_empty() {
                message.push_str(" (it declares its own add_header, so it inherits none from above)");
            }
            let fix = if review { Fix::review(edits) } else { Fix::safe(edits) };
            let mut finding = Finding::new(ID, span, message).with_fix(fix);
            for note in notes {
                finding = finding.with_note(note);
            }
            findings.push(finding);
        });
        findings
    }
}
