//! Password hashing: argon2id PHC strings, computed off the async runtime, with legacy hashes
//! verified and flagged for an upgrade.
//!
//! # Design
//!
//! - **Algorithm.** New hashes are argon2id (v=19) PHC strings with a random 16-byte salt and
//!   the configured [`HashParams`] (default m=19456 KiB, t=2, p=1, the OWASP recommendation):
//!   `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`. What is hashed is the NFKC form of the
//!   password ([`crate::policy::normalize`]), the same form the policy measured, so the same
//!   password typed through another keyboard or input method still matches.
//! - **Off the runtime, bounded.** Argon2 is deliberately slow and memory-hungry. Every hash and
//!   verification runs on [`tokio::task::spawn_blocking`] while holding a permit of a
//!   [`Semaphore`] with `concurrency` permits: the permit is acquired *before* the task is
//!   spawned and moved into it, so a login flood queues on the semaphore instead of stalling the
//!   async workers or allocating more than `concurrency × m_cost` KiB of hashing memory. The
//!   permit is released when the work ends, even if the request that started it was dropped.
//! - **Legacy hashes.** [`PasswordHasher::verify`] accepts:
//!   - argon2 PHC strings (`$argon2id$`, `$argon2i$`, `$argon2d$`), verified with the
//!     parameters embedded in the string; they need a rehash when the algorithm is not
//!     argon2id, the version is not 19, or m, t, p (or the output length) differ from the
//!     current parameters;
//!   - bcrypt (`$2a$`, `$2b$`, `$2y$`), verified against the password as given and, if that
//!     fails and its NFKC form differs, against the NFKC form; always in need of a rehash.
//!
//!   The caller rehashes with [`PasswordHasher::hash`] after a successful login when
//!   [`Verification::Valid`] says `needs_rehash`.
//! - **Corrupt hashes are errors, not wrong passwords.** A stored hash in no recognised format
//!   is an [`AuthError::Hashing`] (it means data corruption and must reach the logs), after the
//!   same work as a real verification so that the answer takes as long as any other.
//! - **Equal work for unknown accounts.** [`PasswordHasher::verify_dummy`] runs one verification
//!   with the current parameters against a hash computed once, lazily, on first use (so
//!   construction stays cheap; the very first dummy verification of a process also pays for
//!   that one hash). [`PasswordHasher::verifications`] counts every verification, real, legacy
//!   and dummy, so tests can prove that a login for an unknown account did the same work.
//! - **Nothing secret leaks.** Passwords arrive as [`SecretString`]; the normalised copies made
//!   here are zeroed when dropped; hashes are [`PasswordHash`], whose `Debug` is redacted; the
//!   `Debug` of [`PasswordHasher`] shows only its parameters and concurrency. Error messages
//!   never contain a password or a hash.
//!
//! The hasher does not apply the password policy: the caller checks new passwords with
//! [`crate::policy::PasswordPolicy::check`] first and never hashes one that is too long.
//!
//! ```
//! use authkit_core::SecretString;
//! use authkit_core::password::{HashParams, PasswordHasher, Verification};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), authkit_core::AuthError> {
//! // Production code uses `HashParams::default()`; doctests take the fast path.
//! let hasher = PasswordHasher::new(HashParams::insecure_fast_for_tests(), 2);
//!
//! let password = SecretString::from("vintage kettle orbits a quiet moon");
//! let hash = hasher.hash(&password).await?;
//! assert!(hash.as_str().starts_with("$argon2id$v=19$m=8,t=1,p=1$"));
//!
//! assert_eq!(
//!     hasher.verify(&password, &hash).await?,
//!     Verification::Valid { needs_rehash: false }
//! );
//! let wrong = SecretString::from("vintage kettle orbits a quiet sun");
//! assert_eq!(hasher.verify(&wrong, &hash).await?, Verification::Invalid);
//! assert_eq!(hasher.verifications(), 2);
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use std::sync::Mutex;

use argon2::password_hash::{self, phc};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tokio::sync::{OnceCell, Semaphore};
use zeroize::Zeroizing;

use crate::error::AuthError;
use crate::error::ConfigError;
use crate::model::PasswordHash;
use crate::policy::normalize;
use crate::secret::SecretString;

/// The error for a stored hash in no format this module verifies.
const UNRECOGNISED_FORMAT: &str = "unrecognised password hash format";

/// What the dummy hash is a hash of. Its value does not matter: the result of a dummy
/// verification is always discarded.
const DUMMY_PASSWORD: &str = "authkit: no account has this password hash";

