//! The control plane: the register map ([regmap], written once as data),
//! the UART bridge that speaks [protocol] to the host, and the register
//! port ([reg_port]) every core answers on; [host_port] is the UART +
//! bridge block every board top carries.

pub mod bridge;
pub mod bridge_bus;
pub mod bridge_exec;
pub mod bridge_parse;
pub mod bridge_respond;
pub mod config_reg;
pub mod crc16;
pub mod ctrl_fields;
pub mod host_port;
pub mod map_decode;
pub mod protocol;
pub mod reg_bus;
pub mod reg_port;
pub mod regmap;
pub mod uart_rx;
pub mod uart_tx;
