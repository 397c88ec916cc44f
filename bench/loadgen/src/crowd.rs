//! Many Socket.IO clients, one task each: a client joins a room when told
//! and forwards every event and acknowledgement it receives, stamped with
//! the time it arrived, to the one coordinator; it answers the server's pings
//! on its own.

use tokio::{sync::mpsc, task::JoinSet, time::Instant};

use crate::{Error, conn::Conn, sio::Packet};

/// What a client heard.
#[derive(Debug)]
pub(crate) struct Heard {
    /// The index of the client that heard it.
    pub observer: u32,
    /// When its task read it.
    pub at: Instant,
    pub packet: Packet,
}

/// `join-room(room, user)`, with an ack id or not.
#[derive(Debug)]
struct Join {
    room: String,
    user: String,
    ack: Option<u64>,
}

/// The clients' tasks and their channels.
#[derive(Debug)]
pub(crate) struct Crowd {
    commands: Vec<mpsc::UnboundedSender<Join>>,
    tasks: JoinSet<Result<Conn, Error>>,
    heard: mpsc::UnboundedReceiver<Heard>,
}

impl Crowd {
    /// Starts one task per client; client `i` is observer `i`.
    pub(crate) fn spawn(clients: Vec<Conn>) -> Self {
        let (heard_tx, heard) = mpsc::unbounded_channel();
        let mut tasks = JoinSet::new();
        let commands = (0u32..)
            .zip(clients)
            .map(|(index, client)| {
                let (tx, rx) = mpsc::unbounded_channel();
                tasks.spawn(serve(client, index, rx, heard_tx.clone()));
                tx
            })
            .collect();
        Self { commands, tasks, heard }
    }

    /// Tells client `member` to join.
    pub(crate) fn join(&self, member: u32, room: String, user: String, ack: Option<u64>) -> Result<(), Error> {
        let sent = self.commands.get(member as usize).map(|c| c.send(Join { room, user, ack }));
        match sent {
            Some(Ok(())) => Ok(()),
            // Its task has ended: `next` returns why.
            Some(Err(_)) => Ok(()),
            None => Err(Error::Internal(format!("no client {member}"))),
        }
    }

    /// The next thing a client heard, or `None` at `deadline`.
    ///
    /// # Errors
    ///
    /// The error of a client task that ended (the server closed it, or it
    /// sent something this client does not speak).
    pub(crate) async fn next(&mut self, deadline: Instant) -> Result<Option<Heard>, Error> {
        tokio::select! {
            heard = self.heard.recv() => Ok(heard),
            Some(ended) = self.tasks.join_next() => {
                ended.map_err(|e| Error::Internal(format!("a client task failed: {e}")))??;
                Err(Error::Internal("a client stopped before the others".into()))
            }
            () = tokio::time::sleep_until(deadline) => Ok(None),
        }
    }

    /// Stops every task and closes every client; returns the pings they
    /// answered.
    ///
    /// # Errors
    ///
    /// The first error of a client task.
    pub(crate) async fn close(self) -> Result<u64, Error> {
        drop(self.commands);
        let clients = crate::phase::collect(self.tasks).await?;
        let pongs = clients.iter().map(Conn::pongs).sum();
        futures::future::join_all(clients.into_iter().map(Conn::close)).await;
        Ok(pongs)
    }
}

/// One client's task, until its command channel closes.
async fn serve(
    mut client: Conn,
    observer: u32,
    mut commands: mpsc::UnboundedReceiver<Join>,
    heard: mpsc::UnboundedSender<Heard>,
) -> Result<Conn, Error> {
    // Only the wait for a frame is cancelled by a command, never the
    // handling of one (which may be writing a pong).
    let idle = || Instant::now() + std::time::Duration::from_secs(3600);
    loop {
        tokio::select! {
            command = commands.recv() => match command {
                Some(Join { room, user, ack }) => client.join(&room, &user, ack).await?,
                None => return Ok(client),
            },
            text = client.recv(idle()) => {
                let Some(text) = text? else { continue };
                if let Some(packet) = client.packet(&text).await? {
                    let _ = heard.send(Heard { observer, at: Instant::now(), packet });
                }
            }
        }
    }
}
