//! The boards mosaic-link builds for, as data: part, package, oscillator,
//! PLL, pins and programmer. `mosaic build` and `mosaic flash` look a board
//! up here by name (like openFPGALoader's `--board`).

pub use mosaic_gateware::boards::{CoreKind, Family};
use thiserror::Error;

/// Which PLL primitive turns the oscillator into the link clock.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum PllKind {
    /// iCE40 with the oscillator on the PLL's own pad.
    Ice40Pad,
    /// iCE40 with the oscillator on another global input.
    Ice40Core,
    /// ECP5 EHXPLLL.
    Ecp5,
}

/// A supported board.
#[derive(Clone, Debug, PartialEq)]
pub struct Board {
    /// Name used on the command line.
    pub name: &'static str,
    /// Human name.
    pub title: &'static str,
    pub family: Family,
    /// Part number as printed on the chip.
    pub part: &'static str,
    /// nextpnr device flag (without dashes): `up5k`, `hx8k`, `85k`.
    pub device: &'static str,
    /// nextpnr package name.
    pub package: &'static str,
    /// Board oscillator.
    pub clock_mhz: f64,
    pub pll: PllKind,
    /// Lane pin pairs on the headers (external loopback with jumper wires).
    pub pin_lanes: usize,
    /// LEDs on the board.
    pub leds: usize,
    /// LED bits that light when driven low.
    pub leds_active_low: u8,
    /// Pin file, relative to the workspace root.
    pub constraints: &'static str,
    /// The pin file's text, built into the binary so that an installed
    /// `mosaic` builds without the source tree.
    pub pins: &'static str,
    /// openFPGALoader `--board` name.
    pub loader_board: &'static str,
    /// iceprog can program it (the iCE40 fallback).
    pub iceprog: bool,
    /// Whether `mosaic flash --sram` can load the FPGA directly.
    pub sram: SramLoad,
    /// The USB-UART the board's bridge is reached through.
    pub uart: UsbUart,
    /// The images `mosaic build` makes when not told otherwise, the default
    /// first, then at most one per other core (`--core` picks it): each the
    /// largest of its core that was placed, routed and met timing here (see
    /// README, Boards).
    pub images: &'static [Image],
}

impl Board {
    /// The image `mosaic build` makes when not told otherwise.
    pub fn default_image(&self) -> Image {
        self.images[0]
    }

    /// The image for `--core`: the board's image of that core, or, where it
    /// has none, the default image's shape with that core.
    pub fn image(&self, core: Option<CoreKind>) -> Image {
        let default = self.default_image();
        match core {
            None => default,
            Some(core) => self.images.iter().copied().find(|i| i.core == core).unwrap_or(Image { core, ..default }),
        }
    }
}

/// Whether a board's programmer can load the FPGA's configuration SRAM.
/// A programmer that cannot still prints success (openFPGALoader and
/// `iceprog -S` report a CDONE failure and exit 0), so this is checked
/// before programming.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum SramLoad {
    Yes,
    /// Never on this board; the reason.
    No(&'static str),
    /// Only after a hardware change (the reason names it); `mosaic flash`
    /// then needs `--board-modified-for-sram`.
    AfterModification(&'static str),
}

/// A USB serial interface: what `mosaic ports` matches a port against.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct UsbUart {
    /// The chip, as people know it.
    pub chip: &'static str,
    pub vid: u16,
    pub pid: u16,
    /// USB interface of the UART (the FT2232H's channel B is interface 1).
    pub interface: u8,
    /// How the board's Linux port usually appears, for the README and `ports`.
    pub usual_port: &'static str,
    /// A word of the USB product string that tells this board from others
    /// with the same chip (lower case).
    pub product_hint: &'static str,
    /// Fastest UART rate the chip carries that the images use (FT2232H and
    /// FT231X: 3 Mbaud, 8N1 = 300 kB/s).
    pub max_baud: u32,
}

