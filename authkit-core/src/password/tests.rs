use argon2::PasswordHasher as _;

#[tokio::test]
async fn hashing_memory_is_bounded_by_the_permits() {
    let hasher = Arc::new(PasswordHasher::new(
        HashParams::insecure_fast_for_tests(),
        2,
    ));
    let jobs: Vec<_> = (0..16)
        .map(|i| {
            let hasher = Arc::clone(&hasher);
            tokio::spawn(async move {
                hasher
                    .hash(&SecretString::from(format!("password {i}")))
                    .await
            })
        })
        .collect();
    for job in jobs {
        job.await.unwrap().unwrap();
    }
    let areas = hasher.memory.areas.lock().unwrap().len();
    assert!((1..=2).contains(&areas), "{areas} areas for 2 permits");
}

#[tokio::test]
async fn hashes_interoperate_with_the_argon2_crate_both_ways() {
    use argon2::PasswordVerifier as _;
    let hasher = PasswordHasher::new(HashParams::insecure_fast_for_tests(), 1);
    let password = SecretString::from("interoperable passphrase");
    let ours = hasher.hash(&password).await.unwrap();
    let parsed = phc::PasswordHash::new(ours.as_str()).unwrap();
    assert!(
        Argon2::default()
            .verify_password(b"interoperable passphrase", &parsed)
            .is_ok()
    );
    let theirs = HashParams::insecure_fast_for_tests()
        .argon2()
        .unwrap()
        .hash_password(b"interoperable passphrase")
        .unwrap()
        .to_string();
    let verdict = hasher
        .verify(&password, &crate::model::PasswordHash::new(theirs))
        .await
        .unwrap();
    assert_eq!(
        verdict,
        Verification::Valid {
            needs_rehash: false
        }
    );
}
use super::*;

fn fast_hasher() -> PasswordHasher {
    PasswordHasher::new(HashParams::insecure_fast_for_tests(), 2)
}

fn secret(text: &str) -> SecretString {
    SecretString::from(text)
}

/// A hash made by another argon2 configuration, as a legacy system would have stored it.
fn argon2_hash(algorithm: Algorithm, version: Version, m: u32, t: u32, p: u32) -> PasswordHash {
    let params = Params::new(m, t, p, None).unwrap();
    let hash = Argon2::new(algorithm, version, params)
        .hash_password(b"legacy kettle orbits the moon")
        .unwrap();
    PasswordHash::new(hash.to_string())
}

fn is_unrecognised(result: &Result<Verification, AuthError>) -> bool {
    matches!(result, Err(AuthError::Hashing(msg)) if msg == UNRECOGNISED_FORMAT)
}

#[tokio::test]
async fn hash_then_verify_accepts_the_password_and_rejects_another() {
    let hasher = fast_hasher();
    let hash = hasher
        .hash(&secret("vintage kettle orbits a quiet moon"))
        .await
        .unwrap();
    assert_eq!(
        hasher
            .verify(&secret("vintage kettle orbits a quiet moon"), &hash)
            .await
            .unwrap(),
        Verification::Valid {
            needs_rehash: false
        }
    );
    assert_eq!(
        hasher
            .verify(&secret("vintage kettle orbits a quiet sun"), &hash)
            .await
            .unwrap(),
        Verification::Invalid
    );
}

#[tokio::test]
async fn default_params_produce_an_owasp_argon2id_phc_string() {
    let hasher = PasswordHasher::new(HashParams::default(), 1);
    assert_eq!(
        hasher.params(),
        HashParams {
            m_cost: 19456,
            t_cost: 2,
            p_cost: 1
        }
    );
    let hash = hasher
        .hash(&secret("vintage kettle orbits a quiet moon"))
        .await
        .unwrap();
    let phc = hash.as_str();
    assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
    // 16-byte salt and 32-byte output, unpadded base64.
    let fields: Vec<&str> = phc.split('$').collect();
    assert_eq!(fields.len(), 6);
    assert_eq!(fields[4].len(), 22);
    assert_eq!(fields[5].len(), 43);
}

#[tokio::test]
async fn each_hash_gets_its_own_salt() {
    let hasher = fast_hasher();
    let password = secret("vintage kettle orbits a quiet moon");
    let first = hasher.hash(&password).await.unwrap();
    let second = hasher.hash(&password).await.unwrap();
    assert_ne!(first.as_str(), second.as_str());
}

