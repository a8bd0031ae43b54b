//! The leaf envelope (DESIGN §4.3): each leaf is the RFC 8785 canonical JSON of
//! `{v, seq, tenant, recorded_at, kind, payload_commitment}`, where the commitment is
//! SHA-256(salt || canonical payload) with a random 32-byte salt kept beside the payload, so
//! erasing payload and salt breaks no proof.

use std::fmt;

use rand_core::CryptoRngCore;
use serde_json::{Map, Value};

use crate::hash::{Hash, leaf_hash};
use crate::jcs::{self, JcsError, MAX_SAFE_INTEGER};

/// Envelope format version written in `v`.
pub const ENVELOPE_VERSION: u64 = 1;
/// Length of a payload salt.
pub const SALT_SIZE: usize = 32;
/// Longest tenant or kind accepted, in bytes.
pub const MAX_LABEL_LENGTH: usize = 256;

const FIELDS: [&str; 6] = [
    "kind",
    "payload_commitment",
    "recorded_at",
    "seq",
    "tenant",
    "v",
];

/// Why an envelope, timestamp or payload was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    /// Tenant or kind is empty, too long, or contains control characters.
    #[error("invalid envelope {field}")]
    InvalidLabel {
        /// Field name.
        field: &'static str,
    },
    /// `seq` exceeds 2^53 − 1 and could not be represented exactly in JSON.
    #[error("sequence number exceeds 2^53-1")]
    SequenceTooLarge,
    /// The timestamp is not `YYYY-MM-DDTHH:MM:SS.sssZ`.
    #[error("recorded_at must be an rfc 3339 utc timestamp with milliseconds")]
    InvalidTimestamp,
    /// The bytes are not an envelope in canonical form.
    #[error("leaf is not a canonical envelope")]
    NotCanonical,
    /// The envelope version is unknown.
    #[error("unsupported envelope version")]
    UnsupportedVersion,
    /// The payload has no canonical JSON form.
    #[error(transparent)]
    Payload(#[from] JcsError),
}

/// A UTC instant written as `YYYY-MM-DDTHH:MM:SS.sssZ` (one canonical text per millisecond).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordedAt(String);

impl RecordedAt {
    /// From milliseconds since the Unix epoch (negative values are before 1970).
    pub fn from_unix_millis(millis: i64) -> Result<Self, EnvelopeError> {
        let days = millis.div_euclid(86_400_000);
        let in_day = millis.rem_euclid(86_400_000);
        let (year, month, day) = civil_from_days(days);
        if !(0..=9999).contains(&year) {
            return Err(EnvelopeError::InvalidTimestamp);
        }
        Ok(Self(format!(
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
            in_day / 3_600_000,
            in_day / 60_000 % 60,
            in_day / 1_000 % 60,
            in_day % 1_000
        )))
    }

    /// Parses the canonical text form.
    pub fn parse(text: &str) -> Result<Self, EnvelopeError> {
        let bytes = text.as_bytes();
        let shape_ok = bytes.len() == 24
            && bytes.iter().enumerate().all(|(i, b)| match i {
                4 | 7 => *b == b'-',
                10 => *b == b'T',
                13 | 16 => *b == b':',
                19 => *b == b'.',
                23 => *b == b'Z',
                _ => b.is_ascii_digit(),
            });
        if !shape_ok {
            return Err(EnvelopeError::InvalidTimestamp);
        }
        let number = |range: std::ops::Range<usize>| -> i64 {
            text.get(range).and_then(|s| s.parse().ok()).unwrap_or(-1)
        };
        let (year, month, day) = (number(0..4), number(5..7), number(8..10));
        let (hour, minute, second) = (number(11..13), number(14..16), number(17..19));
        let days_in_month = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
            2 => 28,
            _ => 0,
        };
        if day < 1 || day > days_in_month || hour > 23 || minute > 59 || second > 59 {
            return Err(EnvelopeError::InvalidTimestamp);
        }
        Ok(Self(text.to_owned()))
    }

    /// Milliseconds since the Unix epoch.
    pub fn to_unix_millis(&self) -> i64 {
        let number = |range: std::ops::Range<usize>| -> i64 {
            self.0.get(range).and_then(|s| s.parse().ok()).unwrap_or(0)
        };
        let days = days_from_civil(number(0..4), number(5..7), number(8..10));
        days * 86_400_000
            + number(11..13) * 3_600_000
            + number(14..16) * 60_000
            + number(17..19) * 1_000
            + number(20..23)
    }

    /// The text form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RecordedAt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