/// The bcrypt prefixes accepted as legacy hashes (`$2x$`, the buggy crypt_blowfish variant, is
/// not).
const BCRYPT_PREFIXES: [&str; 3] = ["$2a$", "$2b$", "$2y$"];

/// The bcrypt costs a well-formed hash may carry.
#[cfg(feature = "bcrypt")]
const BCRYPT_COSTS: std::ops::RangeInclusive<u32> = 4..=31;

/// Argon2id cost parameters.
///
/// Build them with [`HashParams::new`] (validated) or take the [`Default`] (OWASP: m=19456 KiB,
/// t=2, p=1). Values set by hand on the public fields that argon2 refuses make every
/// [`PasswordHasher::hash`] fail with [`AuthError::Hashing`].
///
/// ```
/// use authkit_core::password::HashParams;
///
/// let params = HashParams::new(19_456, 2, 1).unwrap();
/// assert_eq!(params, HashParams::default());
/// assert_eq!(HashParams::new(4, 1, 1).unwrap_err().setting, "hash_params");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashParams {
    /// Memory, in KiB (1 KiB blocks). At least 8 × `p_cost`.
    pub m_cost: u32,
    /// Iterations (passes over the memory). At least 1.
    pub t_cost: u32,
    /// Degree of parallelism (lanes). At least 1. Lanes are computed one after the other.
    pub p_cost: u32,
}

impl Default for HashParams {
    /// The OWASP recommendation for argon2id: m=19456 KiB (19 MiB), t=2, p=1.
    fn default() -> Self {
        Self {
            m_cost: Params::DEFAULT_M_COST,
            t_cost: Params::DEFAULT_T_COST,
            p_cost: Params::DEFAULT_P_COST,
        }
    }
}

impl HashParams {
    /// Parameters checked against argon2's limits.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] for the setting `hash_params` when argon2 refuses the combination
    /// (e.g. `m_cost` below 8 × `p_cost`, or a zero `t_cost` or `p_cost`).
    pub fn new(m_cost: u32, t_cost: u32, p_cost: u32) -> Result<Self, ConfigError> {
        Params::new(m_cost, t_cost, p_cost, None).map_err(|err| {
            ConfigError::new(
                "hash_params",
                format!("argon2 refuses m={m_cost}, t={t_cost}, p={p_cost}: {err}"),
            )
        })?;
        Ok(Self {
            m_cost,
            t_cost,
            p_cost,
        })
    }

    /// The cheapest parameters argon2 allows: m=8 KiB, t=1, p=1.
    ///
    /// **For tests only.** They make hashing take microseconds instead of tens of
    /// milliseconds, and offer no protection against offline guessing whatsoever.
    pub fn insecure_fast_for_tests() -> Self {
        Self {
            m_cost: Params::MIN_M_COST,
            t_cost: Params::MIN_T_COST,
            p_cost: Params::MIN_P_COST,
        }
    }

    /// The argon2id (v=19) instance for these parameters.
    fn argon2(self) -> Result<Argon2<'static>, AuthError> {
        let params = Params::new(self.m_cost, self.t_cost, self.p_cost, None)
            .map_err(|err| AuthError::Hashing(format!("invalid argon2 parameters: {err}")))?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }
}

/// The outcome of [`PasswordHasher::verify`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verification {
    /// The password matches.
    Valid {
        /// The stored hash is legacy (bcrypt, argon2i/argon2d, or other parameters than the
        /// current ones): hash the password again with [`PasswordHasher::hash`] and store it.
        needs_rehash: bool,
    },
    /// The password does not match.
    Invalid,
}

/// Hashes and verifies passwords, off the async runtime and at most `concurrency` at a time.
///
/// Build one per service and share it (an `Arc<PasswordHasher>`): the semaphore, the lazily
/// computed dummy hash and the verification counter live inside. See the
/// [module documentation](self) for the design.
pub struct PasswordHasher {
    params: HashParams,
    concurrency: usize,
    permits: Arc<Semaphore>,
    memory: Arc<MemoryPool>,
    dummy: OnceCell<phc::PasswordHash>,
    verifications: AtomicU64,
    #[cfg(test)]
    probe: Arc<Probe>,
}

impl fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordHasher")
            .field("params", &self.params)
            .field("concurrency", &self.concurrency)
            .finish_non_exhaustive()
    }
}

/// Whether a blocking job is a verification (counted) or a hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Work {
    Hash,
    Verification,
    /// Other CPU work on a password, such as the policy's strength estimate.
    Check,
}

