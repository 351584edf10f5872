//! # mosaic-sim: software models, channel model, simulation harness, virtual board
//!
//! The software models here are written independently of the gateware (they
//! share only the polynomial tables), so tests that compare the two catch
//! mistakes in either.

pub mod channel;
pub mod harness;
pub mod models;
pub mod reg_ports;

// UART line and bridge protocol models, virtual board (issue: bridge).
pub mod bridge_model;
pub mod uart_line;
pub mod virtual_board;

// Verilator runner of the link core (issue: link-perf).
pub mod verilator;
// Icarus Verilog runner of the same scripts (issue: link integrity).
pub mod icarus;
// The virtual board in Verilator (issue: interactive virtual board).
pub mod verilator_board;
