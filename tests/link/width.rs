//! The link's stream width as a parameter: StreamSplit/StreamJoin round
//! trips (rust-hdl and their Verilog in Icarus), LinkCoreWide carrying a
//! 256-bit stream through the loopback link, W = 64 matching LinkCore
//! clock for clock, and the wide core's Verilog through Verilator and yosys.

use mosaic_gateware::link::core::LinkCore;
use mosaic_gateware::link::core_wide::LinkCoreWide;
use mosaic_gateware::link::stream_width::{StreamJoin, StreamSplit};
use mosaic_gateware::params::LinkParams;
use mosaic_gateware::verilog::{verilator_lint, verilog_of, yosys_synth_ice40};
use mosaic_link::icarus::icarus_hex;
use mosaic_link::link::*;
use mosaic_sim::harness;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_hdl::prelude::*;

/// 4 data lanes + 1 spare at OSR 1: 4 link words per 66 clocks.
const P: LinkParams = LinkParams { lanes: 4, spares: 1, osr: 1, marker_period: 16, deskew_depth: 2 };

/// A W-bit word as 64-bit limbs, lowest first.
type Word = Vec<u64>;

fn to_bits<const W: usize>(w: &[u64]) -> Bits<W> {
    let mut b = Bits::<W>::default();
    for (k, limb) in w.iter().enumerate() {
        b.set_bits::<64>(64 * k, (*limb).into());
    }
    b
}

fn limbs<const W: usize>(b: Bits<W>) -> Word {
    (0..W / 64).map(|k| b.get_bits::<64>(64 * k).to_u64()).collect()
}

fn hex(w: &[u64]) -> String {
    w.iter().rev().map(|l| format!("{l:016x}")).collect()
}

fn unhex(s: &str) -> Word {
    assert!(s.len().is_multiple_of(16) && s.chars().all(|c| c.is_ascii_hexdigit()), "undefined or odd output {s:?}");
    (0..s.len() / 16).rev().map(|k| u64::from_str_radix(&s[16 * k..16 * k + 16], 16).unwrap()).collect()
}

fn random_words(rng: &mut ChaCha8Rng, n: usize, chunks: usize) -> Vec<Word> {
    (0..n).map(|_| (0..chunks).map(|_| rng.gen()).collect()).collect()
}

/// Split -> 64-bit channel -> join. The channel moves nothing on a clock
/// when `stall` was high the clock before (registered, so `in_ready`
/// depends on state only); what crosses it and what comes out is
/// registered too, so it reads the same after the clock in both simulators.
#[derive(LogicBlock)]
struct SplitJoin<const W: usize> {
    clock: Signal<In, Clock>,
    reset: Signal<In, Bit>,
    in_data: Signal<In, Bits<W>>,
    in_valid: Signal<In, Bit>,
    in_ready: Signal<Out, Bit>,
    stall: Signal<In, Bit>,
    mid_data: Signal<Out, Bits<64>>,
    mid_valid: Signal<Out, Bit>,
    out_data: Signal<Out, Bits<W>>,
    out_valid: Signal<Out, Bit>,
    splitter: StreamSplit<W>,
    joiner: StreamJoin<W>,
    hold: DFF<Bit>,
    mid_data_r: DFF<Bits<64>>,
    mid_valid_r: DFF<Bit>,
    out_data_r: DFF<Bits<W>>,
    out_valid_r: DFF<Bit>,
    moving: Signal<Local, Bit>,
}

impl<const W: usize> SplitJoin<W> {
    fn new() -> Self {
        Self {
            clock: Default::default(),
            reset: Default::default(),
            in_data: Default::default(),
            in_valid: Default::default(),
            in_ready: Default::default(),
            stall: Default::default(),
            mid_data: Default::default(),
            mid_valid: Default::default(),
            out_data: Default::default(),
            out_valid: Default::default(),
            splitter: StreamSplit::new(),
            joiner: StreamJoin::new(),
            hold: Default::default(),
            mid_data_r: Default::default(),
            mid_valid_r: Default::default(),
            out_data_r: Default::default(),
            out_valid_r: Default::default(),
            moving: Default::default(),
        }
    }
}

