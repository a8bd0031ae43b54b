//! The key-encryption key: loaded from configuration or a key file, it wraps (encrypts) data
//! keys so that only wrapped keys are ever stored.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read as _, Write as _};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore;
use rand::rngs::OsRng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::{
    DataKey, DataKeyId, KEY_LEN, KekId, KeyringError, NONCE_LEN, aead_open, aead_seal,
    base64_bytes, random_nonce,
};

/// Domain label hashed with the key to derive its public id.
const KEK_ID_LABEL: &[u8] = b"probity-kek-id-v1\0";
/// Domain label at the start of the associated data of every wrapped data key.
const WRAP_LABEL: &[u8] = b"probity-dek-wrap-v1\0";

/// A key-encryption key (32 bytes). Zeroized on drop; `Debug` shows only its id.
#[derive(Clone)]
pub struct Kek {
    key: Zeroizing<[u8; KEY_LEN]>,
    id: KekId,
}

/// What [`Kek::load_or_create`] found or made.
#[derive(Debug)]
pub struct KekFile {
    /// The key.
    pub kek: Kek,
    /// True when the file did not exist and was created by this call.
    pub created: bool,
    /// On Unix, the permission bits (e.g. `0o644`) when the file is readable or writable by
    /// group or others; the caller should log a warning. `None` when the mode is tight or the
    /// platform has no such bits.
    pub loose_permissions: Option<u32>,
}

/// A data key encrypted under a [`Kek`], bound to one tenant and key id. Safe to store as a row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WrappedKey {
    /// The id of the wrapped data key.
    pub id: DataKeyId,
    /// The id of the KEK it is wrapped under; checked before any decryption is attempted.
    pub kek_id: KekId,
    /// The XChaCha20-Poly1305 nonce (base64 in serde).
    #[serde(with = "base64_bytes")]
    pub nonce: [u8; NONCE_LEN],
    /// The encrypted key and its tag (base64 in serde).
    #[serde(with = "base64_bytes")]
    pub ciphertext: Vec<u8>,
}

impl Kek {
    /// A fresh random key.
    pub fn generate() -> Self {
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        OsRng.fill_bytes(key.as_mut());
        Self::from_key(key)
    }

