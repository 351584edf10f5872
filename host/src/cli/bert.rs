//! `mosaic bert`: per-lane PRBS bit error rate test.

use super::common::{ber_text, write_json, Table};
use crate::client::{field_get, field_set, Client};
use anyhow::{bail, Context};
use mosaic_gateware::phy::prbs::PrbsPattern;
use serde_json::json;
use std::io::Write;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

/// `--pattern`: a PRBS pattern of the gateware's table ([PrbsPattern], the
/// CTRL.bert_pattern codes), by its name in lower case (`prbs31`).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Pattern(pub PrbsPattern);

static PATTERNS: LazyLock<Vec<Pattern>> = LazyLock::new(|| PrbsPattern::ALL.into_iter().map(Pattern).collect());
static PATTERN_NAMES: LazyLock<Vec<String>> =
    LazyLock::new(|| PrbsPattern::ALL.iter().map(|p| p.name().to_lowercase()).collect());

impl clap::ValueEnum for Pattern {
    fn value_variants<'a>() -> &'a [Self] {
        &PATTERNS
    }
    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        let i = PrbsPattern::ALL.iter().position(|p| *p == self.0)?;
        Some(clap::builder::PossibleValue::new(PATTERN_NAMES[i].as_str()))
    }
}

impl Pattern {
    /// The CTRL.bert_pattern code.
    pub fn code(self) -> u32 {
        self.0.code() as u32
    }
}

/// Per-lane PRBS bit error rate test.
#[derive(clap::Args, Debug)]
pub struct BertArgs {
    /// Pattern sent and checked on every lane.
    #[arg(long, value_enum, default_value = "prbs31")]
    pub pattern: Pattern,
    /// Test duration in seconds.
    #[arg(long, default_value = "5", allow_negative_numbers = true)]
    pub duration: f64,
    /// Leave BERT mode on afterwards (default: restore the link).
    #[arg(long)]
    pub keep: bool,
}

impl BertArgs {
    pub fn run(&self, c: &mut Client, json: bool, out: &mut dyn Write) -> anyhow::Result<()> {
        if !(self.duration.is_finite() && self.duration > 0.0 && self.duration <= 86_400.0) {
            bail!("duration must be in (0, 86400] seconds, not {}", self.duration);
        }
        let ctrl_old = c.read_reg("CTRL", 0)?;
        let enable = c.field("CTRL", "bert_enable")?;
        let pattern = c.field("CTRL", "bert_pattern")?;
        let ctrl = field_set(&enable, ctrl_old, 1)
            .and_then(|w| field_set(&pattern, w, self.pattern.code()))
            .context("CTRL fields")?;
        c.write_reg("CTRL", 0, ctrl)?;
        c.write_reg("CLEAR", 0, 1)?;
        let result = self.measure(c, json);
        if !self.keep {
            // Restore even when the measurement failed part-way.
            let _ = c.write_reg("CTRL", 0, ctrl_old);
        }
        let rows = result?;
        let lock_f = c.field("LANE_STATUS", "prbs_lock")?;
        let (mut tot_e, mut tot_b) = (0u64, 0u64);
        let mut t = Table::new(&["lane", "lock", "bits", "errors", "BER"]);
        let mut js = Vec::new();
        for (lane, (status, errors, bits)) in rows.iter().enumerate() {
            let lock = field_get(&lock_f, *status) == 1;
            tot_e += *errors as u64;
            tot_b += *bits as u64;
            t.row(vec![
                lane.to_string(),
                if lock { "yes" } else { "NO" }.into(),
                bits.to_string(),
                errors.to_string(),
                ber_text(*errors as u64, *bits as u64),
            ]);
            js.push(json!({ "lane": lane, "prbs_lock": lock, "bits": bits, "errors": errors,
                "ber": (*bits > 0).then(|| *errors as f64 / *bits as f64) }));
        }
        if json {
            return write_json(
                out,
                &json!({ "pattern": format!("{:?}", self.pattern).to_lowercase(), "duration_s": self.duration,
                         "lanes": js, "total_bits": tot_b, "total_errors": tot_e }),
            );
        }
        writeln!(out, "{:?} for {} s", self.pattern, self.duration)?;
        t.write(out)?;
        writeln!(out, "total {} bits, {} errors, BER {}", tot_b, tot_e, ber_text(tot_e, tot_b))?;
        Ok(())
    }

    /// Waits out the test, then reads (status, errors, bits) per physical lane from one snapshot.
    fn measure(&self, c: &mut Client, json: bool) -> anyhow::Result<Vec<(u32, u32, u32)>> {
        let total = Duration::from_secs_f64(self.duration);
        let bar =
            if json { indicatif::ProgressBar::hidden() } else { indicatif::ProgressBar::new(total.as_millis() as u64) };
        bar.set_style(
            indicatif::ProgressStyle::with_template("BERT {bar:40} {elapsed}/{msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar.set_message(format!("{:.0}s", self.duration));
        let start = Instant::now();
        while start.elapsed() < total {
            std::thread::sleep((total - start.elapsed()).min(Duration::from_millis(100)));
            bar.set_position(start.elapsed().as_millis() as u64);
        }
        bar.finish_and_clear();
        c.snapshot()?;
        (0..c.params().physical_lanes())
            .map(|lane| {
                let w = c.read_regs(&["LANE_STATUS", "LANE_PRBS_ERRORS", "LANE_BITS"], lane)?;
                Ok((w[0], w[1], w[2]))
            })
            .collect()
    }
}
