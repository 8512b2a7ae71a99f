//! Names that never collide between tests, test binaries or runs.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// `prefix` plus a short suffix unique to this call: a valid DNS-1123 label
/// when `prefix` is one of at most 50 characters.
pub fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    // FNV-1a over pid, time and counter: cheap, deterministic mixing.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in u128::from(std::process::id())
        .to_le_bytes()
        .into_iter()
        .chain(nanos.to_le_bytes())
        .chain(n.to_le_bytes())
    {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{prefix}-{:08x}", h & 0xffff_ffff)
}

#[cfg(test)]
mod tests {
    use super::unique_name;

    #[test]
    fn unique_and_dns_safe() {
        let a = unique_name("ns");
        let b = unique_name("ns");
        assert_ne!(a, b);
        assert!(a.starts_with("ns-") && a.len() == 11);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        );
    }
}
