//! The direct simulation harness: clocking, VCD output, non-convergence.

use mosaic_sim::harness;
use mosaic_sim::harness::{Harness, HarnessError};
use rust_hdl::prelude::*;

/// A 16-bit counter with enable.
#[derive(LogicBlock, Default)]
struct Counter {
    clock: Signal<In, Clock>,
    enable: Signal<In, Bit>,
    count: Signal<Out, Bits<16>>,
    counter: DFF<Bits<16>>,
}

impl Logic for Counter {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, counter);
        if self.enable.val() {
            self.counter.d.next = self.counter.q.val() + 1;
        }
        self.count.next = self.counter.q.val();
    }
}

/// An inverter whose output feeds its input through a mux: oscillates when `go`.
#[derive(LogicBlock, Default)]
struct Oscillator {
    clock: Signal<In, Clock>,
    go: Signal<In, Bit>,
    out: Signal<Out, Bit>,
    fed: Signal<Local, Bit>,
}

impl Logic for Oscillator {
    #[hdl_gen]
    fn update(&mut self) {
        self.fed.next = self.out.val();
        self.out.next = false;
        if self.go.val() {
            self.out.next = !self.fed.val();
        }
    }
}

#[test]
fn cycle_applies_inputs_before_the_edge_and_counts() {
    let mut h = harness!(Counter::default());
    assert_eq!(h.cycles(), 0);
    h.cycle(|u| u.enable.next = true);
    assert_eq!(h.uut.count.val(), 1, "the edge of this cycle saw enable");
    h.run(9, |u, i| u.enable.next = i % 3 != 2);
    assert_eq!(h.uut.count.val(), 1 + 6);
    assert_eq!(h.cycles(), 10);
}

#[test]
fn vcd_is_written_under_target() {
    let mut h = harness!(Counter::default()).with_vcd("phy_harness_counter");
    h.run(20, |u, _| u.enable.next = true);
    let path = h.vcd_path().unwrap().clone();
    drop(h);
    assert!(path.starts_with(mosaic_gateware::verilog::target_dir()));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("$enddefinitions"), "{text}");
    assert!(text.contains("count"));
    // 20 cycles, two timestamps each (plus the dump at 0).
    assert!(text.matches('#').count() >= 40, "{}", text.matches('#').count());
}

#[test]
fn logic_loops_are_caught_by_the_checks() {
    let err = Harness::try_new(Oscillator::default(), |u| &mut u.clock).err().expect("rejected");
    let msg = err.to_string();
    assert!(matches!(err, HarnessError::Check { .. }), "{msg}");
    assert!(msg.contains("Oscillator") && msg.contains("LogicLoops"), "{msg}");
}

#[test]
fn non_convergence_is_reported_with_the_cycle() {
    let mut h = Harness::try_new_unchecked(Oscillator::default(), |u| &mut u.clock).unwrap();
    h.try_cycle(|u| u.go.next = false).unwrap();
    let err = h.try_cycle(|u| u.go.next = true).expect_err("oscillates");
    let msg = err.to_string();
    assert!(matches!(err, HarnessError::NoConvergence { cycle: 1, .. }), "{msg}");
    assert!(msg.contains("Oscillator") && msg.contains("failed to converge") && msg.contains("cycle 1"), "{msg}");
}

#[test]
#[should_panic(expected = "failed to converge")]
fn cycle_panics_on_non_convergence() {
    let mut h = Harness::try_new_unchecked(Oscillator::default(), |u| &mut u.clock).unwrap();
    h.cycle(|u| u.go.next = true);
}
