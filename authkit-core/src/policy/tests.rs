use super::*;

const EMAIL: &str = "Ada.Lovelace@Example.com";

fn default_policy() -> PasswordPolicy {
    PasswordPolicy::new(15).unwrap()
}

fn check(policy: &PasswordPolicy, password: &str) -> Result<(), PolicyViolation> {
    policy.check(&SecretString::from(password), EMAIL, Some("countess"))
}

#[test]
fn fourteen_code_points_are_too_short_and_fifteen_pass_at_the_default_minimum() {
    let policy = default_policy();
    assert_eq!(
        check(&policy, "lamp river oak"),
        Err(PolicyViolation::TooShort { min: 15 })
    );
    assert_eq!(code_points("lamp river oaks"), 15);
    assert_eq!(check(&policy, "lamp river oaks"), Ok(()));
}

#[test]
fn two_hundred_fifty_six_code_points_pass_and_two_hundred_fifty_seven_are_too_long() {
    let policy = default_policy();
    let unit = "quiet kettle orbit moon "; // 24 code points
    let long: String = unit.repeat(11).chars().take(256).collect();
    assert_eq!(code_points(&long), 256);
    assert_eq!(check(&policy, &long), Ok(()));

    let too_long = format!("{long}x");
    assert_eq!(code_points(&too_long), 257);
    assert_eq!(
        check(&policy, &too_long),
        Err(PolicyViolation::TooLong { max: 256 })
    );
}

#[test]
fn too_long_is_reported_even_for_a_password_of_one_repeated_character() {
    let policy = default_policy();
    assert_eq!(
        check(&policy, &"a".repeat(1000)),
        Err(PolicyViolation::TooLong { max: 256 })
    );
}

#[test]
fn a_single_code_point_emoji_counts_as_one() {
    let policy = default_policy();
    let password = "lamp river oak\u{1F600}"; // 14 letters and spaces + 😀
    assert_eq!(code_points(password), 15);
    assert_eq!(check(&policy, password), Ok(()));
    assert_eq!(
        check(&policy, "lamp river oa\u{1F600}"),
        Err(PolicyViolation::TooShort { min: 15 })
    );
}

#[test]
fn a_zwj_emoji_sequence_counts_each_of_its_code_points() {
    // woman + ZERO WIDTH JOINER + laptop: one glyph, three code points.
    assert_eq!(code_points("\u{1F469}\u{200D}\u{1F4BB}"), 3);
}

#[test]
fn length_is_counted_after_nfkc() {
    assert_eq!(normalize("\u{FB01}"), "fi");
    assert_eq!(code_points("\u{FB01}"), 2);
    assert_eq!(normalize("ＡＢＣ"), "ABC");
    assert_eq!(code_points("ＡＢＣ"), 3);

    let policy = default_policy();
    // 14 characters as typed, 15 code points once the ligature is expanded.
    let with_ligature = "lamp river o\u{FB01}";
    assert_eq!(with_ligature.chars().count(), 13);
    assert_eq!(code_points(with_ligature), 14);
    assert_eq!(
        check(&policy, with_ligature),
        Err(PolicyViolation::TooShort { min: 15 })
    );
    let expands_to_fifteen = "lamp river oa\u{FB01}";
    assert_eq!(expands_to_fifteen.chars().count(), 14);
    assert_eq!(check(&policy, expands_to_fifteen), Ok(()));
}

#[test]
fn blocklist_hits_are_case_insensitive() {
    let policy = PasswordPolicy::new(8).unwrap();
    assert_eq!(check(&policy, "password1"), Err(PolicyViolation::Common));
    assert_eq!(check(&policy, "Password1"), Err(PolicyViolation::Common));
    assert_eq!(
        check(&policy, "PASSWORDPASSWORD"),
        Err(PolicyViolation::Common)
    );
    assert_eq!(check(&policy, "QwertyUiop"), Err(PolicyViolation::Common));
    assert_eq!(check(&policy, "1q2w3e4r5t"), Err(PolicyViolation::Common));
}

#[test]
fn blocklist_is_matched_after_nfkc() {
    let policy = PasswordPolicy::new(8).unwrap();
    // Fullwidth letters normalise to "password1".
    assert_eq!(
        check(&policy, "ｐａｓｓｗｏｒｄ１"),
        Err(PolicyViolation::Common)
    );
}

#[test]
fn long_blocklisted_phrases_are_rejected_at_the_default_minimum() {
    let policy = default_policy();
    assert_eq!(
        check(&policy, "CorrectHorseBatteryStaple"),
        Err(PolicyViolation::Common)
    );
    assert_eq!(
        check(&policy, "correct horse battery staple"),
        Err(PolicyViolation::Common)
    );
    assert_eq!(
        check(&policy, "passwordpassword"),
        Err(PolicyViolation::Common)
    );
}