#[tokio::test]
async fn weaker_argon2_params_verify_and_need_a_rehash() {
    let current = PasswordHasher::new(HashParams::new(64, 2, 1).unwrap(), 2);
    let legacy = fast_hasher(); // m=8, t=1: weaker
    let password = secret("vintage kettle orbits a quiet moon");
    let old_hash = legacy.hash(&password).await.unwrap();
    assert_eq!(
        legacy.verify(&password, &old_hash).await.unwrap(),
        Verification::Valid {
            needs_rehash: false
        }
    );
    assert_eq!(
        current.verify(&password, &old_hash).await.unwrap(),
        Verification::Valid { needs_rehash: true }
    );
    assert_eq!(
        current
            .verify(&secret("wrong kettle"), &old_hash)
            .await
            .unwrap(),
        Verification::Invalid
    );

    let rehashed = current.hash(&password).await.unwrap();
    assert_eq!(
        current.verify(&password, &rehashed).await.unwrap(),
        Verification::Valid {
            needs_rehash: false
        }
    );
}

#[tokio::test]
async fn other_argon2_variants_and_versions_verify_and_need_a_rehash() {
    let hasher = fast_hasher();
    let password = secret("legacy kettle orbits the moon");
    for (name, stored) in [
        (
            "argon2i",
            argon2_hash(Algorithm::Argon2i, Version::V0x13, 8, 1, 1),
        ),
        (
            "argon2d",
            argon2_hash(Algorithm::Argon2d, Version::V0x13, 8, 1, 1),
        ),
        (
            "v=16",
            argon2_hash(Algorithm::Argon2id, Version::V0x10, 8, 1, 1),
        ),
        (
            "p=2",
            argon2_hash(Algorithm::Argon2id, Version::V0x13, 16, 1, 2),
        ),
    ] {
        assert_eq!(
            hasher.verify(&password, &stored).await.unwrap(),
            Verification::Valid { needs_rehash: true },
            "{name}"
        );
        assert_eq!(
            hasher
                .verify(&secret("wrong kettle"), &stored)
                .await
                .unwrap(),
            Verification::Invalid,
            "{name}"
        );
    }
    let argon2i = argon2_hash(Algorithm::Argon2i, Version::V0x13, 8, 1, 1);
    assert!(argon2i.as_str().starts_with("$argon2i$v=19$m=8,t=1,p=1$"));
}

#[cfg(feature = "bcrypt")]
#[tokio::test]
async fn bcrypt_hashes_verify_and_always_need_a_rehash() {
    let hasher = fast_hasher();
    let password = secret("legacy kettle orbits the moon");
    let generated = bcrypt::hash(password.expose(), 4).unwrap();
    assert!(generated.starts_with("$2b$04$"), "{generated}");
    for prefix in ["$2a$", "$2b$", "$2y$"] {
        let stored = PasswordHash::new(format!("{prefix}{}", &generated[4..]));
        assert_eq!(
            hasher.verify(&password, &stored).await.unwrap(),
            Verification::Valid { needs_rehash: true },
            "{prefix}"
        );
        assert_eq!(
            hasher
                .verify(&secret("wrong kettle"), &stored)
                .await
                .unwrap(),
            Verification::Invalid,
            "{prefix}"
        );
    }
}

#[cfg(feature = "bcrypt")]
#[tokio::test]
async fn a_2y_bcrypt_hash_made_by_php_verifies_and_needs_a_rehash() {
    // The example of PHP's `password_verify` manual page, made by `password_hash()`.
    let hasher = fast_hasher();
    let stored = PasswordHash::new("$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a");
    assert_eq!(
        hasher
            .verify(&secret("rasmuslerdorf"), &stored)
            .await
            .unwrap(),
        Verification::Valid { needs_rehash: true }
    );
    assert_eq!(
        hasher
            .verify(&secret("rasmuslerdorF"), &stored)
            .await
            .unwrap(),
        Verification::Invalid
    );
}

#[tokio::test]
async fn passwords_are_hashed_and_verified_in_nfkc_form() {
    let hasher = fast_hasher();
    let ligature = secret("\u{FB01}le cabinet under the stairs");
    let plain = secret("file cabinet under the stairs");
    let hash = hasher.hash(&ligature).await.unwrap();
    assert_eq!(
        hasher.verify(&plain, &hash).await.unwrap(),
        Verification::Valid {
            needs_rehash: false
        }
    );
    let hash = hasher.hash(&plain).await.unwrap();
    assert_eq!(
        hasher.verify(&ligature, &hash).await.unwrap(),
        Verification::Valid {
            needs_rehash: false
        }
    );
}

#[cfg(feature = "bcrypt")]
#[tokio::test]
async fn bcrypt_verification_also_tries_the_nfkc_form() {
    let hasher = fast_hasher();
    let ligature = secret("\u{FB01}le cabinet under the stairs");
    // A legacy system that normalised before hashing.
    let normalized = PasswordHash::new(bcrypt::hash("file cabinet under the stairs", 4).unwrap());
    assert_eq!(
        hasher.verify(&ligature, &normalized).await.unwrap(),
        Verification::Valid { needs_rehash: true }
    );
    // A legacy system that hashed the password as typed.
    let as_typed = PasswordHash::new(bcrypt::hash(ligature.expose(), 4).unwrap());
    assert_eq!(
        hasher.verify(&ligature, &as_typed).await.unwrap(),
        Verification::Valid { needs_rehash: true }
    );
}