// Howard Hinnant's civil calendar algorithms (proleptic Gregorian, days since 1970-01-01).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The leaf data of one ledger event.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LeafEnvelope {
    seq: u64,
    tenant: String,
    recorded_at: RecordedAt,
    kind: String,
    payload_commitment: Hash,
}

impl LeafEnvelope {
    /// A version-1 envelope.
    pub fn new(
        seq: u64,
        tenant: &str,
        recorded_at: RecordedAt,
        kind: &str,
        payload_commitment: Hash,
    ) -> Result<Self, EnvelopeError> {
        if seq > MAX_SAFE_INTEGER {
            return Err(EnvelopeError::SequenceTooLarge);
        }
        validate_label("tenant", tenant)?;
        validate_label("kind", kind)?;
        Ok(Self {
            seq,
            tenant: tenant.to_owned(),
            recorded_at,
            kind: kind.to_owned(),
            payload_commitment,
        })
    }

    /// Sequence number of the event in the tenant's log.
    pub const fn seq(&self) -> u64 {
        self.seq
    }

    /// Tenant identifier.
    pub fn tenant(&self) -> &str {
        &self.tenant
    }

    /// When the event was recorded.
    pub const fn recorded_at(&self) -> &RecordedAt {
        &self.recorded_at
    }

    /// Event kind.
    pub fn kind(&self) -> &str {
        &self.kind
    }

    /// Commitment to the payload.
    pub const fn payload_commitment(&self) -> &Hash {
        &self.payload_commitment
    }

    /// The envelope as a JSON value (commitment in lowercase hex).
    pub fn to_json(&self) -> Value {
        let mut map = Map::new();
        map.insert("v".to_owned(), Value::from(ENVELOPE_VERSION));
        map.insert("seq".to_owned(), Value::from(self.seq));
        map.insert("tenant".to_owned(), Value::from(self.tenant.clone()));
        map.insert(
            "recorded_at".to_owned(),
            Value::from(self.recorded_at.0.clone()),
        );
        map.insert("kind".to_owned(), Value::from(self.kind.clone()));
        map.insert(
            "payload_commitment".to_owned(),
            Value::from(self.payload_commitment.to_hex()),
        );
        Value::Object(map)
    }

    /// The canonical leaf bytes (RFC 8785), written directly in JCS member order (the names
    /// sorted: `kind`, `payload_commitment`, `recorded_at`, `seq`, `tenant`, `v`).
    pub fn to_leaf_bytes(&self) -> Vec<u8> {
        let mut out = String::with_capacity(160 + self.tenant.len() + self.kind.len());
        out.push_str("{\"kind\":");
        jcs::write_string(&self.kind, &mut out);
        out.push_str(",\"payload_commitment\":\"");
        out.push_str(&self.payload_commitment.to_hex());
        // The timestamp is ASCII digits and separators only (checked by `RecordedAt::parse`).
        out.push_str("\",\"recorded_at\":\"");
        out.push_str(self.recorded_at.as_str());
        out.push_str("\",\"seq\":");
        out.push_str(&self.seq.to_string());
        out.push_str(",\"tenant\":");
        jcs::write_string(&self.tenant, &mut out);
        out.push_str(",\"v\":");
        out.push_str(&ENVELOPE_VERSION.to_string());
        out.push('}');
        out.into_bytes()
    }

    /// RFC 6962 leaf hash of the canonical bytes.
    pub fn leaf_hash(&self) -> Hash {
        leaf_hash(&self.to_leaf_bytes())
    }

    /// Parses leaf bytes, which must be exactly the canonical form of a version-1 envelope.
    ///
    /// Canonical leaves (every leaf of an intact log) take a typed path: the six fields
    /// deserialized straight into a struct, the envelope rebuilt and its canonical bytes
    /// compared with the input. Anything that path refuses goes through the general one, which
    /// decides between acceptance and the precise error, so the typed path only ever saves time.
    pub fn parse(bytes: &[u8]) -> Result<Self, EnvelopeError> {
        match Self::parse_typed(bytes) {
            Some(envelope) => Ok(envelope),
            None => Self::parse_general(bytes),
        }
    }

