//! A board behind a TCP server (`mosaic serve`), as LiteX's `litex_server`
//! puts a real or simulated board behind one socket every tool talks to.
//!
//! ```text
//!  client ─tcp─► accept thread ──(owner free?)──► pump thread ◄─► board transport
//!                   └─ busy: greeting "busy", close        (serial port or pty)
//! ```
//! - **One owner.** The accept thread answers at once, even while the pump is
//!   busy: the first client gets a `ready` greeting ([crate::greeting]) and
//!   the board; any other gets `busy` naming the owner, and is closed.
//! - **Raw bytes.** The pump forwards bytes both ways unchanged; it parses the
//!   client's requests only to know whether the client left inside a frame.
//! - **A client dropping mid-frame never wedges the board.** The bridge
//!   abandons a partial frame only after an idle gap in its own clock, which
//!   on a simulated board is not wall time. So the pump completes the frame
//!   instead: [RESYNC_BYTES] zero bytes (never a SOF) finish the longest
//!   request, which then fails its CRC and is dropped, and the bridge is
//!   hunting again before the next client's first byte (the same filler the
//!   client sends before a retry). Stale board output is drained between
//!   clients, and a new client's tags ignore whatever is left.
//! - **A board that goes away** (a USB-UART unplugged) ends the session; new
//!   clients get `unavailable` with the reason after one attempt to reopen it.

use crate::client::RESYNC_BYTES;
use crate::greeting::Greeting;
use crate::protocol::RequestDecoder;
use crate::transport::Transport;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Opens (or reopens) the board; the error is one line.
pub type BoardOpener = Box<dyn FnMut() -> Result<Box<dyn Transport>, String> + Send>;

/// How long the pump waits on the board per turn: the added latency.
const TURN: Duration = Duration::from_millis(1);
/// How often an idle server looks at the board (drains it, notices it gone).
const IDLE_POLL: Duration = Duration::from_millis(20);
/// How long a new client waits for the owner to finish leaving: a command
/// run right after another must not find the board "busy" for the
/// milliseconds the server takes to notice the first one closed.
pub const OWNER_GRACE: Duration = Duration::from_millis(300);
/// A client that takes longer than this to accept bytes is treated as gone.
const CLIENT_WRITE_TIMEOUT: Duration = Duration::from_secs(5);

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("refusing to listen on {0}: not a loopback address, so anyone who can reach it could drive the board (pass --allow-remote to mean it)")]
    NotLoopback(SocketAddr),
    #[error("bad listen address '{addr}': {reason} (use HOST:PORT, e.g. 127.0.0.1:7780)")]
    BadListen { addr: String, reason: String },
    #[error("cannot listen on {addr}: {reason}")]
    Bind { addr: SocketAddr, reason: String },
    #[error("cannot start the server: {0}")]
    Thread(String),
}

/// What happened, for the server's log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A client now owns the board.
    Connected(SocketAddr),
    /// The owner left; `mid_frame`: it left inside a request, which was completed with filler.
    Left { peer: SocketAddr, mid_frame: bool },
    /// A client was turned away.
    Refused { peer: SocketAddr, reason: String },
    /// The board's transport failed.
    BoardLost(String),
    /// The board was reopened after being lost.
    BoardBack,
}

/// The client owning the board.
#[derive(Clone, Copy, Debug)]
struct Owner {
    peer: SocketAddr,
    since: Instant,
}

/// A listening socket, before it serves.
pub struct Server {
    listener: TcpListener,
    addr: SocketAddr,
}

/// Parses `--listen` (`HOST:PORT`; an optional `tcp://` is accepted).
pub fn parse_listen(s: &str) -> Result<SocketAddr, ServeError> {
    let t = s.trim();
    let t = t.strip_prefix(crate::tcp_transport::SCHEME).unwrap_or(t);
    let bad = |reason: String| ServeError::BadListen { addr: s.to_string(), reason };
    if !t.contains(':') {
        return Err(bad("no port".into()));
    }
    let mut v = t.to_socket_addrs().map_err(|e| bad(e.to_string().to_lowercase()))?;
    v.next().ok_or_else(|| bad("no address".into()))
}

