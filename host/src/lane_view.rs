//! The lane snapshot: one consistent read of the link and every physical
//! lane, and what each lane's state means on the emitter array.
//!
//! `mosaic status`, `status --map`, `watch` and `report` all read the board
//! through [LinkView::read], so the registers are read in one place: one
//! SNAPSHOT, then the link head, the link counters, the TX map and the lane
//! region (one burst run, since the lane registers tile it without a gap).
//! Registers an image does not have (the BERT image has no link) read as
//! absent, not as errors.
//!
//! A lane's [LaneState] is what the receiver sees of it: without block lock
//! the line gives nothing decodable ([LaneState::Dead], whatever killed it);
//! block lock without marker lock is a lane that cannot be placed
//! ([LaneState::MarkerLost]); a lane carrying the spare id is a ready spare;
//! every other lane is locked, classed by its BER.

use crate::client::{field_get, Client, ClientError};
use mosaic_gateware::params::LinkParams;
use serde::Serialize;

pub use mosaic_gateware::control::regmap::LANE_REGS;

/// BER at and above which a locked lane is shown as bad. A display choice,
/// not a standard: MOSAIC's lanes measure a median below 2e-8, so a lane at
/// 1e-6 is far off its peers while a host FEC (KP4, ~2.4e-4 pre-FEC) still
/// corrects it; that is the lane to look at before it fails.
pub const BER_HIGH: f64 = 1e-6;

/// How a locked lane's errors compare with [BER_HIGH].
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum BerClass {
    /// No error counted yet (BER below 1/bits).
    Clean,
    /// Some errors, BER below [BER_HIGH].
    Low,
    /// BER at or above [BER_HIGH].
    High,
}

/// What a physical lane is, as one cell of the emitter array.
///
/// A `Rebuilt` state (a lane whose data the erasure code is reconstructing)
/// belongs here once the erasure-code issue adds its counter; the board has
/// no such register yet, so no lane is shown as rebuilt. Adding it means a
/// variant, its glyph and colour below and one rule in [LaneView::state].
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum LaneState {
    /// Locked and carrying a logical lane (or, under BERT, a checked PRBS).
    Locked(BerClass),
    /// Locked, sending the spare id: ready to take a failed lane.
    Spare,
    /// Block lock without marker lock: the lane cannot be placed or deskewed.
    MarkerLost,
    /// No block lock (no PRBS lock under BERT): nothing decodable arrives.
    Dead,
}

impl LaneState {
    /// Every state, in legend order.
    pub const ALL: [LaneState; 6] = [
        LaneState::Locked(BerClass::Clean),
        LaneState::Locked(BerClass::Low),
        LaneState::Locked(BerClass::High),
        LaneState::Spare,
        LaneState::MarkerLost,
        LaneState::Dead,
    ];

    /// Machine name (`--json`).
    pub fn name(self) -> &'static str {
        match self {
            LaneState::Locked(BerClass::Clean) => "locked",
            LaneState::Locked(BerClass::Low) => "locked_errors",
            LaneState::Locked(BerClass::High) => "locked_high_ber",
            LaneState::Spare => "spare",
            LaneState::MarkerLost => "marker_lost",
            LaneState::Dead => "dead",
        }
    }

    /// One ASCII character, so the grid reads without colour too.
    pub fn glyph(self) -> char {
        match self {
            LaneState::Locked(BerClass::Clean) => '.',
            LaneState::Locked(BerClass::Low) => 'e',
            LaneState::Locked(BerClass::High) => 'E',
            LaneState::Spare => 's',
            LaneState::MarkerLost => 'm',
            LaneState::Dead => 'X',
        }
    }

    /// The colour of the cell (one table for the terminal, the dashboard and
    /// the report, so a lane looks the same everywhere).
    pub fn rgb(self) -> (u8, u8, u8) {
        match self {
            LaneState::Locked(BerClass::Clean) => (0x2e, 0xa0, 0x43),
            LaneState::Locked(BerClass::Low) => (0xd4, 0xa0, 0x17),
            LaneState::Locked(BerClass::High) => (0xe0, 0x6c, 0x00),
            LaneState::Spare => (0x3b, 0x7d, 0xd8),
            LaneState::MarkerLost => (0xa3, 0x47, 0xba),
            LaneState::Dead => (0xc0, 0x1c, 0x28),
        }
    }

    /// What the state means, for legends.
    pub fn label(self) -> &'static str {
        match self {
            LaneState::Locked(BerClass::Clean) => "locked, no errors",
            LaneState::Locked(BerClass::Low) => "BER < 1e-6",
            LaneState::Locked(BerClass::High) => "BER >= 1e-6",
            LaneState::Spare => "spare",
            LaneState::MarkerLost => "no marker lock",
            LaneState::Dead => "dead (no lock)",
        }
    }
}

