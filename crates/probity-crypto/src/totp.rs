//! Second factor: RFC 6238 TOTP (HMAC-SHA-1, 6 digits, 30-second steps, ±1 step of clock
//! skew) with replay protection, enrolment (otpauth:// URL and QR code), and one-time
//! recovery codes stored as SHA-256 hashes.
//!
//! The time is always a parameter (unix seconds); nothing here reads the clock.

use std::fmt;

use rand::RngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};
use totp_rs::{Algorithm, TOTP};
use zeroize::Zeroizing;

/// Issuer shown in authenticator apps.
pub const ISSUER: &str = "Probity";
/// Length of one time step in seconds.
pub const STEP_SECONDS: u64 = 30;
/// Digits in a code.
pub const DIGITS: usize = 6;
/// Steps accepted on either side of the current one.
const SKEW_STEPS: u64 = 1;
/// Secret length: 160 bits, as RFC 4226 recommends.
const SECRET_LEN: usize = 20;
/// RFC 4226 requires at least 128 bits.
const MIN_SECRET_LEN: usize = 16;

/// Number of recovery codes issued at a time.
pub const RECOVERY_CODE_COUNT: usize = 10;
/// Lowercase letters and digits without look-alikes (0/o, 1/l/i): 31 symbols.
const RECOVERY_ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyz";
/// Symbols per code (about 49.5 bits), shown as `xxxx-xxxx-xx`.
const RECOVERY_CODE_LEN: usize = 10;
/// Domain label hashed in front of a normalised recovery code.
const RECOVERY_HASH_LABEL: &[u8] = b"probity-recovery-code-v1\0";

/// Why a TOTP operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TotpError {
    /// The account name cannot be put in an otpauth:// label.
    #[error("invalid totp account name: it must not contain ':'")]
    AccountName,
    /// The secret is too short or not valid base32.
    #[error("invalid totp secret: {0}")]
    Secret(&'static str),
    /// The QR code could not be drawn.
    #[error("cannot draw totp qr code: {0}")]
    Qr(String),
}

/// A TOTP shared secret. Zeroized on drop; `Debug` is redacted. Store it encrypted (e.g.
/// with [`crate::Keyring::encrypt`] over [`TotpSecret::expose_bytes`]).
#[derive(Clone)]
pub struct TotpSecret(Zeroizing<Vec<u8>>);

impl TotpSecret {
    /// A fresh random 160-bit secret.
    pub fn generate() -> Self {
        let mut bytes = Zeroizing::new(vec![0u8; SECRET_LEN]);
        OsRng.fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// A secret from stored raw bytes (at least 16).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, TotpError> {
        if bytes.len() < MIN_SECRET_LEN {
            return Err(TotpError::Secret("it must be at least 128 bits"));
        }
        Ok(Self(Zeroizing::new(bytes.to_vec())))
    }

    /// A secret from its base32 text (case, spaces and padding ignored).
    pub fn from_base32(text: &str) -> Result<Self, TotpError> {
        let cleaned: Zeroizing<String> = Zeroizing::new(
            text.chars()
                .filter(|c| !c.is_whitespace() && *c != '=')
                .map(|c| c.to_ascii_uppercase())
                .collect(),
        );
        let bytes = Zeroizing::new(
            totp_rs::Secret::Encoded(cleaned.to_string())
                .to_bytes()
                .map_err(|_| TotpError::Secret("it is not valid base32"))?,
        );
        Self::from_bytes(&bytes)
    }

    /// The raw secret, for encrypted storage.
    pub fn expose_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The base32 text users can type into an authenticator instead of scanning the QR code.
    pub fn to_base32(&self) -> Zeroizing<String> {
        Zeroizing::new(self.engine(String::new()).get_secret_base32())
    }

    /// The `otpauth://totp/Probity:<account>?secret=…&issuer=Probity` URL.
    pub fn otpauth_url(&self, account_name: &str) -> Result<Zeroizing<String>, TotpError> {
        Ok(Zeroizing::new(self.labelled(account_name)?.get_url()))
    }

