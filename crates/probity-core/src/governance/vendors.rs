//! Third-party risk use cases on [`GovernanceService`]: the vendor register, questionnaires
//! sent as a tokenized link (only the token's hash is stored), the respondent's side — which
//! reaches exactly one assessment and nothing else — scoring on submission, and review with
//! findings that sets the next assessment by tier.

use std::collections::BTreeMap;

use base64::Engine as _;
use chrono::Duration;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::rules::text;
use super::service::{GovernanceService, party};
use super::vendor::*;
use crate::audit::{Actor, ActorKind, AuditRecord};
use crate::error::{DomainError, DomainResult};
use crate::platform::rules::Permission;
use crate::platform::service::Principal;
use crate::store::StoreError;

/// A vendor as entered.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewVendor {
    /// Name.
    pub name: String,
    /// What they provide.
    #[serde(default)]
    pub services: String,
    /// `none`, `internal`, `confidential`, `personal` or `special_category`.
    pub data_access: String,
    /// Tier.
    pub tier: Tier,
    /// Our owner.
    pub owner: String,
    /// Their contacts.
    #[serde(default)]
    pub contacts: Vec<Contact>,
    /// Contract start.
    #[serde(default)]
    pub contract_start: Option<chrono::NaiveDate>,
    /// Contract end.
    #[serde(default)]
    pub contract_end: Option<chrono::NaiveDate>,
    /// DPA signed.
    #[serde(default)]
    pub dpa_signed: Option<chrono::NaiveDate>,
    /// Sub-processors.
    #[serde(default)]
    pub subprocessors: Vec<String>,
    /// Documents.
    #[serde(default)]
    pub documents: Vec<VendorDocument>,
}

/// A vendor with what needs attention.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct VendorView {
    /// The vendor.
    #[serde(flatten)]
    pub vendor: Vendor,
    /// The latest submitted scorecard.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latest: Option<Scorecard>,
    /// The next assessment is due or past.
    pub assessment_due: bool,
    /// Documents expired or expiring within 30 days.
    pub documents_expiring: Vec<String>,
}

/// A vendor with its assessments.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct VendorDetail {
    /// The vendor.
    #[serde(flatten)]
    pub view: VendorView,
    /// Its assessments, newest first.
    pub assessments: Vec<Assessment>,
}

/// Sending a questionnaire.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendQuestionnaire {
    /// Template key (`GET /api/v1/questionnaire-templates`).
    pub template: String,
    /// The contact it goes to (one of the vendor's contacts, by email).
    pub contact_email: String,
    /// Days the link works (1–60, default 21).
    #[serde(default)]
    pub days_valid: Option<i64>,
}

/// A questionnaire sent: the link is shown once.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SentQuestionnaire {
    /// The assessment.
    pub assessment: Assessment,
    /// The respondent's page, relative to the server (`/respond/<token>`); shown only now.
    pub link: String,
    /// The token in the link.
    pub token: String,
}

/// What the respondent sees: one questionnaire, nothing else.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RespondentView {
    /// The vendor's name.
    pub vendor: String,
    /// The organisation asking.
    pub asked_by: String,
    /// The questionnaire.
    pub template: QuestionnaireTemplate,
    /// Answers saved so far.
    pub answers: BTreeMap<String, Answer>,
    /// `sent` (open) or `submitted`.
    pub state: AssessmentState,
    /// When the link stops working.
    pub link_expires_at: chrono::DateTime<chrono::Utc>,
}

/// Answers from the respondent.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RespondentAnswers {
    /// Answers by question id; they replace earlier ones for the same questions.
    pub answers: BTreeMap<String, Answer>,
    /// Submit (closes the link) rather than save.
    #[serde(default)]
    pub submit: bool,
}

/// A review of a submitted assessment.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssessmentReview {
    /// Findings, each with its remediation.
    #[serde(default)]
    pub findings: Vec<VendorFinding>,
}

