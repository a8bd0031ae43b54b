//! Fulfilment of data subject requests in the audit trail: an erasure request (GDPR erasure,
//! CCPA delete) erases the payloads of every audit event naming the subject that no legal hold
//! covers, through [`crate::audit::erasure::ErasureService::erase_subject`] (the search index
//! caught up first, so every event already in the ledger is seen). The erasure is recorded as
//! `audit.subject.erased` with the subject's hash, the request's reference as the reason, what
//! was erased and what holds kept. Completing such a request takes the approvers' right
//! (owners, admins, compliance managers): an editor cannot erase audit events this way.
//!
//! Other kinds (access, portability, rectification, restriction, objection, know, correct,
//! opt-out) have no audit-trail step here and complete as the workflow says.

use std::sync::Arc;

use async_trait::async_trait;

use super::request::{DataSubjectRequest, FulfilmentLine, FulfilmentOutcome, RequestKind};
use super::service::Fulfilment;
use crate::audit::erasure::ErasureService;
use crate::audit::indexer::Indexer;
use crate::error::{DomainError, DomainResult};
use crate::platform::rules::Permission;
use crate::platform::service::Principal;

/// Erases a subject's audit events when an erasure request is completed.
pub struct AuditErasure {
    erasure: Arc<ErasureService>,
    indexer: Indexer,
}

impl AuditErasure {
    /// Over `erasure`, catching the index up with `indexer` first.
    pub fn new(erasure: Arc<ErasureService>, indexer: Indexer) -> Self {
        Self { erasure, indexer }
    }
}

/// Whether completing a request of `kind` erases the subject's audit events.
pub fn erases(kind: RequestKind) -> bool {
    matches!(kind, RequestKind::Erasure | RequestKind::Delete)
}

#[async_trait]
impl Fulfilment for AuditErasure {
    async fn fulfil(
        &self,
        who: &Principal,
        request: &DataSubjectRequest,
    ) -> DomainResult<Vec<FulfilmentLine>> {
        if !erases(request.kind) {
            return Ok(Vec::new());
        }
        // Erasing audit events is not something every editor may do: completing an erasure
        // request takes the approvers' right (owners, admins, compliance managers).
        who.require(Permission::Approve).map_err(|_| {
            DomainError::Forbidden(
                "completing an erasure request erases audit events: owners, admins and \
                 compliance managers only"
                    .into(),
            )
        })?;
        self.indexer.catch_up(request.tenant_id, u64::MAX).await?;
        // The privacy service has checked that the caller may complete the request; the
        // erasure itself runs as the privacy context.
        let system = Principal::system(who.tenant.clone(), "privacy");
        let done = self
            .erasure
            .erase_subject(
                &system,
                &request.subject_ref,
                &format!(
                    "data subject request {} ({})",
                    request.reference,
                    request.kind.as_str()
                ),
                false,
            )
            .await?;
        tracing::info!(
            request = %request.id,
            erased = done.erased,
            kept = done.kept,
            "audit events of the subject erased"
        );
        let mut lines = vec![FulfilmentLine {
            scope: "audit_trail".into(),
            outcome: FulfilmentOutcome::Erased,
            count: done.erased,
            detail: "payloads of the audit events naming the subject; their ledger entries \
                     and proofs stay, and `audit.subject.erased` records the erasure under the \
                     subject id's SHA-256"
                .into(),
        }];
        if done.kept > 0 {
            lines.push(FulfilmentLine {
                scope: "audit_trail".into(),
                outcome: FulfilmentOutcome::Kept,
                count: done.kept,
                detail: format!(
                    "audit events under legal hold: {}",
                    done.kept_by
                        .iter()
                        .map(|h| format!("{} ({} events)", h.case_id, h.events))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        }
        Ok(lines)
    }
}