    /// The otpauth:// URL as a QR code: base64 of a PNG image, for a `data:image/png;base64,`
    /// URL. (totp-rs draws PNG only; there is no SVG form.)
    pub fn qr_png_base64(&self, account_name: &str) -> Result<Zeroizing<String>, TotpError> {
        self.labelled(account_name)?
            .get_qr_base64()
            .map(Zeroizing::new)
            .map_err(TotpError::Qr)
    }

    fn labelled(&self, account_name: &str) -> Result<TOTP, TotpError> {
        if account_name.contains(':') {
            return Err(TotpError::AccountName);
        }
        Ok(self.engine(account_name.to_owned()))
    }

    fn engine(&self, account_name: String) -> TOTP {
        // The secret length was checked on construction; labels were checked by the caller.
        TOTP::new_unchecked(
            Algorithm::SHA1,
            DIGITS,
            // Skew is applied by `verify_step`, which also reports the matched step.
            0,
            STEP_SECONDS,
            self.0.to_vec(),
            Some(ISSUER.to_owned()),
            account_name,
        )
    }
}

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret([redacted])")
    }
}

/// Everything needed to show an enrolment page once.
pub struct TotpEnrollment {
    /// The new secret; store it (encrypted) only after the user confirmed a first code.
    pub secret: TotpSecret,
    /// The otpauth:// URL (contains the secret).
    pub otpauth_url: Zeroizing<String>,
    /// The QR code of the URL as base64 PNG (contains the secret).
    pub qr_png_base64: Zeroizing<String>,
}

impl TotpEnrollment {
    /// A fresh secret with its URL and QR code for `account_name` (usually the email).
    pub fn generate(account_name: &str) -> Result<Self, TotpError> {
        let secret = TotpSecret::generate();
        Ok(Self {
            otpauth_url: secret.otpauth_url(account_name)?,
            qr_png_base64: secret.qr_png_base64(account_name)?,
            secret,
        })
    }
}

impl fmt::Debug for TotpEnrollment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpEnrollment([redacted])")
    }
}

/// The time step that contains `unix_time`.
pub fn time_step(unix_time: u64) -> u64 {
    unix_time / STEP_SECONDS
}

/// Whether `code` is valid at `unix_time` (±1 step). Prefer [`verify_step`], which also
/// stops a code from being used twice.
pub fn verify(secret: &TotpSecret, code: &str, unix_time: u64) -> bool {
    verify_step(secret, code, unix_time, None).is_some()
}

/// Checks `code` at `unix_time` (±1 step) and returns the matched time step, which the
/// caller stores as the account's last used step. A code whose step is not after
/// `last_used_step` is refused, so an observed code cannot be replayed. Spaces in the code
/// are ignored; each candidate is compared in constant time.
pub fn verify_step(
    secret: &TotpSecret,
    code: &str,
    unix_time: u64,
    last_used_step: Option<u64>,
) -> Option<u64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let engine = secret.engine(String::new());
    let now = time_step(unix_time);
    let mut matched = None;
    for step in now.saturating_sub(SKEW_STEPS)..=now.saturating_add(SKEW_STEPS) {
        let Some(at) = step.checked_mul(STEP_SECONDS) else {
            continue;
        };
        let expected = Zeroizing::new(engine.generate(at));
        let equal: bool = expected.as_bytes().ct_eq(code.as_bytes()).into();
        let fresh = last_used_step.is_none_or(|last| step > last);
        if equal && fresh && matched.is_none() {
            matched = Some(step);
        }
    }
    matched
}

/// Freshly issued recovery codes: show `codes` once, store `hashes`.
pub struct RecoveryCodes {
    /// The codes, formatted `xxxx-xxxx-xx`.
    pub codes: Zeroizing<Vec<String>>,
    /// Lowercase hex SHA-256 of each normalised code, in the same order.
    pub hashes: Vec<String>,
}

impl RecoveryCodes {
    /// Issues [`RECOVERY_CODE_COUNT`] new codes.
    pub fn generate() -> Self {
        let codes: Zeroizing<Vec<String>> = Zeroizing::new(
            (0..RECOVERY_CODE_COUNT)
                .map(|_| {
                    let raw =
                        Zeroizing::new(crate::random_string(RECOVERY_ALPHABET, RECOVERY_CODE_LEN));
                    format_recovery_code(&raw)
                })
                .collect(),
        );
        let hashes = codes.iter().map(|c| hash_recovery_code(c)).collect();
        Self { codes, hashes }
    }
}

