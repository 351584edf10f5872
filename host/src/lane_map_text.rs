//! `mosaic status --map`: the lanes as the emitter array, one glyph per
//! lane, in plain text (a lab log or a pipe) or coloured on a terminal.

use crate::lane_view::{LaneState, LinkView};
use std::io::{IsTerminal, Write};

/// When to colour the map.
#[derive(clap::ValueEnum, Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum ColourChoice {
    #[default]
    /// When stdout is a terminal and NO_COLOR is not set (no-color.org).
    Auto,
    Always,
    Never,
}

impl ColourChoice {
    pub fn enabled(self) -> bool {
        match self {
            ColourChoice::Always => true,
            ColourChoice::Never => false,
            ColourChoice::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        }
    }
}

/// A glyph in the state's colour (24-bit ANSI: the same RGB as the
/// dashboard and the report), or bare.
fn cell(s: LaneState, colour: bool) -> String {
    if colour {
        let (r, g, b) = s.rgb();
        format!("\x1b[1;38;2;{r};{g};{b}m{}\x1b[0m", s.glyph())
    } else {
        s.glyph().to_string()
    }
}

/// Writes the grid (rows labelled by their first lane) and the legend.
pub fn write_map(v: &LinkView, colour: bool, out: &mut dyn Write) -> anyhow::Result<()> {
    let g = v.grid();
    let states = v.states();
    let n = states.len();
    writeln!(
        out,
        "{n} physical lanes ({} + {} spares) as the emitter array, {} rows x {} columns; row label = its first lane",
        v.params.lanes, v.params.spares, g.rows, g.cols
    )?;
    let label = n.saturating_sub(1).to_string().len();
    for (row, chunk) in states.chunks(g.cols).enumerate() {
        let cells: Vec<String> = chunk.iter().map(|&s| cell(s, colour)).collect();
        writeln!(out, "{:>label$}  {}", row * g.cols, cells.join(" "))?;
    }
    let legend: Vec<String> = LaneState::ALL.iter().map(|&s| format!("{} {}", cell(s, colour), s.label())).collect();
    writeln!(out, "{}", legend.join("  "))?;
    Ok(())
}
