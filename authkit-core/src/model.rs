//! The domain: users, roles, statuses, sessions.

use std::fmt;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// A user's id: a UUID v7 (time-ordered, so ids sort by creation).
pub type UserId = Uuid;
/// A session's id (a refresh-token family): a UUID v7.
pub type SessionId = Uuid;

/// A new time-ordered id.
pub fn new_id() -> Uuid {
    Uuid::now_v7()
}

/// A role: a short lower-case name. `user` and `admin` are built in; applications add their own
/// (`candidate`, `hr`, ...).
///
/// ```
/// use authkit_core::Role;
///
/// let hr = Role::new("hr").unwrap();
/// assert_eq!(hr.as_str(), "hr");
/// assert!(Role::new("Not A Role").is_err());
/// assert!(Role::admin().is_admin());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Role(String);

impl Role {
    /// The role every new account gets.
    pub const USER: &'static str = "user";
    /// The role that may use the admin routes.
    pub const ADMIN: &'static str = "admin";

    /// A role from its name: 1 to 32 characters of `a-z`, `0-9`, `_`, `-`.
    pub fn new(name: impl Into<String>) -> Result<Self, InvalidRole> {
        let name = name.into();
        let valid = (1..=32).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if valid {
            Ok(Self(name))
        } else {
            Err(InvalidRole(name))
        }
    }

    /// The `user` role.
    pub fn user() -> Self {
        Self(Self::USER.to_owned())
    }

    /// The `admin` role.
    pub fn admin() -> Self {
        Self(Self::ADMIN.to_owned())
    }

    /// The role's name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is the `admin` role.
    pub fn is_admin(&self) -> bool {
        self.0 == Self::ADMIN
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Role {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Role::new(String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// A role name that breaks the naming rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid role {0:?}: use 1-32 characters of a-z, 0-9, '_' or '-'")]
pub struct InvalidRole(pub String);

/// Whether an account may sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    /// The account may sign in.
    Active,
    /// An administrator disabled the account: logins fail like a wrong password, sessions are revoked.
    Disabled,
}

impl UserStatus {
    /// The status as stored and sent.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Disabled => "disabled",
        }
    }

    /// Parses a stored or requested status.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(Self::Active),
            "disabled" => Some(Self::Disabled),
            _ => None,
        }
    }
}

/// A stored password hash (a PHC string, or a legacy bcrypt string). `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// The stored text of [`PasswordHash::unusable`]: not a PHC or bcrypt string, so no
    /// password can ever match it (the leading `!` follows `/etc/shadow`'s locked accounts).
    pub const UNUSABLE: &'static str = "!authkit:no-password";

    /// Wraps a stored hash string.
    pub fn new(phc: impl Into<String>) -> Self {
        Self(phc.into())
    }

    /// The hash of an account without a password (created by signing in with another
    /// provider): every password is refused for it, after the cost of one dummy verification,
    /// until a password reset sets one.
    ///
    /// ```
    /// use authkit_core::model::PasswordHash;
    ///
    /// assert!(!PasswordHash::unusable().is_usable());
    /// assert!(PasswordHash::new("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA").is_usable());
    /// ```
    pub fn unusable() -> Self {
        Self(Self::UNUSABLE.to_owned())
    }

    /// Whether a password can sign in to this account (it is not [`PasswordHash::unusable`]).
    pub fn is_usable(&self) -> bool {
        self.0 != Self::UNUSABLE
    }

    /// The hash string, for storing it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash([redacted])")
    }
}

/// A user as stored. Serialize it with [`UserView`](crate::dto::UserView), never directly:
/// this struct holds the password hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The id (UUID v7).
    pub id: UserId,
    /// The e-mail address as the user gave it (trimmed).
    pub email: String,
    /// The unique, lower-case form of the e-mail address.
    pub email_canonical: String,
    /// The optional username as given.
    pub username: Option<String>,
    /// The unique, lower-case form of the username.
    pub username_canonical: Option<String>,
    /// The password hash.
    pub password_hash: PasswordHash,
    /// The role.
    pub role: Role,
    /// Active or disabled.
    pub status: UserStatus,
    /// Whether the owner proved control of the address.
    pub email_verified: bool,
    /// When the account was created.
    pub created_at: OffsetDateTime,
    /// When the account last changed.
    pub updated_at: OffsetDateTime,
}

/// A session: one refresh-token family, created at login, rotated on every refresh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The id, also the `sid` claim of the access tokens minted for it.
    pub id: SessionId,
    /// The owner.
    pub user_id: UserId,
    /// When it was created (the login).
    pub created_at: OffsetDateTime,
    /// When a refresh token of the family was last used.
    pub last_used_at: OffsetDateTime,
    /// When it expires if unused (pushed forward on every refresh).
    pub idle_expires_at: OffsetDateTime,
    /// When it expires whatever happens.
    pub expires_at: OffsetDateTime,
    /// When it was revoked, if it was.
    pub revoked_at: Option<OffsetDateTime>,
    /// The client's `User-Agent` at login.
    pub user_agent: Option<String>,
    /// The client's IP at login.
    pub ip: Option<IpAddr>,
}

impl Session {
    /// Whether the session can still be used at `now`.
    pub fn is_active(&self, now: OffsetDateTime) -> bool {
        self.revoked_at.is_none() && now < self.idle_expires_at && now < self.expires_at
    }
}

/// An identity id: a UUID v7.
pub type IdentityId = Uuid;

/// An account at another identity provider (OpenID Connect, or an OAuth2 provider such as
/// GitHub) linked to a user: signing in there signs the user in here. A user may have several;
/// one (`provider`, `subject`) belongs to at most one user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The id (UUID v7).
    pub id: IdentityId,
    /// The user it signs in.
    pub user_id: UserId,
    /// The provider's configured name (`google`, `github`, ...).
    pub provider: String,
    /// The provider's stable id of the account (`sub`, or GitHub's numeric `id`).
    pub subject: String,
    /// The address the provider asserted when the identity was linked, if any.
    pub email: Option<String>,
    /// When it was linked.
    pub created_at: OffsetDateTime,
}

/// Who is calling: recorded on sessions and events.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientInfo {
    /// The client IP, as the adapter determined it (trusted proxies considered).
    pub ip: Option<IpAddr>,
    /// The `User-Agent` header, truncated to 512 bytes.
    pub user_agent: Option<String>,
}

impl ClientInfo {
    /// Client info from an IP and a user agent (truncated to 512 bytes on a char boundary).
    pub fn new(ip: Option<IpAddr>, user_agent: Option<&str>) -> Self {
        let user_agent = user_agent.map(|ua| {
            let mut end = ua.len().min(512);
            while !ua.is_char_boundary(end) {
                end -= 1;
            }
            ua[..end].to_owned()
        });
        Self { ip, user_agent }
    }
}
