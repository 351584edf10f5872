//! The time-shared TX engine (`TxLanes`: one `TxEngine` + a `BlockSer`
//! per lane) against independent software models: a block plan per
//! physical lane (data words, idles, control words, marker rounds, an
//! unused spare) is served through the engine's word read port as a block
//! RAM would answer it, and every lane's line must equal, bit for bit, the
//! software block encoder's line (sim `BlockEncoder`: sync header,
//! x^58 + x^39 + 1 scrambler) of the blocks planned, with markers built by
//! `link::marker` (the lane's id, the BIP-8 of its period) every M blocks,
//! after the serializers' 66 zero bits. In PRBS mode every lane must send
//! sim's `PrbsModel` sequence. And the RX engine (`RxLanes`) locks on the
//! TX engine's lines, learns every lane id and counts one flipped line bit
//! as exactly 3 BIP errors, nothing else.

use mosaic_gateware::link::engine::tx_lanes::TxLanes;
use mosaic_gateware::link::engine::tx_max_lanes;
use mosaic_gateware::link::marker::{bip_fold, marker_payload};
use mosaic_gateware::params::LinkParams;
use mosaic_gateware::phy::block_format::IDLE_PAYLOAD;
use mosaic_gateware::phy::prbs::PrbsPattern;
use mosaic_gateware::verilog::{verilator_lint, verilog_of, yosys_synth_ecp5, yosys_synth_ice40};
use mosaic_sim::models::prbs::PrbsModel;
use mosaic_sim::models::BlockEncoder;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_hdl::prelude::*;

const OSR: usize = 3;
const M: usize = 8;

fn params(lanes: usize, spares: usize, osr: usize, marker_period: usize) -> LinkParams {
    LinkParams { lanes, spares, osr, marker_period, deskew_depth: 4 }
}

/// A lane's plan for its data rounds, in order.
#[derive(Clone, Copy, Debug)]
enum Plan {
    /// A data word.
    Data(u64),
    /// Nothing dealt: the lane sends an idle block.
    Idle,
    /// An idle dealt as a control word.
    IdleWord,
}

/// The blocks a lane must send: a marker every M blocks (block 0 first)
/// with its id and the BIP-8 of its period, the plan in between.
fn expected_blocks(plan: &[Plan], id: u64, blocks: usize, m: usize) -> Vec<(bool, u64)> {
    let (mut out, mut bip, mut next) = (vec![], 0u8, 0);
    for k in 0..blocks {
        if k % m == 0 {
            out.push((true, marker_payload(id, bip)));
            bip = 0;
            continue;
        }
        let b = match plan[next] {
            Plan::Data(d) => (false, d),
            Plan::Idle | Plan::IdleWord => (true, IDLE_PAYLOAD),
        };
        next += 1;
        bip ^= bip_fold(b.1);
        out.push(b);
    }
    out
}

/// The line bits of per-clock samples taken after each edge, starting
/// with the bit that goes out on clock `first` (its last clock, registered).
fn line_bits(samples: &[bool], osr: usize, first: usize) -> Vec<bool> {
    samples.iter().skip(first + osr / 2).step_by(osr).copied().collect()
}

/// The clock (sampled after its edge) of a lane's first block's bit 0:
/// after the serializer's 66 zero bits.
const FIRST_BLOCK: usize = 66 * OSR + OSR - 1;

struct Run {
    lines: Vec<Vec<bool>>,
    takes: Vec<usize>,
}

