//! Serial ports with their USB identity, and the board each probably is,
//! read from Linux sysfs (`/sys/class/tty/*/device` leads to the USB
//! interface and device). `mosaic ports` prints them, so a user need not
//! guess which `/dev/ttyUSB*` is the board's UART.

use crate::boards::{Board, BOARDS};
use serde::Serialize;
use std::path::Path;

/// A USB serial port.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PortInfo {
    /// Device node, e.g. `/dev/ttyUSB1`.
    pub path: String,
    pub vid: u16,
    pub pid: u16,
    /// USB interface number (an FT2232H's channel B is 1).
    pub interface: Option<u8>,
    pub manufacturer: Option<String>,
    pub product: Option<String>,
    pub serial: Option<String>,
    /// Boards whose UART this probably is (several when the USB identity
    /// cannot tell them apart).
    pub boards: Vec<&'static str>,
    /// Boards whose USB chip this is, on another interface than their UART
    /// (an FT2232H's programming channel A).
    pub programmer_of: Vec<&'static str>,
}

fn read(dir: &Path, file: &str) -> Option<String> {
    std::fs::read_to_string(dir.join(file)).ok().map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

fn hex<T: TryFrom<u32>>(s: Option<String>) -> Option<T> {
    u32::from_str_radix(&s?, 16).ok().and_then(|v| T::try_from(v).ok())
}

/// The USB serial ports under `root` (`/` on a live system), sorted by path.
pub fn scan(root: &Path) -> Vec<PortInfo> {
    let Ok(entries) = std::fs::read_dir(root.join("sys/class/tty")) else {
        return vec![];
    };
    let mut ports: Vec<PortInfo> = entries.flatten().filter_map(|e| usb_port(root, &e.path())).collect();
    ports.sort_by(|a, b| a.path.cmp(&b.path));
    ports
}

/// One `/sys/class/tty/NAME` entry, if it is a USB serial port.
fn usb_port(root: &Path, tty: &Path) -> Option<PortInfo> {
    let name = tty.file_name()?.to_str()?.to_string();
    let device = std::fs::canonicalize(tty.join("device")).ok()?;
    let interface = device.ancestors().find(|d| d.join("bInterfaceNumber").is_file());
    let usb = device.ancestors().find(|d| d.join("idVendor").is_file())?;
    let mut p = PortInfo {
        path: root.join("dev").join(&name).display().to_string(),
        vid: hex(read(usb, "idVendor"))?,
        pid: hex(read(usb, "idProduct"))?,
        interface: interface.and_then(|d| hex(read(d, "bInterfaceNumber"))),
        manufacturer: read(usb, "manufacturer"),
        product: read(usb, "product"),
        serial: read(usb, "serial"),
        boards: vec![],
        programmer_of: vec![],
    };
    (p.boards, p.programmer_of) = guess(&p);
    Some(p)
}

/// Boards whose UART `p` is, and boards whose USB chip it is on another
/// interface. The product string narrows boards that share a chip.
fn guess(p: &PortInfo) -> (Vec<&'static str>, Vec<&'static str>) {
    let chip: Vec<&Board> = BOARDS.iter().filter(|b| (b.uart.vid, b.uart.pid) == (p.vid, p.pid)).collect();
    let product = p.product.as_deref().unwrap_or("").to_ascii_lowercase();
    let named: Vec<&Board> = chip.iter().copied().filter(|b| product.contains(b.uart.product_hint)).collect();
    // No product word matched (a blank or custom EEPROM): every board with this chip.
    let candidates = if named.is_empty() { chip } else { named };
    let (uart, other): (Vec<&Board>, Vec<&Board>) =
        candidates.into_iter().partition(|b| Some(b.uart.interface) == p.interface);
    (uart.iter().map(|b| b.name).collect(), other.iter().map(|b| b.name).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn port(vid: u16, pid: u16, interface: u8, product: &str) -> PortInfo {
        let product = (!product.is_empty()).then(|| product.to_string());
        let p = PortInfo {
            path: String::new(),
            vid,
            pid,
            interface: Some(interface),
            manufacturer: None,
            product,
            serial: None,
            boards: vec![],
            programmer_of: vec![],
        };
        PortInfo { boards: guess(&p).0, programmer_of: guess(&p).1, ..p }
    }

    #[test]
    fn the_usb_identity_names_the_board() {
        assert_eq!(port(0x0403, 0x6010, 1, "iCEBreaker V1.0e").boards, ["icebreaker"]);
        assert_eq!(port(0x0403, 0x6010, 0, "iCEBreaker V1.0e").programmer_of, ["icebreaker"]);
        assert_eq!(port(0x0403, 0x6010, 1, "Alchitry Cu").boards, ["alchitry-cu-v1", "alchitry-cu-v2"]);
        // A blank EEPROM: any FT2232H board.
        assert_eq!(port(0x0403, 0x6010, 1, "").boards, ["icebreaker", "alchitry-cu-v1", "alchitry-cu-v2"]);
        assert_eq!(port(0x0403, 0x6015, 0, "ULX3S FPGA 85K v3.0.8").boards, ["ulx3s"]);
        assert!(port(0x10c4, 0xea60, 0, "CP2102").boards.is_empty());
    }
}
