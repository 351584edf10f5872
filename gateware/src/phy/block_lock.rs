//! Block framing and block lock, IEEE 802.3 clause 49 style.
//!
//! Recovered bits are counted into 66-bit blocks (2 sync-header bits, then
//! 64 payload bits). At the end of each block its sync header is tested
//! (`01` or `10` is valid):
//!
//! * hunting: an invalid header slips the framing by one bit (the next bit
//!   is dropped) and restarts the count; [LOCK_GOOD] valid headers in a row
//!   give `block_lock`;
//! * locked: headers are tested in windows of [WINDOW]; [UNLOCK_BAD] invalid
//!   ones within a window drop the lock (with a one-clock `lock_lost`) and
//!   slip; a window with fewer starts a new window.
//!
//! Outputs are registered: one clock after a `bit_valid`, a payload bit
//! appears on `pay_valid`/`pay_value`; the last one of a block also carries
//! `blk_end` with the block's header verdict. The lock decision is the RX
//! engine's [BlockLockStep], applied here at each block's last bit.

use crate::link::engine::block_lock_step::BlockLockStep;
use rust_hdl::prelude::*;

/// Consecutive valid sync headers needed to lock.
pub const LOCK_GOOD: u64 = 64;
/// Headers per window while locked.
pub const WINDOW: u64 = 64;
/// Invalid headers within a window that drop the lock.
pub const UNLOCK_BAD: u64 = 16;

/// Block framing + clause-49 lock state machine (see the module docs).
#[derive(LogicBlock, Default)]
pub struct BlockLock {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset, active high.
    pub reset: Signal<In, Bit>,
    /// A recovered line bit is on `bit_value`.
    pub bit_valid: Signal<In, Bit>,
    /// The recovered line bit.
    pub bit_value: Signal<In, Bit>,
    /// One-clock strobe: `pay_value` is a payload bit (scrambled) at the current framing.
    pub pay_valid: Signal<Out, Bit>,
    /// The payload bit.
    pub pay_value: Signal<Out, Bit>,
    /// With `pay_valid`: this is the block's last payload bit; the verdict below is valid.
    pub blk_end: Signal<Out, Bit>,
    /// The block's sync header is `01` or `10`.
    pub sh_valid: Signal<Out, Bit>,
    /// The block is a control block: header `10`, or an invalid header.
    pub sh_ctrl: Signal<Out, Bit>,
    /// With `blk_end`: the lane is block-locked after this header (deliver the block).
    pub blk_deliver: Signal<Out, Bit>,
    /// With `blk_end`: the header was invalid while locked (a sync-header error).
    pub sh_error: Signal<Out, Bit>,
    /// Block lock status.
    pub block_lock: Signal<Out, Bit>,
    /// One-clock strobe when block lock is lost.
    pub lock_lost: Signal<Out, Bit>,
    pos: DFF<Bits<7>>,
    hdr0: DFF<Bit>,
    hdr1: DFF<Bit>,
    slip: DFF<Bit>,
    locked: DFF<Bit>,
    sh_cnt: DFF<Bits<7>>,
    bad_cnt: DFF<Bits<5>>,
    pay_valid_r: DFF<Bit>,
    pay_value_r: DFF<Bit>,
    blk_end_r: DFF<Bit>,
    sh_valid_r: DFF<Bit>,
    sh_ctrl_r: DFF<Bit>,
    deliver_r: DFF<Bit>,
    sh_error_r: DFF<Bit>,
    lost_r: DFF<Bit>,
    step: BlockLockStep,
    take: Signal<Local, Bit>,
    last: Signal<Local, Bit>,
}

