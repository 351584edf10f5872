//! The bridge's executer: performs a checked request on the register port,
//! one access at a time, then hands the outcome to the responder.
//!
//! Each access strobes `reg.read` or `reg.write` for one clock with address
//! and data held, then waits for `reg.ack`, which may come in the strobe's
//! own clock or up to [REG_ACK_TIMEOUT] clocks later; no ack by then means
//! the address is not served (status BadAddress, reads 0). WRITE data is
//! fetched from the buffer (one clock before each strobe: the buffer is a
//! synchronous RAM); read words are stored in it at their index in the
//! burst, because the response's status, sent before the data, depends on
//! every access. SNAPSHOT strobes `snapshot`; PING does nothing.
//!
//! Latency: `result.start` strobes one clock after `req.start` for SNAPSHOT
//! and PING, else in the clock of the last access's ack.

use super::bridge_bus::{BufRead, BufWrite, RequestIn, ResultOut};
use super::protocol::Opcode;
use super::reg_bus::RegBusMaster;
use rust_hdl::prelude::*;

/// Clocks a register access may take before the bridge gives up on it.
pub const REG_ACK_TIMEOUT: u64 = 256;

#[derive(Copy, Clone, Debug, PartialEq, LogicState)]
enum ExecState {
    Idle,
    /// Start the request: first access, or SNAPSHOT / PING.
    Dispatch,
    /// The buffer presents the word to write in the next clock.
    Fetch,
    Issue,
    Wait,
}

#[derive(LogicBlock)]
pub struct BridgeExec {
    pub clock: Signal<In, Clock>,
    /// Synchronous reset, active high: idle.
    pub reset: Signal<In, Bit>,
    /// The request, from the parser.
    pub req: RequestIn,
    /// The register port, to the core.
    pub reg_bus: RegBusMaster,
    /// WRITE data, read from the buffer at the access's index.
    pub fetch: BufRead,
    /// Read data, stored in the buffer at the access's index.
    pub store: BufWrite,
    /// One-clock strobe: latch every counter (the SNAPSHOT command).
    pub snapshot: Signal<Out, Bit>,
    /// The outcome, to the responder.
    pub result: ResultOut,
    state: DFF<ExecState>,
    addr: DFF<Bits<16>>,
    /// Index of the access in the burst, clocks waited for its ack, any error so far.
    index: DFF<Bits<8>>,
    ack_wait: DFF<Bits<8>>,
    access_error: DFF<Bit>,
    is_write: Signal<Local, Bit>,
    is_read: Signal<Local, Bit>,
    in_access: Signal<Local, Bit>,
    timed_out: Signal<Local, Bit>,
    ack_now: Signal<Local, Bit>,
    ack_timeout_m1: Constant<Bits<8>>,
    op_read: Constant<Bits<8>>,
    op_burst: Constant<Bits<8>>,
    op_write: Constant<Bits<8>>,
    op_snapshot: Constant<Bits<8>>,
}

impl Default for BridgeExec {
    fn default() -> Self {
        let c8 = |v: u64| Constant::new(Bits::<8>::from(v));
        Self {
            clock: Default::default(),
            reset: Default::default(),
            req: Default::default(),
            reg_bus: Default::default(),
            fetch: Default::default(),
            store: Default::default(),
            snapshot: Default::default(),
            result: Default::default(),
            state: Default::default(),
            addr: Default::default(),
            index: Default::default(),
            ack_wait: Default::default(),
            access_error: Default::default(),
            is_write: Default::default(),
            is_read: Default::default(),
            in_access: Default::default(),
            timed_out: Default::default(),
            ack_now: Default::default(),
            ack_timeout_m1: c8(REG_ACK_TIMEOUT - 1),
            op_read: c8(Opcode::Read as u64),
            op_burst: c8(Opcode::BurstRead as u64),
            op_write: c8(Opcode::Write as u64),
            op_snapshot: c8(Opcode::Snapshot as u64),
        }
    }
}

