//! Shared helpers of the end-to-end tests in `tests/` (the root package has
//! no other code: the project card fixes the top level, so its library lives here).
//! Each test binary uses a part of it.
#![allow(dead_code)]

pub mod icarus;
pub mod link;
pub mod scoreboard;
