//! K8S007 privileged-container: a container with `privileged: true`.
//!
//! A privileged container has access to every device of the node and every capability, so
//! escaping to the host is a matter of mounting its disk. Some workloads (CNI plugins, CSI drivers, device
//! plugins) need it, so the rule only reports.

use crate::finding::Finding;
use crate::rule::{Rule, RuleContext};

use super::model::Manifest;

pub struct PrivilegedContainer;

const ID: &str = "K8S007";

impl<'a> Rule<Manifest<'a>> for PrivilegedContainer {
    fn id(&self) -> &'static str {
        ID
    }

    fn check(&self, manifest: &Manifest<'a>, _ctx: &RuleContext) -> Vec<Finding> {
        let mut findings = Vec::new();
        for pod in &manifest.pods {
            for container in &pod.containers {
                let setting = manifest.container_setting(container, "privileged");
                if manifest.bool_value(setting) != Some(true) {
                    continue;
                }
                let Some(node) = setting else { continue };
                findings.push(
                    Finding::new(ID, manifest.range(node), format!("{} is privileged", manifest.container_label(pod, container)))
                        .with_note("a privileged container has full access to the node; keep it only for node agents (CNI, CSI, device plugins) and grant single capabilities otherwise"),
                );
            }
        }
        findings
    }
}
