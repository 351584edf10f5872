//! `mosaic info`: the identity registers of the board.

use super::common::write_json;
use crate::client::Client;
use serde_json::json;
use std::io::Write;

/// Board identity: magic, map version, link shape, features.
#[derive(clap::Args, Debug)]
pub struct InfoArgs {}

impl InfoArgs {
    pub fn run(&self, c: &mut Client, json: bool, out: &mut dyn Write) -> anyhow::Result<()> {
        let id = c.identity().cloned().ok_or_else(|| anyhow::anyhow!("board not identified"))?;
        let feat_reg = c.register("FEATURES")?.clone();
        let features: Vec<&str> =
            feat_reg.fields.iter().filter(|f| crate::client::field_get(f, id.features) != 0).map(|f| f.name).collect();
        let p = id.params;
        if json {
            return write_json(out, &json!({ "identity": id, "features": features }));
        }
        writeln!(out, "magic          {:#010x} (MSLK)", id.magic)?;
        writeln!(out, "map version    {}", id.map_version)?;
        writeln!(out, "lanes          {} data + {} spare = {} physical", p.lanes, p.spares, p.physical_lanes())?;
        writeln!(out, "oversampling   {} clocks/bit", p.osr)?;
        writeln!(out, "marker period  {} blocks", p.marker_period)?;
        writeln!(out, "deskew depth   {} blocks", p.deskew_depth)?;
        let clock = if id.clock_hz == 0 { "simulation".to_string() } else { format!("{} Hz", id.clock_hz) };
        writeln!(out, "clock          {clock}")?;
        writeln!(out, "build id       {:#010x}", id.build_id)?;
        let f = if features.is_empty() { "none".to_string() } else { features.join(", ") };
        writeln!(out, "features       {f}")?;
        Ok(())
    }
}
