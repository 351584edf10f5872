//! Per physical lane, before the lane transmitter: the staged block for the
//! next round, alignment-marker insertion and the lane's running BIP-8.

use super::marker::*;
use crate::phy::block_format::IDLE_PAYLOAD;
use rust_hdl::prelude::*;

#[derive(LogicBlock)]
pub struct TxFeed {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    /// Stream word to stage for this lane (shared bus).
    pub wdata: Signal<In, Bits<64>>,
    /// Strobe: stage `wdata` for this lane's next block.
    pub we: Signal<In, Bit>,
    /// The lane transmitter takes its next block this clock.
    pub take: Signal<In, Bit>,
    /// The block being taken is an alignment marker.
    pub marker_round: Signal<In, Bit>,
    /// Logical lane id this physical lane carries (0xFFF: none).
    pub lane_id: Signal<In, Bits<12>>,
    /// The next block, for the lane transmitter.
    pub block_data: Signal<Out, Bits<64>>,
    pub block_ctrl: Signal<Out, Bit>,
    /// A word is staged for the next data round.
    pub staged: Signal<Out, Bit>,
    stage: DFF<Bits<64>>,
    stage_valid: DFF<Bit>,
    bip: DFF<Bits<8>>,
    fold: Signal<Local, Bits<8>>,
    idle: Constant<Bits<64>>,
    fixed: Constant<Bits<64>>,
}

impl Default for TxFeed {
    fn default() -> Self {
        Self {
            clock: Default::default(),
            reset: Default::default(),
            wdata: Default::default(),
            we: Default::default(),
            take: Default::default(),
            marker_round: Default::default(),
            lane_id: Default::default(),
            block_data: Default::default(),
            block_ctrl: Default::default(),
            staged: Default::default(),
            stage: Default::default(),
            stage_valid: Default::default(),
            bip: Default::default(),
            fold: Default::default(),
            idle: Constant::new(IDLE_PAYLOAD.into()),
            fixed: Constant::new(MARKER_FIXED_VALUE.into()),
        }
    }
}

impl Logic for TxFeed {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, stage, stage_valid, bip);
        if self.marker_round.val() {
            self.block_data.next = self.fixed.val()
                | (bit_cast::<64, 12>(self.lane_id.val()) << 24)
                | (bit_cast::<64, 4>(
                    self.lane_id.val().get_bits::<4>(0)
                        ^ self.lane_id.val().get_bits::<4>(4)
                        ^ self.lane_id.val().get_bits::<4>(8),
                ) << 36)
                | (bit_cast::<64, 8>(self.bip.q.val()) << 40)
                // `^ 0xFF`, not `!`: in the generated Verilog a `~` inside
                // this 64-bit expression inverts the zero-extended value too.
                | (bit_cast::<64, 8>(self.bip.q.val() ^ 0xFF) << 48);
            self.block_ctrl.next = true;
        } else if self.stage_valid.q.val() {
            self.block_data.next = self.stage.q.val();
            self.block_ctrl.next = false;
        } else {
            self.block_data.next = self.idle.val();
            self.block_ctrl.next = true;
        }
        self.fold.next = self.block_data.val().get_bits::<8>(0)
            ^ self.block_data.val().get_bits::<8>(8)
            ^ self.block_data.val().get_bits::<8>(16)
            ^ self.block_data.val().get_bits::<8>(24)
            ^ self.block_data.val().get_bits::<8>(32)
            ^ self.block_data.val().get_bits::<8>(40)
            ^ self.block_data.val().get_bits::<8>(48)
            ^ self.block_data.val().get_bits::<8>(56);
        self.staged.next = self.stage_valid.q.val();
        if self.take.val() {
            if self.marker_round.val() {
                self.bip.d.next = 0.into();
            } else {
                self.bip.d.next = self.bip.q.val() ^ self.fold.val();
                self.stage_valid.d.next = false;
            }
        }
        if self.we.val() {
            self.stage.d.next = self.wdata.val();
            self.stage_valid.d.next = true;
        }
        if self.reset.val() {
            self.stage_valid.d.next = false;
            self.bip.d.next = 0.into();
        }
    }
}
