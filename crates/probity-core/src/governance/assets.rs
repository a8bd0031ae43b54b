//! Asset inventory use cases on [`GovernanceService`]: add, change, list, and a CSV import
//! that lands the good rows and names each bad one by line and field.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::asset::*;
use super::risk::RiskId;
use super::rules::{self, text};
use super::service::GovernanceService;
use super::vendor::VendorId;
use crate::audit::AuditRecord;
use crate::error::{DomainError, DomainResult, FieldError};
use crate::platform::rules::Permission;
use crate::platform::service::Principal;
use crate::store::StoreError;

/// Largest CSV accepted (bytes) and most rows.
pub const MAX_CSV: usize = 2 * 1024 * 1024;
/// Most rows in one import.
pub const MAX_ROWS: usize = 5000;

/// An asset as entered.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAsset {
    /// Name, unique in the tenant.
    pub name: String,
    /// `system`, `application`, `data_store`, `device`, `process`, `location` or `person_role`.
    pub kind: String,
    /// Owner.
    pub owner: String,
    /// `public`, `internal`, `confidential` or `restricted`.
    pub classification: String,
    /// `low`, `medium`, `high` or `critical`.
    pub criticality: String,
    /// Location.
    #[serde(default)]
    pub location: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Linked risks.
    #[serde(default)]
    pub risk_ids: Vec<RiskId>,
    /// Linked unified controls.
    #[serde(default)]
    pub control_ids: Vec<String>,
    /// Linked vendors.
    #[serde(default)]
    pub vendor_ids: Vec<VendorId>,
    /// Processing activities.
    #[serde(default)]
    pub processing_activities: Vec<String>,
}

/// One CSV row's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ImportRow {
    /// 1-based line in the file.
    pub line: usize,
    /// The asset made, when the row landed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asset: Option<AssetId>,
    /// What is wrong with the row.
    pub errors: Vec<FieldError>,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    /// Rows that landed.
    pub imported: usize,
    /// Rows refused.
    pub rejected: usize,
    /// Every row.
    pub rows: Vec<ImportRow>,
}

fn one_of(field: &str, value: &str, allowed: &[&str]) -> DomainResult<String> {
    let v = value.trim().to_lowercase().replace([' ', '-'], "_");
    if allowed.contains(&v.as_str()) {
        Ok(v)
    } else {
        Err(DomainError::invalid(
            field,
            format!("must be one of {allowed:?}"),
        ))
    }
}

impl GovernanceService {
    async fn checked_asset(&self, who: &Principal, req: &NewAsset) -> DomainResult<NewAsset> {
        rules::check_controls(&req.control_ids)?;
        for id in &req.risk_ids {
            if self.store.risk(who.tenant.id, *id).await?.is_none() {
                return Err(DomainError::invalid(
                    "risk_ids",
                    format!("no risk {id} in this tenant"),
                ));
            }
        }
        for id in &req.vendor_ids {
            if self.store.vendor(who.tenant.id, *id).await?.is_none() {
                return Err(DomainError::invalid(
                    "vendor_ids",
                    format!("no vendor {id} in this tenant"),
                ));
            }
        }
        Ok(NewAsset {
            name: text("name", &req.name, 200, true)?,
            kind: one_of("kind", &req.kind, &KINDS)?,
            owner: text("owner", &req.owner, 200, true)?,
            classification: one_of("classification", &req.classification, &CLASSIFICATIONS)?,
            criticality: one_of("criticality", &req.criticality, &CRITICALITIES)?,
            location: text("location", &req.location, 200, false)?,
            description: text("description", &req.description, 2000, false)?,
            risk_ids: req.risk_ids.clone(),
            control_ids: req.control_ids.clone(),
            vendor_ids: req.vendor_ids.clone(),
            processing_activities: req
                .processing_activities
                .iter()
                .map(|p| text("processing_activities", p, 100, true))
                .collect::<DomainResult<_>>()?,
        })
    }

    /// Adds an asset (contributor and above); 409 when the name is taken. Audited as
    /// `asset.created`.
    pub async fn create_asset(&self, who: &Principal, req: &NewAsset) -> DomainResult<Asset> {
        who.require(Permission::Write)?;
        let a = self.checked_asset(who, req).await?;
        let now = self.clock.now();
        let count = self.store.list_assets(who.tenant.id).await?.len();
        let asset = Asset {
            id: new_asset_id(),
            tenant_id: who.tenant.id,
            reference: format!("A-{:03}", count + 1),
            name: a.name,
            kind: a.kind,
            owner: a.owner,
            classification: a.classification,
            criticality: a.criticality,
            location: a.location,
            description: a.description,
            risk_ids: a.risk_ids,
            control_ids: a.control_ids,
            vendor_ids: a.vendor_ids,
            processing_activities: a.processing_activities,
            created_at: now,
            updated_at: now,
        };
        let event = AuditRecord::new(Some(who.tenant.id), "asset.created", &who.actor, ("asset", asset.id.to_string()), now)
            .with_details(json!({ "reference": asset.reference, "name": asset.name, "kind": asset.kind, "classification": asset.classification, "criticality": asset.criticality }));
        self.store
            .insert_asset(&asset, &event)
            .await
            .map_err(|e| match e {
                StoreError::Duplicate(_) => {
                    DomainError::Conflict(format!("an asset named {:?} already exists", asset.name))
                }
                other => other.into(),
            })?;
        Ok(asset)
    }

