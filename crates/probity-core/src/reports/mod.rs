//! Reports: the catalog of reports each context offers, their generation into the
//! [`probity_report`] model and its renderings (PDF, HTML, CSV, XLSX, JSON), the history of
//! generated reports (files kept encrypted under the tenant's key), and scheduled reports
//! delivered through notification channels.
//!
//! - [`kinds`]: one builder per report kind, reading the contexts' services; [`audit`]: the
//!   audit trail report over a period, with the checkpoint that covers it;
//! - [`privacy`]: the record of processing (GDPR Art. 30) and the DPO's report, whose
//!   period part is [`dpo_period`];
//! - [`schedule`]: cron schedules, claimed with compare-and-swap so that one node runs each
//!   occurrence, delivered as a notification that links to the stored report;
//! - [`store`]: the report store port; [`demo`]: the demo tenant's first reports.
//!
//! Verification: a report's *content hash* (SHA-256 of its model) is printed in every
//! rendering's footer next to the latest signed checkpoint; the content hash and the file's
//! SHA-256 are recorded in the tenant's ledger as `report.generated` in the same transaction
//! that stores the report, so anyone holding the file can find its entry and check it.

pub mod audit;
pub mod demo;
pub mod dpo_period;
pub mod kinds;
pub mod privacy;
pub mod schedule;
pub mod store;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

pub use schedule::{NewReportSchedule, ReportSchedule, ScheduleRun};
pub use store::ReportStore;

use crate::assurance::{AssuranceService, sha256_hex};
use crate::audit::AuditRecord;
use crate::clock::Clock;
use crate::error::{DomainError, DomainResult};
use crate::governance::service::party;
use crate::governance::{GovernanceService, Party};
use crate::keys::{KeyService, tenant_scope};
use crate::notify::NotifyService;
use crate::notify::model::wire_enum;
use crate::platform::model::{TenantId, uuid_id};
use crate::platform::rules::Permission;
use crate::platform::service::Principal;
use crate::service_level::ServiceLevelService;
use crate::store::Store;

uuid_id!(
    /// Identifies a generated report.
    ReportId
);
uuid_id!(
    /// Identifies a report schedule.
    ReportScheduleId
);

wire_enum!(
    /// What a report is about.
    ReportKind {
        /// A framework's compliance: score, every requirement with its evidence, findings.
        Compliance => "compliance",
        /// The ISO/IEC 27001:2022 Statement of Applicability.
        StatementOfApplicability => "statement_of_applicability",
        /// A framework's control matrix (SOC 2 by default).
        ControlMatrix => "control_matrix",
        /// The risk register with its heat maps.
        RiskRegister => "risk_register",
        /// Policies and how many members acknowledged the published version.
        PolicyAcknowledgments => "policy_acknowledgments",
        /// Vendors with their latest scorecards.
        VendorScorecards => "vendor_scorecards",
        /// One month's SLA compliance, violations and credits.
        SlaMonthly => "sla_monthly",
        /// A period's audit events: counts, activity, actors, high and critical events and
        /// the checkpoint that covers them.
        AuditTrail => "audit_trail",
        /// The record of processing activities (GDPR Art. 30) with every activity's fields.
        RecordsOfProcessing => "records_of_processing",
        /// The data protection officer's overview: requests, breach clocks, DPIAs, retention.
        PrivacyDpo => "privacy_dpo",
    }
);

wire_enum!(
    /// A rendering of a report.
    ReportFormat {
        /// PDF (A4, embedded fonts).
        Pdf => "pdf",
        /// Self-contained HTML.
        Html => "html",
        /// The main table as CSV.
        Csv => "csv",
        /// Every table as a worksheet.
        Xlsx => "xlsx",
        /// The report model as JSON.
        Json => "json",
    }
);

