//! Demo data for the catalog: a realistic spread of control states (most implemented, some in
//! progress or planned, a couple not applicable) with owning teams, and one recorded decision
//! on an `intersects_with` link, so coverage pages show every state; and the ISO/IEC 27001
//! 2013 → 2022 change record with its first tasks done.

use super::model::{DecisionOutcome, ImplementationStatus, Relationship};
use super::service::{CatalogService, ControlUpdate, NewDecision};
use crate::error::DomainResult;
use crate::platform::service::Principal;

const OWNERS: [&str; 5] = [
    "Security engineering",
    "IT operations",
    "Platform team",
    "People operations",
    "Privacy office",
];

/// The state the demo gives the `n`th control of the library.
fn status_of(n: usize) -> ImplementationStatus {
    match n % 10 {
        0..=5 => ImplementationStatus::Implemented,
        6 => ImplementationStatus::PartiallyImplemented,
        7 => ImplementationStatus::Planned,
        8 => ImplementationStatus::Implemented,
        _ if n % 20 == 9 => ImplementationStatus::NotApplicable,
        _ => ImplementationStatus::NotImplemented,
    }
}

/// Records the demo's control states and one decision; returns how many controls it set.
pub async fn seed(service: &CatalogService, who: &Principal) -> DomainResult<usize> {
    let catalog = service.catalog();
    let mut set = 0;
    for (n, control) in catalog.controls().iter().enumerate() {
        let status = status_of(n);
        if status == ImplementationStatus::NotImplemented {
            continue;
        }
        let owner = OWNERS.get(n % OWNERS.len()).map(|o| (*o).to_owned());
        let note = match status {
            ImplementationStatus::Implemented => Some(format!(
                "In place since the 2025 audit; evidence in the {} folder.",
                control.family
            )),
            ImplementationStatus::PartiallyImplemented => {
                Some("Rolled out to production; staging and corporate IT remain.".to_owned())
            }
            ImplementationStatus::Planned => Some("Scheduled for next quarter.".to_owned()),
            ImplementationStatus::NotApplicable => {
                Some("Out of scope: no such systems.".to_owned())
            }
            ImplementationStatus::NotImplemented => None,
        };
        service
            .update_control(
                who,
                &control.id,
                &ControlUpdate {
                    status,
                    owner,
                    note,
                },
            )
            .await?;
        set += 1;
    }
    if let Some(link) = catalog
        .links()
        .iter()
        .find(|l| l.relationship == Relationship::IntersectsWith && l.to_framework == "soc2-2017")
    {
        service
            .decide(
                who,
                &NewDecision {
                    link_hash: link.hash.clone(),
                    outcome: DecisionOutcome::Covers,
                    rationale: "Reviewed with the external auditor: the control as we run it meets this criterion.".to_owned(),
                },
            )
            .await?;
    }
    let record = service
        .create_change(
            who,
            &super::changes::NewChangeRecord {
                from: "iso27001-2013".to_owned(),
                to: "iso27001-2022".to_owned(),
                baseline: None,
                title: Some("Transition to ISO/IEC 27001:2022".to_owned()),
                due: None,
            },
        )
        .await?;
    for number in [1, 2, 3] {
        service
            .update_task(
                who,
                record.id,
                number,
                &super::changes::TaskUpdate {
                    status: Some(super::changes::TaskStatus::Done),
                    owner: None,
                    due: None,
                },
            )
            .await?;
    }
    Ok(set)
}
