//! EXP004 x-powered-by-enabled: an Express app that keeps its default `X-Powered-By: Express`
//! response header, which shows scanners which framework to probe. The fix disables the header
//! right after the app is created, unless the app already does or uses `helmet()`, which removes
//! it. An app that turns the header on explicitly is reported without a fix.

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
                // A setting placed right after the app would be overridden by the explicit one.
                if let Some(enable) = script.enables_powered_by(app) {
                    return Finding::new(ID, enable.byte_range(), format!("the Express app `{}` turns `X-Powered-By: Express` on explicitly", app.name))
                        .with_note("cinch does not change an explicit setting: remove this call unless a client or a test relies on the header");
                }
                let edit = script.app_setting(app, &format!("disable({})", script.quoted("x-powered-by")));
                Finding::new(ID, app.call.byte_range(), format!("the Express app `{}` sends `X-Powered-By: Express` with every response", app.name))
                    .with_fix(Fix::safe(vec![edit]))
            })
            .collect()
    }
}
