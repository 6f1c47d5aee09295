//! PGH003: records that accept clients from any address: `0.0.0.0/0` (or `0.0.0.0 0.0.0.0` as
//! address and mask), `::/0` (or `:: ::`), and `all`. With `postgres.allowed_networks` set,
//! each such record becomes one record per configured network of the same address family
//! (`all` covers both), written where the original was. `samenet` is reported: it matches every
//! subnet the server is attached to, which on a cloud network can be very large. `samehost`,
//! loopback addresses and `reject` records (which deny rather than allow) are not findings.

use std::net::IpAddr;

use crate::edit::Fix;
use crate::finding::Finding;
use crate::rule::{Rule, RuleContext};

use super::hba::{mask_of_prefix, Address, Family, HbaFile, Rewrite};

pub struct OpenClientAddress;

const NETWORKS_KEY: &str = "postgres.allowed_networks";

/// A configured network, as written in cinch.toml and parsed.
struct Network {
    text: String,
    address: IpAddr,
    prefix: u8,
}

fn configured_networks(ctx: &RuleContext) -> Option<Vec<Network>> {
    let networks = ctx.settings.postgres.allowed_networks.as_ref()?;
    Some(
        networks
            .iter()
            .filter_map(|text| {
                let (address, prefix) = text.split_once('/')?;
                Some(Network { text: text.clone(), address: address.parse().ok()?, prefix: prefix.parse().ok()? })
            })
            .collect(),
    )
}

impl Rule<HbaFile> for OpenClientAddress {
    fn id(&self) -> &'static str {
        "PGH003"
    }

    fn check(&self, file: &HbaFile, ctx: &RuleContext) -> Vec<Finding> {
        let networks = configured_networks(ctx);
        let mut reported = Vec::new();
        let mut fixable = Vec::new();
        let mut rewrites = Vec::new();

        for (index, record) in file.records.iter().enumerate() {
            let Some(auth) = record.auth() else { continue };
            let Some((address_index, address)) = &auth.address else { continue };
            if record.method() == Some("reject") {
                continue;
            }
            let address_field = &record.fields[*address_index];
            let end = auth.mask.map_or(address_field.range.end, |mask| record.fields[mask].range.end);
            let range = address_field.range.start..end;
            let written = &file.text[range.clone()];

            let families: &[Family] = match address {
                Address::All => &[Family::V4, Family::V6],
                Address::SameNet => {
                    reported.push(
                        Finding::new(self.id(), range, "`samenet` accepts clients from every subnet the server is attached to, which on a cloud network can be very large")
                            .with_note("list the client networks as addresses instead"),
                    );
                    continue;
                }
                other => match other.whole_family() {
                    Some(Family::V4) => &[Family::V4],
                    Some(Family::V6) => &[Family::V6],
                    None => continue,
                },
            };
            let family_names = match families {
                [Family::V4] => "IPv4",
                [Family::V6] => "IPv6",
                _ => "IPv4 or IPv6",
            };
            let finding = Finding::new(self.id(), range, format!("`{written}` accepts clients from any {family_names} address"));

            let chosen: Vec<&Network> = networks
                .iter()
                .flatten()
                .filter(|network| families.contains(&Family::of(&network.address)))
                .collect();
            if chosen.is_empty() {
                let finding = match &networks {
                    Some(_) => finding.with_note(format!("`{NETWORKS_KEY}` lists no {family_names} network to put in its place")),
                    None => finding,
                };
                reported.push(finding.needs_config(NETWORKS_KEY));
                continue;
            }

            let mask_form = matches!(address, Address::Network { mask_column: true, .. });
            let variants = chosen
                .iter()
                .map(|network| match (mask_form, auth.mask) {
                    (true, Some(mask_index)) => vec![
                        (*address_index, network.address.to_string()),
                        (mask_index, mask_of_prefix(&network.address, network.prefix).to_string()),
                    ],
                    _ => vec![(*address_index, network.text.clone())],
                })
                .collect();
            let listed: Vec<&str> = chosen.iter().map(|network| network.text.as_str()).collect();
            fixable.push(finding.with_note(format!(
                "clients outside {} can no longer connect through this record; check that application servers, replicas and administrators are inside",
                listed.join(", ")
            )));
            rewrites.push(Rewrite { record: index, variants });
        }

        let edits = file.render(&rewrites);
        let mut findings: Vec<Finding> =
            fixable.into_iter().zip(edits).map(|(finding, edit)| finding.with_fix(Fix::review(vec![edit]))).collect();
        findings.extend(reported);
        findings
    }
}
