//! Encryption of stored secrets: AES-256-GCM with a random 96-bit nonce per value and a key
//! derived from `TOWER_CRYPTO_SECRETKEY` by HKDF-SHA256. Each sealed value names the key that
//! sealed it (a short id derived from the key, which reveals nothing of it), so a key can be
//! rotated: the previous key still opens what it sealed while cron seals it again with the
//! current one. The associated data binds a value to its row: a ciphertext copied into another
//! row does not open.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use hkdf::Hkdf;
use rand::RngCore;
use sha2::Sha256;
use zeroize::Zeroizing;

const NONCE_LEN: usize = 12;
const SALT: &[u8] = b"tower-crypto-v1";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    #[error("TOWER_CRYPTO_SECRETKEY is not set, so secrets cannot be stored or read")]
    NoKey,
    #[error("the value was sealed with key {0}, which is neither TOWER_CRYPTO_SECRETKEY nor TOWER_CRYPTO_PREVIOUS_SECRETKEY")]
    UnknownKey(String),
    #[error("the value does not decrypt with key {0}: it was altered or belongs to another row")]
    Corrupt(String),
}

struct Key {
    id: String,
    cipher: Aes256Gcm,
}

impl Key {
    fn derive(secret: &str) -> Key {
        let hk = Hkdf::<Sha256>::new(Some(SALT), secret.as_bytes());
        let mut bytes = Zeroizing::new([0u8; 32]);
        hk.expand(b"aes-256-gcm key", bytes.as_mut()).expect("32 bytes is a valid HKDF-SHA256 length");
        let mut id = [0u8; 6];
        hk.expand(b"key id", &mut id).expect("6 bytes is a valid HKDF-SHA256 length");
        Key { id: id.iter().map(|b| format!("{b:02x}")).collect(), cipher: Aes256Gcm::new(bytes.as_ref().into()) }
    }

    fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::thread_rng().fill_bytes(&mut nonce);
        let sealed =
            self.cipher.encrypt(Nonce::from_slice(&nonce), Payload { msg: plaintext, aad }).expect("AES-GCM encrypts any length we store");
        [nonce.as_slice(), &sealed].concat()
    }

    fn open(&self, data: &[u8], aad: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        if data.len() < NONCE_LEN {
            return Err(CryptoError::Corrupt(self.id.clone()));
        }
        let (nonce, sealed) = data.split_at(NONCE_LEN);
        self.cipher
            .decrypt(Nonce::from_slice(nonce), Payload { msg: sealed, aad })
            .map(Zeroizing::new)
            .map_err(|_| CryptoError::Corrupt(self.id.clone()))
    }
}

/// A value as stored: the id of the key that sealed it, and nonce + ciphertext + tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub key_id: String,
    pub data: Vec<u8>,
}

/// The keys of this process: the current one seals and opens, the previous one (during a
/// rotation) only opens.
pub struct Keyring {
    current: Option<Key>,
    previous: Option<Key>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring").field("current", &self.current_id()).field("previous", &self.previous_id()).finish()
    }
}

impl Keyring {
    pub fn new(current: Option<&str>, previous: Option<&str>) -> Keyring {
        Keyring { current: current.map(Key::derive), previous: previous.map(Key::derive) }
    }

    pub fn current_id(&self) -> Option<&str> {
        self.current.as_ref().map(|k| k.id.as_str())
    }

    pub fn previous_id(&self) -> Option<&str> {
        self.previous.as_ref().map(|k| k.id.as_str())
    }

    /// Whether a value sealed with `key_id` can be opened here.
    pub fn opens(&self, key_id: &str) -> bool {
        self.key(key_id).is_some()
    }

    fn key(&self, key_id: &str) -> Option<&Key> {
        [&self.current, &self.previous].into_iter().flatten().find(|k| k.id == key_id)
    }

    pub fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Result<Sealed, CryptoError> {
        let key = self.current.as_ref().ok_or(CryptoError::NoKey)?;
        Ok(Sealed { key_id: key.id.clone(), data: key.seal(plaintext, aad) })
    }

    pub fn open(&self, sealed: &Sealed, aad: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        if self.current.is_none() && self.previous.is_none() {
            return Err(CryptoError::NoKey);
        }
        let key = self.key(&sealed.key_id).ok_or_else(|| CryptoError::UnknownKey(sealed.key_id.clone()))?;
        key.open(&sealed.data, aad)
    }

