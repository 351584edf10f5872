//! The time-shared link engine (issue 14), RX and TX halves. RX: per physical lane only
//! what must see every line bit ([block_deser::BlockDeser] after bit
//! recovery), and one [rx_engine::RxEngine] that does everything a lane
//! does once per block - clause-49 block lock, descrambling, marker lock,
//! lane id, polarity, BIP-8, the per-lane counters and their snapshot - for
//! every lane, visiting one lane per clock with each lane's state in block
//! RAM ([lane_state::LaneStateRam]). [rx_lanes::RxLanes] puts them together.
//! It replaced the per-lane `LaneRx` + `LaneAlign` of the first link block
//! for block; tests/link/engine_rx.rs runs it beside `LaneRx` (the
//! single-lane PHY) and a software marker lock model on the same lines and
//! compares counters and blocks. The raw PRBS (BERT) mode of every lane
//! runs in the same engine ([prbs_block_check]). [crate::link::link_rx::LinkRx]
//! is built on [rx_lanes::RxLanes].
//!
//! Schedule bound. A lane gives a block every 66 line bits, i.e. every
//! 66 x OSR clocks, less what bit recovery may move its strobe meanwhile
//! (at most OSR / 2 per 64-bit window, so at most OSR per block): blocks
//! come at least 64 x OSR clocks apart. The engine visits SLOTS =
//! max(lanes, 4) slots per round; a block waits at most SLOTS - 1 clocks for
//! its slot, and its slip (if hunting) reaches the lane's front end three
//! clocks after the visit (stage C of the four-stage pipeline), before the
//! next block completes, when SLOTS + 4 <= 64 x OSR. [max_lanes] is that
//! bound (it kept one clock of margin before stage R was added) and the
//! 8-bit slot (256 lanes); [rx_engine::RxEngine::try_new] refuses more with
//! a message naming the bound. More lanes than that take two engines.
//!
//! Area (yosys 0.23, `RxLanes` at OSR 3, 8 and 32 lanes, per lane = the
//! slope; measured by a test since folded into `link_rx_synthesizes_...`
//! in tests/link/engine_rx.rs, which measures the whole `LinkRx`):
//! iCE40 ~163 LUT4 a lane (+ ~1.15k fixed) and 25 SB_RAM40_4K; ECP5 133 to
//! 248 LUT4 a lane between runs whose netlists differ only outside the
//! lanes (plain `synth_ecp5` maps the 66-bit gather's mux tree unstably)
//! and 13 DP16KD; ~186 FF a lane (the front end's 66-bit shift and hold
//! registers are most of it). Today's `LaneRx` + `LaneAlign` take 740
//! iCE40 / 559 ECP5 LUT4 a lane, before `LinkRx`'s per-lane snapshots.
//!
//! TX: per physical lane only a 66-bit serializer ([block_ser::BlockSer]);
//! one [tx_engine::TxEngine] chooses, marks and scrambles every lane's next
//! block, or sends raw PRBS in BERT mode ([prbs_block::PrbsBlockGen]), with
//! its state in block RAM ([tx_state::TxStateRam]); [tx_lanes::TxLanes]
//! puts them together, and `LinkTx` drives it from its gearbox through the
//! word stage in block RAM (`link::tx_word_stage`). tests/link/engine_tx.rs
//! checks its lines bit for bit against the software block encoder and PRBS
//! model. The TX schedule bound is at [tx_max_lanes].
//!
//! TX area (yosys 0.23, `TxLanes` at OSR 3, 8 and 32 lanes, per lane = the
//! slope, measured by a test since folded into `link_tx_synthesizes_...`
//! in tests/link/engine_tx.rs, which measures the whole `LinkTx`):
//! iCE40 86 LUT4 a lane (+ ~948 fixed) and 8 SB_RAM40_4K; ECP5 86 LUT4 a
//! lane (+ ~1.39k fixed) and 4 DP16KD; ~145 FF a lane (the serializer's
//! hold and shift registers). Before the word stage moved to block RAM
//! and PRBS came in, `TxLanes` took 132 iCE40 / 195 ECP5 LUT4 a lane (the
//! AND-OR gather of every lane's word) with ~300 fixed; the fixed part
//! grew mostly by the 66-bit PRBS step (~440 iCE40 LUT4). The serializers
//! now share one bit and block count ([ser_timing::SerTiming], registered
//! strobes): each kept its own before, and in the whole `LinkTx` yosys
//! folded that decode into every shift bit (280 ECP5 LUT4 a serializer at
//! OSR 4, 68 now). The whole `LinkTx` (gearbox, lane map, word stage): see
//! its module docs.
//!
//! Interfaces between the blocks are `LogicInterface` pairs ([ports]).

pub mod bip_fold;
pub mod block_deser;
pub mod block_lock_step;
pub mod block_ser;
pub mod descramble;
pub mod lane_state;
pub mod marker_gen;
pub mod marker_step;
pub mod ports;
pub mod prbs_block;
pub mod prbs_block_check;
pub mod round_schedule;
pub mod rx_engine;
pub mod rx_lanes;
pub mod scramble;
pub mod ser_timing;
pub mod tx_engine;
pub mod tx_lanes;
pub mod tx_state;

/// Largest physical lane count one RX engine serves at `osr` (see the
/// module docs).
pub fn max_lanes(osr: usize) -> usize {
    (64 * osr).saturating_sub(4).min(1 << ports::SLOT_BITS)
}

/// Largest physical lane count one TX engine serves at `osr`. A
/// serializer's hold register empties at a block boundary, every 66 x OSR
/// clocks; in the worst case the lane's stage B saw it full on that very
/// clock, so the next visit's stage B comes SLOTS clocks later and its
/// load is in the hold register two clocks after that: in time for the
/// next boundary when SLOTS + 2 <= 66 x OSR. Two more clocks of margin and
/// the 8-bit slot (256 lanes) give the bound; [tx_engine::TxEngine::try_new]
/// refuses more with a message naming it. The first round after reset
/// meets the same bound (lane q is loaded by clock q + 3, the first
/// boundary is at clock 66 x OSR - 1).
pub fn tx_max_lanes(osr: usize) -> usize {
    (66 * osr).saturating_sub(4).min(1 << ports::SLOT_BITS)
}

/// The link's own rules, then one engine's lane bound: `bound` lanes at the
/// link's OSR for the `engine` ("RX" or "TX"), whose lanes `pace` ("give" or
/// "need") a block every 66 x OSR clocks.
fn check_lane_bound(
    p: &crate::params::LinkParams,
    engine: &str,
    bound: fn(usize) -> usize,
    pace: &str,
) -> Result<(), crate::params::ParamError> {
    p.validate()?;
    let (lanes, osr) = (p.physical_lanes(), p.osr);
    if lanes > bound(osr) {
        return Err(crate::params::ParamError::OutOfRange {
            name: "lanes + spares (N + S)",
            rule: format!(
                "at most {} for one {engine} engine at OSR {osr} (a lane {pace} a block every 66 x OSR clocks)",
                bound(osr)
            ),
            value: lanes,
        });
    }
    Ok(())
}
