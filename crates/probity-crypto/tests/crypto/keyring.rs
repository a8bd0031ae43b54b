//! Envelope encryption: round trips, rotation, tenant and KEK isolation, tampering, key files.

use probity_crypto::keyring::KEY_LEN;
use probity_crypto::{DataKey, DataKeyId, Kek, Keyring, KeyringError, WrappedKey, key_id_of};
use proptest::prelude::*;

/// Overhead of a ciphertext: header (12), nonce (24), tag (16).
const OVERHEAD: usize = 52;

proptest! {
    #[test]
    fn round_trip(plaintext in prop::collection::vec(any::<u8>(), 0..2048),
                  aad in prop::collection::vec(any::<u8>(), 0..64)) {
        let ring = Keyring::generate("tenant-a");
        let ct = ring.encrypt(&plaintext, &aad).unwrap();
        prop_assert_eq!(ct.len(), plaintext.len() + OVERHEAD);
        prop_assert_eq!(key_id_of(&ct).unwrap(), ring.active_key_id());
        prop_assert_eq!(ring.decrypt(&ct, &aad).unwrap(), plaintext);
    }

    #[test]
    fn any_flipped_bit_fails(plaintext in prop::collection::vec(any::<u8>(), 0..256),
                             position in any::<prop::sample::Index>(), bit in 0u8..8) {
        let ring = Keyring::generate("tenant-a");
        let mut ct = ring.encrypt(&plaintext, b"row-1").unwrap();
        let i = position.index(ct.len());
        ct[i] ^= 1 << bit;
        prop_assert!(ring.decrypt(&ct, b"row-1").is_err());
    }

    #[test]
    fn wrapped_key_serde_round_trip(tenant in "[a-z0-9-]{1,40}") {
        let kek = Kek::generate();
        let key = DataKey::generate();
        let wrapped = kek.wrap(&tenant, &key).unwrap();
        let json = serde_json::to_string(&wrapped).unwrap();
        let back: WrappedKey = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(&back, &wrapped);
        prop_assert_eq!(kek.unwrap(&tenant, &back).unwrap().id(), key.id());
    }
}

#[test]
fn every_bit_flip_of_a_small_ciphertext_is_rejected_with_the_right_error() {
    let ring = Keyring::generate("tenant-a");
    let ct = ring.encrypt(b"evidence", b"aad").unwrap();
    for i in 0..ct.len() {
        for bit in 0..8 {
            let mut bad = ct.clone();
            bad[i] ^= 1 << bit;
            let err = ring.decrypt(&bad, b"aad").unwrap_err();
            match i {
                0..=3 => assert!(matches!(err, KeyringError::Malformed(_)), "{i}: {err}"),
                4..=11 => assert!(matches!(err, KeyringError::UnknownKey(_)), "{i}: {err}"),
                _ => assert!(matches!(err, KeyringError::Decrypt), "{i}: {err}"),
            }
        }
    }
}

#[test]
fn truncation_fails_and_short_input_is_malformed() {
    let ring = Keyring::generate("tenant-a");
    let ct = ring.encrypt(b"some evidence bytes", b"").unwrap();
    for len in 0..ct.len() {
        let err = ring.decrypt(&ct[..len], b"").unwrap_err();
        if len < OVERHEAD {
            assert!(matches!(err, KeyringError::Malformed(_)), "{len}: {err}");
            assert!(matches!(
                key_id_of(&ct[..len]),
                Err(KeyringError::Malformed(_))
            ));
        } else {
            // The header is intact, so only the tag can tell: never garbage.
            assert!(matches!(err, KeyringError::Decrypt), "{len}: {err}");
        }
    }
}

#[test]
fn aad_mismatch_fails() {
    let ring = Keyring::generate("tenant-a");
    let ct = ring.encrypt(b"secret", b"evidence/1").unwrap();
    assert!(matches!(
        ring.decrypt(&ct, b"evidence/2"),
        Err(KeyringError::Decrypt)
    ));
    assert!(matches!(ring.decrypt(&ct, b""), Err(KeyringError::Decrypt)));
    assert_eq!(ring.decrypt(&ct, b"evidence/1").unwrap(), b"secret");
}