    /// The value sealed again with the current key, or `None` when it already is.
    pub fn reseal(&self, sealed: &Sealed, aad: &[u8]) -> Result<Option<Sealed>, CryptoError> {
        if self.current_id() == Some(sealed.key_id.as_str()) {
            return Ok(None);
        }
        let plain = self.open(sealed, aad)?;
        self.seal(&plain, aad).map(Some)
    }
}

/// Seals `plaintext` for a caller who holds `token` (their API access token) under the pairing
/// `pairing_id`: AES-256-GCM with a key derived from both by HKDF-SHA256, base64 of nonce +
/// ciphertext + tag, bound to `aad`. The credential keys the launcher asks for travel this way,
/// so a proxy or a log that keeps response bodies (but not the Authorization header) holds
/// nothing readable.
pub fn seal_for_pairing(token: &str, pairing_id: &str, aad: &[u8], plaintext: &[u8]) -> String {
    use base64::Engine;
    let key = pairing_key(token, pairing_id);
    base64::engine::general_purpose::STANDARD.encode(key.seal(plaintext, aad))
}

/// The other end of [`seal_for_pairing`].
pub fn open_from_pairing(token: &str, pairing_id: &str, aad: &[u8], sealed: &str) -> Option<Zeroizing<Vec<u8>>> {
    use base64::Engine;
    let data = base64::engine::general_purpose::STANDARD.decode(sealed).ok()?;
    pairing_key(token, pairing_id).open(&data, aad).ok()
}

fn pairing_key(token: &str, pairing_id: &str) -> Key {
    let hk = Hkdf::<Sha256>::new(Some(pairing_id.as_bytes()), token.as_bytes());
    let mut bytes = Zeroizing::new([0u8; 32]);
    hk.expand(b"tower credentials keys", bytes.as_mut()).expect("32 bytes is a valid HKDF-SHA256 length");
    Key { id: "pairing".into(), cipher: Aes256Gcm::new(bytes.as_ref().into()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_value_opens_with_its_key_and_row_only() {
        let ring = Keyring::new(Some("a-long-enough-secret-key"), None);
        let s = ring.seal(b"hunter2", b"row-1").unwrap();
        assert!(!s.data.windows(7).any(|w| w == b"hunter2"));
        assert_eq!(ring.open(&s, b"row-1").unwrap().as_slice(), b"hunter2");
        assert_eq!(ring.open(&s, b"row-2"), Err(CryptoError::Corrupt(s.key_id.clone())));
        let again = ring.seal(b"hunter2", b"row-1").unwrap();
        assert_ne!(s.data, again.data, "a fresh nonce per value");
        let other = Keyring::new(Some("another-secret-key-entirely"), None);
        assert_eq!(other.open(&s, b"row-1"), Err(CryptoError::UnknownKey(s.key_id.clone())));
        assert_eq!(Keyring::new(None, None).seal(b"x", b"r"), Err(CryptoError::NoKey));
        let mut flipped = s.clone();
        flipped.data[20] ^= 1;
        assert!(ring.open(&flipped, b"row-1").is_err());
    }

    #[test]
    fn rotation_reseals_with_the_current_key_and_reads_both_meanwhile() {
        let old = Keyring::new(Some("the-old-secret-key-0001"), None);
        let s = old.seal(b"value", b"row").unwrap();
        let both = Keyring::new(Some("the-new-secret-key-0002"), Some("the-old-secret-key-0001"));
        assert_eq!(both.open(&s, b"row").unwrap().as_slice(), b"value");
        let new = both.reseal(&s, b"row").unwrap().unwrap();
        assert_eq!(Some(new.key_id.as_str()), both.current_id());
        assert_eq!(both.reseal(&new, b"row").unwrap(), None);
        let only_new = Keyring::new(Some("the-new-secret-key-0002"), None);
        assert_eq!(only_new.open(&new, b"row").unwrap().as_slice(), b"value");
        assert_ne!(both.current_id(), both.previous_id());
        assert!(!format!("{both:?}").contains("secret-key"));
    }

    #[test]
    fn pairing_sealed_keys_open_with_the_same_token_and_pairing() {
        let sealed = seal_for_pairing("token-1", "pair-1", b"cred", b"{\"privateKey\":\"k\"}");
        assert_eq!(open_from_pairing("token-1", "pair-1", b"cred", &sealed).unwrap().as_slice(), b"{\"privateKey\":\"k\"}");
        assert!(open_from_pairing("token-2", "pair-1", b"cred", &sealed).is_none());
        assert!(open_from_pairing("token-1", "pair-2", b"cred", &sealed).is_none());
    }
}
