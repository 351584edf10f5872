//! The TX lanes' state, one record per lane in block RAM, read in the TX
//! engine's stage A and written back in its stage C.
//!
//! | bits   | field                                                  |
//! |--------|--------------------------------------------------------|
//! | 57..0  | scrambler history: the last 58 sent payload bits       |
//! | 65..58 | BIP-8 of the marker period so far                      |
//! | 82..66 | block index in the marker period (0: the marker next)  |
//! | 113..83| PRBS (BERT) generator: the last 31 sent PRBS bits      |
//!
//! Reads are registered (data one clock after the address); a read and a
//! write of one lane in the same clock return the old record, which the
//! engine avoids by visiting a lane at most once in four clocks.

use super::ports::SLOT_BITS;
use rust_hdl::prelude::*;

/// Bit positions of a lane's TX record.
pub struct TxRecord;

impl TxRecord {
    pub const HISTORY: usize = 0;
    pub const BIP: usize = 58;
    pub const BCOUNT: usize = 66;
    pub const PRBS: usize = 83;
    pub const BITS: usize = 114;
}

/// Record width as a type-level constant (`TxRecord::BITS`).
pub const TX_STATE_BITS: usize = 114;

/// The TX engine's state RAM (see the module docs).
#[derive(LogicBlock, Default)]
pub struct TxStateRam {
    pub clock: Signal<In, Clock>,
    /// Stage A: the record of lane `rd_addr`, one clock later.
    pub rd_addr: Signal<In, Bits<SLOT_BITS>>,
    pub rd_state: Signal<Out, Bits<TX_STATE_BITS>>,
    /// Stage C: write lane `wr_addr`'s record.
    pub wr_en: Signal<In, Bit>,
    pub wr_addr: Signal<In, Bits<SLOT_BITS>>,
    pub wr_state: Signal<In, Bits<TX_STATE_BITS>>,
    state: RAM<Bits<TX_STATE_BITS>, SLOT_BITS>,
}

impl Logic for TxStateRam {
    #[hdl_gen]
    fn update(&mut self) {
        self.state.read_clock.next = self.clock.val();
        self.state.write_clock.next = self.clock.val();
        self.state.read_address.next = self.rd_addr.val();
        self.rd_state.next = self.state.read_data.val();
        self.state.write_address.next = self.wr_addr.val();
        self.state.write_data.next = self.wr_state.val();
        self.state.write_enable.next = self.wr_en.val();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_fields_tile_the_record() {
        assert_eq!(TxRecord::BIP, TxRecord::HISTORY + 58);
        assert_eq!(TxRecord::BCOUNT, TxRecord::BIP + 8);
        assert_eq!(TxRecord::PRBS, TxRecord::BCOUNT + 17);
        assert_eq!(TxRecord::BITS, TxRecord::PRBS + 31);
        assert_eq!(TxRecord::BITS, TX_STATE_BITS);
    }

    fn cycle(uut: &mut TxStateRam) {
        crate::sim_clock::cycle(uut, |u| &mut u.clock);
    }

    #[test]
    fn records_read_back_per_lane_one_clock_after_the_address() {
        let mut uut = TxStateRam::default();
        uut.connect_all();
        let rec = |l: u128| (l << 110) | (l << 80) | (l << 40) | l;
        for l in 0..8u128 {
            uut.wr_en.next = l != 5;
            uut.wr_addr.next = (l as u64).into();
            uut.wr_state.next = bit_cast::<TX_STATE_BITS, 64>((rec(l) as u64).into())
                | (bit_cast::<TX_STATE_BITS, 64>(((rec(l) >> 64) as u64).into()) << 64);
            cycle(&mut uut);
        }
        uut.wr_en.next = false;
        for l in 0..8u128 {
            uut.rd_addr.next = (l as u64).into();
            cycle(&mut uut);
            // Lane 5 was not written: the RAM's initial zero.
            assert_eq!(uut.rd_state.val().to_u128(), if l == 5 { 0 } else { rec(l) });
        }
    }
}
