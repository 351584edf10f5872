//! The PLL solvers against the vendors' open calculators: for every board
//! image's link clock, `icepll` (iCE40) and `ecppll` (ECP5, the yowasp
//! build) must choose the same dividers as `mosaic build`.

use mosaic_gateware::boards::{ecp5_pll, ice40_pll};
use mosaic_host::boards::{Family, BOARDS};
use mosaic_host::flow::find_tool;
use std::process::Command;

/// The integer after `key` on the first line of `text` that starts with it.
fn field(text: &str, key: &str) -> u32 {
    let line =
        text.lines().map(str::trim).find(|l| l.starts_with(key)).unwrap_or_else(|| panic!("no {key} in:\n{text}"));
    line[key.len()..].split_whitespace().next().unwrap().parse::<f64>().unwrap() as u32
}

fn run(tool: &str, args: &[String]) -> String {
    let path = find_tool(tool, None).unwrap_or_else(|e| panic!("{e}"));
    let out = Command::new(path).args(args).output().unwrap();
    assert!(out.status.success(), "{tool} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn every_image_clock_matches_icepll_and_ecppll() {
    let mut checked = 0;
    for b in BOARDS {
        for image in b.images {
            let (fin, fout) = (b.clock_mhz, image.link_mhz);
            let args = vec!["-i".to_string(), fin.to_string(), "-o".to_string(), fout.to_string()];
            match b.family {
                Family::Ice40 => {
                    let p = ice40_pll(fin, fout).unwrap();
                    let t = run("icepll", &args);
                    let tool = (field(&t, "DIVR:"), field(&t, "DIVF:"), field(&t, "DIVQ:"), field(&t, "FILTER_RANGE:"));
                    let ours = (p.divr as u32, p.divf as u32, p.divq as u32, p.filter_range as u32);
                    assert_eq!(ours, tool, "{} {fin} -> {fout} MHz (DIVR, DIVF, DIVQ, FILTER_RANGE)", b.name);
                    println!("{} {fout} MHz: VCO {} MHz", b.name, fin / (p.divr as f64 + 1.0) * (p.divf as f64 + 1.0));
                }
                Family::Ecp5 => {
                    let p = ecp5_pll(fin, fout).unwrap();
                    let t = run("yowasp-ecppll", &args);
                    let tool =
                        (field(&t, "Refclk divisor:"), field(&t, "Feedback divisor:"), field(&t, "clkout0 divisor:"));
                    let ours = (p.clki_div as u32, p.clkfb_div as u32, p.clkop_div as u32);
                    assert_eq!(ours, tool, "{} {fin} -> {fout} MHz (CLKI_DIV, CLKFB_DIV, CLKOP_DIV)", b.name);
                    let vco = p.fout_mhz * p.clkop_div as f64;
                    assert_eq!(vco, field(&t, "VCO frequency:") as f64, "{}", b.name);
                    println!("{} {fout} MHz: VCO {vco} MHz", b.name);
                }
            }
            checked += 1;
        }
    }
    assert_eq!(checked, BOARDS.iter().map(|b| b.images.len()).sum::<usize>());
}

#[test]
fn the_ci_ulx3s_clock_matches_ecppll_too() {
    // tests/board_build.rs builds the ULX3S link at 50 MHz.
    let p = ecp5_pll(25.0, 50.0).unwrap();
    let t = run("yowasp-ecppll", &["-i".into(), "25".into(), "-o".into(), "50".into()]);
    assert_eq!((p.clki_div, p.clkfb_div, p.clkop_div), (1, 2, 12));
    assert_eq!(p.clkop_div as u32, field(&t, "clkout0 divisor:"));
}
