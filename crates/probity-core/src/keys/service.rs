//! Keyrings per scope (`platform` or a tenant id): load and unwrap data keys, create the first
//! one, rotate, and re-wrap every data key under the configured key-encryption key.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use probity_crypto::{DataKey, DataKeyId, Kek, Keyring, KeyringError, WrappedKey};

use super::store::DataKeyRecord;
use crate::audit::{Actor, AuditRecord};
use crate::clock::Clock;
use crate::error::{DomainError, DomainResult};
use crate::platform::model::TenantId;
use crate::store::Store;

/// The scope of installation-wide secrets (user TOTP secrets, the ledger signing key).
pub const PLATFORM_SCOPE: &str = "platform";

/// The scope string of a tenant's keyring.
pub fn tenant_scope(tenant: TenantId) -> String {
    tenant.to_string()
}

/// What a re-wrap pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct RewrapReport {
    /// Data keys looked at.
    pub examined: usize,
    /// Data keys re-wrapped under the current key-encryption key.
    pub rewrapped: usize,
}

/// Loads, caches and manages keyrings.
pub struct KeyService {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    kek: Kek,
    previous: Vec<Kek>,
    cache: Mutex<HashMap<String, Arc<Keyring>>>,
}

impl std::fmt::Debug for KeyService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyService")
            .field("kek_id", &self.kek.id())
            .finish_non_exhaustive()
    }
}

fn keyring_error(e: KeyringError) -> DomainError {
    DomainError::Internal(format!("keyring: {e}"))
}

