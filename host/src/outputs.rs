//! Where `mosaic build` writes and `mosaic flash` looks: beside the user,
//! not in the source tree the binary was compiled in (an installed `mosaic`
//! run from another folder wrote into its own build tree before).

use std::path::{Path, PathBuf};

/// The board outputs under `cwd`: `<workspace>/target/boards/<board>` when
/// `cwd` is inside a Cargo workspace (the nearest ancestor whose Cargo.toml
/// has a `[workspace]` table), else `<cwd>/target/boards/<board>`.
pub fn board_dir_in(cwd: &Path, board: &str) -> PathBuf {
    let base = cwd.ancestors().find(|d| is_workspace_root(d)).unwrap_or(cwd);
    base.join("target").join("boards").join(board)
}

/// [board_dir_in] for the current directory.
pub fn board_dir(board: &str) -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    board_dir_in(&cwd, board)
}

fn is_workspace_root(dir: &Path) -> bool {
    std::fs::read_to_string(dir.join("Cargo.toml")).is_ok_and(|t| t.lines().any(|l| l.trim() == "[workspace]"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_go_to_the_users_workspace_or_folder() {
        let tmp = std::env::temp_dir().join(format!("mosaic-outputs-{}", std::process::id()));
        let ws = tmp.join("ws");
        let deep = ws.join("crate").join("src");
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::write(ws.join("Cargo.toml"), "[workspace]\nmembers = [\"crate\"]\n").unwrap();
        std::fs::write(ws.join("crate").join("Cargo.toml"), "[package]\nname = \"c\"\n").unwrap();
        assert_eq!(board_dir_in(&deep, "ulx3s"), ws.join("target/boards/ulx3s"));
        let plain = tmp.join("plain");
        std::fs::create_dir_all(&plain).unwrap();
        assert_eq!(board_dir_in(&plain, "icebreaker"), plain.join("target/boards/icebreaker"));
        let _ = std::fs::remove_dir_all(&tmp);
    }
}
