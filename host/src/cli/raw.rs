//! `mosaic read` / `mosaic write`: raw register access by address or name.

use super::common::{parse_u32, parse_u64, write_json};
use crate::client::Client;
use anyhow::{bail, Context};
use serde_json::json;
use std::io::Write;

/// Read registers by address or name.
#[derive(clap::Args, Debug)]
pub struct ReadArgs {
    /// Word address (decimal or 0x hex), or NAME / NAME[i] from `mosaic regs`.
    pub target: String,
    /// Consecutive words to read.
    #[arg(long, short = 'n', default_value = "1", value_parser = parse_u32)]
    pub count: u32,
}

/// Write registers by address or name.
#[derive(clap::Args, Debug)]
pub struct WriteArgs {
    /// Word address (decimal or 0x hex), or NAME / NAME[i] from `mosaic regs`.
    pub target: String,
    /// Values for consecutive addresses (decimal or 0x hex).
    #[arg(required = true, value_parser = parse_u32)]
    pub values: Vec<u32>,
}

/// Resolves a number, `NAME` or `NAME[i]` to a word address.
pub fn resolve(c: &Client, target: &str) -> anyhow::Result<u16> {
    if target.starts_with(|ch: char| ch.is_ascii_digit()) {
        let v = parse_u64(target).map_err(anyhow::Error::msg)?;
        return u16::try_from(v).ok().with_context(|| format!("{target} is past the last address 0xffff"));
    }
    let (name, index) = match target.split_once('[') {
        Some((n, rest)) => {
            let Some(i) = rest.strip_suffix(']') else { bail!("'{target}' is not NAME[index]") };
            (n, parse_u64(i).map_err(anyhow::Error::msg)? as usize)
        }
        None => (target, 0),
    };
    Ok(c.reg_addr(&name.to_ascii_uppercase(), index)?)
}

fn name_of(c: &Client, addr: u16) -> String {
    match c.map().decode(addr) {
        Some((r, _)) if r.count == 1 => r.name.to_string(),
        Some((r, i)) => format!("{}[{i}]", r.name),
        None => "?".into(),
    }
}

impl ReadArgs {
    pub fn run(&self, c: &mut Client, json: bool, out: &mut dyn Write) -> anyhow::Result<()> {
        let addr = resolve(c, &self.target)?;
        if self.count == 0 {
            bail!("count must be at least 1, not 0");
        }
        let words = c.burst_read(addr, self.count as usize)?;
        let rows: Vec<_> = words.iter().enumerate().map(|(k, v)| (addr + k as u16, *v)).collect();
        if json {
            let j: Vec<_> =
                rows.iter().map(|(a, v)| json!({ "addr": a, "name": name_of(c, *a), "value": v })).collect();
            return write_json(out, &json!(j));
        }
        for (a, v) in rows {
            writeln!(out, "{a:#06x}  {:<22}  {v:#010x}  {v}", name_of(c, a))?;
        }
        Ok(())
    }
}

impl WriteArgs {
    pub fn run(&self, c: &mut Client, json: bool, out: &mut dyn Write) -> anyhow::Result<()> {
        let addr = resolve(c, &self.target)?;
        c.burst_write(addr, &self.values)?;
        if json {
            return write_json(out, &json!({ "addr": addr, "values": self.values }));
        }
        for (k, v) in self.values.iter().enumerate() {
            let a = addr + k as u16;
            writeln!(out, "{a:#06x}  {:<22}  <- {v:#010x}", name_of(c, a))?;
        }
        Ok(())
    }
}