impl KeyService {
    /// A service over `store` with the current key-encryption key and any previous ones (kept
    /// only to unwrap keys not yet re-wrapped).
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, kek: Kek, previous: Vec<Kek>) -> Self {
        Self {
            store,
            clock,
            kek,
            previous,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The id of the current key-encryption key.
    pub fn kek_id(&self) -> String {
        self.kek.id().as_str().to_owned()
    }

    fn kek_for(&self, record: &DataKeyRecord) -> DomainResult<&Kek> {
        std::iter::once(&self.kek)
            .chain(self.previous.iter())
            .find(|k| k.id().as_str() == record.kek_id)
            .ok_or_else(|| {
                DomainError::Internal(format!(
                    "data key {} of scope {} is wrapped by key-encryption key {}, but the configured key is {}: \
                     set keys.kek_file to the key that was used, or list it in keys.previous_kek_files",
                    record.key_id,
                    record.scope,
                    record.kek_id,
                    self.kek.id().as_str()
                ))
            })
    }

    fn unwrap_record(&self, record: &DataKeyRecord) -> DomainResult<DataKey> {
        let wrapped: WrappedKey = serde_json::from_value(record.wrapped.clone())
            .map_err(|e| DomainError::Internal(format!("stored data key is malformed: {e}")))?;
        self.kek_for(record)?
            .unwrap(&record.scope, &wrapped)
            .map_err(keyring_error)
    }

    async fn load(&self, scope: &str) -> DomainResult<Option<Keyring>> {
        let records = self.store.data_keys(scope).await?;
        let Some(active) = records.iter().find(|r| r.active) else {
            return Ok(None);
        };
        let active = DataKeyId::parse(&active.key_id).map_err(keyring_error)?;
        let keys = records
            .iter()
            .map(|r| self.unwrap_record(r))
            .collect::<DomainResult<Vec<_>>>()?;
        Keyring::from_keys(scope, keys, active)
            .map(Some)
            .map_err(keyring_error)
    }

    async fn add_key(&self, scope: &str, first: bool, actor: &Actor) -> DomainResult<DataKeyId> {
        let key = DataKey::generate();
        let wrapped = self.kek.wrap(scope, &key).map_err(keyring_error)?;
        let now = self.clock.now();
        let record = DataKeyRecord {
            scope: scope.to_owned(),
            key_id: key.id().to_string(),
            kek_id: self.kek_id(),
            wrapped: serde_json::to_value(&wrapped)
                .map_err(|e| DomainError::Internal(e.to_string()))?,
            active: true,
            created_at: now,
        };
        let tenant = scope.parse().ok();
        let event = AuditRecord::new(
            tenant,
            if first { "key.created" } else { "key.rotated" },
            actor,
            ("data_key", record.key_id.clone()),
            now,
        )
        .with_details(serde_json::json!({ "scope": scope, "kek_id": record.kek_id }));
        self.store.insert_data_key(&record, first, &event).await?;
        Ok(key.id())
    }

    /// The keyring of `scope`, creating its first data key when it has none.
    pub async fn keyring(&self, scope: &str) -> DomainResult<Arc<Keyring>> {
        if let Some(ring) = self.cached(scope) {
            return Ok(ring);
        }
        let ring = match self.load(scope).await? {
            Some(ring) => ring,
            None => {
                match self.add_key(scope, true, &Actor::system("keys")).await {
                    Ok(_) | Err(DomainError::Conflict(_)) => {}
                    Err(e) => return Err(e),
                }
                self.load(scope).await?.ok_or_else(|| {
                    DomainError::Internal(format!(
                        "no active data key for {scope} after creating one"
                    ))
                })?
            }
        };
        let ring = Arc::new(ring);
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(scope.to_owned(), Arc::clone(&ring));
        Ok(ring)
    }

    fn cached(&self, scope: &str) -> Option<Arc<Keyring>> {
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(scope)
            .cloned()
    }

    fn forget(&self, scope: &str) {
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(scope);
    }

    /// Encrypts under the scope's active data key.
    pub async fn encrypt(
        &self,
        scope: &str,
        plaintext: &[u8],
        aad: &[u8],
    ) -> DomainResult<Vec<u8>> {
        self.keyring(scope)
            .await?
            .encrypt(plaintext, aad)
            .map_err(keyring_error)
    }

    /// Decrypts; reloads the keyring once when the key is unknown (another node rotated).
    pub async fn decrypt(
        &self,
        scope: &str,
        ciphertext: &[u8],
        aad: &[u8],
    ) -> DomainResult<Vec<u8>> {
        match self.keyring(scope).await?.decrypt(ciphertext, aad) {
            Err(KeyringError::UnknownKey(_)) => {
                self.forget(scope);
                self.keyring(scope)
                    .await?
                    .decrypt(ciphertext, aad)
                    .map_err(keyring_error)
            }
            other => other.map_err(keyring_error),
        }
    }

    /// Adds a new active data key to `scope`; older keys stay for decryption.
    pub async fn rotate(&self, scope: &str, actor: &Actor) -> DomainResult<String> {
        self.keyring(scope).await?;
        let id = self.add_key(scope, false, actor).await?;
        self.forget(scope);
        Ok(id.to_string())
    }

    /// Re-wraps every data key that is not wrapped by the current key-encryption key, and
    /// checks that every key unwraps (a wrong key-encryption key fails here, clearly).
    pub async fn rewrap_all(&self) -> DomainResult<RewrapReport> {
        let mut report = RewrapReport::default();
        for record in self.store.all_data_keys().await? {
            report.examined += 1;
            let key = self.unwrap_record(&record)?;
            if record.kek_id == self.kek_id() {
                continue;
            }
            let wrapped = self.kek.wrap(&record.scope, &key).map_err(keyring_error)?;
            let value =
                serde_json::to_value(&wrapped).map_err(|e| DomainError::Internal(e.to_string()))?;
            self.store
                .update_wrapping(&record.scope, &record.key_id, &self.kek_id(), &value)
                .await?;
            report.rewrapped += 1;
        }
        self.cache.lock().unwrap_or_else(|e| e.into_inner()).clear();
        Ok(report)
    }

    /// Checks that every stored data key unwraps with the configured keys (start-up check).
    pub async fn check(&self) -> DomainResult<usize> {
        let records = self.store.all_data_keys().await?;
        for record in &records {
            self.unwrap_record(record)?;
        }
        Ok(records.len())
    }
}