impl Server {
    /// Binds `addr` (port 0: the system picks one, see [Server::local_addr]);
    /// a non-loopback address needs `allow_remote`, since the bridge has no
    /// authentication.
    pub fn bind(addr: SocketAddr, allow_remote: bool) -> Result<Server, ServeError> {
        if !addr.ip().is_loopback() && !allow_remote {
            return Err(ServeError::NotLoopback(addr));
        }
        let fail = |e: io::Error| ServeError::Bind { addr, reason: e.to_string().to_lowercase() };
        let listener = TcpListener::bind(addr).map_err(fail)?;
        let addr = listener.local_addr().map_err(fail)?;
        Ok(Server { listener, addr })
    }

    /// The address clients connect to.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves `board` forever, reopening it with `reopen` after it is lost;
    /// `what` is the description sent in each `ready` greeting. Failures
    /// after the start are reported as events, never returned.
    pub fn run(
        self,
        board: Box<dyn Transport>,
        open: BoardOpener,
        what: String,
        events: Sender<Event>,
    ) -> Result<(), ServeError> {
        let owner = Arc::new(Mutex::new(None::<Owner>));
        let (to_pump, clients) = mpsc::channel();
        let pump = Pump { board: Some(board), open, what, owner: owner.clone(), events: events.clone() };
        std::thread::Builder::new()
            .name("serve-pump".into())
            .spawn(move || pump.run(clients))
            .map_err(|e| ServeError::Thread(e.to_string()))?;
        for stream in self.listener.incoming() {
            let Ok(stream) = stream else { continue };
            let Ok(peer) = stream.peer_addr() else { continue };
            let _ = stream.set_nodelay(true);
            let _ = stream.set_write_timeout(Some(CLIENT_WRITE_TIMEOUT));
            let mut o = lock(&owner);
            let grace = Instant::now() + OWNER_GRACE;
            while o.is_some() && Instant::now() < grace {
                drop(o);
                std::thread::sleep(Duration::from_millis(5));
                o = lock(&owner);
            }
            if let Some(cur) = *o {
                drop(o);
                let reason =
                    format!("another client is connected ({}, for {} s)", cur.peer, cur.since.elapsed().as_secs());
                let _ = (&stream).write_all(Greeting::Busy(reason.clone()).line().as_bytes());
                let _ = stream.shutdown(Shutdown::Both);
                let _ = events.send(Event::Refused { peer, reason });
                continue;
            }
            // Owned from here: a client arriving before the pump takes it is busy.
            *o = Some(Owner { peer, since: Instant::now() });
            drop(o);
            if to_pump.send((stream, peer)).is_err() {
                return Ok(());
            }
        }
        Ok(())
    }
}

fn lock(m: &Mutex<Option<Owner>>) -> MutexGuard<'_, Option<Owner>> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The thread that owns the board and moves bytes.
struct Pump {
    board: Option<Box<dyn Transport>>,
    open: BoardOpener,
    what: String,
    owner: Arc<Mutex<Option<Owner>>>,
    events: Sender<Event>,
}

/// How a session ended.
enum End {
    ClientLeft,
    BoardFailed(io::Error),
}

