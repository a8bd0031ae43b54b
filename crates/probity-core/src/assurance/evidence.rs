//! Evidence use cases: items with immutable versions whose content is addressed by SHA-256,
//! stored once per tenant (deduplicated) and encrypted under the tenant's data key; links to
//! controls, requirements and assessments; validity with reminders before expiry; audit-period
//! freezes. Chain of custody: upload, view, download, link and freeze are each an audit event.

use base64::Engine as _;
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use serde::Deserialize;
use serde_json::json;

use super::model::*;
use super::store::SealedContent;
use super::{AssuranceService, check_requirements, long, raced, sha256_hex, short};
use crate::error::{DomainError, DomainResult};
use crate::governance::rules::check_controls;
use crate::governance::service::party;
use crate::keys::tenant_scope;
use crate::notify::{Notice, Severity};
use crate::platform::rules::Permission;
use crate::platform::service::Principal;
use crate::store::StoreError;

/// Largest evidence content accepted (bytes, decoded).
pub const MAX_CONTENT: usize = 10 * 1024 * 1024;
/// Days before expiry when the owner is reminded (and the item shows as `expiring`).
pub const REMIND_DAYS: i64 = 14;

/// The content of a new evidence version.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum EvidenceContent {
    /// A JSON document (stored as compact JSON with sorted keys, so equal documents dedupe).
    Json {
        /// The document.
        document: serde_json::Value,
    },
    /// A file.
    File {
        /// File name (`access-review-q3.pdf`).
        file_name: String,
        /// Media type (default `application/octet-stream`).
        #[serde(default)]
        media_type: Option<String>,
        /// The bytes, standard base64.
        content_base64: String,
    },
}

/// A new evidence item with its first version.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEvidence {
    /// Title.
    pub title: String,
    /// What it shows and how it was collected.
    #[serde(default)]
    pub description: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Unified controls it supports.
    #[serde(default)]
    pub control_ids: Vec<String>,
    /// Requirements it supports, `framework:requirement`.
    #[serde(default)]
    pub requirement_ids: Vec<String>,
    /// Days each version stays valid (1–1095); none: no expiry.
    #[serde(default)]
    pub validity_days: Option<u32>,
    /// Who keeps it current.
    #[serde(default)]
    pub owner: Option<String>,
    /// When it was collected (default: now; not in the future).
    #[serde(default)]
    pub collected_at: Option<DateTime<Utc>>,
    /// The content.
    pub content: EvidenceContent,
}

/// A new version of an item's content.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEvidenceVersion {
    /// When it was collected (default: now).
    #[serde(default)]
    pub collected_at: Option<DateTime<Utc>>,
    /// What changed.
    #[serde(default)]
    pub note: Option<String>,
    /// The content.
    pub content: EvidenceContent,
}

/// Changes to an item's metadata and links; absent fields stay.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceUpdate {
    /// Title.
    #[serde(default)]
    pub title: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Tags (replaces).
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    /// Unified controls (replaces).
    #[serde(default)]
    pub control_ids: Option<Vec<String>>,
    /// Requirements (replaces).
    #[serde(default)]
    pub requirement_ids: Option<Vec<String>>,
    /// Assessments it is cited in (replaces).
    #[serde(default)]
    pub assessment_ids: Option<Vec<ComplianceAssessmentId>>,
    /// Validity in days; 0 removes the expiry.
    #[serde(default)]
    pub validity_days: Option<u32>,
    /// Owner.
    #[serde(default)]
    pub owner: Option<String>,
}

/// A new freeze.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFreeze {
    /// Name.
    pub name: String,
    /// Freeze only the evidence linked to this assessment (default: every item); the period
    /// defaults to the assessment's.
    #[serde(default)]
    pub assessment_id: Option<ComplianceAssessmentId>,
    /// Period start.
    #[serde(default)]
    pub period_start: Option<NaiveDate>,
    /// Period end.
    #[serde(default)]
    pub period_end: Option<NaiveDate>,
}

struct Prepared {
    kind: EvidenceKind,
    bytes: Vec<u8>,
    media_type: String,
    file_name: Option<String>,
}

