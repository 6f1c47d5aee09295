//! PGH005: `password_encryption = md5` in postgresql.conf makes the server store new and changed
//! passwords as MD5 verifiers. Those keep roles tied to `md5` authentication, whose verifiers
//! are enough to log in when stolen. With `scram-sha-256`, passwords set from now on get SCRAM
//! verifiers; existing MD5 verifiers keep working on `md5` records until each password is set
//! again. A `postgresql.auto.conf` beside the file (written by `ALTER SYSTEM`) overrides it.
//! cinch never edits that file, so when it sets `md5` the finding gives the `ALTER SYSTEM`
//! commands instead of a fix that would change nothing.

use crate::edit::{Edit, Fix};
use crate::finding::Finding;
use crate::rule::{Rule, RuleContext};

use super::conf::ConfFile;
use super::{ConfFacts, ConfSetting, AUTO_CONF};

pub struct Md5PasswordEncryption;

const MESSAGE: &str =
    "`password_encryption = md5` stores new and changed passwords as MD5 verifiers; `scram-sha-256` stores SCRAM verifiers";
const ALTER_SYSTEM: &str = "run `ALTER SYSTEM SET password_encryption = 'scram-sha-256'`, or fix postgresql.conf and run `ALTER SYSTEM RESET password_encryption`, then reload";

impl Rule<ConfFile> for Md5PasswordEncryption {
    fn id(&self) -> &'static str {
        "PGH005"
    }

    fn check(&self, file: &ConfFile, ctx: &RuleContext) -> Vec<Finding> {
        let Some(setting) = file.get("password_encryption") else { return Vec::new() };
        let is_md5 = setting.value.eq_ignore_ascii_case("md5");
        let auto = super::conf_facts(ctx, AUTO_CONF);
        let overriding = match &auto {
            Some(ConfFacts::Parsed { password_encryption: Some(auto_setting), .. }) => Some(auto_setting),
            _ => None,
        };

        if let Some(ConfSetting { path, .. }) = overriding.filter(|auto_setting| auto_setting.value == "md5") {
            let overridden = format!("{} sets `password_encryption = md5`, which overrides this file", path.display());
            let finding = if is_md5 {
                Finding::new(self.id(), setting.value_range.clone(), MESSAGE)
                    .with_note(format!("{overridden}, so changing this line alone would change nothing"))
            } else {
                Finding::new(
                    self.id(),
                    setting.value_range.clone(),
                    format!("`password_encryption = {}` has no effect: the server stores new and changed passwords as MD5 verifiers", setting.value),
                )
                .with_note(overridden)
            };
            return vec![finding.with_note(ALTER_SYSTEM)];
        }
        if !is_md5 {
            return Vec::new();
        }

        let replacement = if setting.quoted { "'scram-sha-256'" } else { "scram-sha-256" };
        let fix = Fix::review(vec![Edit::replace(setting.value_range.clone(), replacement)]);
        let mut finding = Finding::new(self.id(), setting.value_range.clone(), MESSAGE)
            .with_note("existing MD5 verifiers keep working on `md5` records; each role gets a SCRAM verifier when its password is next set")
            .with_note("clients and poolers older than PostgreSQL 10's libpq (or PgBouncer before 1.11) cannot log in to roles with SCRAM verifiers");
        match (&auto, overriding) {
            (_, Some(ConfSetting { path, value })) => {
                finding = finding.with_note(format!(
                    "{} sets `password_encryption = {value}`, which overrides this file; the fix takes effect only if that setting is reset",
                    path.display()
                ));
            }
            (Some(ConfFacts::Unreadable), _) => {
                finding = finding.with_note(format!(
                    "the {AUTO_CONF} beside this file does not parse; check that it does not set `password_encryption`, which would override this file"
                ));
            }
            _ => {}
        }
        vec![finding.with_fix(fix)]
    }
}
