//! One clock of a rust-hdl simulation, for the tests and benches that step
//! a block by hand (the sim crate's `Harness` adds VCDs and counts).

use rust_hdl::prelude::*;

/// Drives `clock(uut)` low and settles, then high (the rising edge) and
/// settles. Panics if the circuit does not settle in 1000 passes.
pub fn cycle<B: Block>(uut: &mut B, clock: fn(&mut B) -> &mut Signal<In, Clock>) {
    for clk in [false, true] {
        clock(uut).next = Clock { clk };
        assert!(simulate(uut, 1000), "the circuit did not settle (clock {clk})");
    }
}
