//! One PeerJS peer: the sender (`lg-a-N`) keeps up to a window of OFFERs in
//! flight to its echoer (`lg-b-N`), which answers each with an ANSWER
//! carrying the same sequence number. Both send HEARTBEAT every 5 s, as the
//! stock client does.

use std::{collections::VecDeque, time::Duration};

use lingua_signal_testing::wire::{
    Text,
    peerjs::{self, HEARTBEAT as HEARTBEAT_FRAME, Incoming, Outgoing},
    socket,
};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use tokio::{
    sync::{mpsc, watch},
    time::{Instant, Interval},
};
use tokio_tungstenite::tungstenite::Utf8Bytes;

use crate::{
    Error,
    stats::Samples,
    ws::{self, Stream, WAIT},
};

/// How often a peer says it is alive.
pub(crate) const HEARTBEAT: Duration = Duration::from_secs(5);

/// What the coordinator tells every peer to do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Wait for OPEN.
    Open,
    /// Senders send until `until`.
    Send { until: Instant },
    /// Every sender is done: stop.
    Stop,
}

/// What a peer did and saw.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    pub pair: u32,
    /// OFFERs sent (sender).
    pub sent: u64,
    /// ANSWERs matched to an OFFER (sender).
    pub answered: u64,
    /// OFFERs received in sequence (echoer).
    pub received: u64,
    /// Text bytes of the relayed frames this peer sent.
    pub wire_bytes: u64,
    pub heartbeats: u64,
    pub rtt: Samples,
    pub anomalies: u64,
    pub anomaly_examples: Vec<String>,
}

/// A relayed frame as the server delivers it.
type Relayed<'a> = Incoming<'a, Payload<'a>>;

/// The payload of the frames this scenario sends, and of `ERROR`.
#[derive(Debug, Deserialize)]
struct Payload<'a> {
    seq: Option<u64>,
    #[serde(borrow, default)]
    data: Option<Text<'a>>,
    #[serde(borrow, default)]
    msg: Option<Text<'a>>,
}

/// An OFFER's payload: `data` is the filler, already a JSON string, so it
/// is copied out as it is rather than escaped again for every OFFER.
#[derive(Debug, Serialize)]
struct Offer<'a> {
    seq: u64,
    data: &'a RawValue,
}

/// An ANSWER's payload.
#[derive(Debug, Serialize)]
struct Answer {
    seq: u64,
}

/// One registered peer.
#[derive(Debug)]
pub(crate) struct Peer {
    pub id: String,
    /// The `src` its OFFERs claim: `forged-by-ID`.
    forged: String,
    /// The other peer of the pair.
    pub other: String,
    pub ws: Stream,
    /// Filler bytes each OFFER carries.
    payload_len: usize,
    heartbeat: Interval,
    pub tally: Tally,
}

impl Peer {
    pub(crate) fn new(pair: u32, id: String, other: String, ws: Stream, payload_len: usize) -> Self {
        let heartbeat = tokio::time::interval_at(Instant::now() + HEARTBEAT, HEARTBEAT);
        let forged = format!("forged-by-{id}");
        Self { id, forged, other, ws, payload_len, heartbeat, tally: Tally { pair, ..Tally::default() } }
    }

    /// Waits for OPEN and reports it on `done`.
    pub(crate) async fn open(&mut self, url: &str, done: &mpsc::UnboundedSender<()>) -> Result<(), Error> {
        self.await_open(url).await?;
        let _ = done.send(());
        Ok(())
    }

    async fn await_open(&mut self, url: &str) -> Result<(), Error> {
        let Some(text) = ws::next_text(&mut self.ws, &self.id, Instant::now() + WAIT).await? else {
            return Err(Error::Timeout { what: format!("{}: OPEN", self.id), wait: WAIT });
        };
        peerjs::expect_open(&text).map_err(|_| Error::Connect {
            url: url.to_owned(),
            reason: format!("{} was not registered: {text}", self.id),
        })
    }

    /// The sender: keeps `window` OFFERs in flight until `until`, then
    /// collects the outstanding answers.
    pub(crate) async fn send(&mut self, until: Instant, window: usize, filler: &RawValue) -> Result<(), Error> {
        let mut in_flight: VecDeque<(u64, Instant)> = VecDeque::with_capacity(window);
        loop {
            while in_flight.len() < window && Instant::now() < until {
                let seq = self.tally.sent;
                let frame = offer(&self.forged, &self.other, seq, filler)?;
                self.tally.wire_bytes += frame.len() as u64;
                socket::feed_text(&mut self.ws, frame).await.map_err(|e| Error::wire(&self.id, e))?;
                in_flight.push_back((seq, Instant::now()));
                self.tally.sent += 1;
            }
            socket::flush(&mut self.ws).await.map_err(|e| Error::wire(&self.id, e))?;
            if in_flight.is_empty() {
                return Ok(());
            }
            let Some(text) = self.next_or_heartbeat(Instant::now() + WAIT).await? else {
                let seq = in_flight.front().map_or(0, |f| f.0);
                return Err(Error::Timeout { what: format!("{}: ANSWER to OFFER {seq}", self.id), wait: WAIT });
            };
            self.on_answer(&text, &mut in_flight)?;
        }
    }

