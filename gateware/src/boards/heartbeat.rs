//! A heartbeat that visibly blinks (~1 Hz) at any link clock: a
//! free-running counter and the bit of it nearest 1 Hz, chosen when the
//! block is built. (The cores' own LED heartbeat is an uptime bit in block
//! times: 11-23 Hz on the boards, a blur, not a blink.)

use rust_hdl::prelude::*;

/// The bit of a free-running clock counter that toggles nearest 1 Hz at
/// `clock_hz`: bit k lasts 2^k clocks, so the blink period is 2^(k+1)
/// clocks; k is chosen in log scale, so the blink is 0.71..1.41 Hz.
pub fn heartbeat_bit(clock_hz: u32) -> usize {
    ((clock_hz.max(2) as f64).log2().round() as usize).saturating_sub(1).min(31)
}

/// Clock in, ~1 Hz square wave out (no reset needed: it only blinks).
#[derive(LogicBlock)]
pub struct Heartbeat {
    pub clock: Signal<In, Clock>,
    /// High for 2^k clocks, low for 2^k ([heartbeat_bit]).
    pub beat: Signal<Out, Bit>,
    count: DFF<Bits<32>>,
    /// The counter bit that is the beat.
    mask: Constant<Bits<32>>,
    /// The counter bits kept (up to the beat's): the others stay 0, so
    /// yosys removes their FFs and adder cells.
    keep: Constant<Bits<32>>,
}

impl Heartbeat {
    pub fn new(clock_hz: u32) -> Self {
        let k = heartbeat_bit(clock_hz);
        Self {
            clock: Default::default(),
            beat: Default::default(),
            count: Default::default(),
            mask: Constant::new((1u64 << k).into()),
            keep: Constant::new(((2u64 << k) - 1).into()),
        }
    }
}

impl Logic for Heartbeat {
    #[hdl_gen]
    fn update(&mut self) {
        self.count.clock.next = self.clock.val();
        self.count.d.next = (self.count.q.val() + 1) & self.keep.val();
        self.beat.next = (self.count.q.val() & self.mask.val()).any();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heartbeat_blinks_near_1_hz_at_every_board_clock() {
        for (mhz, hz) in [(18.0, 1.073), (40.0, 1.192), (50.0, 0.745)] {
            let clock_hz = (mhz * 1e6) as u32;
            let blink = clock_hz as f64 / f64::from(1u32 << (heartbeat_bit(clock_hz) + 1));
            assert!((blink - hz).abs() < 1e-3 && (0.7..=1.42).contains(&blink), "{mhz} MHz: {blink} Hz");
        }
    }

    #[test]
    fn heartbeat_is_synthesizable() {
        use crate::verilog::{verilator_lint, verilog_of, yosys_synth_ice40};
        let mut uut = Heartbeat::new(50_000_000);
        let v = verilog_of(&mut uut);
        verilator_lint("heartbeat", &v).unwrap();
        let stats = yosys_synth_ice40("heartbeat", &v).unwrap();
        // Bit 25 at 50 MHz: 26 counter FFs, the 6 above it removed.
        assert_eq!(stats.ffs, 26, "{stats:?}");
    }
}
