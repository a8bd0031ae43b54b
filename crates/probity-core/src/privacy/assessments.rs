//! DPIA use cases of [`PrivacyService`]: list, read, write (editors; a change of an approved
//! DPIA starts a new version), submit for review (editors), approve or reject a named version
//! (approvers: owners, admins, compliance managers). Each change is one audit event in the
//! same transaction: `privacy.dpia.created`, `.updated`, `.submitted`, `.approved`,
//! `.rejected`.

use serde::Deserialize;
use serde_json::json;

use super::dpia::{Decision, Dpia, DpiaId, DpiaInput, DpiaState, DpiaView, new_id};
use super::processing::ActivityId;
use super::service::{PrivacyService, changed_meanwhile, next_reference, stale};
use crate::audit::{ActorKind, AuditRecord};
use crate::error::{DomainError, DomainResult, FieldError};
use crate::governance::service::party;
use crate::platform::rules::Permission;
use crate::platform::service::Principal;

/// An approver's decision on a DPIA.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DpiaDecisionInput {
    /// The version decided on: the one the approver read. Refused when the DPIA is at
    /// another.
    pub version: u32,
    /// Conditions of the approval, or why it is rejected (required to reject).
    #[serde(default)]
    pub note: String,
}

impl PrivacyService {
    /// The tenant's DPIAs with their screening, by reference (any member).
    pub async fn dpias(&self, who: &Principal) -> DomainResult<Vec<DpiaView>> {
        who.require(Permission::Read)?;
        Ok(self
            .store
            .list_dpias(who.tenant.id)
            .await?
            .into_iter()
            .map(Dpia::view)
            .collect())
    }

