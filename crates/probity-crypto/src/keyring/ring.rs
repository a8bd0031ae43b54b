//! Data keys and a tenant's keyring: encrypts and decrypts self-describing ciphertexts.
//!
//! Ciphertext layout (version 1), 52 bytes of overhead:
//!
//! ```text
//! "prb" (3) | version 0x01 (1) | data key id (8) | nonce (24) | ciphertext + Poly1305 tag (16)
//! ```
//!
//! The first 12 bytes (magic, version, key id) are authenticated as associated data in front
//! of the caller's own associated data, so a header cannot be swapped onto another body.

use std::collections::BTreeMap;
use std::fmt;

use rand::RngCore;
use rand::rngs::OsRng;
use zeroize::Zeroizing;

use super::{DataKeyId, KEY_LEN, Kek, KeyringError, NONCE_LEN, WrappedKey, aead_open, aead_seal};

const MAGIC: [u8; 3] = *b"prb";
const VERSION: u8 = 1;
/// Magic, version and key id: the authenticated header.
const BOUND_HEADER_LEN: usize = 12;
const TAG_LEN: usize = 16;
/// The shortest valid ciphertext (empty plaintext).
const MIN_LEN: usize = BOUND_HEADER_LEN + NONCE_LEN + TAG_LEN;

/// A 32-byte data key with its id. Zeroized on drop; `Debug` shows only the id.
#[derive(Clone)]
pub struct DataKey {
    id: DataKeyId,
    secret: Zeroizing<[u8; KEY_LEN]>,
}

impl DataKey {
    /// A fresh random key with a fresh id.
    pub fn generate() -> Self {
        let mut secret = Zeroizing::new([0u8; KEY_LEN]);
        OsRng.fill_bytes(secret.as_mut());
        Self {
            id: DataKeyId::generate(),
            secret,
        }
    }

    /// The key's id.
    pub fn id(&self) -> DataKeyId {
        self.id
    }

    pub(super) fn from_parts(id: DataKeyId, secret: Zeroizing<[u8; KEY_LEN]>) -> Self {
        Self { id, secret }
    }

    pub(super) fn secret(&self) -> &[u8; KEY_LEN] {
        &self.secret
    }
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DataKey")
            .field("id", &self.id)
            .field("secret", &"[redacted]")
            .finish()
    }
}

/// The unwrapped data keys of one tenant (or one subject, for crypto-shredding) and which of
/// them encrypts new data.
#[derive(Clone)]
pub struct Keyring {
    tenant: String,
    keys: BTreeMap<DataKeyId, DataKey>,
    active: DataKeyId,
}

impl Keyring {
    /// A new keyring with one fresh active key. Store its wrapped key before encrypting.
    pub fn generate(tenant: &str) -> Self {
        let key = DataKey::generate();
        let active = key.id();
        Self {
            tenant: tenant.to_owned(),
            keys: BTreeMap::from([(active, key)]),
            active,
        }
    }

    /// A keyring from already unwrapped keys; `active` must be among them.
    pub fn from_keys(
        tenant: &str,
        keys: impl IntoIterator<Item = DataKey>,
        active: DataKeyId,
    ) -> Result<Self, KeyringError> {
        let keys: BTreeMap<_, _> = keys.into_iter().map(|k| (k.id(), k)).collect();
        if !keys.contains_key(&active) {
            return Err(KeyringError::UnknownKey(active));
        }
        Ok(Self {
            tenant: tenant.to_owned(),
            keys,
            active,
        })
    }

    /// A keyring from stored wrapped keys, unwrapping each under `kek`.
    pub fn from_wrapped(
        kek: &Kek,
        tenant: &str,
        wrapped: &[WrappedKey],
        active: DataKeyId,
    ) -> Result<Self, KeyringError> {
        let keys = wrapped
            .iter()
            .map(|w| kek.unwrap(tenant, w))
            .collect::<Result<Vec<_>, _>>()?;
        Self::from_keys(tenant, keys, active)
    }

