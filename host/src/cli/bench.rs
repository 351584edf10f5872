//! `mosaic bench`: register reads/s and burst-read throughput against the
//! wire limit of the UART at `--baud` (8N1: 10 line bits per byte).

use super::common::write_json;
use crate::client::Client;
use crate::protocol::{request_len, response_len, MAX_BURST};
use serde_json::json;
use std::io::Write;
use std::time::{Duration, Instant};

/// Register access speed against the wire limit.
#[derive(clap::Args, Debug)]
pub struct BenchArgs {
    /// Seconds per measurement.
    #[arg(long, default_value = "1", allow_negative_numbers = true)]
    pub seconds: f64,
}

/// What one measurement found.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Rate {
    /// Transactions per second measured.
    pub per_s: f64,
    /// Transactions per second the UART allows (request + reply bytes, back to back).
    pub wire_per_s: f64,
}

impl Rate {
    pub fn efficiency(&self) -> f64 {
        self.per_s / self.wire_per_s
    }
}

fn measure(
    seconds: f64,
    wire_bytes: usize,
    baud: u32,
    mut op: impl FnMut() -> anyhow::Result<()>,
) -> anyhow::Result<Rate> {
    let t = Duration::from_secs_f64(seconds);
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < t {
        op()?;
        n += 1;
    }
    Ok(Rate { per_s: n as f64 / start.elapsed().as_secs_f64(), wire_per_s: baud as f64 / 10.0 / wire_bytes as f64 })
}

/// Single reads and full bursts for `seconds` each.
pub fn bench(c: &mut Client, baud: u32, seconds: f64) -> anyhow::Result<(Rate, Rate)> {
    let single = measure(seconds, request_len(0) + response_len(1), baud, || Ok(c.read(0).map(|_| ())?))?;
    // TX_MAP is at least MAX_BURST words only on wide links; LANE blocks have
    // holes; the identity block plus control are contiguous only to 0x009. Use
    // the widest gap-free run the map offers.
    let (addr, words) = widest_run(c);
    let burst =
        measure(seconds, request_len(0) + response_len(words), baud, || Ok(c.burst_read(addr, words).map(|_| ())?))?;
    Ok((single, burst))
}

/// The longest run (up to MAX_BURST) of consecutive mapped addresses.
fn widest_run(c: &Client) -> (u16, usize) {
    let map = c.map();
    let mut best = (0u16, 1usize);
    for r in &map.registers {
        let a = r.addr;
        let n = (0..MAX_BURST as u16).take_while(|k| map.decode(a.wrapping_add(*k)).is_some()).count();
        if n > best.1 {
            best = (a, n);
        }
    }
    best
}

impl BenchArgs {
    pub fn run(&self, c: &mut Client, baud: u32, json: bool, out: &mut dyn Write) -> anyhow::Result<()> {
        if !(self.seconds > 0.0 && self.seconds <= 600.0) {
            anyhow::bail!("seconds must be in (0, 600], not {}", self.seconds);
        }
        let (single, burst) = bench(c, baud, self.seconds)?;
        let words = widest_run(c).1;
        if json {
            return write_json(
                out,
                &json!({ "baud": baud, "single_read": single, "burst_read": burst,
                "burst_words": words, "retries": c.stats().retries }),
            );
        }
        writeln!(
            out,
            "single reads   {:>8.0}/s  wire limit {:>8.0}/s at {baud} baud ({:.0}%)",
            single.per_s,
            single.wire_per_s,
            100.0 * single.efficiency()
        )?;
        writeln!(
            out,
            "burst reads    {:>8.0}/s  wire limit {:>8.0}/s ({} words each: {:.0} words/s, {:.0}%)",
            burst.per_s,
            burst.wire_per_s,
            words,
            burst.per_s * words as f64,
            100.0 * burst.efficiency()
        )?;
        Ok(())
    }
}
