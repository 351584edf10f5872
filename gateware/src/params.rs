//! Link parameters, checked once at construction.
//!
//! Every core that depends on the link shape takes a [LinkParams] that has
//! passed [LinkParams::validate]; errors name the parameter and the rule.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Shape of a link: data lanes, spares, oversampling, marker period, deskew depth.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkParams {
    /// N: logical data lanes.
    pub lanes: usize,
    /// S: spare physical lanes (physical lanes = N + S).
    pub spares: usize,
    /// OSR: clocks per line bit (1..=8); >= 3 enables oversampling bit recovery.
    pub osr: usize,
    /// M: blocks per alignment-marker period (the marker is one of them).
    pub marker_period: usize,
    /// D: deskew FIFO depth in blocks; skew up to D - 1 blocks is absorbed.
    pub deskew_depth: usize,
}

/// A parameter outside its rule.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ParamError {
    #[error("{name} must be {rule}, not {value}")]
    OutOfRange { name: &'static str, rule: String, value: usize },
}

/// A configuration a core's `try_new` refuses: the core, then the rule
/// broken with the value given (`LinkCore: osr must be in 1..=8, not 9`).
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[error("{block}: {why}")]
pub struct CoreError {
    pub block: &'static str,
    pub why: String,
}

impl CoreError {
    pub fn new(block: &'static str, why: impl ToString) -> Self {
        CoreError { block, why: why.to_string() }
    }
}

/// Largest physical lane count the lane id field (12 bits) can name.
pub const MAX_PHYSICAL_LANES: usize = 4095;

fn check(name: &'static str, value: usize, ok: bool, rule: impl Into<String>) -> Result<(), ParamError> {
    if ok {
        Ok(())
    } else {
        Err(ParamError::OutOfRange { name, rule: rule.into(), value })
    }
}

impl LinkParams {
    /// The default small configuration: 16 data lanes + 2 spares.
    pub const DEFAULT: LinkParams = LinkParams { lanes: 16, spares: 2, osr: 1, marker_period: 64, deskew_depth: 4 };

    /// Physical lanes (N + S).
    pub fn physical_lanes(&self) -> usize {
        self.lanes + self.spares
    }

    /// Bits per clock of the traffic generator's and checker's CRC-32 step:
    /// the smallest of 8, 16, 32, 64 that fills every data round with a
    /// quarter of the round to spare. A round carries N words in 66 * OSR
    /// clocks and a B-bit step makes or checks a word every 64 / B clocks;
    /// the spare quarter covers the round's take, the checker's FIFO bubbles
    /// and trailers, so the traffic still saturates the link.
    pub fn traffic_step_bits(&self) -> usize {
        let round = 66 * self.osr;
        [8, 16, 32].into_iter().find(|&b| 4 * self.lanes * (64 / b) <= 3 * round).unwrap_or(64)
    }

