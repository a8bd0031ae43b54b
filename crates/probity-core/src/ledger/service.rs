//! Ledger use cases: append an event to a tenant's log (group-committed by the per-tenant
//! sequencer, acknowledged once durable), read a payload back, prove, and sign checkpoints with
//! the install-wide log key.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use probity_ledger::ed25519::{Ed25519NoteSigner, SigningKey};
use probity_ledger::envelope::{
    LeafEnvelope, PayloadSalt, RecordedAt, SALT_SIZE, commit_json_payload, verify_commitment,
};
use probity_ledger::verify::verify_consistency;
use probity_ledger::{Checkpoint, Hash, VerifierKey};
use tokio::sync::{OnceCell, mpsc, oneshot};
use uuid::Uuid;

use super::model::{LogKeyRecord, StoredCheckpoint};
use super::sequencer::{AppendRequest, Sequencer};
use super::tiles;
use crate::clock::Clock;
use crate::error::DomainError;
use crate::keys::{KeyService, PLATFORM_SCOPE, tenant_scope};
use crate::platform::model::{TenantId, TenantSlug};
use crate::store::{Store, StoreError};

/// Name of the install-wide checkpoint signing key.
const LOG_KEY_NAME: &str = "log";
/// Binds the sealed log key to its purpose.
const LOG_KEY_AAD: &[u8] = b"probity ledger log key";

/// Batching parameters of the sequencers.
#[derive(Debug, Clone)]
pub struct LedgerConfig {
    /// Most entries in one group commit.
    pub max_batch: usize,
    /// Longest a batch waits for more entries after its first.
    pub max_wait: Duration,
    /// Requests queued per tenant before appends are refused as overloaded.
    pub queue_capacity: usize,
    /// What an overloaded caller is told to wait, in seconds.
    pub retry_after_secs: u64,
}

impl Default for LedgerConfig {
    fn default() -> Self {
        Self {
            max_batch: 1_024,
            max_wait: Duration::from_millis(2),
            queue_capacity: 8_192,
            retry_after_secs: 1,
        }
    }
}

/// Why an append or a checkpoint failed.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// The tenant's queue is full; retry later (HTTP 503 with `Retry-After`).
    #[error("the ledger is overloaded; retry after {retry_after_secs} s")]
    Overloaded {
        /// Seconds to wait before retrying.
        retry_after_secs: u64,
    },
    /// Another writer kept moving the tree head; the batch was not written.
    #[error("another writer appended to this ledger concurrently; the batch was not written")]
    HeadMoved,
    /// The sequencer stopped before answering.
    #[error("the ledger sequencer stopped")]
    SequencerStopped,
    /// Anything else (validation, the store, keys).
    #[error(transparent)]
    Domain(#[from] DomainError),
}

impl From<StoreError> for LedgerError {
    fn from(e: StoreError) -> Self {
        LedgerError::Domain(e.into())
    }
}

impl From<LedgerError> for DomainError {
    fn from(e: LedgerError) -> Self {
        match e {
            LedgerError::Domain(e) => e,
            LedgerError::Overloaded { .. } | LedgerError::HeadMoved => {
                DomainError::Unavailable(e.to_string())
            }
            LedgerError::SequencerStopped => DomainError::Internal(e.to_string()),
        }
    }
}

impl LedgerError {
    /// The same failure, for each caller of a failed batch.
    pub(crate) fn for_caller(&self) -> LedgerError {
        match self {
            LedgerError::Overloaded { retry_after_secs } => LedgerError::Overloaded {
                retry_after_secs: *retry_after_secs,
            },
            LedgerError::HeadMoved => LedgerError::HeadMoved,
            LedgerError::SequencerStopped => LedgerError::SequencerStopped,
            LedgerError::Domain(DomainError::Unavailable(m)) => {
                LedgerError::Domain(DomainError::Unavailable(m.clone()))
            }
            LedgerError::Domain(e) => LedgerError::Domain(DomainError::Internal(e.to_string())),
        }
    }
}

fn internal(e: impl std::fmt::Display) -> LedgerError {
    LedgerError::Domain(DomainError::Internal(format!("ledger: {e}")))
}

/// The checkpoint origin of a tenant's log: `<public host>/probity/<tenant slug>`.
pub fn checkpoint_origin(public_host: &str, slug: &TenantSlug) -> String {
    format!("{public_host}/probity/{}", slug.as_str())
}

