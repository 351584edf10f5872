//! Option groups, number parsing and table output shared by the subcommands.

use crate::client::{Client, ClientOptions};
use crate::transport::open_port;
use anyhow::{bail, Context};
use clap::Args;
use std::io::Write;
use std::time::Duration;

/// How to reach the board (flattened into every subcommand).
#[derive(Args, Clone, Debug)]
pub struct ConnectOpts {
    /// Serial port of the board, the pty printed by `mosaic sim`, or
    /// tcp://HOST:PORT of a `mosaic serve`.
    #[arg(long, short = 'p', env = "MOSAIC_PORT", global = true)]
    pub port: Option<String>,
    /// UART baud rate (at least 1; default: on a USB serial port the rates
    /// board images use are tried, 3000000, 2000000, then 115200).
    #[arg(long, global = true, value_parser = parse_baud)]
    pub baud: Option<u32>,
    /// Reply timeout per attempt, in milliseconds (at least 1; a simulated board needs seconds).
    #[arg(long, env = "MOSAIC_TIMEOUT", default_value_t = 1000, global = true, value_parser = parse_timeout)]
    pub timeout: u32,
    /// Attempts after a timed-out one (0..=100).
    #[arg(long, default_value_t = 2, global = true, value_parser = parse_retries)]
    pub retries: u32,
}

impl ConnectOpts {
    pub fn client_options(&self) -> ClientOptions {
        ClientOptions {
            timeout: Duration::from_millis(self.timeout as u64),
            retries: self.retries,
            ..ClientOptions::default()
        }
    }

    /// Opens the port and checks the board's identity.
    pub fn connect(&self) -> anyhow::Result<Client> {
        Ok(self.connect_at()?.0)
    }

    /// As [ConnectOpts::connect], with the UART rate it talks at.
    pub fn connect_at(&self) -> anyhow::Result<(Client, u32)> {
        let Some(port) = self.port.as_deref().filter(|p| !p.trim().is_empty()) else {
            bail!("no port given: use --port <path> or set MOSAIC_PORT (`mosaic sim` serves a virtual board)");
        };
        let baud = self.line_rate(port)?;
        let t = open_port(port, baud, self.client_options().timeout)?;
        let c = Client::connect(t, self.client_options()).with_context(|| format!("board on {port}"))?;
        Ok((c, baud))
    }

    /// `--baud`, or the rate a board on a USB serial port answers at
    /// ([crate::baud_search]); a pty or TCP server has no rate to find.
    pub fn line_rate(&self, port: &str) -> anyhow::Result<u32> {
        use crate::baud_search::{candidates, find_rate, is_hardware_serial};
        if self.baud.is_some() || !is_hardware_serial(port) {
            return Ok(self.baud.unwrap_or(crate::boards::UART_BAUDS[0]));
        }
        // A port that cannot be opened at all says why (missing, busy).
        drop(open_port(port, crate::boards::UART_BAUDS[0], self.client_options().timeout)?);
        let rates = candidates(None);
        find_rate(&rates, |r| crate::transport::SerialTransport::open(port, r).map_err(std::io::Error::other)).ok_or_else(|| {
            let list: Vec<String> = rates.iter().map(|r| r.to_string()).collect();
            anyhow::anyhow!(
                "no board answered on {port} at {} baud: is it programmed with a mosaic image (`mosaic ports` lists boards)? Give --baud if its UART runs at another rate",
                list.join(", ")
            )
        })
    }
}

/// Parses a decimal or 0x-prefixed hexadecimal number (underscores allowed).
pub fn parse_u64(s: &str) -> Result<u64, String> {
    let t = s.trim().replace('_', "");
    let r = if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        u64::from_str_radix(h, 16)
    } else if let Some(b) = t.strip_prefix("0b") {
        u64::from_str_radix(b, 2)
    } else {
        t.parse::<u64>()
    };
    r.map_err(|_| format!("'{s}' is not a number (decimal, 0x hex or 0b binary)"))
}

/// [parse_u64] limited to 32 bits.
pub fn parse_u32(s: &str) -> Result<u32, String> {
    let v = parse_u64(s)?;
    u32::try_from(v).map_err(|_| format!("{s} does not fit in 32 bits"))
}

/// [parse_u64] within `range`, the message naming it.
fn parse_in(s: &str, range: std::ops::RangeInclusive<u32>) -> Result<u32, String> {
    let v = parse_u64(s)?;
    match u32::try_from(v) {
        Ok(x) if range.contains(&x) => Ok(x),
        _ if *range.end() == u32::MAX => Err(format!("must be at least {}, not {v}", range.start())),
        _ => Err(format!("must be in {}..={}, not {v}", range.start(), range.end())),
    }
}

/// A baud rate: 0 has no bit time (the paced fake board divided by it).
pub fn parse_baud(s: &str) -> Result<u32, String> {
    parse_in(s, 1..=u32::MAX)
}

/// A reply timeout in ms: 0 would give up on every reply before it is sent.
pub fn parse_timeout(s: &str) -> Result<u32, String> {
    parse_in(s, 1..=u32::MAX)
}

