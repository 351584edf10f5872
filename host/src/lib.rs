//! # mosaic-host: host library behind the `mosaic` CLI
//!
//! - [protocol]: codec of the UART bridge frames defined in
//!   `mosaic_gateware::control::protocol` (the one definition of the wire format);
//! - [transport]: byte pipes to a board ([transport::SerialTransport] reaches
//!   a USB-UART and the virtual board's pseudo-terminal alike);
//! - [client]: tagged, retried register access, typed by register name from
//!   the register map, with the identity check on connect;
//! - [tcp_transport] and [serve]: a board behind `mosaic serve` on TCP, one
//!   client at a time (the [greeting] line says who owns it);
//! - [fake_board] and [impair]: a software board on a pty and a damaging
//!   transport, for tests and figures without the gateware;
//! - [lane_view] and [lane_events]: one snapshot of the link and its lanes
//!   (state per lane, the emitter-array grid) and what changed between two;
//!   [lane_map_text], [dashboard] and [report] show them as text, a
//!   terminal dashboard and a picture;
//! - [cli]: the `mosaic` subcommands, each writing to an `impl Write`.

pub mod baud_search;
pub mod client;
pub mod fake_board;
pub mod greeting;
pub mod impair;
pub mod protocol;
pub mod serve;
pub mod tcp_transport;
pub mod transport;

// Boards and the open FPGA flow (engineer "boards").
pub mod boards;
pub mod flow;
pub mod outputs;
pub mod ports;

// The lane snapshot and its views (issue #17: watch, status --map, report).
pub mod dashboard;
pub mod lane_events;
pub mod lane_map_text;
pub mod lane_view;
pub mod report;

pub mod cli;

pub use client::{Client, ClientError, ClientOptions, Identity};
pub use transport::{SerialTransport, Transport};
