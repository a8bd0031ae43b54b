//! Demo governance: policies from the shipped templates in every workflow state — in force
//! (one on its second, material version), waiting for a second approval, approved but not yet
//! published, and a draft — approved by named reviewers other than their author, with the demo
//! user's acknowledgment of one of them, so the pages show every state and a rate.

use super::model::{PolicyId, PolicyView};
use super::service::{Decision, GovernanceService, NewAcknowledgment, NewPolicy, NewVersion};
use crate::audit::{Actor, ActorKind};
use crate::error::DomainResult;
use crate::page::PageRequest;
use crate::platform::service::Principal;

/// How far a demo policy gets.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Stage {
    Draft,
    InReview,
    Approved,
    Published,
}

const POLICIES: [(&str, &str, u32, Stage); 7] = [
    (
        "information-security",
        "Chief information security officer",
        2,
        Stage::Published,
    ),
    (
        "access-control",
        "Security engineering",
        1,
        Stage::Published,
    ),
    ("acceptable-use", "People operations", 1, Stage::Published),
    ("data-protection", "Privacy office", 1, Stage::Published),
    (
        "incident-response",
        "Security operations",
        2,
        Stage::InReview,
    ),
    ("vendor-management", "Procurement", 1, Stage::Approved),
    ("data-retention", "Privacy office", 1, Stage::Draft),
];

fn reviewer(who: &Principal, id: &str, name: &str) -> Principal {
    Principal {
        actor: Actor {
            kind: ActorKind::User,
            id: id.to_owned(),
            display: name.to_owned(),
        },
        ..who.clone()
    }
}

fn hash_of(view: &PolicyView, number: u32) -> String {
    view.versions
        .iter()
        .find(|v| v.number == number)
        .map(|v| v.content_hash.clone())
        .unwrap_or_default()
}

async fn advance(
    service: &GovernanceService,
    author: &Principal,
    approvers: &[Principal; 2],
    id: PolicyId,
    number: u32,
    stage: Stage,
) -> DomainResult<PolicyView> {
    let mut view = service.policy(author, id).await?;
    let decision = Decision {
        content_hash: hash_of(&view, number),
    };
    if stage >= Stage::InReview {
        service.submit(author, id, number).await?;
        view = service
            .approve(&approvers[0], id, number, &decision)
            .await?;
    }
    if stage >= Stage::Approved && view.policy.required_approvals > 1 {
        view = service
            .approve(&approvers[1], id, number, &decision)
            .await?;
    }
    if stage >= Stage::Published {
        view = service
            .publish(&approvers[0], id, number, &decision)
            .await?;
    }
    Ok(view)
}

/// Records the demo policies; returns how many.
pub async fn seed(service: &GovernanceService, who: &Principal) -> DomainResult<usize> {
    let approvers = [
        reviewer(who, "demo-ciso", "Dana Whitfield (CISO)"),
        reviewer(who, "demo-counsel", "Marcus Oyelaran (General Counsel)"),
    ];
    let author = reviewer(who, "demo-grc", "Priya Raman (GRC lead)");
    let mut made = 0;
    for (key, owner, quorum, stage) in POLICIES {
        let view = service
            .create_policy(
                &author,
                &NewPolicy {
                    key: key.to_owned(),
                    title: None,
                    kind: None,
                    owner: owner.to_owned(),
                    template: Some(key.to_owned()),
                    content: None,
                    control_ids: None,
                    required_approvals: Some(quorum),
                    review_months: None,
                },
            )
            .await?;
        let id = view.policy.id;
        let mut view = advance(service, &author, &approvers, id, 1, stage).await?;
        if key == "access-control" {
            // A second, material version: everyone must acknowledge again.
            let text = view
                .versions
                .first()
                .map(|v| v.content.clone())
                .unwrap_or_default();
            service
                .new_version(
                    &author,
                    id,
                    &NewVersion {
                        content: format!(
                            "{text}\n## Privileged access\n\nAdministrative access is granted just in time, for at most eight hours, and every session is recorded.\n"
                        ),
                        material: true,
                        change_note: Some("Adds just-in-time privileged access.".to_owned()),
                    },
                )
                .await?;
            view = advance(service, &author, &approvers, id, 2, Stage::Published).await?;
        }
        if key == "information-security" || key == "acceptable-use" {
            // The demo user has read these two.
            if let Some(member) = first_member(service, who).await? {
                let hash = view
                    .published
                    .map(|n| hash_of(&view, n))
                    .unwrap_or_default();
                service
                    .acknowledge(
                        &member,
                        id,
                        &NewAcknowledgment { content_hash: hash },
                        "web",
                    )
                    .await?;
            }
        }
        made += 1;
    }
    Ok(made)
}

async fn first_member(
    service: &GovernanceService,
    who: &Principal,
) -> DomainResult<Option<Principal>> {
    let page = service
        .store
        .list_members(
            who.tenant.id,
            &PageRequest {
                limit: 1,
                after: None,
            },
        )
        .await?;
    Ok(page.items.first().map(|m| Principal {
        actor: Actor::user(m.user.id, &m.user.display_name),
        user_id: Some(m.user.id),
        role: m.role,
        ..who.clone()
    }))
}