/// SHA-256 of a respondent token, hex: what the store keeps.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn check_vendor(req: &NewVendor) -> DomainResult<()> {
    text("name", &req.name, 200, true)?;
    text("owner", &req.owner, 200, true)?;
    text("services", &req.services, 1000, false)?;
    if !DATA_ACCESS.contains(&req.data_access.as_str()) {
        return Err(DomainError::invalid(
            "data_access",
            format!("must be one of {DATA_ACCESS:?}"),
        ));
    }
    if req.contacts.len() > 20 || req.subprocessors.len() > 100 || req.documents.len() > 100 {
        return Err(DomainError::invalid(
            "contacts",
            "at most 20 contacts, 100 sub-processors and 100 documents",
        ));
    }
    for c in &req.contacts {
        text("contacts.name", &c.name, 200, true)?;
        crate::platform::model::Email::parse(&c.email).map_err(|_| {
            DomainError::invalid(
                "contacts.email",
                format!("{:?} is not an email address", c.email),
            )
        })?;
    }
    for d in &req.documents {
        text("documents.name", &d.name, 200, true)?;
        text("documents.kind", &d.kind, 50, true)?;
    }
    if let (Some(a), Some(b)) = (req.contract_start, req.contract_end)
        && b < a
    {
        return Err(DomainError::invalid(
            "contract_end",
            "must not be before contract_start",
        ));
    }
    Ok(())
}

impl GovernanceService {
    fn vendor_event(
        &self,
        tenant: crate::platform::TenantId,
        actor: &Actor,
        kind: &str,
        target: (&str, String),
        details: serde_json::Value,
    ) -> AuditRecord {
        AuditRecord::new(Some(tenant), kind, actor, target, self.clock.now()).with_details(details)
    }

    /// The questionnaire templates: the shipped ones and the tenant's own, by key (any member).
    pub async fn questionnaire_templates(
        &self,
        who: &Principal,
    ) -> DomainResult<Vec<ListedTemplate>> {
        who.require(Permission::Read)?;
        let mut all: Vec<ListedTemplate> = questionnaire_templates()
            .into_iter()
            .map(|template| ListedTemplate {
                template,
                source: TemplateSource::Shipped,
                version: None,
            })
            .collect();
        all.extend(
            self.store
                .questionnaire_templates(who.tenant.id)
                .await?
                .into_iter()
                .map(|t| ListedTemplate {
                    template: t.template,
                    source: TemplateSource::Tenant,
                    version: Some(t.version),
                }),
        );
        all.sort_by(|a, b| a.template.key.cmp(&b.template.key));
        Ok(all)
    }

    /// A template by key, shipped or the tenant's own.
    async fn template_of(
        &self,
        who: &Principal,
        key: &str,
    ) -> DomainResult<Option<QuestionnaireTemplate>> {
        if let Some(t) = questionnaire_template(key) {
            return Ok(Some(t));
        }
        Ok(self
            .store
            .questionnaire_templates(who.tenant.id)
            .await?
            .into_iter()
            .find(|t| t.template.key == key)
            .map(|t| t.template))
    }

    /// Adds a tenant questionnaire template (owner, admin, compliance manager), checked like
    /// the shipped ones with every problem named by field; a key the tenant already uses gets
    /// a new version (assessments already sent keep the version they were sent with), a
    /// shipped key is refused. Audited as `vendor.questionnaire_template.added`.
    pub async fn add_questionnaire_template(
        &self,
        who: &Principal,
        template: &QuestionnaireTemplate,
    ) -> DomainResult<ListedTemplate> {
        who.require(Permission::Approve)?;
        check_template(template)?;
        if questionnaire_template(&template.key).is_some() {
            return Err(DomainError::invalid(
                "key",
                format!(
                    "{:?} is a shipped questionnaire; choose another key",
                    template.key
                ),
            ));
        }
        let mut template = template.clone();
        template.title = template.title.trim().to_owned();
        template.summary = template.summary.trim().to_owned();
        let version = self
            .store
            .questionnaire_template_last_version(who.tenant.id, &template.key)
            .await?
            .unwrap_or(0)
            .saturating_add(1);
        let record = TenantTemplate {
            template,
            version,
            created_by: party(who),
            created_at: self.clock.now(),
        };
        let questions: usize = record
            .template
            .sections
            .iter()
            .map(|s| s.questions.len())
            .sum();
        let event = self.vendor_event(
            who.tenant.id,
            &who.actor,
            "vendor.questionnaire_template.added",
            ("questionnaire_template", record.template.key.clone()),
            json!({
                "key": record.template.key, "version": version, "title": record.template.title,
                "sections": record.template.sections.len(), "questions": questions,
            }),
        );
        self.store
            .insert_questionnaire_template(who.tenant.id, &record, &event)
            .await
            .map_err(|e| match e {
                StoreError::Duplicate(_) => DomainError::Conflict(
                    "another version of this template was added at the same time; try again".into(),
                ),
                other => other.into(),
            })?;
        Ok(ListedTemplate {
            template: record.template,
            source: TemplateSource::Tenant,
            version: Some(version),
        })
    }

