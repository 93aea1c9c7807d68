//! Identifiers: Tower-style short random base62 strings for workflow ids, random hex secrets.

use rand::Rng;

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A random base62 string of `len` characters from the OS-seeded thread RNG.
pub fn random_base62(len: usize) -> String {
    let mut rng = rand::thread_rng();
    (0..len).map(|_| BASE62[rng.gen_range(0..BASE62.len())] as char).collect()
}

/// `bytes` random bytes as lower-case hex: secrets, nonces and message ids.
pub fn random_hex(bytes: usize) -> String {
    use rand::RngCore;
    let mut b = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A new workflow id such as `4Bi5xBK6E2Nbhj` (14 characters, ~83 bits).
pub fn new_workflow_id() -> String {
    random_base62(14)
}

/// A new Nextflow session id: a random (version 4) UUID.
pub fn new_session_id() -> String {
    let h = random_hex(16);
    format!("{}-{}-4{}-a{}-{}", &h[0..8], &h[8..12], &h[13..16], &h[17..20], &h[20..32])
}

/// Workflow ids are at most 16 base62 characters (the Nextflow client cuts them at 16).
pub fn is_valid_workflow_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 16 && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_ids_are_fourteen_base62_characters_and_distinct() {
        let a = new_workflow_id();
        assert_eq!(a.len(), 14);
        assert!(is_valid_workflow_id(&a));
        assert_ne!(a, new_workflow_id());
        assert!(!is_valid_workflow_id("../etc"));
        assert!(!is_valid_workflow_id("12345678901234567"));
    }
}
