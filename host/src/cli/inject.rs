//! `mosaic inject`: impairments through the gateware channel emulator (EMU_*).

use super::common::{check_physical_lane, field_value, parse_u32, parse_u64, write_json, Table};
use crate::client::{field_get, Client};
use anyhow::bail;
use serde_json::json;
use std::io::Write;

/// Channel emulator: skew, bit errors, dead lanes, polarity, permutation.
#[derive(clap::Args, Debug)]
pub struct InjectArgs {
    /// Physical lane to impair (needed by every per-lane option).
    #[arg(long, value_parser = parse_u32)]
    pub lane: Option<u32>,
    /// Extra delay on the lane, in line bits (0..=127, the emulator's delay line).
    #[arg(long, value_parser = parse_u64, value_name = "BITS")]
    pub skew: Option<u64>,
    /// Bit error probability on the lane (0..=1; resolution 2^-32).
    #[arg(long, value_name = "PROBABILITY", allow_negative_numbers = true)]
    pub ber: Option<f64>,
    /// Kill the lane (stuck at 0).
    #[arg(long, conflicts_with = "revive")]
    pub kill: bool,
    /// Bring a killed lane back.
    #[arg(long)]
    pub revive: bool,
    /// Invert the lane's polarity.
    #[arg(long, conflicts_with = "uninvert")]
    pub invert: bool,
    /// Restore the lane's polarity.
    #[arg(long)]
    pub uninvert: bool,
    /// Remove every impairment from the lane (delay, errors, stuck, inversion).
    #[arg(long)]
    pub clear: bool,
    /// RX lane i receives TX lane list[i]: a permutation of all physical lanes, comma separated.
    #[arg(long, value_name = "LIST")]
    pub permute: Option<String>,
}

/// `--ber` as EMU_ERROR_RATE units of 2^-32.
pub fn ber_to_rate(ber: f64) -> anyhow::Result<u32> {
    if !(0.0..=1.0).contains(&ber) {
        bail!("ber must be a probability in 0..=1, not {ber}");
    }
    Ok((ber * 4_294_967_296.0).round().min(u32::MAX as f64) as u32)
}

/// Kills (stuck at 0) or revives physical lane `lane` in the emulator; the
/// one code path of `inject --kill/--revive` and `watch`'s k and r keys.
pub fn set_dead(c: &mut Client, lane: usize, dead: bool) -> anyhow::Result<()> {
    c.write_field("EMU_CTRL", lane, "stuck_value", 0)?;
    c.write_field("EMU_CTRL", lane, "stuck", dead as u32)?;
    Ok(())
}

/// Sets the emulator's extra delay of `lane` to `bits` line bits
/// (`inject --skew` and `watch`'s s key).
pub fn set_skew(c: &mut Client, lane: usize, bits: u32) -> anyhow::Result<()> {
    c.write_reg("EMU_DELAY", lane, bits)?;
    Ok(())
}

fn parse_permutation(s: &str, lanes: usize) -> anyhow::Result<Vec<u32>> {
    let v: Vec<u32> = s.split(',').map(|x| parse_u32(x).map_err(anyhow::Error::msg)).collect::<Result<_, _>>()?;
    if v.len() != lanes {
        bail!("permutation must list all {lanes} physical lanes, not {}", v.len());
    }
    let mut seen = vec![false; lanes];
    for &x in &v {
        if x as usize >= lanes {
            bail!("lane {x} does not exist: the board has {lanes} physical lanes (0..={})", lanes - 1);
        }
        if std::mem::replace(&mut seen[x as usize], true) {
            bail!("lane {x} appears twice in the permutation");
        }
    }
    Ok(v)
}

impl InjectArgs {
    fn per_lane(&self) -> bool {
        self.skew.is_some()
            || self.ber.is_some()
            || self.kill
            || self.revive
            || self.invert
            || self.uninvert
            || self.clear
    }