    fn on_answer(&mut self, text: &str, in_flight: &mut VecDeque<(u64, Instant)>) -> Result<(), Error> {
        let frame = self.parse(text)?;
        let seq = frame.payload.as_ref().and_then(|p| p.seq);
        if frame.kind != "ANSWER" || frame.src.as_deref() != Some(&self.other) {
            self.anomaly(format!("expected an ANSWER from {}, got {}", self.other, peerjs::shorten(text)));
            return Ok(());
        }
        match in_flight.front() {
            Some(&(expected, sent)) if seq == Some(expected) => {
                in_flight.pop_front();
                self.tally.rtt.record(sent.elapsed());
                self.tally.answered += 1;
            }
            _ => self.anomaly(format!("ANSWER {seq:?} out of order (expected {:?})", in_flight.front().map(|f| f.0))),
        }
        Ok(())
    }

    /// The echoer: answers every OFFER until the phase says stop.
    pub(crate) async fn echo(&mut self, phase: &mut watch::Receiver<Phase>) -> Result<(), Error> {
        loop {
            let text = tokio::select! {
                stop = phase.wait_for(|p| *p == Phase::Stop) => {
                    return stop.map(|_| ()).map_err(|_| Error::Internal("the run was abandoned".into()));
                }
                text = self.next_or_heartbeat(Instant::now() + Duration::from_secs(3600)) => text?,
            };
            if let Some(text) = text {
                self.on_offer(&text).await?;
            }
        }
    }

    async fn on_offer(&mut self, text: &str) -> Result<(), Error> {
        let frame = self.parse(text)?;
        let payload = frame.payload.as_ref();
        let seq = payload.and_then(|p| p.seq);
        let data_len = payload.and_then(|p| p.data.as_ref()).map(|d| d.len());
        if frame.kind != "OFFER" || frame.src.as_deref() != Some(&self.other) {
            self.anomaly(format!("expected an OFFER from {}, got {}", self.other, peerjs::shorten(text)));
            return Ok(());
        }
        if seq != Some(self.tally.received) {
            self.anomaly(format!("OFFER {seq:?} out of order (expected {})", self.tally.received));
        }
        if let Some(seq) = seq {
            self.tally.received = seq + 1;
            let answer = Outgoing { kind: "ANSWER", src: Some("forged"), dst: &self.other, payload: Answer { seq } };
            let answer = answer.encode().map_err(unencodable)?;
            self.tally.wire_bytes += answer.len() as u64;
            ws::send_text(&mut self.ws, &self.id, answer).await?;
        }
        if data_len != Some(self.payload_len) {
            self.anomaly(format!("OFFER {seq:?} carries {data_len:?} bytes of data, not {}", self.payload_len));
        }
        Ok(())
    }

    /// Reads frames (each one an anomaly now) until the phase satisfies
    /// `ready`, heartbeating meanwhile.
    pub(crate) async fn idle_until(
        &mut self,
        phase: &mut watch::Receiver<Phase>,
        ready: impl Fn(&Phase) -> bool,
    ) -> Result<Phase, Error> {
        loop {
            let text = tokio::select! {
                changed = phase.wait_for(&ready) => {
                    return changed.map(|p| *p).map_err(|_| Error::Internal("the run was abandoned".into()));
                }
                text = self.next_or_heartbeat(Instant::now() + Duration::from_secs(3600)) => text?,
            };
            if let Some(text) = text {
                self.anomaly(format!("unexpected {}", peerjs::shorten(&text)));
            }
        }
    }

    /// The next text frame, sending a HEARTBEAT whenever one is due; `None`
    /// at `deadline`.
    async fn next_or_heartbeat(&mut self, deadline: Instant) -> Result<Option<Utf8Bytes>, Error> {
        loop {
            tokio::select! {
                text = ws::next_text(&mut self.ws, &self.id, deadline) => return text,
                _ = self.heartbeat.tick() => {
                    socket::send_text(&mut self.ws, HEARTBEAT_FRAME).await.map_err(|e| Error::wire(&self.id, e))?;
                    self.tally.heartbeats += 1;
                }
            }
        }
    }

    fn parse<'a>(&self, text: &'a str) -> Result<Relayed<'a>, Error> {
        let frame = Relayed::parse(text).map_err(|e| Error::wire(&self.id, e))?;
        if frame.kind == "ERROR" {
            let msg = frame.payload.as_ref().and_then(|p| p.msg.as_deref()).unwrap_or_default().to_owned();
            return Err(Error::Protocol { who: self.id.clone(), detail: format!("ERROR {msg}") });
        }
        Ok(frame)
    }

    fn anomaly(&mut self, what: String) {
        tracing::debug!(peer = %self.id, "{what}");
        self.tally.anomalies += 1;
        if self.tally.anomaly_examples.len() < 5 {
            self.tally.anomaly_examples.push(format!("{}: {what}", self.id));
        }
    }
}

/// An OFFER with a forged `src` (`forged-by-ID`), which the server must
/// overwrite.
fn offer(forged: &str, dst: &str, seq: u64, filler: &RawValue) -> Result<String, Error> {
    Outgoing { kind: "OFFER", src: Some(forged), dst, payload: Offer { seq, data: filler } }
        .encode()
        .map_err(unencodable)
}

/// Strings, numbers and a JSON string always serialize: this is a bug.
fn unencodable(error: serde_json::Error) -> Error {
    Error::Internal(format!("a frame did not serialize: {error}"))
}
