//! Shared bench of the bridge tests: the UART receiver, transmitter and
//! bridge wired to a test register slave with random ack latency (1..=16
//! clocks), unmapped addresses (ack with error) and silent addresses (no ack:
//! the bridge's timeout, REG_ACK_TIMEOUT clocks), and a host at the other end of the serial
//! line that checks every answer against independent software models.
#![allow(dead_code)]

use mosaic_gateware::control::bridge::{Bridge, REG_ACK_TIMEOUT};
use mosaic_gateware::control::protocol::{response_len, Opcode, Status, INTERBYTE_TIMEOUT_BYTES, MAX_BURST};
use mosaic_gateware::control::reg_bus::{RegBusMaster, RegBusSlave};
use mosaic_gateware::control::regmap::{MAGIC, MAP_VERSION};

// The HDL slave below answers address 1 with this literal.
const _: () = assert!(MAP_VERSION == 4, "update the slave's MAP_VERSION literal");
use mosaic_gateware::control::uart_rx::UartRx;
use mosaic_gateware::control::uart_tx::UartTx;
use mosaic_sim::bridge_model::{decode_responses, encode_request, ParseEvent, ParserModel, Request, Response};
use mosaic_sim::harness::Harness;
use mosaic_sim::uart_line::{LineReceiver, LineSender};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rust_hdl::prelude::*;

pub const SCRATCH_BASE: u16 = 0x40;
pub const SCRATCH_WORDS: u16 = 8;
pub const SNAPSHOTS_ADDR: u16 = 0x50;
/// Addresses from here up are never acknowledged.
pub const SILENT_BASE: u16 = 0xF000;

/// Register slave of the tests: MAGIC, MAP_VERSION, 8 scratch words, a
/// snapshot-strobe counter; random ack latency; checks the port contract.
#[derive(LogicBlock, Default)]
pub struct TestSlave {
    clock: Signal<In, Clock>,
    reg_bus: RegBusSlave,
    snapshot: Signal<In, Bit>,
    /// Strobes while busy, or read and write together.
    pub violations: Signal<Out, Bits<16>>,
    scratch: RAM<Bits<32>, 3>,
    pending: DFF<Bit>,
    is_write: DFF<Bit>,
    wait: DFF<Bits<4>>,
    latency: DFF<Bits<4>>,
    snapshots: DFF<Bits<32>>,
    violation_count: DFF<Bits<16>>,
    addr_held: DFF<Bits<16>>,
    wdata_held: DFF<Bits<32>>,
}

impl Logic for TestSlave {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, pending, is_write, wait, latency, snapshots, violation_count, addr_held, wdata_held);
        self.scratch.read_clock.next = self.clock.val();
        self.scratch.write_clock.next = self.clock.val();
        self.scratch.read_address.next = self.reg_bus.addr.val().get_bits::<3>(0);
        self.scratch.write_address.next = self.reg_bus.addr.val().get_bits::<3>(0);
        self.scratch.write_data.next = self.reg_bus.wdata.val();
        self.scratch.write_enable.next = false;
        self.reg_bus.ack.next = false;
        self.reg_bus.error.next = false;
        self.reg_bus.rdata.next = 0.into();
        self.violations.next = self.violation_count.q.val();
        // Latency pseudo-random over 1..=16 clocks.
        self.latency.d.next = self.latency.q.val() + 7;
        if self.snapshot.val() {
            self.snapshots.d.next = self.snapshots.q.val() + 1;
        }
        if self.reg_bus.read.val() || self.reg_bus.write.val() {
            if self.pending.q.val() || (self.reg_bus.read.val() && self.reg_bus.write.val()) {
                self.violation_count.d.next = self.violation_count.q.val() + 1;
            }
            self.pending.d.next = true;
            self.is_write.d.next = self.reg_bus.write.val();
            self.wait.d.next = self.latency.q.val();
            self.addr_held.d.next = self.reg_bus.addr.val();
            self.wdata_held.d.next = self.reg_bus.wdata.val();
        }
        if self.pending.q.val() {
            // The master must hold address and data until the ack.
            if (self.addr_held.q.val() != self.reg_bus.addr.val())
                || (self.is_write.q.val() && (self.wdata_held.q.val() != self.reg_bus.wdata.val()))
            {
                self.violation_count.d.next = self.violation_count.q.val() + 1;
            }
            if self.wait.q.val().any() {
                self.wait.d.next = self.wait.q.val() - 1;
            } else {
                self.pending.d.next = false;
                if self.reg_bus.addr.val() < 0xF000 {
                    self.reg_bus.ack.next = true;
                    if self.reg_bus.addr.val() == 0 {
                        self.reg_bus.rdata.next = 0x4D53_4C4B.into();
                    } else if self.reg_bus.addr.val() == 1 {
                        // MAP_VERSION (a Rust const cannot appear here; see below).
                        self.reg_bus.rdata.next = 4.into();
                    } else if (self.reg_bus.addr.val() >> 3) == (0x40 >> 3) {
                        self.reg_bus.rdata.next = self.scratch.read_data.val();
                        self.scratch.write_enable.next = self.is_write.q.val();
                    } else if self.reg_bus.addr.val() == 0x50 {
                        self.reg_bus.rdata.next = self.snapshots.q.val();
                    } else {
                        self.reg_bus.error.next = true;
                    }
                    if self.is_write.q.val() {
                        self.reg_bus.rdata.next = 0.into();
                    }
                }
            }
        }
    }
}