    /// Removes a tenant questionnaire template (owner, admin, compliance manager): refused
    /// while a questionnaire sent from it is still open (not yet submitted or withdrawn);
    /// assessments keep their own copy, so earlier ones still show and score. Shipped
    /// templates cannot be removed. Audited as `vendor.questionnaire_template.removed`.
    pub async fn remove_questionnaire_template(
        &self,
        who: &Principal,
        key: &str,
    ) -> DomainResult<()> {
        who.require(Permission::Approve)?;
        if questionnaire_template(key).is_some() {
            return Err(DomainError::Conflict(format!(
                "{key:?} is a shipped questionnaire; only the tenant's own can be removed"
            )));
        }
        let current = self
            .store
            .questionnaire_templates(who.tenant.id)
            .await?
            .into_iter()
            .find(|t| t.template.key == key)
            .ok_or_else(|| DomainError::NotFound(format!("questionnaire template {key}")))?;
        let mut open = Vec::new();
        for v in self.store.list_vendors(who.tenant.id).await? {
            for a in self.store.vendor_assessments(who.tenant.id, v.id).await? {
                if a.state == AssessmentState::Sent && a.template.key == key {
                    open.push(format!("{} ({})", v.reference, a.id));
                }
            }
        }
        if !open.is_empty() {
            return Err(DomainError::Conflict(format!(
                "questionnaires sent from {key:?} are still open: {}; wait for them to be \
                 submitted or withdraw them first",
                open.join(", ")
            )));
        }
        let event = self.vendor_event(
            who.tenant.id,
            &who.actor,
            "vendor.questionnaire_template.removed",
            ("questionnaire_template", key.to_owned()),
            json!({ "key": key, "version": current.version }),
        );
        if !self
            .store
            .remove_questionnaire_template(who.tenant.id, key, self.clock.now(), &event)
            .await?
        {
            return Err(DomainError::NotFound(format!(
                "questionnaire template {key}"
            )));
        }
        Ok(())
    }

    async fn vendor_view(&self, who: &Principal, vendor: Vendor) -> DomainResult<VendorView> {
        let now = self.clock.now();
        let assessments = self
            .store
            .vendor_assessments(who.tenant.id, vendor.id)
            .await?;
        let soon = (now + Duration::days(30)).date_naive();
        Ok(VendorView {
            latest: assessments.iter().find_map(|a| a.scorecard.clone()),
            assessment_due: vendor.next_assessment <= now,
            documents_expiring: vendor
                .documents
                .iter()
                .filter(|d| d.expires.is_some_and(|e| e <= soon))
                .map(|d| d.name.clone())
                .collect(),
            vendor,
        })
    }

    /// Adds a vendor (contributor and above); the first assessment is due at once. Audited as
    /// `vendor.created`.
    pub async fn create_vendor(
        &self,
        who: &Principal,
        req: &NewVendor,
    ) -> DomainResult<VendorView> {
        who.require(Permission::Write)?;
        check_vendor(req)?;
        let now = self.clock.now();
        let existing = self.store.list_vendors(who.tenant.id).await?;
        let v = Vendor {
            id: VendorId::new(),
            tenant_id: who.tenant.id,
            reference: format!("V-{:03}", existing.len() + 1),
            name: req.name.trim().to_owned(),
            services: req.services.trim().to_owned(),
            data_access: req.data_access.clone(),
            tier: req.tier,
            owner: req.owner.trim().to_owned(),
            contacts: req.contacts.clone(),
            contract_start: req.contract_start,
            contract_end: req.contract_end,
            dpa_signed: req.dpa_signed,
            subprocessors: req.subprocessors.clone(),
            documents: req.documents.clone(),
            next_assessment: now,
            created_at: now,
        };
        let event = self.vendor_event(who.tenant.id, &who.actor, "vendor.created", ("vendor", v.id.to_string()), json!({
            "reference": v.reference, "name": v.name, "tier": v.tier, "data_access": v.data_access,
        }));
        self.store
            .insert_vendor(&v, &event)
            .await
            .map_err(|e| match e {
                StoreError::Duplicate(_) => DomainError::Conflict(
                    "another vendor was added at the same time; try again".into(),
                ),
                other => other.into(),
            })?;
        self.vendor_view(who, v).await
    }

