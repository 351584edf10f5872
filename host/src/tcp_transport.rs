//! A board behind `mosaic serve`, reached over TCP (`--port tcp://HOST:PORT`).
//!
//! The server forwards raw bridge bytes both ways, so once connected this is
//! a byte pipe like a serial port; the only addition is the greeting line the
//! server sends first ([crate::greeting]), which says whether this client owns
//! the board or someone else does. Every wait is bounded: connecting, the
//! greeting and each read take at most the caller's timeout.

use crate::greeting::{self, Greeting};
use crate::transport::Transport;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// URL scheme that selects this transport in `--port`.
pub const SCHEME: &str = "tcp://";

/// The greeting is awaited at least this long, whatever the reply timeout:
/// a server answers a second client only after its owner's grace
/// ([crate::serve::OWNER_GRACE]).
const GREETING_MIN: Duration = Duration::from_secs(1);

/// A write that cannot finish in this long means the server is stuck.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

/// Why a `tcp://` port could not be used; each message is one line naming
/// the address.
#[derive(Debug, thiserror::Error)]
pub enum TcpError {
    #[error("bad address {addr}: {reason} (use tcp://HOST:PORT)")]
    BadAddress { addr: String, reason: String },
    #[error("cannot connect to {addr}: {reason}; is `mosaic serve` running?")]
    Connect { addr: String, reason: String },
    #[error("board at {addr} is busy: {reason}")]
    Busy { addr: String, reason: String },
    #[error("board at {addr} is unavailable: {reason}")]
    Unavailable { addr: String, reason: String },
    #[error("{addr} is not a `mosaic serve`: {reason}")]
    NotAServer { addr: String, reason: String },
}

/// A parsed `tcp://HOST:PORT`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TcpAddr {
    pub host: String,
    pub port: u16,
}

impl std::fmt::Display for TcpAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.host.contains(':') {
            write!(f, "{SCHEME}[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{SCHEME}{}:{}", self.host, self.port)
        }
    }
}

impl TcpAddr {
    /// True when `port` selects this transport.
    pub fn is_tcp(port: &str) -> bool {
        port.trim().starts_with(SCHEME)
    }

    /// Parses `tcp://HOST:PORT` (an IPv6 host in brackets).
    pub fn parse(s: &str) -> Result<TcpAddr, TcpError> {
        let addr = s.trim();
        let bad = |reason: &str| TcpError::BadAddress { addr: addr.to_string(), reason: reason.to_string() };
        let rest = addr.strip_prefix(SCHEME).ok_or_else(|| bad("not a tcp:// address"))?;
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        let (host, port) = if let Some(v6) = rest.strip_prefix('[') {
            let (h, p) = v6.split_once(']').ok_or_else(|| bad("no closing ] after the IPv6 host"))?;
            (h, p.strip_prefix(':'))
        } else {
            match rest.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (rest, None),
            }
        };
        if host.is_empty() {
            return Err(bad("no host"));
        }
        let port = port.filter(|p| !p.is_empty()).ok_or_else(|| bad("no port"))?;
        let n: u64 = port.parse().map_err(|_| bad(&format!("port '{port}' is not a number")))?;
        let port =
            u16::try_from(n).ok().filter(|&p| p != 0).ok_or_else(|| bad(&format!("port {n} is not in 1..=65535")))?;
        Ok(TcpAddr { host: host.to_string(), port })
    }

    fn resolve(&self) -> Result<Vec<SocketAddr>, TcpError> {
        let fail = |reason: String| TcpError::Connect { addr: self.to_string(), reason };
        let v: Vec<SocketAddr> = (self.host.as_str(), self.port)
            .to_socket_addrs()
            .map_err(|_| fail(format!("cannot resolve host '{}'", self.host)))?
            .collect();
        if v.is_empty() {
            return Err(fail(format!("host '{}' has no address", self.host)));
        }
        Ok(v)
    }
}

/// One line for a failed connect.
fn connect_reason(e: &io::Error, timeout: Duration) -> String {
    match e.kind() {
        io::ErrorKind::ConnectionRefused => "connection refused".into(),
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => format!("no answer within {} ms", timeout.as_millis()),
        _ => e.to_string().to_lowercase().replace('\n', " "),
    }
}

/// The connection to a `mosaic serve`, owning its board.
pub struct TcpTransport {
    stream: TcpStream,
    addr: TcpAddr,
    board: String,
}

