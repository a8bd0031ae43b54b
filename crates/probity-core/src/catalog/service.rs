//! Catalog use cases, authorised against the caller's [`Principal`]: reading frameworks,
//! controls and links; recording control states (`Write`) and decisions on `intersects_with`
//! links (`Approve`), each with its audit record; coverage, comparison, matrix and diff.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::changes::{self, ChangeId, ChangeRecord, NewChangeRecord, TaskUpdate};
use super::content::Catalog;
use super::coverage::{self, Comparison, FrameworkCoverage, MatrixCell, TenantView};
use super::diff::{self, FrameworkDiff};
use super::model::*;
use super::oscal::{self, ImportId, ImportRecord, ImportSummary};
use crate::audit::AuditRecord;
use crate::clock::Clock;
use crate::error::{DomainError, DomainResult};
use crate::platform::rules::Permission;
use crate::platform::service::Principal;
use crate::store::Store;

/// A requirement with its place in the tree and every link touching it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RequirementDetail {
    /// The framework id.
    pub framework: String,
    /// The requirement.
    pub requirement: Requirement,
    /// Ids of its children.
    pub children: Vec<String>,
    /// Mappings to it and crosswalks from or to it.
    pub links: Vec<Link>,
}

/// A unified control with the tenant's state and its mappings.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ControlDetail {
    /// The control.
    pub control: Control,
    /// The tenant's recorded state (`not_implemented` when none).
    pub status: ImplementationStatus,
    /// The recorded state, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<ControlState>,
    /// Its mappings to every framework.
    pub mappings: Vec<Link>,
}

/// A change to a control's state.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ControlUpdate {
    /// Implementation status.
    pub status: ImplementationStatus,
    /// Owner (a person or team), up to 200 characters.
    #[serde(default)]
    pub owner: Option<String>,
    /// How it is implemented, up to 4,000 characters.
    #[serde(default)]
    pub note: Option<String>,
}

/// A decision on one `intersects_with` link.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDecision {
    /// The link's hash (from any link listing): the decision binds to this exact link.
    pub link_hash: String,
    /// The decision.
    pub outcome: DecisionOutcome,
    /// Why, 10 to 4,000 characters.
    pub rationale: String,
}

/// Catalog use cases.
pub struct CatalogService {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    catalog: &'static Catalog,
}

impl std::fmt::Debug for CatalogService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CatalogService").finish_non_exhaustive()
    }
}

fn text(field: &str, value: Option<&str>, max: usize) -> DomainResult<Option<String>> {
    let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if v.chars().count() > max || v.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(DomainError::invalid(
            field,
            format!("must be at most {max} characters without control characters"),
        ));
    }
    Ok(Some(v.to_owned()))
}