/// The UART rates board images use, fastest first; a host that is not told
/// `--baud` tries them in this order on a USB serial port. 3 Mbaud where the
/// link clock divides it within 2%, 2 Mbaud (exact at 40 and 50 MHz) on the
/// others, 115200 for images built before the fast UART.
pub const UART_BAUDS: [u32; 3] = [3_000_000, 2_000_000, 115_200];

impl Board {
    /// The image UART rate at `link_mhz`: the fastest of [UART_BAUDS] the
    /// board's USB UART carries and the link clock divides within 2%.
    pub fn uart_baud(&self, link_mhz: f64) -> u32 {
        let clock_hz = (link_mhz * 1e6).round() as u64;
        UART_BAUDS
            .iter()
            .copied()
            .filter(|&b| b <= self.uart.max_baud)
            .find(|&b| mosaic_gateware::control::uart_tx::divisor_for(clock_hz, b as u64).is_ok())
            .unwrap_or(UART_BAUDS[UART_BAUDS.len() - 1])
    }
}

/// The FT2232H of the iCEBreaker and the Alchitry Cu: channel A (interface
/// 0) is the programmer's SPI/JTAG, channel B (interface 1) the UART.
const FT2232H_B: UsbUart = UsbUart {
    chip: "FT2232H",
    vid: 0x0403,
    pid: 0x6010,
    interface: 1,
    usual_port: "/dev/ttyUSB1",
    product_hint: "",
    max_baud: 3_000_000,
};

/// A core, its lane counts and its clock.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct Image {
    pub core: CoreKind,
    /// N: data lanes.
    pub lanes: usize,
    /// S: spare lanes.
    pub spares: usize,
    /// Clocks per line bit.
    pub osr: usize,
    /// Link clock (the PLL output), MHz.
    pub link_mhz: f64,
}

/// The ULX3S's default full-link image (data + spare lanes). On the
/// time-shared engines 16+2 takes 32.4% of the 85F and routed at 48.26 MHz
/// for 40 (README, Boards); the per-lane link before them took 47% and
/// reached 47.7. Larger images are the work of issue 14 (100 + 5 does not
/// fit yet), and each ECP5 build of this size takes 20+ min here.
const ULX3S_LANES: usize = 16;
const ULX3S_SPARES: usize = 2;

/// Why the Alchitry Cu (V1 and V2) cannot load SRAM.
const CU_NO_SRAM: &str =
    "the Alchitry Cu cannot load SRAM: its FTDI reaches the FPGA only through the SPI flash (Alchitry's own loader greys out \"Program RAM\"); flash it instead";

/// The Alchitry Cu images (V1 and V2 share the FPGA and the oscillator).
const CU_IMAGES: &[Image] = &[
    // 8+1 fits (92.6%) but reached 48.2 MHz at 50 MHz; at 50 MHz a 5+1 on
    // the V2 pins reached 49.75, so 45 MHz (and 3 Mbaud exactly, 45 / 15).
    Image { core: CoreKind::Bert, lanes: 7, spares: 1, osr: 4, link_mhz: 45.0 },
    // No full-link image: the time-shared engines' fixed logic does not fit
    // the HX8K even at one lane (1+0 needs 10.9k of 7680 LCs and 61 of 32
    // block RAMs, the engines' wide lane records; the per-lane link took
    // 98% of the cells at 1+0). `--core link` still builds and says so.
];

/// The Alchitry Cu V1; V2 differs in its pins.
const CU_V1: Board = Board {
    name: "alchitry-cu-v1",
    title: "Alchitry Cu V1 (made by SparkFun)",
    family: Family::Ice40,
    part: "iCE40HX8K-CB132",
    device: "hx8k",
    package: "cb132",
    clock_mhz: 100.0,
    // The oscillator is on P7, the bottom PLL's own pad.
    pll: PllKind::Ice40Pad,
    pin_lanes: 16,
    leds: 8,
    leds_active_low: 0,
    constraints: "constraints/alchitry_cu_v1.pcf",
    pins: include_str!("../../constraints/alchitry_cu_v1.pcf"),
    loader_board: "ice40_generic",
    iceprog: true,
    sram: SramLoad::No(CU_NO_SRAM),
    uart: UsbUart { product_hint: "alchitry cu", ..FT2232H_B },
    images: CU_IMAGES,
};

