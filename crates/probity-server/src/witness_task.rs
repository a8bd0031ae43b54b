//! The witness client (C2SP tlog-witness): on its own cadence, apart from checkpoint signing so
//! a slow witness never delays it, sends each tenant's latest checkpoint to every configured
//! witness that has not cosigned it yet, with a consistency proof from the size that witness
//! last cosigned (on 409, once more from the size the witness names). Returned cosignatures are
//! verified against the configured witness key and stored beside the checkpoint. A failing
//! witness is logged and retried later with a growing delay.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use probity_core::DomainError;
use probity_core::ledger::{LedgerError, LedgerService, StoredCheckpoint};
use probity_core::page::PageRequest;
use probity_core::platform::TenantId;
use probity_ledger::cosignature::CosignatureVerifier;
use probity_ledger::note::NoteVerifier as _;
use probity_ledger::witness::{SIZE_CONTENT_TYPE, parse_cosignatures, parse_size};

use crate::state::AppState;

/// Tenants read per page.
const TENANT_PAGE: i64 = 500;
/// First delay after a failure; doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_secs(5);
/// Longest delay between attempts at a failing witness.
const MAX_BACKOFF: Duration = Duration::from_secs(300);
/// Longest a witness may take to answer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// A configured witness: where to submit and the key its cosignatures must verify with.
#[derive(Debug, Clone)]
pub struct WitnessEndpoint {
    /// Submission prefix: `add-checkpoint` is posted to `<url>/add-checkpoint`.
    pub url: String,
    /// The witness's cosignature key.
    pub verifier: CosignatureVerifier,
}

impl WitnessEndpoint {
    /// A witness at `url` (http or https) with verifier key text `key` (type 0x04).
    pub fn new(url: &str, key: &str) -> Result<Self, String> {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err("an http:// or https:// URL".to_owned());
        }
        let verifier = CosignatureVerifier::from_key_text(key.trim()).map_err(|e| {
            format!("a witness verifier key <name>+<hex id>+<base64(0x04 || key)> ({e})")
        })?;
        Ok(Self {
            url: url.trim_end_matches('/').to_owned(),
            verifier,
        })
    }

    /// The witness's key name.
    pub fn name(&self) -> &str {
        self.verifier.name()
    }
}

/// Why a witness did not cosign.
#[derive(Debug, thiserror::Error)]
pub enum WitnessFailure {
    /// The witness could not be reached or did not answer in time.
    #[error("witness unreachable: {0}")]
    Unreachable(String),
    /// The witness refused (any status other than 200 and a usable 409).
    #[error("witness answered {status}: {body}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// The answer's first line.
        body: String,
    },
    /// The witness has cosigned a size we cannot prove consistency from.
    #[error("witness is at size {latest}, which checkpoint {size} cannot extend")]
    Ahead {
        /// The witness's size.
        latest: u64,
        /// Our checkpoint's size.
        size: u64,
    },
    /// The answer is malformed or its cosignature does not verify.
    #[error("witness answer rejected: {0}")]
    BadAnswer(String),
    /// Our side failed (store, proof).
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

enum Answer {
    Cosigned(Vec<u8>),
    Conflict(u64),
}

/// Sends checkpoints to the configured witnesses and keeps a retry delay per tenant and witness.
#[derive(Debug)]
pub struct WitnessClient {
    http: reqwest::Client,
    witnesses: Vec<WitnessEndpoint>,
    retry: Mutex<HashMap<(TenantId, usize), (Instant, Duration)>>,
}

