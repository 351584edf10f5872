//! `mosaic lanes map|spare|auto-failover`: which physical lane carries each
//! logical lane, moving a lane onto a spare, automatic failover.

use super::common::{
    check_logical_lane, check_physical_lane, field_value, parse_on_off, parse_u32, parse_u64, write_json, Table,
};
use crate::client::{field_get, Client};
use anyhow::{bail, Context};
use serde_json::json;
use std::io::Write;

/// Lane map, spare lanes and automatic failover.
#[derive(clap::Args, Debug)]
pub struct LanesArgs {
    #[command(subcommand)]
    pub action: LanesAction,
}

#[derive(clap::Subcommand, Debug)]
pub enum LanesAction {
    /// Show (or set) the logical -> physical lane map and where each logical lane is received.
    Map {
        /// Set TX_MAP entries: LOGICAL=PHYSICAL (repeatable).
        #[arg(long = "set", value_name = "LOGICAL=PHYSICAL")]
        set: Vec<String>,
    },
    /// Move a logical lane onto a free spare physical lane.
    Spare {
        /// Logical lane to move.
        #[arg(value_parser = parse_u32)]
        logical: u32,
        /// Physical lane to move it to (default: the first free one).
        #[arg(long, value_parser = parse_u32)]
        to: Option<u32>,
    },
    /// Show or set automatic failover to a spare (on a lost lane, or BIP errors over the threshold).
    AutoFailover {
        /// on or off (omit to show the current setting)
        #[arg(value_parser = parse_on_off)]
        state: Option<bool>,
        /// Markers with a BIP-8 mismatch per window that mark a data lane down (0: BIP never triggers; 0..=255).
        #[arg(long, value_parser = parse_u64)]
        threshold: Option<u64>,
        /// Marker periods per window (1..=65535).
        #[arg(long, value_parser = parse_u64)]
        window: Option<u64>,
    },
}

fn parse_pair(s: &str) -> anyhow::Result<(u32, u32)> {
    let (l, p) = s.split_once('=').with_context(|| format!("'{s}' is not LOGICAL=PHYSICAL"))?;
    let l = parse_u32(l).map_err(anyhow::Error::msg)?;
    let p = parse_u32(p).map_err(anyhow::Error::msg)?;
    Ok((l, p))
}

impl LanesArgs {
    pub fn run(&self, c: &mut Client, json: bool, out: &mut dyn Write) -> anyhow::Result<()> {
        match &self.action {
            LanesAction::Map { set } => {
                for s in set {
                    let (l, p) = parse_pair(s)?;
                    check_logical_lane(c, l as usize)?;
                    check_physical_lane(c, p as usize)?;
                    c.write_reg("TX_MAP", l as usize, p)?;
                }
                show_map(c, json, out)
            }
            LanesAction::Spare { logical, to } => {
                let l = *logical as usize;
                check_logical_lane(c, l)?;
                let map = c.read_all("TX_MAP")?;
                let phys = c.params().physical_lanes();
                let target = match to {
                    Some(p) => {
                        check_physical_lane(c, *p as usize)?;
                        if let Some(other) = map.iter().position(|&x| x == *p).filter(|&o| o != l) {
                            bail!("physical lane {p} already carries logical lane {other}");
                        }
                        *p
                    }
                    None => match (0..phys as u32).find(|p| !map.contains(p)) {
                        Some(p) => p,
                        None => bail!("no free spare lane: all {} spares are in use", c.params().spares),
                    },
                };
                let from = map[l];
                c.write_reg("TX_MAP", l, target)?;
                if json {
                    return write_json(out, &json!({ "logical": l, "from": from, "to": target }));
                }
                writeln!(out, "logical lane {l}: physical {from} -> {target}")?;
                Ok(())
            }
            LanesAction::AutoFailover { state, threshold, window } => {
                // Both checked before either is written.
                let t =
                    threshold.map(|t| field_value(c, "--threshold", "FAILOVER_THRESHOLD", "markers", t)).transpose()?;
                let w = window.map(|w| field_value(c, "--window", "FAILOVER_WINDOW", "periods", w)).transpose()?;
                if let Some(t) = t {
                    c.write_field("FAILOVER_THRESHOLD", 0, "markers", t)?;
                }
                if let Some(w) = w {
                    c.write_field("FAILOVER_WINDOW", 0, "periods", w)?;
                }
                if let Some(s) = state {
                    c.write_field("CTRL", 0, "auto_failover", *s as u32)?;
                }
                let on = c.read_field("CTRL", 0, "auto_failover")? == 1;
                // What the link uses: the fields, not the whole words.
                let t = c.read_field("FAILOVER_THRESHOLD", 0, "markers")?;
                let w = c.read_field("FAILOVER_WINDOW", 0, "periods")?;
                let failovers = {
                    c.snapshot()?;
                    c.read_reg("FAILOVERS", 0)?
                };
                if json {
                    return write_json(
                        out,
                        &json!({ "auto_failover": on, "threshold": t, "window": w, "failovers": failovers }),
                    );
                }
                writeln!(
                    out,
                    "auto-failover {}  threshold {t} BIP errors per {w} marker periods  failovers so far {failovers}",
                    if on { "on" } else { "off" }
                )?;
                Ok(())
            }
        }
    }
}

fn show_map(c: &mut Client, json: bool, out: &mut dyn Write) -> anyhow::Result<()> {
    let p = c.params();
    let tx = c.read_all("TX_MAP")?;
    let status = c.read_all("LANE_STATUS")?;
    let ml = c.field("LANE_STATUS", "marker_lock")?;
    let id = c.field("LANE_STATUS", "logical_id")?;
    // Where each logical lane is received: the physical RX lane whose markers carry its id.
    let rx_of = |l: usize| status.iter().position(|&s| field_get(&ml, s) == 1 && field_get(&id, s) as usize == l);
    let spares: Vec<usize> = (0..p.physical_lanes()).filter(|q| !tx.contains(&(*q as u32))).collect();
    if json {
        let lanes: Vec<_> =
            (0..p.lanes).map(|l| json!({ "logical": l, "tx_physical": tx[l], "rx_physical": rx_of(l) })).collect();
        return write_json(out, &json!({ "lanes": lanes, "free_spares": spares }));
    }
    let mut t = Table::new(&["logical", "tx phys", "rx phys"]);
    for (l, phys) in tx.iter().enumerate() {
        let rx = rx_of(l).map(|q| q.to_string()).unwrap_or_else(|| "-".into());
        t.row(vec![l.to_string(), phys.to_string(), rx]);
    }
    t.write(out)?;
    let s: Vec<String> = spares.iter().map(|q| q.to_string()).collect();
    writeln!(out, "free physical lanes: {}", if s.is_empty() { "none".into() } else { s.join(", ") })?;
    Ok(())
}
