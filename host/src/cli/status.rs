//! `mosaic status`: link summary and one row per physical lane.

use super::common::{ber_text, write_json, Table};
use crate::client::{field_get, Client};
use serde_json::json;
use std::io::Write;

/// Per-lane table: locks, logical id, skew, error counters, BER.
#[derive(clap::Args, Debug)]
pub struct StatusArgs {}

/// The lane registers shown, in column order.
const LANE_REGS: [&str; 8] = [
    "LANE_STATUS",
    "LANE_SYNC_ERRORS",
    "LANE_LOCK_LOSSES",
    "LANE_PRBS_ERRORS",
    "LANE_BIP_ERRORS",
    "LANE_SKEW",
    "LANE_BITS",
    "LANE_BAD_MARKERS",
];

impl StatusArgs {
    pub fn run(&self, c: &mut Client, json: bool, out: &mut dyn Write) -> anyhow::Result<()> {
        // One snapshot so every counter in the table is from the same clock.
        c.snapshot()?;
        // CTRL..LINK_STATUS is one gap-free run: one burst (a simulated board pays per byte and per frame).
        let head = c.read_regs(&["CTRL", "LINK_STATUS"], 0)?;
        let (ctrl, link) = (head[0], head[1]);
        let uptime = c.read_reg("UPTIME_BLOCKS", 0)? as u64;
        let gaps = c.read_reg("RX_GAPS", 0)?;
        let f = |reg: &str, name: &str| c.field(reg, name);
        let (loopback, bert, auto) = (f("CTRL", "loopback")?, f("CTRL", "bert_enable")?, f("CTRL", "auto_failover")?);
        let (up, found) = (f("LINK_STATUS", "link_up")?, f("LINK_STATUS", "lanes_found")?);
        let st: Vec<_> = ["bit_lock", "block_lock", "marker_lock", "prbs_lock", "inverted", "logical_id"]
            .iter()
            .map(|n| f("LANE_STATUS", n))
            .collect::<Result<_, _>>()?;
        let bert_on = field_get(&bert, ctrl) == 1;
        let p = c.params();
        let mut rows = Vec::new();
        for lane in 0..p.physical_lanes() {
            let w = c.read_regs(&LANE_REGS, lane)?;
            let s = w[0];
            let bit = |i: usize| field_get(&st[i], s) == 1;
            let (prbs, bip, bits) = (w[3] as u64, w[4] as u64, w[6] as u64);
            // BERT counts checked bits; otherwise BIP-8 errors over the line
            // bits of the blocks received (one BIP bit error ~ one line bit error).
            let (errs, denom, source) = if bert_on { (prbs, bits, "prbs") } else { (bip, uptime * 66, "bip") };
            rows.push(json!({
                "lane": lane,
                "bit_lock": bit(0),
                "block_lock": bit(1),
                "marker_lock": bit(2),
                "prbs_lock": bit(3),
                "inverted": bit(4),
                "logical_id": bit(2).then_some(field_get(&st[5], s)),
                "skew_blocks": w[5],
                "sync_errors": w[1],
                "lock_losses": w[2],
                "prbs_errors": w[3],
                "bip_errors": w[4],
                "bits": w[6],
                "bad_markers": w[7],
                "ber": (denom > 0).then(|| errs as f64 / denom as f64),
                "ber_source": source,
                "ber_text": ber_text(errs, denom),
            }));
        }
        let summary = json!({
            "link_up": field_get(&up, link) == 1,
            "lanes_found": field_get(&found, link),
            "lanes": p.lanes,
            "spares": p.spares,
            "loopback": field_get(&loopback, ctrl) == 1,
            "bert": bert_on,
            "auto_failover": field_get(&auto, ctrl) == 1,
            "uptime_blocks": uptime,
            "rx_gaps": gaps,
        });
        if json {
            return write_json(out, &json!({ "link": summary, "lanes": rows }));
        }
        let yn = |b: bool| if b { "on" } else { "off" };
        writeln!(
            out,
            "link {}  lanes found {}/{}  loopback {}  bert {}  auto-failover {}  stream gaps {}",
            if summary["link_up"] == true { "UP" } else { "DOWN" },
            field_get(&found, link),
            p.lanes,
            yn(summary["loopback"] == true),
            yn(bert_on),
            yn(summary["auto_failover"] == true),
            gaps,
        )?;
        let mut t = Table::new(&[
            "lane", "block", "marker", "logical", "skew", "sync err", "lock loss", "bip err", "bad mk", "prbs err", "BER",
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