    /// The tenant this keyring belongs to.
    pub fn tenant(&self) -> &str {
        &self.tenant
    }

    /// The id of the key that encrypts new data.
    pub fn active_key_id(&self) -> DataKeyId {
        self.active
    }

    /// The key with this id, e.g. to wrap it for storage with [`Kek::wrap`].
    pub fn key(&self, id: DataKeyId) -> Option<&DataKey> {
        self.keys.get(&id)
    }

    /// All keys, ordered by id.
    pub fn keys(&self) -> impl Iterator<Item = &DataKey> {
        self.keys.values()
    }

    /// Adds a fresh key and makes it active; old keys stay for decryption. Returns the new
    /// id; wrap and store that key before encrypting with it.
    pub fn rotate(&mut self) -> DataKeyId {
        // A 64-bit id collision is improbable, but it would silently replace an old key.
        let key = loop {
            let candidate = DataKey::generate();
            if !self.keys.contains_key(&candidate.id()) {
                break candidate;
            }
        };
        let id = key.id();
        self.keys.insert(id, key);
        self.active = id;
        id
    }

    /// Forgets a retired key, after every ciphertext under it was re-encrypted (or to shred
    /// them). Returns whether the key was present. The active key cannot be removed.
    pub fn remove_key(&mut self, id: DataKeyId) -> Result<bool, KeyringError> {
        if id == self.active {
            return Err(KeyringError::ActiveKey(id));
        }
        Ok(self.keys.remove(&id).is_some())
    }

