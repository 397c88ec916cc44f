//! One member of a room: its websocket, its view of who else is in the room,
//! and what it did and heard.
//!
//! A member reads its socket at all times (while waiting for a reply, a
//! phase change or the end of a pause), so the server never has to queue
//! for it: a stalled reader would be dropped as a slow consumer.

use std::time::Duration;

use lingua_signal_testing::wire::rooms::{Frame, Request};
use tokio::{
    sync::{mpsc, watch},
    time::Instant,
};
use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::ledger::{Kind, Ledger};
use crate::{
    Error,
    stats::Samples,
    ws::{self, Stream, WAIT},
};

/// What the coordinator tells every member to do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Join once, then wait.
    Join,
    /// Churners leave and rejoin until `until`; the others listen.
    Churn { until: Instant },
    /// Every change is done: make sure every event has arrived, then stop.
    Drain,
}

/// What a member did and heard.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    pub ledger: Ledger,
    pub join_latency: Samples,
    pub events: u64,
    pub joins: u64,
    pub leaves: u64,
    /// Protocol guarantees seen broken (an event while out of the room, a
    /// second user-connected for someone present, …).
    pub anomalies: u64,
    /// The first few of them, described.
    pub anomaly_examples: Vec<String>,
    /// `joined` replies that arrived after events which happened after the
    /// join.
    pub overtaken_replies: u64,
    /// The events that overtook them.
    pub early_events: u64,
    /// The first few, described.
    pub overtaken_examples: Vec<String>,
}

/// Where a member stands in its room.
#[derive(Debug)]
enum Presence {
    Out,
    /// `join` sent, `joined` not received yet: the events that arrive are
    /// kept until the reply's `users` gives the room they apply to.
    Joining(Vec<(Kind, u32)>),
    /// In the room with these other members.
    In(Vec<u32>),
}

/// One connected member.
#[derive(Debug)]
pub(crate) struct Member {
    pub room: u32,
    pub index: u32,
    pub room_id: String,
    pub ws: Stream,
    pub who: String,
    next_id: u64,
    presence: Presence,
    pub tally: Tally,
}

impl Member {
    pub(crate) fn new(room: u32, index: u32, room_id: String, ws: Stream) -> Self {
        let who = format!("{room_id} m{index}");
        Self { room, index, room_id, ws, who, next_id: 0, presence: Presence::Out, tally: Tally::default() }
    }

    /// The member's whole life: join, churn (or listen), drain. Each phase's
    /// end is reported on `done`; the coordinator moves `phase` on once
    /// everyone has reported.
    pub(crate) async fn run(
        mut self,
        churner: bool,
        pause: Duration,
        mut phase: watch::Receiver<Phase>,
        done: mpsc::UnboundedSender<()>,
    ) -> Result<Self, Error> {
        self.join().await?;
        let _ = done.send(());
        if let Phase::Churn { until } = self.listen_until(&mut phase, |p| matches!(p, Phase::Churn { .. })).await?
            && churner
        {
            self.churn(until, pause).await?;
        }
        let _ = done.send(());
        self.listen_until(&mut phase, |p| *p == Phase::Drain).await?;
        // The pong comes after every event that happened before the ping was
        // handled, and every change was done before the drain began.
        let reply = self.request(Request::Ping).await?;
        self.expect_reply(&self.parse(&reply)?, "pong")?;
        Ok(self)
    }

    async fn churn(&mut self, until: Instant, pause: Duration) -> Result<(), Error> {
        while Instant::now() < until {
            self.leave().await?;
            self.join().await?;
            if !pause.is_zero() {
                self.listen_for(pause).await?;
            }
        }
        Ok(())
    }

    async fn join(&mut self) -> Result<(), Error> {
        let sent = Instant::now();
        self.presence = Presence::Joining(Vec::new());
        let (room, user) = (self.room_id.clone(), user_id(self.index));
        let reply = self.request(Request::Join { room: &room, user: &user }).await?;
        self.tally.join_latency.record(sent.elapsed());
        let reply = self.parse(&reply)?;
        self.expect_reply(&reply, "joined")?;
        let mut present = Vec::new();
        for user in reply.users.iter().flatten() {
            present.push(self.member_index(user)?);
        }
        self.tally.ledger.expect(self.room, self.index, Kind::Connected, &present);
        let early = match std::mem::replace(&mut self.presence, Presence::In(present)) {
            Presence::Joining(early) => early,
            _ => Vec::new(),
        };
        if !early.is_empty() {
            self.overtaken(&early);
        }
        for (kind, actor) in early {
            self.apply(kind, actor);
        }
        self.tally.joins += 1;
        Ok(())
    }

    async fn leave(&mut self) -> Result<(), Error> {
        let room = self.room_id.clone();
        let reply = self.request(Request::Leave { room: &room }).await?;
        self.expect_reply(&self.parse(&reply)?, "left")?;
        // Every event before the leave arrived ahead of `left`, so the view
        // is the room as the server saw it at the leave.
        let present = match std::mem::replace(&mut self.presence, Presence::Out) {
            Presence::In(present) => present,
            _ => Vec::new(),
        };
        self.tally.ledger.expect(self.room, self.index, Kind::Disconnected, &present);
        self.tally.leaves += 1;
        Ok(())
    }