fn prepare(content: &EvidenceContent) -> DomainResult<Prepared> {
    let p = match content {
        EvidenceContent::Json { document } => Prepared {
            kind: EvidenceKind::Json,
            bytes: serde_json::to_vec(document)
                .map_err(|e| DomainError::invalid("content.document", e.to_string()))?,
            media_type: "application/json".to_owned(),
            file_name: None,
        },
        EvidenceContent::File {
            file_name,
            media_type,
            content_base64,
        } => {
            let name = short("content.file_name", file_name, 200)?;
            if name.contains(['/', '\\']) {
                return Err(DomainError::invalid(
                    "content.file_name",
                    "must be a file name without a directory",
                ));
            }
            let media = media_type
                .as_deref()
                .map(str::trim)
                .filter(|m| !m.is_empty())
                .unwrap_or("application/octet-stream");
            if media.len() > 100 || !media.contains('/') || media.chars().any(char::is_whitespace) {
                return Err(DomainError::invalid(
                    "content.media_type",
                    "must be a media type such as application/pdf",
                ));
            }
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(content_base64.trim())
                .map_err(|e| {
                    DomainError::invalid(
                        "content.content_base64",
                        format!("is not standard base64 ({e})"),
                    )
                })?;
            Prepared {
                kind: EvidenceKind::File,
                bytes,
                media_type: media.to_owned(),
                file_name: Some(name),
            }
        }
    };
    if p.bytes.is_empty() || p.bytes.len() > MAX_CONTENT {
        return Err(DomainError::invalid(
            "content",
            format!("must be 1 byte to {} MiB", MAX_CONTENT / 1024 / 1024),
        ));
    }
    Ok(p)
}

fn check_tags(tags: &[String]) -> DomainResult<Vec<String>> {
    if tags.len() > 20 {
        return Err(DomainError::invalid("tags", "at most 20 tags"));
    }
    let mut out: Vec<String> = tags
        .iter()
        .map(|t| short("tags", t, 40))
        .collect::<DomainResult<_>>()?;
    out.sort();
    out.dedup();
    Ok(out)
}

fn check_validity(days: Option<u32>) -> DomainResult<Option<u32>> {
    match days {
        None | Some(0) => Ok(None),
        Some(d) if d <= 1095 => Ok(Some(d)),
        Some(_) => Err(DomainError::invalid(
            "validity_days",
            "must be 1 to 1095 days (0 removes the expiry)",
        )),
    }
}

/// An item's freshness at `now`: `no_expiry`, `current`, `expiring` or `expired`.
pub fn freshness(latest: Option<&EvidenceVersion>, now: DateTime<Utc>) -> &'static str {
    match latest.and_then(|v| v.expires_at) {
        None => "no_expiry",
        Some(at) if at <= now => "expired",
        Some(at) if at - Duration::days(REMIND_DAYS) <= now => "expiring",
        Some(_) => "current",
    }
}

fn aad(tenant: crate::platform::model::TenantId, sha256: &str) -> Vec<u8> {
    format!("probity-evidence-v1:{tenant}:{sha256}").into_bytes()
}

impl AssuranceService {
    fn check_collected(&self, at: Option<DateTime<Utc>>) -> DomainResult<DateTime<Utc>> {
        let now = self.clock.now();
        match at {
            Some(t) if t > now + Duration::minutes(5) => Err(DomainError::invalid(
                "collected_at",
                "must not be in the future",
            )),
            Some(t) => Ok(t),
            None => Ok(now),
        }
    }

    /// Encrypts content unless the tenant already holds its address.
    async fn seal(
        &self,
        who: &Principal,
        sha256: &str,
        bytes: &[u8],
    ) -> DomainResult<Option<SealedContent>> {
        if self
            .store
            .has_evidence_content(who.tenant.id, sha256)
            .await?
        {
            return Ok(None);
        }
        let ciphertext = self
            .keys
            .encrypt(
                &tenant_scope(who.tenant.id),
                bytes,
                &aad(who.tenant.id, sha256),
            )
            .await?;
        Ok(Some(SealedContent {
            sha256: sha256.to_owned(),
            size: bytes.len() as u64,
            ciphertext,
        }))
    }

    async fn evidence_view(
        &self,
        who: &Principal,
        item: EvidenceItem,
    ) -> DomainResult<EvidenceView> {
        let mut versions = self.store.evidence_versions(who.tenant.id, item.id).await?;
        versions.reverse();
        let freshness = freshness(versions.first(), self.clock.now()).to_owned();
        Ok(EvidenceView {
            item,
            versions,
            freshness,
        })
    }

