use super::*;

const SECRET: &str = "0123456789abcdef0123456789abcdef";

#[test]
fn hs256_secret_under_32_bytes_is_refused() {
    let err = AuthConfig::builder()
        .hs256_secret(&SECRET[..31])
        .build()
        .unwrap_err();
    assert_eq!(err.setting, "hs256_secret");
    assert!(err.to_string().contains("32"), "{err}");
    assert!(AuthConfig::builder().hs256_secret(SECRET).build().is_ok());
}

#[test]
fn missing_key_is_an_error_naming_the_setting() {
    let err = AuthConfig::builder().build().unwrap_err();
    assert_eq!(err.setting, "hs256_secret");
}

#[test]
fn policy_minimum_below_8_is_refused() {
    let err = AuthConfig::builder()
        .hs256_secret(SECRET)
        .password_min_length(7)
        .build()
        .unwrap_err();
    assert_eq!(err.setting, "password_min_length");
    assert!(
        AuthConfig::builder()
            .hs256_secret(SECRET)
            .password_min_length(8)
            .build()
            .is_ok()
    );
}

#[test]
fn nonsensical_ttls_are_refused() {
    let base = || AuthConfig::builder().hs256_secret(SECRET);
    assert_eq!(
        base()
            .access_ttl(Duration::ZERO)
            .build()
            .unwrap_err()
            .setting,
        "access_ttl"
    );
    assert_eq!(
        base()
            .refresh_idle_ttl(Duration::days(40))
            .build()
            .unwrap_err()
            .setting,
        "refresh_absolute_ttl"
    );
    assert_eq!(
        base()
            .reset_token_ttl(Duration::days(30))
            .build()
            .unwrap_err()
            .setting,
        "reset_token_ttl"
    );
    assert_eq!(
        base().public_url("ftp://x").build().unwrap_err().setting,
        "public_url"
    );
}

#[test]
fn debug_output_of_config_and_builder_contains_no_secret() {
    let builder = AuthConfig::builder().hs256_secret(SECRET);
    assert!(!format!("{builder:?}").contains(SECRET));
    let config = builder.build().unwrap();
    let debug = format!("{config:?}");
    assert!(!debug.contains(SECRET), "{debug}");
    assert!(!debug.contains("0123456789abcdef"), "{debug}");
}

#[test]
fn throttle_delay_doubles_after_the_free_attempts_and_is_capped() {
    let t = LoginThrottle::default();
    assert_eq!(t.delay_after(4), Duration::ZERO);
    assert_eq!(t.delay_after(5), Duration::seconds(1));
    assert_eq!(t.delay_after(6), Duration::seconds(2));
    assert_eq!(t.delay_after(9), Duration::seconds(16));
    assert_eq!(t.delay_after(40), Duration::minutes(15));
    assert_eq!(t.delay_after(u32::MAX), Duration::minutes(15));
}
