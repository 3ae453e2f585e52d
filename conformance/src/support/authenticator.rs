//! A software passkey authenticator for the passkey scenarios: webauthn-authenticator-rs's
//! `SoftToken` (real P-256 keys, real signatures, a real signature counter, user verification
//! reported) behind what a browser and a CTAP 2.1 authenticator add around it.
//!
//! The soft token keeps no resident credentials and cannot be asked for "any credential of
//! this relying party", which a sign-in with a passkey alone needs. This wrapper plays that
//! part: it remembers, per relying party, the credential ids it created and the user handle
//! each was created for, answers a request listing no credential with its own (as a platform
//! authenticator would) and puts the user handle in the assertion, as a resident credential
//! returns it. Everything the server verifies (client data, authenticator data, signature,
//! counter) comes from the soft token.

use std::collections::HashMap;

use serde_json::Value;
use url::Url;
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_authenticator_rs::softtoken::SoftToken;
use webauthn_rs_proto::{
    AllowCredentials, CreationChallengeResponse, PublicKeyCredential, RequestChallengeResponse,
};

/// A credential the authenticator created: its id and the user handle it was created for.
#[derive(Clone)]
struct Resident {
    credential_id: Vec<u8>,
    user_handle: Vec<u8>,
}

/// A passkey authenticator, with the browser around it.
pub struct SoftAuthenticator {
    token: SoftToken,
    /// Per relying-party id, in creation order.
    resident: HashMap<String, Vec<Resident>>,
}

impl Default for SoftAuthenticator {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for SoftAuthenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SoftAuthenticator").finish_non_exhaustive()
    }
}

impl SoftAuthenticator {
    /// A fresh authenticator that performs user verification.
    pub fn new() -> Self {
        let (token, _ca) = SoftToken::new(true).expect("a software token");
        Self {
            token,
            resident: HashMap::new(),
        }
    }

    /// `navigator.credentials.create(options)` on a page of `origin`: the credential's JSON,
    /// as a browser hands it to the page. Panics when the authenticator refuses.
    pub fn register(&mut self, origin: &str, options: &Value) -> Value {
        let mut options: CreationChallengeResponse = serde_json::from_value(options.clone())
            .unwrap_or_else(|e| panic!("creation options webauthn-rs reads ({e}): {options}"));
        let rp_id = options.public_key.rp.id.clone();
        let user_handle = options.public_key.user.id.clone();
        // This wrapper keeps the resident part; the soft token would refuse to.
        if let Some(selection) = options.public_key.authenticator_selection.as_mut() {
            selection.require_resident_key = false;
            selection.resident_key = None;
        }
        let credential = self
            .token
            .do_registration(origin_url(origin), options)
            .unwrap_or_else(|e| panic!("the soft token refused to register: {e:?}"));
        self.resident.entry(rp_id).or_default().push(Resident {
            credential_id: credential.raw_id.to_vec(),
            user_handle,
        });
        serde_json::to_value(&credential).expect("a credential serialises")
    }

    /// `navigator.credentials.get(options)` on a page of `origin`: the assertion's JSON. With
    /// no credential listed, the first one created for the relying party answers. Panics when
    /// the authenticator has no credential to answer with.
    pub fn sign_in(&mut self, origin: &str, options: &Value) -> Value {
        let mut options: RequestChallengeResponse = serde_json::from_value(options.clone())
            .unwrap_or_else(|e| panic!("request options webauthn-rs reads ({e}): {options}"));
        let resident = self
            .resident
            .get(&options.public_key.rp_id)
            .cloned()
            .unwrap_or_default();
        let allowed = &mut options.public_key.allow_credentials;
        if allowed.is_empty() {
            let first = resident
                .first()
                .expect("a credential for this relying party");
            allowed.push(AllowCredentials {
                type_: "public-key".into(),
                id: first.credential_id.clone(),
                transports: None,
            });
        }
        let mut assertion: PublicKeyCredential = self
            .token
            .do_authentication(origin_url(origin), options)
            .unwrap_or_else(|e| panic!("the soft token refused to sign: {e:?}"));
        assertion.response.user_handle = resident
            .iter()
            .find(|r| r.credential_id == assertion.raw_id.to_vec())
            .map(|r| r.user_handle.clone());
        serde_json::to_value(&assertion).expect("an assertion serialises")
    }

    /// The token's whole state (keys and counter), to [`restore`](Self::restore) later: a
    /// copy of the authenticator, as a cloned device would be.
    pub fn snapshot(&self) -> Vec<u8> {
        self.token.to_cbor().expect("the soft token serialises")
    }

    /// Puts back a state taken by [`snapshot`](Self::snapshot).
    pub fn restore(&mut self, snapshot: &[u8]) {
        self.token = SoftToken::from_cbor(snapshot).expect("a snapshot of a soft token");
    }
}

fn origin_url(origin: &str) -> Url {
    Url::parse(origin).unwrap_or_else(|e| panic!("an origin URL ({e}): {origin}"))
}
