//! The PNG backend: plotters' bitmap backend with our own text rasteriser.
//!
//! plotters 0.3.7's `ab_glyph` text drawing drops each glyph's left side
//! bearing, so letters wobble ("bus iest"). This wrapper delegates every
//! shape to `BitMapBackend` and draws text itself with `ab_glyph`, placed
//! like the SVG backend places it (font size `size / 1.24` px per em,
//! baseline at `0.76em` below a top anchor, `0.5ex` below a centre anchor),
//! so PNG and SVG look alike. Text measurement (layout) stays plotters' own,
//! hence identical for both backends.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
use plotters::backend::{BitMapBackend, DrawingBackend};
use plotters::style::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind,
};

/// Bitmap backend drawing text with the bundled font.
pub(crate) struct PngBackend<'a> {
    inner: BitMapBackend<'a>,
    font: FontRef<'static>,
}

type Error<'a> = DrawingErrorKind<<BitMapBackend<'a> as DrawingBackend>::ErrorType>;

impl<'a> PngBackend<'a> {
    /// Draws into `rgb` (`w * h * 3` bytes).
    pub fn new(rgb: &'a mut [u8], size: (u32, u32), font: FontRef<'static>) -> Self {
        PngBackend {
            inner: BitMapBackend::with_buffer(rgb, size),
            font,
        }
    }
}

/// x-height of DejaVu Sans [em]; the SVG backend centres text on `0.5ex`.
const X_HEIGHT_EM: f32 = 0.545;

impl<'a> DrawingBackend for PngBackend<'a> {
    type ErrorType = <BitMapBackend<'a> as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), Error<'a>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), Error<'a>> {
        self.inner.present()
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Result<(), Error<'a>> {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), Error<'a>> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), Error<'a>> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), Error<'a>> {
        self.inner.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), Error<'a>> {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), Error<'a>> {
        self.inner.fill_polygon(vert, style)
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), Error<'a>> {
        self.inner.blit_bitmap(pos, size, src)
    }

    fn draw_text<TStyle: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &TStyle,
        pos: BackendCoord,
    ) -> Result<(), Error<'a>> {
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let em = (style.size() / 1.24) as f32;
        let units = self.font.units_per_em().unwrap_or(2048.0);
        let scale = PxScale::from(em * self.font.height_unscaled() / units);
        let font = self.font.as_scaled(scale);

        // Lay the glyphs out on a baseline at y = 0, starting at x = 0.
        let mut glyphs = Vec::with_capacity(text.len());
        let mut caret = 0.0f32;
        let mut prev = None;
        for c in text.chars() {
            let id = font.glyph_id(c);
            if let Some(p) = prev {
                caret += font.kern(p, id);
            }
            glyphs.push(id.with_scale_and_position(scale, point(caret, 0.0)));
            caret += font.h_advance(id);
            prev = Some(id);
        }
        let dx = match style.anchor().h_pos {
            HPos::Left => 0.0,
            HPos::Center => -caret / 2.0,
            HPos::Right => -caret,
        };
        let baseline = match style.anchor().v_pos {
            VPos::Top => 0.76 * em,
            VPos::Center => 0.5 * X_HEIGHT_EM * em,
            VPos::Bottom => -0.5 * X_HEIGHT_EM * em,
        };
        let trans = style.transform();
        let mut result = Ok(());
        for g in glyphs {
            let Some(outline) = self.font.outline_glyph(g) else {
                continue;
            };
            let b = outline.px_bounds();
            outline.draw(|x, y, coverage| {
                if result.is_err() || coverage <= 0.0 {
                    return;
                }
                let ox = (b.min.x + x as f32 + dx).round() as i32;
                let oy = (b.min.y + y as f32 + baseline).round() as i32;
                let (tx, ty) = trans.transform(ox, oy);
                let c = BackendColor {
                    alpha: color.alpha * f64::from(coverage.min(1.0)),
                    rgb: color.rgb,
                };
                result = self.inner.draw_pixel((pos.0 + tx, pos.1 + ty), c);
            });
        }
        result
    }
}