    /// Replaces a vendor's details (contributor and above); a tier change moves the next
    /// assessment. Audited as `vendor.updated`.
    pub async fn update_vendor(
        &self,
        who: &Principal,
        id: VendorId,
        req: &NewVendor,
    ) -> DomainResult<VendorView> {
        who.require(Permission::Write)?;
        check_vendor(req)?;
        let old = self.vendor_of(who, id).await?;
        let mut v = old.clone();
        v.name = req.name.trim().to_owned();
        v.services = req.services.trim().to_owned();
        v.data_access = req.data_access.clone();
        v.owner = req.owner.trim().to_owned();
        v.contacts = req.contacts.clone();
        v.contract_start = req.contract_start;
        v.contract_end = req.contract_end;
        v.dpa_signed = req.dpa_signed;
        v.subprocessors = req.subprocessors.clone();
        v.documents = req.documents.clone();
        if req.tier != old.tier {
            v.tier = req.tier;
            let last = self
                .store
                .vendor_assessments(who.tenant.id, id)
                .await?
                .into_iter()
                .find_map(|a| a.reviewed.map(|(_, at)| at));
            if let Some(at) = last {
                v.next_assessment = at
                    .checked_add_months(chrono::Months::new(v.tier.reassess_months()))
                    .unwrap_or(at);
            }
        }
        let event = self.vendor_event(
            who.tenant.id,
            &who.actor,
            "vendor.updated",
            ("vendor", id.to_string()),
            json!({
                "reference": v.reference, "tier": { "before": old.tier, "after": v.tier },
                "data_access": { "before": old.data_access, "after": v.data_access },
            }),
        );
        self.store.update_vendor(&v, &event).await?;
        self.vendor_view(who, v).await
    }

