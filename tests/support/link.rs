//! A cycle-level driver of the link core: register accesses through its
//! register port, as the UART bridge makes them, on the direct harness.

use mosaic_gateware::control::bridge::REG_ACK_TIMEOUT;
use mosaic_gateware::control::regmap::RegMap;
use mosaic_gateware::link::core::{CoreConfig, LinkCore};
use mosaic_gateware::link::core_wide::LinkCoreWide;
use mosaic_gateware::params::LinkParams;
use mosaic_sim::harness::Harness;

/// The word of register `reg` with the named fields set, where the
/// register map places them.
pub fn word(reg: &str, fields: &[(&str, u32)]) -> u32 {
    RegMap::new(&LinkParams::DEFAULT).word(reg, fields)
}

/// CTRL with the named one-bit fields set.
pub fn ctrl(on: &[&str]) -> u32 {
    word("CTRL", &on.iter().map(|f| (*f, 1)).collect::<Vec<_>>())
}

/// The control ports [LinkSim] drives (the link core's, the wide core's,
/// the BERT core's).
pub use mosaic_sim::reg_ports::RegPorts as CorePorts;

/// A function run before every clock (see [LinkSim::each_clock]).
pub type ClockHook<C> = Box<dyn FnMut(&mut C)>;

pub struct LinkSim<C: CorePorts = LinkCore> {
    pub h: Harness<C>,
    pub map: RegMap,
    pub params: LinkParams,
    /// Runs before every clock this driver makes, after the register port's
    /// inputs are set: e.g. a wire from `tx_lines` to `rx_lines`, so the
    /// pins keep moving during register accesses.
    pub each_clock: Option<ClockHook<C>>,
}

impl LinkSim<LinkCore> {
    pub fn new(params: LinkParams) -> LinkSim {
        Self::with_config(CoreConfig::new(params))
    }

    pub fn with_config(cfg: CoreConfig) -> LinkSim {
        let core = LinkCore::new(&cfg);
        LinkSim::with_core(core, cfg.params)
    }
}

impl<const W: usize> LinkSim<LinkCoreWide<W>> {
    /// The wide core ([LinkCoreWide]) with W-bit streams.
    pub fn wide(params: LinkParams) -> Self {
        LinkSim::with_core(LinkCoreWide::new(&CoreConfig::new(params)), params)
    }
}

impl<C: CorePorts> LinkSim<C> {
    /// Resets `core` (built for `params`) and drives it.
    pub fn with_core(core: C, params: LinkParams) -> Self {
        let map = RegMap::new(&params);
        let mut h = Harness::new(core, C::clock);
        h.cycle(|u| u.reset().next = true);
        h.cycle(|u| u.reset().next = true);
        h.cycle(|u| u.reset().next = false);
        LinkSim { h, map, params, each_clock: None }
    }

    /// Register port idle, reset low: the inputs of a clock with no access.
    pub fn idle(u: &mut C) {
        u.idle();
    }

    /// One clock: `set_inputs`, then [LinkSim::each_clock].
    pub fn step(&mut self, set_inputs: impl FnOnce(&mut C)) {
        let hook = &mut self.each_clock;
        self.h.cycle(|u| {
            set_inputs(u);
            if let Some(f) = hook {
                f(u);
            }
        });
    }

    /// Runs `n` clocks with the register port idle.
    pub fn run(&mut self, n: u64) {
        for _ in 0..n {
            self.step(Self::idle);
        }
    }

    /// Register read; Err(()) when the core reports an unmapped address.
    // The one error is "unmapped": tests match on it, a type would add nothing.
    #[allow(clippy::result_unit_err)]
    pub fn read(&mut self, addr: u16) -> Result<u32, ()> {
        self.step(|u| {
            Self::idle(u);
            u.reg_addr().next = (addr as u64).into();
            u.reg_read().next = true;
        });
        for _ in 0..REG_ACK_TIMEOUT {
            let (ack, error, v) = self.h.uut.reg_reply();
            if ack {
                let r = if error { Err(()) } else { Ok(v) };
                self.step(Self::idle);
                return r;
            }
            self.step(Self::idle);
        }
        panic!("register read of {addr:#x}: no ack within {REG_ACK_TIMEOUT} clocks");
    }

    #[allow(clippy::result_unit_err)]
    pub fn write(&mut self, addr: u16, value: u32) -> Result<(), ()> {
        self.step(|u| {
            Self::idle(u);
            u.reg_addr().next = (addr as u64).into();
            u.reg_wdata().next = (value as u64).into();
            u.reg_write().next = true;
        });
        for _ in 0..REG_ACK_TIMEOUT {
            let (ack, error, _) = self.h.uut.reg_reply();
            if ack {
                let r = if error { Err(()) } else { Ok(()) };
                self.step(Self::idle);
                return r;
            }
            self.step(Self::idle);
        }
        panic!("register write of {addr:#x}: no ack within {REG_ACK_TIMEOUT} clocks");
    }

    pub fn addr(&self, name: &str, index: usize) -> u16 {
        self.map.get(name).unwrap_or_else(|| panic!("no register {name}")).addr_of(index).unwrap()
    }

    pub fn read_reg(&mut self, name: &str, index: usize) -> u32 {
        let a = self.addr(name, index);
        self.read(a).unwrap_or_else(|_| panic!("{name}[{index}] unmapped"))
    }

    pub fn write_reg(&mut self, name: &str, index: usize, value: u32) {
        let a = self.addr(name, index);
        self.write(a, value).unwrap_or_else(|_| panic!("{name}[{index}] write refused"))
    }

    pub fn snapshot(&mut self) {
        self.step(|u| {
            Self::idle(u);
            u.snapshot().next = true;
        });
        self.step(Self::idle);
    }

    pub fn link_up(&mut self) -> bool {
        self.read_reg("LINK_STATUS", 0) & 1 == 1
    }

    /// Clocks per block on the line.
    pub fn block_clocks(&self) -> u64 {
        66 * self.params.osr as u64
    }

    /// Runs until the link is up; returns the clocks it took, or None after `max_blocks`.
    pub fn wait_link_up(&mut self, max_blocks: u64) -> Option<u64> {
        let start = self.h.cycles();
        let step = self.block_clocks();
        while self.h.cycles() - start < max_blocks * step {
            if self.h.uut.led_bits().get_bit(0) {
                return Some(self.h.cycles() - start);
            }
            self.run(step / 4 + 1);
        }
        None
    }

    /// Snapshot, then the traffic counters (good, bad, lost, rx words).
    pub fn frames(&mut self) -> (u32, u32, u32, u32) {
        self.snapshot();
        (
            self.read_reg("GOOD_FRAMES", 0),
            self.read_reg("BAD_FRAMES", 0),
            self.read_reg("LOST_FRAMES", 0),
            self.read_reg("RX_WORDS", 0),
        )
    }
}
