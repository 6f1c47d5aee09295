//! NGX006 autoindex-on: directory listings.
//!
//! `autoindex on;` lists every file in a directory that has no index file, which exposes
//! backups, dumps and other files that were never meant to be published. Some sites serve listings on purpose
//! (download mirrors), so the rule reports and never edits.

use crate::finding::Finding;
use crate::rule::{Rule, RuleContext};

use super::model::Doc;

pub struct Autoindex;

const ID: &str = "NGX006";

impl Rule<Doc> for Autoindex {
    fn id(&self) -> &'static str {
        ID
    }

    fn check(&self, doc: &Doc, _ctx: &RuleContext) -> Vec<Finding> {
        let mut findings = Vec::new();
        doc.walk(&mut |chain| {
            let level = chain.last().expect("chain is never empty");
            for directive in level.children.iter().filter(|d| d.is("autoindex") && d.arg(0) == Some("on")) {
                findings.push(
                    Finding::new(ID, directive.span.clone(), "`autoindex on;` lists the files of every directory without an index file")
                        .with_note("remove it unless the listing is meant to be public; cinch does not change it because some sites serve listings on purpose"),
                );
            }
        });
        findings
    }
}
