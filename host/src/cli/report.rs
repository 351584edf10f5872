//! `mosaic report`: one snapshot as a picture (lane heat map + BER bars).

use super::common::{parse_u32, write_json};
use crate::client::Client;
use crate::lane_view::LinkView;
use crate::report;
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;

/// Picture of one snapshot: the lanes as the emitter array and their BER (SVG or PNG, with the same labels).
#[derive(clap::Args, Debug)]
pub struct ReportArgs {
    /// Output file: .svg or .png (both titled and labelled; the PNG's font is built in).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: PathBuf,
    /// Picture width in pixels.
    #[arg(long, default_value_t = report::SIZE.0, value_parser = parse_size)]
    pub width: u32,
    /// Picture height in pixels.
    #[arg(long, default_value_t = report::SIZE.1, value_parser = parse_size)]
    pub height: u32,
}

/// A picture side: big enough for both panels, small enough for a notebook page.
fn parse_size(s: &str) -> Result<u32, String> {
    let v = parse_u32(s)?;
    if !(200..=8000).contains(&v) {
        return Err(format!("picture size must be 200..=8000 pixels, not {v}"));
    }
    Ok(v)
}

impl ReportArgs {
    pub fn run(&self, c: &mut Client, json: bool, out: &mut dyn Write) -> anyhow::Result<()> {
        // Refuse a bad extension before reading the board.
        report::Format::of(&self.out)?;
        let v = LinkView::read(c)?;
        report::write(&v, &self.out, (self.width, self.height))?;
        if json {
            return write_json(
                out,
                &json!({ "out": self.out, "lanes": v.lanes.len(), "width": self.width, "height": self.height }),
            );
        }
        writeln!(out, "wrote {} ({} x {} px): {}", self.out.display(), self.width, self.height, report::title(&v))?;
        Ok(())
    }
}
