//! `mosaic report`: one lane snapshot as a picture for a lab notebook: the
//! lanes as the emitter array (each cell coloured by its state, as in
//! `watch` and `status --map`) beside a per-lane BER bar chart.
//!
//! Both formats carry the same text (title, captions, lane numbers, axis
//! labels): SVG as `<text>` elements, PNG rasterized by plotters' `ab_glyph`
//! feature from DejaVu Sans, which is compiled into the binary (the
//! `dejavu` crate), so no system font library or font file is needed.

use crate::lane_view::{LinkView, BER_HIGH};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

/// Default picture size in pixels.
pub const SIZE: (u32, u32) = (1200, 600);

/// Fill of the BER bars (one colour: the heat map already shows the state).
pub const BAR_RGB: (u8, u8, u8) = (0x33, 0x55, 0x99);

/// The lowest BER on the chart's log axis (the bars' floor).
pub const BER_FLOOR: f64 = 1e-12;

/// The font family every label asks for; [register_font] backs it.
pub const FONT: &str = "sans-serif";

/// Registers the embedded DejaVu Sans as [FONT] (once; later calls are free).
/// [write] and [draw] call it: plotters fails to lay out any text, even for
/// SVG, while no font is registered under the family asked for.
pub fn register_font() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // The bytes are a valid TrueType font from a fixed crate version;
        // a failure here is a broken build, not a run-time condition.
        if plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular()).is_err() {
            panic!("the embedded DejaVu Sans font does not parse");
        }
    });
}

/// Whether labels are drawn in their colours, or in a fully transparent
/// one: the same layout, pixel for pixel, without the glyphs (so a test can
/// tell which pixels are text).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Ink {
    Visible,
    Hidden,
}

/// Picture formats, by file extension.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Format {
    Svg,
    Png,
}

impl Format {
    /// The format of `path` from its extension.
    pub fn of(path: &Path) -> anyhow::Result<Format> {
        match path.extension().and_then(|e| e.to_str()).map(|e| e.to_ascii_lowercase()).as_deref() {
            Some("svg") => Ok(Format::Svg),
            Some("png") => Ok(Format::Png),
            _ => anyhow::bail!("report --out must end in .svg or .png, not {}", path.display()),
        }
    }
}

/// The title line: lane count, link state, BER source.
pub fn title(v: &LinkView) -> String {
    let state = if v.bert {
        "BERT".to_string()
    } else if v.link_up {
        "link UP".to_string()
    } else {
        "link DOWN".to_string()
    };
    format!(
        "mosaic-link: {} physical lanes ({} + {} spares), {state}, BER from {} errors, one snapshot",
        v.lanes.len(),
        v.params.lanes,
        v.params.spares,
        if v.bert { "PRBS" } else { "BIP-8" }
    )
}

/// Writes the picture of `v` to `path` (format from the extension).
pub fn write(v: &LinkView, path: &Path, size: (u32, u32)) -> anyhow::Result<()> {
    let e = |e: String| anyhow::anyhow!("cannot draw {}: {e}", path.display());
    match Format::of(path)? {
        Format::Svg => {
            let root = SVGBackend::new(path, size).into_drawing_area();
            draw(&root, v, Ink::Visible).map_err(|x| e(x.to_string()))?;
            root.present().map_err(|x| e(x.to_string()))?;
        }
        Format::Png => {
            let root = BitMapBackend::new(path, size).into_drawing_area();
            draw(&root, v, Ink::Visible).map_err(|x| e(x.to_string()))?;
            root.present().map_err(|x| e(x.to_string()))?;
        }
    }
    Ok(())
}

/// The picture of `v` as 8-bit RGB pixels, row by row (what the PNG holds).
pub fn render_rgb(v: &LinkView, size: (u32, u32), ink: Ink) -> anyhow::Result<Vec<u8>> {
    let mut buf = vec![0u8; size.0 as usize * size.1 as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut buf, size).into_drawing_area();
        draw(&root, v, ink).map_err(|x| anyhow::anyhow!("cannot draw: {x}"))?;
        root.present().map_err(|x| anyhow::anyhow!("cannot draw: {x}"))?;
    }
    Ok(buf)
}

