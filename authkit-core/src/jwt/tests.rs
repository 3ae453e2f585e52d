//! Tests of minting, validation, keys and the ring.

use jsonwebtoken::{Validation, crypto};
use serde_json::{Value, json};
use time::macros::datetime;

use super::*;

const RSA_PEM: &[u8] = include_bytes!("../../tests/keys/rsa.pem");
const RSA_PUB_PEM: &[u8] = include_bytes!("../../tests/keys/rsa.pub.pem");
const RSA_1024_PEM: &[u8] = include_bytes!("../../tests/keys/rsa1024.pem");
const RSA_1024_PUB_PEM: &[u8] = include_bytes!("../../tests/keys/rsa1024.pub.pem");
const EC_PEM: &[u8] = include_bytes!("../../tests/keys/ec.pem");
const EC_PUB_PEM: &[u8] = include_bytes!("../../tests/keys/ec.pub.pem");
const ED_PEM: &[u8] = include_bytes!("../../tests/keys/ed25519.pem");
const ED_PUB_PEM: &[u8] = include_bytes!("../../tests/keys/ed25519.pub.pem");

const SECRET: &[u8] = b"test secret, exactly 32 bytes!!!";
const ISSUER: &str = "https://auth.example.com";
const AUDIENCE: &str = "api";
const NOW: OffsetDateTime = datetime!(2030-01-01 00:00 UTC);
const TTL_SECONDS: i64 = 900;
const LEEWAY_SECONDS: i64 = 10;

/// A codec for `key` with a verified-token cache of `capacity` (0: none).
fn cached_codec(key: JwtKey, capacity: usize) -> JwtCodec {
    JwtCodec::new(
        KeyRing::new(key),
        "iss".into(),
        "aud".into(),
        Duration::minutes(15),
        Duration::ZERO,
    )
    .with_verified_cache(capacity)
}

#[test]
fn the_verified_cache_serves_asymmetric_tokens_and_still_checks_expiry() {
    let key = JwtKey::from_private_pem("ec-1", JwtAlgorithm::Es256, EC_PEM).unwrap();
    let codec = cached_codec(key, 8);
    let now = OffsetDateTime::now_utc();
    let (token, claims) = codec
        .mint(Uuid::now_v7(), Uuid::now_v7(), &Role::user(), now)
        .unwrap();
    assert_eq!(*codec.validate(&token, now).unwrap(), claims);
    let cache = codec.inner.cache.as_ref().expect("enabled for ES256");
    assert_eq!(
        cache.len(),
        0,
        "a token is admitted on its second verification"
    );
    assert_eq!(*codec.validate(&token, now).unwrap(), claims);
    assert_eq!(cache.len(), 1);
    assert_eq!(
        *codec.validate(&token, now).unwrap(),
        claims,
        "served from the cache"
    );
    let err = codec
        .validate(&token, now + Duration::minutes(15))
        .unwrap_err();
    assert!(
        matches!(err, AuthError::InvalidAccessToken("expired")),
        "{err:?}"
    );
    let mut tampered = token.clone();
    tampered.push('A');
    assert!(
        codec.validate(&tampered, now).is_err(),
        "another string is verified afresh"
    );
    assert_eq!(cache.len(), 1);
}

#[test]
fn the_cache_serves_hs256_tokens_too_and_can_be_turned_off() {
    let codec = |capacity| cached_codec(JwtKey::hs256("k", SECRET).unwrap(), capacity);
    let cached = codec(8);
    let now = OffsetDateTime::now_utc();
    let (token, claims) = cached
        .mint(Uuid::now_v7(), Uuid::now_v7(), &Role::user(), now)
        .unwrap();
    assert_eq!(*cached.validate(&token, now).unwrap(), claims);
    assert_eq!(*cached.validate(&token, now).unwrap(), claims);
    assert_eq!(cached.inner.cache.as_ref().unwrap().len(), 1);
    assert!(codec(0).inner.cache.is_none());
}

#[test]
fn a_cache_hit_shares_the_claims_and_a_changed_payload_is_verified_afresh() {
    let codec = cached_codec(JwtKey::hs256("k", SECRET).unwrap(), 8);
    let now = OffsetDateTime::now_utc();
    let (token, _) = codec
        .mint(Uuid::now_v7(), Uuid::now_v7(), &Role::user(), now)
        .unwrap();
    codec.validate(&token, now).unwrap(); // first sighting: not admitted yet
    let first = codec.validate(&token, now).unwrap();
    let second = codec.validate(&token, now).unwrap();
    assert!(Arc::ptr_eq(&first, &second), "a hit copies nothing");

    // Same signature (same bucket), another payload: a lookup miss, then a bad signature.
    let (header, rest) = token.split_once('.').unwrap();
    let (_, signature) = rest.rsplit_once('.').unwrap();
    let mut admin_claims = (*first).clone();
    admin_claims.role = Role::admin();
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&admin_claims).unwrap());
    let forged = format!("{header}.{payload}.{signature}");
    let err = codec.validate(&forged, now).unwrap_err();
    assert!(
        matches!(err, AuthError::InvalidAccessToken("bad signature")),
        "{err:?}"
    );
    assert_eq!(codec.inner.cache.as_ref().unwrap().len(), 1);
}

