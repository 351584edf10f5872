//! Icarus Verilog runner for the register-port cores: the same [Op] script
//! as the Verilator runner ([crate::verilator]) and the rust-hdl harness,
//! executed by a Verilog testbench (Icarus is the simulator under cocotb,
//! where most users simulate a core they integrate), with the same output
//! lines, so the three simulators are compared read for read.
//!
//! The testbench reads the script file with `$fscanf`, clocks like the
//! Verilator main (inputs set, clock low, clock high, outputs read after the
//! edge), and ties every input of `top` it does not drive to zero (the RX
//! pins, an idle stream), so no `x` enters the core.

use crate::verilator::{parse_output, script_text, Op, Outcome};
use mosaic_gateware::control::bridge::REG_ACK_TIMEOUT;
use mosaic_gateware::toolchain::{run_logged, ToolError};
use mosaic_gateware::verilog::{ports, scratch_dir};
use std::fmt::Write as _;
use std::process::Command;
use std::time::Instant;

/// Ports of `top` the testbench connects, and its own signal for each
/// (rust-hdl names an interface's ports `reg_bus$addr` ..); every other
/// input of `top` is tied to 0.
const CONNECTED: [(&str, &str); 11] = [
    ("clock", "clock"),
    ("reset", "reset"),
    ("reg_bus$addr", "reg_addr"),
    ("reg_bus$wdata", "reg_wdata"),
    ("reg_bus$read", "reg_read"),
    ("reg_bus$write", "reg_write"),
    ("snapshot", "snapshot"),
    ("reg_bus$ack", "reg_ack"),
    ("reg_bus$error", "reg_error"),
    ("reg_bus$rdata", "reg_rdata"),
    ("leds", "leds"),
];

fn testbench(verilog: &str) -> String {
    let ports = ports(verilog);
    let mut tb = String::from("`timescale 1ns/1ps\nmodule tb;\n");
    tb += "  reg clock = 0, reset = 0, reg_read = 0, reg_write = 0, snapshot = 0;\n";
    tb += "  reg [15:0] reg_addr = 0;\n  reg [31:0] reg_wdata = 0;\n";
    tb += "  wire reg_ack, reg_error;\n  wire [31:0] reg_rdata;\n  wire [7:0] leds;\n";
    let mut conns = vec![];
    for p in &ports {
        match CONNECTED.iter().find(|(port, _)| *port == p.name) {
            Some((port, local)) => conns.push(format!(".{port}({local})")),
            None if p.dir == "input" => conns.push(format!(".{}({}'d0)", p.name, p.width)),
            None => {}
        }
    }
    writeln!(tb, "  top dut({});", conns.join(", ")).unwrap();
    tb += r#"  integer fd, rc, k, ok, n, i;
  reg [63:0] op;
  reg [31:0] a, v, bit_no, level;
  reg [63:0] cyc, start, s, max;
  task tick; begin clock = 0; #1; clock = 1; #1; cyc = cyc + 1; end endtask
  task idle; begin reg_read = 0; reg_write = 0; snapshot = 0; reset = 0; end endtask
  initial begin
    cyc = 0;
    fd = $fopen("script.txt", "r");
    idle;
    reset = 1; tick; reset = 1; tick; reset = 0; tick;
    start = cyc;
    while ($fscanf(fd, "%s", op) == 1) begin
      if (op == "N") begin
        rc = $fscanf(fd, "%d", n); idle;
        for (i = 0; i < n; i = i + 1) tick;
      end else if (op == "W" || op == "R") begin
        rc = $fscanf(fd, "%d", a); v = 0;
        if (op == "W") rc = $fscanf(fd, "%d", v);
        idle; reg_addr = a; reg_wdata = v;
        if (op == "W") reg_write = 1; else reg_read = 1;
        tick; idle; ok = 0;
        for (k = 0; k < @ACK@ && !ok; k = k + 1) begin
          if (reg_ack) begin
            ok = 1;
            if (op == "R") $display("R %0d %0d %0d", a, reg_rdata, reg_error);
            else if (reg_error) begin $display("X write %0d", a); $finish; end
          end
          tick;
        end
        if (!ok) begin $display("X noack %0d", a); $finish; end
      end else if (op == "S") begin
        idle; snapshot = 1; tick; idle; tick;
      end else if (op == "U") begin
        rc = $fscanf(fd, "%d %d %d", bit_no, level, max); idle;
        s = cyc; ok = 0;
        while (!ok && cyc - s < max) begin
          if (((leds >> bit_no) & 1) == level) ok = 1; else tick;
        end
        if (!ok && ((leds >> bit_no) & 1) == level) ok = 1;
        if (ok) $display("U %0d", cyc - s); else $display("U -");
      end else if (op == "M") begin
        $display("M %0d", cyc - start);
      end
    end
    $display("E %0d 0", cyc - start);
    $finish;
  end
endmodule
"#;
    tb.replace("@ACK@", &REG_ACK_TIMEOUT.to_string())
}

/// Runs `ops` on the core whose Verilog (top module `top`) is `verilog`,
/// in Icarus Verilog; `name` names its scratch folder under `target/`.
pub fn run_icarus(name: &str, verilog: &str, ops: &[Op]) -> Result<Outcome, ToolError> {
    let dir = scratch_dir("icarus", name)?;
    for (file, text) in [("top.v", verilog.to_string()), ("tb.v", testbench(verilog)), ("script.txt", script_text(ops))]
    {
        std::fs::write(dir.join(file), text).map_err(ToolError::io(dir.join(file)))?;
    }
    let mut compile = Command::new("iverilog");
    compile.args(["-o", "sim.vvp", "tb.v", "top.v"]);
    run_logged("iverilog", &mut compile, &dir, None, &mut |_| {})?;
    let t0 = Instant::now();
    let text = run_logged("vvp", Command::new("vvp").args(["-n", "sim.vvp"]), &dir, None, &mut |_| {})?;
    let elapsed = t0.elapsed();
    // vvp prints a `$finish` notice; keep only the script's lines.
    let lines: String = text
        .lines()
        .filter(|l| {
            l.len() > 1 && matches!(l.as_bytes()[0], b'R' | b'U' | b'M' | b'E' | b'X') && l.as_bytes()[1] == b' '
        })
        .map(|l| format!("{l}\n"))
        .collect();
    let failed = |summary: String| ToolError::Failed { tool: "vvp".into(), summary, log: dir.join("vvp.log") };
    if let Some(why) = lines.lines().find(|l| l.starts_with('X')) {
        return Err(failed(why.to_string()));
    }
    let mut o = parse_output(&lines).map_err(failed)?;
    o.elapsed = elapsed;
    Ok(o)
}
