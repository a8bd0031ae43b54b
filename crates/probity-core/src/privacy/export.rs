//! The access and portability export: a zip of everything the tenant's Probity holds about a
//! data subject, built when a GDPR access or portability request (or a CCPA request to know)
//! is completed, and on demand by an approver.
//!
//! The archive holds `manifest.json` (the request, the subject, when, and each file's SHA-256),
//! the audit events naming the subject (`audit_events.json` and `.csv`, read through the search
//! index after it has caught up with the ledger, so erased events are absent), the consent
//! history and current state (`consent.json` and `.csv`), the data subject requests naming the
//! subject (`requests.json`) and the support tickets filed under the subject's id
//! (`support_tickets.json`).
//!
//! Each export is kept with its audit record, `privacy.request.exported`, written in the same
//! transaction: who, which request, the archive's and each file's SHA-256, and the subject only
//! as its SHA-256, as the audit erasure records it.

use std::io::Write as _;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Datelike as _, Timelike as _, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::consent::{ConsentEvent, derive_states};
use super::request::{
    DataSubjectRequest, FulfilmentLine, FulfilmentOutcome, RequestId, RequestKind, RequestState,
};
use super::service::Fulfilment;
use crate::audit::AuditRecord;
use crate::audit::index::{EventFilter, IndexPage, IndexedEvent};
use crate::audit::indexer::Indexer;
use crate::clock::Clock;
use crate::error::{DomainError, DomainResult};
use crate::governance::Party;
use crate::governance::service::party;
use crate::platform::model::{TenantId, uuid_id};
use crate::platform::rules::Permission;
use crate::platform::service::Principal;
use crate::store::Store;

uuid_id!(
    /// Identifies a kept export.
    ExportId
);

const PAGE: u32 = 1_000;

/// One file of an export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ExportFile {
    /// Its name in the archive.
    pub name: String,
    /// SHA-256 of its bytes, hex.
    pub sha256: String,
    /// Its size in bytes.
    pub bytes: u64,
}

/// `manifest.json`: what the archive is and what it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ExportManifest {
    /// The format's version.
    pub format: String,
    /// The request's reference (`DSR-004`).
    pub request: String,
    /// The request's id.
    pub request_id: RequestId,
    /// Its kind.
    pub kind: RequestKind,
    /// The pseudonymous subject id.
    pub subject_id: String,
    /// The controller (the tenant's name).
    pub controller: String,
    /// When the archive was built.
    pub generated_at: DateTime<Utc>,
    /// Who had it built.
    pub generated_by: Party,
    /// The other files with their hashes.
    pub files: Vec<ExportFile>,
}

/// An export as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredExport {
    /// Id.
    pub id: ExportId,
    /// Owning tenant.
    pub tenant_id: TenantId,
    /// The request.
    pub request_id: RequestId,
    /// When it was built.
    pub created_at: DateTime<Utc>,
    /// SHA-256 of the archive, hex.
    pub sha256: String,
    /// Its manifest.
    pub manifest: ExportManifest,
    /// The zip.
    pub archive: Vec<u8>,
}

/// Whether completing a request of `kind` builds the export.
pub fn exports(kind: RequestKind) -> bool {
    matches!(
        kind,
        RequestKind::Access | RequestKind::Portability | RequestKind::Know
    )
}

/// Builds, keeps and hands out subject exports.
pub struct SubjectExport {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    indexer: Indexer,
}

impl std::fmt::Debug for SubjectExport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SubjectExport").finish_non_exhaustive()
    }
}

fn csv_line<S: AsRef<str>>(fields: &[S]) -> String {
    probity_report::tabular::csv_record(fields)
}

fn audit_csv(events: &[IndexedEvent]) -> String {
    let mut out = csv_line(&[
        "index",
        "occurred_at",
        "recorded_at",
        "event_type",
        "category",
        "action",
        "outcome",
        "actor_type",
        "actor_id",
        "actor_name",
        "resource_type",
        "resource_id",
        "subject_ids",
        "message",
    ]);
    for e in events {
        out.push_str(&csv_line(&[
            e.index.to_string(),
            e.occurred_at.to_rfc3339(),
            e.recorded_at.to_rfc3339(),
            e.event_type.clone(),
            e.category.as_str().to_owned(),
            e.action.clone(),
            e.outcome.as_str().to_owned(),
            e.actor_type.clone(),
            e.actor_id.clone(),
            e.actor_name.clone(),
            e.resource_type.clone().unwrap_or_default(),
            e.resource_id.clone().unwrap_or_default(),
            e.subject_ids.join(" "),
            e.message.clone().unwrap_or_default(),
        ]));
    }
    out
}

