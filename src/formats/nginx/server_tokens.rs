//! NGX001 server-tokens-on: nginx names its version in the `Server` header and on error pages.
//!
//! The version shows an attacker which published vulnerabilities apply. `server_tokens off;` goes
//! into the `http` block, or into each `server` of a snippet whose `http` block is not in the
//! tree. An existing `server_tokens on;` or `build;` is changed in place: nginx rejects a second
//! `server_tokens` in one block, so the rule never adds one next to another, and where an
//! unresolved `include` could hold one it reports instead.

use crate::edit::{Edit, Fix};
use crate::finding::Finding;
use crate::rule::{Rule, RuleContext};

use super::model::Doc;
use super::parser::Context;

pub struct ServerTokens;

const ID: &str = "NGX001";

impl Rule<Doc> for ServerTokens {
    fn id(&self) -> &'static str {
        ID
    }

    fn check(&self, doc: &Doc, _ctx: &RuleContext) -> Vec<Finding> {
        let mut findings = Vec::new();
        doc.walk(&mut |chain| {
            let level = chain.last().expect("chain is never empty");
            let entries = doc.own(level, "server_tokens");

            // Any `on` or `build` value, wherever it is, discloses the version.
            for entry in &entries {
                let Some(value) = entry.args.first() else { continue };
                if value != "on" && value != "build" {
                    continue;
                }
                match entry.local {
                    Some(directive) => {
                        let arg = &directive.args[0];
                        findings.push(
                            Finding::new(ID, directive.span.clone(), format!("`server_tokens {value};` sends the nginx version in the Server header and on error pages"))
                                .with_fix(Fix::safe(vec![Edit::replace(arg.span.clone(), "off")])),
                        );
                    }
                    None => {
                        let from = entry.from.clone().unwrap_or_default();
                        let provider = level.children.iter().filter(|d| d.is("include")).find(|d| {
                            doc.includes.get(&d.span.start).is_some_and(|inc| inc.provided.iter().any(|p| p.from == from && p.name == "server_tokens"))
                        });
                        if let Some(include) = provider {
                            findings.push(Finding::new(
                                ID,
                                include.span.clone(),
                                format!("`server_tokens {value};` from {from} sends the nginx version in the Server header"),
                            ).with_note("change it to `server_tokens off;` in that file"));
                        }
                    }
                }
            }

            let target = match level.context {
                Context::Http => level.owner.is_some(),
                Context::Server => level.owner.is_some() && doc.top == Context::Http && chain.len() == 2 && doc.inclusion.is_none(),
                _ => false,
            };
            if !target || !entries.is_empty() {
                return;
            }
            let span = doc.head_span(level);
            let block = if level.context == Context::Http { "http block" } else { "server" };
            let unresolved = doc.unresolved(level);
            if !unresolved.is_empty() {
                findings.push(
                    Finding::new(ID, span, format!("this {block} does not set `server_tokens off;`, so nginx sends its version"))
                        .with_note(format!(
                            "`include {}` cannot be resolved in the tree and may already set server_tokens, and nginx rejects a duplicate; add `server_tokens off;` by hand where it is missing",
                            unresolved.join(" ")
                        )),
                );
                return;
            }
            if level.context == Context::Server {
                // A server level setting overrides any http level one, so it is safe to add.
                let inherited = doc.effective(&chain[..1], "server_tokens", None);
                if inherited.entries.iter().any(|e| e.args.first().is_some_and(|a| a == "off")) {
                    return;
                }
            }
            let edit = doc.insert(level, "server_tokens", &["server_tokens off;".to_string()]);
            findings.push(
                Finding::new(ID, span, format!("this {block} does not set `server_tokens off;`, so nginx sends its version in the Server header and on error pages"))
                    .with_fix(Fix::safe(vec![edit])),
            );
        });
        findings
    }
}