impl ReportFormat {
    /// The renderer's format.
    pub fn render_format(self) -> probity_report::Format {
        match self {
            Self::Pdf => probity_report::Format::Pdf,
            Self::Html => probity_report::Format::Html,
            Self::Csv => probity_report::Format::Csv,
            Self::Xlsx => probity_report::Format::Xlsx,
            Self::Json => probity_report::Format::Json,
        }
    }

    /// The media type of the file.
    pub fn media_type(self) -> &'static str {
        self.render_format().media_type()
    }
}

/// What a report is generated for. Which fields a kind reads is in
/// [`ReportKind::describe`]; the others must be empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportParams {
    /// Framework or baseline id (`compliance`, default `soc2-2017`; `control_matrix`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub framework: Option<String>,
    /// Calendar month `YYYY-MM` (`sla_monthly`; default: the last complete month).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub month: Option<String>,
    /// Only services owed to this customer (`sla_monthly`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    /// First day `YYYY-MM-DD` (`audit_trail`, `privacy_dpo`; default: 29 days before `to`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Last day `YYYY-MM-DD`, inclusive (`audit_trail`, `privacy_dpo`; default: today).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
}

/// A request to generate a report.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReport {
    /// What to report on.
    pub kind: ReportKind,
    /// The rendering (default `pdf`).
    #[serde(default)]
    pub format: Option<ReportFormat>,
    /// Parameters of the kind.
    #[serde(default)]
    pub params: ReportParams,
}

/// A generated report (its file is fetched separately).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReportRecord {
    /// Id.
    pub id: ReportId,
    /// Tenant.
    pub tenant_id: TenantId,
    /// Kind.
    pub kind: ReportKind,
    /// Rendering.
    pub format: ReportFormat,
    /// Title as printed.
    pub title: String,
    /// Parameters it was made with.
    pub params: ReportParams,
    /// SHA-256 (hex) of the report model, printed in the file's verification block.
    pub content_sha256: String,
    /// SHA-256 (hex) of the file.
    pub file_sha256: String,
    /// Size of the file in bytes.
    pub size_bytes: u64,
    /// Pages (PDF only).
    pub pages: Option<u32>,
    /// The latest signed checkpoint's size when it was made.
    pub checkpoint_size: Option<u64>,
    /// The schedule that made it, if any.
    pub schedule_id: Option<ReportScheduleId>,
    /// Who asked for it.
    pub created_by: Party,
    /// When.
    pub created_at: DateTime<Utc>,
}

impl ReportRecord {
    /// A file name for downloads: `<kind>-<date>.<ext>`.
    pub fn file_name(&self) -> String {
        format!(
            "{}-{}.{}",
            self.kind.as_str().replace('_', "-"),
            self.created_at.format("%Y-%m-%d"),
            self.format.as_str()
        )
    }
}

/// A generated report and its file.
#[derive(Debug, Clone)]
pub struct GeneratedReport {
    /// What was stored.
    pub record: ReportRecord,
    /// The file.
    pub bytes: Vec<u8>,
}

/// One entry of the report catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ReportKindInfo {
    /// Kind.
    pub kind: ReportKind,
    /// Title.
    pub title: String,
    /// What it shows.
    pub description: String,
    /// Parameters it reads.
    pub params: Vec<String>,
}