/// One physical lane at the snapshot.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LaneView {
    pub lane: usize,
    pub bit_lock: bool,
    pub block_lock: bool,
    pub marker_lock: bool,
    pub prbs_lock: bool,
    pub inverted: bool,
    /// Logical lane carried (valid with marker lock).
    pub logical_id: Option<u32>,
    pub skew_blocks: u32,
    pub sync_errors: u32,
    pub lock_losses: u32,
    pub prbs_errors: u32,
    pub bip_errors: u32,
    pub bits: u32,
    pub bad_markers: u32,
}

/// The link and every physical lane, from one snapshot.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LinkView {
    pub params: LinkParams,
    pub link_up: bool,
    pub lanes_found: u32,
    pub loopback: bool,
    pub bert: bool,
    pub auto_failover: bool,
    pub uptime_blocks: u64,
    pub rx_gaps: u32,
    pub realigns: u32,
    pub failovers: u32,
    /// Per logical lane: the physical lane that sends it (empty without a link).
    pub tx_map: Vec<u32>,
    pub lanes: Vec<LaneView>,
}

/// Where each lane sits on the emitter array: near-square, row-major.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Grid {
    pub rows: usize,
    pub cols: usize,
}

impl Grid {
    /// The near-square grid for `lanes` lanes: as many columns as the
    /// smallest square that holds them (MOSAIC's 100 channels are 10 x 10),
    /// and only the rows needed.
    pub fn for_lanes(lanes: usize) -> Grid {
        let mut cols = (lanes as f64).sqrt() as usize;
        while cols * cols < lanes {
            cols += 1;
        }
        let cols = cols.max(1);
        Grid { rows: lanes.div_ceil(cols), cols }
    }
    /// (row, column) of a lane.
    pub fn position(&self, lane: usize) -> (usize, usize) {
        (lane / self.cols, lane % self.cols)
    }
}

impl LaneView {
    /// The errors and bits the lane's BER is computed from, and their source:
    /// BERT counts checked bits; otherwise BIP-8 errors over the line bits of
    /// the blocks received (one BIP bit error ~ one line bit error).
    pub fn ber_counts(&self, link: &LinkView) -> (u64, u64, &'static str) {
        if link.bert {
            (self.prbs_errors as u64, self.bits as u64, "prbs")
        } else {
            (self.bip_errors as u64, link.uptime_blocks * 66, "bip")
        }
    }

    /// Bit error ratio, None before any bit was counted.
    pub fn ber(&self, link: &LinkView) -> Option<f64> {
        let (e, b, _) = self.ber_counts(link);
        (b > 0).then(|| e as f64 / b as f64)
    }

    /// The lane as a cell of the emitter array.
    pub fn state(&self, link: &LinkView) -> LaneState {
        let locked = if link.bert { self.prbs_lock } else { self.block_lock };
        if !locked {
            return LaneState::Dead;
        }
        if !link.bert {
            if !self.marker_lock {
                return LaneState::MarkerLost;
            }
            // An id past N is a spare sending idle markers.
            if self.logical_id.is_some_and(|id| id as usize >= link.params.lanes) {
                return LaneState::Spare;
            }
        }
        let (e, _, _) = self.ber_counts(link);
        LaneState::Locked(match self.ber(link) {
            _ if e == 0 => BerClass::Clean,
            Some(b) if b >= BER_HIGH => BerClass::High,
            _ => BerClass::Low,
        })
    }
}

impl LinkView {
    /// The emitter-array grid of this link's physical lanes.
    pub fn grid(&self) -> Grid {
        Grid::for_lanes(self.lanes.len())
    }

    /// Every lane's state, by physical lane.
    pub fn states(&self) -> Vec<LaneState> {
        self.lanes.iter().map(|l| l.state(self)).collect()
    }

    /// Latches every counter and reads the link and all lanes.
    pub fn read(c: &mut Client) -> Result<LinkView, ClientError> {
        // One snapshot so every counter is from the same clock.
        c.snapshot()?;
        let has = |c: &Client, name: &str| c.map().get(name).is_some();
        let opt = |c: &mut Client, name: &str| -> Result<u32, ClientError> {
            if has(c, name) {
                c.read_reg(name, 0)
            } else {
                Ok(0)
            }
        };
        let p = c.params();
        let ctrl = c.read_reg("CTRL", 0)?;
        let link = opt(c, "LINK_STATUS")?;
        let flag =
            |c: &Client, name: &str| -> Result<bool, ClientError> { Ok(field_get(&c.field("CTRL", name)?, ctrl) == 1) };
        let (up, found) = if has(c, "LINK_STATUS") {
            (
                field_get(&c.field("LINK_STATUS", "link_up")?, link) == 1,
                field_get(&c.field("LINK_STATUS", "lanes_found")?, link),
            )
        } else {
            (false, 0)
        };
        let mut v = LinkView {
            params: p,
            link_up: up,
            lanes_found: found,
            loopback: flag(c, "loopback")?,
            bert: flag(c, "bert_enable")?,
            auto_failover: flag(c, "auto_failover")?,
            uptime_blocks: opt(c, "UPTIME_BLOCKS")? as u64,
            rx_gaps: opt(c, "RX_GAPS")?,
            realigns: opt(c, "REALIGNS")?,
            failovers: opt(c, "FAILOVERS")?,
            tx_map: if has(c, "TX_MAP") { c.read_all("TX_MAP")? } else { Vec::new() },
            lanes: Vec::new(),
        };
        let words = read_lane_region(c)?;
        let st: Vec<_> = ["bit_lock", "block_lock", "marker_lock", "prbs_lock", "inverted", "logical_id"]
            .iter()
            .map(|n| c.field("LANE_STATUS", n))
            .collect::<Result<_, _>>()?;
        for (lane, w) in words.into_iter().enumerate() {
            let s = w[0];
            let bit = |i: usize| field_get(&st[i], s) == 1;
            v.lanes.push(LaneView {
                lane,
                bit_lock: bit(0),
                block_lock: bit(1),
                marker_lock: bit(2),
                prbs_lock: bit(3),
                inverted: bit(4),
                logical_id: bit(2).then_some(field_get(&st[5], s)),
                sync_errors: w[1],
                lock_losses: w[2],
                prbs_errors: w[3],
                bip_errors: w[4],
                skew_blocks: w[5],
                bits: w[6],
                bad_markers: w[7],
            });
        }
        Ok(v)
    }
}