/// A stored hash this module knows how to verify.
enum Stored {
    /// An argon2 PHC string, parsed and checked (boxed: it holds fixed-size buffers).
    Argon2 {
        hash: Box<phc::PasswordHash>,
        needs_rehash: bool,
    },
    /// A well-formed bcrypt hash.
    Bcrypt,
}

impl PasswordHasher {
    /// A hasher with these parameters, running at most `concurrency` hashes or verifications at
    /// once (`0` is taken as 1). Cheap: nothing is hashed until first use.
    pub fn new(params: HashParams, concurrency: usize) -> Self {
        let concurrency = concurrency.clamp(1, Semaphore::MAX_PERMITS);
        Self {
            params,
            concurrency,
            permits: Arc::new(Semaphore::new(concurrency)),
            memory: Arc::new(MemoryPool::new(params.m_cost)),
            dummy: OnceCell::new(),
            verifications: AtomicU64::new(0),
            #[cfg(test)]
            probe: Arc::default(),
        }
    }

    /// Hashes the NFKC form of `password` into an argon2id PHC string with a random salt and the
    /// current parameters.
    ///
    /// # Errors
    ///
    /// [`AuthError::Hashing`] if argon2 fails (invalid parameters, no randomness) or the
    /// blocking task panics.
    pub async fn hash(&self, password: &SecretString) -> Result<PasswordHash, AuthError> {
        let params = self.params;
        let password = password.clone();
        let memory = Arc::clone(&self.memory);
        let phc = self
            .run_blocking(Work::Hash, move || {
                hash_phc(params, password.expose(), &memory)
            })
            .await??;
        Ok(PasswordHash::new(phc.to_string()))
    }

    /// Verifies `password` against a stored hash: argon2 (any variant, with its embedded
    /// parameters) or legacy bcrypt. Counts as one verification.
    ///
    /// # Errors
    ///
    /// [`AuthError::Hashing`] with the message `unrecognised password hash format` when `stored`
    /// is in no known format (after doing the work of a dummy verification, so the timing does
    /// not stand out), or when verification itself fails or its task panics.
    pub async fn verify(
        &self,
        password: &SecretString,
        stored: &PasswordHash,
    ) -> Result<Verification, AuthError> {
        if !stored.is_usable() {
            // An account without a password: the cost of a verification, then a refusal.
            self.verify_dummy(password).await;
            return Ok(Verification::Invalid);
        }
        let Some(parsed) = self.parse_stored(stored.as_str()) else {
            self.verify_dummy(password).await;
            return Err(AuthError::Hashing(UNRECOGNISED_FORMAT.into()));
        };
        let (matched, needs_rehash) = match parsed {
            Stored::Argon2 { hash, needs_rehash } => {
                (self.verify_argon2(password, *hash).await?, needs_rehash)
            }
            Stored::Bcrypt => {
                let stored = stored.as_str().to_owned();
                (self.verify_bcrypt(password, stored).await?, true)
            }
        };
        Ok(if matched {
            Verification::Valid { needs_rehash }
        } else {
            Verification::Invalid
        })
    }

    /// One verification of `password` against a dummy hash made with the current parameters,
    /// result discarded: call it when the account does not exist, so that the answer costs what
    /// a wrong password for a real account costs. Counts as one verification.
    ///
    /// The dummy hash is computed on the first call and kept. A failure (which can only come
    /// from invalid parameters or a panicked task) is logged, never returned.
    pub async fn verify_dummy(&self, password: &SecretString) {
        if let Err(err) = self.try_verify_dummy(password).await {
            tracing::error!(error = %err, "dummy password verification failed");
        }
    }

    /// How many verifications (real, legacy and dummy) this hasher has run so far.
    pub fn verifications(&self) -> u64 {
        self.verifications.load(Ordering::Relaxed)
    }

    /// The parameters new hashes are made with.
    pub fn params(&self) -> HashParams {
        self.params
    }

    /// How many hashes or verifications may run at once.
    pub fn concurrency(&self) -> usize {
        self.concurrency
    }

    async fn try_verify_dummy(&self, password: &SecretString) -> Result<(), AuthError> {
        let dummy = self
            .dummy
            .get_or_try_init(|| async {
                let params = self.params;
                let memory = Arc::clone(&self.memory);
                self.run_blocking(Work::Hash, move || {
                    hash_phc(params, DUMMY_PASSWORD, &memory)
                })
                .await?
            })
            .await?
            .clone();
        self.verify_argon2(password, dummy).await.map(drop)
    }

