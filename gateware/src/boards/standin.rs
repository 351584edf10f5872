//! The raw-BERT board core (`mosaic build --core bert`): per physical lane
//! a PRBS7 generator, a channel emulator lane and a self-synchronizing
//! PRBS checker. It is the smallest image that exercises every lane and
//! the pins, and it fits where the full link (`MosaicTop`) does not.
//!
//! Lanes `0..ext` leave on pins and come back on pins (jumper wires);
//! the others loop back internally through their [EmuLane]. The UART
//! echoes what it receives (a wiring check), LED 0 shows every lane locked,
//! LED 1 any error seen, LED 7 blinks with the link clock.

use crate::emulator::EmuLane;
use crate::prbs::{PrbsCheck, PrbsGen};
use rust_hdl::prelude::*;

/// One lane: generator, emulator (internal loopback) and checker.
#[derive(LogicBlock)]
pub struct StandInLane {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    /// One clock in OSR: the line moves on to its next bit.
    pub bit_strobe: Signal<In, Bit>,
    /// 1: the line comes back on `rx_line`; 0: through the emulator.
    pub external: Signal<In, Bit>,
    /// The line to the pin.
    pub tx_line: Signal<Out, Bit>,
    /// The line from the pin.
    pub rx_line: Signal<In, Bit>,
    /// The checker is locked to the pattern.
    pub lock: Signal<Out, Bit>,
    /// The checker has seen an error since reset.
    pub error_seen: Signal<Out, Bit>,
    gen: PrbsGen,
    emu: EmuLane,
    check: PrbsCheck,
    seen: DFF<Bit>,
}

impl StandInLane {
    pub fn new(osr: usize, seed: u32) -> Self {
        Self {
            clock: Default::default(),
            reset: Default::default(),
            bit_strobe: Default::default(),
            external: Default::default(),
            tx_line: Default::default(),
            rx_line: Default::default(),
            lock: Default::default(),
            error_seen: Default::default(),
            gen: PrbsGen::new(),
            emu: EmuLane::new(16, osr, seed),
            check: PrbsCheck::new(),
            seen: Default::default(),
        }
    }
}

impl Logic for StandInLane {
    #[hdl_gen]
    fn update(&mut self) {
        self.gen.clock.next = self.clock.val();
        self.emu.clock.next = self.clock.val();
        self.check.clock.next = self.clock.val();
        self.seen.clock.next = self.clock.val();
        self.gen.reset.next = self.reset.val();
        self.emu.reset.next = self.reset.val();
        self.check.reset.next = self.reset.val();
        self.gen.enable.next = self.bit_strobe.val();
        self.gen.cfg_pattern.next = 0.into();
        self.tx_line.next = self.gen.prbs_out.val();
        self.emu.line_in.next = self.gen.prbs_out.val();
        self.emu.cfg_delay.next = 0.into();
        self.emu.cfg_error_rate.next = 0.into();
        self.emu.cfg_stuck.next = false;
        self.emu.cfg_stuck_value.next = false;
        self.emu.cfg_invert.next = false;
        self.check.enable.next = self.bit_strobe.val();
        if self.external.val() {
            self.check.data_in.next = self.rx_line.val();
        } else {
            self.check.data_in.next = self.emu.line_out.val();
        }
        self.check.cfg_pattern.next = 0.into();
        self.check.freeze.next = false;
        self.check.clear.next = false;
        self.lock.next = self.check.lock.val();
        self.seen.d.next = self.seen.q.val() | (self.check.bit_error.val() & self.check.lock.val());
        if self.reset.val() {
            self.seen.d.next = false;
        }
        self.error_seen.next = self.seen.q.val();
    }
}

/// The stand-in core: `lanes` lanes, the first `ext` (at most E) on pins.
#[derive(LogicBlock)]
pub struct StandInCore<const E: usize> {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    pub uart_rx: Signal<In, Bit>,
    pub uart_tx: Signal<Out, Bit>,
    pub leds: Signal<Out, Bits<8>>,
    pub tx_pins: Signal<Out, Bits<E>>,
    pub rx_pins: Signal<In, Bits<E>>,
    ext_lanes: Vec<StandInLane>,
    int_lanes: Vec<StandInLane>,
    phase: DFF<Bits<4>>,
    blink: DFF<Bits<26>>,
    strobe: Signal<Local, Bit>,
    all_locked: Signal<Local, Bit>,
    any_error: Signal<Local, Bit>,
    last_phase: Constant<Bits<4>>,
}

impl<const E: usize> StandInCore<E> {
    /// Panics (a configuration error the board flow checks first) when
    /// `ext > E`, `ext > lanes` or `osr` is out of 1..=8.
    pub fn new(lanes: usize, ext: usize, osr: usize) -> Self {
        assert!(lanes >= 1, "StandInCore: lanes must be at least 1, not 0");
        assert!(ext <= E && ext <= lanes, "StandInCore: ext must be at most {} (pins) and {lanes} (lanes), not {ext}", E);
        Self {
            clock: Default::default(),
            reset: Default::default(),
            uart_rx: Default::default(),
            uart_tx: Default::default(),
            leds: Default::default(),
            tx_pins: Default::default(),
            rx_pins: Default::default(),
            ext_lanes: (0..ext).map(|i| StandInLane::new(osr, i as u32)).collect(),
            int_lanes: (ext..lanes).map(|i| StandInLane::new(osr, i as u32)).collect(),
            phase: Default::default(),
            blink: Default::default(),
            strobe: Default::default(),
            all_locked: Default::default(),
            any_error: Default::default(),
            last_phase: Constant::new((osr as u64 - 1).into()),
        }
    }
}