impl ReportKind {
    /// Title, description and the parameters the kind reads.
    pub fn describe(self) -> (&'static str, &'static str, &'static [&'static str]) {
        match self {
            Self::Compliance => (
                "Compliance report",
                "A framework's score, every requirement with its status, controls, evidence and \
                 what is missing, and the latest assessment's findings and remediation plan.",
                &["framework"],
            ),
            Self::StatementOfApplicability => (
                "Statement of Applicability",
                "Every ISO/IEC 27001:2022 Annex A control: applicable or not with the \
                 justification, implementation, owners and evidence.",
                &[],
            ),
            Self::ControlMatrix => (
                "Control matrix",
                "Each requirement of a framework (SOC 2 by default) with its controls, owners, \
                 health, evidence and status.",
                &["framework"],
            ),
            Self::RiskRegister => (
                "Risk register",
                "Residual and inherent heat maps and every risk with its ratings, treatment, \
                 owner, appetite and review date.",
                &[],
            ),
            Self::PolicyAcknowledgments => (
                "Policy acknowledgments",
                "Every policy's published version, acknowledgment rate and review date.",
                &[],
            ),
            Self::VendorScorecards => (
                "Vendor scorecards",
                "Every vendor's tier, latest questionnaire score and rating, next assessment and \
                 contract dates.",
                &[],
            ),
            Self::SlaMonthly => (
                "Monthly SLA report",
                "One calendar month: each SLO's compliance against its target, violations and \
                 service credits, optionally for one customer.",
                &["month", "customer"],
            ),
            Self::AuditTrail => (
                "Audit trail report",
                "A period's audit events (optionally those naming one framework's controls): \
                 counts by category, severity, outcome and type, daily activity, top actors and \
                 resources, high and critical events, and the checkpoint covering them.",
                &["from", "to", "framework"],
            ),
            Self::RecordsOfProcessing => (
                "Record of processing activities",
                "Every processing activity with its purposes, legal basis and Art. 9 condition, \
                 data and subject categories, recipients, processors, transfers and their \
                 mechanism, retention schedules, security measures and DPIAs (GDPR Art. 30).",
                &[],
            ),
            Self::PrivacyDpo => (
                "Data protection officer's report",
                "For a period (default the last 30 days): requests received by regime and type, \
                 median and mean days to respond, breaches discovered with their clocks met or \
                 missed, processing activities created, updated or removed; and as of now: open \
                 and overdue requests by regime, breach notification clocks, activities that \
                 need a DPIA, DPIAs and their state, and the latest retention runs.",
                &["from", "to"],
            ),
        }
    }

    /// The catalog entry.
    pub fn info(self) -> ReportKindInfo {
        let (title, description, params) = self.describe();
        ReportKindInfo {
            kind: self,
            title: title.to_owned(),
            description: description.to_owned(),
            params: params.iter().map(|p| (*p).to_owned()).collect(),
        }
    }
}

/// The sources reports read: the contexts' services.
#[derive(Clone)]
pub struct ReportSources {
    /// Compliance posture, assessments, evidence.
    pub assurance: Arc<AssuranceService>,
    /// Policies, risks, vendors.
    pub governance: Arc<GovernanceService>,
    /// SLOs and SLAs.
    pub service_levels: Arc<ServiceLevelService>,
    /// The store, for the audit search index and checkpoints.
    pub store: Arc<dyn Store>,
}

/// Report use cases.
pub struct ReportService {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    keys: Arc<KeyService>,
    sources: ReportSources,
    notify: Option<Arc<NotifyService>>,
    public_url: String,
}

impl std::fmt::Debug for ReportService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReportService").finish_non_exhaustive()
    }
}

/// Most reports listed in the history at once.
pub const HISTORY_LIMIT: u32 = 500;

fn aad(tenant: TenantId, id: ReportId) -> Vec<u8> {
    format!("probity-report-v1:{tenant}:{id}").into_bytes()
}

