//! The `mosaic watch` screen: the state it shows and how it is drawn.
//!
//! Pure: it takes lane snapshots ([Dashboard::update]) and draws into any
//! ratatui [Frame], so tests draw it on ratatui's TestBackend and assert
//! cells; the terminal, the board and the keys live in `cli/watch.rs` and
//! [crate::cli::watch_keys].
//!
//! ```text
//!  header: link state, lanes found, modes, refresh
//!  ┌ lanes ─────────┐┌ rates ──────────┐
//!  │ emitter grid   ││ counters / s    │
//!  │ (one cell per  ││ selected lane   │
//!  │  physical lane)││ legend          │
//!  └────────────────┘└─────────────────┘
//!  ┌ events ───────────────────────────┐
//!  │ t+  3.0 s  failover x1            │
//!  └───────────────────────────────────┘
//!  keys / last action
//! ```

use crate::cli::common::ber_text;
use crate::lane_events::{events, rates, Rates};
use crate::lane_view::{LaneState, LinkView};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;
use std::collections::VecDeque;
use std::time::Duration;

/// Events kept for the log (older ones scroll away).
pub const LOG_LINES: usize = 200;

/// Width of one grid cell: a space each side of the glyph.
const CELL_W: u16 = 3;

/// Everything the screen shows.
pub struct Dashboard {
    /// Where the board is (the port).
    pub source: String,
    pub refresh: Duration,
    /// The latest snapshot and when it was taken (time since watch started).
    pub view: Option<(LinkView, Duration)>,
    pub rates: Rates,
    /// Timestamped event lines, oldest first.
    pub log: VecDeque<String>,
    /// The physical lane the keys act on.
    pub selected: usize,
    /// Bits added to the selected lane's delay by one `s`.
    pub skew_step: u32,
    /// The last key action or error, one line.
    pub message: String,
}

/// The screen's regions.
struct Areas {
    header: Rect,
    grid: Rect,
    side: Rect,
    log: Rect,
    footer: Rect,
}

impl Dashboard {
    pub fn new(source: &str, refresh: Duration, skew_step: u32) -> Dashboard {
        Dashboard {
            source: source.to_string(),
            refresh,
            view: None,
            rates: Rates::default(),
            log: VecDeque::new(),
            selected: 0,
            skew_step,
            message: String::new(),
        }
    }

    /// Takes a new snapshot, taken `at` after start: logs what changed since
    /// the previous one and updates the rates.
    pub fn update(&mut self, next: LinkView, at: Duration) {
        if let Some((prev, t0)) = &self.view {
            let ev = events(prev, &next);
            self.rates = rates(prev, &next, at.saturating_sub(*t0).as_secs_f64());
            for e in ev {
                self.note(at, &e.to_string());
            }
        } else {
            self.note(at, &format!("watching {} physical lanes", next.lanes.len()));
        }
        self.selected = self.selected.min(next.lanes.len().saturating_sub(1));
        self.view = Some((next, at));
    }

    /// Appends a line to the event log.
    pub fn note(&mut self, at: Duration, text: &str) {
        self.log.push_back(format!("t+{:>7.1} s  {text}", at.as_secs_f64()));
        while self.log.len() > LOG_LINES {
            self.log.pop_front();
        }
    }

    /// Moves the selection by whole cells on the grid, staying on a lane.
    pub fn move_selection(&mut self, drow: isize, dcol: isize) {
        let Some((v, _)) = &self.view else { return };
        let g = v.grid();
        let (r, c) = g.position(self.selected);
        let r = (r as isize + drow).clamp(0, g.rows as isize - 1) as usize;
        let c = (c as isize + dcol).clamp(0, g.cols as isize - 1) as usize;
        self.selected = (r * g.cols + c).min(v.lanes.len().saturating_sub(1));
    }

