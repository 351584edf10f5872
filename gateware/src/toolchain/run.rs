//! Running a tool: its output logged to a file as it comes, optionally
//! followed line by line, and a one-line summary of its first error when it
//! fails.

use super::{install_hint, ToolError};
use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The log [run_logged] writes for step `name` in `dir`.
pub fn log_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.log"))
}

/// Runs `cmd` in `dir` as step `name`: stdout and stderr go, line by line
/// as they come, to `<dir>/<name>.log` (a 20-minute place and route is
/// followed live with `tail -f`) and to `on_line` (stage detection); with
/// `search_path`, that is the child's PATH. Returns the output (both pipes,
/// in arrival order).
///
/// A program that cannot be started is [ToolError::Missing]; a non-zero
/// exit is [ToolError::Failed] with the [first_error] line (else the last
/// line of output) as its summary and the log's path.
pub fn run_logged(
    name: &str,
    cmd: &mut Command,
    dir: &Path,
    search_path: Option<&OsStr>,
    on_line: &mut dyn FnMut(&str),
) -> Result<String, ToolError> {
    if let Some(p) = search_path {
        cmd.env("PATH", p);
    }
    let log = log_path(dir, name);
    let mut file = std::fs::File::create(&log).map_err(ToolError::io(&log))?;
    let spawned = cmd.current_dir(dir).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn();
    let mut child = match spawned {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let program = Path::new(cmd.get_program()).file_name().unwrap_or_default().to_string_lossy().to_string();
            return Err(ToolError::Missing { install: install_hint(&program), tool: program });
        }
        Err(e) => return Err(ToolError::io(&log)(e)),
    };
    // Both pipes drain into one channel, so neither can fill up and stall the tool.
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let mut readers = vec![];
    let out: Box<dyn std::io::Read + Send> = Box::new(child.stdout.take().expect("piped stdout"));
    let err: Box<dyn std::io::Read + Send> = Box::new(child.stderr.take().expect("piped stderr"));
    for pipe in [out, err] {
        let tx = tx.clone();
        readers.push(std::thread::spawn(move || {
            // Lossy, not `lines()`: a non-UTF-8 byte must not end the log early.
            let mut reader = BufReader::new(pipe);
            let mut buf = vec![];
            while reader.read_until(b'\n', &mut buf).map(|n| n > 0).unwrap_or(false) {
                let line = String::from_utf8_lossy(&buf).trim_end_matches(['\n', '\r']).to_string();
                let _ = tx.send(line);
                buf.clear();
            }
        }));
    }
    drop(tx);
    let mut output = String::new();
    for line in rx {
        let _ = writeln!(file, "{line}");
        on_line(&line);
        output.push_str(&line);
        output.push('\n');
    }
    for r in readers {
        let _ = r.join();
    }
    let status = child.wait().map_err(ToolError::io(&log))?;
    if status.success() {
        return Ok(output);
    }
    let summary = first_error(&output)
        .or_else(|| output.lines().rev().find(|l| !l.trim().is_empty()).map(|l| l.trim().to_string()))
        .unwrap_or_else(|| format!("exit status {}", status.code().map_or("(signal)".into(), |c| c.to_string())));
    Err(ToolError::Failed { tool: name.to_string(), summary, log })
}

