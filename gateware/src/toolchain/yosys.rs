//! What yosys `stat` reports after `synth_ice40` or `synth_ecp5`.

/// Resource use of a synthesized (flattened) design, iCE40 or ECP5 cells.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct YosysStats {
    /// LUT4s: `SB_LUT4` (iCE40), `LUT4` (ECP5).
    pub luts: u64,
    /// Flip-flops: every `SB_DFF*` (iCE40), `TRELLIS_FF` (ECP5).
    pub ffs: u64,
    /// Block RAMs: `SB_RAM40_4K` (iCE40), `DP16KD` (ECP5).
    pub brams: u64,
    /// LUT-RAM cells (`TRELLIS_DPR16X4`): a RAM yosys did not put in block RAM.
    pub lutrams: u64,
    /// All cells (carries, muxes and I/O included).
    pub cells: u64,
}

impl YosysStats {
    /// Parses a `stat` report: a `Number of cells:` line, then one
    /// `<cell type> <count>` line per type.
    pub fn parse(stat: &str) -> YosysStats {
        let mut s = YosysStats::default();
        for line in stat.lines() {
            if let Some(n) = line.trim_start().strip_prefix("Number of cells:") {
                s.cells = n.trim().parse().unwrap_or(0);
                continue;
            }
            let mut it = line.split_whitespace();
            let (Some(cell), Some(Ok(n)), None) = (it.next(), it.next().map(str::parse::<u64>), it.next()) else {
                continue;
            };
            match cell {
                "SB_LUT4" | "LUT4" => s.luts += n,
                "SB_RAM40_4K" | "DP16KD" => s.brams += n,
                "TRELLIS_FF" => s.ffs += n,
                "TRELLIS_DPR16X4" => s.lutrams += n,
                c if c.starts_with("SB_DFF") => s.ffs += n,
                _ => {}
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::toolchain::run_logged;
    use std::process::Command;

    /// `testdata/counter_ram.v` (an 8-bit accumulator, a 9-bit address
    /// counter, a 512 x 8 RAM with a registered read), by yosys 0.23.
    #[test]
    fn stat_of_real_ice40_and_ecp5_synthesis() {
        let ice40 = YosysStats::parse(include_str!("testdata/yosys_stat_ice40.txt"));
        assert_eq!(ice40, YosysStats { luts: 31, ffs: 35 + 8, brams: 1, lutrams: 0, cells: 89 });
        let ecp5 = YosysStats::parse(include_str!("testdata/yosys_stat_ecp5.txt"));
        assert_eq!(ecp5, YosysStats { luts: 23, ffs: 43, brams: 1, lutrams: 0, cells: 83 });
    }

    #[test]
    fn other_lines_of_a_report_are_not_counted() {
        let stat = "   Number of wires:  27\n   Number of cells:  5\n     SB_LUT4  2\n     SB_DFFER 3\n   Chip area for module '\\top': 4 5\n";
        assert_eq!(YosysStats::parse(stat), YosysStats { luts: 2, ffs: 3, brams: 0, lutrams: 0, cells: 5 });
    }

    /// The same design through the installed yosys: the parser must keep
    /// up with the tool, not just with the saved report.
    #[test]
    fn stat_of_a_live_ice40_synthesis() {
        let dir = std::env::temp_dir().join(format!("mosaic-yosys-stat-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("top.v"), include_str!("testdata/counter_ram.v")).unwrap();
        let script = "read_verilog top.v; synth_ice40 -top top; tee -q -o stat.txt stat";
        run_logged("yosys", Command::new("yosys").args(["-q", "-p", script]), &dir, None, &mut |_| {}).unwrap();
        let s = YosysStats::parse(&std::fs::read_to_string(dir.join("stat.txt")).unwrap());
        assert_eq!(s.brams, 1, "{s:?}");
        assert!(s.ffs >= 8 + 9 + 8, "at least q, a and s are registers: {s:?}");
        assert!(s.luts > 0 && s.cells >= s.luts + s.ffs + s.brams, "{s:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
