//! `keys generate` and `jwks`: the keys load through the apps' settings and sign tokens that
//! validate; the JWKS is the one the app serves.

use std::path::{Path, PathBuf};

use authkit_core::Role;
use authkit_core::jwt::JwtCodec;
use authkit_example_support::Settings;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::support::*;

/// A temporary directory for key files, removed when dropped.
struct KeyDir(PathBuf);

impl KeyDir {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(unique("authkit_cli_keys"));
        std::fs::create_dir_all(&dir).expect("a temp directory");
        Self(dir)
    }

    fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for KeyDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The settings the apps would read from `vars`.
fn settings(vars: &[(&str, &str)]) -> Settings {
    Settings::from_lookup(|name| {
        vars.iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| (*value).to_owned())
    })
    .expect("the apps accept the key")
}

/// A codec over the apps' key ring from `vars`.
fn codec(vars: &[(&str, &str)]) -> JwtCodec {
    let config = settings(vars)
        .auth_config()
        .expect("a key ring")
        .build()
        .expect("a configuration");
    JwtCodec::new(
        config.keys().clone(),
        config.issuer().to_owned(),
        config.audience().to_owned(),
        time::Duration::minutes(15),
        time::Duration::seconds(10),
    )
}

/// Asserts the codec signs a token that it validates, under its signing key's `kid`.
fn assert_signs_and_validates(codec: &JwtCodec) {
    let now = time::OffsetDateTime::now_utc();
    let (user, session) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    let (token, _) = codec.mint(user, session, &Role::user(), now).unwrap();
    let claims = codec.validate(&token, now).expect("the token validates");
    assert_eq!((claims.sub, claims.sid), (user, session));
    let header = token.split('.').next().unwrap();
    let header: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap();
    assert_eq!(header["kid"], codec.keys().signing_kid());
}

