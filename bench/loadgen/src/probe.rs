//! The server's CPU time and resident memory, read from `/proc/PID` (Linux
//! only) when `--server-pid` names the server process.

use std::time::Duration;

use serde::Serialize;

use crate::Error;

/// Clock ticks per second of `/proc/PID/stat`'s `utime` and `stime`.
/// `sysconf(_SC_CLK_TCK)` would say, but loadgen does not link libc for one
/// call: Linux exports `USER_HZ`, which is 100 on every architecture it
/// supports, so one tick is 10 ms.
pub const CLK_TCK: u64 = 100;

/// Most processes one [`Probe`] observes together.
pub const MAX_PROCESSES: usize = 4;

/// The server process to observe, or up to [`MAX_PROCESSES`] processes
/// that serve together (several processes sharing rooms through Redis):
/// their CPU time and resident memory are summed.
#[derive(Debug, Clone, Copy)]
pub struct Probe {
    pids: [u32; MAX_PROCESSES],
    len: usize,
}

impl Probe {
    /// A probe of process `pid`, checked by reading it once.
    ///
    /// # Errors
    ///
    /// [`Error::Probe`] when `/proc/PID` cannot be read.
    pub fn new(pid: u32) -> Result<Self, Error> {
        Self::cluster(&[pid])
    }

    /// A probe of the processes `pids` together (one to
    /// [`MAX_PROCESSES`]), each checked by reading it once.
    ///
    /// # Errors
    ///
    /// [`Error::Probe`] when a `/proc/PID` cannot be read, or for no or too
    /// many pids.
    pub fn cluster(pids: &[u32]) -> Result<Self, Error> {
        let first = pids.first().copied().unwrap_or_default();
        if pids.is_empty() || pids.len() > MAX_PROCESSES {
            let reason = format!("observes 1 to {MAX_PROCESSES} processes, not {}", pids.len());
            return Err(Error::Probe { pid: first, reason });
        }
        let mut all = [0; MAX_PROCESSES];
        all[..pids.len()].copy_from_slice(pids);
        let probe = Self { pids: all, len: pids.len() };
        probe.cpu()?;
        probe.rss_kib()?;
        Ok(probe)
    }

    /// `None` without pids; otherwise [`Probe::cluster`].
    ///
    /// # Errors
    ///
    /// As [`Probe::cluster`].
    pub fn maybe_cluster(pids: &[u32]) -> Result<Option<Self>, Error> {
        if pids.is_empty() { Ok(None) } else { Self::cluster(pids).map(Some) }
    }

    fn pids(&self) -> &[u32] {
        &self.pids[..self.len]
    }

    /// `None` without a pid; otherwise [`Probe::new`].
    ///
    /// # Errors
    ///
    /// As [`Probe::new`].
    pub fn maybe(pid: Option<u32>) -> Result<Option<Self>, Error> {
        pid.map(Self::new).transpose()
    }

    /// User plus system CPU time the process (or processes) used so far.
    ///
    /// # Errors
    ///
    /// [`Error::Probe`] when `/proc/PID/stat` cannot be read or parsed.
    pub fn cpu(&self) -> Result<Duration, Error> {
        let mut ticks = 0;
        for &pid in self.pids() {
            let stat = read(pid, "stat")?;
            ticks += cpu_ticks(&stat).ok_or_else(|| error(pid, format!("cannot parse /proc/{pid}/stat")))?;
        }
        Ok(Duration::from_millis(ticks * 1000 / CLK_TCK))
    }

    /// Resident memory (`VmRSS`), in KiB.
    ///
    /// # Errors
    ///
    /// [`Error::Probe`] when `/proc/PID/status` cannot be read or has no
    /// `VmRSS` line.
    pub fn rss_kib(&self) -> Result<u64, Error> {
        let mut kib = 0;
        for &pid in self.pids() {
            let status = read(pid, "status")?;
            kib += vm_rss_kib(&status).ok_or_else(|| error(pid, format!("no VmRSS in /proc/{pid}/status")))?;
        }
        Ok(kib)
    }
}

fn read(pid: u32, file: &str) -> Result<String, Error> {
    let path = format!("/proc/{pid}/{file}");
    std::fs::read_to_string(&path).map_err(|e| error(pid, format!("{path}: {e}")))
}

fn error(pid: u32, reason: String) -> Error {
    Error::Probe { pid, reason }
}

