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

/// Requests the API server has served, per verb (`apiserver_request_total`
/// from its `/metrics`), long-running verbs (`WATCH`) included. Differences
/// between two readings say how many calls a piece of work made.
pub async fn apiserver_requests(
    client: &kube::Client,
) -> Result<std::collections::BTreeMap<String, f64>, kube::Error> {
    let request = http::Request::get("/metrics")
        .body(Vec::new())
        .map_err(kube::Error::HttpError)?;
    let text = client.request_text(request).await?;
    let mut totals = std::collections::BTreeMap::new();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("apiserver_request_total{") else {
            continue;
        };
        let verb = rest
            .split("verb=\"")
            .nth(1)
            .and_then(|v| v.split('"').next())
            .unwrap_or("?");
        let value = rest
            .rsplit(' ')
            .next()
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0);
        *totals.entry(verb.to_owned()).or_insert(0.0) += value;
    }
    Ok(totals)
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
