//! PGH001: records that authenticate with `password` (the password crosses the connection in
//! clear text) or `md5` (a stolen verifier or a captured exchange is enough to log in, and MD5
//! is weak). `scram-sha-256` has neither problem, but it rejects roles whose stored password is
//! still an MD5 verifier, so `md5` records move to it only when the config confirms that every
//! role has a SCRAM verifier. `password` records always become at least `md5`, which since
//! PostgreSQL 10 accepts both kinds of verifier.

use crate::edit::Applicability;
use crate::finding::Finding;
use crate::rule::{Rule, RuleContext};

use super::hba::{HbaFile, Rewrite};
use super::Effective;

pub struct WeakPasswordAuth;

const SCRAM: &str = "scram-sha-256";
const CONFIRMATION_KEY: &str = "postgres.passwords_are_scram";

impl Rule<HbaFile> for WeakPasswordAuth {
    fn id(&self) -> &'static str {
        "PGH001"
    }

    fn check(&self, file: &HbaFile, ctx: &RuleContext) -> Vec<Finding> {
        let confirmed = ctx.settings.postgres.passwords_are_scram;
        let encryption = super::effective_setting(ctx, "password_encryption");
        let mut reported = Vec::new();
        let mut fixable = Vec::new();
        let mut rewrites = Vec::new();

        for (index, record) in file.records.iter().enumerate() {
            let Some(auth) = record.auth() else { continue };
            let method_range = record.fields[auth.method].range.clone();
            let finding = match record.method() {
                Some("password") if confirmed => {
                    Finding::new(self.id(), method_range, "`password` authentication sends the password in clear text")
                        .with_note(format!("the fix writes `scram-sha-256`: `{CONFIRMATION_KEY} = true` says every login role has a SCRAM verifier"))
                }
                Some("password") => Finding::new(self.id(), method_range, "`password` authentication sends the password in clear text")
                    .with_note("the fix writes `md5`, which accepts both MD5 and SCRAM password verifiers (PostgreSQL 10 and later), so every role that logs in today still can")
                .with_note(format!("once every login role has a SCRAM verifier, set `{CONFIRMATION_KEY} = true` to move this record to `scram-sha-256`")),
                Some("md5") if confirmed => Finding::new(
                    self.id(),
                    method_range,
                    "`md5` authentication is weaker than `scram-sha-256`: a stolen MD5 verifier is enough to log in",
                )
                .with_note(format!("the fix writes `scram-sha-256`: `{CONFIRMATION_KEY} = true` says every login role has a SCRAM verifier")),
                Some("md5") => {
                    reported.push(
                        Finding::new(
                            self.id(),
                            method_range,
                            "`md5` authentication is weaker than `scram-sha-256`, but switching locks out every role whose stored password is still an MD5 verifier",
                        )
                        .with_note("list those roles with `SELECT rolname FROM pg_authid WHERE rolcanlogin AND rolpassword LIKE 'md5%';` (an MD5 verifier starts with 'md5')")
                        .with_note("reset their passwords while `password_encryption = scram-sha-256` is in effect; when the query returns no rows, the switch is safe")
                        .needs_config(CONFIRMATION_KEY),
                    );
                    continue;
                }
                _ => continue,
            };
            // With `password_encryption = md5` beside it, a password set after the switch gets
            // an MD5 verifier that the new record rejects, so the switch needs review.
            // postgresql.auto.conf overrides postgresql.conf, and cinch leaves it to ALTER SYSTEM.
            let (finding, applicability) = match (&encryption, confirmed) {
                (Effective::Set(setting), true) if setting.value == "md5" => {
                    let change = if crate::formats::file_name(&setting.path) == super::AUTO_CONF {
                        "run `ALTER SYSTEM SET password_encryption = 'scram-sha-256'` and reload"
                    } else {
                        "change it too (PGH005)"
                    };
                    let note = format!(
                        "{} sets `password_encryption = md5`, so passwords set from now on get MD5 verifiers, which `scram-sha-256` rejects; {change}",
                        setting.path.display()
                    );
                    (finding.with_note(note), Applicability::Review)
                }
                (Effective::Unknown, true) => (
                    finding.with_note("a postgresql.conf or postgresql.auto.conf beside this file does not parse, so it may set `password_encryption = md5`, whose MD5 verifiers `scram-sha-256` rejects"),
                    Applicability::Review,
                ),
                _ => (finding, Applicability::Safe),
            };
            let method = if confirmed { SCRAM } else { "md5" };
            let text = record.fields[auth.method].styled(method);
            rewrites.push(Rewrite { record: index, variants: vec![vec![(auth.method, text)]] });
            fixable.push((finding, applicability));
        }

        let mut findings = super::attach_fixes(file, fixable, &rewrites);
        findings.extend(reported);
        findings
    }
}
