//! `mosaic report`: one lane snapshot as a picture for a lab notebook: the
//! lanes as the emitter array (each cell coloured by its state, as in
//! `watch` and `status --map`) beside a per-lane BER bar chart.
//!
//! SVG carries all its text (title, lane numbers, axes) as `<text>`
//! elements. PNG is drawn without text: plotters rasterizes text only with
//! a font feature, and those need fontconfig + freetype (`ttf`) or a font
//! file shipped with the binary (`ab_glyph`); this build has neither, and
//! plotters panics rather than fail when asked to draw text without one.

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
            draw(&root, v, true).map_err(|x| e(x.to_string()))?;
            root.present().map_err(|x| e(x.to_string()))?;
        }
        Format::Png => {
            let root = BitMapBackend::new(path, size).into_drawing_area();
            draw(&root, v, false).map_err(|x| e(x.to_string()))?;
            root.present().map_err(|x| e(x.to_string()))?;
        }
    }
    Ok(())
}

fn rgb((r, g, b): (u8, u8, u8)) -> RGBColor {
    RGBColor(r, g, b)
}

type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// Draws the heat map and the bars on `root`; `text` = false leaves out
/// every label (the PNG backend cannot draw text, see the module doc).
pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, v: &LinkView, text: bool) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let body = if text { root.titled(&title(v), ("sans-serif", 20))? } else { root.margin(10, 0, 0, 0) };
    let (w, _) = body.dim_in_pixel();
    let (left, right) = body.split_horizontally(w * 2 / 5);
    heat_map(&left, v, text)?;
    ber_bars(&right, v, text)
}

fn heat_map<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, v: &LinkView, text: bool) -> DrawResult<DB> {
    let g = v.grid();
    let mut b = ChartBuilder::on(area);
    b.margin(10);
    if text {
        b.caption(format!("emitter array, {} x {}", g.rows, g.cols), ("sans-serif", 16));
    }
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
    if text {
        let font = ("sans-serif", 11).into_font().color(&WHITE);
        chart.draw_series(states.iter().enumerate().map(|(lane, _)| {
            let (r, c) = g.position(lane);
            Text::new(format!("{lane}"), (c as i32, r as i32), font.clone())
        }))?;
    }
    Ok(())
}

fn ber_bars<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, v: &LinkView, text: bool) -> DrawResult<DB> {
    let n = v.lanes.len() as u32;
    let mut b = ChartBuilder::on(area);
    b.margin(10);
    if text {
        b.caption("BER per physical lane (no bar: no error counted)", ("sans-serif", 16))
            .x_label_area_size(30)
            .y_label_area_size(60);
    }
    let mut chart = b.build_cartesian_2d(0..n.max(1), (BER_FLOOR..1.0f64).log_scale())?;
    // Without text no mesh at all: the mesh draws tick labels, and asking a
    // log axis for zero labels never returns (plotters 0.3.7).
    if text {
        chart.configure_mesh().disable_x_mesh().x_desc("physical lane").y_desc("BER").draw()?;
    }
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