    /// Builds a key from raw bytes.
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        Self::from_key(Zeroizing::new(bytes))
    }

    fn from_key(key: Zeroizing<[u8; KEY_LEN]>) -> Self {
        let digest = Sha256::new()
            .chain_update(KEK_ID_LABEL)
            .chain_update(key.as_ref())
            .finalize();
        let id = KekId(hex::encode(digest.get(..4).unwrap_or_default()));
        Self { key, id }
    }

    /// Parses the configured text form: standard base64 (with padding) of exactly 32 bytes.
    /// Surrounding whitespace, such as a file's trailing newline, is ignored.
    pub fn from_text(text: &str) -> Result<Self, KeyringError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(KeyringError::InvalidKek {
                reason: "the value is empty".to_owned(),
            });
        }
        let raw = Zeroizing::new(STANDARD.decode(text.as_bytes()).map_err(|e| {
            KeyringError::InvalidKek {
                reason: format!("not valid base64 ({e})"),
            }
        })?);
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        if raw.len() != KEY_LEN {
            return Err(KeyringError::InvalidKek {
                reason: format!("it decodes to {} bytes", raw.len()),
            });
        }
        key.copy_from_slice(&raw);
        Ok(Self::from_key(key))
    }

    /// The text form accepted by [`Kek::from_text`]. Handle with care: this is the secret.
    pub fn to_text(&self) -> Zeroizing<String> {
        Zeroizing::new(STANDARD.encode(self.key.as_ref()))
    }

    /// The public id of this key.
    pub fn id(&self) -> &KekId {
        &self.id
    }

    /// Loads the key from `path`, or creates the file with a fresh key when it does not exist.
    ///
    /// Creation makes missing parent directories, writes a temporary file (mode `0600` on
    /// Unix) in the same directory, syncs it, and links it into place only if nothing is there
    /// yet, so a crash never leaves a half-written key and two processes starting together
    /// agree on one key (the loser reads the winner's file). On a filesystem without hard
    /// links it falls back to a rename. An existing file is never overwritten: a file that
    /// does not parse is an error, because replacing it would orphan everything it protects.
    ///
    /// A file readable by group or others is still used (secret mounts are often `0644`),
    /// but [`KekFile::loose_permissions`] reports it so the caller can log a warning.
    pub fn load_or_create(path: &Path) -> Result<KekFile, KeyringError> {
        match File::open(path) {
            Ok(file) => Self::load_from(path, file),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Self::create_at(path),
            Err(e) => Err(file_error(path, e)),
        }
    }

    fn load_from(path: &Path, mut file: File) -> Result<KekFile, KeyringError> {
        let loose_permissions = loose_mode(&file).map_err(|e| file_error(path, e))?;
        let mut text = Zeroizing::new(String::new());
        file.read_to_string(&mut text)
            .map_err(|e| file_error(path, e))?;
        Ok(KekFile {
            kek: Self::from_text(&text)?,
            created: false,
            loose_permissions,
        })
    }

    fn create_at(path: &Path) -> Result<KekFile, KeyringError> {
        let file_name = path.file_name().ok_or_else(|| {
            file_error(
                path,
                io::Error::new(io::ErrorKind::InvalidInput, "path has no file name"),
            )
        })?;
        let dir = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&dir).map_err(|e| file_error(&dir, e))?;

        let kek = Self::generate();
        let mut suffix = [0u8; 8];
        OsRng.fill_bytes(&mut suffix);
        let tmp = dir.join(format!(
            ".{}.{}.tmp",
            file_name.to_string_lossy(),
            hex::encode(suffix)
        ));
        let written = write_new_private(&tmp, &kek);
        if let Err(e) = written {
            let _ = fs::remove_file(&tmp);
            return Err(file_error(&tmp, e));
        }

        let placed = match fs::hard_link(&tmp, path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
            // No hard links here (some network or FUSE filesystems): last writer wins.
            Err(_) => fs::rename(&tmp, path).map(|()| true),
        };
        let _ = fs::remove_file(&tmp);
        match placed {
            Ok(true) => {
                sync_dir(&dir).map_err(|e| file_error(&dir, e))?;
                Ok(KekFile {
                    kek,
                    created: true,
                    loose_permissions: None,
                })
            }
            // Another process created the file first: use its key, not ours.
            Ok(false) => {
                let file = File::open(path).map_err(|e| file_error(path, e))?;
                Self::load_from(path, file)
            }
            Err(e) => Err(file_error(path, e)),
        }
    }

    /// Encrypts a data key for storage, binding it to `tenant` and to its id.
    pub fn wrap(&self, tenant: &str, key: &DataKey) -> Result<WrappedKey, KeyringError> {
        let nonce = random_nonce();
        let ciphertext = aead_seal(
            &self.key,
            &nonce,
            key.secret().as_ref(),
            &wrap_aad(tenant, key.id()),
        )?;
        Ok(WrappedKey {
            id: key.id(),
            kek_id: self.id.clone(),
            nonce,
            ciphertext,
        })
    }

    /// Decrypts a stored data key. Fails with [`KeyringError::KekMismatch`] before any
    /// decryption when the key was wrapped under another KEK, and with
    /// [`KeyringError::UnwrapFailed`] when the tenant differs or the row was altered.
    pub fn unwrap(&self, tenant: &str, wrapped: &WrappedKey) -> Result<DataKey, KeyringError> {
        if wrapped.kek_id != self.id {
            return Err(KeyringError::KekMismatch {
                key: wrapped.id,
                wrapped_with: wrapped.kek_id.clone(),
                configured: self.id.clone(),
            });
        }
        let plain = Zeroizing::new(
            aead_open(
                &self.key,
                &wrapped.nonce,
                &wrapped.ciphertext,
                &wrap_aad(tenant, wrapped.id),
            )
            .ok_or(KeyringError::UnwrapFailed(wrapped.id))?,
        );
        let mut secret = Zeroizing::new([0u8; KEY_LEN]);
        if plain.len() != KEY_LEN {
            return Err(KeyringError::UnwrapFailed(wrapped.id));
        }
        secret.copy_from_slice(&plain);
        Ok(DataKey::from_parts(wrapped.id, secret))
    }

    /// Re-wraps a stored data key under `new_kek` (KEK rotation). The data key and every
    /// ciphertext made with it stay the same.
    pub fn rewrap(
        &self,
        new_kek: &Kek,
        tenant: &str,
        wrapped: &WrappedKey,
    ) -> Result<WrappedKey, KeyringError> {
        let key = self.unwrap(tenant, wrapped)?;
        new_kek.wrap(tenant, &key)
    }
}