#[test]
fn the_email_its_local_part_and_the_username_are_rejected_case_insensitively() {
    let policy = PasswordPolicy::new(8).unwrap();
    let check = |password: &str| {
        policy.check(
            &SecretString::from(password),
            "Ada.Lovelace@Example.com",
            Some("TheCountess"),
        )
    };
    assert_eq!(
        check("ada.lovelace@example.com"),
        Err(PolicyViolation::MatchesAccount)
    );
    assert_eq!(
        check("ADA.LOVELACE@EXAMPLE.COM"),
        Err(PolicyViolation::MatchesAccount)
    );
    assert_eq!(check("Ada.Lovelace"), Err(PolicyViolation::MatchesAccount));
    assert_eq!(check("thecountess"), Err(PolicyViolation::MatchesAccount));
    assert_eq!(check("THECOUNTESS"), Err(PolicyViolation::MatchesAccount));
    assert_eq!(check("ada.lovelace.countess"), Ok(()));
}

#[test]
fn a_missing_username_only_checks_the_email() {
    let policy = rules_only(8);
    let password = SecretString::from("thecountess");
    assert_eq!(policy.check(&password, "ada@example.com", None), Ok(()));
}

#[test]
fn one_repeated_character_is_rejected() {
    let policy = default_policy();
    assert_eq!(
        check(&policy, "aaaaaaaaaaaaaaa"),
        Err(PolicyViolation::Repetitive)
    );
    assert_eq!(
        check(&policy, "AaAaAaAaAaAaAaAa"),
        Err(PolicyViolation::Repetitive)
    );
    assert_eq!(
        check(&policy, "\u{1F600}".repeat(15).as_str()),
        Err(PolicyViolation::Repetitive)
    );
    assert_eq!(
        check(&policy, &" ".repeat(20)),
        Err(PolicyViolation::Repetitive)
    );
}

#[test]
fn a_short_repeated_unit_is_rejected() {
    let policy = default_policy();
    assert_eq!(
        check(&policy, "abababababababab"),
        Err(PolicyViolation::Repetitive)
    );
    assert_eq!(
        check(&policy, "123123123123123"),
        Err(PolicyViolation::Repetitive)
    );
    assert_eq!(
        check(&policy, "Ab1!Ab1!Ab1!Ab1!"),
        Err(PolicyViolation::Repetitive)
    );
}

#[test]
fn sequential_runs_are_rejected() {
    let policy = default_policy();
    for run in [
        "abcdefghijklmnop",
        "ABCDEFGHIJKLMNOP",
        "ponmlkjihgfedcba",
        "uvwxyzabcdefghij",
        "123456789012345",
        "543210987654321",
    ] {
        assert_eq!(
            check(&policy, run),
            Err(PolicyViolation::Repetitive),
            "{run}"
        );
    }
    let policy = PasswordPolicy::new(8).unwrap();
    assert_eq!(check(&policy, "12345678"), Err(PolicyViolation::Repetitive));
}

#[test]
fn runs_that_are_only_partly_sequential_are_not_repetitive() {
    let policy = rules_only(8);
    assert_eq!(check(&policy, "abcdefgh1x"), Ok(()));
    assert_eq!(check(&policy, "1357913579135"), Ok(()));
}

#[test]
fn a_long_passphrase_is_accepted() {
    let policy = default_policy();
    assert_eq!(check(&policy, "vintage kettle orbits a quiet moon"), Ok(()));
    assert_eq!(
        check(&policy, "Grüße aus dem Schwarzwald, 2 Tassen Tee"),
        Ok(())
    );
}

#[test]
fn checks_run_in_the_documented_order() {
    let policy = PasswordPolicy::new(8).unwrap();
    // Too short wins over everything else.
    assert_eq!(
        policy.check(&SecretString::from("aaaa"), "aaaa@x.io", Some("aaaa")),
        Err(PolicyViolation::TooShort { min: 8 })
    );
    // Repetitive wins over matching the account.
    assert_eq!(
        policy.check(&SecretString::from("aaaaaaaa"), "aaaaaaaa@x.io", None),
        Err(PolicyViolation::Repetitive)
    );
    // Matching the account wins over the blocklist.
    assert_eq!(
        policy.check(&SecretString::from("password1"), "password1@x.io", None),
        Err(PolicyViolation::MatchesAccount)
    );
}

#[test]
fn min_length_outside_8_to_256_is_refused() {
    for bad in [0, 7, 257] {
        let err = PasswordPolicy::new(bad).unwrap_err();
        assert_eq!(err.setting, "password_min_length", "{bad}");
    }
    assert_eq!(PasswordPolicy::new(8).unwrap().min_length(), 8);
    assert_eq!(PasswordPolicy::new(256).unwrap().min_length(), 256);
    assert_eq!(PasswordPolicy::default().min_length(), 15);
}

