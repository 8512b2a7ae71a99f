//! Compiled modules by digest, so that Transforms sharing a module, and
//! every reconcile of one Transform, compile it once.
//!
//! Bounded by `PEQUOD_CACHE_SIZE_MB` (module source bytes held; default
//! 100) and `PEQUOD_CACHE_TTL_HOURS` (an entry unused that long is dropped;
//! default 24), as the operations guide documents.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pequod_runtime::metrics::Metrics;

use crate::instance::render::CompiledModule;
use crate::modules::Module;

struct Entry {
    module: Arc<CompiledModule>,
    bytes: usize,
    used: Instant,
}

/// The cache; cheap to share behind the controller's context.
pub struct ModuleCache {
    entries: Mutex<HashMap<String, Entry>>,
    max_bytes: usize,
    ttl: Duration,
}

impl ModuleCache {
    /// A cache holding at most `max_bytes` of module sources, dropping
    /// entries unused for `ttl`.
    pub fn new(max_bytes: usize, ttl: Duration) -> Self {
        Self {
            entries: Mutex::default(),
            max_bytes,
            ttl,
        }
    }

    /// Limits from `PEQUOD_CACHE_SIZE_MB` and `PEQUOD_CACHE_TTL_HOURS`.
    pub fn from_env() -> Self {
        let number = |name: &str, default: u64| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
                .unwrap_or(default)
        };
        let mb = number("PEQUOD_CACHE_SIZE_MB", 100);
        let hours = number("PEQUOD_CACHE_TTL_HOURS", 24);
        Self::new(
            usize::try_from(mb.saturating_mul(1 << 20)).unwrap_or(usize::MAX),
            Duration::from_secs(hours.saturating_mul(3600)),
        )
    }

    /// The compiled module, from the cache or compiled now.
    pub fn get_or_compile(
        &self,
        module: &Module,
        metrics: &Metrics,
    ) -> Result<Arc<CompiledModule>, String> {
        let digest = module.digest();
        let now = Instant::now();
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|_, e| now.duration_since(e.used) < self.ttl);
            if let Some(entry) = entries.get_mut(&digest) {
                entry.used = now;
                metrics.pequod().cue_cache_hit();
                return Ok(Arc::clone(&entry.module));
            }
        }
        metrics.pequod().cue_cache_miss();
        let compiled = Arc::new(CompiledModule::compile(module).map_err(|e| e.to_string())?);
        let bytes: usize = module.files.iter().map(|(p, s)| p.len() + s.len()).sum();
        if let Ok(mut entries) = self.entries.lock() {
            // Make room, least recently used first.
            while entries.values().map(|e| e.bytes).sum::<usize>() + bytes > self.max_bytes {
                let Some(oldest) = entries
                    .iter()
                    .min_by_key(|(_, e)| e.used)
                    .map(|(k, _)| k.clone())
                else {
                    break;
                };
                entries.remove(&oldest);
            }
            if bytes <= self.max_bytes {
                entries.insert(
                    digest,
                    Entry {
                        module: Arc::clone(&compiled),
                        bytes,
                        used: now,
                    },
                );
            }
        }
        Ok(compiled)
    }

    /// How many modules are held.
    pub fn len(&self) -> usize {
        self.entries.lock().map_or(0, |e| e.len())
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use pequod_runtime::metrics::Metrics;

    use super::ModuleCache;
    use crate::modules::Module;

    fn inline(source: &str) -> Module {
        Module {
            origin: "test".into(),
            files: vec![("m.cue".into(), source.into())],
        }
    }

    #[test]
    fn hits_misses_size_and_ttl() {
        let metrics = Metrics::new();
        let cache = ModuleCache::new(1 << 20, Duration::from_secs(3600));
        let a = inline("a: 1");
        let first = cache.get_or_compile(&a, &metrics).unwrap();
        let second = cache.get_or_compile(&a, &metrics).unwrap();
        assert!(std::sync::Arc::ptr_eq(&first, &second));
        let text = metrics.encode();
        assert!(text.contains("pequod_cue_cache_hits_total 1"), "{text}");
        assert!(text.contains("pequod_cue_cache_misses_total 1"), "{text}");

        // Too small for two modules: the older one goes.
        let tiny = ModuleCache::new(12, Duration::from_secs(3600));
        tiny.get_or_compile(&inline("a: 1"), &metrics).unwrap();
        tiny.get_or_compile(&inline("b: 2"), &metrics).unwrap();
        assert_eq!(tiny.len(), 1);

        // Expired entries are dropped on the next look-up.
        let short = ModuleCache::new(1 << 20, Duration::ZERO);
        short.get_or_compile(&inline("a: 1"), &metrics).unwrap();
        short.get_or_compile(&inline("b: 2"), &metrics).unwrap();
        assert_eq!(short.len(), 1);

        assert!(cache.get_or_compile(&inline("a: {"), &metrics).is_err());
    }
}
