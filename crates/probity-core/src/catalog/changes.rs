//! Regulatory change records: when a framework moves to a new version, a record captures the
//! diff at that moment and turns it into one task per affected unified control, owned by the
//! control's owner, so the work of catching up is tracked (and audited) to the end.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::diff::{ChangeKind, FrameworkDiff};
use super::model::ControlState;
use crate::platform::model::{TenantId, UserId, uuid_id};

uuid_id!(
    /// Identifies a change record.
    ChangeId
);

/// Where a task stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    /// Not started.
    Open,
    /// Being worked on.
    InProgress,
    /// Finished.
    Done,
    /// Reviewed: nothing to do.
    NotNeeded,
}

/// One task: review or update a unified control for what changed under it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ChangeTask {
    /// Position in the record, from 1.
    pub number: u32,
    /// The control to review.
    pub control_id: String,
    /// What to do, in words.
    pub description: String,
    /// Requirement ids (old or new version) behind the task.
    pub requirements: Vec<String>,
    /// Who owns it (the control's owner when the record was made).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Due date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<chrono::NaiveDate>,
    /// Status.
    pub status: TaskStatus,
}

/// A regulatory change record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ChangeRecord {
    /// Its id.
    pub id: ChangeId,
    /// The tenant.
    pub tenant_id: TenantId,
    /// Title.
    pub title: String,
    /// Old version.
    pub from: String,
    /// New version.
    pub to: String,
    /// The baseline the diff was narrowed to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<String>,
    /// The diff's counts per kind, as it was when the record was made.
    pub counts: std::collections::BTreeMap<ChangeKind, usize>,
    /// Requirements of the new version not compared (outside the crosswalk).
    pub out_of_scope: usize,
    /// The tasks.
    pub tasks: Vec<ChangeTask>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// Who made it.
    pub created_by: Option<UserId>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A request for a change record.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewChangeRecord {
    /// Old version (framework id or `import:<id>`).
    pub from: String,
    /// New version (framework id or `import:<id>`).
    pub to: String,
    /// Narrow the diff to this baseline.
    #[serde(default)]
    pub baseline: Option<String>,
    /// Title (default: "<from> → <to>").
    #[serde(default)]
    pub title: Option<String>,
    /// Due date for every task.
    #[serde(default)]
    pub due: Option<chrono::NaiveDate>,
}

/// A change to one task.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskUpdate {
    /// New status.
    #[serde(default)]
    pub status: Option<TaskStatus>,
    /// New owner.
    #[serde(default)]
    pub owner: Option<String>,
    /// New due date.
    #[serde(default)]
    pub due: Option<chrono::NaiveDate>,
}

/// One task per control the diff touches, listing the changes under it; owners from the
/// tenant's control states.
pub fn tasks(
    diff: &FrameworkDiff,
    catalog: &super::Catalog,
    states: &[ControlState],
    due: Option<chrono::NaiveDate>,
) -> Vec<ChangeTask> {
    let mut out = Vec::new();
    for control in &diff.affected_controls {
        let mut requirements = Vec::new();
        let mut lines = Vec::new();
        for c in &diff.changes {
            let ids: Vec<&String> = c.old_id.iter().chain(c.new_ids.iter()).collect();
            let touches = ids.iter().any(|id| {
                [&diff.from, &diff.to].iter().any(|fw| {
                    catalog
                        .links_of(fw, id)
                        .any(|l| l.kind == super::model::LinkKind::Mapping && &l.from == control)
                })
            });
            if touches {
                requirements.extend(ids.iter().map(|s| (*s).clone()));
                let what = match (&c.old_id, c.new_ids.first()) {
                    (Some(o), Some(n)) if o != n => format!("{o} → {n}"),
                    (Some(o), _) => o.clone(),
                    (None, Some(n)) => n.clone(),
                    (None, None) => continue,
                };
                lines.push(format!("{} {what}", c.kind.as_str()));
            }
        }
        requirements.sort();
        requirements.dedup();
        let title = catalog
            .control(control)
            .map(|c| c.title.as_str())
            .unwrap_or_default();
        out.push(ChangeTask {
            number: u32::try_from(out.len() + 1).unwrap_or(u32::MAX),
            control_id: control.clone(),
            description: format!("Review {control} {title} for: {}", lines.join("; ")),
            requirements,
            owner: states
                .iter()
                .find(|s| &s.control_id == control)
                .and_then(|s| s.owner.clone()),
            due,
            status: TaskStatus::Open,
        });
    }
    out
}

/// A fresh change id.
pub fn new_id() -> ChangeId {
    ChangeId(Uuid::now_v7())
}