#[test]
fn rotation_keeps_old_ciphertexts_readable_and_reencrypt_moves_them() {
    let mut ring = Keyring::generate("tenant-a");
    let first = ring.active_key_id();
    let old = ring.encrypt(b"old record", b"r1").unwrap();

    let second = ring.rotate();
    assert_ne!(first, second);
    assert_eq!(ring.active_key_id(), second);
    assert_eq!(ring.keys().count(), 2);

    let new = ring.encrypt(b"new record", b"r2").unwrap();
    assert_eq!(key_id_of(&new).unwrap(), second);
    assert_eq!(key_id_of(&old).unwrap(), first);
    assert_eq!(ring.decrypt(&old, b"r1").unwrap(), b"old record");
    assert!(ring.needs_reencrypt(&old).unwrap());
    assert!(!ring.needs_reencrypt(&new).unwrap());

    let moved = ring.reencrypt(&old, b"r1").unwrap().unwrap();
    assert_eq!(key_id_of(&moved).unwrap(), second);
    assert!(ring.reencrypt(&new, b"r2").unwrap().is_none());
    assert!(matches!(
        ring.reencrypt(&old, b"wrong"),
        Err(KeyringError::Decrypt)
    ));

    // Retiring the old key shreds what was not re-encrypted.
    assert!(ring.remove_key(first).unwrap());
    assert_eq!(ring.decrypt(&moved, b"r1").unwrap(), b"old record");
    assert!(matches!(
        ring.decrypt(&old, b"r1"),
        Err(KeyringError::UnknownKey(id)) if id == first
    ));
}

#[test]
fn another_tenants_keyring_cannot_decrypt() {
    let a = Keyring::generate("tenant-a");
    let b = Keyring::generate("tenant-b");
    let ct = a.encrypt(b"a's data", b"").unwrap();
    assert!(matches!(
        b.decrypt(&ct, b""),
        Err(KeyringError::UnknownKey(id)) if id == a.active_key_id()
    ));
}

#[test]
fn wrapped_keys_rebuild_the_keyring_and_are_bound_to_tenant_and_kek() {
    let kek = Kek::generate();
    let mut ring = Keyring::generate("tenant-a");
    let old = ring.encrypt(b"before rotation", b"").unwrap();
    ring.rotate();
    let new = ring.encrypt(b"after rotation", b"").unwrap();
    let stored: Vec<WrappedKey> = ring
        .keys()
        .map(|k| kek.wrap("tenant-a", k).unwrap())
        .collect();
    assert!(stored.iter().all(|w| &w.kek_id == kek.id()));

    let loaded = Keyring::from_wrapped(&kek, "tenant-a", &stored, ring.active_key_id()).unwrap();
    assert_eq!(loaded.decrypt(&old, b"").unwrap(), b"before rotation");
    assert_eq!(loaded.decrypt(&new, b"").unwrap(), b"after rotation");

    // Another tenant's rows: authentication of the wrapped key fails.
    assert!(matches!(
        Keyring::from_wrapped(&kek, "tenant-b", &stored, ring.active_key_id()),
        Err(KeyringError::UnwrapFailed(_))
    ));

    // Another KEK: detected by id before any decryption.
    let other = Kek::generate();
    match Keyring::from_wrapped(&other, "tenant-a", &stored, ring.active_key_id()) {
        Err(KeyringError::KekMismatch {
            wrapped_with,
            configured,
            ..
        }) => {
            assert_eq!(&wrapped_with, kek.id());
            assert_eq!(&configured, other.id());
        }
        other => panic!("expected KekMismatch, got {other:?}"),
    }

    // An active id that is not among the keys.
    let missing = DataKeyId::generate();
    assert!(matches!(
        Keyring::from_wrapped(&kek, "tenant-a", &stored, missing),
        Err(KeyringError::UnknownKey(id)) if id == missing
    ));
}

