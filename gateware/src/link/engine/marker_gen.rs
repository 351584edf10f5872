//! The TX engine's block step: which block a lane sends next and its
//! marker-period state after it, exactly as the per-lane `TxFeed` chose:
//! block 0 of every period of M blocks (the first block after reset too)
//! is the alignment marker with the lane's logical id and the BIP-8 of the
//! period before it ([crate::link::marker]); the others send the lane's
//! word, or an idle control block when it has none. BIP-8 folds the
//! payload of every non-marker block, idles included. Combinational.

use super::bip_fold::Bip8Fold;
use crate::link::marker::MARKER_FIXED_VALUE;
use crate::phy::block_format::IDLE_PAYLOAD;
use rust_hdl::prelude::*;

/// One lane's block choice and marker-period step (see the module docs).
#[derive(LogicBlock)]
pub struct TxBlockStep {
    /// The lane's block index in its marker period (0: marker).
    pub bcount: Signal<In, Bits<17>>,
    /// BIP-8 of the period so far.
    pub bip: Signal<In, Bits<8>>,
    /// The logical lane id the lane carries (0xFFF on an unused spare).
    pub lane_id: Signal<In, Bits<12>>,
    /// The lane's word, if `word_valid`.
    pub word_valid: Signal<In, Bit>,
    pub word_payload: Signal<In, Bits<64>>,
    pub word_ctrl: Signal<In, Bit>,
    /// The block to send, unscrambled.
    pub payload: Signal<Out, Bits<64>>,
    pub ctrl: Signal<Out, Bit>,
    /// It is the marker (the word, if any, waits).
    pub is_marker: Signal<Out, Bit>,
    /// The period state after it.
    pub next_bcount: Signal<Out, Bits<17>>,
    pub next_bip: Signal<Out, Bits<8>>,
    fold: Bip8Fold,
    check: Signal<Local, Bits<4>>,
    last_block: Constant<Bits<17>>,
    fixed: Constant<Bits<64>>,
    idle: Constant<Bits<64>>,
}

impl TxBlockStep {
    /// A step for marker period `marker_period` (checked by the engine).
    pub fn new(marker_period: usize) -> Self {
        Self {
            bcount: Default::default(),
            bip: Default::default(),
            lane_id: Default::default(),
            word_valid: Default::default(),
            word_payload: Default::default(),
            word_ctrl: Default::default(),
            payload: Default::default(),
            ctrl: Default::default(),
            is_marker: Default::default(),
            next_bcount: Default::default(),
            next_bip: Default::default(),
            fold: Default::default(),
            check: Default::default(),
            last_block: Constant::new(((marker_period - 1) as u64).into()),
            fixed: Constant::new(MARKER_FIXED_VALUE.into()),
            idle: Constant::new(IDLE_PAYLOAD.into()),
        }
    }
}

impl Logic for TxBlockStep {
    #[hdl_gen]
    fn update(&mut self) {
        self.check.next = self.lane_id.val().get_bits::<4>(0)
            ^ self.lane_id.val().get_bits::<4>(4)
            ^ self.lane_id.val().get_bits::<4>(8);
        self.is_marker.next = self.bcount.val() == 0;
        if self.bcount.val() == 0 {
            // `^ 0xFF`, not `!`: a `~` inside this 64-bit Verilog expression
            // would invert the zero-extended value too.
            self.payload.next = self.fixed.val()
                | (bit_cast::<64, 12>(self.lane_id.val()) << 24)
                | (bit_cast::<64, 4>(self.check.val()) << 36)
                | (bit_cast::<64, 8>(self.bip.val()) << 40)
                | (bit_cast::<64, 8>(self.bip.val() ^ 0xFF) << 48);
            self.ctrl.next = true;
        } else if self.word_valid.val() {
            self.payload.next = self.word_payload.val();
            self.ctrl.next = self.word_ctrl.val();
        } else {
            self.payload.next = self.idle.val();
            self.ctrl.next = true;
        }
        self.fold.payload.next = self.payload.val();
        self.next_bip.next = self.bip.val() ^ self.fold.fold.val();
        if self.bcount.val() == 0 {
            self.next_bip.next = 0.into();
        }
        self.next_bcount.next = self.bcount.val() + 1;
        if self.bcount.val() == self.last_block.val() {
            self.next_bcount.next = 0.into();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::link::marker::{bip_fold, is_marker, marker_bip, marker_lane_id, marker_payload};

    struct Out {
        payload: u64,
        ctrl: bool,
        is_marker: bool,
        next_bcount: u64,
        next_bip: u64,
    }

    fn step(uut: &mut TxBlockStep, bcount: u64, bip: u64, id: u64, word: Option<(u64, bool)>) -> Out {
        uut.bcount.next = bcount.into();
        uut.bip.next = bip.into();
        uut.lane_id.next = id.into();
        uut.word_valid.next = word.is_some();
        uut.word_payload.next = word.map_or(0, |w| w.0).into();
        uut.word_ctrl.next = word.is_some_and(|w| w.1);
        simulate(uut, 100);
        Out {
            payload: uut.payload.val().to_u64(),
            ctrl: uut.ctrl.val(),
            is_marker: uut.is_marker.val(),
            next_bcount: uut.next_bcount.val().to_u64(),
            next_bip: uut.next_bip.val().to_u64(),
        }
    }

    #[test]
    fn markers_words_and_idles_with_the_period_state_after_them() {
        let mut uut = TxBlockStep::new(16);
        uut.connect_all();
        // Block 0: the marker, whatever the word; the BIP restarts.
        for (id, bip) in [(0u64, 0u64), (5, 0xA5), (0xFFF, 0xFF), (399, 0x01)] {
            let o = step(&mut uut, 0, bip, id, Some((0x1234, false)));
            assert_eq!(o.payload, marker_payload(id, bip as u8));
            assert!(is_marker(o.payload) && marker_lane_id(o.payload) == id && marker_bip(o.payload) == bip as u8);
            assert!(o.ctrl && o.is_marker);
            assert_eq!((o.next_bcount, o.next_bip), (1, 0));
        }
        // A data word, a control word, no word (idle); BIP folds each.
        let w = 0x0123_4567_89AB_CDEFu64;
        let o = step(&mut uut, 3, 0x5A, 7, Some((w, false)));
        assert_eq!((o.payload, o.ctrl, o.is_marker), (w, false, false));
        assert_eq!((o.next_bcount, o.next_bip), (4, (0x5A ^ bip_fold(w)) as u64));
        let o = step(&mut uut, 9, 0, 7, Some((0x1E, true)));
        assert_eq!((o.payload, o.ctrl, o.next_bip), (0x1E, true, bip_fold(0x1E) as u64));
        let o = step(&mut uut, 15, 0x33, 7, None);
        assert_eq!((o.payload, o.ctrl), (IDLE_PAYLOAD, true));
        // The period's last block wraps to the marker.
        assert_eq!((o.next_bcount, o.next_bip), (0, (0x33 ^ bip_fold(IDLE_PAYLOAD)) as u64));
    }

    #[test]
    fn tx_block_step_is_synthesizable() {
        let v = crate::verilog::verilog_of(&mut TxBlockStep::new(16));
        crate::verilog::verilator_lint("tx_block_step", &v).unwrap();
        let stats = crate::verilog::yosys_synth_ice40("tx_block_step", &v).unwrap();
        println!("TxBlockStep on iCE40: {stats:?}");
    }
}
