//! Charts drawn from a result folder's CSVs, each as PNG and SVG (1200x700).
//!
//! [`draw_all`] reads the CSVs back with [`super::read`] rather than taking
//! records, so `hmasim plot DIR` redraws exactly what a run drew. Every chart
//! is drawn twice through the same generic code, once per plotters backend:
//! the SVG (deterministic, golden-tested, inlined in the HTML report) and the
//! PNG (rendered in memory, encoded with `png`, written atomically).
//!
//! Text uses DejaVu Sans compiled into the binary (`assets/fonts/`) through
//! plotters' `ab_glyph` feature: charts render on machines without any font
//! library, and text measurements, hence the SVG bytes, are the same
//! everywhere.
//!
//! | file | needs | shows |
//! |---|---|---|
//! | `timeline` | `runs.csv`, `timeline.csv` or `windows.csv` | states, windows and rollovers of one run pair |
//! | `rejections` | `runs.csv`, `timeseries.csv` | rejected share per bucket, off vs on; long runs add a panel around the busiest day's windows |
//! | `windows` | `windows.csv` | CDF of window durations, all runs |
//! | `impact` | `runs.csv` | user-minutes per replication, off vs on |
//! | `sweep_<metric>` | `sweep_summary.csv` | metric mean and CI per sweep point, off vs on |
//! | `sweep_saved_user_minutes` | `sweep_summary.csv` | paired saving off − on and its CI per sweep point |
//! | `variants` | `variants.csv` | variants ranked by user-minutes: mean and CI, paired difference against the first |

mod folder;
mod impact;
mod look;
mod raster;
mod rejections;
mod sweep;
mod timeline;
mod variants;
mod windows;
mod zoom;

pub(crate) use folder::Folder;
pub(crate) use impact::paired;
pub(crate) use look::*;
pub use look::{fmt_duration_rounded, fmt_value};

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::atomic;
use crate::scenario::clock::WallClock;

/// Width of every chart [px].
pub const WIDTH: u32 = 1200;
/// Height of every chart [px].
pub const HEIGHT: u32 = 700;

/// Options of [`draw_all`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChartOptions {
    /// Time range `[from, to)` [ms] of the time-axis charts (`--from/--to`);
    /// `None`: the whole run, or the busiest day for the timeline when the
    /// run is longer than two days (the rejections chart adds a panel
    /// around that day's failure windows; see `zoom`).
    pub zoom: Option<(u64, u64)>,
    /// `worker.failed_update_hold` [ms], marked on the windows chart.
    pub hold_ms: u64,
    /// `simulation.horizon` [ms] when known (the manifest has it); `None`:
    /// estimated from the CSVs, which do not store it.
    pub horizon_ms: Option<u64>,
    /// `simulation.start`, if set (the manifest has it): the time axes
    /// show UTC dates and times instead of time since the start.
    pub start: Option<WallClock>,
}

impl Default for ChartOptions {
    fn default() -> Self {
        ChartOptions {
            zoom: None,
            hold_ms: DEFAULT_HOLD_MS,
            horizon_ms: None,
            start: None,
        }
    }
}

/// The KB's "up to 30 minutes", used when the scenario is unknown.
pub const DEFAULT_HOLD_MS: u64 = 30 * 60_000;

/// One chart that could not be drawn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChartFailure {
    /// Chart name (`timeline`, `sweep_user_minutes`, ...), or `charts` when
    /// the folder itself is unusable.
    pub chart: String,
    /// Why.
    pub message: String,
}

/// What [`draw_all`] could not do; the other charts were still drawn.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChartErrors {
    /// Files written despite the failures.
    pub written: Vec<PathBuf>,
    /// One entry per failed chart.
    pub failures: Vec<ChartFailure>,
}

impl fmt::Display for ChartErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.failures.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "chart {}: {}", e.chart, e.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for ChartErrors {}

