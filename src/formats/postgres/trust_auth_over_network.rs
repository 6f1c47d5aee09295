//! PGH002: `trust` records let anyone who can reach the server connect as any role they name,
//! the superuser included, without a password. Over TCP that is anyone on the network the
//! address matches. `scram-sha-256` replaces it when the config confirms that every role has a
//! SCRAM verifier; a role reached through `trust` may have no password at all, so the fix needs
//! review either way. `local` records are reported only: there `peer` is usually the right
//! replacement, and only the operator knows which operating-system users map to which roles.

use crate::edit::Applicability;
use crate::finding::Finding;
use crate::rule::{Rule, RuleContext};

use super::hba::{ConnectionType, HbaFile, Rewrite};

pub struct TrustAuthOverNetwork;

const CONFIRMATION_KEY: &str = "postgres.passwords_are_scram";

impl Rule<HbaFile> for TrustAuthOverNetwork {
    fn id(&self) -> &'static str {
        "PGH002"
    }

    fn check(&self, file: &HbaFile, ctx: &RuleContext) -> Vec<Finding> {
        let confirmed = ctx.settings.postgres.passwords_are_scram;
        let mut reported = Vec::new();
        let mut fixable = Vec::new();
        let mut rewrites = Vec::new();

        for (index, record) in file.records.iter().enumerate() {
            let Some(auth) = record.auth() else { continue };
            if record.method() != Some("trust") {
                continue;
            }
            let method_range = record.fields[auth.method].range.clone();
            if auth.connection == ConnectionType::Local {
                reported.push(
                    Finding::new(
                        self.id(),
                        method_range,
                        "`local` record uses `trust`: every operating-system user on the server can connect as any role, the superuser included",
                    )
                    .with_note("use `peer` to let operating-system users connect only as the role of the same name, or a password method"),
                );
                continue;
            }
            let finding = Finding::new(
                self.id(),
                method_range,
                "`trust` over TCP lets every client the address matches connect as any role without a password",
            );
            if !confirmed {
                reported.push(
                    finding
                        .with_note("`scram-sha-256` needs every role that connects here to have a SCRAM password verifier; a role used only through `trust` may have no password at all")
                        .needs_config(CONFIRMATION_KEY),
                );
                continue;
            }
            fixable.push(finding.with_note(
                "roles without a password can no longer connect here: list them with `SELECT rolname FROM pg_authid WHERE rolcanlogin AND rolpassword IS NULL;` and give them one",
            ));
            let text = record.fields[auth.method].styled("scram-sha-256");
            rewrites.push(Rewrite { record: index, variants: vec![vec![(auth.method, text)]] });
        }

        let fixable = fixable.into_iter().map(|finding| (finding, Applicability::Review)).collect();
        let mut findings = super::attach_fixes(file, fixable, &rewrites);
        findings.extend(reported);
        findings
    }
}