impl fmt::Debug for Kek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Kek")
            .field("id", &self.id)
            .field("key", &"[redacted]")
            .finish()
    }
}

/// Associated data for wrapping: label, length-prefixed tenant, then the fixed-size key id.
fn wrap_aad(tenant: &str, id: DataKeyId) -> Vec<u8> {
    let mut aad = Vec::with_capacity(WRAP_LABEL.len() + 8 + tenant.len() + 8);
    aad.extend_from_slice(WRAP_LABEL);
    aad.extend_from_slice(&(tenant.len() as u64).to_be_bytes());
    aad.extend_from_slice(tenant.as_bytes());
    aad.extend_from_slice(&id.to_bytes());
    aad
}

fn file_error(path: &Path, source: io::Error) -> KeyringError {
    KeyringError::KekFile {
        path: path.to_path_buf(),
        source,
    }
}

fn write_new_private(tmp: &Path, kek: &Kek) -> io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(tmp)?;
    let mut text = kek.to_text();
    text.push('\n');
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

#[cfg(unix)]
fn loose_mode(file: &File) -> io::Result<Option<u32>> {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = file.metadata()?.permissions().mode() & 0o777;
    Ok((mode & 0o077 != 0).then_some(mode))
}

#[cfg(not(unix))]
fn loose_mode(_file: &File) -> io::Result<Option<u32>> {
    Ok(None)
}

/// Makes the new directory entry durable, so a crash cannot lose a key already in use.
#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trip_and_stable_id() {
        let kek = Kek::generate();
        let text = kek.to_text();
        assert_eq!(text.len(), 44);
        let again = Kek::from_text(&format!("  {}\n", text.as_str())).unwrap();
        assert_eq!(again.id(), kek.id());
        assert_eq!(kek.id().as_str().len(), 8);
    }

    #[test]
    fn id_is_pinned() {
        // SHA-256("probity-kek-id-v1\0" || 32 zero bytes), first 4 bytes.
        let kek = Kek::from_bytes([0u8; KEY_LEN]);
        let digest = Sha256::new()
            .chain_update(b"probity-kek-id-v1\0")
            .chain_update([0u8; 32])
            .finalize();
        assert_eq!(kek.id().as_str(), hex::encode(&digest[..4]));
        assert_ne!(Kek::from_bytes([1u8; KEY_LEN]).id(), kek.id());
    }

    #[test]
    fn from_text_errors_name_the_expected_form() {
        for bad in [
            "",
            "   ",
            "not base64!",
            "AAAA",
            &STANDARD.encode([0u8; 31]),
        ] {
            let err = Kek::from_text(bad).unwrap_err();
            assert!(matches!(err, KeyringError::InvalidKek { .. }), "{bad}");
            assert!(err.to_string().contains("base64 of exactly 32 bytes"));
        }
    }

    #[test]
    fn debug_is_redacted() {
        let kek = Kek::from_bytes([7u8; KEY_LEN]);
        let shown = format!("{kek:?}");
        assert!(shown.contains("redacted"));
        assert!(!shown.contains(&STANDARD.encode([7u8; KEY_LEN])));
        assert!(!shown.contains("7, 7"));
    }

    #[test]
    fn wrap_aad_separates_tenant_and_id() {
        let id = DataKeyId::from_bytes([1; 8]);
        assert_ne!(wrap_aad("ab", id), wrap_aad("a", id));
        assert_ne!(
            wrap_aad("a", id),
            wrap_aad("a", DataKeyId::from_bytes([2; 8]))
        );
    }
}
