//! `mosaic watch`'s keys: which key does what, and the board writes they
//! make. Kill, revive and skew go through `inject`'s own functions, so the
//! dashboard writes exactly what `mosaic inject` writes.

use super::inject::{set_dead, set_skew};
use crate::client::Client;
use crate::dashboard::Dashboard;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use std::time::Duration;

/// What a key asks for.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Action {
    Quit,
    /// Move the selection by (rows, columns).
    Select(isize, isize),
    Kill,
    Revive,
    /// Add the skew step to the selected lane's delay.
    SkewMore,
    /// Back to no added delay.
    SkewReset,
    /// Read now instead of at the next tick.
    Refresh,
    None,
}

/// The action of a key press (releases and repeats of other kinds do nothing).
pub fn action_for(k: KeyEvent) -> Action {
    if k.kind == KeyEventKind::Release {
        return Action::None;
    }
    match k.code {
        KeyCode::Char('q') | KeyCode::Esc => Action::Quit,
        // Raw mode swallows the terminal's SIGINT: Ctrl-C must quit too.
        KeyCode::Char('c') if k.modifiers.contains(KeyModifiers::CONTROL) => Action::Quit,
        KeyCode::Up => Action::Select(-1, 0),
        KeyCode::Down => Action::Select(1, 0),
        KeyCode::Left => Action::Select(0, -1),
        KeyCode::Right => Action::Select(0, 1),
        KeyCode::Char('k') => Action::Kill,
        KeyCode::Char('r') => Action::Revive,
        KeyCode::Char('s') => Action::SkewMore,
        KeyCode::Char('S') => Action::SkewReset,
        KeyCode::Char(' ') => Action::Refresh,
        _ => Action::None,
    }
}

/// Carries out `a` on the selected lane; board errors become the
/// dashboard's message (a board without the emulator says so), never an
/// exit. Returns whether the board was written (the caller then refreshes).
pub fn apply(a: Action, d: &mut Dashboard, c: &mut Client, at: Duration) -> bool {
    let lane = d.selected;
    let done = match a {
        Action::Select(dr, dc) => {
            d.move_selection(dr, dc);
            return false;
        }
        Action::Kill => set_dead(c, lane, true).map(|_| format!("lane {lane} killed (stuck at 0)")),
        Action::Revive => set_dead(c, lane, false).map(|_| format!("lane {lane} revived")),
        Action::SkewMore => c
            .read_reg("EMU_DELAY", lane)
            .map_err(anyhow::Error::from)
            .and_then(|old| {
                let new = old.saturating_add(d.skew_step);
                set_skew(c, lane, new).map(|_| new)
            })
            .map(|new| format!("lane {lane} delay {new} bits")),
        Action::SkewReset => set_skew(c, lane, 0).map(|_| format!("lane {lane} delay 0 bits")),
        Action::Quit | Action::Refresh | Action::None => return false,
    };
    match done {
        Ok(m) => {
            d.note(at, &m);
            d.message = m;
            true
        }
        Err(e) => {
            d.message = format!("error: {e:#}");
            false
        }
    }
}
