//! The tlog-tiles read paths of every tenant's log (C2SP tlog-tiles), so that any tlog-tiles
//! client can read and check it with standard tools:
//!
//! - `GET /ledger/<slug>/checkpoint`: the latest signed checkpoint note (`text/plain`,
//!   never cached: it moves as the log grows);
//! - `GET /ledger/<slug>/tile/<L>/<N>[.p/<W>]`: hash tiles, concatenated 32-byte hashes;
//! - `GET /ledger/<slug>/tile/entries/<N>[.p/<W>]`: entry bundles (big-endian 16-bit length
//!   prefixed leaf envelopes).
//!
//! A tile's content never changes once the tree reaches it, so tiles and bundles, full or
//! partial, are served with `Cache-Control: private, max-age=31536000, immutable`. Only the
//! canonical path form is accepted; anything else is a 404, as for a tile the tree has not
//! reached yet. The paths need the same credentials and permission as the ledger API (a bearer
//! token of the tenant, or a session acting in it); a log of another tenant answers 404, so the
//! paths do not reveal which tenants exist.

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use probity_core::DomainError;
use probity_core::platform::rules::Permission;
use probity_ledger::entry_bundle::encode_entry_bundle;
use probity_ledger::tile::TilePath;

use crate::extract::Auth;
use crate::problem::ApiResult;
use crate::state::AppState;

/// `Cache-Control` of tiles and entry bundles: their bytes never change.
pub const IMMUTABLE: &str = "private, max-age=31536000, immutable";

/// The routes under `/ledger/{slug}/`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/ledger/{slug}/checkpoint", get(checkpoint))
        .route("/ledger/{slug}/tile/{*path}", get(tile))
}

/// Checks the caller may read the log of `slug` (404 for another tenant's log).
fn authorize(auth: &Auth, slug: &str) -> ApiResult<()> {
    if auth.principal.tenant.slug.as_str() != slug {
        return Err(DomainError::NotFound(format!("ledger of tenant {slug:?}")).into());
    }
    auth.principal.require(Permission::Audit)?;
    Ok(())
}

fn bytes(content_type: &'static str, cache: &'static str, body: Vec<u8>) -> Response {
    let mut response = (StatusCode::OK, Body::from(body)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}

async fn checkpoint(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
) -> ApiResult<Response> {
    authorize(&auth, &slug)?;
    let latest = state
        .ledger()
        .latest_checkpoint(auth.principal.tenant.id)
        .await
        .map_err(DomainError::from)?
        .ok_or_else(|| DomainError::NotFound("ledger checkpoint".to_owned()))?;
    Ok(bytes(
        "text/plain; charset=utf-8",
        "no-cache",
        latest.signed_note.into_bytes(),
    ))
}

async fn tile(
    State(state): State<AppState>,
    auth: Auth,
    Path((slug, path)): Path<(String, String)>,
) -> ApiResult<Response> {
    authorize(&auth, &slug)?;
    let tenant = auth.principal.tenant.id;
    let parsed = TilePath::parse(&format!("tile/{path}"))
        .map_err(|_| DomainError::NotFound(format!("ledger path tile/{path}")))?;
    let body = match parsed {
        TilePath::Hashes(id) => {
            let hashes = state
                .ledger()
                .tile(tenant, id)
                .await
                .map_err(DomainError::from)?;
            hashes.iter().flat_map(|h| h.as_ref().to_vec()).collect()
        }
        TilePath::Entries(id) => {
            let envelopes = state
                .ledger()
                .entry_bundle(tenant, id)
                .await
                .map_err(DomainError::from)?;
            encode_entry_bundle(envelopes.iter().map(Vec::as_slice))
                .map_err(|e| DomainError::Internal(format!("ledger entry bundle: {e}")))?
        }
    };
    Ok(bytes("application/octet-stream", IMMUTABLE, body))
}