impl WitnessClient {
    /// A client for `witnesses`.
    pub fn new(witnesses: Vec<WitnessEndpoint>) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .user_agent(concat!("probity/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self {
            http,
            witnesses,
            retry: Mutex::new(HashMap::new()),
        })
    }

    /// The configured witnesses.
    pub fn witnesses(&self) -> &[WitnessEndpoint] {
        &self.witnesses
    }

    async fn post(
        &self,
        ledger: &LedgerService,
        tenant: TenantId,
        checkpoint: &StoredCheckpoint,
        witness: &WitnessEndpoint,
        old_size: u64,
    ) -> Result<Answer, WitnessFailure> {
        let request = ledger.witness_request(tenant, checkpoint, old_size).await?;
        let response = self
            .http
            .post(format!("{}/add-checkpoint", witness.url))
            .header(reqwest::header::CONTENT_TYPE, "text/plain; charset=utf-8")
            .body(request.to_body())
            .send()
            .await
            .map_err(|e| WitnessFailure::Unreachable(e.to_string()))?;
        let status = response.status().as_u16();
        let is_size = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with(SIZE_CONTENT_TYPE));
        let body = response
            .bytes()
            .await
            .map_err(|e| WitnessFailure::Unreachable(e.to_string()))?;
        match status {
            200 => Ok(Answer::Cosigned(body.to_vec())),
            409 if is_size => parse_size(&body)
                .map(Answer::Conflict)
                .ok_or_else(|| WitnessFailure::BadAnswer("409 without a tree size".to_owned())),
            _ => Err(WitnessFailure::Refused {
                status,
                body: String::from_utf8_lossy(&body)
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .chars()
                    .take(200)
                    .collect(),
            }),
        }
    }

    /// Asks `witness` to cosign `checkpoint` and stores its verified cosignature. Returns how
    /// many cosignatures were stored.
    pub async fn submit(
        &self,
        ledger: &LedgerService,
        tenant: TenantId,
        checkpoint: &StoredCheckpoint,
        witness: &WitnessEndpoint,
    ) -> Result<usize, WitnessFailure> {
        let mut old_size = ledger.witness_old_size(tenant, &witness.verifier).await?;
        if old_size > checkpoint.size {
            return Err(WitnessFailure::Ahead {
                latest: old_size,
                size: checkpoint.size,
            });
        }
        let mut retried = false;
        let body = loop {
            match self
                .post(ledger, tenant, checkpoint, witness, old_size)
                .await?
            {
                Answer::Cosigned(body) => break body,
                Answer::Conflict(latest) if latest == old_size => {
                    // Our old size is right, so the witness holds another checkpoint of a size we
                    // sent: the same size with another root, a fork of this log.
                    return Err(WitnessFailure::Refused {
                        status: 409,
                        body: format!("the witness holds a different checkpoint at size {latest}"),
                    });
                }
                Answer::Conflict(latest) if !retried && latest <= checkpoint.size => {
                    tracing::info!(witness = witness.name(), %tenant, ours = old_size, theirs = latest, "witness has another size; retrying from its size");
                    old_size = latest;
                    retried = true;
                }
                Answer::Conflict(latest) => {
                    return Err(WitnessFailure::Ahead {
                        latest,
                        size: checkpoint.size,
                    });
                }
            }
        };
        let lines =
            parse_cosignatures(&body).map_err(|e| WitnessFailure::BadAnswer(e.to_string()))?;
        ledger
            .record_cosignatures(tenant, checkpoint, &witness.verifier, &lines)
            .await?
            .map_err(|e| WitnessFailure::BadAnswer(e.to_string()))
    }

    fn due(&self, tenant: TenantId, witness: usize, now: Instant) -> bool {
        let retry = self.retry.lock().unwrap_or_else(|e| e.into_inner());
        retry
            .get(&(tenant, witness))
            .is_none_or(|(at, _)| *at <= now)
    }

    fn failed(&self, tenant: TenantId, witness: usize, now: Instant) {
        let mut retry = self.retry.lock().unwrap_or_else(|e| e.into_inner());
        let delay = retry
            .get(&(tenant, witness))
            .map_or(FIRST_BACKOFF, |(_, d)| (*d * 2).min(MAX_BACKOFF));
        retry.insert((tenant, witness), (now + delay, delay));
    }

    fn succeeded(&self, tenant: TenantId, witness: usize) {
        let mut retry = self.retry.lock().unwrap_or_else(|e| e.into_inner());
        retry.remove(&(tenant, witness));
    }

    /// Sends the tenant's latest checkpoint to each witness that has not cosigned it and is not
    /// waiting out a failure. Returns how many cosignatures were stored.
    pub async fn witness_tenant(
        &self,
        ledger: &LedgerService,
        tenant: TenantId,
    ) -> Result<usize, LedgerError> {
        let Some(checkpoint) = ledger.latest_checkpoint(tenant).await? else {
            return Ok(0);
        };
        let have = ledger.cosignatures(tenant, checkpoint.size).await?;
        let mut stored = 0;
        for (index, witness) in self.witnesses.iter().enumerate() {
            let cosigned = have.iter().any(|c| {
                c.witness_name == witness.name() && c.witness_key_id == witness.verifier.key_id()
            });
            let now = Instant::now();
            if cosigned || !self.due(tenant, index, now) {
                continue;
            }
            match self.submit(ledger, tenant, &checkpoint, witness).await {
                Ok(n) => {
                    self.succeeded(tenant, index);
                    stored += n;
                    tracing::debug!(witness = witness.name(), %tenant, size = checkpoint.size, "checkpoint cosigned");
                }
                Err(e) => {
                    self.failed(tenant, index, now);
                    tracing::warn!(witness = witness.name(), url = %witness.url, %tenant, size = checkpoint.size, error = %e, "witness did not cosign");
                }
            }
        }
        Ok(stored)
    }
}

/// One round over every tenant. Returns how many cosignatures were stored.
pub async fn tick(state: &AppState, client: &WitnessClient) -> Result<usize, DomainError> {
    if client.witnesses.is_empty() {
        return Ok(0);
    }
    let store = state.platform().store();
    let mut stored = 0;
    let mut cursor: Option<String> = None;
    loop {
        let page = PageRequest::parse(Some(TENANT_PAGE), cursor.as_deref())?;
        let tenants = store.list_tenants(&page).await?;
        for tenant in &tenants.items {
            match client.witness_tenant(state.ledger(), tenant.id).await {
                Ok(n) => stored += n,
                Err(e) => {
                    tracing::warn!(tenant = %tenant.id, error = %e, "witnessing failed");
                }
            }
        }
        match tenants.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    Ok(stored)
}

/// Runs [`tick`] every `interval` until `shutdown` flips to true.
pub async fn run(
    state: AppState,
    client: WitnessClient,
    interval: Duration,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        if *shutdown.borrow() {
            break;
        }
        match tick(&state, &client).await {
            Ok(n) if n > 0 => tracing::debug!(cosignatures = n, "witness tick"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "witness tick failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            changed = shutdown.changed() => {
                if changed.is_err() {
                    break;
                }
            }
        }
    }
    tracing::info!("witness task stopped");
}