fn hs_key() -> JwtKey {
    JwtKey::hs256("hs-1", SECRET).unwrap()
}

fn rsa_key() -> JwtKey {
    JwtKey::from_private_pem("rsa-1", JwtAlgorithm::Rs256, RSA_PEM).unwrap()
}

fn ec_key() -> JwtKey {
    JwtKey::from_private_pem("ec-1", JwtAlgorithm::Es256, EC_PEM).unwrap()
}

fn ed_key() -> JwtKey {
    JwtKey::from_private_pem("ed-1", JwtAlgorithm::EdDsa, ED_PEM).unwrap()
}

fn codec_with(keys: KeyRing) -> JwtCodec {
    JwtCodec::new(
        keys,
        ISSUER.to_owned(),
        AUDIENCE.to_owned(),
        Duration::seconds(TTL_SECONDS),
        Duration::seconds(LEEWAY_SECONDS),
    )
}

fn codec(key: JwtKey) -> JwtCodec {
    codec_with(KeyRing::new(key))
}

fn mint(codec: &JwtCodec) -> (String, AccessClaims) {
    codec
        .mint(Uuid::now_v7(), Uuid::now_v7(), &Role::user(), NOW)
        .unwrap()
}

/// The reason of an `InvalidAccessToken` rejection.
fn reason<T: std::fmt::Debug>(result: Result<T, AuthError>) -> &'static str {
    match result {
        Err(AuthError::InvalidAccessToken(reason)) => reason,
        other => panic!("expected InvalidAccessToken, got {other:?}"),
    }
}

fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn header(alg: &str, kid: &str) -> Value {
    json!({ "alg": alg, "kid": kid, "typ": "at+jwt" })
}

fn claims() -> Value {
    let now = NOW.unix_timestamp();
    json!({
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": Uuid::now_v7(),
        "sid": Uuid::now_v7(),
        "role": "user",
        "iat": now,
        "nbf": now,
        "exp": now + TTL_SECONDS,
        "jti": Uuid::now_v7(),
    })
}

/// A hand-made token: `header` and `claims` as JSON, signed with jsonwebtoken.
fn forge(header: &Value, claims: &Value, key: &EncodingKey, alg: Algorithm) -> String {
    install_crypto_provider();
    let signed = format!("{}.{}", b64(header.to_string()), b64(claims.to_string()));
    let signature = crypto::sign(signed.as_bytes(), key, alg).unwrap();
    format!("{signed}.{signature}")
}

/// A hand-made token signed with the `hs-1` secret.
fn forge_hs(header: &Value, claims: &Value) -> String {
    forge(
        header,
        claims,
        &EncodingKey::from_secret(SECRET),
        Algorithm::HS256,
    )
}

/// A token whose payload is exactly `payload`, signed with the `hs-1` secret.
fn forge_hs_raw(payload: &str) -> String {
    install_crypto_provider();
    let signed = format!(
        "{}.{}",
        b64(header("HS256", "hs-1").to_string()),
        b64(payload)
    );
    let key = EncodingKey::from_secret(SECRET);
    let signature = crypto::sign(signed.as_bytes(), &key, Algorithm::HS256).unwrap();
    format!("{signed}.{signature}")
}

/// The minted layout with `iat`, `nbf` and `exp` written as given.
fn minted_payload(iat: &str, nbf: &str, exp: &str) -> String {
    format!(
        r#"{{"iss":"{ISSUER}","aud":"{AUDIENCE}","sub":"{}","sid":"{}","role":"user","iat":{iat},"nbf":{nbf},"exp":{exp},"jti":"{}"}}"#,
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7()
    )
}

#[test]
fn the_fast_claims_path_decides_exactly_as_the_general_parser() {
    let codec = codec(hs_key());
    let now = NOW.unix_timestamp().to_string();
    let exp = (NOW.unix_timestamp() + TTL_SECONDS).to_string();
    let cases = [
        minted_payload(&now, &now, &exp),
        minted_payload(&now, "-0", &exp),
        minted_payload("-0", &now, &exp),
        minted_payload(&now, "-1", &exp),
        minted_payload("0", "0", &exp),
        minted_payload(&now, &now, "-0"),
    ];
    for payload in &cases {
        // A leading space keeps the payload's meaning but forces the general parser.
        let general = format!(" {payload}");
        let fast = codec.validate(&forge_hs_raw(payload), NOW);
        let slow = codec.validate(&forge_hs_raw(&general), NOW);
        assert_eq!(
            fast.as_ref()
                .map(|c| (c.iat, c.nbf, c.exp))
                .map_err(|e| e.to_string()),
            slow.as_ref()
                .map(|c| (c.iat, c.nbf, c.exp))
                .map_err(|e| e.to_string()),
            "{payload}"
        );
    }
    assert!(
        codec
            .validate(&forge_hs_raw(&minted_payload(&now, "-0", &exp)), NOW)
            .is_err(),
        "`-0` is not an integer to serde"
    );
}

