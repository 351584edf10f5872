// Verilator main of a virtual board's top (uart_rx/uart_tx, tx_lines/rx_lines,
// leds): the host's serial line is simulated here, 8N1 at DIVISOR clocks per
// bit, so a batch of clocks needs one exchange with the Rust side.
//
// Protocol on stdin/stdout, one line per message:
//   in:  "B <hex bytes>"  queue bytes for the board's uart_rx (at any time,
//                         also while a batch runs: stdin is polled every
//                         POLL clocks, so a request need not wait for the
//                         batch to end)
//        "R <n>"          run up to n clocks
//        "Q"              quit
//   out: after each R: "O <cycles> <busy 0|1> <hex bytes from uart_tx, or ->"
// A batch ends early once a reply is complete: the board has sent bytes in
// it and both lines have been idle for QUIET clocks since, so the reply
// reaches the host without waiting out the batch. That lets the Rust side
// ask for long batches (few exchanges a transaction, not one a byte).
// Filled in by sim/src/verilator_board.rs: the UART divisor and the pin
// loop (tx_lines -> rx_lines, the loopback cable, one clock late).
#include "Vtop___024root.h"
#include <cstring>
#include <deque>
#include <poll.h>
#include <string>
#include <unistd.h>

static const unsigned DIVISOR = @DIVISOR@;
// Two byte times of silence after the board's last byte end a reply.
static const unsigned QUIET = 20 * DIVISOR;
// Clocks between two looks at stdin during a batch.
static const unsigned POLL = 64;

// Host -> board: bytes back to back, LSB first, like sim/src/uart_line.rs.
struct Sender {
    std::deque<unsigned char> queue;
    unsigned frame = 0, bit = 0, clk = 0;
    bool busy = false;
    bool idle() const { return !busy && queue.empty(); }
    bool next() {
        if (!busy) {
            if (queue.empty()) return true;
            frame = (1u << 9) | ((unsigned)queue.front() << 1);
            queue.pop_front();
            bit = 0; clk = 0; busy = true;
        }
        bool level = (frame >> bit) & 1;
        if (++clk == DIVISOR) { clk = 0; if (++bit == 10) busy = false; }
        return level;
    }
};

// Board -> host: samples mid-bit; a low stop bit drops the byte.
struct Receiver {
    enum { IDLE, START, DATA, STOP, WAIT_HIGH } state = IDLE;
    unsigned countdown = 0, bits = 0;
    unsigned char shift = 0;
    bool idle() const { return state == IDLE; }
    int sample(bool level) {
        switch (state) {
        case IDLE: if (!level) { state = START; countdown = DIVISOR / 2; } break;
        case WAIT_HIGH: if (level) state = IDLE; break;
        default:
            if (countdown > 0) { countdown--; break; }
            countdown = DIVISOR - 1;
            if (state == START) {
                if (level) state = IDLE; else { state = DATA; bits = 0; shift = 0; }
            } else if (state == DATA) {
                shift = (unsigned char)((shift >> 1) | (level ? 0x80 : 0));
                if (++bits == 8) state = STOP;
            } else {
                state = level ? IDLE : WAIT_HIGH;
                if (level) return shift;
            }
        }
        return -1;
    }
};

// One eval per clock where the model allows it (tick() has two). Verilator 5
// finds a rising edge by comparing `clock` with its copy from the previous
// eval (`__Vtrigrprev__TOP__clock`), so the low-phase eval is only there to
// store a 0 in that copy; its work, the input-combinational region, is done
// again by the high-phase eval, which starts with it. The board tops have
// no negedge logic (rust-hdl clocks every register on posedge), so setting
// the copy low and the clock high gives the same edge in one eval: at 100 +
// 5 lanes it saves ~20% of a clock. A model without that member (another
// Verilator version) falls back to tick(), chosen at compile time.
template <typename R>
static auto fast_tick_on(R* r, int) -> decltype(r->__Vtrigrprev__TOP__clock, void()) {
    top->clock = 1;
    r->__Vtrigrprev__TOP__clock = 0;
    top->eval();
    cyc++;
}
template <typename R>
static void fast_tick_on(R*, long) { tick(); }
static void fast_tick() { fast_tick_on(top->rootp, 0); }

static void loop_pins() {
@LOOP_PINS@
}

// stdin as lines, read with read(2) so that poll(2) sees what is pending
// (stdio's buffer would hide it).
struct Lines {
    std::string buf;
    bool eof = false;
    // The next whole line (without its newline), waiting for one if `block`.
    bool next(std::string& line, bool block) {
        for (;;) {
            size_t nl = buf.find('\n');
            if (nl != std::string::npos) {
                line.assign(buf, 0, nl);
                buf.erase(0, nl + 1);
                return true;
            }
            if (eof) return false;
            if (!block) {
                struct pollfd p = {0, POLLIN, 0};
                if (poll(&p, 1, 0) <= 0) return false;
            }
            char chunk[1 << 16];
            ssize_t n = read(0, chunk, sizeof chunk);
            if (n <= 0) { eof = true; return false; }
            buf.append(chunk, (size_t)n);
        }
    }
};

static void queue_bytes(Sender& tx, const std::string& line) {
    for (size_t i = 2; i + 1 < line.size(); i += 2) {
        char h[3] = {line[i], line[i + 1], 0};
        tx.queue.push_back((unsigned char)strtoul(h, nullptr, 16));
    }
}

int main(int argc, char** argv) {
    VerilatedContext* ctx = new VerilatedContext;
    top = new Vtop{ctx};
    Sender tx;
    Receiver rx;
    top->uart_rx = 1;
    for (int i = 0; i < 4; i++) { top->reset = 1; tick(); }
    top->reset = 0;
    Lines in;
    std::string line, out;
    bool quit = false;
    while (!quit && in.next(line, true)) {
        if (line[0] == 'Q') break;
        if (line[0] == 'B') {
            queue_bytes(tx, line);
        } else if (line[0] == 'R') {
            unsigned long long n = strtoull(line.c_str() + 2, nullptr, 10);
            out.clear();
            unsigned quiet = 0;
            for (unsigned long long i = 0; i < n; i++) {
                if (i % POLL == POLL - 1) {
                    while (in.next(line, false)) {
                        if (line[0] == 'B') queue_bytes(tx, line);
                        else if (line[0] == 'Q') quit = true;
                    }
                    if (quit) break;
                }
                top->uart_rx = tx.next();
                fast_tick();
                loop_pins();
                int b = rx.sample(top->uart_tx);
                if (b >= 0) { char h[3]; snprintf(h, sizeof h, "%02x", b); out += h; }
                quiet = (tx.idle() && rx.idle() && top->uart_tx) ? quiet + 1 : 0;
                if (!out.empty() && quiet >= QUIET) break;
            }
            bool busy = !tx.idle() || !rx.idle();
            printf("O %llu %d %s\n", cyc, busy ? 1 : 0, out.empty() ? "-" : out.c_str());
            fflush(stdout);
        }
    }
    top->final();
    delete top;
    delete ctx;
    return 0;
}