#[test]
fn violations_display_a_reason_safe_to_show() {
    assert_eq!(
        PolicyViolation::TooShort { min: 15 }.to_string(),
        "must be at least 15 characters"
    );
    assert_eq!(
        PolicyViolation::TooLong { max: 256 }.to_string(),
        "must be at most 256 characters"
    );
    assert_eq!(
        PolicyViolation::Common.to_string(),
        "is a commonly used password"
    );
    assert_eq!(
        PolicyViolation::MatchesAccount.to_string(),
        "must not be your e-mail address or username"
    );
    assert_eq!(
        PolicyViolation::Repetitive.to_string(),
        "must not be a repeated or sequential run of characters"
    );
    assert_eq!(
        PolicyViolation::Guessable.to_string(),
        "is too easy to guess; a few uncommon words make a strong password"
    );
    assert_eq!(
        PolicyViolation::Breached.to_string(),
        "has appeared in a data breach; choose another one"
    );
    assert_eq!(
        PolicyViolation::Refused("must not contain the company's name".into()).to_string(),
        "must not contain the company's name"
    );
}

#[test]
fn blocklist_entries_are_normalised_reachable_and_numerous() {
    assert!(BLOCKLIST.len() >= 300, "{} entries", BLOCKLIST.len());
    let mut entries: Vec<&str> = BLOCKLIST.iter().copied().collect();
    entries.sort_unstable();
    let not_folded: Vec<&str> = entries.iter().copied().filter(|e| fold(e) != *e).collect();
    assert_eq!(not_folded, Vec::<&str>::new(), "not lower-case NFKC");
    let too_short: Vec<&str> = entries
        .iter()
        .copied()
        .filter(|e| code_points(e) < PasswordPolicy::MIN_ALLOWED)
        .collect();
    assert_eq!(too_short, Vec::<&str>::new(), "shorter than any minimum");
    let repetitive: Vec<&str> = entries
        .iter()
        .copied()
        .filter(|e| is_repetitive(e))
        .collect();
    assert_eq!(
        repetitive,
        Vec::<&str>::new(),
        "rejected as repetitive first"
    );
}

/// The default rules without the strength estimate, for the rules the estimator would also catch.
fn rules_only(min_length: usize) -> PasswordPolicy {
    PasswordPolicy::new(min_length)
        .unwrap()
        .with_min_strength(0)
        .unwrap()
}

#[test]
fn keyboard_walks_and_common_words_with_digits_are_guessable() {
    let policy = default_policy();
    for password in [
        "qwertyuiopasdfgh",
        "password123456789",
        "iloveyou12345678",
        "qazwsxedcrfvtgby",
        "Pa$$w0rd12345678",
    ] {
        assert_eq!(
            check(&policy, password),
            Err(PolicyViolation::Guessable),
            "{password}"
        );
        assert_eq!(check(&rules_only(15), password), Ok(()), "{password}");
    }
}

#[test]
fn the_accounts_own_words_count_against_a_password() {
    let policy = default_policy();
    let password = SecretString::from("thecountess2024!");
    assert_eq!(
        policy.check(&password, "grace@example.com", Some("thecountess")),
        Err(PolicyViolation::Guessable)
    );
    assert_eq!(policy.check(&password, "grace@example.com", None), Ok(()));
}

#[test]
fn the_minimum_strength_is_configurable_from_0_to_4() {
    let password = "Summer2024Summer";
    assert_eq!(check(&default_policy(), password), Ok(()));
    let strict = default_policy().with_min_strength(4).unwrap();
    assert_eq!(check(&strict, password), Err(PolicyViolation::Guessable));
    assert_eq!(check(&strict, "vintage kettle orbits a quiet moon"), Ok(()));
    assert_eq!(default_policy().min_strength(), 3);
    assert_eq!(PasswordPolicy::default().min_strength(), 3);
    let err = default_policy().with_min_strength(5).unwrap_err();
    assert_eq!(err.setting, "password_min_strength");
}

#[test]
fn the_estimate_runs_last() {
    // Common (the blocklist) is reported before the estimator would call it guessable.
    assert_eq!(
        check(&PasswordPolicy::new(8).unwrap(), "password1"),
        Err(PolicyViolation::Common)
    );
    assert_eq!(
        check(&default_policy(), "qwertyuiop"),
        Err(PolicyViolation::TooShort { min: 15 })
    );
}

#[test]
fn the_passphrases_the_readme_shows_are_accepted() {
    for password in [
        "tulips in the dishwasher at noon",
        "a long admin password of my own",
    ] {
        assert_eq!(
            default_policy().check(&SecretString::from(password), "admin@example.com", None),
            Ok(()),
            "{password}"
        );
    }
}