impl ReportService {
    /// A service over the store, the clock, the tenant keys (files are encrypted) and the
    /// contexts it reads.
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        keys: Arc<KeyService>,
        sources: ReportSources,
    ) -> Self {
        Self {
            store,
            clock,
            keys,
            sources,
            notify: None,
            public_url: String::new(),
        }
    }

    /// Delivers scheduled reports through `notify`, linking to `public_url`.
    #[must_use]
    pub fn with_notify(mut self, notify: Arc<NotifyService>, public_url: &str) -> Self {
        self.notify = Some(notify);
        self.public_url = public_url.trim_end_matches('/').to_owned();
        self
    }

    /// The report catalog: the kinds the caller may generate.
    pub fn catalog(&self, who: &Principal) -> DomainResult<Vec<ReportKindInfo>> {
        who.require(Permission::Read)?;
        // The audit trail report is for those who may search the audit trail.
        Ok(ReportKind::ALL
            .iter()
            .filter(|k| **k != ReportKind::AuditTrail || who.require(Permission::Audit).is_ok())
            .map(|k| k.info())
            .collect())
    }

    /// Builds the report model of a kind (no file, nothing recorded): for previews and tests.
    pub async fn build(
        &self,
        who: &Principal,
        kind: ReportKind,
        params: &ReportParams,
    ) -> DomainResult<probity_report::Report> {
        who.require(Permission::Read)?;
        check_params(kind, params)?;
        kinds::build(&self.sources, who, kind, params, self.clock.now()).await
    }

    /// Generates a report: builds the model, renders it, records `report.generated` with the
    /// content and file hashes in the ledger and keeps the file, encrypted, in the history
    /// (any member).
    pub async fn generate(
        &self,
        who: &Principal,
        req: &NewReport,
    ) -> DomainResult<GeneratedReport> {
        self.generate_for(who, req, None).await
    }

    async fn generate_for(
        &self,
        who: &Principal,
        req: &NewReport,
        schedule: Option<ReportScheduleId>,
    ) -> DomainResult<GeneratedReport> {
        let format = req.format.unwrap_or(ReportFormat::Pdf);
        let report = self.build(who, req.kind, &req.params).await?;
        if format == ReportFormat::Csv && report.tables().next().is_none() {
            return Err(DomainError::invalid(
                "format",
                "this report has no table to export as CSV: choose pdf, html, xlsx or json",
            ));
        }
        let checkpoint = self.store.latest_checkpoint(who.tenant.id).await?;
        let verification = probity_report::Verification {
            tenant: who.tenant.slug.to_string(),
            checkpoint_size: checkpoint.as_ref().map(|c| c.size),
            checkpoint_root: checkpoint.as_ref().map(|c| c.root.to_base64()),
            content_hash: report.content_hash(),
        };
        let render_format = format.render_format();
        let (report, verification, rendered) = tokio::task::spawn_blocking(move || {
            let rendered = probity_report::render(&report, &verification, render_format);
            (report, verification, rendered)
        })
        .await
        .map_err(|e| DomainError::Internal(format!("report rendering stopped: {e}")))?;
        let rendered = rendered.map_err(|e| DomainError::Internal(e.to_string()))?;
        let now = self.clock.now();
        let record = ReportRecord {
            id: ReportId::new(),
            tenant_id: who.tenant.id,
            kind: req.kind,
            format,
            title: report.title.clone(),
            params: req.params.clone(),
            content_sha256: verification.content_hash.clone(),
            file_sha256: sha256_hex(&rendered.bytes),
            size_bytes: rendered.bytes.len() as u64,
            pages: rendered.pages.and_then(|p| u32::try_from(p).ok()),
            checkpoint_size: verification.checkpoint_size,
            schedule_id: schedule,
            created_by: party(who),
            created_at: now,
        };
        let sealed = self
            .keys
            .encrypt(
                &tenant_scope(who.tenant.id),
                &rendered.bytes,
                &aad(who.tenant.id, record.id),
            )
            .await?;
        let event = AuditRecord::new(
            Some(who.tenant.id),
            "report.generated",
            &who.actor,
            ("report", record.id.to_string()),
            now,
        )
        .with_details(json!({
            "kind": record.kind, "format": record.format, "title": record.title,
            "params": record.params, "content_sha256": record.content_sha256,
            "file_sha256": record.file_sha256, "size_bytes": record.size_bytes,
            "checkpoint_size": record.checkpoint_size, "schedule_id": record.schedule_id,
        }));
        self.store.insert_report(&record, &sealed, &event).await?;
        Ok(GeneratedReport {
            record,
            bytes: rendered.bytes,
        })
    }

    /// The history, newest first (any member).
    pub async fn history(&self, who: &Principal) -> DomainResult<Vec<ReportRecord>> {
        who.require(Permission::Read)?;
        Ok(self
            .store
            .list_reports(who.tenant.id, HISTORY_LIMIT)
            .await?)
    }

    /// One report of the history (any member).
    pub async fn report(&self, who: &Principal, id: ReportId) -> DomainResult<ReportRecord> {
        who.require(Permission::Read)?;
        self.store
            .report(who.tenant.id, id)
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("report {id}")))
    }

    /// A stored report's file, decrypted and checked against its recorded hash; the download
    /// is recorded (`report.downloaded`) like every read of evidence (any member).
    pub async fn download(
        &self,
        who: &Principal,
        id: ReportId,
    ) -> DomainResult<(ReportRecord, Vec<u8>)> {
        let record = self.report(who, id).await?;
        let sealed = self
            .store
            .report_content(who.tenant.id, id)
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("report {id}")))?;
        let bytes = self
            .keys
            .decrypt(
                &tenant_scope(who.tenant.id),
                &sealed,
                &aad(who.tenant.id, id),
            )
            .await?;
        if sha256_hex(&bytes) != record.file_sha256 {
            return Err(DomainError::Internal(format!(
                "report {id} does not hash to its recorded SHA-256"
            )));
        }
        let event = AuditRecord::new(
            Some(who.tenant.id),
            "report.downloaded",
            &who.actor,
            ("report", id.to_string()),
            self.clock.now(),
        )
        .with_details(json!({ "file_sha256": record.file_sha256 }));
        self.store.record_event(&event).await?;
        Ok((record, bytes))
    }

    fn link(&self, id: ReportId) -> Option<String> {
        (!self.public_url.is_empty()).then(|| format!("{}/reports/{id}", self.public_url))
    }
}