#[tokio::test]
async fn verifications_count_one_per_verify_and_per_dummy_verify() {
    let hasher = fast_hasher();
    let password = secret("vintage kettle orbits a quiet moon");
    assert_eq!(hasher.verifications(), 0);

    let hash = hasher.hash(&password).await.unwrap();
    assert_eq!(hasher.verifications(), 0, "hashing is not a verification");

    hasher.verify(&password, &hash).await.unwrap();
    assert_eq!(hasher.verifications(), 1);
    hasher.verify(&secret("wrong"), &hash).await.unwrap();
    assert_eq!(hasher.verifications(), 2);

    // The first dummy verification also computes the dummy hash: still one verification.
    hasher.verify_dummy(&password).await;
    assert_eq!(hasher.verifications(), 3);
    hasher.verify_dummy(&password).await;
    assert_eq!(hasher.verifications(), 4);

    #[cfg(feature = "bcrypt")]
    {
        let legacy = PasswordHash::new(bcrypt::hash(password.expose(), 4).unwrap());
        hasher.verify(&password, &legacy).await.unwrap();
        assert_eq!(hasher.verifications(), 5);
    }
}

/// The PHP manual's example hash, made by `password_hash()`.
#[cfg(not(feature = "bcrypt"))]
#[tokio::test]
async fn without_the_bcrypt_feature_a_bcrypt_hash_is_a_hashing_error_after_a_dummy_verification() {
    let hasher = fast_hasher();
    let stored = PasswordHash::new("$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a");
    let err = hasher
        .verify(&secret("rasmuslerdorf"), &stored)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("`bcrypt` feature"), "{err}");
    assert_eq!(
        hasher.verifications(),
        1,
        "the work of one verification was done"
    );
}

#[tokio::test]
async fn the_dummy_hash_is_computed_once_with_the_current_params() {
    let hasher = fast_hasher();
    assert!(hasher.dummy.get().is_none(), "construction hashes nothing");
    hasher.verify_dummy(&secret("anything")).await;
    let first = hasher.dummy.get().unwrap().to_string();
    assert!(first.starts_with("$argon2id$v=19$m=8,t=1,p=1$"));
    hasher.verify_dummy(&secret("anything else")).await;
    assert_eq!(hasher.dummy.get().unwrap().to_string(), first);
}

#[tokio::test]
async fn a_malformed_stored_hash_is_a_hashing_error_after_equal_work() {
    let hasher = fast_hasher();
    let password = secret("vintage kettle orbits a quiet moon");
    let valid = hasher.hash(&password).await.unwrap();
    let without_output = valid.as_str().rsplit_once('$').unwrap().0;
    let cases = [
        String::new(),
        "vintage kettle orbits a quiet moon".to_owned(),
        "$argon2id$v=19$m=8,t=1,p=1".to_owned(),
        "$argon2id$v=19$m=bogus,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA".to_owned(),
        "$argon2x$v=19$m=8,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA".to_owned(),
        "$argon2id$v=42$m=8,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA".to_owned(),
        without_output.to_owned(),
        format!("{without_output}$"),
        "$2b$04$too.short".to_owned(),
        "$2y$99$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a".to_owned(),
        "$2x$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a".to_owned(),
        "$5$rounds=5000$saltsalt$Gbp1lWxuWu7X5VG9Vt6Kq1q8t2KyqJmt0kDzGHvQr0D".to_owned(),
    ];
    for (i, case) in cases.iter().enumerate() {
        let before = hasher.verifications();
        let result = hasher
            .verify(&password, &PasswordHash::new(case.as_str()))
            .await;
        // Without the `bcrypt` feature every `$2…` hash is refused by name instead.
        let refused_by_feature = cfg!(not(feature = "bcrypt"))
            && case.starts_with("$2")
            && matches!(result, Err(AuthError::Hashing(_)));
        assert!(
            is_unrecognised(&result) || refused_by_feature,
            "case {i}: {result:?}"
        );
        assert_eq!(
            hasher.verifications(),
            before + 1,
            "case {i}: no equal work"
        );
    }
}

#[tokio::test]
async fn concurrency_one_never_runs_two_jobs_at_once() {
    let hasher = PasswordHasher::new(HashParams::insecure_fast_for_tests(), 1);
    hasher.probe.hold_millis.store(50, Ordering::SeqCst);
    let password = secret("vintage kettle orbits a quiet moon");
    let (a, b, ()) = tokio::join!(
        hasher.hash(&password),
        hasher.hash(&password),
        hasher.verify_dummy(&password)
    );
    a.unwrap();
    b.unwrap();
    assert_eq!(hasher.probe.max_in_flight.load(Ordering::SeqCst), 1);
    assert_eq!(hasher.permits.available_permits(), 1);
}