/// Runs `TxLanes` for `clocks` clocks on `plans` with lane map `ids`
/// (physical -> logical), answering the word and id reads one clock after
/// their address, as block RAM would; PRBS mode with pattern `prbs` if given.
fn run_mode(p: &LinkParams, ids: &[u64], plans: &[Vec<Plan>], clocks: usize, prbs: Option<PrbsPattern>) -> Run {
    let lanes = p.physical_lanes();
    let mut uut = TxLanes::try_new(p).unwrap();
    uut.connect_all();
    uut.cfg_prbs_enable.next = prbs.is_some();
    uut.cfg_prbs_pattern.next = (prbs.map_or(0, |p| p.code()) as u64).into();
    let step = |uut: &mut TxLanes| {
        mosaic_gateware::sim_clock::cycle(uut, |u| &mut u.clock);
    };
    uut.reset.next = true;
    step(&mut uut);
    uut.reset.next = false;
    let stage_of = |e: Plan| match e {
        Plan::Data(d) => Some((d, false)),
        Plan::Idle => None,
        Plan::IdleWord => Some((IDLE_PAYLOAD, true)),
    };
    let mut next = vec![0usize; lanes];
    let (mut word_lane, mut map_lane) = (0usize, 0usize);
    let mut run = Run { lines: vec![vec![]; lanes], takes: vec![0; lanes] };
    for _ in 0..clocks {
        // The answers to last clock's addresses.
        let w = if word_lane < lanes { stage_of(plans[word_lane][next[word_lane]]) } else { None };
        uut.word.valid.next = w.is_some();
        uut.word.payload.next = w.map_or(0, |s| s.0).into();
        uut.word.ctrl.next = w.is_some_and(|s| s.1);
        uut.map.id.next = ids.get(map_lane).copied().unwrap_or(0xFFF).into();
        uut.clock.next = Clock { clk: false };
        simulate(&mut uut, 1000);
        if uut.word.take.val() {
            next[word_lane] += 1;
            run.takes[word_lane] += 1;
        }
        word_lane = uut.word.lane.val().index();
        map_lane = uut.map.lane.val().index();
        uut.clock.next = Clock { clk: true };
        simulate(&mut uut, 1000);
        assert!(!uut.underrun.val(), "a serializer ran out of blocks");
        for q in 0..lanes {
            run.lines[q].push(uut.lines[q].val());
        }
    }
    run
}

fn run(p: &LinkParams, ids: &[u64], plans: &[Vec<Plan>], clocks: usize) -> Run {
    run_mode(p, ids, plans, clocks, None)
}

fn random_plans(rng: &mut ChaCha8Rng, lanes: usize, unused: &[usize], len: usize) -> Vec<Vec<Plan>> {
    (0..lanes)
        .map(|q| {
            (0..len)
                .map(|_| match rng.gen_range(0..10) {
                    _ if unused.contains(&q) => Plan::Idle,
                    0 => Plan::Idle,
                    1 => Plan::IdleWord,
                    _ => Plan::Data(rng.gen()),
                })
                .collect()
        })
        .collect()
}

#[test]
fn every_lane_sends_the_software_encoders_line_of_its_planned_blocks() {
    // 4 data lanes mapped out of order and one unused spare (id 0xFFF).
    let p = params(4, 1, OSR, M);
    let ids = [2u64, 0, 3, 1, 0xFFF];
    let mut rng = ChaCha8Rng::seed_from_u64(14);
    let plans = random_plans(&mut rng, 5, &[4], 64);
    let blocks = 30;
    // 20 clocks into block 31: its load (at most SLOTS + 3 clocks after
    // boundary 31) is done, block 32's not begun.
    let clocks = FIRST_BLOCK + blocks * 66 * OSR + 20;
    let r = run(&p, &ids, &plans, clocks);
    for q in 0..5 {
        let line = &r.lines[q];
        assert!(line[..FIRST_BLOCK].iter().all(|&b| !b), "lane {q}: zeros before the first block");
        let want = BlockEncoder::new().encode_all(&expected_blocks(&plans[q], ids[q], blocks, M));
        let got = &line_bits(line, OSR, FIRST_BLOCK)[..want.len()];
        let wrong: Vec<usize> = (0..want.len()).filter(|&i| got[i] != want[i]).collect();
        assert!(wrong.is_empty(), "lane {q}: line bits {:?}.. not the planned blocks", &wrong[..wrong.len().min(5)]);
        // One take per data block loaded: blocks 0..=31 are loaded by now,
        // 4 of them markers (0, 8, 16, 24).
        assert_eq!(r.takes[q], blocks + 2 - 4, "lane {q}: takes");
    }
}

