//! What nextpnr reports: its `--report` JSON (utilization, Fmax) and the
//! stage a log line starts.

use serde::Serialize;

/// Cells used of those available.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Used {
    pub used: u64,
    pub available: u64,
}

impl Used {
    pub fn percent(&self) -> f64 {
        if self.available == 0 {
            0.0
        } else {
            100.0 * self.used as f64 / self.available as f64
        }
    }
}

/// Utilization and Fmax read from nextpnr's `--report` JSON.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PnrReport {
    /// (cell type, used, available)
    pub utilization: Vec<(String, Used)>,
    /// (clock net, achieved MHz, constraint MHz)
    pub fmax: Vec<(String, f64, f64)>,
}

impl PnrReport {
    /// Errors say what the report lacks.
    pub fn parse(json: &str) -> Result<Self, String> {
        let v: serde_json::Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
        let mut r = PnrReport::default();
        let Some(u) = v.get("utilization").and_then(|u| u.as_object()) else {
            return Err("no \"utilization\" object".into());
        };
        for (cell, c) in u {
            let n = |k: &str| c.get(k).and_then(|x| x.as_u64()).unwrap_or(0);
            r.utilization.push((cell.clone(), Used { used: n("used"), available: n("available") }));
        }
        if let Some(f) = v.get("fmax").and_then(|f| f.as_object()) {
            for (clk, c) in f {
                let n = |k: &str| c.get(k).and_then(|x| x.as_f64()).unwrap_or(0.0);
                r.fmax.push((clk.clone(), n("achieved"), n("constraint")));
            }
        }
        if r.fmax.is_empty() {
            return Err("no clock in \"fmax\" (is the design clocked?)".into());
        }
        Ok(r)
    }

    /// Cells of the first of `types` present in the report.
    pub fn used(&self, types: &[&str]) -> Used {
        types.iter().find_map(|t| self.utilization.iter().find(|(c, _)| c == t).map(|(_, u)| *u)).unwrap_or_default()
    }

    /// The slowest clock relative to its constraint: (net, achieved, constraint).
    pub fn slowest(&self) -> (String, f64, f64) {
        self.fmax
            .iter()
            .cloned()
            .min_by(|a, b| (a.1 / a.2.max(1e-9)).total_cmp(&(b.1 / b.2.max(1e-9))))
            .expect("parse ensures a clock")
    }
}

/// The nextpnr stage a log line starts, if any: placement, then routing.
pub fn pnr_stage(line: &str) -> Option<&'static str> {
    let l = line.to_ascii_lowercase();
    if l.contains("running main analytical placer") || l.contains("running simulated annealing placer") {
        Some("place")
    } else if l.contains("routing globals") || l.contains("running router") || l.starts_with("info: routing") {
        Some("route")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `testdata/counter_ram.v` placed and routed by nextpnr-ice40 0.4 on
    /// an UP5K at 24 MHz.
    #[test]
    fn a_real_ice40_report_is_parsed() {
        let r = PnrReport::parse(include_str!("testdata/nextpnr_ice40_report.json")).unwrap();
        assert_eq!(r.used(&["TRELLIS_COMB", "ICESTORM_LC"]), Used { used: 59, available: 5280 });
        assert_eq!(r.used(&["DP16KD", "ICESTORM_RAM"]), Used { used: 1, available: 30 });
        assert_eq!(r.used(&["SB_IO"]), Used { used: 26, available: 96 });
        let (clock, achieved, constraint) = r.slowest();
        assert_eq!(clock, "clock$SB_IO_IN_$glb_clk");
        assert!((achieved - 99.88).abs() < 0.01 && constraint == 24.0, "{achieved} {constraint}");
    }

    #[test]
    fn the_slowest_clock_is_the_one_nearest_its_constraint() {
        let json = r#"{"utilization": {"ICESTORM_LC": {"used": 100, "available": 5280}},
            "fmax": {"fast": {"achieved": 90.0, "constraint": 100.0}, "slow": {"achieved": 41.5, "constraint": 24.0}}}"#;
        assert_eq!(PnrReport::parse(json).unwrap().slowest(), ("fast".to_string(), 90.0, 100.0));
        assert_eq!(PnrReport::parse(json).unwrap().used(&["DP16KD"]), Used::default());
    }

    #[test]
    fn a_report_without_what_the_flow_needs_is_refused() {
        assert!(PnrReport::parse(r#"{"utilization": {}, "fmax": {}}"#).unwrap_err().contains("no clock"));
        assert!(PnrReport::parse(r#"{"fmax": {}}"#).unwrap_err().contains("no \"utilization\""));
        assert!(PnrReport::parse("{").is_err());
    }

    #[test]
    fn stages_of_a_real_nextpnr_log() {
        let stages: Vec<&str> =
            include_str!("testdata/nextpnr_timing_fail.log").lines().filter_map(pnr_stage).collect();
        assert!(!stages.is_empty() && stages[0] == "place", "{stages:?}");
        let first_route = stages.iter().position(|s| *s == "route").expect("a route stage");
        assert!(stages[first_route..].iter().all(|s| *s == "route"), "placement after routing: {stages:?}");
    }
}
