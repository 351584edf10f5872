//! The lane snapshot's views (issue #17): the `watch` dashboard drawn on
//! ratatui's TestBackend, its keys' register writes, `status --map` text and
//! `report`'s SVG and PNG, from synthetic snapshots and from the fake board.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use mosaic_gateware::params::LinkParams;
use mosaic_host::cli::watch_keys::{action_for, apply, Action};
use mosaic_host::client::{field_set, Client, ClientOptions};
use mosaic_host::dashboard::Dashboard;
use mosaic_host::fake_board::{FakeBoard, FakeOptions};
use mosaic_host::lane_view::{BerClass, LaneState, LaneView, LinkView};
use mosaic_host::protocol::{Opcode, Request, RequestDecoder};
use mosaic_host::report;
use mosaic_host::transport::{SerialTransport, Transport};
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Color;
use ratatui::Terminal;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// MOSAIC's prototype: 100 channels (98 data + 2 spares).
const MOSAIC_100: LinkParams = LinkParams { lanes: 98, spares: 2, osr: 4, marker_period: 16, deskew_depth: 4 };

fn locked(lane: usize, id: u32) -> LaneView {
    LaneView { lane, bit_lock: true, block_lock: true, marker_lock: true, logical_id: Some(id), ..Default::default() }
}

/// 100 lanes, link up; lane 37 dead, 98 and 99 spares, lane 5 with BER 1e-5.
fn mosaic_view() -> LinkView {
    let mut lanes: Vec<LaneView> = (0..100).map(|l| locked(l, if l < 98 { l as u32 } else { 0xFFF })).collect();
    lanes[37] = LaneView { lane: 37, bit_lock: true, ..Default::default() };
    lanes[5].bip_errors = 660;
    LinkView {
        params: MOSAIC_100,
        link_up: true,
        lanes_found: 98,
        uptime_blocks: 1_000_000,
        tx_map: (0..98).collect(),
        lanes,
        ..Default::default()
    }
}

fn draw(d: &Dashboard, w: u16, h: u16) -> Buffer {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| d.render(f)).unwrap();
    t.backend().buffer().clone()
}

fn row_text(b: &Buffer, y: u16) -> String {
    (0..b.area.width).map(|x| b[(x, y)].symbol()).collect()
}

fn screen_text(b: &Buffer) -> String {
    (0..b.area.height).map(|y| row_text(b, y).trim_end().to_string()).collect::<Vec<_>>().join("\n")
}

fn rgb(s: LaneState) -> Color {
    let (r, g, b) = s.rgb();
    Color::Rgb(r, g, b)
}

#[test]
fn dashboard_shows_100_lanes_as_10_by_10_with_the_dead_lane_in_place() {
    let v = mosaic_view();
    assert_eq!((v.grid().rows, v.grid().cols), (10, 10));
    let mut d = Dashboard::new("/dev/pts/9", Duration::from_secs(1), 16);
    d.update(v, Duration::ZERO);
    let screen = Rect::new(0, 0, 110, 32);
    let b = draw(&d, screen.width, screen.height);
    println!("{}", screen_text(&b));
    assert!(screen_text(&b).contains(" lanes 10 x 10 "));
    // Lane 37 is row 3, column 7.
    let (x, y) = d.lane_cell(screen, 37).unwrap();
    assert_eq!((b[(x, y)].symbol(), b[(x, y)].fg), ("X", rgb(LaneState::Dead)));
    // Its grid position: 7 cells right of lane 30, 3 rows below lane 7.
    assert_eq!(d.lane_cell(screen, 30).unwrap(), (x - 7 * 3, y));
    assert_eq!(d.lane_cell(screen, 7).unwrap(), (x, y - 3));
    assert!(row_text(&b, y).starts_with("│30  .  .  .  .  .  .  .  X  .  . │"), "{}", row_text(&b, y));
    let (x, y) = d.lane_cell(screen, 99).unwrap();
    assert_eq!((b[(x, y)].symbol(), b[(x, y)].fg), ("s", rgb(LaneState::Spare)));
    let (x, y) = d.lane_cell(screen, 5).unwrap();
    assert_eq!((b[(x, y)].symbol(), b[(x, y)].fg), ("E", rgb(LaneState::Locked(BerClass::High))));
    assert!(row_text(&b, 0).starts_with("link UP  lanes found 98/98 (+2 spares)"), "{}", row_text(&b, 0));
}