impl TcpTransport {
    /// Connects, reads the greeting and returns only if this client owns
    /// the board; `timeout` bounds the connect, and the greeting wait (at
    /// least [GREETING_MIN]).
    pub fn connect(addr: &TcpAddr, timeout: Duration) -> Result<TcpTransport, TcpError> {
        let timeout = timeout.max(Duration::from_millis(1));
        let mut last = None;
        let mut stream = None;
        for sa in addr.resolve()? {
            match TcpStream::connect_timeout(&sa, timeout) {
                Ok(s) => {
                    stream = Some(s);
                    break;
                }
                Err(e) => last = Some(e),
            }
        }
        let io_fail = |e: io::Error| TcpError::Connect { addr: addr.to_string(), reason: connect_reason(&e, timeout) };
        let Some(stream) = stream else {
            return Err(io_fail(last.unwrap_or_else(|| io::Error::other("no address"))));
        };
        // Requests are small and latency-bound: send each at once.
        stream.set_nodelay(true).map_err(io_fail)?;
        stream.set_write_timeout(Some(WRITE_TIMEOUT)).map_err(io_fail)?;
        let mut t = TcpTransport { stream, addr: addr.clone(), board: String::new() };
        // The server may hold a busy answer while its owner is leaving.
        let line = t.read_greeting(timeout.max(GREETING_MIN))?;
        let s = addr.to_string();
        match Greeting::parse(&line) {
            Some(Greeting::Ready(board)) => {
                t.board = board;
                Ok(t)
            }
            Some(Greeting::Busy(reason)) => Err(TcpError::Busy { addr: s, reason }),
            Some(Greeting::Unavailable(reason)) => Err(TcpError::Unavailable { addr: s, reason }),
            None => Err(TcpError::NotAServer { addr: s, reason: format!("it said {:?}", line) }),
        }
    }

    /// Reads the greeting line byte by byte (nothing past it is consumed).
    fn read_greeting(&mut self, timeout: Duration) -> Result<String, TcpError> {
        let addr = self.addr.to_string();
        let not_server = |reason: String| TcpError::NotAServer { addr: addr.clone(), reason };
        let deadline = Instant::now() + timeout;
        let mut line = Vec::new();
        let mut b = [0u8; 1];
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(not_server(format!("no greeting within {} ms", timeout.as_millis())));
            }
            self.stream.set_read_timeout(Some(left)).map_err(|e| not_server(e.to_string()))?;
            match self.stream.read(&mut b) {
                Ok(0) => return Err(not_server("it closed the connection without a greeting".into())),
                Ok(_) if b[0] == b'\n' => break,
                Ok(_) => line.push(b[0]),
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
                    ) => {}
                Err(e) => return Err(not_server(format!("reading its greeting: {e}"))),
            }
            if line.len() >= greeting::MAX_LEN {
                return Err(not_server("its first line is too long for a greeting".into()));
            }
        }
        Ok(String::from_utf8_lossy(&line).into_owned())
    }

    /// The address connected to.
    pub fn addr(&self) -> &TcpAddr {
        &self.addr
    }

    /// What the server said it serves.
    pub fn board(&self) -> &str {
        &self.board
    }

    fn closed(&self) -> io::Error {
        io::Error::new(
            io::ErrorKind::ConnectionAborted,
            format!("{} closed the connection (its board may be gone: see the server's output)", self.addr),
        )
    }
}

impl Transport for TcpTransport {
    fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes)
    }

    fn recv(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize> {
        // A zero read timeout means "block forever" to std: drain without blocking instead.
        let r = if timeout.is_zero() {
            self.stream.set_nonblocking(true)?;
            let r = self.stream.read(buf);
            self.stream.set_nonblocking(false)?;
            r
        } else {
            self.stream.set_read_timeout(Some(timeout))?;
            self.stream.read(buf)
        };
        match r {
            Ok(0) if !buf.is_empty() => Err(self.closed()),
            Ok(n) => Ok(n),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
                ) =>
            {
                Ok(0)
            }
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(s: &str) -> String {
        TcpAddr::parse(s).unwrap_err().to_string()
    }

    #[test]
    fn addresses_parse_or_say_why_not() {
        assert_eq!(TcpAddr::parse("tcp://127.0.0.1:7780").unwrap(), TcpAddr { host: "127.0.0.1".into(), port: 7780 });
        assert_eq!(TcpAddr::parse("tcp://[::1]:80").unwrap().to_string(), "tcp://[::1]:80");
        assert_eq!(TcpAddr::parse("tcp://localhost:9/").unwrap().to_string(), "tcp://localhost:9");
        assert_eq!(err("tcp://127.0.0.1"), "bad address tcp://127.0.0.1: no port (use tcp://HOST:PORT)");
        assert_eq!(err("tcp://127.0.0.1:"), "bad address tcp://127.0.0.1:: no port (use tcp://HOST:PORT)");
        assert_eq!(
            err("tcp://h:70000"),
            "bad address tcp://h:70000: port 70000 is not in 1..=65535 (use tcp://HOST:PORT)"
        );
        assert_eq!(err("tcp://h:0"), "bad address tcp://h:0: port 0 is not in 1..=65535 (use tcp://HOST:PORT)");
        assert_eq!(err("tcp://h:x1"), "bad address tcp://h:x1: port 'x1' is not a number (use tcp://HOST:PORT)");
        assert_eq!(err("tcp://:80"), "bad address tcp://:80: no host (use tcp://HOST:PORT)");
        assert_eq!(
            err("tcp://[::1:80"),
            "bad address tcp://[::1:80: no closing ] after the IPv6 host (use tcp://HOST:PORT)"
        );
    }
}