    /// Checks every parameter; the first violation is returned.
    pub fn validate(&self) -> Result<(), ParamError> {
        check("lanes (N)", self.lanes, self.lanes >= 1, "at least 1")?;
        check(
            "lanes + spares (N + S)",
            self.physical_lanes(),
            self.physical_lanes() <= MAX_PHYSICAL_LANES,
            format!("at most {MAX_PHYSICAL_LANES} (12-bit lane id)"),
        )?;
        check("osr", self.osr, (1..=8).contains(&self.osr), "in 1..=8")?;
        check(
            "marker_period (M)",
            self.marker_period,
            (4..=65536).contains(&self.marker_period),
            "in 4..=65536 blocks",
        )?;
        check(
            "deskew_depth (D)",
            self.deskew_depth,
            (2..=256).contains(&self.deskew_depth) && self.deskew_depth.is_power_of_two(),
            "a power of two in 2..=256",
        )?;
        // Markers cannot tell apart lanes a whole period apart: the deskew
        // window must stay below the marker period.
        check(
            "deskew_depth (D)",
            self.deskew_depth,
            self.deskew_depth < self.marker_period,
            format!("less than marker_period (M = {})", self.marker_period),
        )?;
        // The RX gatherer visits one logical lane per clock, and a block lasts
        // 66 * OSR clocks: the round must fit (with 2 clocks of slack).
        let round = 66 * self.osr;
        check(
            "lanes (N)",
            self.lanes,
            self.lanes + 2 <= round,
            format!("at most {} at osr {} (the gatherer visits one lane per clock; raise osr)", round - 2, self.osr),
        )?;
        // The deskew RAM's write port visits one physical lane per clock and
        // must come round before the lane's next block (2 clocks of slack
        // for the bit recovery's phase steps).
        check(
            "lanes + spares (N + S)",
            self.physical_lanes(),
            self.physical_lanes() + 2 <= round,
            format!(
                "at most {} at osr {} (the deskew RAM's writer visits one lane per clock; raise osr)",
                round - 2,
                self.osr
            ),
        )?;
        // The deskew FIFOs share one RAM with a 16-bit word address.
        check(
            "(N + S) x deskew_depth (D)",
            self.physical_lanes() * self.deskew_depth,
            self.physical_lanes() * self.deskew_depth <= 1 << 16,
            "at most 65536 deskew RAM words (lower D)",
        )?;
        Ok(())
    }
}

impl Default for LinkParams {
    fn default() -> Self {
        Self::DEFAULT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_valid() {
        assert_eq!(LinkParams::DEFAULT.validate(), Ok(()));
    }

    #[test]
    fn traffic_step_is_the_narrowest_that_fills_three_quarters_of_a_round() {
        let step = |lanes, osr| LinkParams { lanes, spares: 1, osr, ..LinkParams::DEFAULT }.traffic_step_bits();
        // iCEBreaker 4 + 1 at OSR 3, Alchitry Cu 8 + 1 at OSR 4, ULX3S 16 + 2 at OSR 4.
        assert_eq!((step(4, 3), step(8, 4), step(16, 4)), (8, 8, 8));
        // 16 lanes at OSR 1 need 15.5 bits a clock: 16 would leave no spare.
        assert_eq!(step(16, 1), 32);
        assert_eq!((step(20, 2), step(100, 4), step(100, 2)), (16, 64, 64));
        // At the bounds: 4 N (64 / B) <= 3 (66 OSR).
        assert_eq!((step(6, 1), step(7, 1)), (8, 16));
    }

    #[test]
    fn errors_name_parameter_and_rule() {
        let p = LinkParams { osr: 0, ..LinkParams::DEFAULT };
        assert_eq!(p.validate().unwrap_err().to_string(), "osr must be in 1..=8, not 0");
        let p = LinkParams { deskew_depth: 3, ..LinkParams::DEFAULT };
        assert_eq!(p.validate().unwrap_err().to_string(), "deskew_depth (D) must be a power of two in 2..=256, not 3");
        let p = LinkParams { lanes: 100, osr: 1, ..LinkParams::DEFAULT };
        assert!(p.validate().unwrap_err().to_string().contains("raise osr"));
        let p = LinkParams { lanes: 100, osr: 2, ..LinkParams::DEFAULT };
        assert_eq!(p.validate(), Ok(()));
        let p = LinkParams { lanes: 60, spares: 5, osr: 1, ..LinkParams::DEFAULT };
        assert_eq!(
            p.validate().unwrap_err().to_string(),
            "lanes + spares (N + S) must be at most 64 at osr 1 (the deskew RAM's writer visits one lane per clock; raise osr), not 65"
        );
        let p = LinkParams { lanes: 400, spares: 2, osr: 7, marker_period: 1024, deskew_depth: 256 };
        assert_eq!(
            p.validate().unwrap_err().to_string(),
            "(N + S) x deskew_depth (D) must be at most 65536 deskew RAM words (lower D), not 102912"
        );
    }
}
