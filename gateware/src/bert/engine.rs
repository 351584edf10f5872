//! The time-shared PRBS checker of the BERT core: per lane only a 32-bit
//! deserializer ([WordDeser]); one checker ([PrbsWordCheck]) visits the
//! lanes in turn, one per clock, with each lane's state (history, lock,
//! error window) and counters in block RAM. This is what lets a BERT image
//! fit a hundred lanes: the per-lane bit-serial checker with its two 32-bit
//! counters, snapshots and read muxes cost ~330 ECP5 LUTs a lane.
//!
//! Schedule. A round visits slots 0..SLOTS-1, SLOTS = max(lanes, 4); a lane
//! gives a word every 32 line bits, at least 32 x OSR - OSR clocks apart
//! (bit recovery moves its strobe by at most OSR / 2 once per window), so a
//! word is always taken before the next one completes when
//! SLOTS <= [max_lanes] (checked when built).
//!
//! Pipeline, for the lane in slot s:
//! * A: the slot's word (if one is waiting) is gathered into a register and
//!   the lane's state and counters are read from RAM;
//! * B: the word is checked against the history ([PrbsWordCheck]);
//! * C: errors are counted, lock decided, state and counters written back,
//!   and on a snapshot round the counters copied to the snapshot RAM.
//!
//! Lock (as [crate::phy::prbs::PrbsCheck], in words): hunting, a lane locks after
//! two words in a row (64 bits) that obey the recurrence over the received
//! bits; locked, it predicts each word from its own history, counts one
//! error per mismatched bit and 32 bits per word, and unlocks on 16 errors
//! within a 64-bit window (two words), then hunts again from the line.
//!
//! Requests (`restart`, `clear`, `snapshot` pulses) are taken at the next
//! round boundary and applied to every lane during one whole round:
//! `restart` zeroes every lane's state, counters and snapshot; `clear` zeroes
//! the counters; `snapshot` copies each lane's counters. `busy` is high
//! from a snapshot or restart request until the round that took it is in
//! the snapshot RAM's read port (at most two rounds and four clocks), so a
//! register read held off by it sees one consistent snapshot.

use crate::link::engine::ports::SLOT_BITS;
use crate::link::engine::round_schedule::RoundSchedule;
use crate::phy::prbs_word::{Popcount32, PrbsWordCheck};
use rust_hdl::prelude::*;

/// Largest lane count one engine serves at `osr` (see the module docs).
pub fn max_lanes(osr: usize) -> usize {
    // The second bound keeps a read held by `busy` (at most two rounds and
    // the pipeline) within the bridge's acknowledge timeout.
    (32 * osr - osr - 1).min(124)
}

/// One lane's deserializer: collects 32 recovered bits (first in bit 31)
/// into `hold` and raises `full` until the engine takes the word.
#[derive(LogicBlock, Default)]
pub struct WordDeser {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    pub bit_valid: Signal<In, Bit>,
    pub bit_value: Signal<In, Bit>,
    /// The engine takes `hold` this clock (`full` drops unless a new word
    /// completes in the same clock).
    pub take: Signal<In, Bit>,
    pub hold: Signal<Out, Bits<32>>,
    pub full: Signal<Out, Bit>,
    shift: DFF<Bits<32>>,
    count: DFF<Bits<5>>,
    word: DFF<Bits<32>>,
    ready: DFF<Bit>,
    next_shift: Signal<Local, Bits<32>>,
}

impl Logic for WordDeser {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, shift, count, word, ready);
        if self.take.val() {
            self.ready.d.next = false;
        }
        self.next_shift.next = self.shift.q.val() << 1;
        if self.bit_value.val() {
            self.next_shift.next = (self.shift.q.val() << 1) | 1;
        }
        if self.bit_valid.val() {
            self.shift.d.next = self.next_shift.val();
            self.count.d.next = self.count.q.val() + 1;
            if self.count.q.val() == 31 {
                self.word.d.next = self.next_shift.val();
                self.ready.d.next = true;
            }
        }
        if self.reset.val() {
            self.count.d.next = 0.into();
            self.ready.d.next = false;
        }
        self.hold.next = self.word.q.val();
        self.full.next = self.ready.q.val();
    }
}