impl<const W: usize> Logic for SplitJoin<W> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, hold, mid_data_r, mid_valid_r, out_data_r, out_valid_r);
        self.splitter.clock.next = self.clock.val();
        self.joiner.clock.next = self.clock.val();
        self.splitter.reset.next = self.reset.val();
        self.joiner.reset.next = self.reset.val();
        self.hold.d.next = self.stall.val();
        self.splitter.wide.data.next = self.in_data.val();
        self.splitter.wide.valid.next = self.in_valid.val();
        self.in_ready.next = self.splitter.wide.ready.val();
        self.splitter.narrow.ready.next = !self.hold.q.val();
        self.moving.next = self.splitter.narrow.valid.val() & !self.hold.q.val();
        self.joiner.narrow.data.next = self.splitter.narrow.data.val();
        self.joiner.narrow.valid.next = self.moving.val();
        // A plain channel has no rounds: word boundaries come from reset alone.
        self.joiner.narrow_sof.next = false;
        self.mid_data_r.d.next = self.splitter.narrow.data.val();
        self.mid_valid_r.d.next = self.moving.val();
        self.out_data_r.d.next = self.joiner.wide.data.val();
        self.out_valid_r.d.next = self.joiner.wide.valid.val();
        self.mid_data.next = self.mid_data_r.q.val();
        self.mid_valid.next = self.mid_valid_r.q.val();
        self.out_data.next = self.out_data_r.q.val();
        self.out_valid.next = self.out_valid_r.q.val();
    }
}

/// One clock of the round trip: inputs (reset, data, valid, stall) and the
/// outputs after the clock (in_ready, mid_valid, mid_data, out_valid, out_data).
struct Clock1 {
    inputs: (bool, Word, bool, bool),
    outputs: (bool, bool, u64, bool, Word),
}

/// Runs `n` random words through [SplitJoin] with random source gaps and
/// channel stalls; the source holds each word until it is taken.
fn split_join_run<const W: usize>(seed: u64, n: usize) -> (Vec<Word>, Vec<Clock1>) {
    let chunks = W / 64;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let words = random_words(&mut rng, n, chunks);
    let mut h = harness!(SplitJoin::<W>::new());
    let mut trace = vec![];
    let (mut i, mut offering, mut idle) = (0usize, false, 0u32);
    let mut step = |h: &mut mosaic_sim::harness::Harness<SplitJoin<W>>, inputs: (bool, Word, bool, bool)| {
        let (reset, data, valid, stall) = inputs.clone();
        h.cycle(|u| {
            u.reset.next = reset;
            u.in_data.next = to_bits::<W>(&data);
            u.in_valid.next = valid;
            u.stall.next = stall;
        });
        let u = &h.uut;
        let outputs = (
            u.in_ready.val(),
            u.mid_valid.val(),
            u.mid_data.val().to_u64(),
            u.out_valid.val(),
            limbs::<W>(u.out_data.val()),
        );
        trace.push(Clock1 { inputs, outputs });
    };
    step(&mut h, (true, vec![0; chunks], false, false));
    while i < n || idle < 4 * chunks as u32 {
        if !offering && i < n {
            offering = rng.gen_bool(0.7);
        }
        // Between words the data lines carry junk the blocks must ignore.
        let data = if offering { words[i].clone() } else { (0..chunks).map(|_| rng.gen()).collect() };
        let taken = offering && h.uut.in_ready.val();
        let stall = rng.gen_bool(0.3);
        step(&mut h, (false, data, offering, stall));
        if taken {
            i += 1;
            offering = false;
        }
        if i == n {
            idle += 1;
        }
    }
    (words, trace)
}

