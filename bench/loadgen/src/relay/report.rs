//! What a `relay` run measured, as a table or JSON.

use std::{fmt, time::Duration};

use serde::Serialize;

use super::peer::Tally;
use crate::{
    RelayArgs,
    probe::Cpu,
    stats::{Latency, Samples, rate},
};

/// The figures and the verdict of a `relay` run.
#[derive(Debug, Clone, Serialize)]
pub struct RelayReport {
    /// The PeerJS websocket URL.
    pub url: String,
    /// Peer pairs.
    pub pairs: u32,
    /// Filler bytes per OFFER.
    pub payload_bytes: usize,
    /// OFFERs in flight per sender, at most.
    pub window: u32,
    /// Seconds from the first OFFER to the last ANSWER.
    pub secs: f64,
    /// OFFER / ANSWER round trips completed.
    pub round_trips: u64,
    /// Messages relayed (OFFERs and ANSWERs) per second.
    pub messages_per_sec: f64,
    /// OFFER filler bytes delivered per second.
    pub payload_bytes_per_sec: f64,
    /// Bytes of the relayed frames, as the clients sent them, per second.
    pub wire_bytes_per_sec: f64,
    /// From sending an OFFER to receiving its ANSWER.
    pub round_trip: Latency,
    /// HEARTBEATs sent.
    pub heartbeats: u64,
    /// Messages lost, duplicated, reordered, misattributed or unanswered.
    pub mismatches: u64,
    /// The first few, described.
    pub mismatch_examples: Vec<String>,
    /// Server CPU time while sending, per relayed message (OFFER or
    /// ANSWER), with `--server-pid`.
    pub server_cpu: Vec<Cpu>,
}

impl RelayReport {
    pub(super) fn new(args: &RelayArgs, took: Duration, tallies: Vec<Tally>, cpu: Option<Duration>) -> Self {
        let (mut sent, mut answered, mut received) = (vec![0; args.pairs as usize], 0, vec![0; args.pairs as usize]);
        let (mut wire, mut heartbeats, mut mismatches, mut examples, mut rtt) =
            (0, 0, 0, Vec::new(), Samples::default());
        for tally in tallies {
            sent[tally.pair as usize] += tally.sent;
            received[tally.pair as usize] += tally.received;
            answered += tally.answered;
            wire += tally.wire_bytes;
            heartbeats += tally.heartbeats;
            mismatches += tally.anomalies;
            examples.extend(tally.anomaly_examples.into_iter().take(10usize.saturating_sub(examples.len())));
            rtt.merge(tally.rtt);
        }
        let sent_all: u64 = sent.iter().sum();
        for (pair, (s, r)) in sent.iter().zip(&received).enumerate() {
            if s != r {
                mismatches += 1;
                examples.push(format!("pair {pair}: lg-a-{pair} sent {s} OFFERs, lg-b-{pair} received {r}"));
            }
        }
        if answered != sent_all {
            mismatches += 1;
            examples.push(format!("{sent_all} OFFERs sent, {answered} answered"));
        }
        let relayed = sent_all + answered;
        let server_cpu = cpu.map(|used| Cpu::new("send", "relayed message", relayed, used)).into_iter().collect();
        Self {
            url: args.url.clone(),
            pairs: args.pairs,
            payload_bytes: args.payload,
            window: args.window,
            secs: took.as_secs_f64(),
            round_trips: answered,
            messages_per_sec: rate(sent_all + answered, took),
            payload_bytes_per_sec: rate(sent_all * args.payload as u64, took),
            wire_bytes_per_sec: rate(wire, took),
            round_trip: rtt.summary(),
            heartbeats,
            mismatches,
            mismatch_examples: examples,
            server_cpu,
        }
    }

    /// Whether every OFFER arrived once, in order, from the right `src`, and
    /// was answered.
    #[must_use]
    pub fn passed(&self) -> bool {
        self.mismatches == 0
    }
}

impl fmt::Display for RelayReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "relay @ {}", self.url)?;
        let load = format!("{} pairs, {} B payload, window {}", self.pairs, self.payload_bytes, self.window);
        writeln!(f, "  {:<14}{load}", "load")?;
        writeln!(f, "  {:<14}{} in {:.2} s", "round trips", self.round_trips, self.secs)?;
        writeln!(f, "  {:<14}{:.0} messages/s", "throughput", self.messages_per_sec)?;
        let bytes =
            format!("{} payload, {} on the wire", mib(self.payload_bytes_per_sec), mib(self.wire_bytes_per_sec));
        writeln!(f, "  {:<14}{bytes}", "bytes")?;
        writeln!(f, "  {:<14}{}", "round trip", self.round_trip)?;
        writeln!(f, "  {:<14}{}", "heartbeats", self.heartbeats)?;
        crate::probe::write_cpu(f, &self.server_cpu)?;
        if self.passed() {
            writeln!(f, "  {:<14}OK: every OFFER arrived once, in order, from its sender, and was answered", "check")
        } else {
            writeln!(f, "  {:<14}MISMATCH: {} problems", "check", self.mismatches)?;
            self.mismatch_examples.iter().try_for_each(|e| writeln!(f, "    {e}"))
        }
    }
}

fn mib(per_sec: f64) -> String {
    format!("{:.2} MiB/s", per_sec / (1024.0 * 1024.0))
}