/// Every board, in `--board` order.
pub const BOARDS: &[Board] = &[
    Board {
        name: "icebreaker",
        title: "1BitSquared iCEBreaker v1.0",
        family: Family::Ice40,
        part: "iCE40UP5K-SG48",
        device: "up5k",
        package: "sg48",
        clock_mhz: 12.0,
        pll: PllKind::Ice40Pad,
        pin_lanes: 8,
        leds: 7,
        leds_active_low: 0b0000_0011,
        constraints: "constraints/icebreaker.pcf",
        pins: include_str!("../../constraints/icebreaker.pcf"),
        loader_board: "ice40_generic",
        iceprog: true,
        sram: SramLoad::AfterModification(
            "a stock iCEBreaker cannot load SRAM: its FTDI reaches the FPGA only through the SPI flash \
             (the schematic: the traces on jumpers J15 and J16 must be cut and J18 removed first)",
        ),
        uart: UsbUart { product_hint: "icebreaker", ..FT2232H_B },
        // The full link needs ~7.3k logic cells for one lane: more than the
        // UP5K's 5280. The BERT image (bridge, shared PRBS transmitter, per
        // lane bit recovery and an emulator lane, ~445 cells a lane, and the
        // time-shared checker) measures the lanes instead, driven by
        // `mosaic bert`: 5 lanes fill 95.5% of the cells (6 do not fit). The
        // slow UP5K fabric closes it at 20.7 MHz at OSR 3, hence an 18 MHz
        // link clock and OSR 3: 6 Mb/s a lane.
        images: &[Image { core: CoreKind::Bert, lanes: 4, spares: 1, osr: 3, link_mhz: 18.0 }],
    },
    CU_V1,
    // The same FPGA, clock, UART and images as V1; its own pins.
    Board {
        name: "alchitry-cu-v2",
        title: "Alchitry Cu V2 (black connectors)",
        constraints: "constraints/alchitry_cu_v2.pcf",
        pins: include_str!("../../constraints/alchitry_cu_v2.pcf"),
        ..CU_V1
    },
    Board {
        name: "ulx3s",
        title: "Radiona ULX3S v3.0 (85F)",
        family: Family::Ecp5,
        part: "LFE5U-85F-6BG381C",
        device: "85k",
        package: "CABGA381",
        clock_mhz: 25.0,
        pll: PllKind::Ecp5,
        pin_lanes: 21,
        leds: 8,
        leds_active_low: 0,
        constraints: "constraints/ulx3s.lpf",
        pins: include_str!("../../constraints/ulx3s.lpf"),
        loader_board: "ulx3s",
        iceprog: false,
        sram: SramLoad::Yes,
        // The FT231X has one interface: the UART (JTAG is bit-banged on it).
        uart: UsbUart {
            chip: "FT231X",
            vid: 0x0403,
            pid: 0x6015,
            interface: 0,
            usual_port: "/dev/ttyUSB0",
            product_hint: "ulx3s",
            max_baud: 3_000_000,
        },
        images: &[
            Image { core: CoreKind::Link, lanes: ULX3S_LANES, spares: ULX3S_SPARES, osr: 4, link_mhz: 40.0 },
            Image { core: CoreKind::Bert, lanes: 98, spares: 2, osr: 4, link_mhz: 40.0 },
        ],
    },
];

/// A board name that is not one of [BOARDS].
#[derive(Debug, Error, PartialEq, Eq)]
pub enum UnknownBoard {
    #[error("unknown board '{0}': use one of {}", names().join(", "))]
    Unknown(String),
    /// A name that fits several revisions with different pins.
    #[error("board '{0}' is ambiguous: use {1}")]
    Ambiguous(String, &'static str),
}

/// Board names, in order.
pub fn names() -> Vec<&'static str> {
    BOARDS.iter().map(|b| b.name).collect()
}