impl Pump {
    fn run(mut self, clients: Receiver<(TcpStream, SocketAddr)>) {
        loop {
            match clients.recv_timeout(IDLE_POLL) {
                Ok((stream, peer)) => {
                    self.session(stream, peer);
                    *lock(&self.owner) = None;
                }
                Err(RecvTimeoutError::Timeout) => self.drain(),
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
    }

    fn lost(&mut self, e: io::Error) {
        self.board = None;
        let _ = self.events.send(Event::BoardLost(e.to_string().to_lowercase()));
    }

    /// Throws away board output nobody asked for (replies to a gone client).
    fn drain(&mut self) {
        if let Some(b) = self.board.as_mut() {
            if let Err(e) = b.discard_input() {
                self.lost(e);
            }
        }
    }

    fn session(&mut self, mut stream: TcpStream, peer: SocketAddr) {
        // Draining first also notices a board that went away while idle.
        self.drain();
        if self.board.is_none() {
            match (self.open)() {
                Ok(b) => {
                    self.board = Some(b);
                    let _ = self.events.send(Event::BoardBack);
                }
                Err(reason) => {
                    let _ = stream.write_all(Greeting::Unavailable(reason.clone()).line().as_bytes());
                    let _ = stream.shutdown(Shutdown::Both);
                    let _ = self.events.send(Event::Refused { peer, reason });
                    return;
                }
            }
        }
        let Some(board) = self.board.as_mut() else { return };
        if stream.write_all(Greeting::Ready(self.what.clone()).line().as_bytes()).is_err() {
            return;
        }
        let _ = self.events.send(Event::Connected(peer));
        let (end, mid_frame) = forward(&mut stream, board.as_mut());
        let _ = stream.shutdown(Shutdown::Both);
        match end {
            End::ClientLeft => {
                if mid_frame {
                    if let Err(e) = board.send(&[0u8; RESYNC_BYTES]) {
                        self.lost(e);
                    }
                }
                let _ = self.events.send(Event::Left { peer, mid_frame });
            }
            End::BoardFailed(e) => {
                let _ = self.events.send(Event::Left { peer, mid_frame: false });
                self.lost(e);
            }
        }
    }
}

/// Moves bytes until one side ends; also says whether the client's last
/// request was left unfinished.
fn forward(stream: &mut TcpStream, board: &mut dyn Transport) -> (End, bool) {
    let mut frames = RequestDecoder::new();
    let (rx, reader) = match stream.try_clone() {
        Ok(s) => client_reader(s),
        Err(_) => return (End::ClientLeft, false),
    };
    let mut buf = [0u8; 4096];
    let end = 'pump: loop {
        // Client to board: everything the reader thread has.
        loop {
            match rx.try_recv() {
                Ok(bytes) => {
                    frames.push(&bytes);
                    while frames.next_request().is_some() {}
                    if let Err(e) = board.send(&bytes) {
                        break 'pump End::BoardFailed(e);
                    }
                }
                Err(mpsc::TryRecvError::Empty) => break,
                Err(mpsc::TryRecvError::Disconnected) => break 'pump End::ClientLeft,
            }
        }
        // Board to client.
        match board.recv(&mut buf, TURN) {
            Ok(0) => {}
            Ok(n) => {
                if stream.write_all(&buf[..n]).is_err() {
                    break End::ClientLeft;
                }
            }
            Err(e) => break End::BoardFailed(e),
        }
    };
    // Unblocks the reader if the board ended the session.
    let _ = stream.shutdown(Shutdown::Both);
    let _ = reader.join();
    (end, frames.pending() > 0)
}

/// A thread reading the client until it closes: chunks, then the channel closes.
fn client_reader(mut s: TcpStream) -> (Receiver<Vec<u8>>, std::thread::JoinHandle<()>) {
    let (tx, rx) = mpsc::channel();
    let h = std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        loop {
            match s.read(&mut buf) {
                Ok(0) => return,
                Ok(n) => {
                    if tx.send(buf[..n].to_vec()).is_err() {
                        return;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return,
            }
        }
    });
    (rx, h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_addresses() {
        assert_eq!(parse_listen("127.0.0.1:0").unwrap().to_string(), "127.0.0.1:0");
        assert_eq!(parse_listen("tcp://127.0.0.1:7780").unwrap().to_string(), "127.0.0.1:7780");
        assert_eq!(
            parse_listen("127.0.0.1").unwrap_err().to_string(),
            "bad listen address '127.0.0.1': no port (use HOST:PORT, e.g. 127.0.0.1:7780)"
        );
        let e = Server::bind("0.0.0.0:0".parse().unwrap(), false).err().unwrap().to_string();
        assert_eq!(e, "refusing to listen on 0.0.0.0:0: not a loopback address, so anyone who can reach it could drive the board (pass --allow-remote to mean it)");
        assert!(
            Server::bind("[::1]:0".parse().unwrap(), false).is_ok() || std::net::TcpListener::bind("[::1]:0").is_err()
        );
    }
}