#[test]
fn prbs_mode_sends_the_prbs_model_sequence_on_every_lane() {
    let p = params(3, 1, OSR, M);
    let ids = [0u64, 1, 2, 0xFFF];
    let plans = vec![vec![Plan::Data(0x1234); 16]; 4];
    let blocks = 6;
    for pattern in PrbsPattern::ALL {
        let r = run_mode(&p, &ids, &plans, FIRST_BLOCK + blocks * 66 * OSR, Some(pattern));
        // From reset the generator starts on the seed 1 (its zero history
        // seeded), 66 raw bits a block, no sync header.
        let want: Vec<bool> = PrbsModel::with_history(pattern, 1).take(blocks * 66).collect();
        for q in 0..4 {
            let got = line_bits(&r.lines[q], OSR, FIRST_BLOCK);
            assert_eq!(got, want, "{} lane {q}", pattern.name());
        }
    }
}

#[test]
fn max_lanes_at_osr_1_never_underrun_and_send_their_markers() {
    let lanes = tx_max_lanes(1);
    assert_eq!(lanes, 62);
    let p = params(lanes - 2, 2, 1, 8);
    let ids: Vec<u64> = (0..lanes as u64).map(|q| if q < 60 { 59 - q } else { 0xFFF }).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(62);
    let plans = random_plans(&mut rng, lanes, &[60, 61], 24);
    let blocks = 17;
    let r = run(&p, &ids, &plans, (blocks + 2) * 66);
    for q in 0..lanes {
        let want = BlockEncoder::new().encode_all(&expected_blocks(&plans[q], ids[q], blocks, 8));
        let got = line_bits(&r.lines[q], 1, 66);
        assert_eq!(&got[..want.len()], &want[..], "lane {q}");
    }
}

#[test]
fn more_lanes_than_the_schedule_bound_are_refused_with_a_message() {
    assert_eq!(
        TxLanes::try_new(&params(63, 0, 1, 16)).err().unwrap().to_string(),
        "lanes + spares (N + S) must be at most 62 for one TX engine at OSR 1 \
         (a lane needs a block every 66 x OSR clocks), not 63"
    );
    assert_eq!(tx_max_lanes(3), 194);
    assert_eq!(tx_max_lanes(8), 256);
    assert!(TxLanes::try_new(&params(60, 2, 1, 16)).is_ok());
}

#[test]
fn the_rx_engine_locks_on_the_tx_engine_and_counts_one_flipped_bit_as_three_bip_errors() {
    use mosaic_gateware::control::regmap::RegMap;
    use mosaic_gateware::link::engine::rx_lanes::RxLanes;
    let p = params(4, 1, OSR, M);
    let ids = [2u64, 0, 3, 1, 0xFFF];
    let mut rng = ChaCha8Rng::seed_from_u64(58);
    let plans = random_plans(&mut rng, 5, &[4], 128);
    let blocks = 100;
    let mut lines = run(&p, &ids, &plans, (blocks + 2) * 66 * OSR).lines;
    // One line bit of lane 1 flipped: payload bit 20 of block 90 (mid-period,
    // long after lock). The descrambler makes it 3 payload errors in that
    // period, at distinct BIP bits.
    let k = 66 + 90 * 66 + 2 + 20;
    for s in &mut lines[1][OSR * k + OSR - 1..OSR * k + 2 * OSR - 1] {
        *s = !*s;
    }
    let mut rx = RxLanes::try_new(&p).unwrap();
    rx.connect_all();
    let step = |rx: &mut RxLanes| {
        mosaic_gateware::sim_clock::cycle(rx, |u| &mut u.clock);
    };
    rx.reset.next = true;
    step(&mut rx);
    rx.reset.next = false;
    let mut data = vec![vec![]; 5];
    for t in 0..lines[0].len() {
        for (input, line) in rx.lines.iter_mut().zip(&lines) {
            input.next = line[t];
        }
        rx.clock.next = Clock { clk: false };
        simulate(&mut rx, 1000);
        let o = &rx.out;
        if o.valid.val() && o.marker_lock.val() && !o.ctrl.val() {
            data[o.lane.val().index()].push(o.payload.val().to_u64());
        }
        rx.clock.next = Clock { clk: true };
        simulate(&mut rx, 1000);
    }
    rx.snapshot.next = true;
    step(&mut rx);
    rx.snapshot.next = false;
    while rx.busy.val() {
        step(&mut rx);
    }
    let map = RegMap::new(&p);
    let id_lsb = map.field("LANE_STATUS", "logical_id").lsb;
    let mlock_lsb = map.field("LANE_STATUS", "marker_lock").lsb;
    for q in 0..5 {
        rx.read.lane.next = (q as u64).into();
        step(&mut rx);
        let rd = &rx.read;
        let status = rd.status.val().to_u64();
        assert_eq!((status >> mlock_lsb) & 1, 1, "lane {q}: marker lock");
        assert_eq!((status >> id_lsb) & 0xFFF, ids[q], "lane {q}: lane id");
        assert_eq!(rd.sync_errors.val().to_u64(), 0, "lane {q}: sync errors");
        assert_eq!(rd.lock_losses.val().to_u64(), 0, "lane {q}: lock losses");
        assert_eq!(rd.bad_markers.val().to_u64(), 0, "lane {q}: bad markers");
        assert_eq!(rd.bip_errors.val().to_u64(), if q == 1 { 3 } else { 0 }, "lane {q}: BIP errors");
        // The data words delivered once marker-locked (about the last 30
        // blocks: block lock takes 64) are a run of the plan's; lane 1's
        // carry the flip.
        let sent: Vec<u64> =
            plans[q].iter().filter_map(|e| if let Plan::Data(d) = e { Some(*d) } else { None }).collect();
        let got: Vec<u64> = data[q].iter().copied().filter(|_| q != 1).collect();
        if let Some(first) = got.first() {
            let at = sent.iter().position(|d| d == first).expect("a planned word");
            assert_eq!(&sent[at..at + got.len()], &got[..], "lane {q}: data words");
        }
        assert!(q == 1 || q == 4 || got.len() > 15, "lane {q}: only {} words delivered", got.len());
    }
}

