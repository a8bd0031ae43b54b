//! Password hashing and policy.

use probity_crypto::password::{MAX_PASSWORD_LENGTH, dummy_verify_password, needs_rehash};
use probity_crypto::{HashCost, PasswordPolicy, PasswordRejection, hash_password, verify_password};

#[test]
fn hash_and_verify_with_test_cost() {
    let hash = hash_password("correct horse battery staple", HashCost::Test).unwrap();
    assert!(hash.starts_with("$argon2id$v=19$m=64,t=1,p=1$"), "{hash}");
    assert!(verify_password(&hash, "correct horse battery staple"));
    assert!(!verify_password(&hash, "correct horse battery stapl"));
    assert!(!verify_password(&hash, ""));
    let again = hash_password("correct horse battery staple", HashCost::Test).unwrap();
    assert_ne!(hash, again, "salts must differ");
}

#[test]
fn production_cost_is_the_owasp_minimum() {
    let hash = hash_password("a long enough passphrase", HashCost::Owasp).unwrap();
    assert!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{hash}"
    );
    assert!(verify_password(&hash, "a long enough passphrase"));
    assert!(!needs_rehash(&hash, HashCost::default()));
    // Runs without panicking and matches nothing; timing is not asserted in tests.
    dummy_verify_password("a long enough passphrase");
}

#[test]
fn malformed_hashes_verify_nothing() {
    for bad in [
        "",
        "$argon2id$",
        "plaintext",
        "$argon2id$v=19$m=64,t=1,p=1$abc$def",
    ] {
        assert!(!verify_password(bad, "plaintext"), "{bad}");
    }
}

#[test]
fn policy_accepts_a_good_password() {
    let policy = PasswordPolicy::default();
    assert_eq!(policy.min_length, 12);
    assert_eq!(
        policy.check("violet kettle drums at dawn", "alice@example.com"),
        Ok(())
    );
}

#[test]
fn policy_length_limits_count_characters() {
    let policy = PasswordPolicy::default();
    assert_eq!(
        policy.check("short1!", "alice@example.com"),
        Err(PasswordRejection::TooShort { min_length: 12 })
    );
    // 12 two-byte characters pass; 11 do not, although they are 22 bytes.
    assert_eq!(policy.check(&"é".repeat(12), "bob@example.com"), Ok(()));
    assert!(matches!(
        policy.check(&"é".repeat(11), "bob@example.com"),
        Err(PasswordRejection::TooShort { .. })
    ));
    let longest = "x7".repeat(MAX_PASSWORD_LENGTH / 2);
    assert_eq!(policy.check(&longest, "bob@example.com"), Ok(()));
    let err = policy
        .check(&format!("{longest}y"), "bob@example.com")
        .unwrap_err();
    assert_eq!(err, PasswordRejection::TooLong { max_length: 1024 });
    assert_eq!(
        err.to_string(),
        "password is too long: use at most 1024 characters"
    );
}

#[test]
fn policy_rejects_common_passwords_case_insensitively() {
    let policy = PasswordPolicy::default();
    for common in [
        "password1234",
        "Password1234",
        "123456789012",
        "QWERTYUIOP12",
        "iloveyou1234",
    ] {
        let err = policy.check(common, "bob@example.com").unwrap_err();
        assert_eq!(err, PasswordRejection::Common, "{common}");
        assert!(err.to_string().contains("too common"));
    }
}

#[test]
fn policy_rejects_the_email_name() {
    let policy = PasswordPolicy::default();
    let err = policy
        .check("my name is Alice.Smith!!", "alice.smith@example.com")
        .unwrap_err();
    assert_eq!(err, PasswordRejection::ContainsEmail);
    assert!(err.to_string().contains("email"));
    assert_eq!(
        policy.check("xx jsmith 2024 yy", "JSmith+grc@example.com"),
        Err(PasswordRejection::ContainsEmail)
    );
    // Very short names are not checked.
    assert_eq!(
        policy.check("violet kettle drums", "vk@example.com"),
        Ok(())
    );
}
