//! `mosaic flash` with stand-in programmers on PATH (shell scripts that
//! print what openFPGALoader and iceprog print, as a board with no image
//! would make them): a CDONE failure with exit 0 is an error, `--sram` is
//! refused where the board cannot load SRAM, and the default bitstream is
//! looked for where the user is, not in the source tree.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A fresh folder under the target dir for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = mosaic_gateware::verilog::target_dir().join("flash-tests").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// An executable `name` in `dir` that prints `stdout` and `stderr` and exits 0.
fn fake_programmer(dir: &Path, name: &str, stdout: &str, stderr: &str) {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\nprintf '{stdout}'\nprintf '{stderr}' >&2\nexit 0\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Runs `mosaic flash ARGS` in `cwd` with only `path_dir` on PATH.
fn flash(cwd: &Path, path_dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mosaic"))
        .current_dir(cwd)
        .env("PATH", path_dir)
        .arg("flash")
        .args(args)
        .output()
        .unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code().unwrap_or(-1), text(&out.stdout), text(&out.stderr))
}

#[test]
fn a_cdone_failure_with_exit_0_is_an_error() {
    let dir = scratch("cdone");
    std::fs::write(dir.join("top.bit"), b"bits").unwrap();
    // openFPGALoader: "Wait for CDONE " on stdout, "FAIL" on stderr.
    fake_programmer(&dir, "openFPGALoader", "Loading to CRAM: 100%%\\nWait for CDONE \\n", "\\033[31mFAIL\\033[0m\\n");
    let (code, out, err) = flash(&dir, &dir, &["--board", "ulx3s", "--sram", "--bitstream", "top.bit"]);
    assert_eq!((code, out.as_str()), (1, ""), "{err}");
    assert_eq!(
        err,
        "error: openFPGALoader reported a CDONE failure (\"Wait for CDONE\"): the FPGA did not configure, so nothing is running; \
         check the board and the bitstream\n"
    );
    // The same programmer when the FPGA configured.
    fake_programmer(&dir, "openFPGALoader", "Wait for CDONE \\033[32mDONE\\033[0m\\n", "");
    let (code, out, err) = flash(&dir, &dir, &["--board", "ulx3s", "--bitstream", "top.bit"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "programmed Radiona ULX3S v3.0 (85F) (flash) with top.bit\n");
    // The programmer's output is logged beside the bitstream.
    let log = std::fs::read_to_string(dir.join("openFPGALoader.log")).unwrap();
    assert!(log.contains("Wait for CDONE"), "{log}");
}

#[test]
fn iceprog_cdone_low_is_an_error() {
    let dir = scratch("iceprog");
    std::fs::write(dir.join("top.bin"), b"bits").unwrap();
    // No openFPGALoader on PATH: iceprog is the iCE40 fallback.
    fake_programmer(&dir, "iceprog", "init..\\nprogramming..\\ncdone: low\\nBye.\\n", "");
    let args = ["--board", "icebreaker", "--sram", "--board-modified-for-sram", "--bitstream", "top.bin"];
    let (code, _, err) = flash(&dir, &dir, &args);
    assert_eq!(code, 1);
    assert!(err.starts_with("error: iceprog reported a CDONE failure (\"cdone: low\")"), "{err}");
}

#[test]
fn sram_is_refused_on_boards_that_cannot_load_it() {
    let dir = scratch("sram");
    fake_programmer(&dir, "openFPGALoader", "Wait for CDONE DONE\\n", "");
    let (code, _, err) = flash(&dir, &dir, &["--board", "icebreaker", "--sram", "--dry-run"]);
    assert_eq!(code, 1);
    assert_eq!(
        err,
        "error: --sram refused on icebreaker: a stock iCEBreaker cannot load SRAM: its FTDI reaches the FPGA only through the SPI flash \
         (the schematic: the traces on jumpers J15 and J16 must be cut and J18 removed first); on a board so modified, add \
         --board-modified-for-sram\n"
    );
    for cu in ["alchitry-cu-v1", "alchitry-cu-v2"] {
        let (code, _, err) = flash(&dir, &dir, &["--board", cu, "--sram", "--dry-run"]);
        assert_eq!(code, 1);
        assert!(
            err.starts_with(&format!("error: --sram refused on {cu}: the Alchitry Cu cannot load SRAM"))
                && err.lines().count() == 1,
            "{err}"
        );
    }
    // With the modification declared, the iCEBreaker's SRAM command is made.
    let (code, out, _) =
        flash(&dir, &dir, &["--board", "icebreaker", "--sram", "--board-modified-for-sram", "--dry-run"]);
    assert_eq!(code, 0);
    assert!(out.contains(" -b ice40_generic --write-sram "), "{out}");
}

#[test]
fn the_default_bitstream_is_where_the_user_is() {
    // A folder outside any Cargo workspace: the bitstream is looked for under it.
    let dir = std::env::temp_dir().join(format!("mosaic-flash-cwd-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    fake_programmer(&dir, "openFPGALoader", "", "");
    let (code, out, err) = flash(&dir, &dir, &["--board", "ulx3s", "--dry-run"]);
    assert_eq!(code, 0, "{err}");
    let want = dir.canonicalize().unwrap().join("target/boards/ulx3s/top.bit");
    let printed = out.trim_end().rsplit(' ').next().unwrap();
    assert_eq!(Path::new(printed).canonicalize().unwrap_or(PathBuf::from(printed)), want, "{out}");
    assert!(!out.contains("gateware/.."), "{out}");
    let (code, _, err) = flash(&dir, &dir, &["--board", "ulx3s"]);
    assert_eq!(code, 1);
    assert_eq!(
        err,
        format!(
            "error: no bitstream at {}: run `mosaic build --board ulx3s` here first\n",
            Path::new(printed).display()
        )
    );
    let _ = std::fs::remove_dir_all(&dir);
}
