//! A virtual board: the real board top ([LinkTop]: UART, bridge, link
//! core; or [BertTop]: UART, bridge, BERT core) simulated clock by clock in a background thread, its UART served on
//! a pseudo-terminal, so that any serial client (the `mosaic` CLI, a
//! terminal, a test) talks to the very gateware a board would run.
//!
//! Timing. The simulated UART runs at `divisor` clocks per bit: bytes read
//! from the pty are sent into `uart_rx` bit by bit ([LineSender]), and
//! `uart_tx` is sampled back into bytes ([LineReceiver]) that are written to
//! the pty. Simulated time is not paced to the wall clock: it runs as fast as
//! it can while a byte is in flight or the bridge is busy, and for a while
//! after ([BoardOptions::linger]) so that the link moves on after a command.
//! When all has been quiet longer, the link keeps running (counters, lock
//! state and traffic advance) but at a bounded share of a CPU
//! ([BoardOptions::idle_duty]): after each idle batch the thread rests,
//! and any byte that arrives on the pty wakes it at once.
//!
//! Pins. The physical lanes are looped back outside the chip (`tx_lines[k]`
//! drives `rx_lines[k]` one clock later), as with a cable on a real board;
//! the core's internal loopback and channel emulator work as on hardware.
//!
//! Engines ([Engine]). rust-hdl's own simulator, or Verilator running the
//! top's generated Verilog ([crate::verilator_board]; built once per
//! Verilog text and cached, ~100x faster): the same pty, protocol and image.

use crate::harness::Harness;
use crate::uart_line::{LineReceiver, LineSender};
use mosaic_gateware::bert::core::BertConfig;
use mosaic_gateware::control::uart_tx::{MAX_DIVISOR, MIN_DIVISOR};
use mosaic_gateware::emu::lane::MAX_DELAY_BITS;
use mosaic_gateware::link::core::CoreConfig;
use mosaic_gateware::params::LinkParams;
use mosaic_gateware::top::{BertTop, BoardTop, LinkTop};
use serialport::{SerialPort, TTYPort};
use std::io::{self, Read, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How a virtual board runs.
#[derive(Clone, Debug)]
pub struct BoardOptions {
    /// UART clocks per bit (4..=65535); small is fast (4: 18 bytes in 720 clocks).
    pub divisor: u32,
    /// Clocks simulated between two looks at the pty while busy (rust-hdl).
    pub busy_batch: u32,
    /// The longest busy batch of an engine that takes host bytes while a
    /// batch runs (Verilator): such a batch ends early once a reply is
    /// complete, so it is long, and a transaction costs a few exchanges
    /// with the model instead of one a byte. 0: such an engine too is fed
    /// between batches of `busy_batch` (how it ran before; board_bench's
    /// baseline).
    pub stream_batch: u32,
    /// Clocks simulated per batch while idle.
    pub idle_batch: u32,
    /// Share of one CPU the simulation may use while idle (0 < d <= 1).
    pub idle_duty: f64,
    /// Full speed for this long after the last byte in or out, so that the
    /// link moves on quickly after each command, before throttling to `idle_duty`.
    pub linger: Duration,
    /// `tx_lines` drive `rx_lines` (a loopback cable on the pins).
    pub loop_pins: bool,
    /// The simulator that runs the gateware.
    pub engine: Engine,
}

/// The simulator behind a virtual board.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// rust-hdl's simulator, in this process.
    RustHdl,
    /// Verilator on the top's generated Verilog, as a child process.
    Verilator,
}

impl Engine {
    /// Verilator when it is installed, else rust-hdl.
    pub fn best_available() -> Engine {
        if mosaic_gateware::toolchain::require_tool("verilator").is_ok() {
            Engine::Verilator
        } else {
            Engine::RustHdl
        }
    }
}

