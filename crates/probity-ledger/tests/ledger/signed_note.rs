//! The signed-note example of the C2SP specification (from the shared test data README) and
//! the verification rules around it.

use probity_ledger::ed25519::{Ed25519NoteSigner, Ed25519NoteVerifier, SigningKey};
use probity_ledger::note::{Note, NoteError, NoteSignature, NoteVerifier, VerifierKey};

const KEY: &str = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
const NOTE: &str = "This is an example message.\n\n\u{2014} example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";

#[test]
fn spec_example_verifies() {
    let key = VerifierKey::parse(KEY).unwrap();
    assert_eq!(key.name(), "example.com/foo");
    assert_eq!(key.key_id(), 0x530d_903a);
    assert_eq!(key.key_type(), 0x01);
    assert_eq!(key.to_text(), KEY);
    let verifier = Ed25519NoteVerifier::from_key(&key).unwrap();

    let note = Note::parse(NOTE.as_bytes()).unwrap();
    assert_eq!(note.text(), "This is an example message.\n");
    assert_eq!(note.to_text(), NOTE);
    let verified = note.verify(&[&verifier]).unwrap();
    assert_eq!(verified.len(), 1);
    assert_eq!(verified[0].key_id(), 0x530d_903a);
}

#[test]
fn tampered_text_or_signature_is_rejected() {
    let verifier = Ed25519NoteVerifier::from_key_text(KEY).unwrap();
    let tampered = NOTE.replace("example message", "exemplary message");
    assert_eq!(
        Note::parse(tampered.as_bytes())
            .unwrap()
            .verify(&[&verifier]),
        Err(NoteError::BadSignature {
            name: "example.com/foo".to_owned()
        })
    );
    let note = Note::parse(NOTE.as_bytes()).unwrap();
    let original = &note.signatures()[0];
    let mut signature = original.signature().to_vec();
    signature[10] ^= 0x40;
    let forged = NoteSignature::new(original.name(), original.key_id(), signature).unwrap();
    let mut bad = Note::parse(NOTE.as_bytes()).unwrap();
    bad.add_signature(forged).unwrap();
    assert!(matches!(
        bad.verify(&[&verifier]),
        Err(NoteError::BadSignature { .. })
    ));
}

#[test]
fn unknown_keys_are_ignored_but_one_known_key_is_required() {
    let known = Ed25519NoteVerifier::from_key_text(KEY).unwrap();
    let mut note = Note::parse(NOTE.as_bytes()).unwrap();
    // Sixteen more signatures by other keys, some sharing the name or the ID of the known key.
    for i in 0..16u8 {
        let name = if i % 2 == 0 {
            "example.com/foo"
        } else {
            "other.example/key"
        };
        let id = if i % 3 == 0 {
            0x530d_903a
        } else {
            u32::from(i)
        };
        if name == "example.com/foo" && id == 0x530d_903a {
            continue;
        }
        note.add_signature(NoteSignature::new(name, id, vec![i; 64]).unwrap())
            .unwrap();
    }
    let text = note.to_text();
    let reparsed = Note::parse(text.as_bytes()).unwrap();
    assert!(reparsed.signatures().len() >= 12);
    assert_eq!(reparsed.verify(&[&known]).unwrap().len(), 1);

    let stranger = Ed25519NoteSigner::new("example.com/foo", SigningKey::from_bytes(&[1; 32]))
        .unwrap()
        .verifier();
    assert_ne!(stranger.key_id(), known.key_id());
    assert_eq!(
        reparsed.verify(&[&stranger]),
        Err(NoteError::NoVerifiedSignature)
    );
}

#[test]
fn sixteen_signers_all_verify() {
    let signers: Vec<Ed25519NoteSigner> = (0..16u8)
        .map(|i| {
            Ed25519NoteSigner::new(
                &format!("signer{i}.example/k"),
                SigningKey::from_bytes(&[i; 32]),
            )
            .unwrap()
        })
        .collect();
    let refs: Vec<&dyn probity_ledger::NoteSigner> = signers
        .iter()
        .map(|s| s as &dyn probity_ledger::NoteSigner)
        .collect();
    let note = Note::sign("sixteen\n", &refs).unwrap();
    let parsed = Note::parse(note.to_text().as_bytes()).unwrap();
    let verifiers: Vec<Ed25519NoteVerifier> =
        signers.iter().map(Ed25519NoteSigner::verifier).collect();
    let verifier_refs: Vec<&dyn NoteVerifier> =
        verifiers.iter().map(|v| v as &dyn NoteVerifier).collect();
    assert_eq!(parsed.verify(&verifier_refs).unwrap().len(), 16);
}

#[test]
fn signer_key_texts_round_trip() {
    let signer = Ed25519NoteSigner::new(
        "log.example/probity/acme",
        SigningKey::from_bytes(&[42; 32]),
    )
    .unwrap();
    let secret = signer.to_secret_text();
    assert!(secret.starts_with("PRIVATE+KEY+log.example/probity/acme+"));
    let restored = Ed25519NoteSigner::from_secret_text(&secret).unwrap();
    assert_eq!(restored.verifier(), signer.verifier());
    let public = signer.verifier_key().to_text();
    assert_eq!(
        Ed25519NoteVerifier::from_key_text(&public).unwrap(),
        signer.verifier()
    );
    let note = Note::sign("hello\n", &[&restored]).unwrap();
    assert!(note.verify(&[&signer.verifier()]).is_ok());
}