    async fn vendor_of(&self, who: &Principal, id: VendorId) -> DomainResult<Vendor> {
        self.store
            .vendor(who.tenant.id, id)
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("vendor {id}")))
    }

    /// The register (any member).
    pub async fn vendors(&self, who: &Principal) -> DomainResult<Vec<VendorView>> {
        who.require(Permission::Read)?;
        let mut out = Vec::new();
        for v in self.store.list_vendors(who.tenant.id).await? {
            out.push(self.vendor_view(who, v).await?);
        }
        Ok(out)
    }

    /// One vendor with its assessments.
    pub async fn vendor(&self, who: &Principal, id: VendorId) -> DomainResult<VendorDetail> {
        who.require(Permission::Read)?;
        let v = self.vendor_of(who, id).await?;
        let assessments = self.store.vendor_assessments(who.tenant.id, id).await?;
        Ok(VendorDetail {
            view: self.vendor_view(who, v).await?,
            assessments,
        })
    }

    /// Sends a questionnaire to one of the vendor's contacts (contributor and above): a fresh
    /// random token whose hash only is stored; the link is returned once. Audited as
    /// `vendor.questionnaire.sent` (without the token).
    pub async fn send_questionnaire(
        &self,
        who: &Principal,
        id: VendorId,
        req: &SendQuestionnaire,
    ) -> DomainResult<SentQuestionnaire> {
        who.require(Permission::Write)?;
        let v = self.vendor_of(who, id).await?;
        let template = self.template_of(who, &req.template).await?.ok_or_else(|| {
            DomainError::invalid("template", format!("{:?} is not a questionnaire template of this tenant; list them at /api/v1/questionnaire-templates", req.template))
        })?;
        let contact = v
            .contacts
            .iter()
            .find(|c| c.email.eq_ignore_ascii_case(req.contact_email.trim()))
            .cloned()
            .ok_or_else(|| {
                DomainError::invalid(
                    "contact_email",
                    "must be one of the vendor's contacts; add the contact first",
                )
            })?;
        let days = req.days_valid.unwrap_or(21);
        if !(1..=60).contains(&days) {
            return Err(DomainError::invalid("days_valid", "must be 1 to 60"));
        }
        let token = probity_crypto::SessionId::generate();
        let token = token.expose_secret().to_owned();
        let now = self.clock.now();
        let a = Assessment {
            id: AssessmentId::new(),
            tenant_id: who.tenant.id,
            vendor_id: id,
            template,
            sent_to: contact,
            sent_at: now,
            link_expires_at: now + Duration::days(days),
            state: AssessmentState::Sent,
            answers: BTreeMap::new(),
            submitted_at: None,
            scorecard: None,
            findings: Vec::new(),
            reviewed: None,
        };
        let event = self.vendor_event(who.tenant.id, &who.actor, "vendor.questionnaire.sent", ("vendor", id.to_string()), json!({
            "assessment": a.id, "template": a.template.key, "sent_to": a.sent_to.email, "link_expires_at": a.link_expires_at,
        }));
        self.store
            .insert_vendor_assessment(&a, &token_hash(&token), &event)
            .await?;
        Ok(SentQuestionnaire {
            link: format!("/respond/{token}"),
            token,
            assessment: a,
        })
    }

    /// Records a review of a submitted assessment with its findings (compliance manager and
    /// above); the vendor's next assessment is due after its tier's interval. Audited as
    /// `vendor.assessment.reviewed`.
    pub async fn review_assessment(
        &self,
        who: &Principal,
        id: AssessmentId,
        req: &AssessmentReview,
    ) -> DomainResult<Assessment> {
        who.require(Permission::Approve)?;
        let mut a = self
            .store
            .vendor_assessment(who.tenant.id, id)
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("assessment {id}")))?;
        if a.state != AssessmentState::Submitted {
            return Err(DomainError::Conflict(format!(
                "the assessment is {}: only a submitted one can be reviewed",
                a.state.as_str()
            )));
        }
        for f in &req.findings {
            text("findings.title", &f.title, 200, true)?;
            if !["low", "medium", "high", "critical"].contains(&f.severity.as_str()) {
                return Err(DomainError::invalid(
                    "findings.severity",
                    "must be low, medium, high or critical",
                ));
            }
            text("findings.remediation", &f.remediation, 2000, false)?;
        }
        let now = self.clock.now();
        a.state = AssessmentState::Reviewed;
        a.findings = req.findings.clone();
        a.reviewed = Some((party(who), now));
        let mut v = self.vendor_of(who, a.vendor_id).await?;
        v.next_assessment = now
            .checked_add_months(chrono::Months::new(v.tier.reassess_months()))
            .unwrap_or(now);
        let event = self.vendor_event(
            who.tenant.id,
            &who.actor,
            "vendor.assessment.reviewed",
            ("vendor", v.id.to_string()),
            json!({
                "assessment": a.id, "score": a.scorecard.as_ref().map(|c| c.overall.score),
                "findings": a.findings.len(), "next_assessment": v.next_assessment,
            }),
        );
        if !self
            .store
            .update_vendor_assessment(&a, AssessmentState::Submitted, Some(&v), &event)
            .await?
        {
            return Err(DomainError::Conflict(
                "the assessment changed meanwhile; reload".into(),
            ));
        }
        Ok(a)
    }

    /// A file a vendor uploaded (any member): name and bytes; audited as
    /// `vendor.file.downloaded` (chain of custody).
    pub async fn assessment_file(
        &self,
        who: &Principal,
        id: AssessmentId,
        question: &str,
    ) -> DomainResult<(String, Vec<u8>)> {
        who.require(Permission::Read)?;
        let a = self
            .store
            .vendor_assessment(who.tenant.id, id)
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("assessment {id}")))?;
        let (name, bytes) = self
            .store
            .vendor_file(who.tenant.id, id, question)
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("no file for question {question}")))?;
        let event = self.vendor_event(who.tenant.id, &who.actor, "vendor.file.downloaded", ("vendor", a.vendor_id.to_string()), json!({
            "assessment": id, "question": question, "name": name, "sha256": hex::encode(Sha256::digest(&bytes)),
        }));
        self.store.record_event(&event).await?;
        Ok((name, bytes))
    }

    async fn by_token(&self, token: &str) -> DomainResult<Assessment> {
        let unknown = || DomainError::NotFound("this questionnaire link is not valid".into());
        if token.len() != 43
            || !token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(unknown());
        }
        let a = self
            .store
            .vendor_assessment_by_token(&token_hash(token))
            .await?
            .ok_or_else(unknown)?;
        if self.clock.now() >= a.link_expires_at && a.state == AssessmentState::Sent {
            return Err(DomainError::Conflict(
                "this questionnaire link has expired; ask for a new one".into(),
            ));
        }
        if a.state == AssessmentState::Cancelled {
            return Err(unknown());
        }
        Ok(a)
    }

    /// The respondent's view of the one questionnaire its token opens (no account).
    pub async fn respondent_view(&self, token: &str) -> DomainResult<RespondentView> {
        let a = self.by_token(token).await?;
        let vendor = self
            .store
            .vendor(a.tenant_id, a.vendor_id)
            .await?
            .ok_or_else(|| DomainError::NotFound("this questionnaire link is not valid".into()))?;
        let tenant = self.store.tenant_by_id(a.tenant_id).await?;
        Ok(RespondentView {
            vendor: vendor.name,
            asked_by: tenant.map(|t| t.name).unwrap_or_default(),
            template: a.template,
            answers: a.answers,
            state: match a.state {
                AssessmentState::Sent => AssessmentState::Sent,
                _ => AssessmentState::Submitted,
            },
            link_expires_at: a.link_expires_at,
        })
    }

    /// Saves (and with `submit`, submits) the respondent's answers: each checked against its
    /// question, files hashed and kept apart; submission scores the questionnaire and closes
    /// the link. Audited as `vendor.questionnaire.saved` / `.submitted` by the contact.
    pub async fn respond(
        &self,
        token: &str,
        req: &RespondentAnswers,
    ) -> DomainResult<RespondentView> {
        let mut a = self.by_token(token).await?;
        if a.state != AssessmentState::Sent {
            return Err(DomainError::Conflict(
                "this questionnaire was submitted; the link is closed".into(),
            ));
        }
        let questions: Vec<Question> = a
            .template
            .sections
            .iter()
            .flat_map(|s| s.questions.clone())
            .collect();
        let mut files = Vec::new();
        for (id, answer) in &req.answers {
            let q = questions.iter().find(|q| &q.id == id).ok_or_else(|| {
                DomainError::invalid(
                    format!("answers.{id}"),
                    "is not a question of this questionnaire",
                )
            })?;
            check_answer(q, answer)?;
            let answer = match answer {
                Answer::File {
                    name,
                    content_base64,
                    ..
                } => {
                    let bytes = base64::engine::general_purpose::STANDARD
                        .decode(content_base64.as_deref().unwrap_or_default())
                        .map_err(|_| {
                            DomainError::invalid(
                                format!("answers.{id}"),
                                "content_base64 must be base64",
                            )
                        })?;
                    if bytes.is_empty() || bytes.len() > MAX_FILE {
                        return Err(DomainError::invalid(
                            format!("answers.{id}"),
                            format!("a file must be 1 to {MAX_FILE} bytes"),
                        ));
                    }
                    let stored = Answer::File {
                        name: name.trim().to_owned(),
                        sha256: hex::encode(Sha256::digest(&bytes)),
                        size: u64::try_from(bytes.len()).unwrap_or(u64::MAX),
                        content_base64: None,
                    };
                    files.push((id.clone(), name.trim().to_owned(), bytes));
                    stored
                }
                other => other.clone(),
            };
            a.answers.insert(id.clone(), answer);
        }
        let now = self.clock.now();
        if req.submit {
            a.state = AssessmentState::Submitted;
            a.submitted_at = Some(now);
            a.scorecard = Some(scorecard(&a.template, &a.answers));
        }
        let actor = Actor {
            kind: ActorKind::Service,
            id: format!("vendor-contact:{}", a.sent_to.email),
            display: a.sent_to.name.clone(),
        };
        let kind = if req.submit {
            "vendor.questionnaire.submitted"
        } else {
            "vendor.questionnaire.saved"
        };
        let event = self.vendor_event(a.tenant_id, &actor, kind, ("vendor", a.vendor_id.to_string()), json!({
            "assessment": a.id, "answered": req.answers.keys().collect::<Vec<_>>(),
            "files": files.iter().map(|(q, n, b)| json!({ "question": q, "name": n, "sha256": hex::encode(Sha256::digest(b)) })).collect::<Vec<_>>(),
            "score": a.scorecard.as_ref().map(|c| c.overall.score),
        }));
        for (q, name, bytes) in &files {
            self.store
                .put_vendor_file(a.tenant_id, a.id, q, name, bytes)
                .await?;
        }
        if !self
            .store
            .update_vendor_assessment(&a, AssessmentState::Sent, None, &event)
            .await?
        {
            return Err(DomainError::Conflict(
                "this questionnaire was submitted meanwhile; the link is closed".into(),
            ));
        }
        self.respondent_view(token).await
    }
}