#[test]
fn event_log_shows_a_failover_between_two_snapshots() {
    let a = mosaic_view();
    let mut b = a.clone();
    b.lanes[12].block_lock = false;
    b.lanes[12].marker_lock = false;
    b.lanes[98].logical_id = Some(12);
    b.tx_map[12] = 98;
    b.failovers = 1;
    let mut d = Dashboard::new("x", Duration::from_secs(1), 16);
    d.update(a, Duration::ZERO);
    d.update(b, Duration::from_secs(1));
    let text = screen_text(&draw(&d, 110, 32));
    for line in [
        "│t+    0.0 s  watching 100 physical lanes",
        "│t+    1.0 s  lane 12: block lock lost",
        "│t+    1.0 s  failover x1",
        "│t+    1.0 s  logical lane 12: physical 12 -> 98",
    ] {
        assert!(text.lines().any(|l| l.starts_with(line)), "no {line:?} in\n{text}");
    }
}

/// LANE_STATUS word with bit, block and marker lock carrying `id`.
fn status_word(id: u32) -> u32 {
    0b111 | (id << 16)
}

/// The fake board's 16 + 2 lanes: lane 3 dead, lane 7 without marker lock,
/// lane 9 at 1.5e-6 (100 BIP errors in 66e6 bits), lane 12 at 7.6e-8,
/// 16 and 17 spares.
fn fake_board() -> FakeBoard {
    let b = FakeBoard::spawn(FakeOptions::default()).unwrap();
    {
        let mut r = b.regs();
        for p in 0..18 {
            r.set_live("LANE_STATUS", p, status_word(if p < 16 { p as u32 } else { 0xFFF }));
        }
        r.set_live("LANE_STATUS", 3, 0);
        r.set_live("LANE_STATUS", 7, 0b011);
        r.set_live("LANE_BIP_ERRORS", 9, 100);
        r.set_live("LANE_BIP_ERRORS", 12, 5);
        r.set_live("UPTIME_BLOCKS", 0, 1_000_000);
    }
    b
}

fn client(b: &FakeBoard) -> Client {
    let t = SerialTransport::open(b.path(), 115_200).unwrap();
    Client::connect(t, ClientOptions { timeout: Duration::from_millis(200), ..Default::default() }).unwrap()
}

#[test]
fn dashboard_from_the_fake_board() {
    let b = fake_board();
    let mut c = client(&b);
    let v = LinkView::read(&mut c).unwrap();
    assert_eq!((v.grid().rows, v.grid().cols), (4, 5));
    let mut d = Dashboard::new(b.path(), Duration::from_secs(1), 16);
    d.update(v, Duration::ZERO);
    let screen = Rect::new(0, 0, 90, 24);
    let buf = draw(&d, 90, 24);
    let cell = |lane| {
        let (x, y) = d.lane_cell(screen, lane).unwrap();
        (buf[(x, y)].symbol().to_string(), buf[(x, y)].fg)
    };
    assert_eq!(cell(3), ("X".into(), rgb(LaneState::Dead)));
    assert_eq!(cell(7), ("m".into(), rgb(LaneState::MarkerLost)));
    assert_eq!(cell(9), ("E".into(), rgb(LaneState::Locked(BerClass::High))));
    assert_eq!(cell(12), ("e".into(), rgb(LaneState::Locked(BerClass::Low))));
    assert_eq!(cell(17), ("s".into(), rgb(LaneState::Spare)));
    assert_eq!(cell(0), (".".into(), rgb(LaneState::Locked(BerClass::Clean))));
    assert!(screen_text(&buf).starts_with("link DOWN  lanes found 0/16 (+2 spares)"));
}

/// A transport that records every request the client sends.
struct Recording {
    inner: SerialTransport,
    dec: RequestDecoder,
    sent: Arc<Mutex<Vec<Request>>>,
}

impl Transport for Recording {
    fn send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.dec.push(bytes);
        while let Some(q) = self.dec.next_request() {
            self.sent.lock().unwrap().push(q);
        }
        self.inner.send(bytes)
    }
    fn recv(&mut self, buf: &mut [u8], timeout: Duration) -> std::io::Result<usize> {
        self.inner.recv(buf, timeout)
    }
}

fn key(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}