#[derive(LogicBlock)]
pub struct Bench {
    pub clock: Signal<In, Clock>,
    pub rxd: Signal<In, Bit>,
    pub txd: Signal<Out, Bit>,
    pub urx: UartRx,
    pub utx: UartTx,
    pub bridge: Bridge,
    pub slave: TestSlave,
}

impl Bench {
    pub fn new(divisor: u32) -> Self {
        Bench {
            clock: Default::default(),
            rxd: Default::default(),
            txd: Default::default(),
            urx: UartRx::new(divisor),
            utx: UartTx::new(divisor),
            bridge: Bridge::new(divisor),
            slave: TestSlave::default(),
        }
    }
}

impl Logic for Bench {
    #[hdl_gen]
    fn update(&mut self) {
        clock!(self, clock, urx, utx, bridge, slave);
        self.urx.reset.next = false;
        self.utx.reset.next = false;
        self.bridge.reset.next = false;
        self.urx.rxd.next = self.rxd.val();
        self.bridge.rx_data.next = self.urx.rx_data.val();
        self.bridge.rx_valid.next = self.urx.rx_valid.val();
        self.utx.tx_data.next = self.bridge.tx_data.val();
        self.utx.tx_valid.next = self.bridge.tx_valid.val();
        self.bridge.tx_ready.next = self.utx.tx_ready.val();
        self.txd.next = self.utx.txd.val();
        RegBusMaster::join(&mut self.bridge.reg_bus, &mut self.slave.reg_bus);
        self.slave.snapshot.next = self.bridge.snapshot.val();
    }
}

/// Software model of [TestSlave].
#[derive(Default)]
pub struct SlaveModel {
    scratch: [u32; SCRATCH_WORDS as usize],
    snapshots: u32,
}

impl SlaveModel {
    /// (value, error) of one access; errors for unmapped and silent addresses.
    pub fn access(&mut self, addr: u16, write: Option<u32>) -> (u32, bool) {
        let v = match addr {
            0 => MAGIC,
            1 => MAP_VERSION,
            a if (SCRATCH_BASE..SCRATCH_BASE + SCRATCH_WORDS).contains(&a) => {
                let i = (a - SCRATCH_BASE) as usize;
                let old = self.scratch[i];
                if let Some(w) = write {
                    self.scratch[i] = w;
                }
                old
            }
            SNAPSHOTS_ADDR => self.snapshots,
            _ => return (0, true),
        };
        (if write.is_some() { 0 } else { v }, false)
    }

    pub fn execute(&mut self, r: &Request) -> Response {
        let mut data = vec![];
        let mut error = false;
        match r.opcode {
            Opcode::Read | Opcode::BurstRead => {
                for i in 0..r.count as u16 {
                    let (v, e) = self.access(r.addr.wrapping_add(i), None);
                    data.push(v);
                    error |= e;
                }
            }
            Opcode::Write => {
                for (i, &w) in r.data.iter().enumerate() {
                    error |= self.access(r.addr.wrapping_add(i as u16), Some(w)).1;
                }
            }
            Opcode::Snapshot => self.snapshots += 1,
            Opcode::Ping => {}
        }
        let status = if error { Status::BadAddress } else { Status::Ok } as u8;
        Response { tag: r.tag, status, data }
    }
}

/// One traced clock: (the rx line level, the probe before the clock, after it).
pub type TraceRow = (bool, Vec<u64>, Vec<u64>);
/// A probe of the bench's outputs and the rows it recorded.
pub type Trace = (fn(&Bench) -> Vec<u64>, Vec<TraceRow>);

/// The bench with a host at the other end of the serial line.
pub struct Host {
    pub h: Harness<Bench>,
    pub divisor: u32,
    pub line_out: LineSender,
    pub line_in: LineReceiver,
    pub received: Vec<u8>,
    pub model: ParserModel,
    pub slave: SlaveModel,
    pub expected: Vec<Response>,
    /// When set: per clock, the line level sent, `probe` of the bench
    /// before the clock edge and after it (for co-simulation).
    pub trace: Option<Trace>,
}

