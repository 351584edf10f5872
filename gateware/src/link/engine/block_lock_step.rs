//! Clause-49 block lock, one block at a time: the decision
//! [crate::phy::block_lock::BlockLock] takes at a block's last bit, as a
//! combinational step from a lane's stored lock state and the block's sync
//! header to the new state (64 valid headers in a row lock; while locked,
//! 16 invalid in a window of 64 unlock; hunting, an invalid header slips).

use crate::phy::block_lock::{LOCK_GOOD, UNLOCK_BAD, WINDOW};
use rust_hdl::prelude::*;

/// One block's block-lock decision (combinational; see the module docs).
#[derive(LogicBlock)]
pub struct BlockLockStep {
    /// The lane's state before the block: locked, headers counted (in a row
    /// while hunting, in the window while locked), invalid ones in the window.
    pub locked: Signal<In, Bit>,
    pub sh_cnt: Signal<In, Bits<7>>,
    pub bad_cnt: Signal<In, Bits<5>>,
    /// The block's sync header, first line bit and second.
    pub hdr0: Signal<In, Bit>,
    pub hdr1: Signal<In, Bit>,
    /// The state after the block.
    pub next_locked: Signal<Out, Bit>,
    pub next_sh_cnt: Signal<Out, Bits<7>>,
    pub next_bad_cnt: Signal<Out, Bits<5>>,
    /// The header is `01` or `10`.
    pub sh_valid: Signal<Out, Bit>,
    /// Control block: header `10`, or an invalid header.
    pub sh_ctrl: Signal<Out, Bit>,
    /// The lane is locked after this header: deliver the block.
    pub deliver: Signal<Out, Bit>,
    /// An invalid header while locked (counted in `LANE_SYNC_ERRORS`).
    pub sh_error: Signal<Out, Bit>,
    /// This header lost the lock (counted in `LANE_LOCK_LOSSES`).
    pub lock_lost: Signal<Out, Bit>,
    /// Move the lane's framing one bit later.
    pub slip: Signal<Out, Bit>,
    good: Signal<Local, Bit>,
    cnt_next: Signal<Local, Bits<7>>,
    bad_next: Signal<Local, Bits<5>>,
    // rust-hdl emits a Rust `const` verbatim into Verilog, so the limits are Constants.
    lock_good_c: Constant<Bits<7>>,
    window_c: Constant<Bits<7>>,
    unlock_bad_c: Constant<Bits<5>>,
}

impl Default for BlockLockStep {
    fn default() -> Self {
        Self {
            locked: Default::default(),
            sh_cnt: Default::default(),
            bad_cnt: Default::default(),
            hdr0: Default::default(),
            hdr1: Default::default(),
            next_locked: Default::default(),
            next_sh_cnt: Default::default(),
            next_bad_cnt: Default::default(),
            sh_valid: Default::default(),
            sh_ctrl: Default::default(),
            deliver: Default::default(),
            sh_error: Default::default(),
            lock_lost: Default::default(),
            slip: Default::default(),
            good: Default::default(),
            cnt_next: Default::default(),
            bad_next: Default::default(),
            lock_good_c: Constant::new(LOCK_GOOD.into()),
            window_c: Constant::new(WINDOW.into()),
            unlock_bad_c: Constant::new(UNLOCK_BAD.into()),
        }
    }
}

