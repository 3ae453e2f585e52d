//! The rows the stores read, and their conversion to the core's types.

use std::net::IpAddr;

use authkit_core::model::{Identity, PasswordHash, Role, Session, User, UserStatus};
use authkit_core::store::{
    CeremonyPurpose, LoginFailures, OAuthFlow, OneTimeToken, PasskeyCeremony, RevocationRecord,
    Revoked, StoredPasskey, TokenPurpose, TotpCredential,
};
use authkit_core::token::TokenHash;
use uuid::Uuid;

use crate::codec::{corrupt, from_micros, opt_from_micros};

/// A `users` row.
#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    id: Uuid,
    email: String,
    email_canonical: String,
    username: Option<String>,
    username_canonical: Option<String>,
    password_hash: String,
    role: String,
    status: String,
    email_verified: bool,
    created_at: i64,
    updated_at: i64,
}

impl UserRow {
    pub(crate) fn into_user(self) -> Result<User, sqlx::Error> {
        Ok(User {
            id: self.id,
            email: self.email,
            email_canonical: self.email_canonical,
            username: self.username,
            username_canonical: self.username_canonical,
            password_hash: PasswordHash::new(self.password_hash),
            role: Role::new(self.role).map_err(|e| corrupt(e.to_string()))?,
            status: UserStatus::parse(&self.status)
                .ok_or_else(|| corrupt(format!("unknown user status {:?}", self.status)))?,
            email_verified: self.email_verified,
            created_at: from_micros(self.created_at)?,
            updated_at: from_micros(self.updated_at)?,
        })
    }
}

/// A `sessions` row.
#[derive(sqlx::FromRow)]
pub(crate) struct SessionRow {
    id: Uuid,
    user_id: Uuid,
    created_at: i64,
    last_used_at: i64,
    idle_expires_at: i64,
    expires_at: i64,
    revoked_at: Option<i64>,
    user_agent: Option<String>,
    ip: Option<String>,
}

impl SessionRow {
    pub(crate) fn into_session(self) -> Result<Session, sqlx::Error> {
        let ip = match self.ip {
            Some(ip) => Some(
                ip.parse::<IpAddr>()
                    .map_err(|_| corrupt(format!("invalid IP address {ip:?}")))?,
            ),
            None => None,
        };
        Ok(Session {
            id: self.id,
            user_id: self.user_id,
            created_at: from_micros(self.created_at)?,
            last_used_at: from_micros(self.last_used_at)?,
            idle_expires_at: from_micros(self.idle_expires_at)?,
            expires_at: from_micros(self.expires_at)?,
            revoked_at: opt_from_micros(self.revoked_at)?,
            user_agent: self.user_agent,
            ip,
        })
    }
}

/// A session with its refresh-token hashes.
#[derive(sqlx::FromRow)]
pub(crate) struct RefreshFamilyRow {
    #[sqlx(flatten)]
    session: SessionRow,
    refresh_hash: Option<Vec<u8>>,
    previous_refresh_hash: Option<Vec<u8>>,
    displaced_refresh_hash: Option<Vec<u8>>,
    rotated_at: Option<i64>,
}

impl RefreshFamilyRow {
    pub(crate) fn into_family(self) -> Result<authkit_core::store::RefreshFamily, sqlx::Error> {
        let hash = |bytes: Option<Vec<u8>>| -> Result<Option<TokenHash>, sqlx::Error> {
            bytes
                .map(|b| {
                    TokenHash::from_slice(&b)
                        .ok_or_else(|| corrupt(format!("a refresh hash of {} bytes", b.len())))
                })
                .transpose()
        };
        Ok(authkit_core::store::RefreshFamily {
            session: self.session.into_session()?,
            current: hash(self.refresh_hash)?
                .ok_or_else(|| corrupt("a session with a selector but no refresh hash".into()))?,
            previous: hash(self.previous_refresh_hash)?,
            displaced: hash(self.displaced_refresh_hash)?,
            rotated_at: opt_from_micros(self.rotated_at)?,
        })
    }
}

/// A `one_time_tokens` row.
#[derive(sqlx::FromRow)]
pub(crate) struct OneTimeTokenRow {
    hash: Vec<u8>,
    user_id: Uuid,
    purpose: String,
    new_email: Option<String>,
    created_at: i64,
    expires_at: i64,
}

impl OneTimeTokenRow {
    pub(crate) fn into_token(self) -> Result<OneTimeToken, sqlx::Error> {
        Ok(OneTimeToken {
            hash: TokenHash::from_slice(&self.hash)
                .ok_or_else(|| corrupt(format!("token hash of {} bytes", self.hash.len())))?,
            user_id: self.user_id,
            purpose: TokenPurpose::parse(&self.purpose)
                .ok_or_else(|| corrupt(format!("unknown token purpose {:?}", self.purpose)))?,
            new_email: self.new_email,
            created_at: from_micros(self.created_at)?,
            expires_at: from_micros(self.expires_at)?,
        })
    }
}

/// A `revocations` row.
#[derive(sqlx::FromRow)]
pub(crate) struct RevocationRow {
    seq: i64,
    kind: String,
    user_id: Uuid,
    session_id: Option<Uuid>,
    role: Option<String>,
    created_at: i64,
}