fn consent_csv(events: &[ConsentEvent]) -> String {
    let mut out = csv_line(&[
        "event_id",
        "purpose",
        "action",
        "occurred_at",
        "recorded_at",
        "notice_version",
        "method",
        "source",
        "ledger_index",
    ]);
    for e in events {
        out.push_str(&csv_line(&[
            e.id.to_string(),
            e.purpose.clone(),
            e.action.as_str().to_owned(),
            e.occurred_at.to_rfc3339(),
            e.recorded_at.to_rfc3339(),
            e.notice_version.clone(),
            e.method.as_str().to_owned(),
            e.source.clone(),
            e.ledger_index.map(|i| i.to_string()).unwrap_or_default(),
        ]));
    }
    out
}

fn json_bytes<T: Serialize>(value: &T) -> DomainResult<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(value)
        .map_err(|e| DomainError::Internal(format!("export as json: {e}")))?;
    bytes.push(b'\n');
    Ok(bytes)
}

fn zip_error(e: impl std::fmt::Display) -> DomainError {
    DomainError::Internal(format!("export zip: {e}"))
}

/// Writes `files` (manifest first) into a zip dated `at`.
fn zip(files: &[(String, Vec<u8>)], at: DateTime<Utc>) -> DomainResult<Vec<u8>> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let clamp = |v: u32| u8::try_from(v).unwrap_or(0);
    let time = zip::DateTime::from_date_and_time(
        u16::try_from(at.year()).unwrap_or(1980),
        clamp(at.month()),
        clamp(at.day()),
        clamp(at.hour()),
        clamp(at.minute()),
        clamp(at.second()),
    )
    .unwrap_or_default();
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(time);
    for (name, bytes) in files {
        writer.start_file(name, options).map_err(zip_error)?;
        writer.write_all(bytes).map_err(zip_error)?;
    }
    Ok(writer.finish().map_err(zip_error)?.into_inner())
}