fn rgb((r, g, b): (u8, u8, u8)) -> RGBColor {
    RGBColor(r, g, b)
}

type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// A label font of `size` pixels in `colour`, or invisible under [Ink::Hidden].
fn font(ink: Ink, size: u32, colour: RGBColor) -> TextStyle<'static> {
    let style = (FONT, size).into_font();
    match ink {
        Ink::Visible => style.color(&colour),
        Ink::Hidden => style.color(&colour.mix(0.0)),
    }
}

/// Draws the heat map and the bars on `root`, with their labels in `ink`.
pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, v: &LinkView, ink: Ink) -> DrawResult<DB> {
    register_font();
    root.fill(&WHITE)?;
    let body = root.titled(&title(v), font(ink, 20, BLACK))?;
    let (w, _) = body.dim_in_pixel();
    let (left, right) = body.split_horizontally(w * 2 / 5);
    heat_map(&left, v, ink)?;
    ber_bars(&right, v, ink)
}

fn heat_map<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, v: &LinkView, ink: Ink) -> DrawResult<DB> {
    let g = v.grid();
    let mut b = ChartBuilder::on(area);
    b.margin(10).caption(format!("emitter array, {} x {}", g.rows, g.cols), font(ink, 16, BLACK));
    // Rows grow downwards, like the grid in the terminal.
    let mut chart = b.build_cartesian_2d(0..g.cols as i32, g.rows as i32..0)?;
    let states = v.states();
    chart.draw_series(states.iter().enumerate().map(|(lane, s)| {
        let (r, c) = g.position(lane);
        let (r, c) = (r as i32, c as i32);
        Rectangle::new([(c, r), (c + 1, r + 1)], rgb(s.rgb()).filled())
    }))?;
    // White gaps between cells, so neighbours of one state stay countable.
    chart.draw_series(states.iter().enumerate().map(|(lane, _)| {
        let (r, c) = g.position(lane);
        let (r, c) = (r as i32, c as i32);
        Rectangle::new([(c, r), (c + 1, r + 1)], WHITE.stroke_width(2))
    }))?;
    let label = font(ink, 12, WHITE);
    chart.draw_series(states.iter().enumerate().map(|(lane, _)| {
        let (r, c) = g.position(lane);
        // A few pixels into the cell from its top-left corner.
        EmptyElement::at((c as i32, r as i32)) + Text::new(format!("{lane}"), (3, 3), label.clone())
    }))?;
    Ok(())
}

fn ber_bars<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, v: &LinkView, ink: Ink) -> DrawResult<DB> {
    let n = v.lanes.len() as u32;
    let mut b = ChartBuilder::on(area);
    b.margin(10)
        .caption("BER per physical lane (no bar: no error counted)", font(ink, 16, BLACK))
        .x_label_area_size(30)
        .y_label_area_size(60);
    let mut chart = b.build_cartesian_2d(0..n.max(1), (BER_FLOOR..1.0f64).log_scale())?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_desc("physical lane")
        .y_desc("BER")
        // Powers of ten as 1e-6, not the float's 9.999999999999997e-7.
        .y_label_formatter(&|y| format!("{:.0e}", y))
        .label_style(font(ink, 12, BLACK))
        .axis_desc_style(font(ink, 14, BLACK))
        .draw()?;
    chart.draw_series(v.lanes.iter().filter_map(|l| {
        let (e, _, _) = l.ber_counts(v);
        let ber = l.ber(v).filter(|_| e > 0)?;
        let x = l.lane as u32;
        Some(Rectangle::new([(x, BER_FLOOR), (x + 1, ber.max(BER_FLOOR))], rgb(BAR_RGB).filled()))
    }))?;
    // The line the heat map's "high" class starts at.
    chart.draw_series(std::iter::once(PathElement::new(
        vec![(0, BER_HIGH), (n.max(1), BER_HIGH)],
        RED.stroke_width(1),
    )))?;
    Ok(())
}
