//! `authkit keys generate` and `authkit jwks`: new signing keys, and the public half of the
//! configured ones.
//!
//! Keys come from the OS random number generator (`getrandom`, as authkit's tokens) or from
//! aws-lc-rs (the cryptography authkit signs with), and are written as the apps read them:
//! an HS256 secret as text for `AUTHKIT_JWT_SECRET`, a private key as unencrypted PKCS#8 PEM
//! for `AUTHKIT_JWT_PRIVATE_KEY_FILE`.

use std::io::Write;
use std::path::{Path, PathBuf};

use authkit_core::jwt::{JwtAlgorithm, JwtKey};
use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use clap::{Args, Subcommand};

use crate::context::{self, Failure};

/// Random bytes in a new HS256 secret (256 bits; 43 characters of base64url).
const SECRET_BYTES: usize = 32;

/// The `keys` commands.
#[derive(Debug, Subcommand)]
pub enum Keys {
    /// Generates a signing key: an HS256 secret, or a PKCS#8 PEM private key for RS256 (RSA
    /// 2048 bits), ES256 (P-256) or EdDSA (Ed25519).
    #[command(after_help = GENERATE_AFTER_HELP)]
    Generate(Generate),
}

const GENERATE_AFTER_HELP: &str = "HS256: a random secret of 32 bytes, base64url, for \
AUTHKIT_JWT_SECRET. The others: an unencrypted PKCS#8 PEM private key for \
AUTHKIT_JWT_PRIVATE_KEY_FILE (with AUTHKIT_JWT_ALG). With --out the file is created with \
mode 0600, and never overwritten.\n\n\
Exit codes: 0 done, 1 failed (the --out file exists, cannot be written), 2 bad command line.";

/// The arguments of `keys generate`.
#[derive(Debug, Args)]
pub struct Generate {
    /// The algorithm: HS256, RS256, ES256 or EdDSA.
    #[arg(long, value_name = "ALG", value_parser = parse_algorithm)]
    alg: JwtAlgorithm,
    /// Write the key to FILE (created with mode 0600; an existing file is never overwritten)
    /// instead of standard output.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

fn parse_algorithm(name: &str) -> Result<JwtAlgorithm, String> {
    JwtAlgorithm::parse(name).ok_or_else(|| "use HS256, RS256, ES256 or EdDSA".to_owned())
}

/// Generates a key and writes it where asked.
pub fn generate(args: &Generate) -> Result<(), Failure> {
    let key = match args.alg {
        JwtAlgorithm::Hs256 => {
            let mut bytes = [0u8; SECRET_BYTES];
            getrandom::fill(&mut bytes)
                .map_err(|err| Failure::new(format!("the OS random number generator: {err}")))?;
            format!("{}\n", URL_SAFE_NO_PAD.encode(bytes))
        }
        algorithm => {
            let pem = private_key_pem(algorithm)?;
            // The apps' own loading, and a test signature: a key that would not start them
            // is never handed out.
            JwtKey::from_private_pem("generated", algorithm, pem.as_bytes())
                .map_err(|err| Failure::new(format!("the generated key is unusable: {err}")))?;
            pem
        }
    };
    let Some(path) = &args.out else {
        print!("{key}");
        return Ok(());
    };
    write_new_file(path, key.as_bytes())?;
    let alg = args.alg.as_str();
    if args.alg == JwtAlgorithm::Hs256 {
        eprintln!(
            "wrote an HS256 secret to {}: set AUTHKIT_JWT_SECRET to its contents",
            path.display()
        );
    } else {
        eprintln!(
            "wrote an {alg} private key to {}: use it with AUTHKIT_JWT_ALG={alg} \
             AUTHKIT_JWT_PRIVATE_KEY_FILE={}",
            path.display(),
            path.display()
        );
    }
    Ok(())
}

/// A new private key of `algorithm` as PKCS#8 PEM (`BEGIN PRIVATE KEY`).
fn private_key_pem(algorithm: JwtAlgorithm) -> Result<String, Failure> {
    let failed = |_| Failure::new(format!("{algorithm} key generation failed"));
    let der: Vec<u8> = match algorithm {
        JwtAlgorithm::Rs256 => {
            let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
                .map_err(failed)?;
            AsDer::<Pkcs8V1Der>::as_der(&pair)
                .map_err(failed)?
                .as_ref()
                .to_vec()
        }
        JwtAlgorithm::Es256 => EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING)
            .map_err(failed)?
            .to_pkcs8v1()
            .map_err(failed)?
            .as_ref()
            .to_vec(),
        JwtAlgorithm::EdDsa => Ed25519KeyPair::generate()
            .map_err(failed)?
            .to_pkcs8v1()
            .map_err(failed)?
            .as_ref()
            .to_vec(),
        JwtAlgorithm::Hs256 => unreachable!("an HS256 key is a secret, not a PEM"),
    };
    let body = STANDARD.encode(der);
    let mut pem = String::from("-----BEGIN PRIVATE KEY-----\n");
    for line in body.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
        pem.push('\n');
    }
    pem.push_str("-----END PRIVATE KEY-----\n");
    Ok(pem)
}

/// Creates `path` (mode 0600 on Unix) with `contents`; fails if it exists.
fn write_new_file(path: &Path, contents: &[u8]) -> Result<(), Failure> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|err| {
        if err.kind() == std::io::ErrorKind::AlreadyExists {
            Failure::new(format!(
                "{} exists; it is not overwritten (choose another --out, or move it away)",
                path.display()
            ))
        } else {
            Failure::new(format!("{}: {err}", path.display()))
        }
    })?;
    file.write_all(contents)
        .and_then(|()| file.sync_all())
        .map_err(|err| Failure::new(format!("{}: {err}", path.display())))
}

/// Prints the public JWKS of the configured keys: the signing key and the previous ones.
pub fn jwks() -> Result<(), Failure> {
    let settings = context::settings()?;
    let config = settings
        .auth_config()?
        .build()
        .map_err(|err| Failure::new(format!("configuration: {err}")))?;
    let jwks = config.keys().jwks();
    if jwks.keys.is_empty() {
        eprintln!(
            "no public keys: HS256 secrets are shared, never published; the JWKS is empty \
             (set AUTHKIT_JWT_ALG and AUTHKIT_JWT_PRIVATE_KEY_FILE for a key others can verify with)"
        );
    }
    let json = serde_json::to_string_pretty(jwks)
        .map_err(|err| Failure::new(format!("cannot write the JWKS: {err}")))?;
    println!("{json}");
    Ok(())
}