/// Every physical lane's [LANE_REGS] (0 where the image lacks a register).
/// The lane registers tile one address run, so when all are present the
/// whole region is read in bursts (`Client::burst_read` splits at MAX_BURST) (100 lanes: 25 transactions
/// instead of 100); otherwise lane by lane with what is present.
fn read_lane_region(c: &mut Client) -> Result<Vec<[u32; 8]>, ClientError> {
    let phys = c.params().physical_lanes();
    let present: Vec<(usize, &str)> =
        LANE_REGS.iter().copied().enumerate().filter(|(_, n)| c.map().get(n).is_some()).collect();
    let mut out = vec![[0u32; 8]; phys];
    if present.len() == LANE_REGS.len() && phys > 0 {
        let lo = c.reg_addr(LANE_REGS[0], 0)?;
        let hi = c.reg_addr(LANE_REGS[LANE_REGS.len() - 1], phys - 1)?;
        let run: Vec<u16> = (0..phys).flat_map(|l| LANE_REGS.map(|n| c.reg_addr(n, l))).collect::<Result<_, _>>()?;
        // Only when the lane registers are exactly the run lo..=hi, in order.
        if run.iter().copied().eq(lo..=hi) {
            let words = c.burst_read(lo, run.len())?;
            for (lane, chunk) in words.chunks(LANE_REGS.len()).enumerate() {
                out[lane].copy_from_slice(chunk);
            }
            return Ok(out);
        }
    }
    let names: Vec<&str> = present.iter().map(|(_, n)| *n).collect();
    for (lane, slot) in out.iter_mut().enumerate() {
        let w = c.read_regs(&names, lane)?;
        for ((i, _), v) in present.iter().zip(w) {
            slot[*i] = v;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_is_near_square() {
        assert_eq!(Grid::for_lanes(100), Grid { rows: 10, cols: 10 });
        assert_eq!(Grid::for_lanes(18), Grid { rows: 4, cols: 5 });
        assert_eq!(Grid::for_lanes(104), Grid { rows: 10, cols: 11 });
        assert_eq!(Grid::for_lanes(1), Grid { rows: 1, cols: 1 });
        assert_eq!(Grid::for_lanes(100).position(37), (3, 7));
    }

    fn link() -> LinkView {
        LinkView { params: LinkParams::DEFAULT, uptime_blocks: 1_000_000, ..Default::default() }
    }

    #[test]
    fn states_follow_locks_and_ber() {
        let l = link();
        let locked = |id| LaneView { block_lock: true, marker_lock: true, logical_id: Some(id), ..Default::default() };
        assert_eq!(LaneView::default().state(&l), LaneState::Dead);
        assert_eq!(LaneView { block_lock: true, ..Default::default() }.state(&l), LaneState::MarkerLost);
        assert_eq!(locked(0xFFF).state(&l), LaneState::Spare);
        assert_eq!(locked(3).state(&l), LaneState::Locked(BerClass::Clean));
        // 66e6 bits: 65 errors is below 1e-6, 66 is at it.
        assert_eq!(LaneView { bip_errors: 65, ..locked(3) }.state(&l), LaneState::Locked(BerClass::Low));
        assert_eq!(LaneView { bip_errors: 66, ..locked(3) }.state(&l), LaneState::Locked(BerClass::High));
        // BERT: PRBS lock and PRBS counts decide; no spare or marker rule.
        let b = LinkView { bert: true, ..link() };
        assert_eq!(LaneView { prbs_lock: true, ..Default::default() }.state(&b), LaneState::Locked(BerClass::Clean));
        assert_eq!(locked(3).state(&b), LaneState::Dead);
    }

    #[test]
    fn glyphs_are_distinct() {
        let mut g: Vec<char> = LaneState::ALL.iter().map(|s| s.glyph()).collect();
        g.dedup();
        assert_eq!(g.len(), LaneState::ALL.len());
    }
}
