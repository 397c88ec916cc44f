//! Moving many client tasks through phases together: each task reports the
//! end of a phase on a channel, and the coordinator waits for all of them
//! before announcing the next phase on a `watch`.

use tokio::{sync::mpsc, task::JoinSet};

use crate::Error;

/// Waits until `n` tasks report the end of the phase on `done`. A task that
/// ends instead ends the run with its error.
///
/// # Errors
///
/// The error of the first task that ended early.
pub(crate) async fn all_done<T: 'static>(
    done: &mut mpsc::UnboundedReceiver<()>,
    tasks: &mut JoinSet<Result<T, Error>>,
    n: usize,
) -> Result<(), Error> {
    for _ in 0..n {
        tokio::select! {
            Some(()) = done.recv() => {}
            Some(ended) = tasks.join_next() => {
                ended.map_err(internal)??;
                return Err(Error::Internal("a client stopped before the others".into()));
            }
            else => return Err(Error::Internal("every client stopped".into())),
        }
    }
    Ok(())
}

/// Every task's result, once they all end.
///
/// # Errors
///
/// The first error among them.
pub(crate) async fn collect<T: 'static>(mut tasks: JoinSet<Result<T, Error>>) -> Result<Vec<T>, Error> {
    let mut out = Vec::with_capacity(tasks.len());
    while let Some(ended) = tasks.join_next().await {
        out.push(ended.map_err(internal)??);
    }
    Ok(out)
}

fn internal(e: tokio::task::JoinError) -> Error {
    Error::Internal(format!("a client task failed: {e}"))
}