impl CatalogService {
    /// Builds the service over the shipped catalog.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, catalog: &'static Catalog) -> Self {
        Self {
            store,
            clock,
            catalog,
        }
    }

    /// The catalog content.
    pub fn catalog(&self) -> &'static Catalog {
        self.catalog
    }

    fn framework(&self, field: &str, id: &str) -> DomainResult<&'static Framework> {
        self.catalog
            .framework(id)
            .ok_or_else(|| DomainError::NotFound(format!("{field} {id}")))
    }

    /// Every framework with counts.
    pub fn frameworks(&self, who: &Principal) -> DomainResult<Vec<FrameworkSummary>> {
        who.require(Permission::Read)?;
        Ok(self
            .catalog
            .frameworks()
            .map(|f| self.catalog.summary(f))
            .collect())
    }

    /// One framework with its tree.
    pub fn framework_tree(&self, who: &Principal, id: &str) -> DomainResult<&'static Framework> {
        who.require(Permission::Read)?;
        self.framework("framework", id)
    }

    /// One requirement with its children and links.
    pub fn requirement(
        &self,
        who: &Principal,
        framework: &str,
        id: &str,
    ) -> DomainResult<RequirementDetail> {
        who.require(Permission::Read)?;
        let fw = self.framework("framework", framework)?;
        let requirement = self
            .catalog
            .requirement(framework, id)
            .ok_or_else(|| DomainError::NotFound(format!("requirement {id} of {framework}")))?;
        Ok(RequirementDetail {
            framework: fw.info.id.clone(),
            requirement: requirement.clone(),
            children: fw
                .requirements
                .iter()
                .filter(|r| r.parent.as_deref() == Some(id))
                .map(|r| r.id.clone())
                .collect(),
            links: self.catalog.links_of(framework, id).cloned().collect(),
        })
    }

    /// The baselines.
    pub fn baselines(&self, who: &Principal) -> DomainResult<&'static [Baseline]> {
        who.require(Permission::Read)?;
        Ok(self.catalog.baselines())
    }

    /// The control library with the tenant's statuses, optionally one family or a text match.
    pub async fn controls(
        &self,
        who: &Principal,
        family: Option<&str>,
        q: Option<&str>,
    ) -> DomainResult<Vec<ControlDetail>> {
        who.require(Permission::Read)?;
        if let Some(f) = family
            && !self.catalog.families().iter().any(|x| x.id == f)
        {
            return Err(DomainError::invalid(
                "family",
                format!("{f} is not a control family"),
            ));
        }
        let needle = q.map(str::to_lowercase);
        let states = self.store.control_states(who.tenant.id).await?;
        Ok(self
            .catalog
            .controls()
            .iter()
            .filter(|c| family.is_none_or(|f| c.family == f))
            .filter(|c| {
                needle.as_deref().is_none_or(|n| {
                    c.id.to_lowercase().contains(n)
                        || c.title.to_lowercase().contains(n)
                        || c.summary.to_lowercase().contains(n)
                })
            })
            .map(|c| {
                self.detail(
                    c,
                    states.iter().find(|s| s.control_id == c.id).cloned(),
                    false,
                )
            })
            .collect())
    }

    fn detail(
        &self,
        control: &Control,
        state: Option<ControlState>,
        with_mappings: bool,
    ) -> ControlDetail {
        ControlDetail {
            control: control.clone(),
            status: state
                .as_ref()
                .map_or(ImplementationStatus::NotImplemented, |s| s.status),
            state,
            mappings: if with_mappings {
                self.catalog
                    .mappings_of_control(&control.id)
                    .cloned()
                    .collect()
            } else {
                Vec::new()
            },
        }
    }

    fn control_def(&self, id: &str) -> DomainResult<&'static Control> {
        self.catalog
            .control(id)
            .ok_or_else(|| DomainError::NotFound(format!("control {id}")))
    }

    /// One control with its state and mappings.
    pub async fn control(&self, who: &Principal, id: &str) -> DomainResult<ControlDetail> {
        who.require(Permission::Read)?;
        let control = self.control_def(id)?;
        let state = self
            .store
            .control_states(who.tenant.id)
            .await?
            .into_iter()
            .find(|s| s.control_id == id);
        Ok(self.detail(control, state, true))
    }

    /// Records a control's implementation status, owner and note.
    pub async fn update_control(
        &self,
        who: &Principal,
        id: &str,
        update: &ControlUpdate,
    ) -> DomainResult<ControlDetail> {
        who.require(Permission::Write)?;
        let control = self.control_def(id)?;
        let state = ControlState {
            tenant_id: who.tenant.id,
            control_id: control.id.clone(),
            status: update.status,
            owner: text("owner", update.owner.as_deref(), 200)?,
            note: text("note", update.note.as_deref(), 4000)?,
            updated_at: self.clock.now(),
            updated_by: who.user_id,
        };
        let event = AuditRecord::new(
            Some(who.tenant.id),
            "catalog.control.updated",
            &who.actor,
            ("control", control.id.clone()),
            state.updated_at,
        )
        .with_details(json!({
            "status": state.status, "owner": state.owner, "note": state.note,
        }));
        self.store.put_control_state(&state, &event).await?;
        Ok(self.detail(control, Some(state), true))
    }

    async fn view(&self, who: &Principal) -> DomainResult<TenantView> {
        let states = self.store.control_states(who.tenant.id).await?;
        let decisions = self.store.link_decisions(who.tenant.id).await?;
        Ok(TenantView::new(&states, &decisions))
    }

    /// The tenant's coverage of a framework or baseline (`scope` is either id).
    pub async fn coverage(&self, who: &Principal, scope: &str) -> DomainResult<FrameworkCoverage> {
        who.require(Permission::Read)?;
        let (framework, baseline) = match self.catalog.baseline(scope) {
            Some(b) => (self.framework("framework", &b.framework)?, Some(b)),
            None => (self.framework("framework or baseline", scope)?, None),
        };
        let view = self.view(who).await?;
        Ok(coverage::coverage_report(
            self.catalog,
            framework,
            baseline,
            &view,
        ))
    }

    /// How much of `to` meeting `from` carries over, with the tenant's decisions.
    pub async fn compare(&self, who: &Principal, from: &str, to: &str) -> DomainResult<Comparison> {
        who.require(Permission::Read)?;
        let a = self.framework("framework", from)?;
        let b = self.framework("framework", to)?;
        if a.info.id == b.info.id {
            return Err(DomainError::invalid("to", "must differ from `from`"));
        }
        let view = self.view(who).await?;
        Ok(coverage::compare(self.catalog, a, b, &view))
    }

    /// [`Self::compare`] over every pair of frameworks, totals only.
    pub async fn matrix(&self, who: &Principal) -> DomainResult<Vec<MatrixCell>> {
        who.require(Permission::Read)?;
        let view = self.view(who).await?;
        Ok(coverage::matrix(self.catalog, &view))
    }

    /// One side of a diff: a shipped framework, or an import named `import:<id>`.
    async fn side(
        &self,
        who: &Principal,
        field: &str,
        id: &str,
    ) -> DomainResult<(String, Vec<Requirement>)> {
        if let Some(raw) = id.strip_prefix("import:") {
            let import: ImportId = raw.parse().map_err(|_| {
                DomainError::invalid(field, format!("{id:?}: an import is named import:<uuid>"))
            })?;
            let record = self.import_record(who, import).await?;
            let framework = record.framework.ok_or_else(|| {
                DomainError::invalid(
                    field,
                    format!(
                        "{id} is a {}, which has no requirements",
                        record.summary.model
                    ),
                )
            })?;
            return Ok((id.to_owned(), framework.requirements));
        }
        let fw = self.framework("framework", id)?;
        Ok((fw.info.id.clone(), fw.requirements.clone()))
    }

    /// The difference between two versions of a framework and the controls it touches. Either
    /// side may be an import (`import:<id>`); with `baseline`, the side it selects from keeps
    /// only the baseline's requirements and an imported side only its controls (so a shipped
    /// 5.0.1 Moderate selection compares with an imported 5.1.1 Moderate resolved catalog).
    pub async fn diff(
        &self,
        who: &Principal,
        from: &str,
        to: &str,
        baseline: Option<&str>,
    ) -> DomainResult<FrameworkDiff> {
        who.require(Permission::Read)?;
        let (a_id, mut a) = self.side(who, "from", from).await?;
        let (b_id, mut b) = self.side(who, "to", to).await?;
        if let Some(id) = baseline {
            let selection = self.catalog.baseline(id).ok_or_else(|| {
                DomainError::invalid("baseline", format!("{id} is not a shipped baseline"))
            })?;
            diff::restrict_to_baseline(selection, &a_id, &mut a);
            diff::restrict_to_baseline(selection, &b_id, &mut b);
        }
        Ok(diff::diff(
            self.catalog,
            diff::Side {
                id: &a_id,
                requirements: &a,
            },
            diff::Side {
                id: &b_id,
                requirements: &b,
            },
        ))
    }

    /// Imports an OSCAL catalog, profile (resolved against the tenant's import `catalog`) or
    /// component definition; rejected as a whole with every finding, audited when stored.
    pub async fn import(
        &self,
        who: &Principal,
        bytes: &[u8],
        catalog: Option<ImportId>,
    ) -> DomainResult<ImportSummary> {
        who.require(Permission::Write)?;
        let base = match catalog {
            Some(id) => {
                let record = self.import_record(who, id).await?;
                Some(oscal::stored_catalog(&record.document)?)
            }
            None => None,
        };
        let now = self.clock.now();
        let parsed = oscal::parse(bytes, base.as_ref(), now)?;
        let id = ImportId::new();
        let framework = parsed.catalog.as_ref().map(|c| {
            oscal::framework_from_catalog(
                &oscal::framework_id(id),
                c,
                "Imported by the tenant: the publisher's text under the publisher's licence.",
            )
        });
        let summary = ImportSummary {
            id,
            tenant_id: who.tenant.id,
            model: parsed.model.to_string(),
            title: parsed.title,
            version: parsed.version,
            oscal_version: parsed.oscal_version,
            sha256: oscal::sha256_hex(bytes),
            items: parsed.items,
            resolved_with: catalog.filter(|_| parsed.model == probity_oscal::Model::Profile),
            imported_at: now,
            imported_by: who.user_id,
        };
        let event = AuditRecord::new(
            Some(who.tenant.id),
            "catalog.oscal.imported",
            &who.actor,
            ("oscal_import", id.to_string()),
            now,
        )
        .with_details(json!({
            "model": summary.model, "title": summary.title, "version": summary.version,
            "oscal_version": summary.oscal_version, "sha256": summary.sha256, "items": summary.items,
            "resolved_with": summary.resolved_with,
        }));
        self.store
            .insert_import(&summary, framework.as_ref(), &parsed.document, &event)
            .await
            .map_err(|e| match e {
                crate::store::StoreError::Duplicate(_) => {
                    DomainError::Conflict("this tenant already imported this exact document".into())
                }
                other => other.into(),
            })?;
        Ok(summary)
    }

    /// Records a regulatory change: the diff between `from` and `to` (optionally narrowed to a
    /// baseline) becomes one task per affected control, owned by the control's owner.
    pub async fn create_change(
        &self,
        who: &Principal,
        req: &NewChangeRecord,
    ) -> DomainResult<ChangeRecord> {
        who.require(Permission::Write)?;
        let diff = self
            .diff(who, &req.from, &req.to, req.baseline.as_deref())
            .await?;
        let states = self.store.control_states(who.tenant.id).await?;
        let title = match text("title", req.title.as_deref(), 200)? {
            Some(t) => t,
            None => format!("{} → {}", req.from, req.to),
        };
        let now = self.clock.now();
        let record = ChangeRecord {
            id: changes::new_id(),
            tenant_id: who.tenant.id,
            title,
            tasks: changes::tasks(&diff, self.catalog, &states, req.due),
            from: diff.from,
            to: diff.to,
            baseline: req.baseline.clone(),
            counts: diff.counts,
            out_of_scope: diff.out_of_scope,
            created_at: now,
            created_by: who.user_id,
            updated_at: now,
        };
        let event = AuditRecord::new(
            Some(who.tenant.id),
            "catalog.change.created",
            &who.actor,
            ("catalog_change", record.id.to_string()),
            now,
        )
        .with_details(json!({
            "title": record.title, "from": record.from, "to": record.to, "baseline": record.baseline,
            "counts": record.counts, "tasks": record.tasks.len(),
        }));
        self.store.insert_change(&record, &event).await?;
        Ok(record)
    }

    /// The tenant's change records, newest first.
    pub async fn changes(&self, who: &Principal) -> DomainResult<Vec<ChangeRecord>> {
        who.require(Permission::Read)?;
        Ok(self.store.list_changes(who.tenant.id).await?)
    }

    /// One change record.
    pub async fn change(&self, who: &Principal, id: ChangeId) -> DomainResult<ChangeRecord> {
        who.require(Permission::Read)?;
        self.store
            .change(who.tenant.id, id)
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("change record {id}")))
    }

    /// Changes one task's status, owner or due date.
    pub async fn update_task(
        &self,
        who: &Principal,
        id: ChangeId,
        number: u32,
        update: &TaskUpdate,
    ) -> DomainResult<ChangeRecord> {
        who.require(Permission::Write)?;
        let mut record = self.change(who, id).await?;
        let owner = text("owner", update.owner.as_deref(), 200)?;
        let task = record
            .tasks
            .iter_mut()
            .find(|t| t.number == number)
            .ok_or_else(|| DomainError::NotFound(format!("task {number} of change record {id}")))?;
        if update.status.is_none() && update.owner.is_none() && update.due.is_none() {
            return Err(DomainError::invalid(
                "status",
                "give a status, owner or due date to change",
            ));
        }
        if let Some(s) = update.status {
            task.status = s;
        }
        if update.owner.is_some() {
            task.owner = owner;
        }
        if update.due.is_some() {
            task.due = update.due;
        }
        let details = json!({ "task": number, "control_id": task.control_id, "status": task.status, "owner": task.owner, "due": task.due });
        record.updated_at = self.clock.now();
        let event = AuditRecord::new(
            Some(who.tenant.id),
            "catalog.change.task_updated",
            &who.actor,
            ("catalog_change", id.to_string()),
            record.updated_at,
        )
        .with_details(details);
        if !self.store.update_change(&record, &event).await? {
            return Err(DomainError::NotFound(format!("change record {id}")));
        }
        Ok(record)
    }

    /// The tenant's imports, newest first.
    pub async fn imports(&self, who: &Principal) -> DomainResult<Vec<ImportSummary>> {
        who.require(Permission::Read)?;
        Ok(self.store.list_imports(who.tenant.id).await?)
    }

    /// One import with its framework view and document.
    pub async fn import_record(&self, who: &Principal, id: ImportId) -> DomainResult<ImportRecord> {
        who.require(Permission::Read)?;
        self.store
            .import_record(who.tenant.id, id)
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("OSCAL import {id}")))
    }

    /// The tenant's decisions, oldest first.
    pub async fn decisions(&self, who: &Principal) -> DomainResult<Vec<LinkDecision>> {
        who.require(Permission::Read)?;
        Ok(self.store.link_decisions(who.tenant.id).await?)
    }

    /// Records a decision on an `intersects_with` link; it binds to the link's hash.
    pub async fn decide(&self, who: &Principal, req: &NewDecision) -> DomainResult<LinkDecision> {
        who.require(Permission::Approve)?;
        let link = self
            .catalog
            .link_by_hash(req.link_hash.trim())
            .ok_or_else(|| {
                DomainError::invalid("link_hash", "names no current link; list links to get one")
            })?;
        if link.relationship != Relationship::IntersectsWith {
            return Err(DomainError::invalid(
                "link_hash",
                format!(
                    "the link is `{}`: only `intersects_with` links need a decision",
                    link.relationship.as_str()
                ),
            ));
        }
        let rationale = text("rationale", Some(&req.rationale), 4000)?.unwrap_or_default();
        if rationale.chars().count() < 10 {
            return Err(DomainError::invalid(
                "rationale",
                "must explain the decision in at least 10 characters",
            ));
        }
        let decision = LinkDecision {
            id: DecisionId::new(),
            tenant_id: who.tenant.id,
            link: link.clone(),
            outcome: req.outcome,
            rationale,
            decided_by: who.user_id,
            decided_at: self.clock.now(),
        };
        let event = AuditRecord::new(
            Some(who.tenant.id),
            "catalog.decision.recorded",
            &who.actor,
            ("catalog_decision", decision.id.to_string()),
            decision.decided_at,
        )
        .with_details(json!({
            "link_hash": link.hash, "kind": link.kind, "from_framework": link.from_framework,
            "from": link.from, "to_framework": link.to_framework, "to": link.to,
            "outcome": decision.outcome, "rationale": decision.rationale,
        }));
        self.store.insert_link_decision(&decision, &event).await?;
        Ok(decision)
    }
}
