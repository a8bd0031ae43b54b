//! Pins our Ed25519 decisions on the C2SP/CCTV edge-case vectors: `verify_strict` accepts a
//! vector exactly when its only flags are `low_order_component_A` / `low_order_component_R`.

use std::collections::BTreeMap;

use ed25519_dalek::Verifier as _;
use probity_ledger::ed25519::verify_raw;

use crate::common::{read_json, testdata};

const TOLERATED: [&str; 2] = ["low_order_component_A", "low_order_component_R"];

#[test]
fn strict_verification_of_all_vectors() {
    let vectors = read_json(&testdata("ed25519/ed25519vectors.json"));
    let vectors = vectors.as_array().unwrap();
    assert_eq!(vectors.len(), 914);

    let mut accepted = 0;
    let mut lenient_accepted = 0;
    // flag -> (vectors with the flag, of which we reject)
    let mut by_flag: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for vector in vectors {
        let key = hex::decode(vector["key"].as_str().unwrap()).unwrap();
        let sig = hex::decode(vector["sig"].as_str().unwrap()).unwrap();
        let msg = vector["msg"].as_str().unwrap().as_bytes();
        let flags: Vec<&str> = vector["flags"]
            .as_array()
            .map(|f| f.iter().map(|v| v.as_str().unwrap()).collect())
            .unwrap_or_default();

        let ours = verify_raw(&key, msg, &sig).is_ok();
        let expected = flags.iter().all(|f| TOLERATED.contains(f));
        assert_eq!(
            ours, expected,
            "vector {} with flags {flags:?}",
            vector["number"]
        );
        accepted += usize::from(ours);
        for flag in &flags {
            let entry = by_flag.entry((*flag).to_owned()).or_default();
            entry.0 += 1;
            entry.1 += usize::from(!ours);
        }

        // For the record: dalek's plain (cofactorless, non-strict) `verify`.
        let key: [u8; 32] = key.as_slice().try_into().unwrap();
        let sig = ed25519_dalek::Signature::from_slice(&sig).unwrap();
        if let Ok(k) = ed25519_dalek::VerifyingKey::from_bytes(&key) {
            lenient_accepted += usize::from(k.verify(msg, &sig).is_ok());
        }
    }
    assert_eq!(accepted, 43);
    assert_eq!(vectors.len() - accepted, 871);
    for flag in [
        "low_order_A",
        "low_order_R",
        "non_canonical_A",
        "non_canonical_R",
        "low_order_residue",
        "reencoded_k",
    ] {
        let (total, rejected) = by_flag[flag];
        assert_eq!(total, rejected, "every {flag} vector is rejected");
    }
    // Strictness is what rejects the small-order keys and points: the plain check accepts more.
    assert!(lenient_accepted > accepted, "{lenient_accepted}");
}