    /// Replaces an asset's fields (contributor and above); audited as `asset.updated`.
    pub async fn update_asset(
        &self,
        who: &Principal,
        id: AssetId,
        req: &NewAsset,
    ) -> DomainResult<Asset> {
        who.require(Permission::Write)?;
        let old = self.asset(who, id).await?;
        let a = self.checked_asset(who, req).await?;
        let now = self.clock.now();
        let asset = Asset {
            name: a.name,
            kind: a.kind,
            owner: a.owner,
            classification: a.classification,
            criticality: a.criticality,
            location: a.location,
            description: a.description,
            risk_ids: a.risk_ids,
            control_ids: a.control_ids,
            vendor_ids: a.vendor_ids,
            processing_activities: a.processing_activities,
            updated_at: now,
            ..old.clone()
        };
        let event = AuditRecord::new(Some(who.tenant.id), "asset.updated", &who.actor, ("asset", id.to_string()), now)
            .with_details(json!({ "reference": asset.reference, "classification": { "before": old.classification, "after": asset.classification }, "criticality": { "before": old.criticality, "after": asset.criticality } }));
        self.store
            .update_asset(&asset, &event)
            .await
            .map_err(|e| match e {
                StoreError::Duplicate(_) => {
                    DomainError::Conflict(format!("an asset named {:?} already exists", asset.name))
                }
                other => other.into(),
            })?;
        Ok(asset)
    }

    /// The inventory, by reference (any member).
    pub async fn assets(&self, who: &Principal) -> DomainResult<Vec<Asset>> {
        who.require(Permission::Read)?;
        Ok(self.store.list_assets(who.tenant.id).await?)
    }

    /// One asset.
    pub async fn asset(&self, who: &Principal, id: AssetId) -> DomainResult<Asset> {
        who.require(Permission::Read)?;
        self.store
            .asset(who.tenant.id, id)
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("asset {id}")))
    }

    /// Imports assets from CSV with a header row naming `name`, `kind`, `owner`,
    /// `classification`, `criticality` and optionally `location`, `description`, `controls`
    /// (ids separated by `;`). Good rows land; each bad row is reported by line.
    pub async fn import_assets(&self, who: &Principal, csv: &str) -> DomainResult<ImportReport> {
        who.require(Permission::Write)?;
        if csv.len() > MAX_CSV {
            return Err(DomainError::invalid(
                "body",
                format!("at most {MAX_CSV} bytes of CSV"),
            ));
        }
        let records = parse_csv(csv)
            .map_err(|e| DomainError::invalid("body", format!("line {}: {}", e.line, e.message)))?;
        let mut rows = records.into_iter();
        let Some((_, header)) = rows.next() else {
            return Err(DomainError::invalid(
                "body",
                "give a header row and at least one asset",
            ));
        };
        let header: Vec<String> = header.iter().map(|h| h.trim().to_lowercase()).collect();
        let required = ["name", "kind", "owner", "classification", "criticality"];
        if let Some(missing) = required.iter().find(|r| !header.iter().any(|h| h == *r)) {
            return Err(DomainError::invalid(
                "body",
                format!("the header row has no {missing:?} column"),
            ));
        }
        let known = [
            "name",
            "kind",
            "owner",
            "classification",
            "criticality",
            "location",
            "description",
            "controls",
        ];
        if let Some(unknown) = header.iter().find(|h| !known.contains(&h.as_str())) {
            return Err(DomainError::invalid(
                "body",
                format!("unknown column {unknown:?}; the columns are {known:?}"),
            ));
        }
        let rows: Vec<_> = rows.collect();
        if rows.len() > MAX_ROWS {
            return Err(DomainError::invalid(
                "body",
                format!("at most {MAX_ROWS} rows"),
            ));
        }
        let mut report = ImportReport {
            imported: 0,
            rejected: 0,
            rows: Vec::new(),
        };
        for (line, fields) in rows {
            let get = |name: &str| {
                header
                    .iter()
                    .position(|h| h == name)
                    .and_then(|i| fields.get(i))
                    .cloned()
                    .unwrap_or_default()
            };
            let req = NewAsset {
                name: get("name"),
                kind: get("kind"),
                owner: get("owner"),
                classification: get("classification"),
                criticality: get("criticality"),
                location: get("location"),
                description: get("description"),
                control_ids: get("controls")
                    .split(';')
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .map(str::to_uppercase)
                    .collect(),
                ..NewAsset::default()
            };
            let outcome = if fields.len() != header.len() {
                Err(DomainError::invalid(
                    "row",
                    format!(
                        "has {} fields; the header has {}",
                        fields.len(),
                        header.len()
                    ),
                ))
            } else {
                self.create_asset(who, &req).await
            };
            match outcome {
                Ok(a) => {
                    report.imported += 1;
                    report.rows.push(ImportRow {
                        line,
                        asset: Some(a.id),
                        errors: Vec::new(),
                    });
                }
                Err(DomainError::Validation(errors)) => {
                    report.rejected += 1;
                    report.rows.push(ImportRow {
                        line,
                        asset: None,
                        errors,
                    });
                }
                Err(DomainError::Conflict(m)) => {
                    report.rejected += 1;
                    report.rows.push(ImportRow {
                        line,
                        asset: None,
                        errors: vec![FieldError {
                            field: "name".into(),
                            message: m,
                        }],
                    });
                }
                Err(other) => return Err(other),
            }
        }
        Ok(report)
    }
}
