//! One flag per lane, cleared by reset and set one lane at a time: the
//! "written since reset" marks that let a LUT RAM copy of reset-cleared
//! registers read 0 after reset (a RAM itself is not cleared by reset).
//!
//! Why hand-written Verilog: the lane count is a run-time parameter, and
//! as `Vec<DFF<Bit>>` each read would be N 12-bit compares and an N-way
//! OR; here the flags are one vector and a read is one indexed select.
//! Lanes beyond the flags read 0 and cannot be set.

use crate::emu::permutation::sel_bits;
use rust_hdl::prelude::*;

/// Width of the lane ports (as the emulator's `wr_lane`/`rd_lane`).
pub const LANE_PORT_BITS: usize = 12;

#[derive(LogicBlock)]
pub struct LaneFlags {
    pub clock: Signal<In, Clock>,
    /// Synchronous: clears every flag (wins over `set`).
    pub reset: Signal<In, Bit>,
    /// Set the flag of `set_lane` at the clock edge.
    pub set: Signal<In, Bit>,
    pub set_lane: Signal<In, Bits<LANE_PORT_BITS>>,
    /// The flag of `set_lane` (combinational, before the edge).
    pub set_lane_flag: Signal<Out, Bit>,
    pub rd_lane: Signal<In, Bits<LANE_PORT_BITS>>,
    /// The flag of `rd_lane` (combinational).
    pub rd_flag: Signal<Out, Bit>,
    _flags: Vec<bool>,
}

impl LaneFlags {
    /// Flags for `lanes` lanes (1..=4096), all clear.
    pub fn new(lanes: usize) -> Self {
        assert!(
            (1..=1 << LANE_PORT_BITS).contains(&lanes),
            "LaneFlags: lanes must be in 1..={}, not {lanes}",
            1 << LANE_PORT_BITS
        );
        Self {
            clock: Default::default(),
            reset: Default::default(),
            set: Default::default(),
            set_lane: Default::default(),
            set_lane_flag: Default::default(),
            rd_lane: Default::default(),
            rd_flag: Default::default(),
            _flags: vec![false; lanes],
        }
    }
}

impl Logic for LaneFlags {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            if self.reset.val() {
                self._flags.iter_mut().for_each(|f| *f = false);
            } else if self.set.val() {
                if let Some(f) = self._flags.get_mut(self.set_lane.val().index()) {
                    *f = true;
                }
            }
        }
        let flag = |lane: usize| self._flags.get(lane).copied().unwrap_or(false);
        self.set_lane_flag.next = flag(self.set_lane.val().index());
        self.rd_flag.next = flag(self.rd_lane.val().index());
    }
    fn connect(&mut self) {
        self.set_lane_flag.connect();
        self.rd_flag.connect();
    }
    fn hdl(&self) -> Verilog {
        let n = self._flags.len();
        // Written flag by flag and indexed by the low bits that number the
        // lanes, after the range check: `flags[set_lane] <= 1` with the
        // 12-bit index made yosys build a shifter (~8 ECP5 LUT4 a flag).
        let k = sel_bits(n);
        let mut v = format!(
            "reg [{last}:0] flags;\n\
             wire set_hit = set && (set_lane < {n});\n\
             always @(posedge clock) begin\n   if (reset) flags <= {n}'h0;\n   else begin\n",
            last = n - 1
        );
        for i in 0..n {
            v.push_str(&format!(
                "      if (set_hit && (set_lane[{kl}:0] == {k}'d{i})) flags[{i}] <= 1'b1;\n",
                kl = k - 1
            ));
        }
        v.push_str(&format!(
            "   end\nend\n\
             always @(*) begin\n   set_lane_flag = (set_lane < {n}) ? flags[set_lane[{kl}:0]] : 1'b0;\n   \
             rd_flag = (rd_lane < {n}) ? flags[rd_lane[{kl}:0]] : 1'b0;\nend\n",
            kl = k - 1
        ));
        Verilog::Custom(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim_clock::cycle;
    use crate::verilog::{verilator_lint, verilog_of, yosys_read_strict};

    fn edge(uut: &mut LaneFlags) {
        cycle(uut, |b| &mut b.clock);
    }

    fn flags(uut: &mut LaneFlags, lanes: u64) -> Vec<bool> {
        (0..lanes)
            .map(|l| {
                uut.rd_lane.next = l.into();
                simulate(uut, 10);
                uut.rd_flag.val()
            })
            .collect()
    }

    #[test]
    fn set_one_lane_at_a_time_and_reset_clears_all() {
        let mut uut = LaneFlags::new(5);
        uut.connect_all();
        assert_eq!(flags(&mut uut, 7), [false; 7]);
        uut.set.next = true;
        for lane in [3u64, 0, 9] {
            uut.set_lane.next = lane.into();
            simulate(&mut uut, 10);
            assert!(!uut.set_lane_flag.val(), "lane {lane} before its set");
            edge(&mut uut);
        }
        uut.set.next = false;
        // Lane 9 does not exist: it stays 0 and nothing else is set.
        assert_eq!(flags(&mut uut, 7), [true, false, false, true, false, false, false]);
        uut.set_lane.next = 3.into();
        simulate(&mut uut, 10);
        assert!(uut.set_lane_flag.val());
        // Reset wins over a set in the same clock.
        uut.reset.next = true;
        uut.set.next = true;
        uut.set_lane.next = 1.into();
        edge(&mut uut);
        assert_eq!(flags(&mut uut, 7), [false; 7]);
    }

    #[test]
    fn lane_flags_is_synthesizable() {
        for n in [1usize, 5, 16] {
            let v = verilog_of(&mut LaneFlags::new(n));
            verilator_lint(&format!("lane_flags_{n}"), &v).unwrap();
            yosys_read_strict(&format!("lane_flags_{n}"), &v).unwrap();
        }
    }
}