/// The first line of `output` that reports an error, trimmed: Verilator's
/// `%Error`, yosys' and nextpnr's `ERROR:`, the C++ compiler's and Icarus'
/// `error:`, and Icarus' bare `syntax error`. Warnings before it, and the
/// `Error 1` make prints after a compiler error, are passed over.
pub fn first_error(output: &str) -> Option<String> {
    output
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("%Error") || l.contains("ERROR") || l.contains("error:") || l.ends_with("syntax error"))
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("mosaic-run-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// Real output of the tools on broken input (see the module docs), and
    /// the line each must be summarized by.
    #[test]
    fn the_first_error_of_real_tool_output() {
        let cases = [
            (include_str!("testdata/yosys_bad.log"), "bad.v:3: ERROR: syntax error, unexpected TOK_ENDMODULE"),
            (
                include_str!("testdata/yosys_badmod.log"),
                "ERROR: Module `\\nosuch' referenced in module `\\top' in cell `\\u' is not part of the design.",
            ),
            (
                include_str!("testdata/verilator_bad.log"),
                "%Error: badmod.v:2:3: Cannot find file containing module: 'nosuch'",
            ),
            (
                include_str!("testdata/verilator_syntax.log"),
                "%Error: bad.v:3:1: syntax error, unexpected endmodule, expecting TYPE-IDENTIFIER",
            ),
            (include_str!("testdata/iverilog_bad.log"), "badmod.v:2: error: Unknown module type: nosuch"),
            (include_str!("testdata/iverilog_syntax.log"), "bad.v:3: syntax error"),
            (
                include_str!("testdata/make_cxx_error.log"),
                "../main.cpp:2:24: error: \u{2018}class Vtop\u{2019} has no member named \u{2018}nosuch\u{2019}",
            ),
            (
                include_str!("testdata/nextpnr_timing_fail.log"),
                "ERROR: Max frequency for clock 'clock$SB_IO_IN_$glb_clk': 99.88 MHz (FAIL at 200.00 MHz)",
            ),
        ];
        for (log, want) in cases {
            assert_eq!(first_error(log).as_deref(), Some(want), "in:\n{log}");
        }
        assert_eq!(first_error("Info: placed\nWarning: unused net\n"), None);
    }

    #[test]
    fn a_run_is_logged_and_followed_line_by_line() {
        let dir = scratch("follow");
        let script = "echo 'Info: placer' >&2; echo 'Info: placed'; echo 'Info: router' >&2";
        let mut seen = vec![];
        let out = run_logged("nextpnr", Command::new("sh").args(["-c", script]), &dir, None, &mut |l| {
            seen.push(l.to_string())
        })
        .unwrap();
        seen.sort();
        assert_eq!(seen, ["Info: placed", "Info: placer", "Info: router"]);
        let log = std::fs::read_to_string(dir.join("nextpnr.log")).unwrap();
        for line in &seen {
            assert!(log.contains(line.as_str()) && out.contains(line.as_str()), "{line} missing:\n{log}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_failed_run_names_its_first_error_and_its_log() {
        let dir = scratch("fail");
        let script = "echo 'Warning: x' >&2; echo 'ERROR: no top' >&2; echo 'ERROR: second' >&2; exit 1";
        // One pipe: the order between stdout and stderr is the scheduler's.
        let e = run_logged("yosys", Command::new("sh").args(["-c", script]), &dir, None, &mut |_| {}).unwrap_err();
        let want = format!("yosys failed: ERROR: no top (full log: {})", dir.join("yosys.log").display());
        assert_eq!(e.to_string(), want);
        // No error line: the last line says most.
        let e = run_logged(
            "pack",
            Command::new("sh").args(["-c", "echo one; echo 'bad header'; exit 3"]),
            &dir,
            None,
            &mut |_| {},
        )
        .unwrap_err();
        assert!(e.to_string().starts_with("pack failed: bad header (full log: "), "{e}");
        let e = run_logged("pack", Command::new("sh").args(["-c", "exit 3"]), &dir, None, &mut |_| {}).unwrap_err();
        assert!(e.to_string().starts_with("pack failed: exit status 3 (full log: "), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_program_that_is_not_installed_gives_the_install_hint() {
        let dir = scratch("missing");
        let e = run_logged("yosys", &mut Command::new("yosys"), &dir, Some(OsStr::new("/nonexistent")), &mut |_| {})
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "`yosys` not found on PATH: install it with `apt-get install -y yosys` (or run `bash .ci/setup.sh`)"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// The tools themselves, on the broken designs of testdata/.
    #[test]
    fn real_tools_fail_with_their_first_error() {
        let dir = scratch("live");
        std::fs::write(dir.join("bad.v"), "module top(input clock, output q);\n  assign q = clock &\nendmodule\n")
            .unwrap();
        let mut yosys = Command::new("yosys");
        yosys.args(["-q", "-p", "read_verilog bad.v; synth_ice40 -top top"]);
        let e = run_logged("yosys", &mut yosys, &dir, None, &mut |_| {}).unwrap_err().to_string();
        assert!(e.starts_with("yosys failed: bad.v:3: ERROR: syntax error"), "{e}");
        let mut lint = Command::new("verilator");
        lint.args(["--lint-only", "--top-module", "top", "bad.v"]).args(super::super::VERILATOR_WAIVERS);
        let e = run_logged("verilator", &mut lint, &dir, None, &mut |_| {}).unwrap_err().to_string();
        assert!(e.starts_with("verilator failed: %Error: bad.v:3:1: syntax error"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
