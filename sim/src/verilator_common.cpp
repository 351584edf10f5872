// Shared by mosaic-sim's Verilator mains (prepended by the Rust side).
#include "Vtop.h"
#include "verilated.h"
#include <cstdio>
#include <cstdlib>

static Vtop* top;
static unsigned long long cyc = 0;

// Same clocking as the rust-hdl direct harness: inputs are set, then the
// clock goes low and settles, then high and settles.
static void tick() {
    top->clock = 0;
    top->eval();
    top->clock = 1;
    top->eval();
    cyc++;
}
