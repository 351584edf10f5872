//! The round schedule of the time-shared engines ([super::rx_engine::RxEngine]
//! and [crate::bert::engine::BertEngine]): a slot counter that visits slots
//! 0..SLOTS-1 in turn, one per clock, and the requests (`restart`, `clear`,
//! `snapshot` pulses) held until the next round boundary and then applied
//! for one whole round (`flags`). Reset makes the first round a restart.

use super::ports::SLOT_BITS;
use rust_hdl::prelude::*;

/// Slot counter and round requests (see the module docs).
#[derive(LogicBlock)]
pub struct RoundSchedule {
    pub clock: Signal<In, Clock>,
    /// Synchronous reset, active high: slot 0, the first round a restart.
    pub reset: Signal<In, Bit>,
    /// Request pulses, taken at the next round boundary.
    pub restart: Signal<In, Bit>,
    pub clear: Signal<In, Bit>,
    pub snapshot: Signal<In, Bit>,
    /// The slot visited this clock.
    pub slot: Signal<Out, Bits<SLOT_BITS>>,
    /// The slot is the round's last: the next clock starts a new round.
    pub last: Signal<Out, Bit>,
    /// This round's requests: bit 0 restart, 1 clear, 2 snapshot.
    pub flags: Signal<Out, Bits<3>>,
    /// A snapshot or restart waits for its round or has it under way.
    pub pending: Signal<Out, Bit>,
    slot_r: DFF<Bits<SLOT_BITS>>,
    req_restart: DFF<Bit>,
    req_clear: DFF<Bit>,
    req_snap: DFF<Bit>,
    round_restart: DFF<Bit>,
    round_clear: DFF<Bit>,
    round_snap: DFF<Bit>,
    last_slot: Constant<Bits<SLOT_BITS>>,
}

impl RoundSchedule {
    /// A schedule of `slots` slots a round (1..=2^SLOT_BITS).
    pub fn new(slots: usize) -> Self {
        assert!((1..=1 << SLOT_BITS).contains(&slots), "RoundSchedule: {slots} slots: 1..={} slots", 1 << SLOT_BITS);
        Self {
            clock: Default::default(),
            reset: Default::default(),
            restart: Default::default(),
            clear: Default::default(),
            snapshot: Default::default(),
            slot: Default::default(),
            last: Default::default(),
            flags: Default::default(),
            pending: Default::default(),
            slot_r: Default::default(),
            req_restart: Default::default(),
            req_clear: Default::default(),
            req_snap: Default::default(),
            round_restart: Default::default(),
            round_clear: Default::default(),
            round_snap: Default::default(),
            last_slot: Constant::new(((slots - 1) as u64).into()),
        }
    }
}

impl Logic for RoundSchedule {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, slot_r, req_restart, req_clear, req_snap, round_restart, round_clear, round_snap);
        self.last.next = self.slot_r.q.val() == self.last_slot.val();
        self.req_restart.d.next = self.req_restart.q.val() | self.restart.val();
        self.req_clear.d.next = self.req_clear.q.val() | self.clear.val();
        self.req_snap.d.next = self.req_snap.q.val() | self.snapshot.val();
        if self.last.val() {
            self.slot_r.d.next = 0.into();
            self.round_restart.d.next = self.req_restart.q.val() | self.restart.val();
            self.round_clear.d.next = self.req_clear.q.val() | self.clear.val();
            self.round_snap.d.next = self.req_snap.q.val() | self.snapshot.val();
            self.req_restart.d.next = false;
            self.req_clear.d.next = false;
            self.req_snap.d.next = false;
        } else {
            self.slot_r.d.next = self.slot_r.q.val() + 1;
        }
        self.slot.next = self.slot_r.q.val();
        self.flags.next = bit_cast::<3, 1>(self.round_restart.q.val().into())
            | (bit_cast::<3, 1>(self.round_clear.q.val().into()) << 1)
            | (bit_cast::<3, 1>(self.round_snap.q.val().into()) << 2);
        self.pending.next =
            self.req_snap.q.val() | self.req_restart.q.val() | self.round_snap.q.val() | self.round_restart.q.val();
        if self.reset.val() {
            self.slot_r.d.next = 0.into();
            self.round_restart.d.next = true;
            self.round_clear.d.next = false;
            self.round_snap.d.next = false;
            self.req_restart.d.next = false;
            self.req_clear.d.next = false;
            self.req_snap.d.next = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cycle(uut: &mut RoundSchedule) {
        crate::sim_clock::cycle(uut, |u| &mut u.clock);
    }

    /// A request pulse mid-round waits for the boundary, then holds for
    /// exactly one round; reset starts with a restart round.
    #[test]
    fn requests_wait_for_the_round_and_last_one_round() {
        let mut uut = RoundSchedule::new(5);
        uut.connect_all();
        uut.reset.next = true;
        cycle(&mut uut);
        uut.reset.next = false;
        simulate(&mut uut, 10);
        let mut seen = vec![];
        for t in 0..20u64 {
            // A clear pulse in slot 2 of the first round, a snapshot in its last slot.
            uut.clear.next = t == 2;
            uut.snapshot.next = t == 4;
            simulate(&mut uut, 10);
            seen.push((uut.slot.val().index(), uut.last.val(), uut.flags.val().index(), uut.pending.val()));
            cycle(&mut uut);
        }
        uut.clear.next = false;
        uut.snapshot.next = false;
        let want: Vec<(usize, bool, usize, bool)> = (0..20)
            .map(|t| {
                let slot = t % 5;
                let flags = match t / 5 {
                    0 => 1,
                    1 => 0b110,
                    _ => 0,
                };
                // Pending: the restart round, then the snapshot's round.
                (slot, slot == 4, flags, t < 10)
            })
            .collect();
        assert_eq!(seen, want);
    }
}