/// Looks a board up by name (case-insensitive; `_` and `-` alike).
pub fn board(name: &str) -> Result<&'static Board, UnknownBoard> {
    let key = name.to_ascii_lowercase().replace('_', "-");
    if key == "alchitry-cu" {
        // V1 and V2 differ in LEDs and every connector pin: a guess would
        // drive the wrong pins on one of them.
        return Err(UnknownBoard::Ambiguous(
            name.to_string(),
            "alchitry-cu-v1 (made by SparkFun) or alchitry-cu-v2 (black connectors): V2 moved LEDs and every connector pin",
        ));
    }
    BOARDS.iter().find(|b| b.name == key).ok_or_else(|| UnknownBoard::Unknown(name.to_string()))
}

#[cfg(test)]
mod tests {

    #[test]
    fn images_talk_at_the_fastest_rate_their_clock_divides() {
        // iCEBreaker 18 MHz / 6 = 3 Mbaud exactly, the Cu's 45 MHz / 15
        // too; the ULX3S's 40 MHz / 13 would be 2.6% fast,
        // so 2 Mbaud (40 / 20 exactly).
        let rate = |name: &str| {
            let b = board(name).unwrap();
            b.uart_baud(b.images[0].link_mhz)
        };
        assert_eq!(rate("icebreaker"), 3_000_000);
        assert_eq!(rate("alchitry-cu-v1"), 3_000_000);
        assert_eq!(rate("alchitry-cu-v2"), 3_000_000);
        assert_eq!(rate("ulx3s"), 2_000_000);
        // A clock that divides neither fast rate falls back to 115200.
        assert_eq!(board("icebreaker").unwrap().uart_baud(17.3), 115_200);
    }

    use super::*;
    use mosaic_gateware::emu::style::EmuStyle;

    #[test]
    fn boards_resolve_by_name() {
        assert_eq!(board("icebreaker").unwrap().part, "iCE40UP5K-SG48");
        assert_eq!(board("Alchitry_Cu_V2").unwrap().device, "hx8k");
        assert_eq!(board("ulx3s").unwrap().family, Family::Ecp5);
        // The ULX3S builds the emulator in LUT RAM, the iCE40 boards in
        // flip-flops (`mosaic build` passes the board's family to the shell).
        for b in BOARDS {
            let want = if b.name == "ulx3s" { EmuStyle::LutRam } else { EmuStyle::Registers };
            assert_eq!(b.family.emu_style(), want, "{}", b.name);
        }
        assert_eq!(
            board("arty").unwrap_err().to_string(),
            "unknown board 'arty': use one of icebreaker, alchitry-cu-v1, alchitry-cu-v2, ulx3s"
        );
        assert_eq!(
            board("alchitry-cu").unwrap_err().to_string(),
            "board 'alchitry-cu' is ambiguous: use alchitry-cu-v1 (made by SparkFun) or alchitry-cu-v2 (black connectors): \
             V2 moved LEDs and every connector pin"
        );
    }

    #[test]
    fn core_picks_the_boards_image_of_that_core() {
        let ulx = board("ulx3s").unwrap();
        assert_eq!(ulx.image(None), ulx.default_image());
        let bert = ulx.image(Some(CoreKind::Bert));
        assert_eq!((bert.lanes + bert.spares, bert.osr, bert.link_mhz), (100, 4, 40.0));
        // No full-link image fits the UP5K: the default's shape, with that core.
        let ice = board("icebreaker").unwrap();
        let link = ice.image(Some(CoreKind::Link));
        assert_eq!(link, Image { core: CoreKind::Link, ..ice.default_image() });
        for b in BOARDS {
            let cores: Vec<_> = b.images.iter().map(|i| i.core).collect();
            assert!(!cores.is_empty() && (1..cores.len()).all(|k| !cores[..k].contains(&cores[k])), "{}", b.name);
        }
    }