/// The round trip delivers every word bit-exact, once, in order, and the
/// channel carries every chunk once, lowest first.
fn check_round_trip<const W: usize>(words: &[Word], trace: &[Clock1]) {
    let chunks: Vec<u64> = words.iter().flatten().copied().collect();
    let mid: Vec<u64> = trace.iter().filter(|c| c.outputs.1).map(|c| c.outputs.2).collect();
    let out: Vec<Word> = trace.iter().filter(|c| c.outputs.3).map(|c| c.outputs.4.clone()).collect();
    assert_eq!(mid, chunks, "W = {W}: chunks on the 64-bit side dropped, duplicated or out of order");
    assert_eq!(out.len(), words.len(), "W = {W}: words dropped or duplicated");
    assert_eq!(out, words, "W = {W}: words not bit-exact or out of order");
    // Back-pressure was exercised: the source waited on `in_ready`, and the
    // channel stalled while a word was half sent.
    let waits = trace.windows(2).filter(|p| p[1].inputs.2 && !p[0].outputs.0).count();
    assert!(waits > words.len() / 4, "W = {W}: the source hardly ever waited ({waits} clocks)");
}

#[test]
fn split_join_round_trip_is_exact_under_random_stalls() {
    fn case<const W: usize>(seed: u64) {
        let (words, trace) = split_join_run::<W>(seed, 300);
        check_round_trip::<W>(&words, &trace);
        eprintln!("W = {W}: {} words in {} clocks", words.len(), trace.len());
    }
    case::<64>(1);
    case::<128>(2);
    case::<192>(3);
    case::<256>(4);
    case::<1024>(5);
}

#[test]
fn split_join_verilog_matches_rust_simulation() {
    fn case<const W: usize>(seed: u64) {
        let (words, trace) = split_join_run::<W>(seed, 120);
        check_round_trip::<W>(&words, &trace);
        let v = verilog_of(&mut SplitJoin::<W>::new());
        let stim: Vec<Vec<String>> = trace
            .iter()
            .map(|c| {
                let (reset, data, valid, stall) = &c.inputs;
                vec![(*reset as u8).to_string(), hex(data), (*valid as u8).to_string(), (*stall as u8).to_string()]
            })
            .collect();
        let inputs = [("reset", 1), ("in_data", W), ("in_valid", 1), ("stall", 1)];
        let outputs = [("in_ready", 1), ("mid_valid", 1), ("mid_data", 64), ("out_valid", 1), ("out_data", W)];
        let ver = icarus_hex(&format!("split_join_{W}"), &v, &inputs, &outputs, &stim, &[]);
        for (t, (c, row)) in trace.iter().zip(&ver).enumerate() {
            let bit = |s: &str| s == "1";
            let got =
                (bit(&row[0]), bit(&row[1]), u64::from_str_radix(&row[2], 16).unwrap(), bit(&row[3]), unhex(&row[4]));
            assert_eq!(
                got, c.outputs,
                "W = {W}, clock {t}: Verilog vs rust-hdl (in_ready, mid_valid, mid_data, out_valid, out_data)"
            );
        }
        verilator_lint(&format!("stream_split_{W}"), &verilog_of(&mut StreamSplit::<W>::new())).unwrap();
        verilator_lint(&format!("stream_join_{W}"), &verilog_of(&mut StreamJoin::<W>::new())).unwrap();
    }
    case::<64>(11);
    case::<256>(12);
}

#[test]
#[should_panic(expected = "StreamSplit: stream width (W) must be a multiple of 64 in 64..=1024, not 96")]
fn split_refuses_a_width_not_a_multiple_of_64() {
    StreamSplit::<96>::new();
}

#[test]
#[should_panic(expected = "StreamJoin: stream width (W) must be a multiple of 64 in 64..=1024, not 1088")]
fn join_refuses_a_width_over_1024() {
    StreamJoin::<1088>::new();
}

/// Offers `words` on the wide core's stream (with random gaps, each word held
/// until taken) for at most `max` clocks; returns the words received.
fn stream<const W: usize>(
    s: &mut LinkSim<LinkCoreWide<W>>,
    rng: &mut ChaCha8Rng,
    words: &[Word],
    max: u64,
) -> Vec<Word> {
    let (mut i, mut offering, mut got) = (0usize, false, vec![]);
    for _ in 0..max {
        if !offering && i < words.len() {
            offering = rng.gen_bool(0.8);
        }
        let taken = offering && s.h.uut.tx_stream.ready.val();
        let data = if offering { to_bits::<W>(&words[i]) } else { Bits::default() };
        s.h.cycle(|u| {
            LinkSim::idle(u);
            u.tx_stream.data.next = data;
            u.tx_stream.valid.next = offering;
        });
        if taken {
            i += 1;
            offering = false;
        }
        if s.h.uut.rx_stream.valid.val() {
            got.push(limbs::<W>(s.h.uut.rx_stream.data.val()));
        }
        if got.len() == words.len() {
            break;
        }
    }
    assert_eq!(i, words.len(), "the link did not take the whole stream");
    got
}

