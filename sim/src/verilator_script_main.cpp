// Verilator main of the register-port cores: executes a script file (see
// verilator.rs, which prepends verilator_common.cpp and fills ACK_TIMEOUT).
// Verilator spells rust-hdl's interface ports `reg_bus$addr` as `reg_bus__024addr`.
#include <chrono>

// Clocks a register access may take: the bridge's acknowledge timeout,
// filled in from REG_ACK_TIMEOUT by verilator.rs.
#define ACK_TIMEOUT @ACK_TIMEOUT@

static void idle() {
    top->reg_bus__024read = 0;
    top->reg_bus__024write = 0;
    top->snapshot = 0;
    top->reset = 0;
}
static void fail(const char* what, unsigned a) {
    printf("X %s %u\n", what, a);
    fflush(stdout);
    exit(3);
}

int main(int argc, char** argv) {
    if (argc < 2) { fprintf(stderr, "usage: vtop SCRIPT\n"); return 2; }
    FILE* f = fopen(argv[1], "r");
    if (!f) { fprintf(stderr, "cannot open %s\n", argv[1]); return 2; }
    VerilatedContext* ctx = new VerilatedContext;
    top = new Vtop{ctx};
#ifdef MOSAIC_STREAM
    top->tx_stream__024data = 0;
    top->tx_stream__024valid = 0;
#endif
    top->bridge_dropped = 0;
    idle();
    top->reset = 1; tick();
    top->reset = 1; tick();
    top->reset = 0; tick();
    unsigned long long start = cyc;
    auto t0 = std::chrono::steady_clock::now();
    char op[8];
    while (fscanf(f, "%7s", op) == 1) {
        if (op[0] == 'N') {
            unsigned long long n; if (fscanf(f, "%llu", &n) != 1) return 2;
            idle();
            for (unsigned long long i = 0; i < n; i++) tick();
        } else if (op[0] == 'W' || op[0] == 'R') {
            unsigned a, v = 0;
            if (fscanf(f, "%u", &a) != 1) return 2;
            if (op[0] == 'W' && fscanf(f, "%u", &v) != 1) return 2;
            idle();
            top->reg_bus__024addr = a;
            top->reg_bus__024wdata = v;
            if (op[0] == 'W') top->reg_bus__024write = 1; else top->reg_bus__024read = 1;
            tick();
            idle();
            int k = 0;
            for (; k < ACK_TIMEOUT; k++) {
                if (top->reg_bus__024ack) {
                    if (op[0] == 'R') printf("R %u %u %u\n", a, (unsigned)top->reg_bus__024rdata, (unsigned)top->reg_bus__024error);
                    else if (top->reg_bus__024error) fail("write", a);
                    tick();
                    break;
                }
                tick();
            }
            if (k == ACK_TIMEOUT) fail("noack", a);
        } else if (op[0] == 'S') {
            idle(); top->snapshot = 1; tick(); idle(); tick();
        } else if (op[0] == 'U') {
            unsigned bit, level; unsigned long long max;
            if (fscanf(f, "%u %u %llu", &bit, &level, &max) != 3) return 2;
            idle();
            unsigned long long s = cyc;
            bool ok = false;
            while (cyc - s < max) {
                if (((top->leds >> bit) & 1) == level) { ok = true; break; }
                tick();
            }
            if (!ok) ok = ((top->leds >> bit) & 1) == level;
            if (ok) printf("U %llu\n", cyc - s); else printf("U -\n");
        } else if (op[0] == 'M') {
            printf("M %llu\n", cyc - start);
        } else {
            fprintf(stderr, "bad op %s\n", op); return 2;
        }
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    printf("E %llu %.6f\n", cyc - start, secs);
    top->final();
    delete top;
    delete ctx;
    return 0;
}