/// `utime + stime` from the text of `/proc/PID/stat`. The command name in
/// field 2 may hold spaces and parentheses, so fields are counted after the
/// last `)`: there, `state` is the first and `utime`, `stime` the 12th and
/// 13th.
fn cpu_ticks(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_ascii_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

fn vm_rss_kib(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_ascii_whitespace().nth(1)?.parse().ok()
}

/// The server's CPU time over one phase of a run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Cpu {
    /// The phase measured.
    pub phase: &'static str,
    /// What one operation is.
    pub op: &'static str,
    /// Operations in the phase.
    pub ops: u64,
    /// Server CPU time (user + system) in the phase, in milliseconds, with
    /// the resolution of a clock tick (10 ms).
    pub cpu_ms: f64,
    /// Of it, per operation, in microseconds.
    pub per_op_us: f64,
}

impl std::fmt::Display for Cpu {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let per = format!("{:.1} µs per {}", self.per_op_us, self.op);
        write!(f, "{}: {:.0} ms for {} ({per})", self.phase, self.cpu_ms, self.ops)
    }
}

/// Measures the server's CPU time from [`Meter::start`] to
/// [`Meter::stop`]; does nothing without a probe.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Meter {
    probe: Option<Probe>,
    start: Duration,
}

impl Meter {
    pub(crate) fn start(probe: Option<Probe>) -> Result<Self, Error> {
        let start = probe.map(|p| p.cpu()).transpose()?.unwrap_or_default();
        Ok(Self { probe, start })
    }

    /// Adds the phase to `into` (when there is a probe).
    pub(crate) fn stop(
        self,
        phase: &'static str,
        op: &'static str,
        ops: u64,
        into: &mut Vec<Cpu>,
    ) -> Result<(), Error> {
        into.extend(self.used()?.map(|used| Cpu::new(phase, op, ops, used)));
        Ok(())
    }

    /// The CPU time used since the start, when there is a probe.
    pub(crate) fn used(self) -> Result<Option<Duration>, Error> {
        self.probe.map(|p| Ok(p.cpu()?.saturating_sub(self.start))).transpose()
    }
}

impl Cpu {
    /// `used` CPU time over `ops` operations.
    pub(crate) fn new(phase: &'static str, op: &'static str, ops: u64, used: Duration) -> Self {
        let per_op_us = if ops == 0 { 0.0 } else { used.as_secs_f64() * 1e6 / ops as f64 };
        Self { phase, op, ops, cpu_ms: used.as_secs_f64() * 1e3, per_op_us }
    }
}

/// The server's resident memory before and after connections were opened.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rss {
    /// `VmRSS` before the first connection, KiB.
    pub before_kib: u64,
    /// `VmRSS` at the end of the hold, KiB.
    pub after_kib: u64,
    /// `(after - before) / connections`, KiB.
    pub per_connection_kib: f64,
}

impl Rss {
    pub(crate) fn new(before_kib: u64, after_kib: u64, connections: u64) -> Self {
        let grown = after_kib.saturating_sub(before_kib) as f64;
        Self { before_kib, after_kib, per_connection_kib: grown / connections.max(1) as f64 }
    }
}

impl std::fmt::Display for Rss {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (before, after) = (self.before_kib as f64 / 1024.0, self.after_kib as f64 / 1024.0);
        write!(f, "{:.1} KiB per connection ({before:.1} MiB before, {after:.1} MiB held)", self.per_connection_kib)
    }
}

/// The server CPU lines of a report.
pub(crate) fn write_cpu(f: &mut std::fmt::Formatter<'_>, cpu: &[Cpu]) -> std::fmt::Result {
    cpu.iter().try_for_each(|c| writeln!(f, "  {:<14}{c}", "server cpu"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_ticks_are_counted_after_the_command_name() {
        let stat = "42 (a (b) c) S 1 42 42 0 -1 4194560 100 0 0 0 7 5 0 0 20 0 1 0 100 1000 10";
        assert_eq!(cpu_ticks(stat), Some(12));
        assert_eq!(cpu_ticks("garbage"), None);
    }

    #[test]
    fn vm_rss_is_read_in_kib() {
        assert_eq!(vm_rss_kib("Name:\tx\nVmRSS:\t   1234 kB\n"), Some(1234));
        assert_eq!(vm_rss_kib("Name:\tx\n"), None);
    }

    #[test]
    fn this_process_can_be_probed_and_a_missing_one_cannot() {
        let probe = Probe::new(std::process::id()).unwrap();
        assert!(probe.rss_kib().unwrap() > 0);
        let error = Probe::new(u32::MAX).unwrap_err();
        assert_eq!(error.exit_code(), 2);
    }

    #[test]
    fn rss_per_connection_is_the_growth_shared_out() {
        assert_eq!(Rss::new(1000, 3000, 100).per_connection_kib, 20.0);
        assert_eq!(Rss::new(3000, 1000, 100).per_connection_kib, 0.0);
    }
}
