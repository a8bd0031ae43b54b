//! API tokens, session ids and CSRF tokens.

use probity_crypto::token::API_TOKEN_PREFIX;
use probity_crypto::{
    ApiTokenSecret, CsrfKey, SecretHash, SessionId, TokenError, TokenId, csrf_token,
    parse_api_token, verify_csrf,
};
use proptest::prelude::*;
use secrecy::ExposeSecret as _;

#[test]
fn issued_tokens_parse_and_verify() {
    let (display, id, hash) = ApiTokenSecret::generate();
    let text = display.expose_secret();
    assert!(text.starts_with(API_TOKEN_PREFIX));
    let (parsed_id, secret) = parse_api_token(&format!("  {text}\n")).unwrap();
    assert_eq!(parsed_id, id);
    assert!(secret.verify(&hash));
    assert!(secret.verify(&SecretHash::from(hash.as_str().to_owned())));

    let (_, _, other_hash) = ApiTokenSecret::generate();
    assert!(!secret.verify(&other_hash));
    assert!(!secret.verify(&SecretHash::from(String::new())));
}

#[test]
fn a_changed_secret_does_not_verify() {
    let (display, _, hash) = ApiTokenSecret::generate();
    let mut text = display.expose_secret().to_owned();
    let last = text.pop().unwrap();
    text.push(if last == 'a' { 'b' } else { 'a' });
    let (_, secret) = parse_api_token(&text).unwrap();
    assert!(!secret.verify(&hash));
}

#[test]
fn bad_shapes_are_refused() {
    let id = "AbCdEf123456";
    let secret = "0123456789abcdefghijABCDEFGHIJ01";
    assert!(parse_api_token(&format!("prb_{id}_{secret}")).is_ok());
    assert_eq!(
        parse_api_token(&format!("ghp_{id}_{secret}")).unwrap_err(),
        TokenError::NotApiToken
    );
    assert_eq!(parse_api_token("").unwrap_err(), TokenError::NotApiToken);
    for bad in [
        "prb_".to_owned(),
        format!("prb_{id}{secret}"),
        format!("prb_{id}_{secret}x"),
        format!("prb_{id}_{}", &secret[1..]),
        format!("prb_{}_{secret}", &id[1..]),
        format!("prb_{id}_{secret}_extra"),
        format!("prb_{id}_{}-", &secret[1..]),
        format!("prb_{id}_{}é", &secret[2..]),
    ] {
        let err = parse_api_token(&bad).unwrap_err();
        assert_eq!(err, TokenError::MalformedApiToken, "{bad}");
        assert!(!err.to_string().contains(secret));
    }
}

#[test]
fn token_ids_are_validated_in_serde() {
    let id = TokenId::parse("AbCdEf123456").unwrap();
    let json = serde_json::to_string(&id).unwrap();
    assert_eq!(json, "\"AbCdEf123456\"");
    assert_eq!(serde_json::from_str::<TokenId>(&json).unwrap(), id);
    assert!(serde_json::from_str::<TokenId>("\"short\"").is_err());
    assert_eq!(
        TokenId::parse("AbCdEf12345_").unwrap_err(),
        TokenError::InvalidTokenId
    );
}

proptest! {
    #[test]
    fn parsing_arbitrary_text_never_panics(text in ".{0,80}") {
        let _ = parse_api_token(&text);
        let _ = SessionId::parse(&text);
    }

    #[test]
    fn prefixed_noise_is_rejected(rest in "[A-Za-z0-9_]{0,60}") {
        let text = format!("prb_{rest}");
        let ok = parse_api_token(&text).is_ok();
        let well_formed = rest.len() == 45
            && rest.as_bytes()[12] == b'_'
            && !rest[..12].contains('_')
            && !rest[13..].contains('_');
        prop_assert_eq!(ok, well_formed);
    }
}

#[test]
fn session_ids_round_trip_and_hash() {
    let session = SessionId::generate();
    let cookie = session.expose_secret();
    assert_eq!(cookie.len(), 43);
    assert!(
        cookie
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    );
    let parsed = SessionId::parse(cookie).unwrap();
    assert_eq!(parsed.hash(), session.hash());
    assert_eq!(session.hash().as_str().len(), 64);
    assert_ne!(SessionId::generate().hash(), session.hash());

    for bad in [
        "",
        "abc",
        &format!("{cookie}A"),
        &format!("{}+", &cookie[1..]),
    ] {
        assert_eq!(
            SessionId::parse(bad).unwrap_err(),
            TokenError::MalformedSessionId,
            "{bad}"
        );
    }
}

#[test]
fn csrf_tokens_are_bound_to_session_and_key() {
    let key = CsrfKey::generate();
    let session = SessionId::generate();
    let token = csrf_token(&key, &session);
    assert_eq!(token.len(), 43);
    assert_eq!(token, csrf_token(&key, &session), "stateless and stable");
    assert!(verify_csrf(&key, &session, &token));

    assert!(!verify_csrf(&key, &SessionId::generate(), &token));
    assert!(!verify_csrf(&CsrfKey::generate(), &session, &token));
    assert!(!verify_csrf(&key, &session, ""));
    assert!(!verify_csrf(&key, &session, &token[..42]));
    let mut tampered = token.clone().into_bytes();
    tampered[0] = if tampered[0] == b'A' { b'B' } else { b'A' };
    assert!(!verify_csrf(
        &key,
        &session,
        &String::from_utf8(tampered).unwrap()
    ));
}
