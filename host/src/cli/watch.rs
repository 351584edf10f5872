//! `mosaic watch`: the live dashboard on a terminal.
//!
//! The loop reads a lane snapshot every `--interval`, draws the
//! [Dashboard], and waits for keys in between (so keys answer at once and a
//! key that writes the board brings a fresh read). The terminal is put back
//! (raw mode off, main screen, cursor shown) by a guard on every way out:
//! return, error, and panic (the panic hook restores it before the message
//! is printed, or the message would land on the alternate screen).

use super::common::ConnectOpts;
use super::watch_keys::{action_for, apply, Action};
use crate::dashboard::Dashboard;
use crate::lane_view::LinkView;
use anyhow::{bail, Context};
use crossterm::event::{self, Event};
use crossterm::terminal::{disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen};
use crossterm::{cursor, execute};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Live terminal dashboard: lane grid, rates, events; keys kill, revive and skew lanes.
#[derive(clap::Args, Debug)]
pub struct WatchArgs {
    /// Seconds between snapshots (a simulated board may need longer than a read takes).
    #[arg(long, default_value_t = 1.0, value_parser = parse_interval, value_name = "SECONDS")]
    pub interval: f64,
    /// Line bits one `s` adds to the selected lane's emulator delay.
    #[arg(long, default_value_t = 16, value_parser = super::common::parse_u32, value_name = "BITS")]
    pub skew_step: u32,
}

fn parse_interval(s: &str) -> Result<f64, String> {
    let v: f64 = s.trim().parse().map_err(|_| format!("'{s}' is not a number of seconds"))?;
    if !(v > 0.0 && v <= 3600.0) {
        return Err(format!("interval must be more than 0 and at most 3600 seconds, not {s}"));
    }
    Ok(v)
}

/// Whether this process has the terminal in raw mode (the panic hook and
/// the guard restore it once, and only then).
static ACTIVE: AtomicBool = AtomicBool::new(false);

fn restore_terminal() {
    if ACTIVE.swap(false, Ordering::SeqCst) {
        let _ = disable_raw_mode();
        let _ = execute!(std::io::stdout(), LeaveAlternateScreen, cursor::Show);
    }
}

/// Raw mode and the alternate screen for as long as it lives.
struct TerminalGuard;

impl TerminalGuard {
    fn enter() -> anyhow::Result<TerminalGuard> {
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore_terminal();
            prev(info);
        }));
        ACTIVE.store(true, Ordering::SeqCst);
        // The guard exists before the first change, so a failure halfway is undone too.
        let g = TerminalGuard;
        enable_raw_mode().context("cannot put the terminal in raw mode")?;
        execute!(std::io::stdout(), EnterAlternateScreen, cursor::Hide)?;
        Ok(g)
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

impl WatchArgs {
    pub fn run(&self, conn: &ConnectOpts, json: bool) -> anyhow::Result<()> {
        if json {
            bail!("watch has no --json: use `mosaic --json status` for a machine-readable snapshot");
        }
        // Before the board or the terminal is touched: a pipe gets one line.
        if !std::io::stdout().is_terminal() {
            bail!("watch needs a terminal: stdout is not a TTY (use `mosaic status --map` in scripts and logs)");
        }
        let mut c = conn.connect()?;
        let source = conn.port.clone().unwrap_or_default();
        let interval = Duration::from_secs_f64(self.interval);
        let mut d = Dashboard::new(&source, interval, self.skew_step);
        let _guard = TerminalGuard::enter()?;
        let mut term = Terminal::new(CrosstermBackend::new(std::io::stdout()))?;
        term.clear()?;
        let start = Instant::now();
        let mut next_read = start;
        let mut last_error = String::new();
        loop {
            if Instant::now() >= next_read {
                match LinkView::read(&mut c) {
                    Ok(v) => {
                        d.update(v, start.elapsed());
                        last_error.clear();
                    }
                    // The board may come back (a slow simulator, a cable):
                    // say so once and keep trying.
                    Err(e) => {
                        let m = format!("read failed: {e}");
                        if m != last_error {
                            d.note(start.elapsed(), &m);
                            last_error = m;
                        }
                    }
                }
                next_read = Instant::now() + interval;
            }
            term.draw(|f| d.render(f))?;
            let wait = next_read.saturating_duration_since(Instant::now());
            if event::poll(wait)? {
                if let Event::Key(k) = event::read()? {
                    match action_for(k) {
                        Action::Quit => break,
                        Action::Refresh => next_read = Instant::now(),
                        a => {
                            if apply(a, &mut d, &mut c, start.elapsed()) {
                                next_read = Instant::now();
                            }
                        }
                    }
                }
            }
        }
        Ok(())
    }
}