fn without(mut value: Value, member: &str) -> Value {
    value.as_object_mut().unwrap().remove(member);
    value
}

fn with(mut value: Value, member: &str, new: Value) -> Value {
    value[member] = new;
    value
}

fn assert_round_trip(key: JwtKey) {
    let kid = key.kid().to_owned();
    let alg = key.algorithm();
    let codec = codec(key);
    let user = Uuid::now_v7();
    let session = Uuid::now_v7();
    let role = Role::new("hr").unwrap();

    let (token, claims) = codec.mint(user, session, &role, NOW).unwrap();

    let quoted_kid = serde_json::to_string(&kid).unwrap();
    let expected_header = format!(r#"{{"alg":"{alg}","kid":{quoted_kid},"typ":"at+jwt"}}"#);
    let header_segment = token.split('.').next().unwrap();
    assert_eq!(
        URL_SAFE_NO_PAD.decode(header_segment).unwrap(),
        expected_header.as_bytes()
    );
    assert_eq!(claims.iss, ISSUER);
    assert_eq!(claims.aud, AUDIENCE);
    assert_eq!((claims.sub, claims.sid), (user, session));
    assert_eq!(claims.role, role);
    assert_eq!(claims.iat, NOW.unix_timestamp());
    assert_eq!(claims.nbf, NOW.unix_timestamp());
    assert_eq!(claims.exp, NOW.unix_timestamp() + TTL_SECONDS);
    assert_eq!(claims.jti.get_version_num(), 7);
    assert_eq!(*codec.validate(&token, NOW).unwrap(), claims);
}

#[test]
fn hs256_token_round_trips() {
    assert_round_trip(hs_key());
}

#[test]
fn rs256_token_round_trips() {
    assert_round_trip(rsa_key());
}

#[test]
fn es256_token_round_trips() {
    assert_round_trip(ec_key());
}

#[test]
fn eddsa_token_round_trips() {
    assert_round_trip(ed_key());
}

#[test]
fn minted_tokens_carry_fresh_jtis() {
    let codec = codec(hs_key());
    assert_ne!(mint(&codec).1.jti, mint(&codec).1.jti);
}

#[test]
fn kid_needing_json_escapes_round_trips() {
    assert_round_trip(JwtKey::hs256(r#"2024 "q\1""#, SECRET).unwrap());
}

#[test]
fn validation_uses_the_given_time_not_the_system_clock() {
    let codec = codec(hs_key());
    let long_ago = datetime!(2001-02-03 04:05 UTC);
    let (token, claims) = codec
        .mint(Uuid::now_v7(), Uuid::now_v7(), &Role::admin(), long_ago)
        .unwrap();
    assert_eq!(
        *codec
            .validate(&token, long_ago + Duration::minutes(1))
            .unwrap(),
        claims
    );
}

#[test]
fn hand_made_header_in_another_member_order_is_accepted() {
    let header = json!({ "typ": "at+jwt", "kid": "hs-1", "alg": "HS256", "x-extra": 1 });
    let token = forge_hs(&header, &claims());
    // Not byte-for-byte what authkit mints: this goes through the strict header parser.
    assert!(
        codec(hs_key())
            .keys()
            .key_minting_header(token.split('.').next().unwrap())
            .is_none()
    );
    assert!(codec(hs_key()).validate(&token, NOW).is_ok());
}

#[test]
fn typ_application_at_jwt_in_any_case_is_accepted() {
    let codec = codec(hs_key());
    for typ in ["application/at+jwt", "AT+JWT", "Application/At+Jwt"] {
        let token = forge_hs(&with(header("HS256", "hs-1"), "typ", json!(typ)), &claims());
        assert!(codec.validate(&token, NOW).is_ok(), "typ {typ}");
    }
}

#[test]
fn alg_none_is_rejected() {
    let codec = codec(hs_key());
    let unsigned = format!(
        "{}.{}",
        b64(header("none", "hs-1").to_string()),
        b64(claims().to_string())
    );
    assert_eq!(
        reason(codec.validate(&format!("{unsigned}."), NOW)),
        "malformed token"
    );
    assert_eq!(
        reason(codec.validate(&format!("{unsigned}.AAAA"), NOW)),
        "algorithm mismatch"
    );
}

#[test]
fn hs256_token_signed_with_the_rsa_public_key_is_rejected_for_an_rs256_kid() {
    let codec = codec(rsa_key());
    let token = forge(
        &header("HS256", "rsa-1"),
        &claims(),
        &EncodingKey::from_secret(RSA_PUB_PEM),
        Algorithm::HS256,
    );
    assert_eq!(reason(codec.validate(&token, NOW)), "algorithm mismatch");
}

#[test]
fn token_of_another_algorithm_than_the_keys_is_rejected() {
    let codec = codec_with(
        KeyRing::new(rsa_key())
            .with_verification_key(ec_key())
            .unwrap(),
    );
    let es256 = EncodingKey::from_ec_pem(EC_PEM).unwrap();
    let token = forge(
        &header("ES256", "rsa-1"),
        &claims(),
        &es256,
        Algorithm::ES256,
    );
    assert_eq!(reason(codec.validate(&token, NOW)), "algorithm mismatch");
}

#[test]
fn wrong_typ_is_rejected() {
    let codec = codec(hs_key());
    for typ in [json!("JWT"), json!("at+jwt2"), json!(null)] {
        let token = forge_hs(&with(header("HS256", "hs-1"), "typ", typ), &claims());
        assert_eq!(reason(codec.validate(&token, NOW)), "wrong token type");
    }
}

#[test]
fn missing_typ_is_rejected() {
    let token = forge_hs(&without(header("HS256", "hs-1"), "typ"), &claims());
    assert_eq!(
        reason(codec(hs_key()).validate(&token, NOW)),
        "wrong token type"
    );
}

#[test]
fn crit_header_is_rejected() {
    let header = with(header("HS256", "hs-1"), "crit", json!(["exp"]));
    let token = forge_hs(&header, &claims());
    assert_eq!(
        reason(codec(hs_key()).validate(&token, NOW)),
        "critical header"
    );
}

#[test]
fn header_with_a_duplicate_member_is_rejected() {
    install_crypto_provider();
    let header = r#"{"alg":"none","alg":"HS256","kid":"hs-1","typ":"at+jwt"}"#;
    let signed = format!("{}.{}", b64(header), b64(claims().to_string()));
    let signature = crypto::sign(
        signed.as_bytes(),
        &EncodingKey::from_secret(SECRET),
        Algorithm::HS256,
    )
    .unwrap();
    let token = format!("{signed}.{signature}");
    assert_eq!(
        reason(codec(hs_key()).validate(&token, NOW)),
        "malformed header"
    );
}

#[test]
fn header_that_is_not_a_json_object_is_rejected() {
    let codec = codec(hs_key());
    for header in [r#"["HS256","at+jwt","hs-1"]"#, "null", "not json"] {
        let token = format!("{}.{}.AAAA", b64(header), b64(claims().to_string()));
        assert_eq!(
            reason(codec.validate(&token, NOW)),
            "malformed header",
            "{header}"
        );
    }
}

#[test]
fn unknown_kid_is_rejected() {
    let token = forge_hs(&header("HS256", "hs-2"), &claims());
    assert_eq!(reason(codec(hs_key()).validate(&token, NOW)), "unknown key");
}

#[test]
fn missing_kid_is_rejected() {
    let token = forge_hs(&without(header("HS256", "hs-1"), "kid"), &claims());
    assert_eq!(reason(codec(hs_key()).validate(&token, NOW)), "missing kid");
}

#[test]
fn token_signed_by_another_key_with_the_same_kid_is_rejected() {
    let other = JwtKey::hs256("hs-1", b"another secret of at least 32 bytes").unwrap();
    let (token, _) = mint(&codec(other));
    assert_eq!(
        reason(codec(hs_key()).validate(&token, NOW)),
        "bad signature"
    );
}

#[test]
fn jwk_jku_x5u_and_x5c_headers_do_not_choose_the_key() {
    install_crypto_provider();
    // An attacker's own Ed25519 key (PKCS#8 v1 = fixed 16-byte prefix + 32-byte seed).
    let mut der = vec![
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04,
        0x20,
    ];
    der.extend_from_slice(&[7; 32]);
    let attacker = EncodingKey::from_ed_der(&der);
    let attacker_jwk = Jwk::from_encoding_key(&attacker, Algorithm::EdDSA).unwrap();
    let mut attack = header("EdDSA", "ed-1");
    attack["jwk"] = serde_json::to_value(&attacker_jwk).unwrap();
    attack["jku"] = json!("https://attacker.example/jwks.json");
    attack["x5u"] = json!("https://attacker.example/cert.pem");
    attack["x5c"] = json!(["MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"]);
    let codec = codec(ed_key());

    let forged = forge(&attack, &claims(), &attacker, Algorithm::EdDSA);
    assert_eq!(reason(codec.validate(&forged, NOW)), "bad signature");

    // The same header on a token the ring's key signed: the extra members are ignored.
    let genuine_key = EncodingKey::from_ed_pem(ED_PEM).unwrap();
    let genuine = forge(&attack, &claims(), &genuine_key, Algorithm::EdDSA);
    assert!(codec.validate(&genuine, NOW).is_ok());
}

#[test]
fn wrong_issuer_is_rejected() {
    let token = forge_hs(
        &header("HS256", "hs-1"),
        &with(claims(), "iss", json!("evil")),
    );
    assert_eq!(
        reason(codec(hs_key()).validate(&token, NOW)),
        "wrong issuer"
    );
}

#[test]
fn wrong_audience_is_rejected() {
    let codec = codec(hs_key());
    for aud in [json!("other-api"), json!(["other-api", "web"]), json!([])] {
        let token = forge_hs(&header("HS256", "hs-1"), &with(claims(), "aud", aud));
        assert_eq!(reason(codec.validate(&token, NOW)), "wrong audience");
    }
}

#[test]
fn audience_array_containing_ours_is_accepted() {
    let claims = with(claims(), "aud", json!(["web", AUDIENCE]));
    let token = forge_hs(&header("HS256", "hs-1"), &claims);
    assert_eq!(codec(hs_key()).validate(&token, NOW).unwrap().aud, AUDIENCE);
}

#[test]
fn expired_token_is_rejected_once_the_leeway_has_passed() {
    let codec = codec(hs_key());
    let (token, _) = mint(&codec);
    let expiry = NOW + Duration::seconds(TTL_SECONDS);
    let limit = expiry + Duration::seconds(LEEWAY_SECONDS);
    assert_eq!(reason(codec.validate(&token, limit)), "expired");
    assert_eq!(
        reason(codec.validate(&token, limit + Duration::days(1))),
        "expired"
    );
}

#[test]
fn expired_token_is_accepted_within_the_leeway() {
    let codec = codec(hs_key());
    let (token, claims) = mint(&codec);
    let expiry = NOW + Duration::seconds(TTL_SECONDS);
    assert_eq!(*codec.validate(&token, expiry).unwrap(), claims);
    let last_second = expiry + Duration::seconds(LEEWAY_SECONDS - 1);
    assert_eq!(*codec.validate(&token, last_second).unwrap(), claims);
}

#[test]
fn token_without_leeway_expires_at_exp() {
    let codec = JwtCodec::new(
        KeyRing::new(hs_key()),
        ISSUER.to_owned(),
        AUDIENCE.to_owned(),
        Duration::seconds(TTL_SECONDS),
        Duration::seconds(-5),
    );
    let (token, _) = mint(&codec);
    let expiry = NOW + Duration::seconds(TTL_SECONDS);
    assert!(
        codec
            .validate(&token, expiry - Duration::seconds(1))
            .is_ok()
    );
    assert_eq!(reason(codec.validate(&token, expiry)), "expired");
}

#[test]
fn future_nbf_is_rejected_beyond_the_leeway() {
    let codec = codec(hs_key());
    let nbf = NOW.unix_timestamp() + LEEWAY_SECONDS + 1;
    let token = forge_hs(&header("HS256", "hs-1"), &with(claims(), "nbf", json!(nbf)));
    assert_eq!(reason(codec.validate(&token, NOW)), "not yet valid");
    assert!(codec.validate(&token, NOW + Duration::seconds(1)).is_ok());
}

#[test]
fn future_nbf_within_the_leeway_is_accepted() {
    let nbf = NOW.unix_timestamp() + LEEWAY_SECONDS;
    let token = forge_hs(&header("HS256", "hs-1"), &with(claims(), "nbf", json!(nbf)));
    assert_eq!(codec(hs_key()).validate(&token, NOW).unwrap().nbf, nbf);
}

#[test]
fn string_exp_is_rejected() {
    let exp = (NOW.unix_timestamp() + TTL_SECONDS).to_string();
    let token = forge_hs(&header("HS256", "hs-1"), &with(claims(), "exp", json!(exp)));
    assert_eq!(
        reason(codec(hs_key()).validate(&token, NOW)),
        "malformed claims"
    );
}

#[test]
fn fractional_exp_is_rejected() {
    let exp = NOW.unix_timestamp() as f64 + 0.5;
    let token = forge_hs(&header("HS256", "hs-1"), &with(claims(), "exp", json!(exp)));
    assert_eq!(
        reason(codec(hs_key()).validate(&token, NOW)),
        "malformed claims"
    );
}

#[test]
fn missing_required_claims_are_rejected() {
    let codec = codec(hs_key());
    for claim in [
        "exp", "sub", "iss", "aud", "sid", "role", "nbf", "iat", "jti",
    ] {
        let token = forge_hs(&header("HS256", "hs-1"), &without(claims(), claim));
        assert_eq!(
            reason(codec.validate(&token, NOW)),
            "malformed claims",
            "{claim}"
        );
    }
}

#[test]
fn missing_exp_is_rejected() {
    let token = forge_hs(&header("HS256", "hs-1"), &without(claims(), "exp"));
    assert_eq!(
        reason(codec(hs_key()).validate(&token, NOW)),
        "malformed claims"
    );
}

#[test]
fn missing_sub_is_rejected() {
    let token = forge_hs(&header("HS256", "hs-1"), &without(claims(), "sub"));
    assert_eq!(
        reason(codec(hs_key()).validate(&token, NOW)),
        "malformed claims"
    );
}

#[test]
fn non_uuid_sub_or_sid_is_rejected() {
    let codec = codec(hs_key());
    for claim in ["sub", "sid"] {
        let token = forge_hs(
            &header("HS256", "hs-1"),
            &with(claims(), claim, json!("42")),
        );
        assert_eq!(
            reason(codec.validate(&token, NOW)),
            "malformed claims",
            "{claim}"
        );
    }
}

#[test]
fn invalid_role_is_rejected() {
    let token = forge_hs(
        &header("HS256", "hs-1"),
        &with(claims(), "role", json!("Admin!")),
    );
    assert_eq!(
        reason(codec(hs_key()).validate(&token, NOW)),
        "malformed claims"
    );
}

#[test]
fn tampered_payload_is_rejected() {
    let codec = codec(hs_key());
    let (token, claims) = mint(&codec);
    let [header, _, signature] = token.split('.').collect::<Vec<_>>()[..] else {
        panic!("not three segments: {token}");
    };
    let admin = AccessClaims {
        role: Role::admin(),
        ..claims
    };
    let payload = b64(serde_json::to_vec(&admin).unwrap());
    let tampered = format!("{header}.{payload}.{signature}");
    assert_eq!(reason(codec.validate(&tampered, NOW)), "bad signature");
}

#[test]
fn tampered_signature_is_rejected() {
    for key in [hs_key(), rsa_key(), ec_key(), ed_key()] {
        let codec = codec(key);
        let (token, _) = mint(&codec);
        let (signed, signature) = token.rsplit_once('.').unwrap();
        let flipped = if signature.starts_with('A') { "B" } else { "A" };
        let tampered = format!("{signed}.{flipped}{}", &signature[1..]);
        assert_eq!(reason(codec.validate(&tampered, NOW)), "bad signature");
    }
}

#[test]
fn truncated_signature_is_rejected() {
    let codec = codec(hs_key());
    let (token, _) = mint(&codec);
    // 43 characters of HS256 signature cut to 40: still canonical base64url.
    let truncated = &token[..token.len() - 3];
    assert_eq!(reason(codec.validate(truncated, NOW)), "bad signature");
}

#[test]
fn garbage_is_rejected_as_malformed() {
    let codec = codec(hs_key());
    let (token, _) = mint(&codec);
    let (header, rest) = token.split_once('.').unwrap();
    let two_segments = format!("{header}.{}", rest.split_once('.').unwrap().0);
    let padded = format!("{token}==");
    let four_segments = format!("{token}.AAAA");
    let empty_payload = format!("{header}..AAAA");
    let inputs = [
        "",
        "garbage",
        "a.b",
        "...",
        "a.b.c.d",
        "a b.c.d",
        "é.b.c",
        &two_segments,
        &padded,
        &four_segments,
        &empty_payload,
    ];
    for input in inputs {
        assert_eq!(
            reason(codec.validate(input, NOW)),
            "malformed token",
            "{input:?}"
        );
    }
}

#[test]
fn non_canonical_base64_is_rejected_as_malformed() {
    // "AB" has non-zero trailing bits: a second spelling of the byte "AA" encodes.
    let token = format!("{}.AAAA.AB", hs_key().header);
    assert_eq!(
        reason(codec(hs_key()).validate(&token, NOW)),
        "malformed token"
    );
}

#[test]
fn oversize_token_is_rejected() {
    let codec = codec(hs_key());
    let (token, _) = mint(&codec);
    let oversize = format!("{token}{}", "A".repeat(MAX_TOKEN_LEN + 1 - token.len()));
    assert_eq!(oversize.len(), 8 * 1024 + 1);
    assert_eq!(reason(codec.validate(&oversize, NOW)), "token too long");
}

#[test]
fn old_key_still_validates_after_rotation_and_new_tokens_use_the_new_key() {
    let old = codec(hs_key());
    let (old_token, old_claims) = mint(&old);

    let ring = KeyRing::new(rsa_key())
        .with_verification_key(hs_key())
        .unwrap();
    let rotated = codec_with(ring);
    assert_eq!(rotated.keys().signing_kid(), "rsa-1");
    assert_eq!(*rotated.validate(&old_token, NOW).unwrap(), old_claims);

    let (new_token, new_claims) = mint(&rotated);
    let header = URL_SAFE_NO_PAD
        .decode(new_token.split('.').next().unwrap())
        .unwrap();
    assert_eq!(header, br#"{"alg":"RS256","kid":"rsa-1","typ":"at+jwt"}"#);
    assert_eq!(*rotated.validate(&new_token, NOW).unwrap(), new_claims);
    assert_eq!(reason(old.validate(&new_token, NOW)), "unknown key");
}

#[test]
fn old_key_tokens_are_rejected_once_the_key_leaves_the_ring() {
    let (old_token, _) = mint(&codec(hs_key()));
    assert_eq!(
        reason(codec(rsa_key()).validate(&old_token, NOW)),
        "unknown key"
    );
}

#[test]
fn public_pem_key_verifies_tokens_of_its_private_key() {
    for (alg, private, public) in [
        (JwtAlgorithm::Rs256, RSA_PEM, RSA_PUB_PEM),
        (JwtAlgorithm::Es256, EC_PEM, EC_PUB_PEM),
        (JwtAlgorithm::EdDsa, ED_PEM, ED_PUB_PEM),
    ] {
        let retired = JwtKey::from_private_pem("old", alg, private).unwrap();
        let (token, claims) = mint(&codec(retired));
        let verify_only = JwtKey::from_public_pem("old", alg, public).unwrap();
        assert!(!verify_only.can_sign());
        let ring = KeyRing::new(hs_key())
            .with_verification_key(verify_only)
            .unwrap();
        assert_eq!(
            *codec_with(ring).validate(&token, NOW).unwrap(),
            claims,
            "{alg}"
        );
    }
}

#[test]
fn duplicate_kid_is_a_config_error() {
    let err = KeyRing::new(hs_key())
        .with_verification_key(hs_key())
        .unwrap_err();
    assert_eq!(err.setting, "key_ring");
    assert!(err.message.contains("hs-1"), "{err}");
}

#[test]
fn verify_only_key_cannot_be_the_signing_key() {
    let public = JwtKey::from_public_pem("rsa-1", JwtAlgorithm::Rs256, RSA_PUB_PEM).unwrap();
    assert_eq!(KeyRing::try_new(public).unwrap_err().setting, "key_ring");
}

#[test]
#[should_panic(expected = "cannot sign")]
fn key_ring_new_panics_on_a_verify_only_key() {
    let public = JwtKey::from_public_pem("ec-1", JwtAlgorithm::Es256, EC_PUB_PEM).unwrap();
    let _ = KeyRing::new(public);
}

#[test]
fn short_hs256_secret_is_a_config_error() {
    let err = JwtKey::hs256("hs-1", &SECRET[..31]).unwrap_err();
    assert_eq!(err.setting, "hs256_secret");
    assert!(err.message.contains("32 bytes"), "{err}");
}

#[test]
fn empty_kid_is_a_config_error() {
    assert_eq!(JwtKey::hs256("", SECRET).unwrap_err().setting, "key_ring");
}

#[test]
fn unusable_private_pem_is_a_config_error() {
    let cases: [(JwtAlgorithm, &[u8]); 9] = [
        (JwtAlgorithm::Rs256, b"not a pem"),
        (JwtAlgorithm::Rs256, EC_PEM),
        (JwtAlgorithm::Rs256, RSA_PUB_PEM),
        (JwtAlgorithm::Es256, RSA_PEM),
        (JwtAlgorithm::Es256, ED_PEM),
        (JwtAlgorithm::Es256, EC_PUB_PEM),
        (JwtAlgorithm::EdDsa, EC_PEM),
        (JwtAlgorithm::EdDsa, ED_PUB_PEM),
        (JwtAlgorithm::Hs256, RSA_PEM),
    ];
    for (alg, pem) in cases {
        let err = JwtKey::from_private_pem("k", alg, pem).unwrap_err();
        assert_eq!(err.setting, "jwt_private_key", "{alg}: {err}");
    }
}

#[test]
fn unusable_public_pem_is_a_config_error() {
    let cases: [(JwtAlgorithm, &[u8]); 8] = [
        (JwtAlgorithm::Rs256, b"not a pem"),
        (JwtAlgorithm::Rs256, RSA_PEM),
        (JwtAlgorithm::Rs256, EC_PUB_PEM),
        (JwtAlgorithm::Es256, EC_PEM),
        (JwtAlgorithm::Es256, ED_PUB_PEM),
        (JwtAlgorithm::EdDsa, ED_PEM),
        (JwtAlgorithm::EdDsa, RSA_PUB_PEM),
        (JwtAlgorithm::Hs256, RSA_PUB_PEM),
    ];
    for (alg, pem) in cases {
        let err = JwtKey::from_public_pem("k", alg, pem).unwrap_err();
        assert_eq!(err.setting, "jwt_public_key", "{alg}: {err}");
    }
}

#[test]
fn rsa_keys_under_2048_bits_are_refused() {
    let private = JwtKey::from_private_pem("k", JwtAlgorithm::Rs256, RSA_1024_PEM).unwrap_err();
    assert_eq!(private.setting, "jwt_private_key");
    let public = JwtKey::from_public_pem("k", JwtAlgorithm::Rs256, RSA_1024_PUB_PEM).unwrap_err();
    assert_eq!(public.setting, "jwt_public_key");
    assert!(public.message.contains("2048 bits"), "{public}");
}

#[test]
fn jwks_holds_the_public_parts_of_asymmetric_keys_only() {
    let ec_public = JwtKey::from_public_pem("ec-old", JwtAlgorithm::Es256, EC_PUB_PEM).unwrap();
    let ring = KeyRing::new(rsa_key())
        .with_verification_key(ec_public)
        .and_then(|ring| ring.with_verification_key(ed_key()))
        .and_then(|ring| ring.with_verification_key(hs_key()))
        .unwrap();

    let jwks = serde_json::to_value(ring.jwks()).unwrap();
    let keys = jwks["keys"].as_array().unwrap();
    let summary: Vec<(&str, &str, &str, &str)> = keys
        .iter()
        .map(|jwk| {
            let field = |name: &str| jwk[name].as_str().unwrap_or("-");
            (field("kid"), field("alg"), field("use"), field("kty"))
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("rsa-1", "RS256", "sig", "RSA"),
            ("ec-old", "ES256", "sig", "EC"),
            ("ed-1", "EdDSA", "sig", "OKP"),
        ]
    );
    for jwk in keys {
        for private_member in ["d", "p", "q", "dp", "dq", "qi", "k"] {
            assert!(
                jwk.get(private_member).is_none(),
                "{private_member} in {jwk}"
            );
        }
    }
}

#[test]
fn hs256_ring_publishes_an_empty_jwks() {
    assert!(KeyRing::new(hs_key()).jwks().keys.is_empty());
}

#[test]
fn minted_tokens_verify_with_jsonwebtoken_and_the_published_jwks() {
    for key in [rsa_key(), ec_key(), ed_key()] {
        let alg = key.algorithm().jose();
        let codec = codec(key);
        let now = OffsetDateTime::now_utc();
        let (token, claims) = codec
            .mint(Uuid::now_v7(), Uuid::now_v7(), &Role::user(), now)
            .unwrap();
        let public = DecodingKey::from_jwk(&codec.keys().jwks().keys[0]).unwrap();
        let mut validation = Validation::new(alg);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        let decoded = jsonwebtoken::decode::<AccessClaims>(&token, &public, &validation);
        assert_eq!(decoded.unwrap().claims, claims, "{alg:?}");
    }
}

#[test]
fn debug_output_shows_no_key_material() {
    let pem_body = std::str::from_utf8(RSA_PEM)
        .unwrap()
        .lines()
        .nth(1)
        .unwrap();
    let secret = std::str::from_utf8(SECRET).unwrap();
    let ring = KeyRing::new(rsa_key())
        .with_verification_key(hs_key())
        .unwrap();
    let codec = codec_with(ring.clone());
    for debug in [
        format!("{:?}", hs_key()),
        format!("{:?}", rsa_key()),
        format!("{ring:?}"),
        format!("{codec:?}"),
    ] {
        assert!(!debug.contains(secret), "{debug}");
        assert!(!debug.contains(&b64(SECRET)), "{debug}");
        assert!(!debug.contains(pem_body), "{debug}");
        assert!(debug.contains("-1"), "kid missing from {debug}");
    }
    assert_eq!(
        format!("{:?}", hs_key()),
        r#"JwtKey { kid: "hs-1", alg: Hs256, .. }"#
    );
}

#[test]
fn algorithm_names_round_trip() {
    for alg in [
        JwtAlgorithm::Hs256,
        JwtAlgorithm::Rs256,
        JwtAlgorithm::Es256,
        JwtAlgorithm::EdDsa,
    ] {
        assert_eq!(JwtAlgorithm::parse(alg.as_str()), Some(alg));
    }
    assert_eq!(JwtAlgorithm::EdDsa.as_str(), "EdDSA");
    for unknown in ["none", "hs256", "HS512", "PS256", ""] {
        assert_eq!(JwtAlgorithm::parse(unknown), None, "{unknown}");
    }
}
