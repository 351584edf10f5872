//! Drops, corruption, truncation and garbage between host and board: the
//! client either returns the right value or an error, never a wrong value.

use mosaic_gateware::control::regmap::Register;
use mosaic_host::fake_board::{FakeBoard, FakeOptions};
use mosaic_host::impair::{ImpairedTransport, Impairments};
use mosaic_host::{Client, ClientOptions, SerialTransport};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashMap;
use std::time::Duration;

/// The board abandons a partial frame only after 10 s idle, far past the
/// host's timeout: recovery from truncated requests rests on the client's
/// resync filler, as with a simulated board whose byte times are slow.
fn board() -> FakeBoard {
    FakeBoard::spawn(FakeOptions { abandon_after: Duration::from_secs(10), ..FakeOptions::default() }).unwrap()
}

/// Runs `ops` random register operations and checks every answer against a
/// model that knows, after a failed write, that either value may be there.
/// Returns (ok, failed) operation counts.
fn exercise(c: &mut Client, b: &FakeBoard, seed: u64, ops: usize) -> (usize, usize) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let rw: Vec<(u16, Register)> = c
        .map()
        .registers
        .iter()
        .filter(|r| r.access == mosaic_gateware::control::regmap::Access::Rw)
        .flat_map(|r| (0..r.count as usize).map(move |i| (r.addr_of(i).unwrap(), r.clone())))
        .collect();
    let mut model: HashMap<u16, Vec<u32>> = HashMap::new();
    let (mut ok, mut failed) = (0, 0);
    for _ in 0..ops {
        match rng.gen_range(0..4) {
            0 => {
                let (a, r) = &rw[rng.gen_range(0..rw.len())];
                let a = *a;
                // A word the register keeps as written: each field in its range.
                let v = if r.fields.is_empty() {
                    rng.gen()
                } else {
                    r.fields.iter().fold(0, |w, f| f.set(w, rng.gen_range(f.range())).unwrap())
                };
                match c.write(a, v) {
                    Ok(()) => {
                        model.insert(a, vec![v]);
                        ok += 1
                    }
                    Err(_) => {
                        let before = model.get(&a).cloned().unwrap_or_else(|| vec![b.regs().read(a).unwrap()]);
                        let mut m = before;
                        m.push(v);
                        model.insert(a, m);
                        failed += 1
                    }
                }
            }
            1 => {
                let a = rw[rng.gen_range(0..rw.len())].0;
                let allowed = model.get(&a).cloned().unwrap_or_else(|| vec![b.regs().read(a).unwrap()]);
                match c.read(a) {
                    Ok(v) => {
                        assert!(allowed.contains(&v), "read {a:#x} = {v:#x}, expected one of {allowed:x?}");
                        model.insert(a, vec![v]);
                        ok += 1
                    }
                    Err(_) => failed += 1,
                }
            }
            2 => {
                // A burst over the whole TX map.
                let before: Vec<u32> = (0..16).map(|i| b.regs().read(0x1000 + i).unwrap()).collect();
                match c.burst_read(0x1000, 16) {
                    Ok(v) => {
                        assert_eq!(v, before);
                        ok += 1
                    }
                    Err(_) => failed += 1,
                }
            }
            _ => {
                // A counter: set the live value, snapshot, read it back.
                let lane = rng.gen_range(0..18);
                let v: u32 = rng.gen();
                b.regs().set_live("LANE_PRBS_ERRORS", lane, v);
                match c.snapshot().and_then(|_| c.read_reg("LANE_PRBS_ERRORS", lane)) {
                    Ok(r) => {
                        assert_eq!(r, v);
                        ok += 1
                    }
                    Err(_) => failed += 1,
                }
            }
        }
    }
    (ok, failed)
}

#[test]
fn moderate_damage_is_fully_recovered_by_retries() {
    let b = board();
    let t = SerialTransport::open(b.path(), 115_200).unwrap();
    let t = ImpairedTransport::new(t, Impairments::all(0.03), 11);
    // 40 ms: far above a clean round trip (~0.2 ms) even on a loaded machine.
    let o = ClientOptions { timeout: Duration::from_millis(40), retries: 20, ..ClientOptions::default() };
    let mut c = Client::connect(t, o).unwrap();
    let (ok, failed) = exercise(&mut c, &b, 12, 300);
    assert_eq!((ok, failed), (300, 0));
    let s = c.stats();
    assert!(s.retries >= 20, "{s:?}");
    assert!(s.discarded_bytes > 0, "{s:?}");
    assert!(b.regs().dropped > 0, "the board saw broken requests");
}

#[test]
fn heavy_damage_gives_errors_but_never_a_wrong_value() {
    let b = board();
    let t = SerialTransport::open(b.path(), 115_200).unwrap();
    let t = ImpairedTransport::new(t, Impairments::all(0.15), 21);
    let o = ClientOptions { timeout: Duration::from_millis(40), retries: 1, ..ClientOptions::default() };
    let mut c = Client::new(t, o);
    let (ok, failed) = exercise(&mut c, &b, 22, 150);
    // Both outcomes happen, and every Ok was checked against the model.
    assert!(ok > 30 && failed > 10, "ok {ok} failed {failed}");
}

/// Cuts the first request short, then passes everything through.
struct TruncateFirst {
    inner: SerialTransport,
    done: bool,
}

impl mosaic_host::Transport for TruncateFirst {
    fn send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        if !self.done {
            self.done = true;
            return self.inner.send(&bytes[..3]);
        }
        self.inner.send(bytes)
    }
    fn recv(&mut self, buf: &mut [u8], timeout: Duration) -> std::io::Result<usize> {
        self.inner.recv(buf, timeout)
    }
}

#[test]
fn a_retry_is_not_swallowed_by_a_partial_frame() {
    // The board still sits in the partial first request when the retry
    // comes (it would wait 10 s to abandon it): the filler completes that
    // frame, so one retry is enough. Without filler the retry is eaten.
    for (resync_bytes, should_work) in [(mosaic_host::client::RESYNC_BYTES, true), (0, false)] {
        let b = board();
        let t = TruncateFirst { inner: SerialTransport::open(b.path(), 115_200).unwrap(), done: false };
        let o = ClientOptions { timeout: Duration::from_millis(50), retries: 1, resync_bytes };
        let mut c = Client::new(t, o);
        assert_eq!(c.read(0).is_ok(), should_work, "resync_bytes {resync_bytes}");
        if should_work {
            assert_eq!(c.read(0).unwrap(), mosaic_gateware::control::regmap::MAGIC);
        }
    }
}