/// Draws every chart that the CSVs in `dir` allow (see the module table),
/// each as `NAME.png` and `NAME.svg` in `dir`, and returns the files written
/// in a fixed order. The CSVs are only read. A chart that fails is reported
/// in the error with its reason; the others are still drawn.
pub fn draw_all(dir: &Path, options: &ChartOptions) -> Result<Vec<PathBuf>, ChartErrors> {
    let mut errors = ChartErrors::default();
    let fail = |chart: &str, message: String| ChartFailure {
        chart: chart.to_string(),
        message,
    };
    if let Err(e) = register_font() {
        errors.failures.push(fail("charts", e));
        return Err(errors);
    }
    if !dir.is_dir() {
        errors
            .failures
            .push(fail("charts", format!("{} is not a folder", dir.display())));
        return Err(errors);
    }
    let folder = Folder::load(dir);
    // (chart name, the chart ready to draw or why it cannot be).
    type Job = (String, Result<Box<dyn Chart>, String>);
    let mut jobs: Vec<Job> = Vec::new();

    let exists = |name: &str| dir.join(name).is_file();
    if exists("timeline.csv") || exists("windows.csv") {
        jobs.push(("timeline".into(), timeline::build(&folder, options)));
    }
    if exists("timeseries.csv") {
        jobs.push(("rejections".into(), rejections::build(&folder, options)));
    }
    if exists("windows.csv") {
        jobs.push(("windows".into(), windows::build(&folder, options)));
    }
    if exists("runs.csv") {
        jobs.push(("impact".into(), impact::build(&folder)));
    }
    if exists("sweep_summary.csv") {
        for metric in sweep::METRICS {
            jobs.push((format!("sweep_{metric}"), sweep::build(&folder, metric)));
        }
        for metric in sweep::SAVED_METRICS {
            jobs.push((
                format!("sweep_saved_{metric}"),
                sweep::build_saved(&folder, metric),
            ));
        }
    }
    if exists("variants.csv") {
        jobs.push(("variants".into(), variants::build(&folder)));
    }
    if jobs.is_empty() {
        errors.failures.push(fail(
            "charts",
            format!(
                "no result CSVs (runs.csv, windows.csv, timeseries.csv, timeline.csv, sweep_summary.csv, variants.csv) in {}",
                dir.display()
            ),
        ));
        return Err(errors);
    }
    for (name, chart) in jobs {
        match chart.and_then(|c| render(dir, &name, c.as_ref())) {
            Ok(files) => errors.written.extend(files),
            Err(message) => errors.failures.push(fail(&name, message)),
        }
    }
    if errors.failures.is_empty() {
        Ok(errors.written)
    } else {
        Err(errors)
    }
}

/// The bundled font (see `assets/fonts/LICENSE-DejaVu.txt`).
static FONT: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");

/// Font family name the charts ask for; registered with the bundled font.
pub(crate) const FAMILY: &str = "sans-serif";

/// Registers the bundled font once per process.
fn register_font() -> Result<(), String> {
    static DONE: OnceLock<Result<(), String>> = OnceLock::new();
    DONE.get_or_init(|| {
        plotters::style::register_font(FAMILY, FontStyle::Normal, FONT)
            .map_err(|_| "the bundled font does not parse".to_string())
    })
    .clone()
}

/// A chart drawable on any plotters backend.
pub(crate) trait Chart {
    /// Draws the whole chart on `root` (`WIDTH` x `HEIGHT`).
    fn draw_svg(&self, root: &DrawingArea<SVGBackend<'_>, Shift>) -> Result<(), DrawError>;
    /// Same on the bitmap backend.
    fn draw_bitmap(
        &self,
        root: &DrawingArea<raster::PngBackend<'_>, Shift>,
    ) -> Result<(), DrawError>;
}

/// Implements [`Chart`] for a type with a generic
/// `fn draw<DB: DrawingBackend>(&self, &DrawingArea<DB, Shift>) -> Result<(), DrawError>`
/// (trait objects cannot have generic methods).
macro_rules! impl_chart {
    ($t:ty) => {
        impl $crate::output::charts::Chart for $t {
            fn draw_svg(
                &self,
                root: &plotters::drawing::DrawingArea<
                    plotters::prelude::SVGBackend<'_>,
                    plotters::coord::Shift,
                >,
            ) -> Result<(), $crate::output::charts::DrawError> {
                self.draw(root)
            }
            fn draw_bitmap(
                &self,
                root: &plotters::drawing::DrawingArea<
                    $crate::output::charts::PngBackend<'_>,
                    plotters::coord::Shift,
                >,
            ) -> Result<(), $crate::output::charts::DrawError> {
                self.draw(root)
            }
        }
    };
}
pub(crate) use impl_chart;
pub(crate) use raster::PngBackend;

/// A drawing failed (backend or font error).
#[derive(Debug)]
pub(crate) struct DrawError(pub String);

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for DrawError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        DrawError(e.to_string())
    }
}

/// Draws `chart` to `NAME.svg` and `NAME.png` in `dir`, each atomically.
fn render(dir: &Path, name: &str, chart: &dyn Chart) -> Result<Vec<PathBuf>, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        chart.draw_svg(&root).map_err(|e| e.0)?;
        root.present().map_err(|e| e.to_string())?;
    }
    let mut pixels = vec![0u8; (WIDTH * HEIGHT * 3) as usize];
    {
        let font = ab_glyph::FontRef::try_from_slice(FONT)
            .map_err(|_| "the bundled font does not parse".to_string())?;
        let root = PngBackend::new(&mut pixels, (WIDTH, HEIGHT), font).into_drawing_area();
        chart.draw_bitmap(&root).map_err(|e| e.0)?;
        root.present().map_err(|e| e.to_string())?;
    }
    let png = encode_png(&pixels).map_err(|e| format!("PNG encoding: {e}"))?;
    let svg_path = dir.join(format!("{name}.svg"));
    let png_path = dir.join(format!("{name}.png"));
    atomic::write_file(&svg_path, svg.as_bytes())
        .map_err(|e| format!("{}: {e}", svg_path.display()))?;
    atomic::write_file(&png_path, &png).map_err(|e| format!("{}: {e}", png_path.display()))?;
    Ok(vec![png_path, svg_path])
}

fn encode_png(rgb: &[u8]) -> Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, WIDTH, HEIGHT);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let mut w = enc.write_header()?;
    w.write_image_data(rgb)?;
    w.finish()?;
    Ok(out)
}
