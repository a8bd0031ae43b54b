//! The tenant's audit records (every state change), newest first.

use axum::Json;
use axum::extract::State;
use probity_core::DomainError;
use probity_core::audit::AuditRecord;
use probity_core::page::Page;
use probity_core::platform::rules::Permission;

use super::Errors;
use crate::extract::{ApiQuery, Auth, PageQuery};
use crate::problem::ApiResult;
use crate::state::AppState;

/// The tenant's audit records, newest first (owner, admin, compliance manager, auditor).
#[utoipa::path(
    get,
    path = "/api/v1/audit/events",
    tag = "audit",
    params(PageQuery),
    responses((status = 200, body = Page<AuditRecord>), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn list_events(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<Page<AuditRecord>>> {
    auth.principal.require(Permission::Audit)?;
    let page = state
        .platform()
        .store()
        .list_events(auth.principal.tenant.id, &q.page()?)
        .await
        .map_err(DomainError::from)?;
    Ok(Json(page))
}
