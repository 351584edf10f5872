//! `mosaic regs`: register map documentation generated from the map itself.

use super::common::{parse_u32, write_json};
use mosaic_gateware::control::regmap::{Access, RegMap, Register};
use mosaic_gateware::params::LinkParams;
use std::io::Write;

#[derive(clap::ValueEnum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum RegsFormat {
    Md,
    Json,
}

/// Register map documentation (no board needed).
#[derive(clap::Args, Debug)]
pub struct RegsArgs {
    /// Output format (--json is the same as --format json).
    #[arg(long, value_enum, default_value = "md")]
    pub format: RegsFormat,
    /// Data lanes N of the link shape documented.
    #[arg(long, value_parser = parse_u32, default_value_t = LinkParams::DEFAULT.lanes as u32)]
    pub lanes: u32,
    /// Spare lanes S of the link shape documented.
    #[arg(long, value_parser = parse_u32, default_value_t = LinkParams::DEFAULT.spares as u32)]
    pub spares: u32,
}

fn access(a: Access) -> &'static str {
    match a {
        Access::Ro => "ro",
        Access::Rw => "rw",
        Access::Wo => "wo",
    }
}

fn bits(lsb: u32, width: u32) -> String {
    if width == 1 {
        lsb.to_string()
    } else {
        format!("{}:{}", lsb + width - 1, lsb)
    }
}

fn addr_text(r: &Register) -> String {
    if r.count == 1 {
        format!("`{:#06x}`", r.addr)
    } else {
        format!("`{:#06x} + {}*i`", r.addr, r.stride)
    }
}

/// Markdown of the map: one table of registers, then the fields of each register that has some.
pub fn markdown(map: &RegMap, out: &mut dyn Write) -> std::io::Result<()> {
    let p = map.params;
    writeln!(out, "# mosaic-link register map v{}\n", map.version)?;
    writeln!(
        out,
        "Link shape: N = {} data lanes, S = {} spares ({} physical). Word addresses; registers are 32 bits. \
         Counters read the value latched by the last SNAPSHOT. A register marked \"needs F\" exists only \
         in builds whose FEATURES has bit F (others answer it with an error).\n",
        p.lanes,
        p.spares,
        p.physical_lanes()
    )?;
    writeln!(out, "| Address | Register | Instances | Access | Reset | Description |")?;
    writeln!(out, "|---|---|---|---|---|---|")?;
    for r in &map.registers {
        let mut doc = if r.counter { format!("{} (counter)", r.doc) } else { r.doc.to_string() };
        if let Some(f) = r.requires {
            doc = format!("{doc} Needs {f}.");
        }
        writeln!(
            out,
            "| {} | {} | {} | {} | `{:#x}` | {} |",
            addr_text(r),
            r.name,
            r.count,
            access(r.access),
            r.reset,
            doc.replace('|', "\\|")
        )?;
    }
    for r in map.registers.iter().filter(|r| !r.fields.is_empty()) {
        writeln!(out, "\n## {}\n", r.name)?;
        writeln!(out, "| Bits | Field | Description |")?;
        writeln!(out, "|---|---|---|")?;
        for f in &r.fields {
            writeln!(out, "| {} | {} | {} |", bits(f.lsb, f.width), f.name, f.doc.replace('|', "\\|"))?;
        }
    }
    Ok(())
}

impl RegsArgs {
    pub fn run(&self, json: bool, out: &mut dyn Write) -> anyhow::Result<()> {
        let p = LinkParams { lanes: self.lanes as usize, spares: self.spares as usize, ..LinkParams::DEFAULT };
        // A shape that only fails the osr-bound check is still documentable: raise osr.
        let p = if p.validate().is_err() { LinkParams { osr: 8, ..p } } else { p };
        p.validate()?;
        let map = RegMap::new(&p);
        if json || self.format == RegsFormat::Json {
            return write_json(out, &serde_json::to_value(&map)?);
        }
        markdown(&map, out)?;
        Ok(())
    }
}