impl BoardOptions {
    /// Defaults for `divisor`: busy batches of one byte time (streaming: up
    /// to 256); 2 s at full speed after the last byte, then idle batches of
    /// 64 clocks at a 20% duty.
    pub fn new(divisor: u32) -> Self {
        BoardOptions {
            divisor,
            busy_batch: 10 * divisor,
            stream_batch: 256 * 10 * divisor,
            idle_batch: 64,
            idle_duty: 0.2,
            linger: Duration::from_secs(2),
            loop_pins: true,
            engine: Engine::RustHdl,
        }
    }
}

/// The gateware image a virtual board runs.
#[derive(Clone, Debug)]
pub enum Image {
    /// The full link ([LinkTop]).
    Link(CoreConfig),
    /// The BERT image ([BertTop]), as on the iCEBreaker.
    Bert(BertConfig),
}

impl Image {
    pub fn params(&self) -> LinkParams {
        match self {
            Image::Link(c) => c.params,
            Image::Bert(c) => c.params,
        }
    }
}

/// A running virtual board; stops when [VirtualBoard::stop]ped or dropped.
pub struct VirtualBoard {
    path: String,
    stop: Arc<AtomicBool>,
    cycles: Arc<AtomicU64>,
    failure: Arc<Mutex<Option<String>>>,
    thread: Option<JoinHandle<()>>,
    /// Held open so the pty neither hangs up nor returns EIO between clients.
    _slave: TTYPort,
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}

impl VirtualBoard {
    /// Starts a board for link shape `params` whose UART runs at `divisor`
    /// clocks per bit; open [VirtualBoard::path] with any serial client.
    pub fn spawn(params: LinkParams, divisor: u32) -> io::Result<VirtualBoard> {
        Self::spawn_with(core_config(params), BoardOptions::new(divisor))
    }

    /// As [VirtualBoard::spawn], with every build and run option.
    pub fn spawn_with(cfg: CoreConfig, opts: BoardOptions) -> io::Result<VirtualBoard> {
        Self::spawn_image(Image::Link(cfg), opts)
    }