/// The time-shared checker (see the module docs).
#[derive(LogicBlock)]
pub struct BertEngine {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    /// Recovered bits of every lane.
    pub bit_valid: Vec<Signal<In, Bit>>,
    pub bit_value: Vec<Signal<In, Bit>>,
    /// Pattern code of every lane ([crate::phy::prbs::PrbsPattern::code]).
    pub pattern: Signal<In, Bits<3>>,
    /// Pulses: unlock and zero every lane; zero the counters; snapshot them.
    pub restart: Signal<In, Bit>,
    pub clear: Signal<In, Bit>,
    pub snapshot: Signal<In, Bit>,
    /// A snapshot or restart is requested or under way: the snapshot read
    /// port may not show it yet.
    pub busy: Signal<Out, Bit>,
    /// Per lane: locked to the pattern.
    pub lock: Vec<Signal<Out, Bit>>,
    /// Some lane counted an error since the last restart or clear.
    pub any_error: Signal<Out, Bit>,
    /// Snapshot read port: the lane's errors and bits one clock after
    /// `rd_lane`.
    pub rd_lane: Signal<In, Bits<12>>,
    pub rd_errors: Signal<Out, Bits<32>>,
    pub rd_bits: Signal<Out, Bits<32>>,
    deser: Vec<WordDeser>,
    locked: Vec<DFF<Bit>>,
    check: PrbsWordCheck,
    popcount: Popcount32,
    /// State: history 0..31, locked 31, good words 32..34, window errors
    /// 34..39, second word of the window 39.
    state_ram: RAM<Bits<40>, SLOT_BITS>,
    /// Counters: errors 0..32, bits 32..64.
    count_ram: RAM<Bits<64>, SLOT_BITS>,
    snap_ram: RAM<Bits<64>, SLOT_BITS>,
    rounds: RoundSchedule,
    errors_seen: DFF<Bit>,
    /// The clock after a snapshot or restart write, whose read-back is not
    /// yet in the snapshot RAM's output register.
    busy_tail: DFF<Bit>,
    // Stage A -> B.
    a_slot: DFF<Bits<SLOT_BITS>>,
    a_valid: DFF<Bit>,
    a_full: DFF<Bit>,
    a_word: DFF<Bits<32>>,
    a_flags: DFF<Bits<3>>,
    // Stage B -> C.
    b_slot: DFF<Bits<SLOT_BITS>>,
    b_valid: DFF<Bit>,
    b_full: DFF<Bit>,
    b_word: DFF<Bits<32>>,
    b_flags: DFF<Bits<3>>,
    b_state: DFF<Bits<40>>,
    b_counts: DFF<Bits<64>>,
    b_sync_ok: DFF<Bit>,
    b_predicted: DFF<Bits<32>>,
    // Stage A, combinational.
    gather_word: Signal<Local, Bits<32>>,
    gather_full: Signal<Local, Bit>,
    // Stage C, combinational.
    locked_now: Signal<Local, Bit>,
    good_words: Signal<Local, Bits<2>>,
    window_errors: Signal<Local, Bits<6>>,
    second_half: Signal<Local, Bit>,
    history: Signal<Local, Bits<31>>,
    errors: Signal<Local, Bits<33>>,
    bits: Signal<Local, Bits<33>>,
    word_errors: Signal<Local, Bits<6>>,
    new_state: Signal<Local, Bits<40>>,
    new_counts: Signal<Local, Bits<64>>,
    saturated: Constant<Bits<33>>,
}

impl BertEngine {
    /// An engine for `lanes` lanes whose bits last `osr` clocks.
    ///
    /// # Panics
    /// When `lanes` is 0 or more than [max_lanes] (callers check first).
    pub fn new(lanes: usize, osr: usize) -> Self {
        assert!(
            (1..=max_lanes(osr)).contains(&lanes),
            "BertEngine: {lanes} lanes at OSR {osr}: one engine serves 1..={} lanes",
            max_lanes(osr)
        );
        let slots = lanes.max(4);
        Self {
            clock: Default::default(),
            reset: Default::default(),
            bit_valid: (0..lanes).map(|_| Default::default()).collect(),
            bit_value: (0..lanes).map(|_| Default::default()).collect(),
            pattern: Default::default(),
            restart: Default::default(),
            clear: Default::default(),
            snapshot: Default::default(),
            busy: Default::default(),
            lock: (0..lanes).map(|_| Default::default()).collect(),
            any_error: Default::default(),
            rd_lane: Default::default(),
            rd_errors: Default::default(),
            rd_bits: Default::default(),
            deser: (0..lanes).map(|_| Default::default()).collect(),
            locked: (0..lanes).map(|_| Default::default()).collect(),
            check: Default::default(),
            popcount: Default::default(),
            state_ram: Default::default(),
            count_ram: Default::default(),
            snap_ram: Default::default(),
            rounds: RoundSchedule::new(slots),
            errors_seen: Default::default(),
            busy_tail: Default::default(),
            a_slot: Default::default(),
            a_valid: Default::default(),
            a_full: Default::default(),
            a_word: Default::default(),
            a_flags: Default::default(),
            b_slot: Default::default(),
            b_valid: Default::default(),
            b_full: Default::default(),
            b_word: Default::default(),
            b_flags: Default::default(),
            b_state: Default::default(),
            b_counts: Default::default(),
            b_sync_ok: Default::default(),
            b_predicted: Default::default(),
            gather_word: Default::default(),
            gather_full: Default::default(),
            locked_now: Default::default(),
            good_words: Default::default(),
            window_errors: Default::default(),
            second_half: Default::default(),
            history: Default::default(),
            errors: Default::default(),
            bits: Default::default(),
            word_errors: Default::default(),
            new_state: Default::default(),
            new_counts: Default::default(),
            saturated: Constant::new(0xFFFF_FFFFu64.into()),
        }
    }
}