    async fn item(&self, who: &Principal, id: EvidenceId) -> DomainResult<EvidenceItem> {
        self.store
            .evidence(who.tenant.id, id)
            .await?
            .ok_or_else(|| DomainError::NotFound("evidence".into()))
    }

    /// Uploads a new item with its first version (contributor and above); audited as
    /// `evidence.uploaded` with the content address.
    pub async fn create_evidence(
        &self,
        who: &Principal,
        req: &NewEvidence,
    ) -> DomainResult<EvidenceView> {
        who.require(Permission::Write)?;
        let title = short("title", &req.title, 200)?;
        let description =
            long("description", req.description.as_deref(), 4000)?.unwrap_or_default();
        check_controls(&req.control_ids)?;
        check_requirements(self.catalog, "requirement_ids", &req.requirement_ids)?;
        let tags = check_tags(&req.tags)?;
        let validity_days = check_validity(req.validity_days)?;
        let owner = req
            .owner
            .as_deref()
            .map(|o| short("owner", o, 200))
            .transpose()?;
        let collected_at = self.check_collected(req.collected_at)?;
        let prepared = prepare(&req.content)?;
        let sha256 = sha256_hex(&prepared.bytes);
        let sealed = self.seal(who, &sha256, &prepared.bytes).await?;
        let now = self.clock.now();
        let by = party(who);
        let existing = self.store.list_evidence(who.tenant.id).await?.len();
        let mut attempt = 0usize;
        loop {
            let item = EvidenceItem {
                id: EvidenceId::new(),
                tenant_id: who.tenant.id,
                reference: format!("EV-{:04}", existing + 1 + attempt),
                title: title.clone(),
                description: description.clone(),
                tags: tags.clone(),
                control_ids: req.control_ids.clone(),
                requirement_ids: req.requirement_ids.clone(),
                assessment_ids: Vec::new(),
                validity_days,
                owner: owner.clone(),
                current_version: 1,
                created_at: now,
                created_by: by.clone(),
                updated_at: now,
            };
            let version = EvidenceVersion {
                evidence_id: item.id,
                tenant_id: who.tenant.id,
                number: 1,
                kind: prepared.kind,
                sha256: sha256.clone(),
                size: prepared.bytes.len() as u64,
                media_type: prepared.media_type.clone(),
                file_name: prepared.file_name.clone(),
                collected_at,
                uploaded_at: now,
                uploaded_by: by.clone(),
                expires_at: validity_days.map(|d| collected_at + Duration::days(i64::from(d))),
                note: None,
            };
            let event = self.event(
                who,
                "evidence.uploaded",
                ("evidence", item.id.to_string()),
                json!({
                    "reference": item.reference, "title": item.title, "version": 1,
                    "sha256": version.sha256, "size": version.size, "kind": version.kind,
                    "file_name": version.file_name, "deduplicated": sealed.is_none(),
                    "control_ids": item.control_ids, "requirement_ids": item.requirement_ids,
                    "collected_at": version.collected_at, "expires_at": version.expires_at,
                }),
            );
            match self
                .store
                .insert_evidence(&item, &version, sealed.as_ref(), &event)
                .await
            {
                Ok(()) => return self.evidence_view(who, item).await,
                Err(StoreError::Duplicate(_)) if attempt < 5 => attempt += 1,
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Adds a version (contributor and above); earlier versions stay; audited as
    /// `evidence.uploaded`.
    pub async fn add_evidence_version(
        &self,
        who: &Principal,
        id: EvidenceId,
        req: &NewEvidenceVersion,
    ) -> DomainResult<EvidenceView> {
        who.require(Permission::Write)?;
        let mut item = self.item(who, id).await?;
        let collected_at = self.check_collected(req.collected_at)?;
        let note = long("note", req.note.as_deref(), 1000)?;
        let prepared = prepare(&req.content)?;
        let sha256 = sha256_hex(&prepared.bytes);
        let sealed = self.seal(who, &sha256, &prepared.bytes).await?;
        let now = self.clock.now();
        let number = item.current_version + 1;
        item.current_version = number;
        item.updated_at = now;
        let version = EvidenceVersion {
            evidence_id: item.id,
            tenant_id: who.tenant.id,
            number,
            kind: prepared.kind,
            sha256,
            size: prepared.bytes.len() as u64,
            media_type: prepared.media_type,
            file_name: prepared.file_name,
            collected_at,
            uploaded_at: now,
            uploaded_by: party(who),
            expires_at: item
                .validity_days
                .map(|d| collected_at + Duration::days(i64::from(d))),
            note,
        };
        let event = self.event(
            who,
            "evidence.uploaded",
            ("evidence", item.id.to_string()),
            json!({
                "reference": item.reference, "version": number, "sha256": version.sha256,
                "size": version.size, "kind": version.kind, "file_name": version.file_name,
                "deduplicated": sealed.is_none(), "collected_at": version.collected_at,
                "expires_at": version.expires_at,
            }),
        );
        if !self
            .store
            .insert_evidence_version(&item, &version, sealed.as_ref(), &event)
            .await?
        {
            return Err(raced("evidence item"));
        }
        self.evidence_view(who, item).await
    }

    /// Changes metadata and links (contributor and above); audited as `evidence.linked` when
    /// links change, else `evidence.updated`.
    pub async fn update_evidence(
        &self,
        who: &Principal,
        id: EvidenceId,
        req: &EvidenceUpdate,
    ) -> DomainResult<EvidenceView> {
        who.require(Permission::Write)?;
        let before = self.item(who, id).await?;
        let mut item = before.clone();
        if let Some(t) = &req.title {
            item.title = short("title", t, 200)?;
        }
        if let Some(d) = &req.description {
            item.description = long("description", Some(d), 4000)?.unwrap_or_default();
        }
        if let Some(t) = &req.tags {
            item.tags = check_tags(t)?;
        }
        if let Some(c) = &req.control_ids {
            check_controls(c)?;
            item.control_ids = c.clone();
        }
        if let Some(r) = &req.requirement_ids {
            check_requirements(self.catalog, "requirement_ids", r)?;
            item.requirement_ids = r.clone();
        }
        if let Some(a) = &req.assessment_ids {
            for aid in a {
                if self.store.assessment(who.tenant.id, *aid).await?.is_none() {
                    return Err(DomainError::invalid(
                        "assessment_ids",
                        format!("{aid} is not an assessment of this tenant"),
                    ));
                }
            }
            item.assessment_ids = a.clone();
        }
        if req.validity_days.is_some() {
            item.validity_days = check_validity(req.validity_days)?;
        }
        if let Some(o) = &req.owner {
            item.owner = if o.trim().is_empty() {
                None
            } else {
                Some(short("owner", o, 200)?)
            };
        }
        item.updated_at = self.clock.now();
        let linked = item.control_ids != before.control_ids
            || item.requirement_ids != before.requirement_ids
            || item.assessment_ids != before.assessment_ids;
        let event = self.event(
            who,
            if linked {
                "evidence.linked"
            } else {
                "evidence.updated"
            },
            ("evidence", item.id.to_string()),
            json!({
                "reference": item.reference, "title": item.title, "tags": item.tags,
                "control_ids": item.control_ids, "requirement_ids": item.requirement_ids,
                "assessment_ids": item.assessment_ids, "validity_days": item.validity_days,
                "owner": item.owner,
            }),
        );
        self.store.update_evidence(&item, &event).await?;
        self.evidence_view(who, item).await
    }

    /// Every item with its versions (any member).
    pub async fn evidence_list(&self, who: &Principal) -> DomainResult<Vec<EvidenceView>> {
        who.require(Permission::Read)?;
        let items = self.store.list_evidence(who.tenant.id).await?;
        let mut versions = self.store.all_evidence_versions(who.tenant.id).await?;
        versions.reverse();
        let now = self.clock.now();
        Ok(items
            .into_iter()
            .map(|item| {
                let mine: Vec<EvidenceVersion> = versions
                    .iter()
                    .filter(|v| v.evidence_id == item.id)
                    .cloned()
                    .collect();
                EvidenceView {
                    freshness: freshness(mine.first(), now).to_owned(),
                    item,
                    versions: mine,
                }
            })
            .collect())
    }

    /// One item (any member); audited as `evidence.viewed`.
    pub async fn evidence(&self, who: &Principal, id: EvidenceId) -> DomainResult<EvidenceView> {
        who.require(Permission::Read)?;
        let item = self.item(who, id).await?;
        let event = self.event(
            who,
            "evidence.viewed",
            ("evidence", item.id.to_string()),
            json!({
                "reference": item.reference, "version": item.current_version,
            }),
        );
        self.store.record_event(&event).await?;
        self.evidence_view(who, item).await
    }

    /// A version's content, decrypted and checked against its address (any member); audited
    /// as `evidence.downloaded`.
    pub async fn download_evidence(
        &self,
        who: &Principal,
        id: EvidenceId,
        number: u32,
    ) -> DomainResult<(EvidenceVersion, Vec<u8>)> {
        who.require(Permission::Read)?;
        let item = self.item(who, id).await?;
        let version = self
            .store
            .evidence_versions(who.tenant.id, id)
            .await?
            .into_iter()
            .find(|v| v.number == number)
            .ok_or_else(|| DomainError::NotFound("evidence version".into()))?;
        let bytes = self.open_content(who, &version.sha256).await?;
        let event = self.event(
            who,
            "evidence.downloaded",
            ("evidence", item.id.to_string()),
            json!({
                "reference": item.reference, "version": number, "sha256": version.sha256,
            }),
        );
        self.store.record_event(&event).await?;
        Ok((version, bytes))
    }

    /// Decrypts content and checks that it still hashes to its address.
    pub(super) async fn open_content(
        &self,
        who: &Principal,
        sha256: &str,
    ) -> DomainResult<Vec<u8>> {
        let sealed = self
            .store
            .evidence_content(who.tenant.id, sha256)
            .await?
            .ok_or_else(|| {
                DomainError::Internal(format!("evidence content {sha256} is missing"))
            })?;
        let bytes = self
            .keys
            .decrypt(
                &tenant_scope(who.tenant.id),
                &sealed.ciphertext,
                &aad(who.tenant.id, sha256),
            )
            .await?;
        if sha256_hex(&bytes) != sha256 {
            return Err(DomainError::Internal(format!(
                "evidence content {sha256} does not hash to its address"
            )));
        }
        Ok(bytes)
    }

    /// Freezes the evidence set for a period (contributor and above): each item's latest
    /// version collected on or before the period's last day; audited as `evidence.frozen`
    /// with the manifest hash.
    pub async fn freeze_evidence(
        &self,
        who: &Principal,
        req: &NewFreeze,
    ) -> DomainResult<EvidenceFreeze> {
        who.require(Permission::Write)?;
        let name = short("name", &req.name, 200)?;
        let assessment = match req.assessment_id {
            Some(a) => Some(
                self.store
                    .assessment(who.tenant.id, a)
                    .await?
                    .ok_or_else(|| DomainError::invalid("assessment_id", "no such assessment"))?,
            ),
            None => None,
        };
        let period_start = req
            .period_start
            .or(assessment.as_ref().map(|a| a.period_start))
            .ok_or_else(|| DomainError::invalid("period_start", "give the period's first day"))?;
        let period_end = req
            .period_end
            .or(assessment.as_ref().map(|a| a.period_end))
            .ok_or_else(|| DomainError::invalid("period_end", "give the period's last day"))?;
        if period_end < period_start {
            return Err(DomainError::invalid(
                "period_end",
                "must not be before period_start",
            ));
        }
        let cutoff = period_end
            .succ_opt()
            .unwrap_or(period_end)
            .and_time(NaiveTime::MIN)
            .and_utc();
        let items = self.store.list_evidence(who.tenant.id).await?;
        let versions = self.store.all_evidence_versions(who.tenant.id).await?;
        let mut frozen = Vec::new();
        for item in items.iter().filter(|i| match &assessment {
            Some(a) => {
                i.assessment_ids.contains(&a.id)
                    || a.requirements
                        .values()
                        .chain(a.controls.values())
                        .any(|r| r.evidence_ids.contains(&i.id))
            }
            None => true,
        }) {
            let latest = versions
                .iter()
                .filter(|v| v.evidence_id == item.id && v.collected_at < cutoff)
                .max_by_key(|v| v.number);
            if let Some(v) = latest {
                frozen.push(FrozenItem {
                    evidence_id: item.id,
                    reference: item.reference.clone(),
                    title: item.title.clone(),
                    version: v.number,
                    sha256: v.sha256.clone(),
                    size: v.size,
                    file_name: v.file_name.clone(),
                    collected_at: v.collected_at,
                });
            }
        }
        let manifest =
            serde_json::to_vec(&frozen).map_err(|e| DomainError::Internal(e.to_string()))?;
        let freeze = EvidenceFreeze {
            id: FreezeId::new(),
            tenant_id: who.tenant.id,
            name,
            assessment_id: assessment.as_ref().map(|a| a.id),
            period_start,
            period_end,
            frozen_at: self.clock.now(),
            frozen_by: party(who),
            manifest_sha256: sha256_hex(&manifest),
            items: frozen,
        };
        let event = self.event(
            who,
            "evidence.frozen",
            ("evidence_freeze", freeze.id.to_string()),
            json!({
                "name": freeze.name, "assessment_id": freeze.assessment_id,
                "period_start": freeze.period_start, "period_end": freeze.period_end,
                "items": freeze.items.len(), "manifest_sha256": freeze.manifest_sha256,
            }),
        );
        self.store.insert_freeze(&freeze, &event).await?;
        Ok(freeze)
    }

    /// The tenant's freezes (any member).
    pub async fn freezes(&self, who: &Principal) -> DomainResult<Vec<EvidenceFreeze>> {
        who.require(Permission::Read)?;
        Ok(self.store.list_freezes(who.tenant.id).await?)
    }

    /// One freeze (any member).
    pub async fn freeze(&self, who: &Principal, id: FreezeId) -> DomainResult<EvidenceFreeze> {
        who.require(Permission::Read)?;
        self.store
            .freeze(who.tenant.id, id)
            .await?
            .ok_or_else(|| DomainError::NotFound("evidence freeze".into()))
    }

    /// A freeze with the content of every frozen version, decrypted and checked, for an audit
    /// package (auditor and above); audited once as `evidence.packaged`.
    pub async fn package(
        &self,
        who: &Principal,
        id: FreezeId,
    ) -> DomainResult<(EvidenceFreeze, Vec<(FrozenItem, Vec<u8>)>)> {
        who.require(Permission::Audit)?;
        let freeze = self.freeze(who, id).await?;
        let mut files = Vec::new();
        for item in &freeze.items {
            let bytes = self.open_content(who, &item.sha256).await?;
            files.push((item.clone(), bytes));
        }
        let event = self.event(
            who,
            "evidence.packaged",
            ("evidence_freeze", freeze.id.to_string()),
            json!({
                "name": freeze.name, "items": freeze.items.len(),
                "manifest_sha256": freeze.manifest_sha256,
            }),
        );
        self.store.record_event(&event).await?;
        Ok((freeze, files))
    }

    /// Raises reminders for evidence expiring within [`REMIND_DAYS`] and for expired evidence,
    /// once per version and state (deduplicated); returns how many were raised.
    pub async fn evidence_reminders(&self, who: &Principal) -> DomainResult<usize> {
        let now = self.clock.now();
        let mut raised = 0;
        for view in self.evidence_list(who).await? {
            let Some(latest) = view.versions.first() else {
                continue;
            };
            let (state, severity) = match view.freshness.as_str() {
                "expiring" => ("expiring", Severity::Medium),
                "expired" => ("expired", Severity::High),
                _ => continue,
            };
            let days = latest
                .expires_at
                .map(|at| (at - now).num_days())
                .unwrap_or_default();
            self.raise(who, Notice {
                kind: format!("evidence.{state}"),
                severity,
                title: if state == "expired" {
                    format!("Evidence {} expired", view.item.reference)
                } else {
                    format!("Evidence {} expires in {days} days", view.item.reference)
                },
                body: format!(
                    "{} ({}), version {}, collected {}, is valid until {}. Upload a new version to keep it current.",
                    view.item.title,
                    view.item.owner.as_deref().unwrap_or("no owner"),
                    latest.number,
                    latest.collected_at.format("%Y-%m-%d"),
                    latest.expires_at.map(|t| t.format("%Y-%m-%d").to_string()).unwrap_or_default(),
                ),
                link: self.page_url(&format!("/evidence/{}", view.item.id)),
                dedup_key: Some(format!("evidence.{state}:{}:{}", view.item.id, latest.number)),
            })
            .await;
            raised += 1;
        }
        Ok(raised)
    }
}