    /// A board running `image`.
    pub fn spawn_image(image: Image, opts: BoardOptions) -> io::Result<VirtualBoard> {
        image.params().validate().map_err(|e| invalid(format!("virtual board: {e}")))?;
        if !(MIN_DIVISOR..=MAX_DIVISOR).contains(&opts.divisor) {
            return Err(invalid(format!(
                "virtual board: divisor must be in {MIN_DIVISOR}..={MAX_DIVISOR}, not {}",
                opts.divisor
            )));
        }
        if !(opts.idle_duty > 0.0 && opts.idle_duty <= 1.0) {
            return Err(invalid(format!("virtual board: idle_duty must be in (0, 1], not {}", opts.idle_duty)));
        }
        let (mut master, slave) = TTYPort::pair().map_err(io::Error::from)?;
        let path = slave.name().ok_or_else(|| io::Error::other("pty has no name"))?;
        master.set_timeout(Duration::ZERO).map_err(io::Error::from)?;
        let stop = Arc::new(AtomicBool::new(false));
        let cycles = Arc::new(AtomicU64::new(0));
        let failure = Arc::new(Mutex::new(None));
        let (s, c, f) = (stop.clone(), cycles.clone(), failure.clone());
        let (ready_tx, ready) = mpsc::channel();
        // The top is built inside the thread (rust-hdl blocks need not be
        // Send); spawn returns once it is built and checked (and, with
        // Verilator, compiled: minutes the first time), or its error.
        let thread = std::thread::Builder::new().name("virtual-board".into()).spawn(move || {
            fn run<T: BoardTop>(
                mut top: T,
                opts: &BoardOptions,
                ready_tx: mpsc::Sender<Result<(), String>>,
                master: TTYPort,
                stop: &AtomicBool,
                cycles: &AtomicU64,
            ) -> Result<(), String> {
                let engine: Result<Box<dyn Sim>, String> = match opts.engine {
                    Engine::RustHdl => Board::new(top, opts).map(|b| Box::new(b) as Box<dyn Sim>),
                    Engine::Verilator => verilated(&mut top, opts).map(|b| Box::new(b) as Box<dyn Sim>),
                };
                let mut engine = match engine {
                    Ok(b) => {
                        let _ = ready_tx.send(Ok(()));
                        b
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return Ok(());
                    }
                };
                serve(engine.as_mut(), master, opts, stop, cycles)
            }
            let refused = ready_tx.clone();
            let served = match &image {
                Image::Link(cfg) => {
                    LinkTop::try_new(cfg, opts.divisor).map(|t| run(t, &opts, ready_tx, master, &s, &c))
                }
                Image::Bert(cfg) => {
                    BertTop::try_new(cfg, opts.divisor).map(|t| run(t, &opts, ready_tx, master, &s, &c))
                }
            };
            let served = served.unwrap_or_else(|e| {
                let _ = refused.send(Err(e.to_string()));
                Ok(())
            });
            if let Err(e) = served {
                *f.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
            }
        })?;
        match ready.recv() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(io::Error::other(format!("virtual board: {e}"))),
            Err(_) => return Err(io::Error::other("virtual board: the simulation thread died while building")),
        }
        Ok(VirtualBoard { path, stop, cycles, failure, thread: Some(thread), _slave: slave })
    }

    /// Why the simulation stopped on its own (e.g. a circuit that did not
    /// settle), if it did; the pty then stays silent.
    pub fn failure(&self) -> Option<String> {
        self.failure.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Path of the pseudo-terminal to open (e.g. `/dev/pts/7`).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Clocks simulated so far.
    pub fn cycles(&self) -> u64 {
        self.cycles.load(Ordering::Relaxed)
    }

    /// Stops the simulation and waits for its thread; returns the clocks run.
    pub fn stop(mut self) -> u64 {
        self.halt();
        self.cycles()
    }

    fn halt(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for VirtualBoard {
    fn drop(&mut self) {
        self.halt();
    }
}

/// The core configuration a virtual board builds for `params` (the channel
/// emulator's delay line clamped to what the emulator supports).
pub fn core_config(params: LinkParams) -> CoreConfig {
    let mut cfg = CoreConfig::new(params);
    cfg.max_delay_bits = cfg.max_delay_bits.min(MAX_DELAY_BITS);
    cfg
}

/// The BERT image a virtual board builds for `params` (as `mosaic build --core bert`).
pub fn bert_config(params: LinkParams) -> BertConfig {
    BertConfig::new(params)
}

/// Reads what the pty has, waiting at most `wait` for the first byte.
fn read_pty(port: &mut TTYPort, buf: &mut [u8], wait: Duration) -> usize {
    if port.set_timeout(wait).is_err() {
        return 0;
    }
    match port.read(buf) {
        Ok(n) => n,
        // TimedOut: nothing to read. Other errors (EIO while no client has
        // the slave open cannot happen: we hold it) are treated the same.
        Err(_) => {
            if wait.is_zero() {
                0
            } else {
                std::thread::sleep(Duration::from_millis(1));
                0
            }
        }
    }
}

/// What the serve loop needs of a simulated board (either engine).
trait Sim {
    /// Queues bytes the host wrote for the board's UART input.
    fn push(&mut self, bytes: &[u8]) -> Result<(), String>;
    /// `n` clocks; bytes the board sent are appended to `out`.
    fn run(&mut self, n: u32, out: &mut Vec<u8>) -> Result<(), String>;
    /// True while a byte is on either line (or the bridge has work).
    fn busy(&self) -> bool;
    fn cycles(&self) -> u64;
    /// A writer of host bytes for another thread, where the engine takes
    /// them while a batch runs; `None`: they go in between batches by `push`.
    fn feeder(&self) -> Option<Feeder> {
        None
    }
}

/// Queues host bytes for a running engine (see [Sim::feeder]).
type Feeder = Box<dyn FnMut(&[u8]) -> io::Result<()> + Send>;

/// The board top in Verilator: its Verilog built (or found cached), started.
fn verilated<T: BoardTop>(top: &mut T, opts: &BoardOptions) -> Result<crate::verilator_board::BoardProcess, String> {
    let verilog = mosaic_gateware::verilog::verilog_of(top);
    let model = crate::verilator_board::build("virtual_board", &verilog, top.lanes(), opts.divisor, opts.loop_pins)
        .map_err(|e| e.to_string())?;
    crate::verilator_board::BoardProcess::spawn(&model)
        .map_err(|e| format!("cannot start {}: {e}", model.exe.display()))
}

impl Sim for crate::verilator_board::BoardProcess {
    fn push(&mut self, bytes: &[u8]) -> Result<(), String> {
        crate::verilator_board::BoardProcess::push(self, bytes).map_err(|e| format!("the Verilator model stopped: {e}"))
    }
    fn run(&mut self, n: u32, out: &mut Vec<u8>) -> Result<(), String> {
        crate::verilator_board::BoardProcess::run(self, n, out)
    }
    fn busy(&self) -> bool {
        crate::verilator_board::BoardProcess::busy(self)
    }
    fn cycles(&self) -> u64 {
        crate::verilator_board::BoardProcess::cycles(self)
    }
    fn feeder(&self) -> Option<Feeder> {
        Some(Box::new(crate::verilator_board::BoardProcess::feeder(self)))
    }
}

/// The simulated board and the software ends of its serial line.
struct Board<T: BoardTop> {
    h: Harness<T>,
    pins: Vec<bool>,
    loop_pins: bool,
    to_board: LineSender,
    from_board: LineReceiver,
}

impl<T: BoardTop> Board<T> {
    fn new(top: T, opts: &BoardOptions) -> Result<Board<T>, String> {
        let lanes = top.lanes();
        let h = Harness::try_new(top, |u| u.clock()).map_err(|e| e.to_string())?;
        let mut b = Board {
            h,
            pins: vec![false; lanes],
            loop_pins: opts.loop_pins,
            to_board: LineSender::new(opts.divisor),
            from_board: LineReceiver::new(opts.divisor),
        };
        for _ in 0..4 {
            b.h.try_cycle(|u| {
                u.reset().next = true;
                u.uart_rx().next = true;
            })
            .map_err(|e| e.to_string())?;
        }
        Ok(b)
    }
}

impl<T: BoardTop> Sim for Board<T> {
    fn push(&mut self, bytes: &[u8]) -> Result<(), String> {
        self.to_board.push(bytes);
        Ok(())
    }

    fn busy(&self) -> bool {
        let u = &self.h.uut;
        !self.to_board.idle() || !self.from_board.idle() || u.host_busy()
    }

    fn cycles(&self) -> u64 {
        self.h.cycles()
    }

    fn run(&mut self, n: u32, out: &mut Vec<u8>) -> Result<(), String> {
        let loop_pins = self.loop_pins;
        for _ in 0..n {
            let level = self.to_board.next_level();
            let pins = &self.pins;
            self.h
                .try_cycle(|u| {
                    u.reset().next = false;
                    u.uart_rx().next = level;
                    if loop_pins {
                        for (k, p) in pins.iter().enumerate() {
                            u.rx_line(k).next = *p;
                        }
                    }
                })
                .map_err(|e| e.to_string())?;
            if loop_pins {
                for (k, p) in self.pins.iter_mut().enumerate() {
                    *p = self.h.uut.tx_line(k);
                }
            }
            if let Some(b) = self.from_board.sample(self.h.uut.uart_tx()) {
                out.push(b);
            }
        }
        Ok(())
    }
}

/// Moves bytes between the pty and the simulated board until `stop`.
fn serve(
    board: &mut dyn Sim,
    port: TTYPort,
    opts: &BoardOptions,
    stop: &AtomicBool,
    cycles: &AtomicU64,
) -> Result<(), String> {
    match board.feeder() {
        Some(feed) if opts.stream_batch > 0 => serve_streaming(board, port, feed, opts, stop, cycles),
        _ => serve_batched(board, port, opts, stop, cycles),
    }
}

/// How long to rest after an idle batch that began at `started`, so that
/// the simulation takes `idle_duty` of a CPU.
fn idle_rest(started: Instant, opts: &BoardOptions) -> Duration {
    let spent = started.elapsed().as_secs_f64();
    let rest = spent * (1.0 - opts.idle_duty) / opts.idle_duty;
    Duration::from_secs_f64(rest.clamp(0.001, 0.5))
}

/// [serve] for an engine that takes host bytes while a batch runs: a
/// thread of its own reads the pty and feeds the model at once, so a batch
/// can be long (it ends early when a reply is complete) without delaying
/// the next request.
fn serve_streaming(
    board: &mut dyn Sim,
    mut port: TTYPort,
    mut feed: Feeder,
    opts: &BoardOptions,
    stop: &AtomicBool,
    cycles: &AtomicU64,
) -> Result<(), String> {
    let mut reader = port.try_clone_native().map_err(|e| format!("cannot share the pty: {e}"))?;
    let bytes_in = AtomicU64::new(0);
    let done = AtomicBool::new(false);
    let (wake_tx, wake) = mpsc::channel::<()>();
    std::thread::scope(|scope| {
        scope.spawn(|| {
            let mut buf = [0u8; 4096];
            while !stop.load(Ordering::Relaxed) && !done.load(Ordering::Relaxed) {
                let n = read_pty(&mut reader, &mut buf, Duration::from_millis(20));
                if n > 0 {
                    if feed(&buf[..n]).is_err() {
                        break; // the model stopped: the main loop reports it
                    }
                    bytes_in.fetch_add(n as u64, Ordering::Relaxed);
                    let _ = wake_tx.send(());
                }
            }
        });
        let mut out = Vec::with_capacity(256);
        let mut seen = 0;
        let mut last_activity = Instant::now();
        let result = loop {
            if stop.load(Ordering::Relaxed) {
                break Ok(());
            }
            let fed = bytes_in.load(Ordering::Relaxed);
            if fed != seen || board.busy() {
                last_activity = Instant::now();
            }
            seen = fed;
            let busy = last_activity.elapsed() < opts.linger;
            let started = Instant::now();
            if let Err(e) = board.run(if busy { opts.stream_batch } else { opts.idle_batch }, &mut out) {
                break Err(e);
            }
            cycles.store(board.cycles(), Ordering::Relaxed);
            if !out.is_empty() {
                let _ = port.write_all(&out);
                out.clear();
                last_activity = Instant::now();
            }
            if !busy {
                // Idle: give the CPU back in proportion, waking on the first byte.
                while wake.try_recv().is_ok() {}
                if bytes_in.load(Ordering::Relaxed) == seen {
                    let _ = wake.recv_timeout(idle_rest(started, opts));
                }
            }
        };
        done.store(true, Ordering::Relaxed);
        result
    })
}

/// [serve] for an engine that takes host bytes between batches (rust-hdl,
/// in this thread): short batches, a look at the pty between them.
fn serve_batched(
    board: &mut dyn Sim,
    mut port: TTYPort,
    opts: &BoardOptions,
    stop: &AtomicBool,
    cycles: &AtomicU64,
) -> Result<(), String> {
    let mut out = Vec::with_capacity(256);
    let mut buf = [0u8; 4096];
    let mut wait = Duration::ZERO;
    let mut last_activity = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        let n = read_pty(&mut port, &mut buf, wait);
        board.push(&buf[..n])?;
        let active = n > 0 || board.busy();
        if active {
            last_activity = Instant::now();
        }
        // Busy right now, or lingering after the last activity.
        let busy = active || last_activity.elapsed() < opts.linger;
        let started = Instant::now();
        board.run(if busy { opts.busy_batch } else { opts.idle_batch }, &mut out)?;
        cycles.store(board.cycles(), Ordering::Relaxed);
        if !out.is_empty() {
            // Errors (no client) are ignored: the bytes are simply lost, as on a wire.
            let _ = port.write_all(&out);
            out.clear();
        }
        wait = if busy {
            Duration::ZERO
        } else {
            // Idle: give the CPU back in proportion, waking on the first byte.
            idle_rest(started, opts)
        };
    }
    Ok(())
}