    /// Encrypts under the active key. `aad` is authenticated but not stored: pass the same
    /// bytes (e.g. the row id and column name) to [`Keyring::decrypt`].
    pub fn encrypt(&self, plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>, KeyringError> {
        let key = self
            .keys
            .get(&self.active)
            .ok_or(KeyringError::UnknownKey(self.active))?;
        let header = bound_header(self.active);
        let nonce = super::random_nonce();
        let sealed = aead_seal(key.secret(), &nonce, plaintext, &bound_aad(&header, aad))?;
        let mut out = Vec::with_capacity(MIN_LEN + plaintext.len());
        out.extend_from_slice(&header);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// Decrypts a ciphertext made by any key of this keyring. Never returns unauthenticated
    /// bytes.
    pub fn decrypt(&self, ciphertext: &[u8], aad: &[u8]) -> Result<Vec<u8>, KeyringError> {
        let parsed = Parsed::from_bytes(ciphertext)?;
        let key = self
            .keys
            .get(&parsed.id)
            .ok_or(KeyringError::UnknownKey(parsed.id))?;
        aead_open(
            key.secret(),
            parsed.nonce,
            parsed.body,
            &bound_aad(parsed.header, aad),
        )
        .ok_or(KeyringError::Decrypt)
    }

    /// Whether a ciphertext was made with a key other than the active one.
    pub fn needs_reencrypt(&self, ciphertext: &[u8]) -> Result<bool, KeyringError> {
        Ok(key_id_of(ciphertext)? != self.active)
    }

    /// Re-encrypts a ciphertext under the active key, for the job that follows a rotation.
    /// Returns `None` when it already uses the active key (nothing to write back).
    pub fn reencrypt(
        &self,
        ciphertext: &[u8],
        aad: &[u8],
    ) -> Result<Option<Vec<u8>>, KeyringError> {
        if !self.needs_reencrypt(ciphertext)? {
            return Ok(None);
        }
        let plain = Zeroizing::new(self.decrypt(ciphertext, aad)?);
        self.encrypt(&plain, aad).map(Some)
    }
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("tenant", &self.tenant)
            .field("active", &self.active)
            .field("keys", &self.keys.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// The id of the data key a ciphertext was made with, read from its header without
/// decrypting. Fails with [`KeyringError::Malformed`] on a bad or truncated header.
pub fn key_id_of(ciphertext: &[u8]) -> Result<DataKeyId, KeyringError> {
    Parsed::from_bytes(ciphertext).map(|p| p.id)
}

fn bound_header(id: DataKeyId) -> [u8; BOUND_HEADER_LEN] {
    let [m0, m1, m2] = MAGIC;
    let [i0, i1, i2, i3, i4, i5, i6, i7] = id.to_bytes();
    [m0, m1, m2, VERSION, i0, i1, i2, i3, i4, i5, i6, i7]
}

/// The header is fixed-length, so header || caller aad is unambiguous.
fn bound_aad(header: &[u8; BOUND_HEADER_LEN], aad: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(BOUND_HEADER_LEN + aad.len());
    out.extend_from_slice(header);
    out.extend_from_slice(aad);
    out
}

/// A ciphertext split into its parts, header checked.
struct Parsed<'a> {
    id: DataKeyId,
    header: &'a [u8; BOUND_HEADER_LEN],
    nonce: &'a [u8; NONCE_LEN],
    body: &'a [u8],
}

impl<'a> Parsed<'a> {
    fn from_bytes(bytes: &'a [u8]) -> Result<Self, KeyringError> {
        let (header, rest) = bytes
            .split_first_chunk::<BOUND_HEADER_LEN>()
            .ok_or(KeyringError::Malformed("truncated header"))?;
        let [m0, m1, m2, version, id @ ..] = *header;
        if [m0, m1, m2] != MAGIC {
            return Err(KeyringError::Malformed("not a probity ciphertext"));
        }
        if version != VERSION {
            return Err(KeyringError::Malformed("unsupported format version"));
        }
        let (nonce, body) = rest
            .split_first_chunk::<NONCE_LEN>()
            .ok_or(KeyringError::Malformed("truncated nonce"))?;
        if body.len() < TAG_LEN {
            return Err(KeyringError::Malformed("truncated body"));
        }
        Ok(Self {
            id: DataKeyId::from_bytes(id),
            header,
            nonce,
            body,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_as_documented() {
        let ring = Keyring::generate("t1");
        let ct = ring.encrypt(b"abc", b"").unwrap();
        assert_eq!(ct.len(), MIN_LEN + 3);
        assert_eq!(&ct[..3], b"prb");
        assert_eq!(ct[3], 1);
        assert_eq!(&ct[4..12], &ring.active_key_id().to_bytes());
        assert_eq!(key_id_of(&ct).unwrap(), ring.active_key_id());
    }

    #[test]
    fn nonces_are_fresh() {
        let ring = Keyring::generate("t1");
        let a = ring.encrypt(b"same", b"aad").unwrap();
        let b = ring.encrypt(b"same", b"aad").unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn header_errors_are_specific() {
        let ring = Keyring::generate("t1");
        let mut ct = ring.encrypt(b"x", b"").unwrap();
        ct[3] = 2;
        assert!(matches!(
            ring.decrypt(&ct, b""),
            Err(KeyringError::Malformed("unsupported format version"))
        ));
        ct[0] = b'x';
        assert!(matches!(
            ring.decrypt(&ct, b""),
            Err(KeyringError::Malformed("not a probity ciphertext"))
        ));
    }

    #[test]
    fn active_key_cannot_be_removed() {
        let mut ring = Keyring::generate("t1");
        let first = ring.active_key_id();
        assert!(matches!(
            ring.remove_key(first),
            Err(KeyringError::ActiveKey(_))
        ));
        ring.rotate();
        assert!(ring.remove_key(first).unwrap());
        assert!(!ring.remove_key(first).unwrap());
    }

    #[test]
    fn debug_shows_ids_only() {
        let ring = Keyring::generate("t1");
        let shown = format!("{ring:?}");
        assert!(shown.contains(&ring.active_key_id().to_string()));
        assert!(!shown.contains("secret: ["));
    }
}