/// Binds a payload ciphertext to its tenant and commitment, so it cannot be moved to another
/// entry.
fn payload_aad(tenant: TenantId, commitment: &Hash) -> Vec<u8> {
    format!("probity ledger payload {tenant} {}", commitment.to_hex()).into_bytes()
}

/// A stored payload opened for an auditor's check.
#[derive(Debug, Clone)]
pub struct OpenedPayload {
    /// The entry it belongs to.
    pub seq: u64,
    /// Its commitment salt, as stored.
    pub salt: Vec<u8>,
    /// The payload, or why it could not be opened.
    pub content: Result<serde_json::Value, String>,
}

/// An event committed to and sealed, ready for the sequencer.
pub(super) struct Prepared {
    kind: String,
    commitment: Hash,
    salt: PayloadSalt,
    ciphertext: Vec<u8>,
    audit_id: Option<Uuid>,
}

/// Appends to and signs tenants' logs.
pub struct LedgerService {
    store: Arc<dyn Store>,
    keys: Arc<KeyService>,
    clock: Arc<dyn Clock>,
    config: LedgerConfig,
    sequencers: Mutex<HashMap<TenantId, mpsc::Sender<AppendRequest>>>,
    log_key: OnceCell<SigningKey>,
}

impl std::fmt::Debug for LedgerService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LedgerService")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl LedgerService {
    /// A service over `store`; payloads are sealed with `keys`.
    pub fn new(
        store: Arc<dyn Store>,
        keys: Arc<KeyService>,
        clock: Arc<dyn Clock>,
        config: LedgerConfig,
    ) -> Self {
        Self {
            store,
            keys,
            clock,
            config,
            sequencers: Mutex::new(HashMap::new()),
            log_key: OnceCell::new(),
        }
    }

    /// Appends an event of `kind` with a JSON payload to the tenant's log and returns its
    /// sequence number once the entry is durable. Many tasks may call this at once: their
    /// entries are committed together.
    pub async fn append(
        &self,
        tenant: TenantId,
        kind: &str,
        payload: &serde_json::Value,
    ) -> Result<u64, LedgerError> {
        let event = self.prepare(tenant, kind, payload, None).await?;
        self.submit(tenant, vec![event])
            .await?
            .into_iter()
            .next()
            .ok_or(LedgerError::SequencerStopped)
    }

    /// Commits to and seals one event (in the caller's task), checking what would otherwise
    /// fail its whole batch.
    pub(super) async fn prepare(
        &self,
        tenant: TenantId,
        kind: &str,
        payload: &serde_json::Value,
        audit_id: Option<Uuid>,
    ) -> Result<Prepared, LedgerError> {
        let salt = PayloadSalt::random();
        let (canonical, commitment) = commit_json_payload(&salt, payload)
            .map_err(|e| DomainError::invalid("payload", e.to_string()))?;
        // A bad kind must fail its own caller, not the whole batch.
        let epoch = RecordedAt::from_unix_millis(0).map_err(internal)?;
        LeafEnvelope::new(0, &tenant.to_string(), epoch, kind, commitment)
            .map_err(|e| DomainError::invalid("kind", e.to_string()))?;
        let ciphertext = self
            .keys
            .encrypt(
                &tenant_scope(tenant),
                &canonical,
                &payload_aad(tenant, &commitment),
            )
            .await?;
        Ok(Prepared {
            kind: kind.to_owned(),
            commitment,
            salt,
            ciphertext,
            audit_id,
        })
    }

    /// Queues `events` to the tenant's sequencer in order (nothing awaits between them, so they
    /// keep that order in the log) and returns their sequence numbers once durable. Admission is
    /// all or nothing: when the queue has no room for every event, none is queued and the answer
    /// is [`LedgerError::Overloaded`].
    pub(super) async fn submit(
        &self,
        tenant: TenantId,
        events: Vec<Prepared>,
    ) -> Result<Vec<u64>, LedgerError> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let sender = self.sender(tenant);
        let permits = sender.try_reserve_many(events.len()).map_err(|e| match e {
            mpsc::error::TrySendError::Full(()) => LedgerError::Overloaded {
                retry_after_secs: self.config.retry_after_secs,
            },
            mpsc::error::TrySendError::Closed(()) => LedgerError::SequencerStopped,
        })?;
        let mut answers = Vec::with_capacity(events.len());
        for (permit, event) in permits.zip(events) {
            let (reply, answer) = oneshot::channel();
            permit.send(AppendRequest {
                kind: event.kind,
                commitment: event.commitment,
                salt: event.salt,
                ciphertext: event.ciphertext,
                audit_id: event.audit_id,
                reply,
            });
            answers.push(answer);
        }
        let mut seqs = Vec::with_capacity(answers.len());
        for answer in answers {
            seqs.push(answer.await.map_err(|_| LedgerError::SequencerStopped)??);
        }
        Ok(seqs)
    }

    /// Appends several events to the tenant's log in order, as one admission (see
    /// [`LedgerService::append`]): each event that cannot be prepared (a bad kind or payload)
    /// gets its own error and the others still land; a full queue refuses them all as
    /// [`LedgerError::Overloaded`].
    pub async fn append_many(
        &self,
        tenant: TenantId,
        events: &[(&str, &serde_json::Value)],
    ) -> Result<Vec<Result<u64, LedgerError>>, LedgerError> {
        let mut prepared = Vec::with_capacity(events.len());
        let mut results: Vec<Option<Result<u64, LedgerError>>> = Vec::with_capacity(events.len());
        for (kind, payload) in events {
            match self.prepare(tenant, kind, payload, None).await {
                Ok(event) => {
                    prepared.push(event);
                    results.push(None);
                }
                Err(e @ LedgerError::Domain(DomainError::Validation(_))) => {
                    results.push(Some(Err(e)));
                }
                Err(e) => return Err(e),
            }
        }
        let mut seqs = self.submit(tenant, prepared).await?.into_iter();
        Ok(results
            .into_iter()
            .map(|r| r.unwrap_or_else(|| seqs.next().ok_or(LedgerError::SequencerStopped)))
            .collect())
    }

    /// The store behind the service.
    pub(super) fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    /// The clock of the service.
    pub(super) fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    /// The tenant's request queue, starting its sequencer on first use (or after it stopped).
    fn sender(&self, tenant: TenantId) -> mpsc::Sender<AppendRequest> {
        let mut sequencers = self.sequencers.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(sender) = sequencers.get(&tenant).filter(|s| !s.is_closed()) {
            return sender.clone();
        }
        let (sender, requests) = mpsc::channel(self.config.queue_capacity.max(1));
        let sequencer = Sequencer {
            store: Arc::clone(&self.store),
            clock: Arc::clone(&self.clock),
            tenant,
            max_batch: self.config.max_batch.max(1),
            max_wait: self.config.max_wait,
            builder: None,
        };
        tokio::spawn(sequencer.run(requests));
        sequencers.insert(tenant, sender.clone());
        sender
    }

    /// The decrypted payload of entry `seq`, checked against the entry's commitment; `None`
    /// when there is no such entry or its payload was erased.
    pub async fn payload(
        &self,
        tenant: TenantId,
        seq: u64,
    ) -> Result<Option<serde_json::Value>, LedgerError> {
        let Some(stored) = self.store.ledger_payload(tenant, seq).await? else {
            return Ok(None);
        };
        let entry = self
            .store
            .ledger_entries(tenant, seq, seq.saturating_add(1))
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| internal(format!("payload {seq} has no entry")))?;
        let envelope = LeafEnvelope::parse(&entry.envelope).map_err(internal)?;
        let salt: [u8; SALT_SIZE] = stored
            .salt
            .as_slice()
            .try_into()
            .map_err(|_| internal(format!("salt of entry {seq} is malformed")))?;
        let canonical = self.unseal(tenant, &envelope, &stored.ciphertext).await?;
        let salt = PayloadSalt::from_bytes(salt);
        if !verify_commitment(envelope.payload_commitment(), &salt, &canonical) {
            return Err(internal(format!(
                "payload of entry {seq} does not match its commitment"
            )));
        }
        serde_json::from_slice(&canonical)
            .map(Some)
            .map_err(internal)
    }

    /// Decrypts a sealed payload under the tenant keyring, bound to its entry's commitment.
    async fn unseal(
        &self,
        tenant: TenantId,
        envelope: &LeafEnvelope,
        ciphertext: &[u8],
    ) -> Result<Vec<u8>, DomainError> {
        self.keys
            .decrypt(
                &tenant_scope(tenant),
                ciphertext,
                &payload_aad(tenant, envelope.payload_commitment()),
            )
            .await
    }

    /// The payloads (not erased) of entries `from..to`, decrypted, for auditors' tools: one
    /// [`OpenedPayload`] per stored payload, in order. A payload that does not decrypt under the
    /// entry's commitment (altered ciphertext, salt or envelope) is reported in its item, not
    /// as an error of the whole read; checking the commitment is left to the caller.
    pub async fn open_payloads(
        &self,
        tenant: TenantId,
        from: u64,
        to: u64,
    ) -> Result<Vec<OpenedPayload>, LedgerError> {
        let stored = self.store.ledger_payloads(tenant, from, to).await?;
        let entries = self.store.ledger_entries(tenant, from, to).await?;
        let mut opened = Vec::with_capacity(stored.len());
        for payload in stored {
            // Entries come back in order from `from`: the payload's entry is at its offset.
            let envelope = usize::try_from(payload.seq.saturating_sub(from))
                .ok()
                .and_then(|offset| entries.get(offset))
                .filter(|e| e.seq == payload.seq)
                .map(|e| LeafEnvelope::parse(&e.envelope));
            let content = match envelope {
                None => Err("the entry of this payload is missing".to_owned()),
                Some(Err(e)) => Err(format!("the entry's envelope is unreadable ({e})")),
                Some(Ok(envelope)) => {
                    match self.unseal(tenant, &envelope, &payload.ciphertext).await {
                        Ok(canonical) => serde_json::from_slice(&canonical)
                            .map_err(|e| format!("the decrypted payload is not JSON ({e})")),
                        Err(e) => Err(format!(
                            "the payload does not decrypt under its entry's commitment ({e})"
                        )),
                    }
                }
            };
            opened.push(OpenedPayload {
                seq: payload.seq,
                salt: payload.salt,
                content,
            });
        }
        Ok(opened)
    }

    /// Consistency proof between two sizes of the tenant's committed tree.
    pub async fn consistency_proof(
        &self,
        tenant: TenantId,
        old_size: u64,
        new_size: u64,
    ) -> Result<Vec<Hash>, LedgerError> {
        Ok(tiles::consistency_proof(self.store.as_ref(), tenant, old_size, new_size).await?)
    }

    /// Inclusion proof of entry `index` in the tree of `size`.
    pub async fn inclusion_proof(
        &self,
        tenant: TenantId,
        index: u64,
        size: u64,
    ) -> Result<Vec<Hash>, LedgerError> {
        Ok(tiles::inclusion_proof(self.store.as_ref(), tenant, index, size).await?)
    }

    /// The install-wide log key, created (sealed under the `platform` keyring) on first use.
    async fn log_key(&self) -> Result<&SigningKey, LedgerError> {
        self.log_key.get_or_try_init(|| self.load_log_key()).await
    }

    async fn load_log_key(&self) -> Result<SigningKey, LedgerError> {
        let record = match self.store.log_key(LOG_KEY_NAME).await? {
            Some(record) => record,
            None => {
                let key = SigningKey::generate(&mut rand_core::OsRng);
                let record = LogKeyRecord {
                    name: LOG_KEY_NAME.to_owned(),
                    public_key: key.verifying_key().as_bytes().to_vec(),
                    private_sealed: self
                        .keys
                        .encrypt(PLATFORM_SCOPE, &key.to_bytes(), LOG_KEY_AAD)
                        .await?,
                    created_at: self.clock.now(),
                };
                match self.store.insert_log_key(&record).await {
                    Ok(()) => tracing::info!("ledger log key created"),
                    // Another node created it first: use theirs.
                    Err(StoreError::Duplicate(_)) => {}
                    Err(e) => return Err(e.into()),
                }
                self.store
                    .log_key(LOG_KEY_NAME)
                    .await?
                    .ok_or_else(|| internal("log key vanished after creation"))?
            }
        };
        let seed = self
            .keys
            .decrypt(PLATFORM_SCOPE, &record.private_sealed, LOG_KEY_AAD)
            .await?;
        let seed: [u8; 32] = seed
            .as_slice()
            .try_into()
            .map_err(|_| internal("sealed log key is malformed"))?;
        let key = SigningKey::from_bytes(&seed);
        if key.verifying_key().as_bytes().as_slice() != record.public_key.as_slice() {
            return Err(internal("sealed log key does not match its public key"));
        }
        Ok(key)
    }

    async fn signer(&self, origin: &str) -> Result<Ed25519NoteSigner, LedgerError> {
        let key = self.log_key().await?.clone();
        Ed25519NoteSigner::new(origin, key)
            .map_err(|e| DomainError::invalid("origin", e.to_string()).into())
    }

    /// Signs `text` as a C2SP signed note under the log key with the key name `name` (a name
    /// other than any log origin, e.g. `<origin>/attestations`, so the signature can never pass
    /// for a checkpoint's). Returns the note and its verifier key.
    pub async fn sign_note(&self, name: &str, text: &str) -> Result<(String, String), LedgerError> {
        let signer = self.signer(name).await?;
        let note = probity_ledger::note::Note::sign(text, &[&signer])
            .map_err(|e| DomainError::invalid("text", e.to_string()))?;
        Ok((note.to_text(), signer.verifier_key().to_string()))
    }

    /// The verifier key for notes signed by [`Self::sign_note`] under `name`.
    pub async fn note_verifier_key(&self, name: &str) -> Result<String, LedgerError> {
        Ok(self.signer(name).await?.verifier_key().to_string())
    }

    /// The verifier key (`<origin>+<key id>+<base64>`) auditors use for checkpoints of `origin`.
    pub async fn verifier_key(&self, origin: &str) -> Result<VerifierKey, LedgerError> {
        Ok(self.signer(origin).await?.verifier_key())
    }

    /// Signs a checkpoint of the tenant's current tree, after checking that the tree is
    /// consistent with the previous checkpoint. `None` when there is nothing new to sign (an
    /// empty log, or no growth since the last checkpoint).
    pub async fn sign_checkpoint(
        &self,
        tenant: TenantId,
        origin: &str,
    ) -> Result<Option<StoredCheckpoint>, LedgerError> {
        let Some(head) = self.store.ledger_head(tenant).await? else {
            return Ok(None);
        };
        let from_tiles = tiles::stored_root(self.store.as_ref(), tenant, head.size).await?;
        if from_tiles != head.root {
            return Err(internal(format!(
                "tenant {tenant}: the stored tiles at size {} do not give the stored root; refusing to sign",
                head.size
            )));
        }
        let previous = self.store.latest_checkpoint(tenant).await?;
        if let Some(previous) = &previous {
            if previous.size > head.size
                || (previous.size == head.size && previous.root != head.root)
            {
                return Err(internal(format!(
                    "tenant {tenant}: the tree at size {} contradicts checkpoint {}; refusing to sign",
                    head.size, previous.size
                )));
            }
            if previous.size == head.size {
                return Ok(None);
            }
            let proof = self
                .consistency_proof(tenant, previous.size, head.size)
                .await?;
            verify_consistency(previous.size, head.size, &proof, &previous.root, &head.root)
                .map_err(|e| {
                    internal(format!(
                        "tenant {tenant}: size {} is not consistent with checkpoint {} ({e}); refusing to sign",
                        head.size, previous.size
                    ))
                })?;
        }
        let checkpoint = Checkpoint::new(origin, head.size, head.root)
            .map_err(|e| DomainError::invalid("origin", e.to_string()))?;
        let note = checkpoint
            .sign(&self.signer(origin).await?)
            .map_err(internal)?;
        let stored = StoredCheckpoint {
            size: head.size,
            root: head.root,
            signed_note: note.to_text(),
            created_at: self.clock.now(),
        };
        match self.store.insert_checkpoint(tenant, &stored).await {
            Ok(()) => Ok(Some(stored)),
            // Another node signed this size already.
            Err(StoreError::Duplicate(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn origin_names_host_and_tenant_slug() {
        let slug = TenantSlug::parse("acme-corp").unwrap();
        assert_eq!(
            checkpoint_origin("grc.example.com", &slug),
            "grc.example.com/probity/acme-corp"
        );
    }

    #[test]
    fn overload_and_a_moving_head_are_unavailable_not_internal() {
        let overloaded = DomainError::from(LedgerError::Overloaded {
            retry_after_secs: 1,
        });
        assert_eq!(overloaded.code(), ErrorCode::Unavailable);
        assert_eq!(
            DomainError::from(LedgerError::HeadMoved).code(),
            ErrorCode::Unavailable
        );
        let invalid = LedgerError::Domain(DomainError::invalid("kind", "empty"));
        assert_eq!(
            DomainError::from(invalid).code(),
            ErrorCode::ValidationFailed
        );
    }
}
