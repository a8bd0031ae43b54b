//! The loop every background sweep runs in: do the work, then wait for the interval or for
//! shutdown, whichever comes first.

use std::future::Future;
use std::time::Duration;

/// Calls `tick` now and then every `interval` until `shutdown` turns true (or its sender is
/// gone: nobody can ask for a stop any more, so it stops). The tick that sees the flag still
/// runs first, so work queued just before shutdown is done.
pub async fn every<F, Fut>(
    interval: Duration,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
    mut tick: F,
) where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    loop {
        tick().await;
        if *shutdown.borrow() {
            break;
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            changed = shutdown.changed() => {
                if changed.is_err() {
                    break;
                }
            }
        }
    }
}