#[test]
fn link_tx_synthesizes_at_8_and_16_lanes_with_its_rams_in_block_ram() {
    // LinkTx whole (gearbox, lane map, word stage, TX engine, serializers)
    // at OSR 3; figures in link_tx.rs's module docs.
    use mosaic_gateware::link::link_tx::LinkTx;
    let mut rows = vec![];
    for lanes in [8usize, 16] {
        let name = format!("link_tx_{lanes}");
        let v = verilog_of(&mut LinkTx::new(&params(lanes, 0, OSR, 64), 1));
        verilator_lint(&name, &v).unwrap();
        let ice = yosys_synth_ice40(&name, &v).unwrap();
        let ecp = yosys_synth_ecp5(&name, &v).unwrap();
        println!(
            "LinkTx {lanes} lanes: iCE40 {} LUT4 {} FF {} SB_RAM40_4K; ECP5 {} LUT4 {} FF {} DP16KD {} LUT-RAM",
            ice.luts, ice.ffs, ice.brams, ecp.luts, ecp.ffs, ecp.brams, ecp.lutrams
        );
        // The engine's 114-bit state RAM and the word stage in block RAM,
        // not LUT RAM or flip-flops.
        assert!(ice.brams >= 2 && ecp.brams >= 2, "{lanes} lanes: RAMs not in block RAM: {ice:?} {ecp:?}");
        rows.push((lanes as f64, ice.luts as f64, ecp.luts as f64));
    }
    let (l8, i8_, e8) = rows[0];
    let (l16, i16_, e16) = rows[1];
    let (ice_lane, ecp_lane) = ((i16_ - i8_) / (l16 - l8), (e16 - e8) / (l16 - l8));
    println!(
        "LinkTx per lane: {ice_lane:.0} iCE40 LUT4 (fixed {:.0}), {ecp_lane:.0} ECP5 LUT4 (fixed {:.0})",
        i8_ - ice_lane * l8,
        e8 - ecp_lane * l8
    );
    // Per lane the serializer and the lane map's entries: the per-lane
    // LaneTx + TxFeed it replaced took 288 iCE40 / 434 ECP5 LUT4 a lane.
    assert!(ice_lane < 250.0 && ecp_lane < 250.0, "per-lane LUT4 {ice_lane:.0} iCE40, {ecp_lane:.0} ECP5");
}