impl Host {
    pub fn new(divisor: u32) -> Self {
        Host {
            h: Harness::new(Bench::new(divisor), |u| &mut u.clock),
            divisor,
            line_out: LineSender::new(divisor),
            line_in: LineReceiver::new(divisor),
            received: vec![],
            model: ParserModel::new(),
            slave: SlaveModel::default(),
            expected: vec![],
            trace: None,
        }
    }

    pub fn step(&mut self) {
        let level = self.line_out.next_level();
        let before = self.trace.as_ref().map(|(probe, _)| probe(&self.h.uut));
        self.h.cycle(|u| u.rxd.next = level);
        if let Some((probe, rows)) = self.trace.as_mut() {
            rows.push((level, before.unwrap(), probe(&self.h.uut)));
        }
        if let Some(b) = self.line_in.sample(self.h.uut.txd.val()) {
            self.received.push(b);
        }
    }

    /// Idle clocks after which the bridge has abandoned any partial frame.
    pub fn timeout_gap(&self) -> u64 {
        (INTERBYTE_TIMEOUT_BYTES as u64 + 2) * 10 * self.divisor as u64
    }

    /// Sends `bytes`, feeding them to the parser model too; waits for every
    /// response the model predicts, then (when `settle`) for the inter-byte
    /// timeout, checking that nothing else arrives.
    pub fn send(&mut self, bytes: &[u8], settle: bool) {
        let mut expect_bytes = self.received.len();
        for &b in bytes {
            if let Some(ParseEvent::Accepted(r)) = self.model.push(b) {
                let rsp = self.slave.execute(&r);
                expect_bytes += response_len(rsp.data.len());
                self.expected.push(rsp);
            }
        }
        self.line_out.push(bytes);
        let budget = ((bytes.len() + response_len(MAX_BURST) + 4) as u64) * 10 * self.divisor as u64
            // Every access of a burst may wait out the ack timeout (silent addresses).
            + (REG_ACK_TIMEOUT + 2) * MAX_BURST as u64
            + 1000;
        let mut spent = 0;
        while !self.line_out.idle() || self.received.len() < expect_bytes || !self.line_in.idle() {
            self.step();
            spent += 1;
            assert!(spent < budget, "no (complete) response after {spent} clocks; got {:x?}", &self.received);
        }
        if settle {
            for _ in 0..self.timeout_gap() {
                self.step();
            }
            self.model.timeout();
        }
        assert_eq!(self.received.len(), expect_bytes, "unexpected bytes from the bridge: {:x?}", &self.received);
    }

    pub fn request(&mut self, tag: u8, opcode: Opcode, addr: u16, count: u8, data: Vec<u32>) -> Response {
        let r = Request { tag, opcode, addr, count, data };
        let before = self.expected.len();
        self.send(&encode_request(&r), false);
        assert_eq!(self.expected.len(), before + 1, "model did not accept {r:?}");
        self.check();
        self.expected.last().unwrap().clone()
    }

    /// Everything received so far decodes strictly and equals the model's
    /// responses; drops equal the model's; the slave saw no contract violation.
    pub fn check(&mut self) {
        let got = decode_responses(&self.received).unwrap();
        assert_eq!(got, self.expected);
        assert_eq!(self.h.uut.bridge.dropped.val().to_u64(), self.model.dropped);
        assert_eq!(self.h.uut.slave.violations.val().to_u64(), 0);
        assert_eq!(self.h.uut.urx.framing_errors.val().to_u64(), 0);
    }
}

pub fn random_request(rng: &mut ChaCha8Rng, tag: u8) -> Request {
    let addr = match rng.gen_range(0..10) {
        0 => rng.gen(),
        1 => SILENT_BASE + rng.gen_range(0..4),
        2 => rng.gen_range(0..4),
        3 => SNAPSHOTS_ADDR,
        _ => SCRATCH_BASE + rng.gen_range(0..SCRATCH_WORDS),
    };
    let (opcode, count) = match rng.gen_range(0..5) {
        0 => (Opcode::Read, 1),
        1 => (Opcode::BurstRead, rng.gen_range(1..=10)),
        2 => (Opcode::Write, rng.gen_range(1..=10)),
        3 => (Opcode::Snapshot, 0),
        _ => (Opcode::Ping, 0),
    };
    let data = if opcode == Opcode::Write { (0..count).map(|_| rng.gen()).collect() } else { vec![] };
    Request { tag, opcode, addr, count, data }
}
