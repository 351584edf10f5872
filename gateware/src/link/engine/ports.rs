//! The typed interfaces between the RX engine's blocks, each a
//! `LogicInterface` pair joined with `#[join]` (one side's `Out` is the
//! other's `In`), so a parent wires a whole port with one
//! `Type::join(&mut a, &mut b)` instead of signal by signal.

use rust_hdl::prelude::*;

/// Slot (physical lane index) width of one engine: up to 256 lanes.
pub const SLOT_BITS: usize = 8;

/// A lane front end's side of its block handshake (see [super::block_deser]).
#[derive(Clone, Debug, Default, LogicInterface)]
#[join = "BlockSink"]
pub struct BlockSource {
    /// The last complete 66-bit block, line bit k in bit k (sync header in
    /// bits 0 and 1, payload bit i in bit 2 + i, still scrambled).
    pub hold: Signal<Out, Bits<66>>,
    /// `hold` has a block the engine has not taken yet.
    pub full: Signal<Out, Bit>,
    /// The engine takes `hold` this clock.
    pub take: Signal<In, Bit>,
    /// Block lock hunts: move the framing one bit later (the block in
    /// progress completes one bit later).
    pub slip: Signal<In, Bit>,
}

/// The engine's side of a lane's block handshake.
#[derive(Clone, Debug, Default, LogicInterface)]
#[join = "BlockSource"]
pub struct BlockSink {
    pub hold: Signal<In, Bits<66>>,
    pub full: Signal<In, Bit>,
    pub take: Signal<Out, Bit>,
    pub slip: Signal<Out, Bit>,
}

/// One aligned block per clock at most, from the engine to the deskew write
/// side: a lane's delivered block with its deskew FIFO flags, plus the
/// lane's marker state after the block.
#[derive(Clone, Debug, Default, LogicInterface)]
#[join = "AlignedBlockSink"]
pub struct AlignedBlockSource {
    /// A block-locked lane delivered a block (one clock).
    pub valid: Signal<Out, Bit>,
    /// Its physical lane.
    pub lane: Signal<Out, Bits<SLOT_BITS>>,
    /// The payload, descrambled (and complemented on an inverted lane).
    pub payload: Signal<Out, Bits<64>>,
    /// Control block (header `1,0`), or an invalid header.
    pub ctrl: Signal<Out, Bit>,
    /// Invalid sync header (`0,0` or `1,1`): never deliver it as data.
    pub bad: Signal<Out, Bit>,
    /// A well-formed alignment marker (any id).
    pub is_marker: Signal<Out, Bit>,
    /// The deskew FIFO's marker flag: the lane's marker slot (unless the
    /// block there is data), or any well-formed marker.
    pub marker_slot: Signal<Out, Bit>,
    /// The block goes into the lane's deskew FIFO: the lane is marker-locked,
    /// or this marker brings the lock.
    pub write: Signal<Out, Bit>,
    /// Marker lock and the logical lane id after this block.
    pub marker_lock: Signal<Out, Bit>,
    pub lane_id: Signal<Out, Bits<12>>,
    /// A marker with the lane's id arrived (for the latency measurement).
    pub marker_seen: Signal<Out, Bit>,
    /// That marker's BIP-8 disagreed (for the BIP alarm).
    pub bip_bad: Signal<Out, Bit>,
}

/// The consumer's side of [AlignedBlockSource].
#[derive(Clone, Debug, Default, LogicInterface)]
#[join = "AlignedBlockSource"]
pub struct AlignedBlockSink {
    pub valid: Signal<In, Bit>,
    pub lane: Signal<In, Bits<SLOT_BITS>>,
    pub payload: Signal<In, Bits<64>>,
    pub ctrl: Signal<In, Bit>,
    pub bad: Signal<In, Bit>,
    pub is_marker: Signal<In, Bit>,
    pub marker_slot: Signal<In, Bit>,
    pub write: Signal<In, Bit>,
    pub marker_lock: Signal<In, Bit>,
    pub lane_id: Signal<In, Bits<12>>,
    pub marker_seen: Signal<In, Bit>,
    pub bip_bad: Signal<In, Bit>,
}

