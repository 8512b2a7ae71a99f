//! Cached objects compressed against a sample of their kind.
//!
//! Objects of one kind repeat each other: the same keys, labels, defaults
//! and status layout, differing in names, uids and a few values. LZ4 with
//! a sample of the kind as its dictionary keeps mostly what differs: a
//! Deployment's 1.9 KB of JSON becomes ~250 bytes and a ResourceGraph's
//! 3.8 KB ~750, where compressing each alone keeps about half. A sample
//! that fits the others badly costs ratio, never correctness: every entry
//! is re-encoded when the dictionary changes.

use std::collections::HashMap;

/// At most this much of a sample is kept as the dictionary: the head of an
/// object (type, metadata, spec, the start of its status) is what its kind
/// shares, and LZ4 looks back at most 64 KiB anyway.
const MAX_DICTIONARY: usize = 16 * 1024;

/// Objects by cache key, each its JSON compressed against one dictionary.
#[derive(Default)]
pub(super) struct Compressed {
    objects: HashMap<Box<str>, Box<[u8]>>,
    dictionary: Box<[u8]>,
}

impl Compressed {
    pub(super) fn len(&self) -> usize {
        self.objects.len()
    }

    /// Keys, compressed objects and the dictionary, in bytes.
    pub(super) fn bytes(&self) -> usize {
        let entries: usize = self.objects.iter().map(|(k, v)| k.len() + v.len()).sum();
        entries + self.dictionary.len()
    }

    /// The JSON stored under `key`.
    pub(super) fn get(&self, key: &str) -> Option<Vec<u8>> {
        decompress(self.objects.get(key)?, &self.dictionary)
    }

    /// The JSON of every object.
    pub(super) fn values(&self) -> impl Iterator<Item = Vec<u8>> + '_ {
        self.objects
            .values()
            .filter_map(|bytes| decompress(bytes, &self.dictionary))
    }

    /// `json` compressed for [`Self::insert_compressed`], valid until the
    /// dictionary changes: lets the writer compress under a read lock.
    pub(super) fn compress(&self, json: &[u8]) -> Box<[u8]> {
        compress(json, &self.dictionary)
    }

    pub(super) fn insert_compressed(&mut self, key: Box<str>, bytes: Box<[u8]>) {
        self.objects.insert(key, bytes);
    }

    pub(super) fn remove(&mut self, key: &str) {
        self.objects.remove(key);
    }

    /// Keeps only the entries whose key `keep` accepts.
    pub(super) fn retain(&mut self, mut keep: impl FnMut(&str) -> bool) {
        self.objects.retain(|key, _| keep(key));
    }

    /// Makes `sample` the dictionary, re-encoding every entry against it.
    pub(super) fn learn(&mut self, sample: &[u8]) {
        let dictionary: Box<[u8]> = sample[..sample.len().min(MAX_DICTIONARY)].into();
        let old = std::mem::replace(&mut self.dictionary, dictionary);
        for bytes in self.objects.values_mut() {
            // Only this module writes entries, so each decodes; one that
            // did not would be as unreadable after as before.
            if let Some(json) = decompress(bytes, &old) {
                *bytes = compress(&json, &self.dictionary);
            }
        }
    }
}

fn compress(json: &[u8], dictionary: &[u8]) -> Box<[u8]> {
    lz4_flex::block::compress_prepend_size_with_dict(json, dictionary).into_boxed_slice()
}

/// `None` for bytes that are no LZ4 block (serde refuses whatever else a
/// foreign block decodes to).
fn decompress(bytes: &[u8], dictionary: &[u8]) -> Option<Vec<u8>> {
    lz4_flex::block::decompress_size_prepended_with_dict(bytes, dictionary).ok()
}

#[cfg(test)]
mod tests {
    use super::{Compressed, MAX_DICTIONARY, decompress};

    fn put(map: &mut Compressed, key: &str, json: &[u8]) {
        let bytes = map.compress(json);
        map.insert_compressed(key.into(), bytes);
    }

    fn object(name: &str, status: &str) -> Vec<u8> {
        format!(
            r#"{{"apiVersion":"apps/v1","kind":"Deployment","metadata":{{"name":"{name}","namespace":"default","labels":{{"app.kubernetes.io/name":"{name}","app.kubernetes.io/managed-by":"pequod"}}}},"spec":{{"replicas":1,"template":{{"spec":{{"containers":[{{"name":"app","image":"ghcr.io/acme/{name}:1.0"}}]}}}}}},"status":{status}}}"#
        )
        .into_bytes()
    }

    const READY: &str = r#"{"conditions":[{"type":"Available","status":"True","reason":"MinimumReplicasAvailable"},{"type":"Progressing","status":"True","reason":"NewReplicaSetAvailable"}],"observedGeneration":1,"readyReplicas":1,"replicas":1}"#;

    #[test]
    fn round_trips_and_keeps_what_objects_share_once() {
        let mut map = Compressed::default();
        map.learn(&object("first", "{}"));
        put(&mut map, "default/first", &object("first", "{}"));
        put(&mut map, "default/second", &object("second", "{}"));
        assert_eq!(map.get("default/first").unwrap(), object("first", "{}"));
        assert_eq!(map.get("default/second").unwrap(), object("second", "{}"));
        assert_eq!(map.get("default/third"), None);
        // The second is mostly references into the sample.
        let stored = map.objects["default/second"].len();
        assert!(stored * 4 < object("second", "{}").len(), "{stored}");
        map.remove("default/first");
        assert_eq!(map.len(), 1);
        assert_eq!(map.values().collect::<Vec<_>>(), [object("second", "{}")]);
    }

    #[test]
    fn a_better_sample_re_encodes_every_entry() {
        let mut map = Compressed::default();
        map.learn(&object("first", "{}"));
        for i in 0..10 {
            put(
                &mut map,
                &format!("default/{i}"),
                &object(&i.to_string(), READY),
            );
        }
        let before = map.bytes();
        map.learn(&object("sample", READY));
        assert!(map.bytes() < before, "{} >= {before}", map.bytes());
        for i in 0..10 {
            assert_eq!(
                map.get(&format!("default/{i}")).unwrap(),
                object(&i.to_string(), READY)
            );
        }
        map.retain(|key| key.ends_with('3'));
        assert_eq!(map.len(), 1);
        assert_eq!(map.get("default/3").unwrap(), object("3", READY));
    }

    #[test]
    fn a_large_sample_is_cut_to_the_dictionary_limit() {
        let mut map = Compressed::default();
        let big = vec![b'x'; 100_000];
        map.learn(&big);
        put(&mut map, "/big", &big);
        assert_eq!(map.dictionary.len(), MAX_DICTIONARY);
        assert_eq!(map.get("/big").unwrap(), big);
    }

    #[test]
    fn foreign_bytes_do_not_decode() {
        // A literal run longer than the block.
        assert_eq!(decompress(&[64, 0, 0, 0, 0xf0, 40, b'{'], b"{}"), None);
    }
}
