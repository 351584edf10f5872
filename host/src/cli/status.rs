//! `mosaic status`: link summary and one row per physical lane.

use super::common::{ber_text, write_json, Table};
use crate::client::Client;
use crate::lane_map_text::{write_map, ColourChoice};
use crate::lane_view::LinkView;
use serde_json::json;
use std::io::Write;

/// Per-lane table: locks, logical id, skew, error counters, BER.
#[derive(clap::Args, Debug, Default)]
pub struct StatusArgs {
    /// The lanes as the emitter array: a near-square grid of one glyph per lane.
    #[arg(long)]
    pub map: bool,
    /// Colour the map: auto (when stdout is a terminal and NO_COLOR is unset), always, never.
    #[arg(long, value_enum, default_value_t = ColourChoice::Auto, value_name = "WHEN")]
    pub colour: ColourChoice,
}

impl StatusArgs {
    pub fn run(&self, c: &mut Client, json: bool, out: &mut dyn Write) -> anyhow::Result<()> {
        let v = LinkView::read(c)?;
        let p = v.params;
        let bert_on = v.bert;
        let mut rows = Vec::new();
        for l in &v.lanes {
            let (errs, denom, source) = l.ber_counts(&v);
            rows.push(json!({
                "lane": l.lane,
                "bit_lock": l.bit_lock,
                "block_lock": l.block_lock,
                "marker_lock": l.marker_lock,
                "prbs_lock": l.prbs_lock,
                "inverted": l.inverted,
                "logical_id": l.logical_id,
                "skew_blocks": l.skew_blocks,
                "sync_errors": l.sync_errors,
                "lock_losses": l.lock_losses,
                "prbs_errors": l.prbs_errors,
                "bip_errors": l.bip_errors,
                "bits": l.bits,
                "bad_markers": l.bad_markers,
                "ber": l.ber(&v),
                "ber_source": source,
                "ber_text": ber_text(errs, denom),
                "state": l.state(&v).name(),
            }));
        }
        let summary = json!({
            "link_up": v.link_up,
            "lanes_found": v.lanes_found,
            "lanes": p.lanes,
            "spares": p.spares,
            "loopback": v.loopback,
            "bert": bert_on,
            "auto_failover": v.auto_failover,
            "uptime_blocks": v.uptime_blocks,
            "rx_gaps": v.rx_gaps,
            "grid": { "rows": v.grid().rows, "cols": v.grid().cols },
        });
        if json {
            return write_json(out, &json!({ "link": summary, "lanes": rows }));
        }
        let yn = |b: bool| if b { "on" } else { "off" };
        writeln!(
            out,
            "link {}  lanes found {}/{}  loopback {}  bert {}  auto-failover {}  stream gaps {}",
            if summary["link_up"] == true { "UP" } else { "DOWN" },
            v.lanes_found,
            p.lanes,
            yn(v.loopback),
            yn(bert_on),
            yn(v.auto_failover),
            v.rx_gaps,
        )?;
        if self.map {
            return write_map(&v, self.colour.enabled(), out);
        }
        let mut t = Table::new(&[
            "lane",
            "block",
            "marker",
            "logical",
            "skew",
            "sync err",
            "lock loss",
            "bip err",
            "bad mk",
            "prbs err",
            "BER",
        ]);
        let mark = |b: &serde_json::Value| if b == true { "yes" } else { "-" }.to_string();
        for r in &rows {
            t.row(vec![
                r["lane"].to_string(),
                mark(&r["block_lock"]),
                mark(&r["marker_lock"]),
                // An id past N is a spare sending idle markers.
                match r["logical_id"].as_u64() {
                    Some(v) if v < p.lanes as u64 => v.to_string(),
                    Some(_) => "spare".into(),
                    None => "-".into(),
                },
                r["skew_blocks"].to_string(),
                r["sync_errors"].to_string(),
                r["lock_losses"].to_string(),
                r["bip_errors"].to_string(),
                r["bad_markers"].to_string(),
                r["prbs_errors"].to_string(),
                r["ber_text"].as_str().unwrap_or("-").to_string(),
            ]);
        }
        t.write(out)?;
        writeln!(out, "BER from {} errors; counters from one snapshot", if bert_on { "PRBS" } else { "BIP-8" })?;
        Ok(())
    }
}