    /// Sends `request` with a fresh id and returns the reply carrying it,
    /// taking in the events that arrive first.
    async fn request(&mut self, request: Request<'_>) -> Result<Utf8Bytes, Error> {
        self.next_id += 1;
        let text = request.encode(Some(self.next_id));
        ws::send_text(&mut self.ws, &self.who, text).await?;
        let deadline = Instant::now() + WAIT;
        loop {
            let Some(text) = ws::next_text(&mut self.ws, &self.who, deadline).await? else {
                let what = format!("{}: reply to {}", self.who, request.encode(Some(self.next_id)));
                return Err(Error::Timeout { what, wait: WAIT });
            };
            let frame = self.parse(&text)?;
            match frame.id {
                Some(id) if id == self.next_id => {}
                Some(id) => return Err(self.protocol(format!("reply with id {id}, expected {}", self.next_id))),
                None => {
                    self.on_event(&frame)?;
                    continue;
                }
            }
            drop(frame);
            return Ok(text);
        }
    }

    /// Takes in events until the phase satisfies `ready`; returns it.
    async fn listen_until(
        &mut self,
        phase: &mut watch::Receiver<Phase>,
        ready: impl Fn(&Phase) -> bool,
    ) -> Result<Phase, Error> {
        let far = Instant::now() + Duration::from_secs(365 * 24 * 3600);
        loop {
            let text = tokio::select! {
                changed = phase.wait_for(&ready) => {
                    return changed.map(|p| *p).map_err(|_| self.protocol("the run was abandoned".to_owned()));
                }
                text = ws::next_text(&mut self.ws, &self.who, far) => text?,
            };
            if let Some(text) = text {
                self.on_event(&self.parse(&text)?)?;
            }
        }
    }

    async fn listen_for(&mut self, pause: Duration) -> Result<(), Error> {
        let deadline = Instant::now() + pause;
        while let Some(text) = ws::next_text(&mut self.ws, &self.who, deadline).await? {
            self.on_event(&self.parse(&text)?)?;
        }
        Ok(())
    }

    fn parse<'a>(&self, text: &'a str) -> Result<Frame<'a>, Error> {
        Frame::parse(text).map_err(|e| Error::wire(&self.who, e))
    }

    /// Counts an event and checks it against the view.
    fn on_event(&mut self, frame: &Frame<'_>) -> Result<(), Error> {
        let kind = match frame.kind.as_str() {
            "user-connected" => Kind::Connected,
            "user-disconnected" => Kind::Disconnected,
            _ => return Err(self.protocol(frame.describe())),
        };
        self.tally.events += 1;
        if frame.room.as_deref() != Some(&self.room_id) {
            self.anomaly(format!("{} for another room: {:?}", kind.as_str(), frame.room));
            return Ok(());
        }
        let actor = self.member_index(frame.user.as_deref().unwrap_or_default())?;
        self.tally.ledger.saw(self.room, self.index, actor, kind);
        match &mut self.presence {
            Presence::In(_) => self.apply(kind, actor),
            Presence::Joining(early) => early.push((kind, actor)),
            Presence::Out => self.anomaly(format!("{} of m{actor} while not in the room", kind.as_str())),
        }
        Ok(())
    }

    /// Applies an event to the view of the room, checking it makes sense.
    fn apply(&mut self, kind: Kind, actor: u32) {
        let Presence::In(view) = &mut self.presence else { return };
        let position = view.iter().position(|&m| m == actor);
        match (kind, position) {
            (Kind::Connected, None) => view.push(actor),
            (Kind::Disconnected, Some(at)) => {
                view.remove(at);
            }
            (Kind::Connected, Some(_)) => self.anomaly(format!("user-connected of m{actor}, already present")),
            (Kind::Disconnected, None) => self.anomaly(format!("user-disconnected of m{actor}, not present")),
        }
    }

    /// Events arrived ahead of the `joined` reply. Being out of the room
    /// until the join was handled, the member can only have been told about
    /// changes after it: the reply was overtaken, against PROTOCOL.md §2.3.
    /// The view stays exact (`users`, then these events), so the counts
    /// remain checkable; the ordering fault is reported on its own.
    fn overtaken(&mut self, early: &[(Kind, u32)]) {
        self.tally.overtaken_replies += 1;
        self.tally.early_events += early.len() as u64;
        if self.tally.overtaken_examples.len() < 3 {
            let events: Vec<String> = early.iter().map(|(k, a)| format!("{} m{a}", k.as_str())).collect();
            self.tally.overtaken_examples.push(format!("{}: before joined: {}", self.who, events.join(", ")));
        }
    }

    fn expect_reply(&self, reply: &Frame<'_>, kind: &str) -> Result<(), Error> {
        let room_ok = kind == "pong" || reply.room.as_deref() == Some(&self.room_id);
        if reply.kind == kind && room_ok {
            return Ok(());
        }
        let mut detail = format!("expected {kind}, got {}", reply.describe());
        if reply.code.as_deref() == Some("room-full") {
            detail.push_str(" (start the server with a --max-room-size of at least --members)");
        }
        Err(self.protocol(detail))
    }

    fn member_index(&self, user: &str) -> Result<u32, Error> {
        user.strip_prefix('m')
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| self.protocol(format!("unknown user {user:?}")))
    }

    fn anomaly(&mut self, what: String) {
        tracing::debug!(member = %self.who, "{what}");
        self.tally.anomalies += 1;
        if self.tally.anomaly_examples.len() < 5 {
            self.tally.anomaly_examples.push(format!("{}: {what}", self.who));
        }
    }

    fn protocol(&self, detail: String) -> Error {
        Error::Protocol { who: self.who.clone(), detail }
    }
}

/// The user id of member `index`.
pub(crate) fn user_id(index: u32) -> String {
    format!("m{index}")
}