    /// The typed path of [`LeafEnvelope::parse`]: `Some` only when `bytes` are exactly the
    /// canonical form of the envelope they describe.
    fn parse_typed(bytes: &[u8]) -> Option<Self> {
        let fields: TypedFields<'_> = serde_json::from_slice(bytes).ok()?;
        if fields.v != ENVELOPE_VERSION {
            return None;
        }
        let envelope = Self::new(
            fields.seq,
            &fields.tenant,
            RecordedAt::parse(fields.recorded_at).ok()?,
            &fields.kind,
            Hash::from_hex(fields.payload_commitment).ok()?,
        )
        .ok()?;
        (envelope.to_leaf_bytes() == bytes).then_some(envelope)
    }

    /// The general path of [`LeafEnvelope::parse`]: JSON value, field checks, canonical
    /// re-encoding, each failure with its own error.
    fn parse_general(bytes: &[u8]) -> Result<Self, EnvelopeError> {
        let value: Value =
            serde_json::from_slice(bytes).map_err(|_| EnvelopeError::NotCanonical)?;
        let map = value.as_object().ok_or(EnvelopeError::NotCanonical)?;
        if map.len() != FIELDS.len() || !FIELDS.iter().all(|f| map.contains_key(*f)) {
            return Err(EnvelopeError::NotCanonical);
        }
        let field = |name: &str| map.get(name).ok_or(EnvelopeError::NotCanonical);
        let text = |name: &str| field(name)?.as_str().ok_or(EnvelopeError::NotCanonical);
        if field("v")?.as_u64() != Some(ENVELOPE_VERSION) {
            return Err(EnvelopeError::UnsupportedVersion);
        }
        let seq = field("seq")?.as_u64().ok_or(EnvelopeError::NotCanonical)?;
        let commitment =
            Hash::from_hex(text("payload_commitment")?).map_err(|_| EnvelopeError::NotCanonical)?;
        let envelope = Self::new(
            seq,
            text("tenant")?,
            RecordedAt::parse(text("recorded_at")?)?,
            text("kind")?,
            commitment,
        )?;
        if envelope.to_leaf_bytes() != bytes {
            return Err(EnvelopeError::NotCanonical);
        }
        Ok(envelope)
    }
}

/// The envelope's members as the typed path reads them. The timestamp and commitment are
/// borrowed: their canonical text never holds an escape, so one that does is refused (and then
/// judged by the general path).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TypedFields<'a> {
    #[serde(borrow)]
    kind: std::borrow::Cow<'a, str>,
    payload_commitment: &'a str,
    recorded_at: &'a str,
    seq: u64,
    #[serde(borrow)]
    tenant: std::borrow::Cow<'a, str>,
    v: u64,
}

fn validate_label(field: &'static str, value: &str) -> Result<(), EnvelopeError> {
    if value.is_empty() || value.len() > MAX_LABEL_LENGTH || value.chars().any(char::is_control) {
        return Err(EnvelopeError::InvalidLabel { field });
    }
    Ok(())
}

/// The random salt that hides a payload behind its commitment. Deleting it (with the payload)
/// is what erasure means; it is not printed by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct PayloadSalt([u8; SALT_SIZE]);

impl fmt::Debug for PayloadSalt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PayloadSalt(..)")
    }
}