#[test]
fn tampered_wrapped_keys_are_rejected() {
    let kek = Kek::generate();
    let key = DataKey::generate();
    let wrapped = kek.wrap("t", &key).unwrap();

    let mut bad = wrapped.clone();
    bad.ciphertext[0] ^= 1;
    assert!(matches!(
        kek.unwrap("t", &bad),
        Err(KeyringError::UnwrapFailed(_))
    ));

    let mut bad = wrapped.clone();
    bad.nonce[0] ^= 1;
    assert!(matches!(
        kek.unwrap("t", &bad),
        Err(KeyringError::UnwrapFailed(_))
    ));

    // Relabelling a wrapped key as another id is caught: the id is bound as associated data.
    let mut bad = wrapped.clone();
    bad.id = DataKeyId::generate();
    assert!(matches!(
        kek.unwrap("t", &bad),
        Err(KeyringError::UnwrapFailed(_))
    ));

    assert_eq!(kek.unwrap("t", &wrapped).unwrap().id(), key.id());
}

#[test]
fn rewrap_moves_keys_to_a_new_kek_without_touching_ciphertexts() {
    let old_kek = Kek::generate();
    let new_kek = Kek::generate();
    let ring = Keyring::generate("t");
    let ct = ring.encrypt(b"kept", b"").unwrap();
    let key = ring.key(ring.active_key_id()).unwrap();
    let wrapped = old_kek.wrap("t", key).unwrap();

    let rewrapped = old_kek.rewrap(&new_kek, "t", &wrapped).unwrap();
    assert_eq!(&rewrapped.kek_id, new_kek.id());
    assert_eq!(rewrapped.id, wrapped.id);
    let loaded = Keyring::from_wrapped(&new_kek, "t", &[rewrapped], ring.active_key_id()).unwrap();
    assert_eq!(loaded.decrypt(&ct, b"").unwrap(), b"kept");
    assert!(matches!(
        new_kek.rewrap(&old_kek, "t", &wrapped),
        Err(KeyringError::KekMismatch { .. })
    ));
}

#[test]
fn kek_text_form() {
    let kek = Kek::from_bytes([42u8; KEY_LEN]);
    let parsed = Kek::from_text(&kek.to_text()).unwrap();
    assert_eq!(parsed.id(), kek.id());
    let err = Kek::from_text("c2hvcnQ=").unwrap_err();
    assert!(matches!(err, KeyringError::InvalidKek { .. }));
    assert!(err.to_string().contains("44 characters"), "{err}");
    assert!(!format!("{kek:?}").contains(kek.to_text().as_str()));
}

#[test]
fn load_or_create_makes_a_private_file_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/keys/kek");

    let made = Kek::load_or_create(&path).unwrap();
    assert!(made.created);
    assert_eq!(made.loose_permissions, None);

    let loaded = Kek::load_or_create(&path).unwrap();
    assert!(!loaded.created);
    assert_eq!(loaded.kek.id(), made.kek.id());

    // Only the key file is left behind: no temporary files.
    let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, [std::ffi::OsString::from("kek")]);

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let loose = Kek::load_or_create(&path).unwrap();
        assert_eq!(loose.loose_permissions, Some(0o644));
        assert_eq!(loose.kek.id(), made.kek.id());
    }
}

#[test]
fn load_or_create_never_overwrites_a_bad_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kek");
    std::fs::write(&path, "not a key\n").unwrap();
    assert!(matches!(
        Kek::load_or_create(&path),
        Err(KeyringError::InvalidKek { .. })
    ));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "not a key\n");
}

#[test]
fn load_or_create_reads_a_configured_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kek");
    let kek = Kek::generate();
    std::fs::write(&path, format!("{}\n", kek.to_text().as_str())).unwrap();
    let loaded = Kek::load_or_create(&path).unwrap();
    assert!(!loaded.created);
    assert_eq!(loaded.kek.id(), kek.id());
}

#[test]
fn load_or_create_reports_unusable_paths() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, "x").unwrap();
    let err = Kek::load_or_create(&blocker.join("kek")).unwrap_err();
    assert!(matches!(err, KeyringError::KekFile { .. }), "{err}");
}
