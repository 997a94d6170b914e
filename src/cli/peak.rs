//! Peak extra memory of one step of a command, as the kernel measured it: the resident
//! high-water mark is reset just before the step (writing `5` to `/proc/self/clear_refs`, Linux
//! 4.0 and later) and read just after it, less the resident size before. Memory the allocator kept
//! from earlier steps and hands out again does not show, so this is a lower bound; algorithms that
//! count their own buffers report that estimate beside it.

/// A running measurement; see the module comment.
pub(super) struct PeakMeter {
    rss_before: u64,
}

impl PeakMeter {
    /// Resets the high-water mark and notes the resident size; `None` where `/proc` does not allow
    /// it (not Linux, or a restricted container), and the caller prints no figure.
    pub(super) fn start() -> Option<PeakMeter> {
        std::fs::write("/proc/self/clear_refs", "5").ok()?;
        Some(PeakMeter { rss_before: status_bytes("VmRSS:")? })
    }

    /// Bytes by which the resident size rose above its value at [`PeakMeter::start`], at its peak.
    pub(super) fn extra_bytes(&self) -> Option<u64> {
        Some(status_bytes("VmHWM:")?.saturating_sub(self.rss_before))
    }
}

/// A `kB` line of `/proc/self/status`, in bytes.
fn status_bytes(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with(field))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Bytes as MiB with one decimal, for summaries.
pub(super) fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}
