//! The personal access token format Nextflow recognises as a Platform token and sends as
//! Bearer: base64 of `{"tid":<id>}.<secret>`. Only SHA-256 of the secret is stored.

use base64::Engine;
use sha2::{Digest, Sha256};

pub struct ParsedToken {
    pub id: i64,
    pub secret: String,
}

/// A new secret and its hash.
pub fn new_secret() -> (String, String) {
    let secret = crate::domain::ids::random_hex(32);
    let hash = hash_secret(&secret);
    (secret, hash)
}

pub fn format(id: i64, secret: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{{\"tid\":{id}}}.{secret}"))
}

pub fn hash_secret(secret: &str) -> String {
    Sha256::digest(secret.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

pub fn parse(token: &str) -> Option<ParsedToken> {
    let engines = [
        &base64::engine::general_purpose::STANDARD,
        &base64::engine::general_purpose::STANDARD_NO_PAD,
        &base64::engine::general_purpose::URL_SAFE,
    ];
    let bytes = engines.iter().find_map(|e| e.decode(token.trim()).ok())?;
    let text = String::from_utf8(bytes).ok()?;
    let (head, secret) = text.split_once('.')?;
    #[derive(serde::Deserialize)]
    struct Head {
        tid: i64,
    }
    let head: Head = serde_json::from_str(head).ok()?;
    (!secret.is_empty()).then(|| ParsedToken { id: head.tid, secret: secret.to_string() })
}

/// Constant-time comparison of a presented secret with a stored hash.
pub fn secret_matches(secret: &str, stored_hash: &str) -> bool {
    let a = hash_secret(secret);
    a.len() == stored_hash.len() && a.bytes().zip(stored_hash.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_round_trips_and_decodes_as_nextflow_expects() {
        let (secret, hash) = new_secret();
        let token = format(5, &secret);
        let decoded = String::from_utf8(base64::engine::general_purpose::STANDARD.decode(&token).unwrap()).unwrap();
        assert!(decoded.starts_with("{\"tid\":5}."));
        let parsed = parse(&token).unwrap();
        assert_eq!(parsed.id, 5);
        assert!(secret_matches(&parsed.secret, &hash));
        assert!(!secret_matches("wrong", &hash));
        assert!(parse("not-a-token").is_none());
    }
}
