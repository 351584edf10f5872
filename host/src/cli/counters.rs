//! `mosaic counters`: every counter of the map, read from one snapshot.

use super::common::{write_json, Table};
use crate::client::Client;
use serde_json::{json, Map, Value};
use std::io::Write;

/// Every counter (snapshot first); optionally clear them after reading.
#[derive(clap::Args, Debug)]
pub struct CountersArgs {
    /// Clear every counter after reading (counts between the snapshot and the clear are lost).
    #[arg(long)]
    pub clear: bool,
}

impl CountersArgs {
    pub fn run(&self, c: &mut Client, json: bool, out: &mut dyn Write) -> anyhow::Result<()> {
        c.snapshot()?;
        let counters: Vec<_> = c.map().registers.iter().filter(|r| r.counter).cloned().collect();
        let link: Vec<&str> = counters.iter().filter(|r| r.count == 1).map(|r| r.name).collect();
        let lane: Vec<&str> = counters.iter().filter(|r| r.count > 1).map(|r| r.name).collect();
        let link_vals = c.read_regs(&link, 0)?;
        let lanes = counters.iter().filter(|r| r.count > 1).map(|r| r.count as usize).max().unwrap_or(0);
        let mut lane_vals = Vec::with_capacity(lanes);
        for i in 0..lanes {
            lane_vals.push(c.read_regs(&lane, i)?);
        }
        if self.clear {
            c.write_reg("CLEAR", 0, 1)?;
        }
        if json {
            let l: Map<String, Value> = link.iter().zip(&link_vals).map(|(n, v)| (n.to_string(), json!(v))).collect();
            let per_lane: Vec<Value> = lane_vals
                .iter()
                .enumerate()
                .map(|(i, vals)| {
                    let mut m: Map<String, Value> =
                        lane.iter().zip(vals).map(|(n, v)| (n.to_string(), json!(v))).collect();
                    m.insert("lane".into(), json!(i));
                    Value::Object(m)
                })
                .collect();
            return write_json(out, &json!({ "link": l, "lanes": per_lane, "cleared": self.clear }));
        }
        let w = link.iter().map(|n| n.len()).max().unwrap_or(0);
        for (n, v) in link.iter().zip(&link_vals) {
            writeln!(out, "{n:<w$}  {v}")?;
        }
        writeln!(out)?;
        let mut head = vec!["lane"];
        let short: Vec<String> = lane.iter().map(|n| n.trim_start_matches("LANE_").to_lowercase()).collect();
        head.extend(short.iter().map(|s| s.as_str()));
        let mut t = Table::new(&head);
        for (i, vals) in lane_vals.iter().enumerate() {
            let mut row = vec![i.to_string()];
            row.extend(vals.iter().map(|v| v.to_string()));
            t.row(row);
        }
        t.write(out)?;
        if self.clear {
            writeln!(out, "counters cleared")?;
        }
        Ok(())
    }
}