#[test]
fn wide_core_carries_256_bit_words_in_loopback() {
    let mut s = LinkSim::<LinkCoreWide<256>>::wide(P);
    for rx in 0..P.physical_lanes() {
        s.write_reg("EMU_DELAY", rx, (rx as u32 * 13) % 61);
    }
    s.write_reg("CTRL", 0, ctrl(&["loopback"]));
    s.wait_link_up(600).expect("link did not come up");
    let mut rng = ChaCha8Rng::seed_from_u64(21);
    let sent = random_words(&mut rng, 100, 4);
    let got = stream(&mut s, &mut rng, &sent, 12_000);
    assert_eq!(got.len(), sent.len(), "words lost or duplicated");
    assert_eq!(got, sent, "words not bit-exact or out of order");
    // The link counts stream words, not its 64-bit link words (the counter
    // takes the last one a clock after it is out).
    s.run(2);
    s.snapshot();
    assert_eq!(s.read_reg("TX_WORDS", 0), 100);
    assert_eq!(s.read_reg("RX_WORDS", 0), 100);
    assert_eq!(s.read_reg("RX_GAPS", 0), 0, "a gap flagged on a clean link");
}

#[test]
fn wide_core_starts_over_at_a_word_boundary_after_a_link_drop() {
    // 5 lanes: a round carries one 256-bit word (4 link words) and an idle
    // lane, so a round never holds a word's tail and the next word's head.
    let p = LinkParams { lanes: 5, ..P };
    let mut s = LinkSim::<LinkCoreWide<256>>::wide(p);
    s.write_reg("CTRL", 0, ctrl(&["loopback"]));
    s.wait_link_up(600).expect("link did not come up");
    let mut rng = ChaCha8Rng::seed_from_u64(22);
    // Stream back to back and open the loop with link words in flight.
    let first = random_words(&mut rng, 40, 4);
    let (mut i, mut link_words, mut gaps) = (0usize, 0u64, 0u32);
    while !(i >= 10 && link_words % 4 == 2) {
        let taken = s.h.uut.tx_stream.ready.val();
        let data = to_bits::<256>(&first[i]);
        s.h.cycle(|u| {
            LinkSim::idle(u);
            u.tx_stream.data.next = data;
            u.tx_stream.valid.next = true;
        });
        i += taken as usize;
        link_words += s.h.uut.core.rx_stream.valid.val() as u64;
    }
    s.write_reg("CTRL", 0, 0);
    while s.h.uut.leds.val().get_bit(0) {
        s.h.cycle(|u| u.tx_stream.valid.next = false);
        gaps += s.h.uut.rx_gap.val() as u32;
    }
    s.run(2);
    assert!(gaps >= 1, "the drop was not flagged on rx_gap");
    s.snapshot();
    assert!(s.read_reg("RX_GAPS", 0) >= 1, "RX_GAPS did not count the drop");
    s.write_reg("CTRL", 0, ctrl(&["loopback"]));
    s.wait_link_up(600).expect("link did not come back");
    let second = random_words(&mut rng, 30, 4);
    let got = stream(&mut s, &mut rng, &second, 8_000);
    assert_eq!(got, second, "words after the drop misaligned, lost or reordered");
}