    fn areas(&self, screen: Rect) -> Areas {
        let [header, middle, log, footer] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(8), Constraint::Length(8), Constraint::Length(1)])
                .areas(screen);
        let grid_w = self.view.as_ref().map_or(20, |(v, _)| {
            let g = v.grid();
            2 + self.label_width(v) + 1 + g.cols as u16 * CELL_W
        });
        let [grid, side] = Layout::horizontal([Constraint::Length(grid_w.max(14)), Constraint::Min(20)]).areas(middle);
        Areas { header, grid, side, log, footer }
    }

    /// Row labels are the first lane of each row.
    fn label_width(&self, v: &LinkView) -> u16 {
        v.lanes.len().saturating_sub(1).to_string().len() as u16
    }

    /// Screen position of a lane's glyph when drawn on `screen` (None before
    /// the first snapshot or past the last lane).
    pub fn lane_cell(&self, screen: Rect, lane: usize) -> Option<(u16, u16)> {
        let (v, _) = self.view.as_ref()?;
        if lane >= v.lanes.len() {
            return None;
        }
        let a = self.areas(screen).grid;
        let (r, c) = v.grid().position(lane);
        // Border, row label and its space, then the middle of the cell; one
        // line of column numbers above the rows.
        Some((a.x + 1 + self.label_width(v) + 1 + c as u16 * CELL_W + 1, a.y + 2 + r as u16))
    }

    /// Draws the whole screen.
    pub fn render(&self, f: &mut Frame) {
        let a = self.areas(f.area());
        f.render_widget(Paragraph::new(self.header_line()), a.header);
        match &self.view {
            Some((v, _)) => {
                f.render_widget(self.grid(v), a.grid);
                f.render_widget(self.side(v), a.side);
            }
            None => f.render_widget(
                Paragraph::new("waiting for the first snapshot").block(Block::bordered().title(" lanes ")),
                a.grid,
            ),
        }
        let shown = a.log.height.saturating_sub(2) as usize;
        let lines: Vec<Line> =
            self.log.iter().skip(self.log.len().saturating_sub(shown)).map(|l| Line::raw(l.as_str())).collect();
        f.render_widget(Paragraph::new(lines).block(Block::bordered().title(" events ")), a.log);
        let keys = "arrows select  k kill  r revive  s skew +step  S skew 0  q quit";
        let footer = if self.message.is_empty() { keys.to_string() } else { format!("{}  | {keys}", self.message) };
        f.render_widget(Paragraph::new(footer).style(Style::new().add_modifier(Modifier::DIM)), a.footer);
    }

    fn header_line(&self) -> Line<'static> {
        let refresh = format!("  refresh {:.1} s  {}", self.refresh.as_secs_f64(), self.source);
        let Some((v, _)) = &self.view else {
            return Line::raw(format!("mosaic watch{refresh}"));
        };
        let yn = |b: bool| if b { "on" } else { "off" };
        let (text, colour) = if v.bert {
            ("BERT".to_string(), Color::Cyan)
        } else if v.link_up {
            ("link UP".to_string(), Color::Green)
        } else {
            ("link DOWN".to_string(), Color::Red)
        };
        Line::from(vec![
            Span::styled(text, Style::new().fg(colour).add_modifier(Modifier::BOLD)),
            Span::raw(format!(
                "  lanes found {}/{} (+{} spares)  loopback {}  auto-failover {}{refresh}",
                v.lanes_found,
                v.params.lanes,
                v.params.spares,
                yn(v.loopback),
                yn(v.auto_failover)
            )),
        ])
    }

    fn grid(&self, v: &LinkView) -> Paragraph<'static> {
        let g = v.grid();
        let lw = self.label_width(v) as usize;
        let mut head = format!("{:lw$} ", "");
        for c in 0..g.cols {
            head.push_str(&format!("{:>2} ", c));
        }
        let mut lines = vec![Line::styled(head, Style::new().add_modifier(Modifier::DIM))];
        for (row, chunk) in v.states().chunks(g.cols).enumerate() {
            let mut spans =
                vec![Span::styled(format!("{:>lw$} ", row * g.cols), Style::new().add_modifier(Modifier::DIM))];
            for (c, &s) in chunk.iter().enumerate() {
                let lane = row * g.cols + c;
                let (r, gr, b) = s.rgb();
                let mut style = Style::new().fg(Color::Rgb(r, gr, b)).add_modifier(Modifier::BOLD);
                if lane == self.selected {
                    style = style.add_modifier(Modifier::REVERSED);
                }
                spans.push(Span::styled(format!(" {} ", s.glyph()), style));
            }
            lines.push(Line::from(spans));
        }
        let title = format!(" lanes {} x {} ", g.rows, g.cols);
        Paragraph::new(lines).block(Block::bordered().title(title))
    }

    fn side(&self, v: &LinkView) -> Paragraph<'static> {
        let r = &self.rates;
        let rate = |name: &str, x: f64| Line::raw(format!("{name:<14}{x:>10.1}"));
        let mut lines = vec![
            rate("blocks/s", r.blocks),
            rate("stream gaps/s", r.rx_gaps),
            rate("realigns/s", r.realigns),
            if v.bert { rate("PRBS err/s", r.prbs_errors) } else { rate("BIP err/s", r.bip_errors) },
            rate("sync err/s", r.sync_errors),
            rate("bad marks/s", r.bad_markers),
            Line::raw(format!("realigns {}  failovers {}  gaps {}", v.realigns, v.failovers, v.rx_gaps)),
            Line::raw(""),
        ];
        if let Some(l) = v.lanes.get(self.selected) {
            let (e, b, src) = l.ber_counts(v);
            let s = l.state(v);
            let logical = match l.logical_id {
                Some(id) if (id as usize) < v.params.lanes => id.to_string(),
                Some(_) => "spare".into(),
                None => "-".into(),
            };
            lines.push(Line::from(vec![
                Span::styled(format!("lane {}: ", l.lane), Style::new().add_modifier(Modifier::BOLD)),
                Span::raw(format!("{}  logical {logical}", s.label())),
            ]));
            lines.push(Line::raw(format!(
                "BER {} ({src})  skew {}  sync {}  losses {}",
                ber_text(e, b),
                l.skew_blocks,
                l.sync_errors,
                l.lock_losses
            )));
            lines.push(Line::raw(""));
        }
        let mut legend = Vec::new();
        for s in LaneState::ALL {
            let (r, g, b) = s.rgb();
            legend.push(Span::styled(
                format!("{} ", s.glyph()),
                Style::new().fg(Color::Rgb(r, g, b)).add_modifier(Modifier::BOLD),
            ));
            legend.push(Span::raw(format!("{}  ", s.label())));
        }
        // The legend in two lines so it fits beside a wide grid.
        let half = legend.len() / 2;
        let second = legend.split_off(half);
        lines.push(Line::from(legend));
        lines.push(Line::from(second));
        Paragraph::new(lines).block(Block::bordered().title(" rates "))
    }
}
