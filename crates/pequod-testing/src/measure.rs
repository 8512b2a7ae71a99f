//! What benchmark binaries read: their positional arguments and the
//! resident memory of processes, from /proc.

/// The `n`th positional argument (flags such as cargo's `--bench` skipped),
/// or `default` when absent or not a number.
pub fn arg(n: usize, default: u64) -> u64 {
    std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .nth(n)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

/// Resident memory in KiB of process `pid` (`"self"` for this one).
pub fn rss_kib(pid: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

/// Resident memory in KiB of the first process whose command is `comm`
/// (e.g. `kube-apiserver`), for ratios against the reference server.
pub fn process_rss_kib(comm: &str) -> Option<u64> {
    std::fs::read_dir("/proc").ok()?.flatten().find_map(|e| {
        let pid = e.file_name().into_string().ok()?;
        let name = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
        (name.trim() == comm).then(|| rss_kib(&pid)).flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::rss_kib;

    #[test]
    fn reads_own_rss() {
        assert!(rss_kib("self").is_some_and(|kib| kib > 0));
        assert_eq!(rss_kib("no-such-pid"), None);
    }
}