#[test]
fn wide_core_refuses_fewer_lanes_than_link_words_per_stream_word() {
    let p = LinkParams { lanes: 3, ..P };
    let e = LinkCoreWide::<256>::try_new(&mosaic_gateware::link::core::CoreConfig::new(p)).err().expect("refused");
    assert_eq!(
        e.to_string(),
        "LinkCoreWide: a 256-bit stream word travels in one gearbox round: it needs N >= W/64 = 4 data lanes, not 3"
    );
    let e = LinkCoreWide::<96>::try_new(&mosaic_gateware::link::core::CoreConfig::new(P)).err().expect("refused");
    assert_eq!(e.to_string(), "LinkCoreWide: stream width (W) must be a multiple of 64 in 64..=1024, not 96");
}

/// Drives a core through a loopback scenario (register writes, link up, a
/// random 64-bit stream with gaps) and records every output each clock.
fn trace_64<C: CorePorts>(
    mut s: LinkSim<C>,
    set_stream: fn(&mut C, u64, bool),
    outputs: fn(&C) -> Vec<u64>,
) -> Vec<Vec<u64>> {
    let mut rng = ChaCha8Rng::seed_from_u64(31);
    let mut trace = vec![];
    s.write_reg("EMU_DELAY", 1, 17);
    s.write_reg("CTRL", 0, ctrl(&["loopback"]));
    for t in 0..12_000u64 {
        let (data, valid) = (rng.gen::<u64>(), rng.gen_bool(0.5));
        s.h.cycle(|u| {
            LinkSim::idle(u);
            set_stream(u, data, valid);
            if t == 11_000 {
                // A register read in the middle of the stream.
                u.reg_addr().next = 0x0u64.into();
                u.reg_read().next = true;
            }
        });
        trace.push(outputs(&s.h.uut));
    }
    trace
}

macro_rules! outputs_of {
    ($t:ty) => {
        (
            (|u: &mut $t, data: u64, valid: bool| {
                u.tx_stream.data.next = data.into();
                u.tx_stream.valid.next = valid;
            }) as fn(&mut $t, u64, bool),
            (|u: &$t| {
                let mut o = vec![
                    u.tx_stream.ready.val() as u64,
                    u.rx_stream.valid.val() as u64,
                    u.rx_stream.data.val().to_u64(),
                    u.leds.val().to_u64(),
                    u.reg_bus.ack.val() as u64,
                    u.reg_bus.rdata.val().to_u64(),
                    u.reg_bus.error.val() as u64,
                ];
                o.extend(u.tx_lines.iter().map(|l| l.val() as u64));
                o
            }) as fn(&$t) -> Vec<u64>,
        )
    };
}

#[test]
fn wide_core_at_64_bits_is_the_link_core_clock_for_clock() {
    let (set, out) = outputs_of!(LinkCore);
    let narrow = trace_64(LinkSim::new(P), set, out);
    let (set, out) = outputs_of!(LinkCoreWide<64>);
    let wide = trace_64(LinkSim::<LinkCoreWide<64>>::wide(P), set, out);
    // Not vacuous: the link came up and carried the stream.
    let up = narrow.iter().position(|o| o[3] & 1 == 1);
    let words = narrow.iter().filter(|o| o[1] == 1).count();
    eprintln!("link up at clock {up:?}, {words} words arrived");
    assert!(words > 50, "too few words arrived");
    for (t, (a, b)) in narrow.iter().zip(&wide).enumerate() {
        assert_eq!(
            a, b,
            "clock {t}: LinkCore vs LinkCoreWide<64> (tx_stream.ready, rx_stream.valid, rx_stream.data, leds, reg_bus.*, tx_lines)"
        );
    }
}

#[test]
fn wide_core_256_passes_verilator_lint_and_yosys() {
    let p = LinkParams { lanes: 4, spares: 1, osr: 1, marker_period: 8, deskew_depth: 2 };
    let v = verilog_of(&mut LinkCoreWide::<256>::new(&mosaic_gateware::link::core::CoreConfig::new(p)));
    assert!(v.contains("[255:0] tx_stream$data"), "no 256-bit tx_stream$data port");
    verilator_lint("link_core_wide_256", &v).unwrap();
    let stats = yosys_synth_ice40("link_core_wide_256", &v).unwrap();
    eprintln!("link core 4+1 lanes, 256-bit stream, on iCE40: {stats:?}");
    assert!(stats.luts > 500, "implausibly small: {stats:?}");
}
