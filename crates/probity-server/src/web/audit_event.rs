//! The event detail page (`/audit/events/{index}`): one ledger entry of the tenant — the event
//! (or Probity's record) it holds, its payload, its canonical envelope — with the inclusion
//! proof into the latest signed checkpoint and the result of checking all of it here: the leaf
//! hash recomputed from the envelope, the payload against its salted commitment, the proof
//! against the checkpoint's root, and the checkpoint's signature against the log key. A button
//! repeats the Merkle part in the browser (Web Crypto SHA-256), and the entry's C2SP tlog-proof
//! file can be downloaded for `probity` or any tlog verifier.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use probity_core::DomainError;
use probity_core::audit::index::IndexedEvent;
use probity_core::ledger::checkpoint_origin;
use probity_ledger::ed25519::Ed25519NoteVerifier;
use probity_ledger::hash::{Hash, leaf_hash};

use super::pages::{AuditRow, refused};
use super::session::SignedIn;
use super::view::{Section, Shell, show_time};
use super::{error_page, render};
use crate::state::AppState;

/// One check and its outcome.
#[derive(Debug, Clone)]
pub struct Check {
    /// What was checked.
    pub what: String,
    /// Passed.
    pub ok: bool,
    /// Detail (why it failed, or what it compared).
    pub detail: String,
}

#[derive(Template)]
#[template(path = "audit_event.html")]
struct EventPage {
    shell: Shell,
    index: u64,
    row: Option<AuditRow>,
    kind: String,
    recorded_at: String,
    payload: Option<String>,
    envelope: String,
    leaf_hex: String,
    checkpoint: Option<CheckpointView>,
    proof_hex: Vec<String>,
    checks: Vec<Check>,
    verifier_key: String,
}

struct CheckpointView {
    size: u64,
    root_hex: String,
    at: String,
    note: String,
}

/// `GET /audit/events/{index}` (those who may read the audit trail).
pub async fn event(
    State(state): State<AppState>,
    who: SignedIn,
    Path(index): Path<u64>,
) -> Response {
    if let Some(r) = refused(&who, Section::AuditTrail) {
        return r;
    }
    match page(&state, &who, index).await {
        Ok(p) => render(StatusCode::OK, &p),
        Err(e) => error_page(&e),
    }
}

async fn page(state: &AppState, who: &SignedIn, index: u64) -> Result<EventPage, DomainError> {
    let tenant = &who.principal.tenant;
    let ledger = state.ledger();
    let stored = ledger
        .entry(tenant.id, index)
        .await
        .map_err(DomainError::from)?
        .ok_or_else(|| DomainError::NotFound(format!("ledger entry {index}")))?;
    let envelope_text = String::from_utf8_lossy(&stored.envelope).into_owned();
    let envelope: serde_json::Value = serde_json::from_slice(&stored.envelope)
        .map_err(|e| DomainError::Internal(format!("ledger entry {index} envelope: {e}")))?;
    let mut checks = Vec::new();
    let recomputed = leaf_hash(&stored.envelope);
    checks.push(Check {
        what: "Leaf hash recomputed from the envelope (SHA-256 of 0x00 and its bytes)".into(),
        ok: recomputed == stored.leaf_hash,
        detail: recomputed.to_hex(),
    });
    // The ledger decrypts the payload and checks it against the envelope's salted commitment
    // (SHA-256 of the salt and the stored canonical bytes) before handing it out.
    let payload = match ledger.payload(tenant.id, index).await {
        Ok(Some(value)) => {
            checks.push(Check {
                what: "Payload matches the envelope's salted commitment".into(),
                ok: true,
                detail: "SHA-256 of the salt and the payload's canonical bytes".into(),
            });
            Some(value)
        }
        Ok(None) => None,
        Err(e) => {
            checks.push(Check {
                what: "Payload matches the envelope's salted commitment".into(),
                ok: false,
                detail: e.to_string(),
            });
            None
        }
    };
    let origin = checkpoint_origin(&state.http().public_host, &tenant.slug);
    let verifier_key = ledger
        .note_verifier_key(&origin)
        .await
        .map_err(DomainError::from)?;
    let proved = ledger
        .tlog_proof(tenant.id, index)
        .await
        .map_err(DomainError::from)?;
    let mut proof_hex = Vec::new();
    let checkpoint = match proved {
        None => None,
        Some((c, proof)) => {
            proof_hex = proof.inclusion.iter().map(Hash::to_hex).collect();
            let verified = Ed25519NoteVerifier::from_key_text(&verifier_key)
                .map_err(|e| e.to_string())
                .and_then(|key| {
                    proof
                        .verify(&stored.leaf_hash, &origin, &key, &[])
                        .map_err(|e| e.to_string())
                });
            checks.push(Check {
                what: format!(
                    "Inclusion proof leads to the root of the checkpoint of size {}, signed by the log key",
                    c.size
                ),
                ok: verified.is_ok(),
                detail: match verified {
                    Ok(_) => format!("root {}", c.root.to_hex()),
                    Err(e) => e,
                },
            });
            Some(CheckpointView {
                size: c.size,
                root_hex: c.root.to_hex(),
                at: show_time(c.created_at),
                note: c.signed_note,
            })
        }
    };
    let row = payload
        .clone()
        .and_then(|p| IndexedEvent::from_payload(index, p))
        .map(|e| AuditRow::from(&e));
    Ok(EventPage {
        shell: who.shell(Some(Section::AuditTrail), &format!("Event #{index}")),
        index,
        row,
        kind: envelope
            .get("kind")
            .and_then(|k| k.as_str())
            .unwrap_or_default()
            .to_owned(),
        recorded_at: envelope
            .get("recorded_at")
            .map(|r| r.to_string().trim_matches('"').to_owned())
            .unwrap_or_default(),
        payload: payload.and_then(|p| serde_json::to_string_pretty(&p).ok()),
        envelope: envelope_text,
        leaf_hex: stored.leaf_hash.to_hex(),
        checkpoint,
        proof_hex,
        checks,
        verifier_key,
    })
}

/// `GET /audit/events/{index}/tlog-proof`: the entry's C2SP tlog-proof file, as a download.
pub async fn tlog_proof(
    State(state): State<AppState>,
    who: SignedIn,
    Path(index): Path<u64>,
) -> Response {
    if let Some(r) = refused(&who, Section::AuditTrail) {
        return r;
    }
    let proof = state
        .ledger()
        .tlog_proof(who.principal.tenant.id, index)
        .await
        .map_err(DomainError::from)
        .and_then(|p| {
            p.map(|(_, proof)| proof).ok_or_else(|| {
                DomainError::NotFound(format!("a signed checkpoint covering ledger entry {index}"))
            })
        });
    match proof {
        Ok(p) => {
            let mut response = p.to_text().into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            if let Ok(v) = HeaderValue::from_str(&format!(
                "attachment; filename=\"entry-{index}.tlog-proof\""
            )) {
                headers.insert(header::CONTENT_DISPOSITION, v);
            }
            response
        }
        Err(e) => error_page(&e),
    }
}
