//! PGH003: records that accept clients from any address: `0.0.0.0/0` (or `0.0.0.0 0.0.0.0` as
//! address and mask), `::/0` (or `:: ::`), and `all`. With `postgres.allowed_networks` set,
//! each such record becomes one record per configured network of the same address family
//! (`all` covers both), written where the original was. Each network is written once, with its
//! host bits cleared, and a `/0` network never replaces an open range. `samenet` is reported: it matches every
//! subnet the server is attached to, which on a cloud network can be very large. `samehost`,
//! loopback addresses and `reject` records (which deny rather than allow) are not findings.

use std::net::IpAddr;

use crate::edit::Applicability;
use crate::finding::Finding;
use crate::rule::{Rule, RuleContext};

use super::hba::{mask_of_prefix, max_prefix, Address, Family, HbaFile, Rewrite};

pub struct OpenClientAddress;

const NETWORKS_KEY: &str = "postgres.allowed_networks";

/// A configured network, with any host bits cleared.
#[derive(PartialEq, Eq)]
struct Network {
    address: IpAddr,
    prefix: u8,
}

impl Network {
    fn cidr(&self) -> String {
        format!("{}/{}", self.address, self.prefix)
    }
}

/// Returns the configured networks, each once. A `/0` network is left out: it is itself an open
/// range, so putting it in place of one would change nothing.
fn configured_networks(ctx: &RuleContext) -> Option<Vec<Network>> {
    let networks = ctx.settings.postgres.allowed_networks.as_ref()?;
    let mut parsed: Vec<Network> = Vec::new();
    for text in networks {
        let Some((address, prefix)) = text.split_once('/') else { continue };
        let (Ok(address), Ok(prefix)) = (address.parse::<IpAddr>(), prefix.parse::<u8>()) else { continue };
        if prefix == 0 || prefix > max_prefix(&address) {
            continue;
        }
        let network = Network { address: network_address(&address, prefix), prefix };
        if !parsed.contains(&network) {
            parsed.push(network);
        }
    }
    Some(parsed)
}

/// Returns `address` with the bits after the first `prefix` cleared.
fn network_address(address: &IpAddr, prefix: u8) -> IpAddr {
    match (address, mask_of_prefix(address, prefix)) {
        (IpAddr::V4(address), IpAddr::V4(mask)) => IpAddr::V4((u32::from(*address) & u32::from(mask)).into()),
        (IpAddr::V6(address), IpAddr::V6(mask)) => IpAddr::V6((u128::from(*address) & u128::from(mask)).into()),
        _ => *address,
    }
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
                        (*address_index, address_field.styled(&network.address.to_string())),
                        (mask_index, record.fields[mask_index].styled(&mask_of_prefix(&network.address, network.prefix).to_string())),
                    ],
                    _ => vec![(*address_index, address_field.styled(&network.cidr()))],
                })
                .collect();
            let listed: Vec<String> = chosen.iter().map(|network| network.cidr()).collect();
            fixable.push(finding.with_note(format!(
                "clients outside {} can no longer connect through this record; check that application servers, replicas and administrators are inside",
                listed.join(", ")
            )));
            rewrites.push(Rewrite { record: index, variants });
        }

        let fixable = fixable.into_iter().map(|finding| (finding, Applicability::Review)).collect();
        let mut findings = super::attach_fixes(file, fixable, &rewrites);
        findings.extend(reported);
        findings
    }
}