/// Retries after a timeout, up to [crate::client::MAX_RETRIES] (4294967295
/// wrapped the attempt count to zero).
pub fn parse_retries(s: &str) -> Result<u32, String> {
    parse_in(s, 0..=crate::client::MAX_RETRIES)
}

/// [parse_u64] limited to 16 bits (word addresses).
pub fn parse_u16(s: &str) -> Result<u16, String> {
    let v = parse_u64(s)?;
    u16::try_from(v).map_err(|_| format!("{s} is past the last address 0xffff"))
}

/// Parses `on`/`off` (also 1/0, true/false).
pub fn parse_on_off(s: &str) -> Result<bool, String> {
    match s.to_ascii_lowercase().as_str() {
        "on" | "1" | "true" | "yes" => Ok(true),
        "off" | "0" | "false" | "no" => Ok(false),
        _ => Err(format!("'{s}' is not on or off")),
    }
}

/// The value of option `flag` checked against the register field it lands
/// in: its range comes from the register map, so a value the field would
/// truncate (or the gateware clamp) is refused with the field's range.
pub fn field_value(c: &Client, flag: &str, reg: &str, field: &str, value: u64) -> anyhow::Result<u32> {
    let f = c.field(reg, field)?;
    let range = f.range();
    match u32::try_from(value) {
        Ok(v) if range.contains(&v) => Ok(v),
        _ => bail!(
            "{flag} must be in {}..={} ({reg}.{field}, {} bits), not {value}",
            range.start(),
            range.end(),
            f.width
        ),
    }
}

/// Checks a physical lane index against the board.
pub fn check_physical_lane(client: &Client, lane: usize) -> anyhow::Result<()> {
    let p = client.params().physical_lanes();
    if lane >= p {
        bail!("lane {lane} does not exist: the board has {p} physical lanes (0..={})", p - 1);
    }
    Ok(())
}

/// Checks a logical lane index against the board.
pub fn check_logical_lane(client: &Client, lane: usize) -> anyhow::Result<()> {
    let n = client.params().lanes;
    if lane >= n {
        bail!("logical lane {lane} does not exist: the board has {n} data lanes (0..={})", n - 1);
    }
    Ok(())
}

/// A left-aligned text table (first column) with right-aligned numbers.
pub struct Table {
    head: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(head: &[&str]) -> Table {
        Table { head: head.iter().map(|s| s.to_string()).collect(), rows: Vec::new() }
    }
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }
    pub fn write(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let cols = self.head.len();
        let mut w: Vec<usize> = self.head.iter().map(|h| h.len()).collect();
        for r in &self.rows {
            for (i, c) in r.iter().enumerate().take(cols) {
                w[i] = w[i].max(c.len());
            }
        }
        let line = |cells: &[String], out: &mut dyn Write| -> std::io::Result<()> {
            let mut s = String::new();
            for (i, c) in cells.iter().enumerate().take(cols) {
                if i > 0 {
                    s.push_str("  ");
                }
                if i == 0 {
                    s.push_str(&format!("{:<width$}", c, width = w[i]));
                } else {
                    s.push_str(&format!("{:>width$}", c, width = w[i]));
                }
            }
            writeln!(out, "{}", s.trim_end())
        };
        line(&self.head, out)?;
        for r in &self.rows {
            line(r, out)?;
        }
        Ok(())
    }
}

/// Writes `v` as pretty JSON and a newline.
pub fn write_json(out: &mut dyn Write, v: &serde_json::Value) -> anyhow::Result<()> {
    serde_json::to_writer_pretty(&mut *out, v)?;
    writeln!(out)?;
    Ok(())
}

/// A bit error ratio as text: errors/bits, or an upper bound when no error was seen.
pub fn ber_text(errors: u64, bits: u64) -> String {
    if bits == 0 {
        "-".into()
    } else if errors == 0 {
        format!("<{:.1e}", 1.0 / bits as f64)
    } else {
        format!("{:.2e}", errors as f64 / bits as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_accept_hex_decimal_binary() {
        assert_eq!(parse_u32("0x100"), Ok(256));
        assert_eq!(parse_u32("256"), Ok(256));
        assert_eq!(parse_u32("0b101"), Ok(5));
        assert_eq!(parse_u32("0xFFFF_FFFF"), Ok(u32::MAX));
        assert_eq!(parse_u32("0x1_0000_0000").unwrap_err(), "0x1_0000_0000 does not fit in 32 bits");
        assert_eq!(parse_u16("zz").unwrap_err(), "'zz' is not a number (decimal, 0x hex or 0b binary)");
    }

    #[test]
    fn table_aligns_columns() {
        let mut t = Table::new(&["lane", "errors"]);
        t.row(vec!["0".into(), "12345".into()]);
        let mut s = Vec::new();
        t.write(&mut s).unwrap();
        assert_eq!(String::from_utf8(s).unwrap(), "lane  errors\n0      12345\n");
    }
}
