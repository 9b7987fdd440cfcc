//! Background retention: deletes sessions (with their events) whose last bundle arrived more than
//! N days ago. Runs at start and then every hour; `--retention-days 0` keeps data forever.

use crate::store::Store;
use std::sync::Arc;
use std::time::Duration;

pub const DAY_MS: i64 = 86_400_000;

pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

pub fn spawn(store: Arc<dyn Store>, days: u32, every: Duration) {
    if days == 0 {
        return;
    }
    tokio::spawn(async move {
        loop {
            let cutoff = now_ms() - days as i64 * DAY_MS;
            let s = store.clone();
            match tokio::task::spawn_blocking(move || s.delete_older_than(cutoff)).await {
                Ok(Ok(n)) if n.sessions > 0 => {
                    eprintln!("retention: deleted {} sessions, {} events older than {days} days", n.sessions, n.events)
                }
                Ok(Ok(_)) => {}
                Ok(Err(e)) => eprintln!("retention: {e}"),
                Err(e) => eprintln!("retention task failed: {e}"),
            }
            tokio::time::sleep(every).await;
        }
    });
}
