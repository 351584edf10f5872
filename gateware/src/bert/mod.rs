//! The BERT image: raw PRBS on every lane, checked by one time-shared
//! engine ([engine]) behind the BERT core's registers ([core]).

pub mod core;
pub mod engine;
