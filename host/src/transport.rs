//! Byte transports between the host and a board.
//!
//! A transport moves raw bytes; framing, CRC and retries live in
//! [crate::protocol] and [crate::client]. The virtual board serves the real
//! gateware on a pseudo-terminal, so [SerialTransport] opened on its path
//! reaches it exactly as it reaches a USB-UART; a board behind `mosaic serve`
//! is reached with [crate::tcp_transport::TcpTransport]. [open_port] picks one
//! from the `--port` text.

use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::time::Duration;

/// A bidirectional byte pipe to a board.
pub trait Transport: Send {
    /// Sends all of `bytes`.
    fn send(&mut self, bytes: &[u8]) -> io::Result<()>;
    /// Receives up to `buf.len()` bytes, waiting at most `timeout` for the
    /// first one; `Ok(0)` means nothing arrived in time.
    fn recv(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize>;
    /// Drops bytes already received and not yet read (stale replies).
    fn discard_input(&mut self) -> io::Result<()> {
        let mut buf = [0u8; 256];
        while self.recv(&mut buf, Duration::ZERO)? > 0 {}
        Ok(())
    }
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        (**self).send(bytes)
    }
    fn recv(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize> {
        (**self).recv(buf, timeout)
    }
    fn discard_input(&mut self) -> io::Result<()> {
        (**self).discard_input()
    }
}

/// Why a serial port could not be opened; one line naming the port and the fix.
#[derive(Debug, thiserror::Error)]
#[error("cannot open {port}: {reason}; check --port or MOSAIC_PORT")]
pub struct OpenError {
    pub port: String,
    pub reason: String,
}

/// Why `--port` could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum PortError {
    #[error(transparent)]
    Serial(#[from] OpenError),
    #[error(transparent)]
    Tcp(#[from] crate::tcp_transport::TcpError),
}

/// Opens `port`: `tcp://HOST:PORT` is a `mosaic serve` (connect and greeting
/// bounded by `timeout`), anything else a serial port at `baud`.
pub fn open_port(port: &str, baud: u32, timeout: Duration) -> Result<Box<dyn Transport>, PortError> {
    use crate::tcp_transport::{TcpAddr, TcpTransport};
    if TcpAddr::is_tcp(port) {
        Ok(Box::new(TcpTransport::connect(&TcpAddr::parse(port)?, timeout)?))
    } else {
        Ok(Box::new(SerialTransport::open(port, baud)?))
    }
}

/// A serial port (USB-UART of a board, or the virtual board's pty).
pub struct SerialTransport {
    port: serialport::TTYPort,
    name: String,
}

impl SerialTransport {
    /// Opens `path` at `baud` 8N1, raw, no flow control.
    pub fn open(path: &str, baud: u32) -> Result<SerialTransport, OpenError> {
        let port = serialport::new(path, baud)
            .timeout(Duration::from_millis(100))
            .open_native()
            .map_err(|e| OpenError { port: path.to_string(), reason: open_reason(&e) })?;
        exclusive_lock::track(port.as_raw_fd());
        Ok(SerialTransport { port, name: path.to_string() })
    }

    /// Wraps an already open port (e.g. one end of `TTYPort::pair()`).
    pub fn from_port(port: serialport::TTYPort, name: impl Into<String>) -> SerialTransport {
        SerialTransport { port, name: name.into() }
    }

    /// The path this transport was opened on.
    pub fn name(&self) -> &str {
        &self.name
    }
}

fn open_reason(e: &serialport::Error) -> String {
    use serialport::ErrorKind;
    match e.kind() {
        // serialport reports EBUSY (the tty's exclusive lock, TIOCEXCL) and
        // a held flock as NoDevice; a missing port is Io(NotFound).
        ErrorKind::NoDevice => "port busy (another program has it open)".into(),
        ErrorKind::Io(io::ErrorKind::NotFound) => "no such device".into(),
        ErrorKind::Io(io::ErrorKind::PermissionDenied) => {
            "permission denied (is your user in the dialout group?)".into()
        }
        ErrorKind::InvalidInput => format!("invalid setting ({})", e.description.trim()),
        _ => {
            // serialport reports ENOENT/ENOTTY through a generic kind; keep one line.
            let d = e.description.trim().to_lowercase();
            if d.contains("no such file") || d.contains("not found") {
                "no such device".into()
            } else if d.contains("not a typewriter") || d.contains("inappropriate ioctl") {
                "not a serial port".into()
            } else if d.contains("busy") {
                "device busy (another program has it open)".into()
            } else {
                d.replace('\n', " ")
            }
        }
    }
}

impl Transport for SerialTransport {
    fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.port.write_all(bytes)?;
        self.port.flush()
    }

    fn recv(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize> {
        use serialport::SerialPort;
        // poll() with a zero timeout returns at once: that is the "drain" case.
        self.port.set_timeout(timeout).map_err(|e| io::Error::other(e.description))?;
        match self.port.read(buf) {
            Ok(n) => Ok(n),
            Err(e) if e.kind() == io::ErrorKind::TimedOut => Ok(0),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(0),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(0),
            Err(e) => Err(e),
        }
    }
}

impl Drop for SerialTransport {
    fn drop(&mut self) {
        // TIOCEXCL outlives our descriptor while the other end keeps the tty
        // open (the virtual board does): clear it so the next open succeeds.
        let _ = self.port.set_exclusive(false);
        exclusive_lock::untrack(self.port.as_raw_fd());
    }
}

/// Lifting the ports' exclusive locks when a signal ends the process.
///
/// `Drop` does not run on Ctrl-C: the lock stayed on the tty while the
/// virtual board kept it open, and the next user was refused. A handler
/// for SIGINT, SIGTERM and SIGHUP clears TIOCEXCL on every open port, then
/// lets the signal end the process as before (default action, re-raised).
mod exclusive_lock {
    use std::sync::atomic::{AtomicI32, Ordering};
    use std::sync::Once;

    /// Open ports' descriptors (-1: free); a fixed table, since a signal
    /// handler may not allocate or lock.
    static FDS: [AtomicI32; 8] = [const { AtomicI32::new(-1) }; 8];
    static INSTALL: Once = Once::new();
    const SIGNALS: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

    extern "C" fn release_and_die(sig: libc::c_int) {
        // Only async-signal-safe calls: ioctl, signal, raise.
        for slot in &FDS {
            let fd = slot.load(Ordering::SeqCst);
            if fd >= 0 {
                unsafe { libc::ioctl(fd, libc::TIOCNXCL) };
            }
        }
        unsafe {
            libc::signal(sig, libc::SIG_DFL);
            libc::raise(sig);
        }
    }

    pub(super) fn track(fd: i32) {
        INSTALL.call_once(|| {
            for sig in SIGNALS {
                // SAFETY: the handler only touches atomics and makes
                // async-signal-safe calls.
                unsafe { libc::signal(sig, release_and_die as *const () as libc::sighandler_t) };
            }
        });
        // With all slots taken (8 ports open at once) the port still works;
        // only its lock is not lifted on a signal.
        let _ = FDS.iter().find(|s| s.compare_exchange(-1, fd, Ordering::SeqCst, Ordering::SeqCst).is_ok());
    }

    pub(super) fn untrack(fd: i32) {
        let _ = FDS.iter().find(|s| s.compare_exchange(fd, -1, Ordering::SeqCst, Ordering::SeqCst).is_ok());
    }
}