    async fn load_dpia(&self, who: &Principal, id: DpiaId) -> DomainResult<Dpia> {
        self.store
            .dpia(who.tenant.id, id)
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("DPIA {id}")))
    }

    /// One DPIA (any member).
    pub async fn dpia(&self, who: &Principal, id: DpiaId) -> DomainResult<DpiaView> {
        who.require(Permission::Read)?;
        Ok(self.load_dpia(who, id).await?.view())
    }

    /// A DPIA named by its id or reference (`DPIA-001`), for the CLI.
    pub async fn find_dpia(
        &self,
        who: &Principal,
        id_or_reference: &str,
    ) -> DomainResult<DpiaView> {
        if let Ok(id) = id_or_reference.parse::<uuid::Uuid>() {
            return self.dpia(who, DpiaId(id)).await;
        }
        self.dpias(who)
            .await?
            .into_iter()
            .find(|d| {
                d.dpia
                    .reference
                    .eq_ignore_ascii_case(id_or_reference.trim())
            })
            .ok_or_else(|| DomainError::NotFound(format!("DPIA {id_or_reference}")))
    }

    async fn check_activities(&self, who: &Principal, ids: &[ActivityId]) -> DomainResult<()> {
        let known = self.store.list_processing_activities(who.tenant.id).await?;
        let errors: Vec<FieldError> = ids
            .iter()
            .enumerate()
            .filter(|(_, id)| !known.iter().any(|a| a.id == **id))
            .map(|(i, id)| FieldError {
                field: format!("activity_ids.{i}"),
                message: format!("no processing activity {id} in this tenant"),
            })
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(DomainError::Validation(errors))
        }
    }

    fn dpia_event(&self, who: &Principal, event_type: &str, d: &Dpia) -> AuditRecord {
        let view = d.clone().view();
        AuditRecord::new(
            Some(who.tenant.id),
            event_type,
            &who.actor,
            ("privacy_dpia", d.id.to_string()),
            self.clock.now(),
        )
        .with_details(json!({
            "reference": d.reference, "title": d.content.title, "state": d.state,
            "version": d.version, "activity_ids": d.content.activity_ids,
            "content_sha256": d.content.sha256(),
            "screening_required": view.screening.required,
            "criteria_met": view.screening.criteria_met,
            "inherent_level": view.inherent_level, "residual_level": view.residual_level,
        }))
    }

    /// Starts a DPIA in draft (editors); audited as `privacy.dpia.created`.
    pub async fn create_dpia(&self, who: &Principal, input: &DpiaInput) -> DomainResult<DpiaView> {
        who.require(Permission::Write)?;
        let content = input.check()?;
        self.check_activities(who, &content.activity_ids).await?;
        let now = self.clock.now();
        let taken: Vec<String> = self
            .store
            .list_dpias(who.tenant.id)
            .await?
            .into_iter()
            .map(|d| d.reference)
            .collect();
        let d = Dpia {
            id: new_id(),
            tenant_id: who.tenant.id,
            reference: next_reference("DPIA", &taken),
            content,
            state: DpiaState::Draft,
            version: 1,
            sign_offs: vec![],
            created_by: party(who),
            created_at: now,
            updated_by: party(who),
            updated_at: now,
            revision: 1,
            version_author: Some(party(who)),
        };
        let event = self.dpia_event(who, "privacy.dpia.created", &d);
        self.store.insert_dpia(&d, &event).await?;
        Ok(d.view())
    }

    /// Replaces a DPIA's content (editors): a new version; an approved or rejected DPIA goes
    /// back to draft, keeping its sign-offs. Audited as `privacy.dpia.updated`.
    pub async fn update_dpia(
        &self,
        who: &Principal,
        id: DpiaId,
        input: &DpiaInput,
    ) -> DomainResult<DpiaView> {
        who.require(Permission::Write)?;
        let content = input.check()?;
        // A DPIA of another tenant is not found, whatever the body names.
        let mut d = self.load_dpia(who, id).await?;
        self.check_activities(who, &content.activity_ids).await?;
        stale(input.version, d.version, "the DPIA")?;
        let expected = d.revision;
        d.revise(content, party(who), self.clock.now());
        let event = self.dpia_event(who, "privacy.dpia.updated", &d);
        if !self.store.update_dpia(&d, expected, &event).await? {
            return Err(changed_meanwhile("the DPIA"));
        }
        Ok(d.view())
    }

    /// Submits a DPIA for sign-off (editors): every question answered, both risks rated.
    /// Audited as `privacy.dpia.submitted`.
    pub async fn submit_dpia(&self, who: &Principal, id: DpiaId) -> DomainResult<DpiaView> {
        who.require(Permission::Write)?;
        let mut d = self.load_dpia(who, id).await?;
        let expected = d.revision;
        d.submit(party(who), self.clock.now())?;
        let event = self.dpia_event(who, "privacy.dpia.submitted", &d);
        if !self.store.update_dpia(&d, expected, &event).await? {
            return Err(changed_meanwhile("the DPIA"));
        }
        Ok(d.view())
    }

    /// Approves or rejects the named version of a DPIA in review (approvers); a decision on
    /// a version the DPIA has moved on from is refused (409). Audited as
    /// `privacy.dpia.approved` or `privacy.dpia.rejected`, with the content's SHA-256.
    pub async fn decide_dpia(
        &self,
        who: &Principal,
        id: DpiaId,
        decision: Decision,
        input: &DpiaDecisionInput,
    ) -> DomainResult<DpiaView> {
        who.require(Permission::Approve)?;
        let note = input.note.trim().to_owned();
        if note.len() > 4000 {
            return Err(DomainError::invalid("note", "at most 4000 bytes"));
        }
        if decision == Decision::Rejected && note.is_empty() {
            return Err(DomainError::invalid(
                "note",
                "say why the DPIA is rejected, so its authors can revise it",
            ));
        }
        let mut d = self.load_dpia(who, id).await?;
        // Separation of duties between people: whoever wrote a version does not sign it off.
        // Probity's own actors (the CLI on the local store, the demo) act for the operator of
        // the install, who holds every key anyway.
        if who.actor.kind != ActorKind::System && d.version_written_by(&party(who).id) {
            return Err(DomainError::Forbidden(format!(
                "separation of duties: you wrote version {} of {}, so another approver signs it \
                 off",
                d.version, d.reference
            )));
        }
        let expected = d.revision;
        d.decide(
            input.version,
            decision,
            note.clone(),
            party(who),
            self.clock.now(),
        )?;
        let event_type = match decision {
            Decision::Approved => "privacy.dpia.approved",
            Decision::Rejected => "privacy.dpia.rejected",
        };
        let mut event = self.dpia_event(who, event_type, &d);
        if let Some(details) = event.details.as_object_mut() {
            details.insert("note".into(), json!(note));
        }
        if !self.store.update_dpia(&d, expected, &event).await? {
            return Err(changed_meanwhile("the DPIA"));
        }
        Ok(d.view())
    }
}
