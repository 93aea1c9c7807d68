//! The web app built into the binary (see `build.rs`): the same answers as a web directory, from
//! memory. Files with precompressed siblings are carried only as those; their plain bytes are
//! unzipped once, when the app is first used.

use std::collections::HashMap;
use std::io::Read;
use std::sync::{Arc, OnceLock};

use hyper::body::Bytes;
use hyper::header::HeaderValue;

use crate::static_files::{content_type, StaticFile, Variant};

/// A file of the built app as `build.rs` embeds it.
pub struct EmbeddedFile {
    /// Relative to the app's root, `/`-separated.
    path: &'static str,
    /// Of the plain contents, for the `ETag`s.
    hash: &'static str,
    /// The plain bytes, when the file has no `.gz` sibling.
    raw: &'static [u8],
    gzip: &'static [u8],
    br: &'static [u8],
}

include!(concat!(env!("OUT_DIR"), "/web_app.rs"));

/// Whether this binary was built with the web app in it.
pub fn is_built() -> bool {
    FILES.iter().any(|f| f.path == "index.html")
}

/// The embedded file at `path` (relative, `/`-separated).
pub fn file(path: &str) -> Option<Arc<StaticFile>> {
    static FILES_BY_PATH: OnceLock<HashMap<&'static str, Arc<StaticFile>>> = OnceLock::new();
    FILES_BY_PATH.get_or_init(|| FILES.iter().map(|f| (f.path, Arc::new(f.load()))).collect()).get(path).cloned()
}

impl EmbeddedFile {
    fn load(&self) -> StaticFile {
        let variant = |encoding: Option<&'static str>, bytes: Bytes| {
            let etag = format!("\"{}{}\"", self.hash, encoding.map_or(String::new(), |e| format!("-{e}")));
            Variant { encoding, bytes, etag: HeaderValue::from_str(&etag).expect("a hex ETag is a header value") }
        };
        let mut variants = Vec::with_capacity(3);
        if !self.br.is_empty() {
            variants.push(variant(Some("br"), Bytes::from_static(self.br)));
        }
        let raw = if self.gzip.is_empty() {
            Bytes::from_static(self.raw)
        } else {
            variants.push(variant(Some("gzip"), Bytes::from_static(self.gzip)));
            let mut plain = Vec::new();
            flate2::read::GzDecoder::new(self.gzip).read_to_end(&mut plain).expect("build.rs embeds gzip files written by the web build");
            plain.into()
        };
        variants.push(variant(None, raw));
        StaticFile { content_type: content_type(std::path::Path::new(self.path)), variants }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every embedded file decodes, and its precompressed variants hold the same bytes.
    #[test]
    fn embedded_files_load() {
        for embedded in FILES {
            let file = embedded.load();
            let plain = &file.variants.last().expect("the plain variant").bytes;
            assert!(!plain.is_empty() || embedded.raw.is_empty(), "{}", embedded.path);
            assert_eq!(file.variants.len(), 1 + usize::from(!embedded.gzip.is_empty()) + usize::from(!embedded.br.is_empty()));
        }
    }
}
