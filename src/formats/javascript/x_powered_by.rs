//! EXP004 x-powered-by-enabled: an Express app that keeps its default `X-Powered-By: Express`
//! response header, which shows scanners which framework to probe. The fix disables the header
//! right after the app is created, unless the app already does or uses `helmet()`, which removes
//! it.

use super::script::Script;
use crate::edit::Fix;
use crate::finding::Finding;
use crate::rule::{Rule, RuleContext};

pub struct XPoweredBy;

const ID: &str = "EXP004";

impl<'t> Rule<Script<'t>> for XPoweredBy {
    fn id(&self) -> &'static str {
        ID
    }

    fn check(&self, script: &Script<'t>, _ctx: &RuleContext) -> Vec<Finding> {
        if script.uses_helmet {
            return Vec::new();
        }
        script
            .apps
            .iter()
            .filter(|app| !script.disables_powered_by(app))
            .map(|app| {
                let edit = script.app_setting(app, &format!("disable({})", script.quoted("x-powered-by")));
                Finding::new(ID, app.call.byte_range(), format!("the Express app `{}` sends `X-Powered-By: Express` with every response", app.name))
                    .with_fix(Fix::safe(vec![edit]))
            })
            .collect()
    }
}