impl Logic for BridgeExec {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, state, addr, index, ack_wait, access_error);
        self.is_write.next = self.req.opcode.val() == self.op_write.val();
        self.is_read.next =
            (self.req.opcode.val() == self.op_read.val()) || (self.req.opcode.val() == self.op_burst.val());
        // The request is done when its response is.
        self.req.done.next = self.result.done.val();
        self.result.start.next = false;
        self.result.tag.next = self.req.tag.val();
        self.result.bad_address.next = self.access_error.q.val();
        self.result.words.next = 0.into();
        if self.is_read.val() {
            self.result.words.next = self.req.count.val();
        }
        self.reg_bus.addr.next = self.addr.q.val();
        self.reg_bus.wdata.next = self.fetch.data.val();
        self.reg_bus.read.next = false;
        self.reg_bus.write.next = false;
        self.snapshot.next = false;
        self.fetch.addr.next = bit_cast::<5, 8>(self.index.q.val());
        self.store.addr.next = bit_cast::<5, 8>(self.index.q.val());
        self.store.enable.next = false;
        // An access ends with the slave's ack, or after REG_ACK_TIMEOUT clocks
        // without one (unmapped: reads 0, status BadAddress).
        self.timed_out.next =
            (self.state.q.val() == ExecState::Wait) && (self.ack_wait.q.val() == self.ack_timeout_m1.val());
        self.ack_now.next = self.reg_bus.ack.val() || self.timed_out.val();
        self.store.data.next = self.reg_bus.rdata.val();
        if self.timed_out.val() {
            self.store.data.next = 0.into();
        }

        self.in_access.next = false;
        match self.state.q.val() {
            ExecState::Idle => {
                if self.req.start.val() {
                    self.state.d.next = ExecState::Dispatch;
                }
            }
            ExecState::Dispatch => {
                self.addr.d.next = self.req.addr.val();
                self.index.d.next = 0.into();
                self.access_error.d.next = false;
                if self.is_write.val() {
                    self.state.d.next = ExecState::Fetch;
                } else if self.is_read.val() {
                    self.state.d.next = ExecState::Issue;
                } else {
                    self.snapshot.next = self.req.opcode.val() == self.op_snapshot.val();
                    self.result.start.next = true;
                    self.state.d.next = ExecState::Idle;
                }
            }
            ExecState::Fetch => {
                self.state.d.next = ExecState::Issue;
            }
            ExecState::Issue => {
                self.in_access.next = true;
                self.reg_bus.write.next = self.is_write.val();
                self.reg_bus.read.next = !self.is_write.val();
                self.ack_wait.d.next = 0.into();
                self.state.d.next = ExecState::Wait;
            }
            ExecState::Wait => {
                self.in_access.next = true;
                self.ack_wait.d.next = self.ack_wait.q.val() + 1;
            }
            _ => {
                self.state.d.next = ExecState::Idle;
            }
        }

        if self.in_access.val() && self.ack_now.val() {
            if self.timed_out.val() || (self.reg_bus.ack.val() && self.reg_bus.error.val()) {
                self.access_error.d.next = true;
            }
            // Reads keep their word for the response; writes are done with it.
            self.store.enable.next = !self.is_write.val();
            self.index.d.next = self.index.q.val() + 1;
            self.addr.d.next = self.addr.q.val() + 1;
            if (self.index.q.val() + 1) == self.req.count.val() {
                self.result.start.next = true;
                self.state.d.next = ExecState::Idle;
            } else if self.is_write.val() {
                self.state.d.next = ExecState::Fetch;
            } else {
                self.state.d.next = ExecState::Issue;
            }
        }

        if self.reset.val() {
            self.state.d.next = ExecState::Idle;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verilog::{verilator_lint, verilog_of};
    use std::collections::VecDeque;

    /// An access the executer strobed: (clock, address, write data if a write).
    type Access = (usize, u64, Option<u64>);

    /// The executer against a slave model and a buffer model: the slave acks
    /// `latency` clocks after each strobe with data `addr * 3`, with error
    /// at `refused` and never at `silent`.
    struct Bench {
        uut: BridgeExec,
        t: usize,
        buffer: [u64; 32],
        fetch_addr: usize,
        pending: VecDeque<(usize, u64)>,
        latency: usize,
        refused: u64,
        silent: u64,
        accesses: Vec<Access>,
        stored: Vec<(u64, u64)>,
        results: Vec<usize>,
        snapshots: Vec<usize>,
    }

    impl Bench {
        fn new(latency: usize, refused: u64, silent: u64) -> Self {
            let mut uut = BridgeExec::default();
            uut.connect_all();
            let mut b = Bench {
                uut,
                t: 0,
                buffer: [0; 32],
                fetch_addr: 0,
                pending: VecDeque::new(),
                latency,
                refused,
                silent,
                accesses: vec![],
                stored: vec![],
                results: vec![],
                snapshots: vec![],
            };
            b.uut.reset.next = true;
            b.clock(false);
            b.uut.reset.next = false;
            b
        }

        fn clock(&mut self, start: bool) {
            let t = self.t;
            let u = &mut self.uut;
            u.req.start.next = start;
            u.fetch.data.next = self.buffer[self.fetch_addr].into();
            let ack = self.pending.front().filter(|(at, _)| *at == t).map(|(_, a)| *a);
            u.reg_bus.ack.next = ack.is_some();
            u.reg_bus.error.next = ack == Some(self.refused);
            u.reg_bus.rdata.next = (ack.unwrap_or(0) * 3).into();
            if ack.is_some() {
                self.pending.pop_front();
            }
            simulate(u, 100);
            let addr = u.reg_bus.addr.val().to_u64();
            if u.reg_bus.read.val() || u.reg_bus.write.val() {
                let data = u.reg_bus.write.val().then(|| u.reg_bus.wdata.val().to_u64());
                self.accesses.push((t, addr, data));
                if addr != self.silent {
                    self.pending.push_back((t + self.latency, addr));
                }
            }
            if u.store.enable.val() {
                self.stored.push((u.store.addr.val().to_u64(), u.store.data.val().to_u64()));
            }
            if u.result.start.val() {
                self.results.push(t);
            }
            if u.snapshot.val() {
                self.snapshots.push(t);
            }
            self.fetch_addr = u.fetch.addr.val().index();
            crate::sim_clock::cycle(u, |u| &mut u.clock);
            self.t += 1;
        }

        /// Runs a request until its result (or `limit` clocks).
        fn run(&mut self, tag: u64, op: Opcode, addr: u64, count: u64, limit: usize) {
            self.uut.req.tag.next = tag.into();
            self.uut.req.opcode.next = (op as u64).into();
            self.uut.req.addr.next = addr.into();
            self.uut.req.count.next = count.into();
            self.clock(true);
            for _ in 0..limit {
                if !self.results.is_empty() {
                    break;
                }
                self.clock(false);
            }
        }
    }

    #[test]
    fn a_burst_read_stores_each_word_and_reports_a_refused_address() {
        let mut b = Bench::new(2, 0x101, 0xFFFF);
        b.run(0x5C, Opcode::BurstRead, 0x100, 3, 100);
        let addrs: Vec<(u64, Option<u64>)> = b.accesses.iter().map(|a| (a.1, a.2)).collect();
        assert_eq!(addrs, vec![(0x100, None), (0x101, None), (0x102, None)]);
        assert_eq!(b.stored, vec![(0, 0x300), (1, 0x303), (2, 0x306)]);
        // The result strobes with the last ack.
        assert_eq!(b.results, vec![b.accesses[2].0 + 2]);
        b.clock(false);
        let r = &b.uut.result;
        assert_eq!((r.tag.val().to_u64(), r.bad_address.val(), r.words.val().to_u64()), (0x5C, true, 3));
        assert!(b.snapshots.is_empty());
    }

    #[test]
    fn a_write_fetches_its_data_and_a_silent_address_times_out() {
        let mut b = Bench::new(1, 0xFFFF, 0x21);
        b.buffer[0] = 0xAAAA_0001;
        b.buffer[1] = 0xBBBB_0002;
        b.run(1, Opcode::Write, 0x20, 2, 1000);
        let addrs: Vec<(u64, Option<u64>)> = b.accesses.iter().map(|a| (a.1, a.2)).collect();
        assert_eq!(addrs, vec![(0x20, Some(0xAAAA_0001)), (0x21, Some(0xBBBB_0002))]);
        assert!(b.stored.is_empty(), "writes keep nothing");
        assert_eq!(b.results, vec![b.accesses[1].0 + REG_ACK_TIMEOUT as usize]);
        b.clock(false);
        assert!(b.uut.result.bad_address.val());
        assert_eq!(b.uut.result.words.val().to_u64(), 0);
    }

    #[test]
    fn a_timed_out_read_stores_zero() {
        let mut b = Bench::new(1, 0xFFFF, 0x7);
        b.run(2, Opcode::Read, 0x7, 1, 1000);
        assert_eq!(b.stored, vec![(0, 0)]);
        assert_eq!(b.results, vec![b.accesses[0].0 + REG_ACK_TIMEOUT as usize]);
    }

    #[test]
    fn snapshot_strobes_once_and_ping_does_nothing() {
        let mut b = Bench::new(1, 0xFFFF, 0xFFFF);
        let t0 = b.t;
        b.run(3, Opcode::Snapshot, 0, 0, 10);
        // Both in the clock after the start.
        assert_eq!((b.snapshots.clone(), b.results.clone()), (vec![t0 + 1], vec![t0 + 1]));
        b.results.clear();
        b.run(4, Opcode::Ping, 0, 0, 10);
        assert_eq!((b.snapshots.len(), b.results.len(), b.accesses.len()), (1, 1, 0));
        // The response's end is the request's.
        b.uut.result.done.next = true;
        simulate(&mut b.uut, 100);
        assert!(b.uut.req.done.val());
    }

    #[test]
    fn bridge_exec_lints() {
        verilator_lint("bridge_exec", &verilog_of(&mut BridgeExec::default())).unwrap();
    }
}
