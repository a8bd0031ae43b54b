//! TOTP enrolment, verification with replay protection, and recovery codes.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use probity_crypto::totp::{hash_recovery_code, time_step, verify, verify_step};
use probity_crypto::{RecoveryCodes, TotpEnrollment, TotpError, TotpSecret, verify_recovery_code};

/// The RFC 6238 SHA-1 test secret and two of its published codes (truncated to 6 digits).
fn rfc_secret() -> TotpSecret {
    TotpSecret::from_bytes(b"12345678901234567890").unwrap()
}
const T1: u64 = 1_111_111_109;
const CODE1: &str = "081804";
const T2: u64 = 1_111_111_111;
const CODE2: &str = "050471";

#[test]
fn enrollment_url_and_qr() {
    let enrollment = TotpEnrollment::generate("alice@example.com").unwrap();
    let url = enrollment.otpauth_url.as_str();
    assert!(
        url.starts_with("otpauth://totp/Probity:alice%40example.com?"),
        "{url}"
    );
    assert!(url.contains("issuer=Probity"), "{url}");
    let b32 = enrollment.secret.to_base32();
    assert!(url.contains(&format!("secret={}", b32.as_str())), "{url}");
    assert_eq!(enrollment.secret.expose_bytes().len(), 20);

    let png = STANDARD
        .decode(enrollment.qr_png_base64.as_bytes())
        .unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert!(!format!("{enrollment:?}").contains(b32.as_str()));
}

#[test]
fn account_names_with_colons_are_refused() {
    assert!(matches!(
        TotpEnrollment::generate("alice:admin"),
        Err(TotpError::AccountName)
    ));
}

#[test]
fn codes_are_accepted_within_one_step_of_skew() {
    let secret = rfc_secret();
    assert!(verify(&secret, CODE1, T1));
    assert!(verify(&secret, CODE1, T1 + 30));
    assert!(verify(&secret, CODE1, T1 - 30));
    assert!(!verify(&secret, CODE1, T1 + 60));
    assert!(!verify(&secret, CODE1, T1 - 60));
    assert!(verify(&secret, "081 804", T1));
    for bad in ["", "81804", "0818040", "08180a", "999999"] {
        assert!(!verify(&secret, bad, T1), "{bad}");
    }
    assert!(!verify(&TotpSecret::generate(), CODE1, T1));
}

#[test]
fn a_used_step_cannot_be_replayed() {
    let secret = rfc_secret();
    let step = verify_step(&secret, CODE1, T1, None).unwrap();
    assert_eq!(step, time_step(T1));
    // Same code again, still inside the skew window: refused.
    assert_eq!(verify_step(&secret, CODE1, T1, Some(step)), None);
    assert_eq!(verify_step(&secret, CODE1, T2, Some(step)), None);
    // The next step's code is fine.
    assert_eq!(
        verify_step(&secret, CODE2, T2, Some(step)),
        Some(time_step(T2))
    );
}

#[test]
fn stored_secret_round_trips() {
    let secret = TotpSecret::generate();
    let stored = secret.expose_bytes().to_vec();
    let back = TotpSecret::from_bytes(&stored).unwrap();
    assert_eq!(back.to_base32().as_str(), secret.to_base32().as_str());
    let typed = TotpSecret::from_base32(&secret.to_base32().to_lowercase()).unwrap();
    assert_eq!(typed.expose_bytes(), secret.expose_bytes());
}

#[test]
fn recovery_codes_verify_once_each_and_normalise_input() {
    let issued = RecoveryCodes::generate();
    assert_eq!(issued.codes.len(), 10);
    assert_eq!(issued.hashes.len(), 10);
    let mut unique = issued.hashes.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 10);

    for (i, code) in issued.codes.iter().enumerate() {
        assert_eq!(hash_recovery_code(code), issued.hashes[i]);
        assert_eq!(verify_recovery_code(&issued.hashes, code), Some(i));
        let typed = format!(" {} ", code.replace('-', "").to_uppercase());
        assert_eq!(verify_recovery_code(&issued.hashes, &typed), Some(i));
    }

    assert_eq!(verify_recovery_code(&issued.hashes, "aaaa-bbbb-cc"), None);
    assert_eq!(verify_recovery_code(&issued.hashes, ""), None);
    assert_eq!(
        verify_recovery_code(&[] as &[String], &issued.codes[0]),
        None
    );

    // The caller deletes a used hash; the code then no longer works.
    let mut remaining = issued.hashes.clone();
    let used = verify_recovery_code(&remaining, &issued.codes[3]).unwrap();
    remaining.remove(used);
    assert_eq!(verify_recovery_code(&remaining, &issued.codes[3]), None);
    assert_eq!(verify_recovery_code(&remaining, &issued.codes[4]), Some(3));
}