/// The file's permission bits.
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test(flavor = "multi_thread")]
async fn a_generated_private_key_of_each_algorithm_signs_for_the_apps_and_is_in_the_jwks() {
    let dir = KeyDir::new();
    for alg in ["RS256", "ES256", "EdDSA"] {
        let path = dir.file(&format!("{alg}.pem"));
        let file = path.to_str().unwrap();
        let run = authkit(
            &[],
            &["keys", "generate", "--alg", alg, "--out", file],
            None,
        )
        .await
        .expect_code(0);
        assert_eq!(run.stdout, "", "the key goes to the file only");
        assert_eq!(
            run.stderr,
            format!(
                "wrote an {alg} private key to {file}: use it with AUTHKIT_JWT_ALG={alg} \
                 AUTHKIT_JWT_PRIVATE_KEY_FILE={file}\n"
            )
        );
        assert_eq!(mode(&path), 0o600, "{alg}");
        let pem = std::fs::read_to_string(&path).unwrap();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"), "{pem}");
        assert!(pem.ends_with("-----END PRIVATE KEY-----\n"), "{pem}");

        let env = [
            ("AUTHKIT_JWT_ALG", alg),
            ("AUTHKIT_JWT_PRIVATE_KEY_FILE", file),
        ];
        let codec = codec(&env);
        assert_signs_and_validates(&codec);

        let jwks = authkit(&env, &["jwks"], None).await.expect_code(0);
        assert_eq!(jwks.stderr, "");
        let jwks: serde_json::Value = serde_json::from_str(&jwks.stdout).unwrap();
        let keys = jwks["keys"].as_array().unwrap();
        assert_eq!(keys.len(), 1, "{jwks}");
        assert_eq!(keys[0]["kid"], codec.keys().signing_kid());
        assert_eq!(keys[0]["alg"], alg);
        assert_eq!(keys[0]["use"], "sig");
        assert!(keys[0].get("d").is_none(), "no private part: {jwks}");

        // Never overwritten.
        let again = authkit(
            &[],
            &["keys", "generate", "--alg", alg, "--out", file],
            None,
        )
        .await
        .expect_code(1);
        assert_eq!(
            again.stderr,
            format!(
                "error: {file} exists; it is not overwritten (choose another --out, or move it \
                 away)\n"
            )
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), pem, "unchanged");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_private_key_on_standard_output_is_a_usable_pem() {
    let dir = KeyDir::new();
    let run = authkit(&[], &["keys", "generate", "--alg", "ES256"], None)
        .await
        .expect_code(0);
    assert_eq!(run.stderr, "");
    let path = dir.file("from-stdout.pem");
    std::fs::write(&path, &run.stdout).unwrap();
    let file = path.to_str().unwrap();
    assert_signs_and_validates(&codec(&[
        ("AUTHKIT_JWT_ALG", "ES256"),
        ("AUTHKIT_JWT_PRIVATE_KEY_FILE", file),
    ]));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_hs256_secret_is_random_and_the_jwks_publishes_none() {
    let mut secrets = Vec::new();
    for _ in 0..2 {
        let run = authkit(&[], &["keys", "generate", "--alg", "HS256"], None)
            .await
            .expect_code(0);
        assert_eq!(run.stderr, "");
        let secret = run.stdout.strip_suffix('\n').expect("one line").to_owned();
        assert_eq!(secret.len(), 43, "{secret}");
        assert_eq!(URL_SAFE_NO_PAD.decode(&secret).unwrap().len(), 32);
        secrets.push(secret);
    }
    assert_ne!(secrets[0], secrets[1]);
    let env = [("AUTHKIT_JWT_SECRET", secrets[0].as_str())];
    assert_signs_and_validates(&codec(&env));

    let jwks = authkit(&env, &["jwks"], None).await.expect_code(0);
    let parsed: serde_json::Value = serde_json::from_str(&jwks.stdout).unwrap();
    assert_eq!(parsed, serde_json::json!({ "keys": [] }));
    assert_eq!(
        jwks.stderr,
        "no public keys: HS256 secrets are shared, never published; the JWKS is empty (set \
         AUTHKIT_JWT_ALG and AUTHKIT_JWT_PRIVATE_KEY_FILE for a key others can verify with)\n"
    );

    let dir = KeyDir::new();
    let path = dir.file("secret");
    let file = path.to_str().unwrap();
    authkit(
        &[],
        &["keys", "generate", "--alg", "HS256", "--out", file],
        None,
    )
    .await
    .expect_code(0);
    assert_eq!(mode(&path), 0o600);
    assert_eq!(std::fs::read_to_string(&path).unwrap().trim_end().len(), 43);
}

#[tokio::test(flavor = "multi_thread")]
async fn jwks_prints_what_the_app_serves_with_a_previous_key_of_a_rotation() {
    let dir = KeyDir::new();
    let (current, previous) = (dir.file("current.pem"), dir.file("previous.pem"));
    for (alg, path) in [("EdDSA", &current), ("RS256", &previous)] {
        authkit(
            &[],
            &[
                "keys",
                "generate",
                "--alg",
                alg,
                "--out",
                path.to_str().unwrap(),
            ],
            None,
        )
        .await
        .expect_code(0);
    }
    let db = Db::sqlite();
    let mut env = db.env();
    env.retain(|(name, _)| *name != "AUTHKIT_JWT_SECRET");
    env.push(("AUTHKIT_JWT_ALG", "EdDSA".into()));
    env.push((
        "AUTHKIT_JWT_PRIVATE_KEY_FILE",
        current.display().to_string(),
    ));
    env.push((
        "AUTHKIT_JWT_PREVIOUS_KEY_FILES",
        format!("RS256:{}", previous.display()),
    ));

    let printed = authkit(&vars(&env), &["jwks"], None).await.expect_code(0);
    let printed: serde_json::Value = serde_json::from_str(&printed.stdout).unwrap();
    let kids: Vec<&str> = printed["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|key| key["kid"].as_str().unwrap())
        .collect();
    assert_eq!(kids.len(), 2, "{printed}");
    assert!(
        kids[0].starts_with("eddsa-") && kids[1].starts_with("rs256-"),
        "{kids:?}"
    );

    let base = start_app(&env).await;
    let served: serde_json::Value = reqwest::get(format!("{base}/.well-known/jwks.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(printed, served);
}