#[test]
fn keys_make_the_emulator_writes_of_inject() {
    assert_eq!(action_for(key('k')), Action::Kill);
    assert_eq!(action_for(key('r')), Action::Revive);
    assert_eq!(action_for(key('s')), Action::SkewMore);
    assert_eq!(action_for(key('S')), Action::SkewReset);
    assert_eq!(action_for(key('q')), Action::Quit);
    assert_eq!(action_for(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)), Action::Quit);
    assert_eq!(action_for(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)), Action::Quit);

    let b = fake_board();
    let sent = Arc::new(Mutex::new(Vec::new()));
    let t = Recording {
        inner: SerialTransport::open(b.path(), 115_200).unwrap(),
        dec: RequestDecoder::new(),
        sent: sent.clone(),
    };
    let mut c =
        Client::connect(t, ClientOptions { timeout: Duration::from_millis(200), ..Default::default() }).unwrap();
    let mut d = Dashboard::new("x", Duration::from_secs(1), 16);
    d.update(LinkView::read(&mut c).unwrap(), Duration::ZERO);
    // Select lane 6: one row down (5 columns) and one right.
    apply(Action::Select(1, 1), &mut d, &mut c, Duration::ZERO);
    assert_eq!(d.selected, 6);
    let ctrl = c.reg_addr("EMU_CTRL", 6).unwrap();
    let delay = c.reg_addr("EMU_DELAY", 6).unwrap();
    let stuck = c.field("EMU_CTRL", "stuck").unwrap();
    let stuck_value = c.field("EMU_CTRL", "stuck_value").unwrap();
    let dead = field_set(&stuck, 0, 1).unwrap();
    let mut writes = |a: Action| {
        sent.lock().unwrap().clear();
        assert!(apply(a, &mut d, &mut c, Duration::ZERO), "{a:?}: {}", d.message);
        let w: Vec<(u16, Vec<u32>)> = sent
            .lock()
            .unwrap()
            .iter()
            .filter(|q| q.opcode == Opcode::Write)
            .map(|q| (q.addr, q.data.clone()))
            .collect();
        w
    };
    // stuck_value = 0 first (a read-modify-write each), then stuck.
    assert_eq!(writes(Action::Kill), [(ctrl, vec![field_set(&stuck_value, 0, 0).unwrap()]), (ctrl, vec![dead])]);
    assert_eq!(b.regs().live("EMU_CTRL", 6), dead);
    assert_eq!(writes(Action::Revive), [(ctrl, vec![dead]), (ctrl, vec![0])]);
    assert_eq!(writes(Action::SkewMore), [(delay, vec![16])]);
    assert_eq!(writes(Action::SkewMore), [(delay, vec![32])]);
    assert_eq!(writes(Action::SkewReset), [(delay, vec![0])]);
    assert_eq!(d.message, "lane 6 delay 0 bits");
}