#[tokio::test]
async fn concurrency_two_lets_two_jobs_overlap() {
    // The control for the test above: the probe does see overlapping jobs.
    let hasher = PasswordHasher::new(HashParams::insecure_fast_for_tests(), 2);
    hasher.probe.hold_millis.store(200, Ordering::SeqCst);
    let password = secret("vintage kettle orbits a quiet moon");
    let (a, b) = tokio::join!(hasher.hash(&password), hasher.hash(&password));
    a.unwrap();
    b.unwrap();
    assert_eq!(hasher.probe.max_in_flight.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_job_holds_its_permit_until_it_ends() {
    let hasher = Arc::new(PasswordHasher::new(
        HashParams::insecure_fast_for_tests(),
        1,
    ));
    hasher.probe.hold_millis.store(200, Ordering::SeqCst);
    let running = {
        let hasher = Arc::clone(&hasher);
        tokio::spawn(async move { hasher.hash(&secret("vintage kettle")).await })
    };
    while hasher.probe.in_flight.load(Ordering::SeqCst) == 0 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    assert_eq!(hasher.permits.available_permits(), 0);
    running.await.unwrap().unwrap();
    assert_eq!(hasher.permits.available_permits(), 1);
}

#[tokio::test]
async fn zero_concurrency_is_taken_as_one() {
    let hasher = PasswordHasher::new(HashParams::insecure_fast_for_tests(), 0);
    assert_eq!(hasher.concurrency(), 1);
    hasher.hash(&secret("vintage kettle")).await.unwrap();
}

#[tokio::test]
async fn a_panicked_blocking_task_is_a_hashing_error_and_frees_its_permit() {
    let hasher = PasswordHasher::new(HashParams::insecure_fast_for_tests(), 1);
    let result: Result<(), AuthError> = hasher
        .run_blocking(Work::Hash, || panic!("argon2 exploded"))
        .await;
    assert!(
        matches!(&result, Err(AuthError::Hashing(msg)) if msg == "password hashing task panicked"),
        "{result:?}"
    );
    assert_eq!(hasher.permits.available_permits(), 1);
    hasher.hash(&secret("vintage kettle")).await.unwrap();
}

#[tokio::test]
async fn debug_shows_params_and_concurrency_but_no_hash() {
    let hasher = fast_hasher();
    hasher.verify_dummy(&secret("vintage kettle")).await;
    assert!(hasher.dummy.get().is_some());
    let debug = format!("{hasher:?}");
    assert_eq!(
        debug,
        "PasswordHasher { params: HashParams { m_cost: 8, t_cost: 1, p_cost: 1 }, \
         concurrency: 2, .. }"
    );
    assert!(!debug.contains("argon2"));
}

#[test]
fn hash_params_are_validated_by_argon2() {
    assert_eq!(HashParams::new(19456, 2, 1).unwrap(), HashParams::default());
    for (m, t, p) in [(4, 1, 1), (8, 0, 1), (8, 1, 0), (8, 1, 2)] {
        let err = HashParams::new(m, t, p).unwrap_err();
        assert_eq!(err.setting, "hash_params", "m={m}, t={t}, p={p}");
    }
    assert_eq!(
        HashParams::insecure_fast_for_tests(),
        HashParams {
            m_cost: 8,
            t_cost: 1,
            p_cost: 1
        }
    );
    assert_eq!(
        HashParams::new(8, 1, 1).unwrap(),
        HashParams::insecure_fast_for_tests()
    );
}

#[tokio::test]
async fn hand_made_invalid_params_fail_hashing_instead_of_panicking() {
    let hasher = PasswordHasher::new(
        HashParams {
            m_cost: 1,
            t_cost: 1,
            p_cost: 1,
        },
        1,
    );
    let result = hasher.hash(&secret("vintage kettle")).await;
    assert!(matches!(result, Err(AuthError::Hashing(_))), "{result:?}");
}

#[tokio::test]
async fn an_unusable_hash_refuses_every_password_at_the_cost_of_one_verification() {
    let hasher = PasswordHasher::new(HashParams::insecure_fast_for_tests(), 1);
    let unusable = PasswordHash::unusable();
    for password in ["", "!authkit:no-password", "a long and unusual passphrase"] {
        let before = hasher.verifications();
        assert_eq!(
            hasher
                .verify(&SecretString::from(password), &unusable)
                .await
                .unwrap(),
            Verification::Invalid
        );
        assert_eq!(hasher.verifications(), before + 1, "{password:?}");
    }
}
