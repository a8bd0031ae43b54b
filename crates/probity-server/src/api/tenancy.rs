//! The current tenant, the tenants a caller belongs to, and members.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use probity_core::page::Page;
use probity_core::platform::rules::Permission;
use probity_core::platform::{Member, Membership, Role, Tenant, UserId};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use super::Errors;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth, PageQuery};
use crate::problem::ApiResult;
use crate::state::AppState;

/// The tenant the call acts in.
#[utoipa::path(
    get,
    path = "/api/v1/tenant",
    tag = "tenancy",
    responses((status = 200, body = Tenant), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn get_tenant(auth: Auth) -> ApiResult<Json<Tenant>> {
    auth.principal.require(Permission::Read)?;
    Ok(Json(auth.principal.tenant))
}

/// A change to tenant settings.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TenantUpdate {
    /// New display name.
    pub name: Option<String>,
    /// Require multi-factor authentication for every member.
    pub require_mfa: Option<bool>,
}

/// Changes the tenant's name or MFA requirement (owner, admin).
#[utoipa::path(
    patch,
    path = "/api/v1/tenant",
    tag = "tenancy",
    request_body = TenantUpdate,
    responses((status = 200, body = Tenant), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn update_tenant(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<TenantUpdate>,
) -> ApiResult<Json<Tenant>> {
    let t = state
        .platform()
        .update_tenant(&auth.principal, req.name.as_deref(), req.require_mfa)
        .await?;
    Ok(Json(t))
}

/// A tenant with the caller's role in it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TenantMembership {
    /// The tenant.
    pub tenant: Tenant,
    /// The caller's role.
    pub role: Role,
}

/// The tenants the caller can act in (a token: its own), oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/tenants",
    tag = "tenancy",
    params(PageQuery),
    responses((status = 200, body = Page<TenantMembership>), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn list_tenants(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<Page<TenantMembership>>> {
    auth.principal.require(Permission::Read)?;
    let page = q.page()?;
    let p = &auth.principal;
    let mut list: Vec<TenantMembership> = match (p.token_id, p.user_id) {
        (None, Some(user)) => state
            .platform()
            .store()
            .tenants_of_user(user)
            .await
            .map_err(probity_core::DomainError::from)?
            .into_iter()
            .map(|(tenant, role)| TenantMembership { tenant, role })
            .collect(),
        _ => vec![TenantMembership {
            tenant: p.tenant.clone(),
            role: p.role,
        }],
    };
    // A user belongs to few tenants: order and cut the page in memory.
    list.sort_by_key(|m| m.tenant.id);
    let rows = list
        .into_iter()
        .filter(|m| page.after.is_none_or(|after| m.tenant.id.0 > after))
        .take(page.limit as usize + 1)
        .collect();
    Ok(Json(Page::from_rows(rows, &page, |m| m.tenant.id.0)))
}

/// A new tenant.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTenant {
    /// URL-safe short name: 2-63 of a-z, 0-9 and '-', starting with a letter.
    pub slug: String,
    /// Display name.
    pub name: String,
}

/// Creates a tenant (signed-in platform administrators only); the caller becomes its owner.
#[utoipa::path(
    post,
    path = "/api/v1/tenants",
    tag = "tenancy",
    request_body = NewTenant,
    responses((status = 201, body = Tenant), Errors),
    security(("session" = []))
)]
pub async fn create_tenant(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<NewTenant>,
) -> ApiResult<(StatusCode, Json<Tenant>)> {
    let t = state
        .platform()
        .create_tenant_as(&auth.principal, &req.slug, &req.name)
        .await?;
    Ok((StatusCode::CREATED, Json(t)))
}

/// Members of the tenant.
#[utoipa::path(
    get,
    path = "/api/v1/members",
    tag = "tenancy",
    params(PageQuery),
    responses((status = 200, body = Page<Member>), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn list_members(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<Page<Member>>> {
    Ok(Json(
        state
            .platform()
            .members(&auth.principal, &q.page()?)
            .await?,
    ))
}

/// A new member: an existing account by email, or a new account (then `password` is required).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMember {
    /// Email of the person.
    pub email: String,
    /// Name shown in the UI (new accounts).
    pub display_name: Option<String>,
    /// Initial password (new accounts; at least 12 characters).
    #[schema(value_type = Option<String>, format = Password)]
    pub password: Option<SecretString>,
    /// Role in this tenant.
    pub role: Role,
}

/// Adds a member (owner, admin; nobody grants above their own role).
#[utoipa::path(
    post,
    path = "/api/v1/members",
    tag = "tenancy",
    request_body = NewMember,
    responses((status = 201, body = Member), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn add_member(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<NewMember>,
) -> ApiResult<(StatusCode, Json<Member>)> {
    let m = state
        .platform()
        .add_member(
            &auth.principal,
            &req.email,
            req.display_name.as_deref(),
            req.password.as_ref(),
            req.role,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(m)))
}

/// A role change.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleChange {
    /// The new role.
    pub role: Role,
}

/// Changes a member's role.
#[utoipa::path(
    patch,
    path = "/api/v1/members/{user_id}",
    tag = "tenancy",
    params(("user_id" = String, Path, format = Uuid, description = "The member's user id")),
    request_body = RoleChange,
    responses((status = 200, body = Membership), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn update_member(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(user_id): ApiPath<UserId>,
    ApiJson(req): ApiJson<RoleChange>,
) -> ApiResult<Json<Membership>> {
    Ok(Json(
        state
            .platform()
            .set_role(&auth.principal, user_id, req.role)
            .await?,
    ))
}

/// A member's groups.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupsChange {
    /// Lowercase slugs (`engineering`, `finance`), at most 20; they replace the member's
    /// groups (an empty list removes them all).
    pub groups: Vec<String>,
}

/// Sets a member's groups (owner, admin), used for acknowledgment rates per group.
#[utoipa::path(
    put,
    path = "/api/v1/members/{user_id}/groups",
    tag = "tenancy",
    params(("user_id" = String, Path, format = Uuid, description = "The member's user id")),
    request_body = GroupsChange,
    responses((status = 200, body = Membership), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn set_member_groups(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(user_id): ApiPath<UserId>,
    ApiJson(req): ApiJson<GroupsChange>,
) -> ApiResult<Json<Membership>> {
    Ok(Json(
        state
            .platform()
            .set_groups(&auth.principal, user_id, &req.groups)
            .await?,
    ))
}

/// Removes a member from the tenant (the account stays).
#[utoipa::path(
    delete,
    path = "/api/v1/members/{user_id}",
    tag = "tenancy",
    params(("user_id" = String, Path, format = Uuid, description = "The member's user id")),
    responses((status = 204, description = "removed"), Errors),
    security(("token" = []), ("session" = []))
)]
pub async fn remove_member(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(user_id): ApiPath<UserId>,
) -> ApiResult<StatusCode> {
    state
        .platform()
        .remove_member(&auth.principal, user_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