impl<const E: usize> Logic for StandInCore<E> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, phase, blink);
        self.strobe.next = self.phase.q.val() == self.last_phase.val();
        if self.strobe.val() {
            self.phase.d.next = 0.into();
        } else {
            self.phase.d.next = self.phase.q.val() + 1;
        }
        self.blink.d.next = self.blink.q.val() + 1;
        if self.reset.val() {
            self.phase.d.next = 0.into();
        }
        self.uart_tx.next = self.uart_rx.val();
        self.tx_pins.next = 0.into();
        self.all_locked.next = true;
        self.any_error.next = false;
        for i in 0..self.ext_lanes.len() {
            self.ext_lanes[i].clock.next = self.clock.val();
            self.ext_lanes[i].reset.next = self.reset.val();
            self.ext_lanes[i].bit_strobe.next = self.strobe.val();
            self.ext_lanes[i].external.next = true;
            self.tx_pins.next = self.tx_pins.val().replace_bit(i, self.ext_lanes[i].tx_line.val());
            self.ext_lanes[i].rx_line.next = self.rx_pins.val().get_bit(i);
            self.all_locked.next = self.all_locked.val() & self.ext_lanes[i].lock.val();
            self.any_error.next = self.any_error.val() | self.ext_lanes[i].error_seen.val();
        }
        for i in 0..self.int_lanes.len() {
            self.int_lanes[i].clock.next = self.clock.val();
            self.int_lanes[i].reset.next = self.reset.val();
            self.int_lanes[i].bit_strobe.next = self.strobe.val();
            self.int_lanes[i].external.next = false;
            self.int_lanes[i].rx_line.next = false;
            self.all_locked.next = self.all_locked.val() & self.int_lanes[i].lock.val();
            self.any_error.next = self.any_error.val() | self.int_lanes[i].error_seen.val();
        }
        self.leds.next = 0.into();
        self.leds.next = self.leds.val().replace_bit(0, self.all_locked.val());
        self.leds.next = self.leds.val().replace_bit(1, self.any_error.val());
        self.leds.next = self.leds.val().replace_bit(7, self.blink.q.val().get_bit(25));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cycle<const E: usize>(uut: &mut StandInCore<E>, wire: impl Fn(Bits<E>) -> Bits<E>) {
        uut.rx_pins.next = wire(uut.tx_pins.val());
        uut.clock.next = Clock { clk: false };
        simulate(uut, 100);
        uut.clock.next = Clock { clk: true };
        simulate(uut, 100);
    }

    #[test]
    fn lanes_lock_through_pins_and_emulators_and_errors_light_led1() {
        // 4 lanes on jumper wires, 2 through emulators, OSR 2.
        let mut uut = StandInCore::<4>::new(6, 4, 2);
        uut.connect_all();
        uut.reset.next = true;
        cycle(&mut uut, |t| t);
        uut.reset.next = false;
        let mut locked_at = None;
        for c in 0..1000 {
            cycle(&mut uut, |t| t);
            if locked_at.is_none() && uut.leds.val().get_bit(0) {
                locked_at = Some(c);
            }
        }
        assert!(locked_at.is_some(), "lanes never all locked");
        assert!(uut.leds.val().get_bit(0) && !uut.leds.val().get_bit(1));
        // A one-bit glitch on lane 2 (both samples at OSR 2): the lanes stay
        // locked and LED 1 lights.
        for _ in 0..2 {
            cycle(&mut uut, |t| t ^ Bits::<4>::from(0b0100u64));
        }
        for _ in 0..200 {
            cycle(&mut uut, |t| t);
        }
        assert!(uut.leds.val().get_bit(0), "still locked");
        assert!(uut.leds.val().get_bit(1), "error seen");
        // The UART echoes.
        uut.uart_rx.next = true;
        cycle(&mut uut, |t| t);
        assert!(uut.uart_tx.val());
    }

    #[test]
    fn board_verilog_checks_its_inputs() {
        use crate::boards::{board_verilog, ice40_pll, CoreKind, PllConfig, ShellConfig};
        use crate::params::LinkParams;
        let pll = PllConfig::Ice40Pad(ice40_pll(12.0, 24.0).unwrap());
        let params = LinkParams { lanes: 2, spares: 1, osr: 2, ..LinkParams::DEFAULT };
        let cfg = ShellConfig { pll, params, ext_lanes: 3, leds_active_low: 3, core: CoreKind::Bert, uart_divisor: 208 };
        let v = board_verilog(8, 7, &cfg).unwrap();
        assert!(v.contains("SB_PLL40_PAD") && v.contains("module top"));
        assert_eq!(
            board_verilog(8, 7, &ShellConfig { ext_lanes: 4, ..cfg.clone() }).unwrap_err(),
            "external lanes must be at most 3 (the board's lane pins and the lanes), not 4"
        );
        let bad = LinkParams { osr: 9, ..params };
        assert_eq!(board_verilog(8, 7, &ShellConfig { params: bad, ..cfg.clone() }).unwrap_err(), "osr must be in 1..=8, not 9");
        assert!(board_verilog(9, 7, &cfg).unwrap_err().starts_with("(lane pins, leds) must be one of"));
    }
}