impl fmt::Debug for RecoveryCodes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecoveryCodes")
            .field("codes", &"[redacted]")
            .field("hashes", &self.hashes)
            .finish()
    }
}

/// `abcdefghjk` -> `abcd-efgh-jk`.
fn format_recovery_code(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len() + 2);
    for (i, c) in raw.chars().enumerate() {
        if i == 4 || i == 8 {
            out.push('-');
        }
        out.push(c);
    }
    out
}

/// Lowercase, without dashes or whitespace.
fn normalise_recovery_code(input: &str) -> Zeroizing<String> {
    Zeroizing::new(
        input
            .chars()
            .filter(|c| *c != '-' && !c.is_whitespace())
            .flat_map(char::to_lowercase)
            .collect(),
    )
}

/// The stored form of a recovery code: hex SHA-256 of a domain label and the normalised code.
/// A fast hash is acceptable because codes are random, single-use and only checked behind
/// the login rate limit.
pub fn hash_recovery_code(code: &str) -> String {
    let normalised = normalise_recovery_code(code);
    hex::encode(
        Sha256::new()
            .chain_update(RECOVERY_HASH_LABEL)
            .chain_update(normalised.as_bytes())
            .finalize(),
    )
}

/// The index of the stored hash that `input` matches, if any, ignoring case, dashes and
/// spaces. Every stored hash is compared in constant time; the caller deletes the used hash.
pub fn verify_recovery_code(hashes: &[impl AsRef<str>], input: &str) -> Option<usize> {
    let candidate = hash_recovery_code(input);
    let mut found = Choice::from(0);
    let mut index = 0u64;
    for (i, stored) in hashes.iter().enumerate() {
        let equal = stored.as_ref().as_bytes().ct_eq(candidate.as_bytes());
        index.conditional_assign(&(i as u64), equal & !found);
        found |= equal;
    }
    if bool::from(found) {
        usize::try_from(index).ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B, SHA-1 seed, truncated to 6 digits.
    #[test]
    fn rfc6238_vectors() {
        let secret = TotpSecret::from_bytes(b"12345678901234567890").unwrap();
        for (time, code) in [
            (59u64, "287082"),
            (1_111_111_109, "081804"),
            (1_111_111_111, "050471"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
            (20_000_000_000, "353130"),
        ] {
            assert_eq!(secret.engine(String::new()).generate(time), code);
            assert_eq!(verify_step(&secret, code, time, None), Some(time / 30));
        }
    }

    #[test]
    fn early_times_do_not_underflow() {
        let secret = TotpSecret::from_bytes(b"12345678901234567890").unwrap();
        let code = secret.engine(String::new()).generate(0);
        assert_eq!(verify_step(&secret, &code, 0, None), Some(0));
        assert_eq!(verify_step(&secret, &code, 31, None), Some(0));
        assert!(!verify(&secret, &code, 60));
        assert!(!verify(&secret, &code, u64::MAX));
    }

    #[test]
    fn recovery_code_shape() {
        let codes = RecoveryCodes::generate();
        assert_eq!(codes.codes.len(), RECOVERY_CODE_COUNT);
        for code in codes.codes.iter() {
            assert_eq!(code.len(), 12);
            let parts: Vec<&str> = code.split('-').collect();
            assert_eq!(parts.iter().map(|p| p.len()).collect::<Vec<_>>(), [4, 4, 2]);
            assert!(
                code.bytes()
                    .all(|b| b == b'-' || RECOVERY_ALPHABET.contains(&b))
            );
        }
        assert!(!format!("{codes:?}").contains(codes.codes[0].as_str()));
    }

    #[test]
    fn secret_text_forms() {
        let secret = TotpSecret::from_bytes(b"12345678901234567890").unwrap();
        let b32 = secret.to_base32();
        assert_eq!(b32.as_str(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        let again = TotpSecret::from_base32(&b32.to_lowercase()).unwrap();
        assert_eq!(again.expose_bytes(), secret.expose_bytes());
        assert!(TotpSecret::from_base32("!!!").is_err());
        assert!(TotpSecret::from_bytes(&[0u8; 15]).is_err());
        assert_eq!(format!("{secret:?}"), "TotpSecret([redacted])");
    }
}