impl Logic for BertEngine {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            clock,
            errors_seen,
            busy_tail,
            a_slot,
            a_valid,
            a_full,
            a_word,
            a_flags,
            b_slot,
            b_valid,
            b_full,
            b_word,
            b_flags,
            b_state,
            b_counts,
            b_sync_ok,
            b_predicted
        );
        self.state_ram.read_clock.next = self.clock.val();
        self.state_ram.write_clock.next = self.clock.val();
        self.count_ram.read_clock.next = self.clock.val();
        self.count_ram.write_clock.next = self.clock.val();
        self.snap_ram.read_clock.next = self.clock.val();
        self.snap_ram.write_clock.next = self.clock.val();

        // Requests wait for the next round.
        self.rounds.clock.next = self.clock.val();
        self.rounds.reset.next = self.reset.val();
        self.rounds.restart.next = self.restart.val();
        self.rounds.clear.next = self.clear.val();
        self.rounds.snapshot.next = self.snapshot.val();
        if self.restart.val() | self.clear.val() {
            self.errors_seen.d.next = false;
        }

        // Stage A: gather the slot's word (an AND-OR over the lanes, so that
        // synthesis can balance it) and read the lane's state.
        self.gather_word.next = 0.into();
        self.gather_full.next = false;
        for q in 0..self.deser.len() {
            self.deser[q].clock.next = self.clock.val();
            self.deser[q].reset.next = self.reset.val();
            self.deser[q].bit_valid.next = self.bit_valid[q].val();
            self.deser[q].bit_value.next = self.bit_value[q].val();
            self.deser[q].take.next = self.rounds.slot.val().index() == q;
            if self.rounds.slot.val().index() == q {
                self.gather_word.next = self.gather_word.val() | self.deser[q].hold.val();
                self.gather_full.next = self.gather_full.val() | self.deser[q].full.val();
            }
        }
        self.state_ram.read_address.next = self.rounds.slot.val();
        self.count_ram.read_address.next = self.rounds.slot.val();
        self.a_slot.d.next = self.rounds.slot.val();
        self.a_valid.d.next = true;
        self.a_full.d.next = self.gather_full.val();
        self.a_word.d.next = self.gather_word.val();
        self.a_flags.d.next = self.rounds.flags.val();

        // Stage B: check the word against the lane's history.
        self.check.history.next = self.state_ram.read_data.val().get_bits::<31>(0);
        self.check.word.next = self.a_word.q.val();
        self.check.pattern.next = self.pattern.val();
        self.b_slot.d.next = self.a_slot.q.val();
        self.b_valid.d.next = self.a_valid.q.val();
        self.b_full.d.next = self.a_full.q.val();
        self.b_word.d.next = self.a_word.q.val();
        self.b_flags.d.next = self.a_flags.q.val();
        self.b_state.d.next = self.state_ram.read_data.val();
        self.b_counts.d.next = self.count_ram.read_data.val();
        self.b_sync_ok.d.next = self.check.sync_ok.val();
        self.b_predicted.d.next = self.check.predicted.val();

        // Stage C: count, decide lock, write back.
        self.popcount.value.next = self.b_word.q.val() ^ self.b_predicted.q.val();
        self.word_errors.next = self.popcount.count.val();
        self.history.next = self.b_state.q.val().get_bits::<31>(0);
        self.locked_now.next = self.b_state.q.val().get_bit(31);
        self.good_words.next = self.b_state.q.val().get_bits::<2>(32);
        self.window_errors.next = bit_cast::<6, 5>(self.b_state.q.val().get_bits::<5>(34));
        self.second_half.next = self.b_state.q.val().get_bit(39);
        self.errors.next = bit_cast::<33, 32>(self.b_counts.q.val().get_bits::<32>(0));
        self.bits.next = bit_cast::<33, 32>(self.b_counts.q.val().get_bits::<32>(32));
        if self.b_flags.q.val().get_bit(1) {
            self.errors.next = 0.into();
            self.bits.next = 0.into();
        }
        if self.b_full.q.val() {
            if self.locked_now.val() {
                // Free-running: the history goes on with the prediction.
                self.history.next = self.b_predicted.q.val().get_bits::<31>(0);
                self.errors.next = self.errors.val() + bit_cast::<33, 6>(self.word_errors.val());
                self.bits.next = self.bits.val() + 32;
                if self.word_errors.val() != 0 {
                    self.errors_seen.d.next = true;
                }
                self.window_errors.next = self.window_errors.val() + self.word_errors.val();
                if self.window_errors.val() >= 16 {
                    // Lost: hunt again from the line.
                    self.locked_now.next = false;
                    self.good_words.next = 0.into();
                    self.window_errors.next = 0.into();
                    self.second_half.next = false;
                    self.history.next = self.b_word.q.val().get_bits::<31>(0);
                } else if self.second_half.val() {
                    self.window_errors.next = 0.into();
                    self.second_half.next = false;
                } else {
                    self.second_half.next = true;
                }
            } else {
                // Hunting: the history is the line.
                self.history.next = self.b_word.q.val().get_bits::<31>(0);
                if self.b_sync_ok.q.val() {
                    if self.good_words.val() == 1 {
                        self.locked_now.next = true;
                        self.window_errors.next = 0.into();
                        self.second_half.next = false;
                    }
                    self.good_words.next = self.good_words.val() + 1;
                    if self.good_words.val() == 3 {
                        self.good_words.next = 3.into();
                    }
                } else {
                    self.good_words.next = 0.into();
                }
            }
        }
        if self.errors.val() > self.saturated.val() {
            self.errors.next = self.saturated.val();
        }
        if self.bits.val() > self.saturated.val() {
            self.bits.next = self.saturated.val();
        }
        self.new_state.next = bit_cast::<40, 31>(self.history.val())
            | (bit_cast::<40, 1>(self.locked_now.val().into()) << 31)
            | (bit_cast::<40, 2>(self.good_words.val()) << 32)
            | (bit_cast::<40, 5>(self.window_errors.val().get_bits::<5>(0)) << 34)
            | (bit_cast::<40, 1>(self.second_half.val().into()) << 39);
        self.new_counts.next = bit_cast::<64, 32>(self.errors.val().get_bits::<32>(0))
            | (bit_cast::<64, 32>(self.bits.val().get_bits::<32>(0)) << 32);
        if self.b_flags.q.val().get_bit(0) {
            self.new_state.next = 0.into();
            self.new_counts.next = 0.into();
        }
        self.state_ram.write_address.next = self.b_slot.q.val();
        self.state_ram.write_data.next = self.new_state.val();
        self.state_ram.write_enable.next = self.b_valid.q.val();
        self.count_ram.write_address.next = self.b_slot.q.val();
        self.count_ram.write_data.next = self.new_counts.val();
        self.count_ram.write_enable.next = self.b_valid.q.val();
        self.snap_ram.write_address.next = self.b_slot.q.val();
        self.snap_ram.write_data.next = self.new_counts.val();
        self.snap_ram.write_enable.next =
            self.b_valid.q.val() & (self.b_flags.q.val().get_bit(2) | self.b_flags.q.val().get_bit(0));
        for q in 0..self.locked.len() {
            self.locked[q].clock.next = self.clock.val();
            self.locked[q].d.next = self.locked[q].q.val();
            if self.b_valid.q.val() & (self.b_slot.q.val().index() == q) {
                self.locked[q].d.next = self.new_state.val().get_bit(31);
            }
            self.lock[q].next = self.locked[q].q.val();
        }

        // Snapshot read port.
        self.snap_ram.read_address.next = self.rd_lane.val().get_bits::<8>(0);
        self.rd_errors.next = self.snap_ram.read_data.val().get_bits::<32>(0);
        self.rd_bits.next = self.snap_ram.read_data.val().get_bits::<32>(32);
        // Snapshot RAM writes (snapshot and restart rounds) still to come.
        self.busy_tail.d.next = self.b_flags.q.val().get_bit(2) | self.b_flags.q.val().get_bit(0);
        self.busy.next = self.rounds.pending.val()
            | (self.a_flags.q.val() & 5).any()
            | (self.b_flags.q.val() & 5).any()
            | self.busy_tail.q.val();
        self.any_error.next = self.errors_seen.q.val();

        if self.reset.val() {
            // The first round clears every lane's state, counters and snapshot.
            self.a_valid.d.next = false;
            self.b_valid.d.next = false;
            self.errors_seen.d.next = false;
        }
    }
}