impl Logic for BlockLock {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            clock,
            pos,
            hdr0,
            hdr1,
            slip,
            locked,
            sh_cnt,
            bad_cnt,
            pay_valid_r,
            pay_value_r,
            blk_end_r,
            sh_valid_r,
            sh_ctrl_r,
            deliver_r,
            sh_error_r,
            lost_r
        );
        // A slip drops exactly one bit, moving the framing one bit later.
        self.take.next = self.bit_valid.val() & !self.slip.q.val();
        self.last.next = self.take.val() & (self.pos.q.val() == 65);
        self.step.locked.next = self.locked.q.val();
        self.step.sh_cnt.next = self.sh_cnt.q.val();
        self.step.bad_cnt.next = self.bad_cnt.q.val();
        self.step.hdr0.next = self.hdr0.q.val();
        self.step.hdr1.next = self.hdr1.q.val();

        self.pay_valid_r.d.next = false;
        self.blk_end_r.d.next = false;
        self.lost_r.d.next = false;
        self.sh_error_r.d.next = false;
        if self.bit_valid.val() & self.slip.q.val() {
            self.slip.d.next = false;
        }
        if self.take.val() {
            self.pos.d.next = self.pos.q.val() + 1;
            if self.pos.q.val() == 0 {
                self.hdr0.d.next = self.bit_value.val();
            }
            if self.pos.q.val() == 1 {
                self.hdr1.d.next = self.bit_value.val();
            }
            if self.pos.q.val() >= 2 {
                self.pay_valid_r.d.next = true;
                self.pay_value_r.d.next = self.bit_value.val();
            }
        }
        if self.last.val() {
            self.pos.d.next = 0.into();
            self.blk_end_r.d.next = true;
            self.sh_valid_r.d.next = self.step.sh_valid.val();
            self.sh_ctrl_r.d.next = self.step.sh_ctrl.val();
            self.sh_error_r.d.next = self.step.sh_error.val();
            self.deliver_r.d.next = self.step.deliver.val();
            self.lost_r.d.next = self.step.lock_lost.val();
            // `take` excludes a pending slip, so the slip flag is clear here.
            self.slip.d.next = self.step.slip.val();
            self.locked.d.next = self.step.next_locked.val();
            self.sh_cnt.d.next = self.step.next_sh_cnt.val();
            self.bad_cnt.d.next = self.step.next_bad_cnt.val();
        }

        self.pay_valid.next = self.pay_valid_r.q.val();
        self.pay_value.next = self.pay_value_r.q.val();
        self.blk_end.next = self.blk_end_r.q.val();
        self.sh_valid.next = self.sh_valid_r.q.val();
        self.sh_ctrl.next = self.sh_ctrl_r.q.val();
        self.blk_deliver.next = self.deliver_r.q.val();
        self.sh_error.next = self.sh_error_r.q.val();
        self.block_lock.next = self.locked.q.val();
        self.lock_lost.next = self.lost_r.q.val();

        if self.reset.val() {
            self.pos.d.next = 0.into();
            self.slip.d.next = false;
            self.locked.d.next = false;
            self.sh_cnt.d.next = 0.into();
            self.bad_cnt.d.next = 0.into();
            self.pay_valid_r.d.next = false;
            self.blk_end_r.d.next = false;
            self.lost_r.d.next = false;
            self.sh_error_r.d.next = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn cycle(uut: &mut BlockLock) {
        crate::sim_clock::cycle(uut, |u| &mut u.clock);
    }

    /// Blocks of random payload with the given headers (as line bits).
    fn blocks(rng: &mut ChaCha8Rng, headers: &[(bool, bool)]) -> Vec<bool> {
        let mut v = vec![];
        for &(a, b) in headers {
            v.push(a);
            v.push(b);
            v.extend((0..64).map(|_| rng.gen::<bool>()));
        }
        v
    }

    struct Seen {
        lock_at_bit: Option<usize>,
        losses: usize,
        sh_errors: usize,
        delivered: usize,
        final_lock: bool,
    }

    /// Feeds one bit every other clock; reports lock events by line-bit index.
    fn run(uut: &mut BlockLock, bits: &[bool]) -> Seen {
        let mut s = Seen { lock_at_bit: None, losses: 0, sh_errors: 0, delivered: 0, final_lock: false };
        for (i, &b) in bits.iter().enumerate() {
            for phase in 0..2 {
                uut.bit_valid.next = phase == 0;
                uut.bit_value.next = b;
                cycle(uut);
                if uut.block_lock.val() && s.lock_at_bit.is_none() {
                    s.lock_at_bit = Some(i);
                }
                s.losses += uut.lock_lost.val() as usize;
                if uut.blk_end.val() {
                    s.sh_errors += uut.sh_error.val() as usize;
                    s.delivered += uut.blk_deliver.val() as usize;
                }
            }
        }
        s.final_lock = uut.block_lock.val();
        s
    }

    fn new_uut() -> BlockLock {
        let mut uut = BlockLock::default();
        uut.connect_all();
        uut.reset.next = true;
        cycle(&mut uut);
        uut.reset.next = false;
        uut
    }

    #[test]
    fn locks_after_64_good_headers_at_offset_0() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let hdrs: Vec<_> = (0..70).map(|i| if i % 3 == 0 { (true, false) } else { (false, true) }).collect();
        let bits = blocks(&mut rng, &hdrs);
        let mut uut = new_uut();
        let s = run(&mut uut, &bits);
        // The 64th header is tested with the last bit of block 63.
        // The lock shows one clock after that bit, still within its two clocks.
        assert_eq!(s.lock_at_bit, Some(64 * 66 - 1));
        assert_eq!(s.delivered, 70 - 63);
        assert_eq!(s.sh_errors, 0);
    }

    #[test]
    fn locks_from_every_offset_and_unlocks_on_16_bad_in_64() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        for offset in [1usize, 2, 33, 64, 65] {
            let good: Vec<_> = (0..400).map(|_| (false, true)).collect();
            let mut bits = vec![true; offset];
            bits.extend(blocks(&mut rng, &good));
            let mut uut = new_uut();
            let s = run(&mut uut, &bits);
            assert!(s.lock_at_bit.is_some(), "offset {offset}: no lock");
            assert!(s.final_lock);
            // Once locked, 15 bad headers in a window are tolerated, counted...
            let mut h: Vec<_> = (0..64).map(|i| if i < 15 { (true, true) } else { (false, true) }).collect();
            let s = run(&mut uut, &blocks(&mut rng, &h));
            assert!(s.final_lock, "15 bad in 64 must not unlock");
            assert_eq!((s.sh_errors, s.losses, s.delivered), (15, 0, 64));
            // ...the 16th within the window drops the lock, once.
            h[20] = (false, false);
            let s = run(&mut uut, &blocks(&mut rng, &h));
            assert_eq!(s.losses, 1);
            assert_eq!(s.sh_errors, 16);
            assert_eq!(s.delivered, 20, "blocks up to the 16th bad one are delivered, that one not");
        }
    }

    #[test]
    fn block_lock_is_synthesizable() {
        let v = crate::verilog::verilog_of(&mut BlockLock::default());
        crate::verilog::verilator_lint("block_lock", &v).unwrap();
        crate::verilog::yosys_synth_ice40("block_lock", &v).unwrap();
    }
}
