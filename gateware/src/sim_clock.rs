//! One clock cycle of a block stepped directly in rust-hdl's simulation
//! (the fast way to run a unit test), shared by the blocks' tests.

use rust_hdl::prelude::*;

/// Drives `clock` of `uut` low, then high, letting the block settle after each.
pub fn clock_edge<B: Block>(uut: &mut B, clock: fn(&mut B) -> &mut Signal<In, Clock>) {
    clock(uut).next = Clock::from(false);
    simulate(uut, 10);
    clock(uut).next = Clock::from(true);
    simulate(uut, 10);
}