/// The register decode's read port into the engine (the responder side):
/// one clock after `lane`, the lane's snapshot counters and live status.
#[derive(Clone, Debug, Default, LogicInterface)]
#[join = "LaneReadController"]
pub struct LaneReadResponder {
    pub lane: Signal<In, Bits<SLOT_BITS>>,
    /// `LANE_STATUS` with the engine's fields (block lock, marker lock,
    /// PRBS lock, inverted, logical id); the front end's bit lock is ORed
    /// in by the register decode.
    pub status: Signal<Out, Bits<32>>,
    /// Snapshot counters (`LANE_SYNC_ERRORS` .. `LANE_BAD_MARKERS`).
    pub sync_errors: Signal<Out, Bits<32>>,
    pub lock_losses: Signal<Out, Bits<32>>,
    pub bip_errors: Signal<Out, Bits<32>>,
    pub bad_markers: Signal<Out, Bits<32>>,
    /// Snapshot PRBS (BERT) counters (`LANE_PRBS_ERRORS`, `LANE_BITS`).
    pub prbs_errors: Signal<Out, Bits<32>>,
    pub bits: Signal<Out, Bits<32>>,
}

/// The register decode's side of [LaneReadResponder].
#[derive(Clone, Debug, Default, LogicInterface)]
#[join = "LaneReadResponder"]
pub struct LaneReadController {
    pub lane: Signal<Out, Bits<SLOT_BITS>>,
    pub status: Signal<In, Bits<32>>,
    pub sync_errors: Signal<In, Bits<32>>,
    pub lock_losses: Signal<In, Bits<32>>,
    pub bip_errors: Signal<In, Bits<32>>,
    pub bad_markers: Signal<In, Bits<32>>,
    pub prbs_errors: Signal<In, Bits<32>>,
    pub bits: Signal<In, Bits<32>>,
}

/// The TX engine's read of the per-lane word stage (the controller side):
/// the word dealt to physical lane `lane` for its next data block, one
/// clock after the address (a registered read, so the stage may be block
/// RAM; see [crate::link::tx_word_stage]).
#[derive(Clone, Debug, Default, LogicInterface)]
#[join = "TxWordStore"]
pub struct TxWordReader {
    /// The lane to read (stage A of the engine).
    pub lane: Signal<Out, Bits<SLOT_BITS>>,
    /// One clock later: `payload` and `ctrl` hold that lane's next word.
    pub valid: Signal<In, Bit>,
    /// Payload, unscrambled (payload bit 0 first on the line).
    pub payload: Signal<In, Bits<64>>,
    /// Send it as a control block (header `1,0`), else as data (`0,1`).
    pub ctrl: Signal<In, Bit>,
    /// With the answer: that lane's data block was sent now, the word if
    /// `valid`, an idle block if not (never in a marker round).
    pub take: Signal<Out, Bit>,
}

/// The word stage's side of [TxWordReader].
#[derive(Clone, Debug, Default, LogicInterface)]
#[join = "TxWordReader"]
pub struct TxWordStore {
    pub lane: Signal<In, Bits<SLOT_BITS>>,
    pub valid: Signal<Out, Bit>,
    pub payload: Signal<Out, Bits<64>>,
    pub ctrl: Signal<Out, Bit>,
    pub take: Signal<In, Bit>,
}

/// The TX engine's side of a lane serializer's hold register (see
/// [super::block_ser]).
#[derive(Clone, Debug, Default, LogicInterface)]
#[join = "LineBlockSink"]
pub struct LineBlockSource {
    /// The next 66-bit block, line bit k in bit k (sync header in bits 0
    /// and 1, scrambled payload bit i in bit 2 + i): valid with `load`.
    pub block: Signal<Out, Bits<66>>,
    /// Load `block` into the hold register this clock (only while not `full`).
    pub load: Signal<Out, Bit>,
    /// The hold register has a block the serializer has not started yet.
    pub full: Signal<In, Bit>,
}

/// A lane serializer's side of [LineBlockSource].
#[derive(Clone, Debug, Default, LogicInterface)]
#[join = "LineBlockSource"]
pub struct LineBlockSink {
    pub block: Signal<In, Bits<66>>,
    pub load: Signal<In, Bit>,
    pub full: Signal<Out, Bit>,
}

/// The TX engine's read of the lane map (the controller side): the
/// logical lane id physical lane `lane` carries, one clock later (a
/// registered read, so the map may live in block RAM). 0xFFF: none.
#[derive(Clone, Debug, Default, LogicInterface)]
#[join = "LaneIdResponder"]
pub struct LaneIdController {
    pub lane: Signal<Out, Bits<SLOT_BITS>>,
    pub id: Signal<In, Bits<12>>,
}

/// The lane map's side of [LaneIdController].
#[derive(Clone, Debug, Default, LogicInterface)]
#[join = "LaneIdController"]
pub struct LaneIdResponder {
    pub lane: Signal<In, Bits<SLOT_BITS>>,
    pub id: Signal<Out, Bits<12>>,
}
