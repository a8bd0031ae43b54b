//! Governance rules as pure functions: the policy workflow's transitions, separation of duties,
//! hash binding, and which acknowledgments still count after new versions.

use sha2::{Digest, Sha256};

use super::model::*;
use crate::error::{DomainError, DomainResult};

/// Checks a free-text field: trimmed, at most `max` characters, no control characters but
/// newlines, and not empty when `required`; returns the trimmed text.
pub fn text(field: &str, value: &str, max: usize, required: bool) -> DomainResult<String> {
    let v = value.trim();
    if (required && v.is_empty())
        || v.chars().count() > max
        || v.chars().any(|c| c.is_control() && c != '\n')
    {
        return Err(DomainError::invalid(
            field,
            format!(
                "must be {} to {max} characters without control characters",
                usize::from(required)
            ),
        ));
    }
    Ok(v.to_owned())
}

/// Checks that every id names a unified control of the shipped library.
pub fn check_controls(ids: &[String]) -> DomainResult<()> {
    let catalog = crate::catalog::Catalog::shipped_or_empty();
    match ids.iter().find(|c| catalog.control(c).is_none()) {
        Some(bad) => Err(DomainError::invalid(
            "control_ids",
            format!("{bad} is not a unified control"),
        )),
        None => Ok(()),
    }
}

/// SHA-256 of a version's text, hex.
pub fn content_hash(content: &str) -> String {
    hex::encode(Sha256::digest(content.as_bytes()))
}

/// Checks that `version` is in `state` before an action named `action`.
pub fn require_state(
    version: &PolicyVersion,
    state: VersionState,
    action: &str,
) -> DomainResult<()> {
    if version.state == state {
        Ok(())
    } else {
        Err(DomainError::Conflict(format!(
            "version {} is {}: only a {} version can be {action}",
            version.number,
            version.state.as_str(),
            state.as_str()
        )))
    }
}

/// Checks that the caller's `hash` is the version's: a decision binds to the text it was made on.
pub fn require_hash(version: &PolicyVersion, hash: &str) -> DomainResult<()> {
    if version.content_hash == hash.trim() {
        Ok(())
    } else {
        Err(DomainError::Conflict(format!(
            "content_hash does not match version {} ({}): reload it and decide on the text as it is",
            version.number, version.content_hash
        )))
    }
}

/// Adds `by`'s approval: never the author (separation of duties), never twice; returns whether
/// the quorum is now met.
pub fn approve(
    version: &mut PolicyVersion,
    by: Party,
    at: chrono::DateTime<chrono::Utc>,
    required: u32,
) -> DomainResult<bool> {
    if by.id == version.author.id {
        return Err(DomainError::Forbidden(
            "separation of duties: the author of a version cannot approve it".into(),
        ));
    }
    if version.approvals.iter().any(|a| a.by.id == by.id) {
        return Err(DomainError::Conflict(format!(
            "{} already approved version {}",
            by.name, version.number
        )));
    }
    version.approvals.push(Approval {
        by,
        at,
        content_hash: version.content_hash.clone(),
    });
    let met = u32::try_from(version.approvals.len()).unwrap_or(u32::MAX) >= required;
    if met {
        version.state = VersionState::Approved;
    }
    Ok(met)
}

/// Whether an acknowledgment of version `acknowledged` still covers `current`: it does when no
/// version after it up to `current` is material.
pub fn acknowledgment_covers(versions: &[PolicyVersion], acknowledged: u32, current: u32) -> bool {
    acknowledged == current
        || (acknowledged < current
            && !versions
                .iter()
                .any(|v| v.number > acknowledged && v.number <= current && v.material))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use chrono::DateTime;

    use super::*;
    use crate::platform::TenantId;

    fn version(number: u32, material: bool) -> PolicyVersion {
        PolicyVersion {
            policy_id: new_policy_id(),
            tenant_id: TenantId::new(),
            number,
            content: format!("text {number}"),
            content_hash: content_hash(&format!("text {number}")),
            material,
            change_note: None,
            state: VersionState::InReview,
            author: Party {
                id: "user:a".into(),
                name: "Ann".into(),
            },
            approvals: Vec::new(),
            created_at: DateTime::UNIX_EPOCH,
            submitted_at: None,
            published_at: None,
            retired_at: None,
        }
    }

    fn party(id: &str) -> Party {
        Party {
            id: id.into(),
            name: id.into(),
        }
    }

    #[test]
    fn authors_cannot_approve_and_the_quorum_counts_distinct_approvers() {
        let mut v = version(1, true);
        assert!(matches!(
            approve(&mut v, party("user:a"), DateTime::UNIX_EPOCH, 2),
            Err(DomainError::Forbidden(_))
        ));
        assert!(!approve(&mut v, party("user:b"), DateTime::UNIX_EPOCH, 2).unwrap());
        assert_eq!(v.state, VersionState::InReview);
        assert!(matches!(
            approve(&mut v, party("user:b"), DateTime::UNIX_EPOCH, 2),
            Err(DomainError::Conflict(_))
        ));
        assert!(approve(&mut v, party("user:c"), DateTime::UNIX_EPOCH, 2).unwrap());
        assert_eq!(v.state, VersionState::Approved);
        assert!(v.approvals.iter().all(|a| a.content_hash == v.content_hash));
    }

    #[test]
    fn material_versions_invalidate_earlier_acknowledgments() {
        let versions = [
            version(1, true),
            version(2, false),
            version(3, true),
            version(4, false),
        ];
        assert!(acknowledgment_covers(&versions, 1, 1));
        assert!(acknowledgment_covers(&versions, 1, 2), "2 is not material");
        assert!(!acknowledgment_covers(&versions, 1, 3), "3 is material");
        assert!(!acknowledgment_covers(&versions, 2, 4));
        assert!(acknowledgment_covers(&versions, 3, 4));
        assert!(
            !acknowledgment_covers(&versions, 4, 3),
            "a later acknowledgment does not cover an earlier version"
        );
    }

    #[test]
    fn decisions_bind_to_the_content_hash() {
        let v = version(1, true);
        assert!(require_hash(&v, &content_hash("text 1")).is_ok());
        assert!(matches!(
            require_hash(&v, &content_hash("text 2")),
            Err(DomainError::Conflict(_))
        ));
        assert!(require_state(&v, VersionState::Draft, "submitted").is_err());
    }
}