/// Refuses parameters a kind does not read, and checks the ones it does.
pub fn check_params(kind: ReportKind, p: &ReportParams) -> DomainResult<()> {
    let (_, _, reads) = kind.describe();
    let given = [
        ("framework", p.framework.is_some()),
        ("month", p.month.is_some()),
        ("customer", p.customer.is_some()),
        ("from", p.from.is_some()),
        ("to", p.to.is_some()),
    ];
    for (name, set) in given {
        if set && !reads.contains(&name) {
            return Err(DomainError::invalid(
                format!("params.{name}"),
                format!(
                    "the {} report does not take {name}; it reads: {}",
                    kind.as_str(),
                    if reads.is_empty() {
                        "nothing".to_owned()
                    } else {
                        reads.join(", ")
                    }
                ),
            ));
        }
    }
    if let Some(m) = &p.month {
        crate::service_level::parse_month(m)
            .map_err(|_| DomainError::invalid("params.month", "write the month as YYYY-MM"))?;
    }
    if matches!(kind, ReportKind::AuditTrail | ReportKind::PrivacyDpo) {
        audit::check(p)?;
    }
    for (name, value) in [("framework", &p.framework), ("customer", &p.customer)] {
        if let Some(v) = value
            && (v.trim().is_empty() || v.len() > 200)
        {
            return Err(DomainError::invalid(
                format!("params.{name}"),
                "must be 1 to 200 characters",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_a_kind_does_not_read_are_refused() {
        let p = ReportParams {
            month: Some("2026-10".into()),
            ..ReportParams::default()
        };
        assert!(check_params(ReportKind::SlaMonthly, &p).is_ok());
        let e = check_params(ReportKind::RiskRegister, &p).unwrap_err();
        assert!(e.to_string().contains("params.month"), "{e}");
        let bad = ReportParams {
            month: Some("October".into()),
            ..ReportParams::default()
        };
        assert!(check_params(ReportKind::SlaMonthly, &bad).is_err());
    }

    #[test]
    fn every_kind_is_described() {
        for k in ReportKind::ALL {
            let info = k.info();
            assert!(!info.title.is_empty() && !info.description.is_empty());
        }
    }
}