    async fn verify_argon2(
        &self,
        password: &SecretString,
        hash: phc::PasswordHash,
    ) -> Result<bool, AuthError> {
        let password = password.clone();
        let memory = Arc::clone(&self.memory);
        self.run_blocking(Work::Verification, move || {
            let normalized = Zeroizing::new(normalize(password.expose()));
            verify_phc(&hash, normalized.as_bytes(), &memory)
        })
        .await?
    }

    #[cfg(not(feature = "bcrypt"))]
    async fn verify_bcrypt(
        &self,
        password: &SecretString,
        _stored: String,
    ) -> Result<bool, AuthError> {
        // As for any hash this build cannot verify: the same work as a real one, then an error
        // that says what to enable.
        self.verify_dummy(password).await;
        Err(AuthError::Hashing(
            "a bcrypt hash, and authkit-core was built without its `bcrypt` feature".into(),
        ))
    }

    #[cfg(feature = "bcrypt")]
    async fn verify_bcrypt(
        &self,
        password: &SecretString,
        stored: String,
    ) -> Result<bool, AuthError> {
        let password = password.clone();
        self.run_blocking(Work::Verification, move || {
            let failed = |err: bcrypt::BcryptError| {
                AuthError::Hashing(format!("bcrypt verification failed: {err}"))
            };
            let given = password.expose();
            if bcrypt::verify(given, &stored).map_err(failed)? {
                return Ok(true);
            }
            let normalized = Zeroizing::new(normalize(given));
            if normalized.as_str() == given {
                return Ok(false);
            }
            bcrypt::verify(normalized.as_bytes(), &stored).map_err(failed)
        })
        .await?
    }

    /// Recognises and checks a stored hash without doing any of the expensive work.
    fn parse_stored(&self, stored: &str) -> Option<Stored> {
        if BCRYPT_PREFIXES
            .iter()
            .any(|prefix| stored.starts_with(prefix))
        {
            #[cfg(feature = "bcrypt")]
            {
                let parts: bcrypt::HashParts = stored.parse().ok()?;
                return BCRYPT_COSTS
                    .contains(&parts.get_cost())
                    .then_some(Stored::Bcrypt);
            }
            // Recognised, to be refused by name: this build cannot verify it.
            #[cfg(not(feature = "bcrypt"))]
            return Some(Stored::Bcrypt);
        }
        if !stored.starts_with("$argon2") {
            return None;
        }
        let hash = phc::PasswordHash::new(stored).ok()?;
        let algorithm = Algorithm::new(hash.algorithm.as_str()).ok()?;
        let version = match hash.version {
            Some(version) => Version::try_from(version).ok()?,
            None => Version::default(),
        };
        let params = Params::try_from(&hash).ok()?;
        hash.salt.as_ref()?;
        let output_len = hash.hash.as_ref()?.len();
        let current = self.params;
        let needs_rehash = algorithm != Algorithm::Argon2id
            || version != Version::V0x13
            || params.m_cost() != current.m_cost
            || params.t_cost() != current.t_cost
            || params.p_cost() != current.p_cost
            || output_len != Params::DEFAULT_OUTPUT_LEN;
        Some(Stored::Argon2 {
            hash: Box::new(hash),
            needs_rehash,
        })
    }

    /// Runs `job`, CPU work on a password other than hashing (the policy's strength estimate),
    /// where hashes run: on the blocking pool, holding one of the same permits, so a flood of
    /// new passwords is bounded like a flood of logins.
    pub(crate) async fn run_check<T, F>(&self, job: F) -> Result<T, AuthError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        self.run_blocking(Work::Check, job).await
    }

    /// Runs `job` on the blocking pool while holding a permit, acquired before spawning.
    async fn run_blocking<T, F>(&self, work: Work, job: F) -> Result<T, AuthError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let asked = std::time::Instant::now();
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|_| AuthError::Internal("password hashing semaphore closed".into()))?;
        crate::telemetry::permit_acquired(asked.elapsed());
        if work == Work::Verification {
            self.verifications.fetch_add(1, Ordering::Relaxed);
        }
        #[cfg(test)]
        let probe = Arc::clone(&self.probe);
        let task = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            #[cfg(test)]
            let _in_flight = probe.enter();
            let started = std::time::Instant::now();
            let done = job();
            crate::telemetry::permit_released(started.elapsed());
            done
        });
        task.await.map_err(|err| {
            AuthError::Hashing(if err.is_panic() {
                "password hashing task panicked".into()
            } else {
                "password hashing task was cancelled".into()
            })
        })
    }
}

