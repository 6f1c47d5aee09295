//! PGH005: `password_encryption = md5` in postgresql.conf makes the server store new and changed
//! passwords as MD5 verifiers. Those keep roles tied to `md5` authentication, whose verifiers
//! are enough to log in when stolen. With `scram-sha-256`, passwords set from now on get SCRAM
//! verifiers; existing MD5 verifiers keep working on `md5` records until each password is set
//! again.

use crate::edit::{Edit, Fix};
use crate::finding::Finding;
use crate::rule::{Rule, RuleContext};

use super::conf::ConfFile;

pub struct Md5PasswordEncryption;

impl Rule<ConfFile> for Md5PasswordEncryption {
    fn id(&self) -> &'static str {
        "PGH005"
    }

    fn check(&self, file: &ConfFile, _ctx: &RuleContext) -> Vec<Finding> {
        let Some(setting) = file.get("password_encryption") else { return Vec::new() };
        if !setting.value.eq_ignore_ascii_case("md5") {
            return Vec::new();
        }
        let replacement = if setting.quoted { "'scram-sha-256'" } else { "scram-sha-256" };
        let fix = Fix::review(vec![Edit::replace(setting.value_range.clone(), replacement)]);
        vec![Finding::new(
            self.id(),
            setting.value_range.clone(),
            "`password_encryption = md5` stores new and changed passwords as MD5 verifiers; `scram-sha-256` stores SCRAM verifiers",
        )
        .with_note("existing MD5 verifiers keep working on `md5` records; each role gets a SCRAM verifier when its password is next set")
        .with_note("clients and poolers older than PostgreSQL 10's libpq (or PgBouncer before 1.11) cannot log in to roles with SCRAM verifiers")
        .with_fix(fix)]
    }
}