impl PayloadSalt {
    /// A fresh salt from `rng`.
    pub fn generate(rng: &mut impl CryptoRngCore) -> Self {
        let mut bytes = [0u8; SALT_SIZE];
        rng.fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// A fresh salt from the operating system's generator.
    pub fn random() -> Self {
        Self::generate(&mut rand_core::OsRng)
    }

    /// A stored salt.
    pub const fn from_bytes(bytes: [u8; SALT_SIZE]) -> Self {
        Self(bytes)
    }

    /// The salt bytes, for storage beside the payload.
    pub const fn as_bytes(&self) -> &[u8; SALT_SIZE] {
        &self.0
    }
}

/// SHA-256(salt || canonical payload).
pub fn commit_payload(salt: &PayloadSalt, canonical_payload: &[u8]) -> Hash {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(salt.0);
    hasher.update(canonical_payload);
    Hash(hasher.finalize().into())
}

/// Canonicalizes a JSON payload (RFC 8785) and commits to it; returns the canonical bytes to
/// store and the commitment.
pub fn commit_json_payload(
    salt: &PayloadSalt,
    payload: &Value,
) -> Result<(Vec<u8>, Hash), EnvelopeError> {
    let canonical = jcs::canonical_bytes(payload)?;
    let commitment = commit_payload(salt, &canonical);
    Ok((canonical, commitment))
}

/// Whether `canonical_payload` with `salt` matches `commitment` (compared in constant time).
pub fn verify_commitment(commitment: &Hash, salt: &PayloadSalt, canonical_payload: &[u8]) -> bool {
    let computed = commit_payload(salt, canonical_payload);
    computed
        .0
        .iter()
        .zip(commitment.0.iter())
        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
        == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn envelope() -> LeafEnvelope {
        let salt = PayloadSalt::from_bytes([7; SALT_SIZE]);
        let (_, commitment) = commit_json_payload(&salt, &json!({"b": 1, "a": "x"})).unwrap();
        LeafEnvelope::new(
            42,
            "acme",
            RecordedAt::parse("2025-03-01T12:34:56.789Z").unwrap(),
            "policy.approved",
            commitment,
        )
        .unwrap()
    }

    #[test]
    fn canonical_leaf_bytes() {
        let e = envelope();
        let text = String::from_utf8(e.to_leaf_bytes()).unwrap();
        assert_eq!(
            text,
            format!(
                "{{\"kind\":\"policy.approved\",\"payload_commitment\":\"{}\",\
                 \"recorded_at\":\"2025-03-01T12:34:56.789Z\",\"seq\":42,\"tenant\":\"acme\",\"v\":1}}",
                e.payload_commitment().to_hex()
            )
        );
        assert_eq!(LeafEnvelope::parse(text.as_bytes()), Ok(e.clone()));
        assert_eq!(e.leaf_hash(), leaf_hash(text.as_bytes()));
    }

    #[test]
    fn non_canonical_leaves_are_rejected() {
        let text = String::from_utf8(envelope().to_leaf_bytes()).unwrap();
        let spaced = text.replace(",", ", ");
        let extra = text.replace("{", "{\"x\":1,");
        let version = text.replace("\"v\":1", "\"v\":2");
        for bad in [spaced, extra, "[]".to_owned(), "{".to_owned()] {
            assert_eq!(
                LeafEnvelope::parse(bad.as_bytes()),
                Err(EnvelopeError::NotCanonical)
            );
        }
        assert_eq!(
            LeafEnvelope::parse(version.as_bytes()),
            Err(EnvelopeError::UnsupportedVersion)
        );
    }

    #[test]
    fn direct_leaf_bytes_are_the_jcs_of_the_json_form() {
        for (tenant, kind) in [
            ("acme", "policy.approved"),
            ("a\"b\\c", "k\u{e9}\u{1f600}"),
            ("t\u{2028}", "\u{fffd}x"),
        ] {
            let e = LeafEnvelope::new(
                9_007_199_254_740_991,
                tenant,
                RecordedAt::from_unix_millis(1).unwrap(),
                kind,
                Hash([0xab; 32]),
            )
            .unwrap();
            assert_eq!(
                e.to_leaf_bytes(),
                jcs::canonical_bytes(&e.to_json()).unwrap()
            );
            assert_eq!(
                LeafEnvelope::parse_typed(&e.to_leaf_bytes()),
                Some(e.clone())
            );
            assert_eq!(LeafEnvelope::parse(&e.to_leaf_bytes()), Ok(e));
        }
    }

    /// Every input the typed path refuses is judged by the general path, so `parse` gives the
    /// same result as before the typed path existed.
    #[test]
    fn the_typed_path_refuses_what_is_not_canonical() {
        let e = envelope();
        let text = String::from_utf8(e.to_leaf_bytes()).unwrap();
        let hex = e.payload_commitment().to_hex();
        let refused = [
            text.replace(",", ", "),
            text.replace("{", "{\"x\":1,"),
            text.replace(",\"v\":1", ""),
            text.replace("\"v\":1", "\"v\":2"),
            text.replace("\"v\":1", "\"v\":1.0"),
            text.replace("\"v\":1", "\"v\":\"1\""),
            text.replace("\"seq\":42", "\"seq\":42.0"),
            text.replace("\"seq\":42", "\"seq\":4.2e1"),
            text.replace("\"seq\":42", "\"seq\":-42"),
            text.replace("\"seq\":42", "\"seq\":42,\"seq\":42"),
            text.replace("\"tenant\":\"acme\"", "\"tenant\":\"\\u0061cme\""),
            text.replace("\"tenant\":\"acme\"", "\"tenant\":\"\""),
            text.replace(&hex, &hex.to_uppercase()),
            text.replace(&hex, &hex[..62]),
            text.replace("12:34:56.789Z", "12:34:56Z"),
            text.replace("2025-03-01", "2025\\u002d03-01"),
            format!("{text}\n"),
            format!(" {text}"),
            "[]".to_owned(),
            "{".to_owned(),
            String::new(),
        ];
        for bad in refused {
            assert_eq!(LeafEnvelope::parse_typed(bad.as_bytes()), None, "{bad}");
            let result = LeafEnvelope::parse(bad.as_bytes());
            assert!(result.is_err(), "{bad}");
            assert_eq!(result, LeafEnvelope::parse_general(bad.as_bytes()), "{bad}");
        }
        // Members in another order are the same JSON object, but not its canonical text.
        let reordered = format!(
            "{{\"v\":1,\"kind\":\"policy.approved\",\"payload_commitment\":\"{hex}\",\
             \"recorded_at\":\"2025-03-01T12:34:56.789Z\",\"seq\":42,\"tenant\":\"acme\"}}"
        );
        assert_eq!(LeafEnvelope::parse_typed(reordered.as_bytes()), None);
        assert_eq!(
            LeafEnvelope::parse(reordered.as_bytes()),
            Err(EnvelopeError::NotCanonical)
        );
    }

    #[test]
    fn commitments_bind_salt_and_payload() {
        let salt = PayloadSalt::from_bytes([1; SALT_SIZE]);
        let (canonical, commitment) =
            commit_json_payload(&salt, &json!({"z": [1, 2], "a": null})).unwrap();
        assert_eq!(canonical, br#"{"a":null,"z":[1,2]}"#.to_vec());
        assert!(verify_commitment(&commitment, &salt, &canonical));
        assert!(!verify_commitment(
            &commitment,
            &salt,
            br#"{"a":null,"z":[1,3]}"#
        ));
        let other_salt = PayloadSalt::from_bytes([2; SALT_SIZE]);
        assert!(!verify_commitment(&commitment, &other_salt, &canonical));
        let mut expected_input = vec![1u8; SALT_SIZE];
        expected_input.extend_from_slice(&canonical);
        assert_eq!(commitment, crate::hash::sha256(&expected_input));
        assert_ne!(PayloadSalt::random(), PayloadSalt::random());
        assert_eq!(format!("{salt:?}"), "PayloadSalt(..)");
    }

    #[test]
    fn envelope_fields_are_validated() {
        let t = RecordedAt::from_unix_millis(0).unwrap();
        let h = Hash::default();
        assert_eq!(
            LeafEnvelope::new(MAX_SAFE_INTEGER + 1, "a", t.clone(), "k", h),
            Err(EnvelopeError::SequenceTooLarge)
        );
        assert_eq!(
            LeafEnvelope::new(1, "", t.clone(), "k", h),
            Err(EnvelopeError::InvalidLabel { field: "tenant" })
        );
        assert_eq!(
            LeafEnvelope::new(1, "a", t, "k\n", h),
            Err(EnvelopeError::InvalidLabel { field: "kind" })
        );
    }

    #[test]
    fn timestamps() {
        assert_eq!(
            RecordedAt::from_unix_millis(0).unwrap().as_str(),
            "1970-01-01T00:00:00.000Z"
        );
        let t = RecordedAt::from_unix_millis(1_709_210_096_789).unwrap();
        assert_eq!(t.as_str(), "2024-02-29T12:34:56.789Z");
        assert_eq!(t.to_unix_millis(), 1_709_210_096_789);
        assert_eq!(
            RecordedAt::from_unix_millis(-1).unwrap().as_str(),
            "1969-12-31T23:59:59.999Z"
        );
        for millis in [
            -86_400_001i64,
            951_782_400_000,
            4_102_444_800_000,
            253_402_300_799_999,
        ] {
            let t = RecordedAt::from_unix_millis(millis).unwrap();
            assert_eq!(RecordedAt::parse(t.as_str()), Ok(t.clone()));
            assert_eq!(t.to_unix_millis(), millis);
        }
        assert!(RecordedAt::from_unix_millis(253_402_300_800_000).is_err());
        for bad in [
            "2023-02-29T00:00:00.000Z",
            "2024-13-01T00:00:00.000Z",
            "2024-01-01T24:00:00.000Z",
            "2024-01-01T00:00:00Z",
            "2024-01-01T00:00:00.000+00:00",
            "2024-01-01 00:00:00.000Z",
            "2024-01-00T00:00:00.000Z",
        ] {
            assert_eq!(
                RecordedAt::parse(bad),
                Err(EnvelopeError::InvalidTimestamp),
                "{bad}"
            );
        }
    }
}
