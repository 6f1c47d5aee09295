//! PGH004: `host` records accept connections with or without TLS, so passwords, queries and
//! results can cross the network in clear text. Changing `host` to `hostssl` makes the server
//! reject unencrypted connections for that record. That needs TLS on the server: either
//! `postgres.ssl = true` in cinch.toml or an effective `ssl = on` in the same directory
//! (`postgresql.auto.conf`, which `ALTER SYSTEM` writes, overrides `postgresql.conf`).
//! Records whose addresses are all on the server (loopback, `samehost`, `localhost`) and
//! `local` records are not findings, and neither are `reject` records, which accept nothing.
//! `hostnossl` records, which accept only unencrypted connections, are reported.

use crate::edit::Applicability;
use crate::finding::Finding;
use crate::rule::{Rule, RuleContext};

use super::hba::{ConnectionType, HbaFile, Rewrite};
use super::Tls;

pub struct UnencryptedHostConnection;

impl Rule<HbaFile> for UnencryptedHostConnection {
    fn id(&self) -> &'static str {
        "PGH004"
    }

    fn check(&self, file: &HbaFile, ctx: &RuleContext) -> Vec<Finding> {
        let tls = super::server_tls(ctx);
        let mut reported = Vec::new();
        let mut fixable = Vec::new();
        let mut rewrites = Vec::new();

        for (index, record) in file.records.iter().enumerate() {
            let Some(auth) = record.auth() else { continue };
            let Some((_, address)) = &auth.address else { continue };
            if address.is_local_only() || record.method() == Some("reject") {
                continue;
            }
            let type_range = record.fields[0].range.clone();
            if auth.connection == ConnectionType::HostNoSsl {
                reported.push(
                    Finding::new(self.id(), type_range, "`hostnossl` record accepts only unencrypted connections from the network")
                        .with_note("use `hostssl` unless a client that cannot use TLS needs this record"),
                );
                continue;
            }
            if auth.connection != ConnectionType::Host {
                continue;
            }
            let finding = Finding::new(
                self.id(),
                type_range,
                "`host` record accepts unencrypted connections from the network; `hostssl` accepts only TLS connections",
            );
            match &tls {
                Tls::On(source) => {
                    fixable.push(finding.with_note(format!(
                        "the server has TLS ({source}); clients that connect with `sslmode=disable` are rejected by this record after the change"
                    )));
                    rewrites.push(Rewrite { record: index, variants: vec![vec![(0, record.fields[0].styled("hostssl"))]] });
                }
                Tls::Off(source) => reported.push(finding.with_note(format!(
                    "{source} says the server has no TLS, and `hostssl` records need it; give the server a certificate and turn `ssl` on first"
                ))),
                Tls::Unknown => reported.push(
                    finding
                        .with_note("no `ssl = on` in a postgresql.conf or postgresql.auto.conf in the same directory shows that the server accepts TLS, and `hostssl` records need it")
                        .needs_config("postgres.ssl"),
                ),
            }
        }

        let fixable = fixable.into_iter().map(|finding| (finding, Applicability::Review)).collect();
        let mut findings = super::attach_fixes(file, fixable, &rewrites);
        findings.extend(reported);
        findings
    }
}