impl RevocationRow {
    pub(crate) fn into_record(self) -> Result<RevocationRecord, sqlx::Error> {
        let what = match (self.kind.as_str(), self.session_id, self.role) {
            ("session", Some(session_id), _) => Revoked::Session(session_id),
            ("account", _, _) => Revoked::Account,
            ("role", _, Some(role)) => {
                Revoked::Role(Role::new(role).map_err(|e| corrupt(e.to_string()))?)
            }
            (kind, ..) => return Err(corrupt(format!("malformed revocation of kind {kind:?}"))),
        };
        Ok(RevocationRecord {
            seq: self.seq,
            user_id: self.user_id,
            what,
            at: from_micros(self.created_at)?,
        })
    }
}

/// A `login_failures` row.
#[derive(sqlx::FromRow)]
pub(crate) struct FailuresRow {
    failures: i32,
    last_failure_at: i64,
}

impl FailuresRow {
    pub(crate) fn into_failures(self) -> Result<LoginFailures, sqlx::Error> {
        Ok(LoginFailures {
            count: count(self.failures),
            last_failure_at: from_micros(self.last_failure_at)?,
        })
    }
}

/// A `totp_credentials` row.
#[derive(sqlx::FromRow)]
pub(crate) struct TotpRow {
    user_id: Uuid,
    sealed_secret: Vec<u8>,
    created_at: i64,
    confirmed_at: Option<i64>,
    last_used_step: Option<i64>,
}

impl TotpRow {
    pub(crate) fn into_credential(self) -> Result<TotpCredential, sqlx::Error> {
        Ok(TotpCredential {
            user_id: self.user_id,
            sealed_secret: self.sealed_secret,
            created_at: from_micros(self.created_at)?,
            confirmed_at: opt_from_micros(self.confirmed_at)?,
            last_used_step: self.last_used_step,
        })
    }
}

/// A `passkeys` row.
#[derive(sqlx::FromRow)]
pub(crate) struct PasskeyRow {
    id: Uuid,
    user_id: Uuid,
    credential_id: Vec<u8>,
    name: String,
    credential: String,
    sign_count: i64,
    created_at: i64,
    last_used_at: Option<i64>,
}

impl PasskeyRow {
    pub(crate) fn into_passkey(self) -> Result<StoredPasskey, sqlx::Error> {
        Ok(StoredPasskey {
            id: self.id,
            user_id: self.user_id,
            credential_id: self.credential_id,
            name: self.name,
            credential: self.credential,
            sign_count: u32::try_from(self.sign_count)
                .map_err(|_| corrupt(format!("sign count {} out of range", self.sign_count)))?,
            created_at: from_micros(self.created_at)?,
            last_used_at: opt_from_micros(self.last_used_at)?,
        })
    }
}

/// A `passkey_ceremonies` row.
#[derive(sqlx::FromRow)]
pub(crate) struct CeremonyRow {
    hash: Vec<u8>,
    user_id: Option<Uuid>,
    purpose: String,
    state: String,
    created_at: i64,
    expires_at: i64,
}

impl CeremonyRow {
    pub(crate) fn into_ceremony(self) -> Result<PasskeyCeremony, sqlx::Error> {
        Ok(PasskeyCeremony {
            hash: TokenHash::from_slice(&self.hash)
                .ok_or_else(|| corrupt("a ceremony hash is not 32 bytes".into()))?,
            user_id: self.user_id,
            purpose: CeremonyPurpose::parse(&self.purpose)
                .ok_or_else(|| corrupt(format!("unknown ceremony purpose {:?}", self.purpose)))?,
            state: self.state,
            created_at: from_micros(self.created_at)?,
            expires_at: from_micros(self.expires_at)?,
        })
    }
}

/// A stored failure count as the trait's `u32`.
pub(crate) fn count(failures: i32) -> u32 {
    u32::try_from(failures).unwrap_or(0)
}

/// An `identities` row.
#[derive(sqlx::FromRow)]
pub(crate) struct IdentityRow {
    id: Uuid,
    user_id: Uuid,
    provider: String,
    subject: String,
    email: Option<String>,
    created_at: i64,
}

impl IdentityRow {
    pub(crate) fn into_identity(self) -> Result<Identity, sqlx::Error> {
        Ok(Identity {
            id: self.id,
            user_id: self.user_id,
            provider: self.provider,
            subject: self.subject,
            email: self.email,
            created_at: from_micros(self.created_at)?,
        })
    }
}

/// An `oauth_flows` row.
#[derive(sqlx::FromRow)]
pub(crate) struct OAuthFlowRow {
    state_hash: Vec<u8>,
    provider: String,
    binding_hash: Vec<u8>,
    nonce_hash: Vec<u8>,
    pkce_verifier: String,
    redirect_uri: String,
    link_user_id: Option<Uuid>,
    created_at: i64,
    expires_at: i64,
}

impl OAuthFlowRow {
    pub(crate) fn into_flow(self) -> Result<OAuthFlow, sqlx::Error> {
        let hash = |bytes: &[u8]| {
            TokenHash::from_slice(bytes)
                .ok_or_else(|| corrupt(format!("a flow hash of {} bytes", bytes.len())))
        };
        Ok(OAuthFlow {
            state: hash(&self.state_hash)?,
            provider: self.provider,
            binding: hash(&self.binding_hash)?,
            nonce: hash(&self.nonce_hash)?,
            pkce_verifier: self.pkce_verifier,
            redirect_uri: self.redirect_uri,
            link_user: self.link_user_id,
            created_at: from_micros(self.created_at)?,
            expires_at: from_micros(self.expires_at)?,
        })
    }
}
