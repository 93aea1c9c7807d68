//! HS256 JSON Web Tokens signed with `TOWER_JWT_SECRET`, as sent by Bearer clients.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub exp: i64,
    #[serde(default)]
    pub iat: i64,
}

fn mac(secret: &str) -> Hmac<Sha256> {
    Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any size")
}

pub fn sign<C: Serialize>(claims: &C, secret: &str) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).expect("claims serialize"));
    let signing_input = format!("{header}.{payload}");
    let mut m = mac(secret);
    m.update(signing_input.as_bytes());
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(m.finalize().into_bytes()))
}

/// The claims of a well-signed, unexpired HS256 token.
pub fn verify(token: &str, secret: &str, now_secs: i64) -> Option<Claims> {
    let claims: Claims = verify_as(token, secret)?;
    (claims.exp > now_secs).then_some(claims)
}

/// The claims of a well-signed HS256 token, in the caller's shape; expiry is the caller's to check.
pub fn verify_as<C: DeserializeOwned>(token: &str, secret: &str) -> Option<C> {
    let mut parts = token.split('.');
    let (h, p, s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    #[derive(Deserialize)]
    struct Header {
        alg: String,
    }
    let header: Header = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(h).ok()?).ok()?;
    if header.alg != "HS256" {
        return None;
    }
    let mut m = mac(secret);
    m.update(format!("{h}.{p}").as_bytes());
    m.verify_slice(&URL_SAFE_NO_PAD.decode(s).ok()?).ok()?;
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_well_signed_unexpired_tokens_verify() {
        let secret = "a-secret-that-is-long-enough-for-tower-jwt";
        let t = sign(&Claims { sub: "7".into(), exp: 2_000, iat: 1_000 }, secret);
        assert_eq!(verify(&t, secret, 1_500).unwrap().sub, "7");
        assert!(verify(&t, secret, 2_001).is_none());
        assert!(verify(&t, "another-secret-that-is-long-enough-xx", 1_500).is_none());
        let tampered = t.replacen('.', ".e", 1);
        assert!(verify(&tampered, secret, 1_500).is_none());
    }
}