impl SubjectExport {
    /// Over the store and the clock, catching the audit index up with `indexer` first.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, indexer: Indexer) -> Self {
        Self {
            store,
            clock,
            indexer,
        }
    }

    /// Every indexed (so not erased) audit event naming `subject`, oldest first.
    async fn audit_events(
        &self,
        tenant: TenantId,
        subject: &str,
    ) -> DomainResult<Vec<IndexedEvent>> {
        self.indexer.catch_up(tenant, u64::MAX).await?;
        let filter = EventFilter {
            subject_id: Some(subject.to_owned()),
            ..EventFilter::default()
        };
        let mut found: Vec<IndexedEvent> = Vec::new();
        let mut before = None;
        loop {
            let page = self
                .store
                .search_events(
                    tenant,
                    &filter,
                    &IndexPage {
                        limit: PAGE,
                        before,
                    },
                )
                .await?;
            // The store returns one row beyond the limit when there are more.
            let more = page.len() > PAGE as usize;
            let taken: Vec<IndexedEvent> = page.into_iter().take(PAGE as usize).collect();
            let Some(last) = taken.last() else { break };
            before = Some(last.index);
            found.extend(taken);
            if !more {
                break;
            }
        }
        found.reverse();
        Ok(found)
    }

    /// Builds the export of `request`, keeps it and records `privacy.request.exported`;
    /// `trigger` says why (`completion`, `on_demand`).
    pub async fn build(
        &self,
        who: &Principal,
        request: &DataSubjectRequest,
        trigger: &str,
    ) -> DomainResult<StoredExport> {
        let tenant = who.tenant.id;
        let subject = request.subject_ref.as_str();
        let now = self.clock.now();
        let audit = self.audit_events(tenant, subject).await?;
        let mut consent = self
            .store
            .consent_events(
                tenant,
                &super::consent_store::ConsentFilter {
                    subject_id: Some(subject.to_owned()),
                    purpose: None,
                    limit: None,
                },
            )
            .await?;
        consent.reverse();
        let requests: Vec<DataSubjectRequest> = self
            .store
            .list_privacy_requests(tenant)
            .await?
            .into_iter()
            .filter(|r| r.subject_ref == subject)
            .collect();
        let tickets: Vec<crate::support::Ticket> = self
            .store
            .list_support_tickets(tenant)
            .await?
            .into_iter()
            .filter(|t| t.customer_ref == subject)
            .collect();
        let files: Vec<(String, Vec<u8>)> = vec![
            ("audit_events.json".into(), json_bytes(&audit)?),
            ("audit_events.csv".into(), audit_csv(&audit).into_bytes()),
            (
                "consent.json".into(),
                json_bytes(&json!({
                    "current": derive_states(&consent),
                    "history": consent,
                }))?,
            ),
            ("consent.csv".into(), consent_csv(&consent).into_bytes()),
            ("requests.json".into(), json_bytes(&requests)?),
            ("support_tickets.json".into(), json_bytes(&tickets)?),
        ];
        let listed: Vec<ExportFile> = files
            .iter()
            .map(|(name, bytes)| ExportFile {
                name: name.clone(),
                sha256: crate::assurance::sha256_hex(bytes),
                bytes: bytes.len() as u64,
            })
            .collect();
        let manifest = ExportManifest {
            format: "probity-subject-export/1".into(),
            request: request.reference.clone(),
            request_id: request.id,
            kind: request.kind,
            subject_id: subject.to_owned(),
            controller: who.tenant.name.clone(),
            generated_at: now,
            generated_by: party(who),
            files: listed,
        };
        let mut all = vec![("manifest.json".to_owned(), json_bytes(&manifest)?)];
        all.extend(files);
        let archive = zip(&all, now)?;
        let export = StoredExport {
            id: ExportId::new(),
            tenant_id: tenant,
            request_id: request.id,
            created_at: now,
            sha256: crate::assurance::sha256_hex(&archive),
            manifest,
            archive,
        };
        let event = AuditRecord::new(
            Some(tenant),
            "privacy.request.exported",
            &who.actor,
            ("privacy_request", request.id.to_string()),
            now,
        )
        .with_details(json!({
            "reference": request.reference,
            "kind": request.kind,
            "trigger": trigger,
            "export_id": export.id,
            "subject_sha256": crate::assurance::sha256_hex(subject.as_bytes()),
            "archive_sha256": export.sha256,
            "archive_bytes": export.archive.len(),
            "files": export.manifest.files,
            "counts": {
                "audit_events": audit.len(), "consent_events": consent.len(),
                "requests": requests.len(), "support_tickets": tickets.len(),
            },
        }));
        self.store.insert_privacy_export(&export, &event).await?;
        Ok(export)
    }

    /// The export of a request for an approver: the one kept when the request was completed,
    /// or a new one built now (kept and recorded). Handing out a kept one is recorded as
    /// `privacy.request.export_downloaded`.
    pub async fn export(&self, who: &Principal, id: RequestId) -> DomainResult<StoredExport> {
        who.require(Permission::Approve).map_err(|_| {
            DomainError::Forbidden(
                "a subject export holds personal data: owners, admins and compliance \
                 managers only"
                    .into(),
            )
        })?;
        let request = self
            .store
            .privacy_request(who.tenant.id, id)
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("privacy request {id}")))?;
        if request.state == RequestState::Completed
            && let Some(kept) = self.store.latest_privacy_export(who.tenant.id, id).await?
        {
            let event = AuditRecord::new(
                Some(who.tenant.id),
                "privacy.request.export_downloaded",
                &who.actor,
                ("privacy_request", id.to_string()),
                self.clock.now(),
            )
            .with_details(json!({
                "reference": request.reference, "export_id": kept.id,
                "archive_sha256": kept.sha256,
            }));
            self.store.record_event(&event).await?;
            return Ok(kept);
        }
        self.build(who, &request, "on_demand").await
    }
}

#[async_trait]
impl Fulfilment for SubjectExport {
    async fn fulfil(
        &self,
        who: &Principal,
        request: &DataSubjectRequest,
    ) -> DomainResult<Vec<FulfilmentLine>> {
        if !exports(request.kind) {
            return Ok(Vec::new());
        }
        let export = self.build(who, request, "completion").await?;
        tracing::info!(
            request = %request.id,
            export = %export.id,
            bytes = export.archive.len(),
            "subject export built"
        );
        Ok(vec![FulfilmentLine {
            scope: "export".into(),
            outcome: FulfilmentOutcome::Exported,
            count: export.manifest.files.len() as u64,
            detail: format!(
                "files in the subject's archive ({} bytes, SHA-256 {}), kept with the request",
                export.archive.len(),
                export.sha256
            ),
        }])
    }
}