impl Logic for BlockLockStep {
    #[hdl_gen]
    fn update(&mut self) {
        self.good.next = self.hdr0.val() ^ self.hdr1.val();
        self.cnt_next.next = self.sh_cnt.val() + 1;
        self.bad_next.next = self.bad_cnt.val();
        if !self.good.val() {
            self.bad_next.next = self.bad_cnt.val() + 1;
        }
        self.sh_valid.next = self.good.val();
        self.sh_ctrl.next = !(!self.hdr0.val() & self.hdr1.val());
        self.sh_error.next = self.locked.val() & !self.good.val();
        self.next_locked.next = self.locked.val();
        self.next_sh_cnt.next = self.sh_cnt.val();
        self.next_bad_cnt.next = self.bad_cnt.val();
        self.deliver.next = self.locked.val();
        self.lock_lost.next = false;
        self.slip.next = false;
        if !self.locked.val() {
            if self.good.val() {
                self.next_sh_cnt.next = self.cnt_next.val();
                if self.cnt_next.val() == self.lock_good_c.val() {
                    self.next_locked.next = true;
                    self.deliver.next = true;
                    self.next_sh_cnt.next = 0.into();
                    self.next_bad_cnt.next = 0.into();
                }
            } else {
                self.slip.next = true;
                self.next_sh_cnt.next = 0.into();
                self.next_bad_cnt.next = 0.into();
            }
        } else if self.bad_next.val() == self.unlock_bad_c.val() {
            self.next_locked.next = false;
            self.deliver.next = false;
            self.lock_lost.next = true;
            self.slip.next = true;
            self.next_sh_cnt.next = 0.into();
            self.next_bad_cnt.next = 0.into();
        } else if self.cnt_next.val() == self.window_c.val() {
            self.next_sh_cnt.next = 0.into();
            self.next_bad_cnt.next = 0.into();
        } else {
            self.next_sh_cnt.next = self.cnt_next.val();
            self.next_bad_cnt.next = self.bad_next.val();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default, Debug, PartialEq)]
    struct Seen {
        lock_at: Option<usize>,
        slips: usize,
        sh_errors: usize,
        losses: usize,
        delivered: usize,
    }

    /// Runs headers (true = valid) through the step, carrying the state.
    fn run(uut: &mut BlockLockStep, state: &mut (bool, u64, u64), headers: &[bool]) -> Seen {
        let mut s = Seen::default();
        for (i, &ok) in headers.iter().enumerate() {
            uut.locked.next = state.0;
            uut.sh_cnt.next = state.1.into();
            uut.bad_cnt.next = state.2.into();
            uut.hdr0.next = !ok;
            uut.hdr1.next = true;
            simulate(uut, 100);
            *state = (uut.next_locked.val(), uut.next_sh_cnt.val().to_u64(), uut.next_bad_cnt.val().to_u64());
            if state.0 && s.lock_at.is_none() {
                s.lock_at = Some(i);
            }
            s.slips += uut.slip.val() as usize;
            s.sh_errors += uut.sh_error.val() as usize;
            s.losses += uut.lock_lost.val() as usize;
            s.delivered += uut.deliver.val() as usize;
        }
        s
    }

    #[test]
    fn locks_on_64_good_and_unlocks_on_the_16th_bad_in_a_window() {
        let mut uut = BlockLockStep::default();
        uut.connect_all();
        let mut st = (false, 0, 0);
        // Hunting: each bad header slips; then 64 good lock (the 64th is delivered).
        let mut h = vec![false, true, false];
        h.extend([true; 64]);
        let s = run(&mut uut, &mut st, &h);
        assert_eq!(s, Seen { lock_at: Some(66), slips: 2, sh_errors: 0, losses: 0, delivered: 1 });
        // 15 bad in a window are counted and tolerated.
        let w: Vec<bool> = (0..64).map(|i| i >= 15).collect();
        let s = run(&mut uut, &mut st, &w);
        assert_eq!(s, Seen { lock_at: Some(0), slips: 0, sh_errors: 15, losses: 0, delivered: 64 });
        // The 16th within a window drops the lock once and slips.
        let w: Vec<bool> = (0..64).map(|i| i >= 16).collect();
        let s = run(&mut uut, &mut st, &w);
        assert_eq!((s.sh_errors, s.losses, s.delivered), (16, 1, 15));
        assert!(!st.0);
        assert_eq!(s.slips, 1, "one slip at the loss; the good headers after it count towards a new lock");
    }

    #[test]
    fn block_lock_step_is_synthesizable() {
        let v = crate::verilog::verilog_of(&mut BlockLockStep::default());
        crate::verilog::verilator_lint("block_lock_step", &v).unwrap();
        crate::verilog::yosys_synth_ice40("block_lock_step", &v).unwrap();
    }
}