    #[test]
    fn pin_files_bind_every_lane_and_led() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        for b in BOARDS {
            let text = std::fs::read_to_string(root.join(b.constraints)).unwrap();
            assert_eq!(text, b.pins, "{}: the built-in pins are the pin file", b.name);
            let bound = |port: &str| match b.family {
                // `set_io [-pullup yes] PORT BALL`: the port is next to last.
                Family::Ice40 => {
                    text.lines().any(|l| l.starts_with("set_io") && l.split_whitespace().rev().nth(1) == Some(port))
                }
                Family::Ecp5 => text.contains(&format!("LOCATE COMP \"{port}\"")),
            };
            for port in ["clk_in", "uart_rx", "uart_tx"] {
                assert!(bound(port), "{}: {port}", b.name);
            }
            for k in 0..b.pin_lanes {
                assert!(bound(&format!("tx_pins[{k}]")) && bound(&format!("rx_pins[{k}]")), "{}: lane {k}", b.name);
            }
            assert!(!bound(&format!("tx_pins[{}]", b.pin_lanes)), "{}: extra lane pins", b.name);
            for k in 0..b.leds {
                assert!(bound(&format!("leds[{k}]")), "{}: led {k}", b.name);
            }
            if b.family == Family::Ecp5 {
                // Configuration clock from flash: 62 MHz, not the 2.4 MHz default.
                assert!(
                    text.lines().any(|l| l.starts_with("SYSCONFIG ") && l.contains(" MCCLK_FREQ=62 ")),
                    "{}",
                    b.name
                );
            }
            // Every lane input has its pull-up: an unwired lane must not float.
            for k in 0..b.pin_lanes {
                let port = format!("rx_pins[{k}]");
                let pulled = match b.family {
                    Family::Ice40 => text
                        .lines()
                        .any(|l| l.starts_with("set_io -pullup yes ") && l.split_whitespace().nth(3) == Some(&port)),
                    Family::Ecp5 => text.contains(&format!("IOBUF PORT \"{port}\" PULLMODE=UP")),
                };
                assert!(pulled, "{}: {port} has no pull-up", b.name);
            }
        }
    }

    /// Ball of `port` in an iCE40 pin file.
    fn ball<'a>(text: &'a str, port: &str) -> &'a str {
        let l =
            text.lines().find(|l| l.starts_with("set_io") && l.split_whitespace().rev().nth(1) == Some(port)).unwrap();
        l.split_whitespace().last().unwrap()
    }

    #[test]
    fn cu_v2_pins_follow_alchitrys_v2_table() {
        let (v1, v2) = (board("alchitry-cu-v1").unwrap().pins, board("alchitry-cu-v2").unwrap().pins);
        // Alchitry's V2 table: LED0..7 = J11 K11 G12 H12 K14 J12 L14 K12; bank A pins 3/4 = C1/H3.
        let leds: Vec<_> = (0..8).map(|k| ball(v2, &format!("leds[{k}]"))).collect();
        assert_eq!(leds, ["J11", "K11", "G12", "H12", "K14", "J12", "L14", "K12"]);
        assert_eq!((ball(v2, "tx_pins[0]"), ball(v2, "rx_pins[0]")), ("C1", "H3"));
        // Same clock and UART, and no lane pin where V1 had it.
        for port in ["clk_in", "uart_rx", "uart_tx"] {
            assert_eq!(ball(v1, port), ball(v2, port), "{port}");
        }
        let ports = (0..16).flat_map(|k| [format!("tx_pins[{k}]"), format!("rx_pins[{k}]")]);
        let moved = ports.filter(|p| ball(v1, p) != ball(v2, p)).count();
        assert_eq!(moved, 30, "lane pins moved from V1 (rx_pins[2] G3 and tx_pins[7] A3 are on both)");
    }
}