/// Argon2 working memory, reused: the blocks of one hash at the current `m_cost`, one area per
/// job in flight. Jobs are bounded by the semaphore, so at most `concurrency` areas ever exist,
/// and hashing memory stays `concurrency × m_cost` KiB however many logins arrive (allocating
/// per hash instead leaves freed 19 MiB areas cached in every allocator arena a blocking thread
/// ever used).
#[derive(Debug)]
struct MemoryPool {
    blocks: usize,
    areas: Mutex<Vec<Vec<Block>>>,
}

impl MemoryPool {
    fn new(m_cost: u32) -> Self {
        Self {
            blocks: m_cost as usize,
            areas: Mutex::new(Vec::new()),
        }
    }

    /// Runs `work` with an area of at least `blocks` blocks. A larger area than the current
    /// parameters need (a legacy hash with more memory) is allocated for this job only.
    fn with_area<T>(&self, blocks: usize, work: impl FnOnce(&mut [Block]) -> T) -> T {
        if blocks > self.blocks {
            return work(&mut vec![Block::default(); blocks]);
        }
        let pooled = self.areas.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let mut area = pooled.unwrap_or_else(|| vec![Block::default(); self.blocks]);
        let result = work(&mut area);
        self.areas
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(area);
        result
    }
}

/// Hashes the NFKC form of `password` with argon2id, these parameters and a random salt.
fn hash_phc(
    params: HashParams,
    password: &str,
    memory: &MemoryPool,
) -> Result<phc::PasswordHash, AuthError> {
    let failed =
        |err: &dyn fmt::Display| AuthError::Hashing(format!("argon2 hashing failed: {err}"));
    let argon2 = params.argon2()?;
    let argon2_params = argon2.params().clone();
    let normalized = Zeroizing::new(normalize(password));
    let salt = password_hash::try_generate_salt().map_err(|e| failed(&e))?;
    let mut output = [0u8; Params::DEFAULT_OUTPUT_LEN];
    memory
        .with_area(argon2_params.block_count(), |area| {
            argon2.hash_password_into_with_memory(normalized.as_bytes(), &salt, &mut output, area)
        })
        .map_err(|e| failed(&e))?;
    Ok(phc::PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: phc::ParamsString::try_from(&argon2_params).map_err(|e| failed(&e))?,
        salt: Some(phc::Salt::new(&salt).map_err(|e| failed(&e))?),
        hash: Some(phc::Output::new(&output).map_err(|e| failed(&e))?),
    })
}

/// Recomputes an argon2 PHC hash (its own algorithm, version and parameters) for `password`
/// and compares the outputs in constant time.
fn verify_phc(
    hash: &phc::PasswordHash,
    password: &[u8],
    memory: &MemoryPool,
) -> Result<bool, AuthError> {
    let failed =
        |err: &dyn fmt::Display| AuthError::Hashing(format!("argon2 verification failed: {err}"));
    let algorithm = Algorithm::new(hash.algorithm.as_str()).map_err(|e| failed(&e))?;
    let version = match hash.version {
        Some(version) => Version::try_from(version).map_err(|e| failed(&e))?,
        None => Version::default(),
    };
    let params = Params::try_from(hash).map_err(|e| failed(&e))?;
    let (Some(salt), Some(expected)) = (&hash.salt, &hash.hash) else {
        return Err(failed(&"salt or output missing"));
    };
    let argon2 = Argon2::new(algorithm, version, params);
    let mut output = Zeroizing::new(vec![0u8; expected.len()]);
    memory
        .with_area(argon2.params().block_count(), |area| {
            argon2.hash_password_into_with_memory(password, salt.as_ref(), &mut output, area)
        })
        .map_err(|e| failed(&e))?;
    Ok(aws_lc_rs::constant_time::verify_slices_are_equal(&output, expected.as_bytes()).is_ok())
}

/// Test instrumentation: how many blocking jobs run at once, and an optional delay inside each
/// to make overlaps observable.
#[cfg(test)]
#[derive(Debug, Default)]
struct Probe {
    in_flight: std::sync::atomic::AtomicUsize,
    max_in_flight: std::sync::atomic::AtomicUsize,
    hold_millis: AtomicU64,
}

#[cfg(test)]
impl Probe {
    fn enter(&self) -> ProbeGuard<'_> {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_in_flight.fetch_max(now, Ordering::SeqCst);
        let hold = self.hold_millis.load(Ordering::SeqCst);
        if hold > 0 {
            std::thread::sleep(std::time::Duration::from_millis(hold));
        }
        ProbeGuard(self)
    }
}

#[cfg(test)]
struct ProbeGuard<'a>(&'a Probe);

#[cfg(test)]
impl Drop for ProbeGuard<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests;