    pub fn run(&self, c: &mut Client, json: bool, out: &mut dyn Write) -> anyhow::Result<()> {
        let phys = c.params().physical_lanes();
        // Check everything before touching the board.
        let perm = self.permute.as_deref().map(|s| parse_permutation(s, phys)).transpose()?;
        let rate = self.ber.map(ber_to_rate).transpose()?;
        let skew = self.skew.map(|s| field_value(c, "--skew", "EMU_DELAY", "bits", s)).transpose()?;
        if self.per_lane() && self.lane.is_none() {
            bail!("--skew, --ber, --kill, --revive, --invert, --uninvert and --clear need --lane");
        }
        if let Some(l) = self.lane {
            check_physical_lane(c, l as usize)?;
        }
        if let Some(p) = &perm {
            // EMU_SOURCE instances are strided: one write each.
            for (i, &x) in p.iter().enumerate() {
                c.write_reg("EMU_SOURCE", i, x)?;
            }
        }
        if let Some(l) = self.lane.map(|l| l as usize) {
            if self.clear {
                c.write_reg("EMU_CTRL", l, 0)?;
                c.write_reg("EMU_DELAY", l, 0)?;
                c.write_reg("EMU_ERROR_RATE", l, 0)?;
            }
            if let Some(s) = skew {
                set_skew(c, l, s)?;
            }
            if let Some(r) = rate {
                c.write_reg("EMU_ERROR_RATE", l, r)?;
            }
            if self.kill || self.revive {
                set_dead(c, l, self.kill)?;
            }
            if self.invert || self.uninvert {
                c.write_field("EMU_CTRL", l, "invert", self.invert as u32)?;
            }
        }
        show(c, self.lane.map(|l| l as usize), json, out)
    }
}

/// Prints the emulator state of one lane, or of every impaired lane.
fn show(c: &mut Client, lane: Option<usize>, json: bool, out: &mut dyn Write) -> anyhow::Result<()> {
    let phys = c.params().physical_lanes();
    let stuck = c.field("EMU_CTRL", "stuck")?;
    let inv = c.field("EMU_CTRL", "invert")?;
    let permutes = c.map().get("EMU_SOURCE").is_some();
    let lanes: Vec<usize> = match lane {
        Some(l) => vec![l],
        None => (0..phys).collect(),
    };
    let mut rows = Vec::new();
    for l in lanes {
        let mut w = c.read_regs(&["EMU_CTRL", "EMU_DELAY", "EMU_ERROR_RATE"], l)?;
        // An image without the permutation (BERT) carries every lane on its own.
        w.push(if permutes { c.read_reg("EMU_SOURCE", l)? } else { l as u32 });
        let impaired = w[0] != 0 || w[1] != 0 || w[2] != 0 || w[3] != l as u32;
        if lane.is_none() && !impaired {
            continue;
        }
        rows.push(json!({
            "lane": l,
            "dead": field_get(&stuck, w[0]) == 1,
            "inverted": field_get(&inv, w[0]) == 1,
            "skew_bits": w[1],
            "ber": w[2] as f64 / 4_294_967_296.0,
            "source": w[3],
        }));
    }
    if json {
        return write_json(out, &json!({ "emulator": rows }));
    }
    if rows.is_empty() {
        writeln!(out, "no lane impaired")?;
        return Ok(());
    }
    let mut t = Table::new(&["lane", "dead", "inverted", "skew bits", "ber", "rx from tx"]);
    for r in rows {
        let yes = |v: &serde_json::Value| if v == true { "yes" } else { "-" }.to_string();
        t.row(vec![
            r["lane"].to_string(),
            yes(&r["dead"]),
            yes(&r["inverted"]),
            r["skew_bits"].to_string(),
            format!("{:.2e}", r["ber"].as_f64().unwrap_or(0.0)),
            r["source"].to_string(),
        ]);
    }
    t.write(out)?;
    Ok(())
}
