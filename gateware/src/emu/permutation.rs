//! The channel emulator's lane permutation: RX lane `q` receives TX lane
//! `source[q]`, for any map (a permutation, or several RX lanes on one TX
//! lane while the host rewrites `EMU_SOURCE` one lane at a time).
//!
//! Why its own block with hand-written Verilog: written as rust-hdl
//! `for s { if source[q] == s { .. } }` every RX lane compared its source
//! with every TX lane (N compares of 12 bits and an N-way AND-OR, ~81 ECP5
//! LUT4 an RX lane at N = 32), and Verilator spent 19-33% of a 100 + 5
//! link's time in it. Here the TX lanes are one vector and each RX lane an
//! indexed select `tx[source[q]]`: one N:1 mux (~1 LUT4 per TX lane, ~32
//! LUT4 an RX lane at N = 32), and one array access in simulation. It still
//! grows as N^2 overall: an N log N network (Benes) carries permutations
//! only, not the in-between maps a lane-by-lane rewrite passes through.
//!
//! `source` is read in its low `sel_bits` bits (2^sel_bits >= N); a source
//! of N or more gives 0 (the register refuses such writes anyway).

use rust_hdl::prelude::*;

/// Width of the `source` ports (as the `EMU_SOURCE.tx_lane` field).
pub const SOURCE_PORT_BITS: usize = 12;

#[derive(LogicBlock)]
pub struct LanePermutation {
    /// Lanes as sent (index: physical TX lane).
    pub line_in: Vec<Signal<In, Bit>>,
    /// Per RX lane: the TX lane it receives.
    pub source: Vec<Signal<In, Bits<SOURCE_PORT_BITS>>>,
    /// Lanes as received (index: physical RX lane), combinational.
    pub line_out: Vec<Signal<Out, Bit>>,
    _sel_bits: usize,
}

impl LanePermutation {
    /// A permutation of `lanes` lanes (1..=4096).
    pub fn new(lanes: usize) -> Self {
        assert!(
            (1..=1 << SOURCE_PORT_BITS).contains(&lanes),
            "LanePermutation: lanes must be in 1..={}, not {lanes}",
            1 << SOURCE_PORT_BITS
        );
        Self {
            line_in: (0..lanes).map(|_| Default::default()).collect(),
            source: (0..lanes).map(|_| Default::default()).collect(),
            line_out: (0..lanes).map(|_| Default::default()).collect(),
            _sel_bits: sel_bits(lanes),
        }
    }
}

/// Bits that number `lanes` lanes (at least 1).
pub fn sel_bits(lanes: usize) -> usize {
    ((usize::BITS - (lanes.max(2) - 1).leading_zeros()) as usize).max(1)
}

impl Logic for LanePermutation {
    fn update(&mut self) {
        let mask = (1usize << self._sel_bits) - 1;
        for q in 0..self.line_out.len() {
            let s = self.source[q].val().index() & mask;
            self.line_out[q].next = self.line_in.get(s).is_some_and(|l| l.val());
        }
    }
    fn connect(&mut self) {
        for l in self.line_out.iter_mut() {
            l.connect();
        }
    }
    fn hdl(&self) -> Verilog {
        let n = self.line_in.len();
        let k = self._sel_bits;
        let pad = (1usize << k) - n;
        let mut tx: Vec<String> = (0..n).rev().map(|s| format!("line_in${s}")).collect();
        if pad > 0 {
            tx.insert(0, format!("{pad}'b0"));
        }
        let mut v = format!("wire [{}:0] tx = {{{}}};\nalways @(*) begin\n", (1usize << k) - 1, tx.join(", "));
        for q in 0..n {
            v.push_str(&format!("   line_out${q} = tx[source${q}[{}:0]];\n", k - 1));
        }
        v.push_str("end\n");
        Verilog::Custom(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verilog::{verilator_lint, verilog_of, yosys_synth_ecp5};
    use rand::seq::SliceRandom;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Random permutations and random many-to-one maps against a software
    /// map, over random TX lines: every RX lane bit for bit.
    #[test]
    fn routes_like_a_software_map_bit_for_bit() {
        let mut rng = ChaCha8Rng::seed_from_u64(14);
        let mut checked = 0u64;
        for n in [1usize, 2, 3, 8, 17, 105] {
            let mut uut = LanePermutation::new(n);
            uut.connect_all();
            for round in 0..20 {
                let mut map: Vec<usize> = (0..n).collect();
                if round % 2 == 0 {
                    map.shuffle(&mut rng);
                } else {
                    map.iter_mut().for_each(|s| *s = rng.gen_range(0..n));
                }
                for (q, &s) in map.iter().enumerate() {
                    uut.source[q].next = (s as u64).into();
                }
                for _ in 0..8 {
                    let tx: Vec<bool> = (0..n).map(|_| rng.gen()).collect();
                    for (s, &b) in tx.iter().enumerate() {
                        uut.line_in[s].next = b;
                    }
                    simulate(&mut uut, 10);
                    for (q, &s) in map.iter().enumerate() {
                        assert_eq!(uut.line_out[q].val(), tx[s], "n {n} rx {q} <- tx {s}");
                        checked += 1;
                    }
                }
            }
        }
        assert_eq!(checked, 20 * 8 * (1 + 2 + 3 + 8 + 17 + 105));
    }

    #[test]
    fn sources_beyond_the_lanes_read_zero() {
        let mut uut = LanePermutation::new(5);
        uut.connect_all();
        for s in 0..5 {
            uut.line_in[s].next = true;
        }
        uut.source[0].next = 6.into();
        uut.source[1].next = 4.into();
        simulate(&mut uut, 10);
        assert!(!uut.line_out[0].val());
        assert!(uut.line_out[1].val());
        assert_eq!((sel_bits(1), sel_bits(2), sel_bits(5), sel_bits(105), sel_bits(128)), (1, 1, 3, 7, 7));
    }

    #[test]
    #[should_panic(expected = "LanePermutation: lanes must be in 1..=4096, not 0")]
    fn rejects_no_lanes() {
        let _ = LanePermutation::new(0);
    }

    #[test]
    fn lane_permutation_is_synthesizable() {
        for n in [1usize, 5] {
            let v = verilog_of(&mut LanePermutation::new(n));
            verilator_lint(&format!("lane_permutation_{n}"), &v).unwrap();
        }
        let v = verilog_of(&mut LanePermutation::new(32));
        let ecp = yosys_synth_ecp5("lane_permutation_32", &v).unwrap();
        println!("LanePermutation(32) on ECP5: {ecp:?}");
        // One 32:1 mux per RX lane, about one LUT4 per TX lane.
        assert!(ecp.luts <= 32 * 36, "{ecp:?}");
    }
}
