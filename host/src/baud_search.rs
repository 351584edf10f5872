//! Which UART rate a board answers at, when the user does not say: board
//! images talk at 3 Mbaud where their USB UART and clock allow, 2 Mbaud
//! elsewhere, and older images at 115200 ([UART_BAUDS]). On a USB serial
//! port the host pings at each rate, fastest first, with a short timeout;
//! a pty (the virtual board) or a TCP server has no line rate to find.

use crate::boards::UART_BAUDS;
use crate::client::{Client, ClientOptions};
use crate::transport::Transport;
use std::time::Duration;

/// How long a probe waits for a ping's answer: a real board answers in
/// about a USB frame, so this only bounds the cost of a wrong rate.
pub const PROBE_TIMEOUT: Duration = Duration::from_millis(150);

/// True when `port` is a hardware serial device (it has a device behind it
/// in sysfs, as /dev/ttyUSB* and /dev/ttyACM* do; a pty has none).
pub fn is_hardware_serial(port: &str) -> bool {
    let Some(name) = std::path::Path::new(port).file_name() else { return false };
    std::path::Path::new("/sys/class/tty").join(name).join("device").exists()
}

/// The first rate of `rates` at which a board opened by `open` answers a
/// ping, or None. `open(rate)` opens the port at that rate.
pub fn find_rate<T: Transport + 'static>(
    rates: &[u32],
    mut open: impl FnMut(u32) -> std::io::Result<T>,
) -> Option<u32> {
    rates.iter().copied().find(|&rate| {
        let Ok(t) = open(rate) else { return false };
        let o = ClientOptions { timeout: PROBE_TIMEOUT, retries: 0, ..ClientOptions::default() };
        Client::new(t, o).ping().is_ok()
    })
}

/// The rates to try for a board: `given` alone when the user set `--baud`,
/// else [UART_BAUDS].
pub fn candidates(given: Option<u32>) -> Vec<u32> {
    match given {
        Some(b) => vec![b],
        None => UART_BAUDS.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake_board::{FakeBoard, FakeOptions};
    use crate::transport::SerialTransport;

    /// A line that carries bytes only at the board's own rate (at any other
    /// rate a UART sees garbage: here, nothing).
    struct AtRate {
        inner: SerialTransport,
        works: bool,
    }
    impl Transport for AtRate {
        fn send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
            if self.works {
                self.inner.send(bytes)?;
            }
            Ok(())
        }
        fn recv(&mut self, buf: &mut [u8], timeout: Duration) -> std::io::Result<usize> {
            self.inner.recv(buf, timeout)
        }
    }

    #[test]
    fn the_host_finds_the_rate_the_board_talks_at() {
        let b = FakeBoard::spawn(FakeOptions::default()).unwrap();
        for board_rate in UART_BAUDS {
            let mut tried = vec![];
            let found = find_rate(&UART_BAUDS, |rate| {
                tried.push(rate);
                Ok(AtRate {
                    inner: SerialTransport::open(b.path(), rate).map_err(std::io::Error::other)?,
                    works: rate == board_rate,
                })
            });
            assert_eq!(found, Some(board_rate));
            // Fastest first, and no further once found.
            let upto = UART_BAUDS.iter().position(|&r| r == board_rate).unwrap();
            assert_eq!(tried, UART_BAUDS[..=upto]);
        }
        let none = find_rate(&UART_BAUDS, |rate| {
            Ok(AtRate { inner: SerialTransport::open(b.path(), rate).map_err(std::io::Error::other)?, works: false })
        });
        assert_eq!(none, None);
    }

    #[test]
    fn a_pty_is_not_a_hardware_serial_port() {
        let b = FakeBoard::spawn(FakeOptions::default()).unwrap();
        assert!(!is_hardware_serial(b.path()));
        assert!(!is_hardware_serial("tcp://127.0.0.1:7780"));
        assert_eq!(candidates(Some(9600)), vec![9600]);
        assert_eq!(candidates(None), UART_BAUDS.to_vec());
    }
}