fn mosaic(port: &str, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mosaic"))
        .env_remove("MOSAIC_PORT")
        .env_remove("NO_COLOR")
        .args(["--port", port, "--timeout", "200"])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn status_map_on_a_pipe_is_plain_text() {
    let b = fake_board();
    // stdout is a pipe here, so `--colour auto` must give no escape codes.
    let (code, out, err) = mosaic(b.path(), &["status", "--map"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "link DOWN  lanes found 0/16  loopback off  bert off  auto-failover off  stream gaps 0\n\
         18 physical lanes (16 + 2 spares) as the emitter array, 4 rows x 5 columns; row label = its first lane\n \
         0  . . . X .\n \
         5  . . m . E\n\
         10  . . e . .\n\
         15  . s s\n\
         . locked, no errors  e BER < 1e-6  E BER >= 1e-6  s spare  m no marker lock  X dead (no lock)\n"
    );
    let (_, coloured, _) = mosaic(b.path(), &["status", "--map", "--colour", "always"]);
    let (r, g, bl) = LaneState::Dead.rgb();
    assert!(coloured.contains(&format!("\x1b[1;38;2;{r};{g};{bl}mX\x1b[0m")), "{coloured:?}");
}

#[test]
fn watch_refuses_a_pipe_with_one_line() {
    let (code, out, err) = mosaic("/dev/null", &["watch"]);
    assert_eq!((code, out.as_str()), (1, ""));
    assert_eq!(
        err,
        "error: watch needs a terminal: stdout is not a TTY (use `mosaic status --map` in scripts and logs)\n"
    );
}

/// `attr="value"` of an SVG element.
fn attr(el: &str, name: &str) -> Option<f64> {
    let i = el.find(&format!(" {name}=\""))? + name.len() + 3;
    el[i..].split('"').next()?.parse().ok()
}

#[test]
fn report_svg_has_the_lane_count_and_one_bar_per_errored_lane() {
    let mut v = mosaic_view();
    v.lanes[20].bip_errors = 1; // 1.5e-8
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("lanes.svg");
    report::write(&v, &path, report::SIZE).unwrap();
    let svg = std::fs::read_to_string(&path).unwrap();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    assert!(svg.contains("100 physical lanes (98 + 2 spares), link UP"), "{}", &svg[..400]);
    assert!(svg.contains("emitter array, 10 x 10"));
    let (r, g, b) = report::BAR_RGB;
    let fill = format!("fill=\"#{r:02X}{g:02X}{b:02X}\"");
    let bars: Vec<&str> = svg.split("<rect").skip(1).filter(|e| e.split('>').next().unwrap().contains(&fill)).collect();
    // Lanes 5 (1e-5) and 20 (1.5e-8) have errors: two bars, on one floor, lane 5 the taller.
    assert_eq!(bars.len(), 2, "{bars:?}");
    let (h5, h20) = (attr(bars[0], "height").unwrap(), attr(bars[1], "height").unwrap());
    let bottom = |e: &str| attr(e, "y").unwrap() + attr(e, "height").unwrap();
    assert_eq!(bottom(bars[0]), bottom(bars[1]));
    assert!(h5 > h20 && h20 > 0.0, "{h5} {h20}");
    assert!(attr(bars[0], "x").unwrap() < attr(bars[1], "x").unwrap());
    // One heat-map cell per lane, the dead one in the dead colour.
    let (r, g, b) = LaneState::Dead.rgb();
    assert_eq!(svg.matches(&format!("fill=\"#{r:02X}{g:02X}{b:02X}\"")).count(), 1);
}

#[test]
fn report_png_has_the_asked_size() {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("lanes.png");
    report::write(&mosaic_view(), &path, (640, 480)).unwrap();
    let png = std::fs::read(&path).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(&png[12..16], b"IHDR");
    let be = |i: usize| u32::from_be_bytes(png[i..i + 4].try_into().unwrap());
    assert_eq!((be(16), be(20)), (640, 480));
    assert!(report::write(&mosaic_view(), std::path::Path::new("lanes.jpg"), (640, 480)).is_err());
}

/// RGB pixels of a PNG file, with its size.
fn decode_png(path: &std::path::Path) -> (Vec<u8>, u32, u32) {
    let mut r = png::Decoder::new(std::fs::File::open(path).unwrap()).read_info().unwrap();
    let mut buf = vec![0; r.output_buffer_size()];
    let info = r.next_frame(&mut buf).unwrap();
    assert_eq!((info.color_type, info.bit_depth), (png::ColorType::Rgb, png::BitDepth::Eight));
    buf.truncate(info.buffer_size());
    (buf, info.width, info.height)
}

/// Pixels in the box x0..x1, y0..y1 that differ between two RGB pictures `w` wide.
fn differing(a: &[u8], b: &[u8], w: u32, (x0, x1): (u32, u32), (y0, y1): (u32, u32)) -> usize {
    let px = |p: &[u8], x: u32, y: u32| {
        let i = 3 * (y * w + x) as usize;
        [p[i], p[i + 1], p[i + 2]]
    };
    (y0..y1).flat_map(|y| (x0..x1).map(move |x| (x, y))).filter(|&(x, y)| px(a, x, y) != px(b, x, y)).count()
}

#[test]
fn report_png_carries_the_title_lane_numbers_and_axis_labels() {
    let v = mosaic_view();
    let (w, h) = report::SIZE;
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("lanes-text.png");
    report::write(&v, &path, (w, h)).unwrap();
    let (png, pw, ph) = decode_png(&path);
    assert_eq!((pw, ph), (w, h));
    // The same chart, laid out identically, with every label transparent:
    // the pixels that differ are the text's.
    let bare = report::render_rgb(&v, (w, h), report::Ink::Hidden).unwrap();
    assert_eq!(report::render_rgb(&v, (w, h), report::Ink::Visible).unwrap(), png, "the PNG is the visible render");
    let split = w * 2 / 5;
    let bands = [
        ("title", (0, w), (0, 30)),
        // The heat map's caption, then its cells with white lane numbers.
        ("heat map caption", (0, split), (30, 60)),
        ("lane numbers", (0, split), (60, h)),
        ("BER caption", (split, w), (30, 60)),
        // Tick labels and "BER" left of the bars, lane ticks and "physical lane" under them.
        ("y axis labels", (split, split + 70), (60, h - 40)),
        ("x axis labels", (split + 70, w), (h - 45, h)),
    ];
    for (what, xs, ys) in bands {
        let n = differing(&png, &bare, w, xs, ys);
        assert!(n > 150, "{what}: {n} text pixels in x {xs:?}, y {ys:?}");
    }
    // Nothing but text differs: the bare chart is the same picture.
    let total = differing(&png, &bare, w, (0, w), (0, h));
    assert!(total < (w * h / 10) as usize, "{total} pixels differ");
    // The text is dark on white outside the heat map (black glyphs, anti-aliased).
    let dark = (0..w * 30).filter(|&i| png[3 * i as usize..3 * i as usize + 3].iter().all(|&c| c < 96)).count();
    assert!(dark > 100, "{dark} dark pixels in the title band");
}

#[test]
fn report_from_the_fake_board_through_the_cli() {
    let b = fake_board();
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("fake.svg");
    let (code, out, err) = mosaic(b.path(), &["report", "--out", path.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with(&format!("wrote {} (1200 x 600 px): mosaic-link: 18 physical lanes", path.display())),
        "{out}"
    );
    let (code, _, err) = mosaic(b.path(), &["report", "--out", "x.gif"]);
    assert_eq!((code, err.as_str()), (1, "error: report --out must end in .svg or .png, not x.gif\n"));
}
