//! Connection hygiene: the accept loop and what one connection may hold.
//!
//! Why: a stranger can open connections and send nothing, or headers and two bytes of a declared
//! body, and keep them open (issue 17, finding 4: 1,200 such requests were all still held 40 s
//! later). Here every connection has a deadline for its request headers, for its body and for the
//! idle wait between two requests, and the number of connections is capped overall and per
//! client address. Over a cap the connection gets a 503 and is closed; a body not received in
//! time gets a 408 (`http.rs` maps the body error, see `BodyTimeout`).

use axum::body::Bytes;
use axum::extract::ConnectInfo;
use axum::Router;
use http_body::{Body as HttpBody, Frame, SizeHint};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tower_service::Service;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnLimits {
    /// A request's headers must arrive within this time (from the connection's start, or from
    /// the previous response on a kept-alive connection).
    pub header_timeout: Duration,
    /// A request's body must arrive within this time from its headers.
    pub body_timeout: Duration,
    /// A kept-alive connection with no request in progress and no bytes for this long is closed.
    pub idle_timeout: Duration,
    /// Open connections overall; 0 = no cap.
    pub max_connections: usize,
    /// Open connections per client address (the TCP peer: behind a proxy, the proxy); 0 = no cap.
    pub max_per_client: usize,
}

impl Default for ConnLimits {
    fn default() -> Self {
        ConnLimits {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(5),
            max_connections: 4096,
            max_per_client: 128,
        }
    }
}

/// Open connections, overall and per address; a `Slot` gives its place back when dropped.
#[derive(Default)]
struct Counts {
    total: AtomicUsize,
    per_ip: Mutex<HashMap<IpAddr, usize>>,
}

struct Slot {
    counts: Arc<Counts>,
    ip: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.counts.total.fetch_sub(1, Ordering::SeqCst);
        if let Ok(mut m) = self.counts.per_ip.lock() {
            if let Some(n) = m.get_mut(&self.ip) {
                *n -= 1;
                if *n == 0 {
                    m.remove(&self.ip);
                }
            }
        }
    }
}

impl Counts {
    /// A place for one more connection from `ip`, or why not.
    fn take(self: &Arc<Self>, ip: IpAddr, limits: &ConnLimits) -> Result<Slot, &'static str> {
        let Ok(mut m) = self.per_ip.lock() else { return Err("the server is shutting down") };
        let total = self.total.load(Ordering::SeqCst);
        if limits.max_connections > 0 && total >= limits.max_connections {
            return Err("too many open connections");
        }
        let mine = m.entry(ip).or_insert(0);
        if limits.max_per_client > 0 && *mine >= limits.max_per_client {
            return Err("too many open connections from your address");
        }
        *mine += 1;
        self.total.fetch_add(1, Ordering::SeqCst);
        Ok(Slot { counts: self.clone(), ip })
    }
}

/// The error a request body gives when it did not arrive within `body_timeout`.
#[derive(Debug)]
pub struct BodyTimeout;

impl std::fmt::Display for BodyTimeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "request body not received in time")
    }
}

impl std::error::Error for BodyTimeout {}

/// Whether an error of reading a body (as axum reports it) is our body deadline.
pub fn is_body_timeout(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if err.is::<BodyTimeout>() {
            return true;
        }
        cur = err.source();
    }
    false
}

/// A request body with a deadline.
struct TimedBody {
    inner: Incoming,
    deadline: Pin<Box<tokio::time::Sleep>>,
}

impl HttpBody for TimedBody {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        if let Poll::Ready(frame) = Pin::new(&mut this.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        match this.deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(Box::new(BodyTimeout)))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// The socket, noting when bytes last moved (for the idle deadline).
struct Watched {
    io: TcpStream,
    last: Arc<AtomicU64>,
    origin: Instant,
}

impl Watched {
    fn touch(&self) {
        self.last.store(self.origin.elapsed().as_millis() as u64, Ordering::Relaxed);
    }
}

impl AsyncRead for Watched {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let r = Pin::new(&mut this.io).poll_read(cx, buf);
        if buf.filled().len() > before {
            this.touch();
        }
        r
    }
}

impl AsyncWrite for Watched {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.io).poll_write(cx, data);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            this.touch();
        }
        r
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

/// Serves `app` on `listener` until `shutdown` resolves; then stops accepting and lets open
/// connections finish their current request.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnLimits,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()> {
    let counts = Arc::new(Counts::default());
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                // Out of file descriptors and the like: wait a little rather than spin.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let ip = canonical(peer.ip());
        let slot = match counts.take(ip, &limits) {
            Ok(slot) => slot,
            Err(why) => {
                tokio::spawn(refuse(stream, why));
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let origin = Instant::now();
        let last = Arc::new(AtomicU64::new(0));
        let in_flight = Arc::new(AtomicUsize::new(0));
        let io = TokioIo::new(Watched { io: stream, last: last.clone(), origin });
        let service = {
            let (app, in_flight) = (app.clone(), in_flight.clone());
            hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
                let mut app = app.clone();
                let in_flight = in_flight.clone();
                in_flight.fetch_add(1, Ordering::SeqCst);
                let (parts, body) = req.into_parts();
                let body = TimedBody { inner: body, deadline: Box::pin(tokio::time::sleep(limits.body_timeout)) };
                let mut req = hyper::Request::from_parts(parts, axum::body::Body::new(body));
                req.extensions_mut().insert(ConnectInfo(peer));
                async move {
                    let res = app.call(req).await;
                    in_flight.fetch_sub(1, Ordering::SeqCst);
                    res
                }
            })
        };
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout).keep_alive(true);
        let conn = graceful.watch(builder.serve_connection(io, service));
        tokio::spawn(async move {
            let _slot = slot;
            tokio::pin!(conn);
            let tick = (limits.idle_timeout / 4).max(Duration::from_millis(50));
            loop {
                tokio::select! {
                    _ = conn.as_mut() => return,
                    () = tokio::time::sleep(tick) => {
                        let quiet = origin.elapsed().saturating_sub(Duration::from_millis(last.load(Ordering::Relaxed)));
                        if in_flight.load(Ordering::SeqCst) == 0 && quiet >= limits.idle_timeout {
                            return; // dropping the connection closes the socket
                        }
                    }
                }
            }
        });
    }
    // Connections finish their request in progress, for at most the body deadline.
    let _ = tokio::time::timeout(limits.body_timeout, graceful.shutdown()).await;
    Ok(())
}

async fn refuse(mut stream: TcpStream, why: &'static str) {
    let body = format!("{{\"error\":\"{why}; try again later\"}}");
    let head = format!(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 5\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    // Bounded: a client that does not read its refusal does not hold this task either.
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        let _ = stream.write_all(head.as_bytes()).await;
        let _ = stream.write_all(body.as_bytes()).await;
        let _ = stream.shutdown().await;
    })
    .await;
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}
