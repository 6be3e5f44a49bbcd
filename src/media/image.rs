//! Image processing for uploaded and fetched media, after what Mastodon does:
//! refuse decompression bombs from the header alone, decode, apply the EXIF
//! orientation, drop every piece of metadata (EXIF, GPS, ICC) by re-encoding,
//! downsize the stored original, make the `small` preview and the blurhash,
//! and crop avatars and headers around their focal point.
//!
//! Everything here is synchronous and CPU-bound: callers run it on a blocking
//! pool behind a concurrency limit. Peak memory per call is about the decoded
//! input (3 bytes a pixel when opaque, 4 with transparency; for JPEG also the
//! file, which the decoder reads whole) plus the downsized copy; resampling
//! streams one row of floats at a time.
//!
//! Output format is predictable: PNG when any pixel is not fully opaque,
//! JPEG (quality 85) otherwise.

use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::metadata::Orientation;
use image::{
    DynamicImage, ExtendedColorType, ImageDecoder, ImageEncoder, ImageFormat, ImageReader,
    RgbImage, RgbaImage,
};

const JPEG_QUALITY: u8 = 85;
/// Blurhash components across and down.
const BLURHASH_COMPONENTS: (u32, u32) = (4, 3);
/// The blurhash is computed from a thumbnail of at most this many pixels.
const BLURHASH_INPUT_PIXELS: u64 = 64 * 64;
/// Decoder allocations allowed on top of the decoded RGBA pixels.
const DECODER_SLACK_BYTES: u64 = 16 * 1024 * 1024;

/// Pixel limits applied to every image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Inputs with more pixels than this are refused before decoding.
    pub max_input_pixels: u64,
    /// A stored original with more pixels than this is downsized, aspect kept.
    pub max_original_pixels: u64,
    /// Area of the `small` preview (never upscaled).
    pub small_pixels: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_input_pixels: 8192 * 8192,
            max_original_pixels: 3840 * 2160,
            small_pixels: 640 * 640,
        }
    }
}

/// A Mastodon focal point: each axis in `-1.0..=1.0`, `(0, 0)` the centre,
/// `y = +1` the top edge.
///
/// <https://docs.joinmastodon.org/api/guidelines/#focal-points>
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Focus {
    pub x: f64,
    pub y: f64,
}

/// An encoded image ready to store.
#[derive(Debug, Clone)]
pub struct Encoded {
    pub bytes: Vec<u8>,
    /// `image/jpeg` or `image/png`.
    pub content_type: &'static str,
    /// `jpg` or `png`.
    pub extension: &'static str,
    pub width: u32,
    pub height: u32,
}

/// The renditions of an attachment.
#[derive(Debug, Clone)]
pub struct Processed {
    pub original: Encoded,
    pub small: Encoded,
    pub blurhash: String,
}

/// Why an image was refused.
#[derive(Debug)]
pub enum ImageError {
    /// Not an image, or a format we do not decode.
    Unsupported,
    /// The header announces more pixels than allowed.
    TooManyPixels { width: u32, height: u32 },
    /// Corrupt, truncated or unreadable data; the text is for logs.
    Invalid(String),
}

impl fmt::Display for ImageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unsupported => f.write_str("unsupported image format"),
            Self::TooManyPixels { width, height } => {
                write!(f, "image is too large ({width}x{height} pixels)")
            }
            Self::Invalid(reason) => write!(f, "invalid image: {reason}"),
        }
    }
}

impl std::error::Error for ImageError {}

impl From<image::ImageError> for ImageError {
    fn from(err: image::ImageError) -> Self {
        match err {
            image::ImageError::Unsupported(_) => Self::Unsupported,
            image::ImageError::IoError(err) => Self::from(err),
            other => Self::Invalid(other.to_string()),
        }
    }
}

impl From<io::Error> for ImageError {
    fn from(err: io::Error) -> Self {
        Self::Invalid(format!("reading image: {err}"))
    }
}

/// What an image's header says, before any pixel is decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub format: ImageFormat,
    /// Raw header dimensions, before EXIF orientation.
    pub width: u32,
    pub height: u32,
}

/// Reads only the header (format from the bytes, never the file name) and
/// the dimensions, without decoding pixels.
pub fn probe(path: &Path) -> Result<Header, ImageError> {
    let (format, reader) = open(path, image::Limits::default())?;
    let decoder = reader.into_decoder()?;
    let (width, height) = decoder.dimensions();
    Ok(Header {
        format,
        width,
        height,
    })
}

/// Whether a GIF has more than one frame. Walks the block structure without
/// decoding pixels and stops at the second frame. Anything that is not a GIF
/// is not an animated GIF; a truncated GIF counts the frames it has.
pub fn is_animated_gif(path: &Path) -> Result<bool, ImageError> {
    let mut reader = BufReader::new(File::open(path)?);
    Ok(count_gif_frames(&mut reader, 2)? >= 2)
}

/// Processes an attachment: the original (downsized above
/// `max_original_pixels`), the `small` preview and the blurhash. An animated
/// GIF yields its first frame; callers wanting video check
/// [`is_animated_gif`] first.
pub fn process_attachment(path: &Path, limits: &Limits) -> Result<Processed, ImageError> {
    let (raster, orientation) = decode(path, limits)?;
    // Resize before rotating: the area is the same either way and rotating
    // the smaller image needs a smaller temporary copy.
    let raster = match fit_within(&raster, limits.max_original_pixels, Filter::CatmullRom) {
        Some(smaller) => {
            drop(raster);
            smaller
        }
        None => raster,
    };
    let raster = raster.oriented(orientation)?;
    let original = encode(&raster)?;

    let small_raster = fit_within(&raster, limits.small_pixels, Filter::Triangle);
    let blurhash = blurhash(small_raster.as_ref().unwrap_or(&raster))?;
    drop(raster);
    let small = match &small_raster {
        Some(small_raster) => encode(small_raster)?,
        // Already small enough: the original is the preview.
        None => original.clone(),
    };
    Ok(Processed {
        original,
        small,
        blurhash,
    })
}

/// Processes an avatar (400x400) or header (1500x500): the largest window of
/// the target's aspect ratio, centred on `focus` as far as the image allows,
/// resized to exactly `width` x `height`. An image smaller than the target
/// is only cropped to the aspect ratio, never upscaled.
pub fn process_cropped(
    path: &Path,
    limits: &Limits,
    width: u32,
    height: u32,
    focus: Focus,
) -> Result<Encoded, ImageError> {
    if width == 0 || height == 0 {
        return Err(ImageError::Invalid("empty target size".into()));
    }
    let (raster, orientation) = decode(path, limits)?;
    let raster = raster.oriented(orientation)?;
    let window = focal_window(raster.width, raster.height, width, height, focus);
    let (out_width, out_height) = if window.width >= width && window.height >= height {
        (width, height)
    } else {
        (window.width, window.height)
    };
    let cropped = resample(&raster, window, out_width, out_height, Filter::CatmullRom);
    drop(raster);
    encode(&cropped)
}

/// Opens a file and guesses its format from the first bytes.
fn open(
    path: &Path,
    limits: image::Limits,
) -> Result<(ImageFormat, ImageReader<BufReader<File>>), ImageError> {
    let mut reader = ImageReader::new(BufReader::new(File::open(path)?)).with_guessed_format()?;
    let format = reader.format().ok_or(ImageError::Unsupported)?;
    reader.limits(limits);
    Ok((format, reader))
}

/// Decodes a file into 8-bit RGB or RGBA pixels, refusing it from its header
/// when it has too many pixels. Returns the EXIF orientation still to apply.
fn decode(path: &Path, limits: &Limits) -> Result<(Raster, Orientation), ImageError> {
    let budget = limits
        .max_input_pixels
        .saturating_mul(4)
        .saturating_add(DECODER_SLACK_BYTES);
    let mut guard = image::Limits::default();
    guard.max_alloc = Some(budget);
    // The header is read under the allocation budget only, so that an
    // oversized image is reported with its dimensions below.
    let (format, reader) = open(path, guard.clone())?;
    let mut decoder = reader.into_decoder()?;

    let (width, height) = decoder.dimensions();
    let too_many = |err: image::ImageError| match err {
        image::ImageError::Limits(_) => ImageError::TooManyPixels { width, height },
        other => ImageError::from(other),
    };
    if u64::from(width) * u64::from(height) > limits.max_input_pixels {
        return Err(ImageError::TooManyPixels { width, height });
    }
    if width == 0 || height == 0 {
        return Err(ImageError::Invalid("image has no pixels".into()));
    }
    // Second guard: the decoder itself refuses anything bigger than the
    // header we checked, or a buffer over budget (16-bit images count double).
    guard.max_image_width = Some(width);
    guard.max_image_height = Some(height);
    decoder.set_limits(guard).map_err(too_many)?;
    if decoder.total_bytes() > budget {
        return Err(ImageError::TooManyPixels { width, height });
    }
    // The JPEG decoder paints a truncated image's missing part grey rather
    // than failing; such an upload is almost always a broken transfer.
    if format == ImageFormat::Jpeg && !jpeg_is_complete(&mut BufReader::new(File::open(path)?))? {
        return Err(ImageError::Invalid("truncated JPEG".into()));
    }
    // A broken EXIF block is no reason to refuse the picture.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let image = DynamicImage::from_decoder(decoder).map_err(too_many)?;
    Ok((Raster::from_dynamic(image), orientation))
}

/// Decoded pixels: 8-bit RGB when opaque, RGBA when any pixel is not.
struct Raster {
    width: u32,
    height: u32,
    alpha: bool,
    data: Vec<u8>,
}

impl Raster {
    /// Converts any decoded image to RGB8, or RGBA8 when it has transparency.
    fn from_dynamic(image: DynamicImage) -> Self {
        match image {
            DynamicImage::ImageRgb8(buffer) => Self::from_rgb(buffer),
            DynamicImage::ImageRgba8(buffer) => Self::from_rgba(buffer),
            other if other.color().has_alpha() => Self::from_rgba(other.into_rgba8()),
            other => Self::from_rgb(other.into_rgb8()),
        }
    }

    fn from_rgb(buffer: RgbImage) -> Self {
        let (width, height) = buffer.dimensions();
        Self {
            width,
            height,
            alpha: false,
            data: buffer.into_raw(),
        }
    }

    /// Keeps the alpha channel only if some pixel uses it; otherwise drops it
    /// in place rather than allocating a second buffer.
    fn from_rgba(buffer: RgbaImage) -> Self {
        let (width, height) = buffer.dimensions();
        Self::from_rgba_data(width, height, buffer.into_raw())
    }

    fn from_rgba_data(width: u32, height: u32, mut data: Vec<u8>) -> Self {
        let alpha = data.chunks_exact(4).any(|px| px[3] != u8::MAX);
        if !alpha {
            for i in 0..data.len() / 4 {
                data.copy_within(4 * i..4 * i + 3, 3 * i);
            }
            data.truncate(data.len() / 4 * 3);
            data.shrink_to_fit();
        }
        Self {
            width,
            height,
            alpha,
            data,
        }
    }

    fn oriented(self, orientation: Orientation) -> Result<Self, ImageError> {
        if orientation == Orientation::NoTransforms {
            return Ok(self);
        }
        let mut image = self.into_dynamic()?;
        image.apply_orientation(orientation);
        Ok(Self::from_dynamic(image))
    }

    fn into_dynamic(self) -> Result<DynamicImage, ImageError> {
        let (width, height) = (self.width, self.height);
        let image = if self.alpha {
            RgbaImage::from_raw(width, height, self.data).map(DynamicImage::ImageRgba8)
        } else {
            RgbImage::from_raw(width, height, self.data).map(DynamicImage::ImageRgb8)
        };
        image.ok_or_else(|| ImageError::Invalid("pixel buffer does not match its size".into()))
    }

    fn full(&self) -> Rect {
        Rect {
            x: 0,
            y: 0,
            width: self.width,
            height: self.height,
        }
    }
}

/// Encodes as PNG when the raster has transparency, JPEG otherwise. The
/// encoders write no EXIF, XMP or ICC data.
fn encode(raster: &Raster) -> Result<Encoded, ImageError> {
    let mut bytes = Vec::new();
    let (content_type, extension) = if raster.alpha {
        PngEncoder::new(&mut bytes).write_image(
            &raster.data,
            raster.width,
            raster.height,
            ExtendedColorType::Rgba8,
        )?;
        ("image/png", "png")
    } else {
        JpegEncoder::new_with_quality(&mut bytes, JPEG_QUALITY).write_image(
            &raster.data,
            raster.width,
            raster.height,
            ExtendedColorType::Rgb8,
        )?;
        ("image/jpeg", "jpg")
    };
    Ok(Encoded {
        bytes,
        content_type,
        extension,
        width: raster.width,
        height: raster.height,
    })
}

/// A blurhash of a tiny thumbnail of `raster`.
///
/// <https://github.com/woltapp/blurhash/blob/master/Algorithm.md>
fn blurhash(raster: &Raster) -> Result<String, ImageError> {
    let thumbnail = fit_within(raster, BLURHASH_INPUT_PIXELS, Filter::Triangle);
    let source = thumbnail.as_ref().unwrap_or(raster);
    let rgba: Vec<u8> = if source.alpha {
        source.data.clone()
    } else {
        source
            .data
            .chunks_exact(3)
            .flat_map(|px| [px[0], px[1], px[2], u8::MAX])
            .collect()
    };
    let (x, y) = BLURHASH_COMPONENTS;
    blurhash::encode(x, y, source.width, source.height, &rgba)
        .map_err(|err| ImageError::Invalid(format!("blurhash: {err}")))
}

/// The size of `width` x `height` scaled to at most `max_pixels`, aspect
/// kept as closely as whole pixels allow; never larger than the input.
fn fit_area(width: u32, height: u32, max_pixels: u64) -> (u32, u32) {
    let max_pixels = max_pixels.max(1);
    let area = u64::from(width) * u64::from(height);
    if area <= max_pixels {
        return (width, height);
    }
    let scale = (max_pixels as f64 / area as f64).sqrt();
    let scaled = |side: u32| ((f64::from(side) * scale).floor() as u32).clamp(1, side);
    let (mut w, mut h) = (scaled(width), scaled(height));
    // Guard against floating-point rounding and one-pixel-thin images.
    while u64::from(w) * u64::from(h) > max_pixels {
        if w >= h {
            w -= 1;
        } else {
            h -= 1;
        }
    }
    (w, h)
}

/// A downsized copy of `raster` with at most `max_pixels`, or `None` when
/// it already fits.
fn fit_within(raster: &Raster, max_pixels: u64, filter: Filter) -> Option<Raster> {
    let (width, height) = fit_area(raster.width, raster.height, max_pixels);
    if (width, height) == (raster.width, raster.height) {
        return None;
    }
    Some(resample(raster, raster.full(), width, height, filter))
}

/// A rectangle of a raster, in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Rect {
    x: u32,
    y: u32,
    width: u32,
    height: u32,
}

/// The largest window with the target's aspect ratio, centred on the focal
/// point as far as the image allows.
fn focal_window(width: u32, height: u32, target_w: u32, target_h: u32, focus: Focus) -> Rect {
    let (w, h) = (u64::from(width), u64::from(height));
    let (tw, th) = (u64::from(target_w), u64::from(target_h));
    let (crop_w, crop_h) = if w * th > h * tw {
        // Wider than the target: full height, part of the width.
        (((h * tw + th / 2) / th).clamp(1, w), h)
    } else {
        (w, ((w * th + tw / 2) / tw).clamp(1, h))
    };
    // Safe casts: both are clamped to the image's own u32 dimensions.
    let (crop_w, crop_h) = (crop_w as u32, crop_h as u32);
    let axis = |v: f64| {
        if v.is_finite() {
            v.clamp(-1.0, 1.0)
        } else {
            0.0
        }
    };
    let place = |centre: f64, size: u32, whole: u32| {
        let max = f64::from(whole - size);
        (centre - f64::from(size) / 2.0).clamp(0.0, max).round() as u32
    };
    let centre_x = (axis(focus.x) + 1.0) / 2.0 * f64::from(width);
    // Mastodon's y grows upwards.
    let centre_y = (1.0 - axis(focus.y)) / 2.0 * f64::from(height);
    Rect {
        x: place(centre_x, crop_w, width),
        y: place(centre_y, crop_h, height),
        width: crop_w,
        height: crop_h,
    }
}

/// Resampling filters, as in `image::imageops::FilterType`.
#[derive(Debug, Clone, Copy)]
enum Filter {
    /// Bilinear: cheap, a little soft; for previews.
    Triangle,
    /// Bicubic, sharper; for the stored original and crops.
    CatmullRom,
}

impl Filter {
    fn support(self) -> f32 {
        match self {
            Self::Triangle => 1.0,
            Self::CatmullRom => 2.0,
        }
    }

    fn weight(self, x: f32) -> f32 {
        let x = x.abs();
        match self {
            Self::Triangle => (1.0 - x).max(0.0),
            Self::CatmullRom if x < 1.0 => 1.5 * x * x * x - 2.5 * x * x + 1.0,
            Self::CatmullRom if x < 2.0 => -0.5 * x * x * x + 2.5 * x * x - 4.0 * x + 2.0,
            Self::CatmullRom => 0.0,
        }
    }
}

/// The input pixels contributing to one output pixel, and their weights.
struct Taps {
    start: usize,
    weights: Vec<f32>,
}

/// Taps for scaling `input` pixels to `output` pixels along one axis.
fn taps(input: u32, output: u32, filter: Filter) -> Vec<Taps> {
    let ratio = input as f32 / output as f32;
    // Widen the kernel when shrinking so every input pixel contributes.
    let scale = ratio.max(1.0);
    let support = filter.support() * scale;
    let input = input as usize;
    (0..output)
        .map(|i| {
            let centre = (i as f32 + 0.5) * ratio;
            let start = ((centre - support).floor().max(0.0) as usize).min(input - 1);
            let end = ((centre + support).ceil().max(0.0) as usize).clamp(start + 1, input);
            let mut weights: Vec<f32> = (start..end)
                .map(|j| filter.weight((j as f32 + 0.5 - centre) / scale))
                .collect();
            let sum: f32 = weights.iter().sum();
            if sum.abs() > f32::EPSILON {
                weights.iter_mut().for_each(|w| *w /= sum);
            } else {
                let even = 1.0 / weights.len() as f32;
                weights.fill(even);
            }
            Taps { start, weights }
        })
        .collect()
}

/// Scales the `rect` part of `src` to `width` x `height` with a separable
/// filter. Memory beyond the output is one row of floats: each output row
/// is filtered vertically into that row, then horizontally into the output.
/// Colours are weighted by alpha so transparent pixels leave no dark fringe.
fn resample(src: &Raster, rect: Rect, width: u32, height: u32, filter: Filter) -> Raster {
    if src.alpha {
        let data = resample_channels::<4>(src, rect, width, height, filter);
        // The transparent part may have been cropped or averaged away.
        Raster::from_rgba_data(width, height, data)
    } else {
        let data = resample_channels::<3>(src, rect, width, height, filter);
        Raster {
            width,
            height,
            alpha: false,
            data,
        }
    }
}

fn resample_channels<const C: usize>(
    src: &Raster,
    rect: Rect,
    width: u32,
    height: u32,
    filter: Filter,
) -> Vec<u8> {
    let stride = src.width as usize * C;
    let row_start = rect.x as usize * C;
    let row_len = rect.width as usize * C;
    if (width, height) == (rect.width, rect.height) {
        // A plain crop.
        let mut out = Vec::with_capacity(row_len * rect.height as usize);
        for y in rect.y as usize..(rect.y + rect.height) as usize {
            let line = y * stride + row_start;
            out.extend_from_slice(&src.data[line..line + row_len]);
        }
        return out;
    }
    let columns = taps(rect.width, width, filter);
    let rows = taps(rect.height, height, filter);
    let out_row_len = width as usize * C;
    let mut out = vec![0u8; out_row_len * height as usize];
    let mut row = vec![0f32; row_len];
    // The hot loops index plainly: they vectorise in release builds and stay
    // tolerable in unoptimised test builds, unlike iterator chains.
    for (vertical, out_row) in rows.iter().zip(out.chunks_exact_mut(out_row_len)) {
        row.fill(0.0);
        for (k, &weight) in vertical.weights.iter().enumerate() {
            let first = (rect.y as usize + vertical.start + k) * stride + row_start;
            accumulate::<C>(&mut row, &src.data[first..first + row_len], weight);
        }
        let mut o = 0;
        for horizontal in &columns {
            let mut px = [0f32; C];
            let mut i = horizontal.start * C;
            for &weight in &horizontal.weights {
                let mut c = 0;
                while c < C {
                    px[c] += row[i + c] * weight;
                    c += 1;
                }
                i += C;
            }
            if C == 4 {
                let unweight = if px[3] > 0.5 { px[3].recip() } else { 0.0 };
                px[0] *= unweight;
                px[1] *= unweight;
                px[2] *= unweight;
            }
            let mut c = 0;
            while c < C {
                // Float-to-int casts saturate: this rounds and clamps to 0..=255.
                out_row[o + c] = (px[c] + 0.5) as u8;
                c += 1;
            }
            o += C;
        }
    }
    out
}

/// Adds one weighted source row to the accumulator row. With alpha, colours
/// are weighted by it (premultiplied) so transparent pixels add no colour.
fn accumulate<const C: usize>(row: &mut [f32], line: &[u8], weight: f32) {
    let len = row.len().min(line.len());
    let (row, line) = (&mut row[..len], &line[..len]);
    let mut i = 0;
    if C == 4 {
        while i + 3 < len {
            let alpha = line[i + 3] as f32 * weight;
            row[i] += line[i] as f32 * alpha;
            row[i + 1] += line[i + 1] as f32 * alpha;
            row[i + 2] += line[i + 2] as f32 * alpha;
            row[i + 3] += alpha;
            i += 4;
        }
    } else {
        while i < len {
            row[i] += line[i] as f32 * weight;
            i += 1;
        }
    }
}

/// Whether a JPEG stream reaches its end-of-image marker. Walks the marker
/// segments (skipping their payloads, so an embedded EXIF thumbnail's end
/// marker does not count) and scans entropy-coded data for the next marker.
fn jpeg_is_complete(reader: &mut impl BufRead) -> io::Result<bool> {
    let mut soi = [0u8; 2];
    if !read_all(reader, &mut soi)? || soi != [0xFF, 0xD8] {
        return Ok(false);
    }
    while let Some(code) = next_jpeg_marker(reader)? {
        match code {
            0xD9 => return Ok(true),
            // Markers without a payload (restarts are skipped while scanning).
            0x01 | 0xD8 => {}
            _ => {
                let mut len = [0u8; 2];
                if !read_all(reader, &mut len)? {
                    return Ok(false);
                }
                let payload = u16::from_be_bytes(len).saturating_sub(2);
                if !skip(reader, u64::from(payload))? {
                    return Ok(false);
                }
            }
        }
    }
    Ok(false)
}

/// The code of the next JPEG marker, skipping entropy-coded data with its
/// stuffed `FF 00` bytes and restart markers; `None` at end of file.
fn next_jpeg_marker(reader: &mut impl BufRead) -> io::Result<Option<u8>> {
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            return Ok(None);
        }
        let Some(at) = buf.iter().position(|&b| b == 0xFF) else {
            let len = buf.len();
            reader.consume(len);
            continue;
        };
        reader.consume(at + 1);
        let mut code = [0xFFu8];
        while code[0] == 0xFF {
            if !read_all(reader, &mut code)? {
                return Ok(None);
            }
        }
        if !matches!(code[0], 0x00 | 0xD0..=0xD7) {
            return Ok(Some(code[0]));
        }
    }
}

/// Counts a GIF's image descriptors up to `stop_at`, skipping every block's
/// payload unread. Not a GIF counts 0; a truncated or malformed stream counts
/// the frames seen before the damage.
fn count_gif_frames(reader: &mut impl BufRead, stop_at: u32) -> io::Result<u32> {
    let mut header = [0u8; 13];
    if !read_all(reader, &mut header)? || !matches!(&header[..6], b"GIF87a" | b"GIF89a") {
        return Ok(0);
    }
    if !skip_colour_table(reader, header[10])? {
        return Ok(0);
    }
    let mut frames = 0;
    while frames < stop_at {
        let mut introducer = [0u8; 1];
        if !read_all(reader, &mut introducer)? {
            break;
        }
        let complete = match introducer[0] {
            // Image descriptor: position and size, flags, then LZW data.
            0x2C => {
                frames += 1;
                let mut descriptor = [0u8; 9];
                let mut lzw_code_size = [0u8; 1];
                read_all(reader, &mut descriptor)?
                    && skip_colour_table(reader, descriptor[8])?
                    && read_all(reader, &mut lzw_code_size)?
                    && skip_sub_blocks(reader)?
            }
            // Extension: a label byte, then data sub-blocks.
            0x21 => read_all(reader, &mut [0u8; 1])? && skip_sub_blocks(reader)?,
            // Trailer, or garbage after the last frame.
            _ => false,
        };
        if !complete {
            break;
        }
    }
    Ok(frames)
}

/// Skips the colour table announced by a GIF flags byte, if any.
fn skip_colour_table(reader: &mut impl BufRead, flags: u8) -> io::Result<bool> {
    if flags & 0x80 == 0 {
        return Ok(true);
    }
    skip(reader, 3 << ((flags & 0x07) + 1))
}

/// Skips GIF data sub-blocks up to and including the empty terminator.
fn skip_sub_blocks(reader: &mut impl BufRead) -> io::Result<bool> {
    loop {
        let mut len = [0u8; 1];
        if !read_all(reader, &mut len)? {
            return Ok(false);
        }
        if len[0] == 0 {
            return Ok(true);
        }
        if !skip(reader, u64::from(len[0]))? {
            return Ok(false);
        }
    }
}

/// Fills `buf`; `false` at end of file.
fn read_all(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<bool> {
    match reader.read_exact(buf) {
        Ok(()) => Ok(true),
        Err(err) if err.kind() == io::ErrorKind::UnexpectedEof => Ok(false),
        Err(err) => Err(err),
    }
}

/// Skips `len` bytes; `false` at end of file.
fn skip(reader: &mut impl Read, len: u64) -> io::Result<bool> {
    Ok(io::copy(&mut reader.take(len), &mut io::sink())? == len)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use image::codecs::gif::GifEncoder;
    use image::codecs::webp::WebPEncoder;
    use image::{Frame, GenericImageView, Rgb, Rgba};
    use std::io::Cursor;
    use std::path::PathBuf;
    use std::time::{Duration, Instant};

    const RED: Rgb<u8> = Rgb([255, 0, 0]);
    const GREEN: Rgb<u8> = Rgb([0, 255, 0]);
    const BLUE: Rgb<u8> = Rgb([0, 0, 255]);

    fn limits() -> Limits {
        Limits::default()
    }

    fn file(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> PathBuf {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    fn encoded(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
        let mut bytes = Cursor::new(Vec::new());
        image.write_to(&mut bytes, format).unwrap();
        bytes.into_inner()
    }

    fn decoded(encoded: &Encoded) -> DynamicImage {
        let image = image::load_from_memory(&encoded.bytes).unwrap();
        assert_eq!(image.dimensions(), (encoded.width, encoded.height));
        image
    }

    fn is_close(actual: Rgb<u8>, expected: Rgb<u8>) -> bool {
        actual
            .0
            .iter()
            .zip(expected.0)
            .all(|(&a, e)| a.abs_diff(e) < 60)
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &byte in bytes {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        let mut chunk = (data.len() as u32).to_be_bytes().to_vec();
        chunk.extend_from_slice(&body);
        chunk.extend_from_slice(&crc32(&body).to_be_bytes());
        chunk
    }

    /// A valid 100-byte PNG whose header claims 60000x60000 RGB pixels.
    fn png_bomb() -> Vec<u8> {
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&60000u32.to_be_bytes());
        ihdr.extend_from_slice(&60000u32.to_be_bytes());
        ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
        let mut png = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
        png.extend(png_chunk(b"IHDR", &ihdr));
        // An empty zlib stream.
        png.extend(png_chunk(
            b"IDAT",
            &[0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
        ));
        png.extend(png_chunk(b"IEND", &[]));
        png
    }

    /// An EXIF APP1 segment: Orientation 6 (rotate 90° clockwise) and a GPS
    /// IFD whose latitude bytes are easy to search for.
    fn exif_app1() -> Vec<u8> {
        let mut tiff = b"MM\x00\x2A\x00\x00\x00\x08".to_vec();
        let entry = |tag: u16, kind: u16, count: u32, value: [u8; 4]| {
            let mut e = tag.to_be_bytes().to_vec();
            e.extend_from_slice(&kind.to_be_bytes());
            e.extend_from_slice(&count.to_be_bytes());
            e.extend_from_slice(&value);
            e
        };
        // IFD0 at 8: two entries, then the GPS IFD at 38.
        tiff.extend_from_slice(&2u16.to_be_bytes());
        tiff.extend(entry(0x0112, 3, 1, [0, 6, 0, 0]));
        tiff.extend(entry(0x8825, 4, 1, 38u32.to_be_bytes()));
        tiff.extend_from_slice(&0u32.to_be_bytes());
        // GPS IFD at 38: latitude ref and latitude (three rationals at 68).
        tiff.extend_from_slice(&2u16.to_be_bytes());
        tiff.extend(entry(0x0001, 2, 2, *b"N\0\0\0"));
        tiff.extend(entry(0x0002, 5, 3, 68u32.to_be_bytes()));
        tiff.extend_from_slice(&0u32.to_be_bytes());
        assert_eq!(tiff.len(), 68);
        tiff.extend_from_slice(b"GPSSECRET-51.5007-0.1246");
        let mut app1 = vec![0xFF, 0xE1];
        app1.extend_from_slice(&(2 + 6 + tiff.len() as u16).to_be_bytes());
        app1.extend_from_slice(b"Exif\0\0");
        app1.extend(tiff);
        app1
    }

    #[test]
    fn exif_orientation_is_applied_and_all_metadata_dropped() {
        let dir = tempfile::tempdir().unwrap();
        // 40x20, red in the top-left corner, blue elsewhere.
        let raw = RgbImage::from_fn(40, 20, |x, y| if x < 10 && y < 10 { RED } else { BLUE });
        let jpeg = encoded(&DynamicImage::ImageRgb8(raw), ImageFormat::Jpeg);
        let mut with_exif = jpeg[..2].to_vec();
        with_exif.extend(exif_app1());
        with_exif.extend_from_slice(&jpeg[2..]);
        assert!(contains(&with_exif, b"GPSSECRET"));
        let path = file(&dir, "photo.jpg", &with_exif);

        let header = probe(&path).unwrap();
        assert_eq!(
            (header.format, header.width, header.height),
            (ImageFormat::Jpeg, 40, 20)
        );
        let processed = process_attachment(&path, &limits()).unwrap();
        for output in [&processed.original, &processed.small] {
            assert_eq!(output.content_type, "image/jpeg");
            assert!(!contains(&output.bytes, b"Exif\0\0"));
            assert!(!contains(&output.bytes, b"GPSSECRET"));
            assert_eq!((output.width, output.height), (20, 40));
        }
        // Rotated clockwise, the top-left corner is now the top-right one.
        let image = decoded(&processed.original).to_rgb8();
        assert!(is_close(*image.get_pixel(16, 3), RED));
        assert!(is_close(*image.get_pixel(3, 3), BLUE));
        assert!(is_close(*image.get_pixel(16, 36), BLUE));
    }

    #[test]
    fn png_with_transparency_stays_png_with_alpha() {
        let dir = tempfile::tempdir().unwrap();
        let image = RgbaImage::from_fn(64, 32, |x, _| {
            Rgba([200, 10, 10, if x < 32 { 0 } else { 255 }])
        });
        let path = file(&dir, "a.png", &encoded(&image.into(), ImageFormat::Png));
        let processed = process_attachment(&path, &limits()).unwrap();
        assert_eq!(processed.original.content_type, "image/png");
        assert_eq!(processed.original.extension, "png");
        let output = decoded(&processed.original).to_rgba8();
        assert_eq!(output.get_pixel(2, 2)[3], 0);
        assert_eq!(*output.get_pixel(60, 2), Rgba([200, 10, 10, 255]));
        assert_eq!(processed.small.content_type, "image/png");
    }

    #[test]
    fn opaque_png_becomes_jpeg() {
        let dir = tempfile::tempdir().unwrap();
        let opaque_rgba = RgbaImage::from_pixel(30, 20, Rgba([0, 0, 255, 255]));
        let rgb = RgbImage::from_pixel(30, 20, GREEN);
        for image in [DynamicImage::from(opaque_rgba), rgb.into()] {
            let path = file(&dir, "o.png", &encoded(&image, ImageFormat::Png));
            let processed = process_attachment(&path, &limits()).unwrap();
            assert_eq!(processed.original.content_type, "image/jpeg");
            assert_eq!(processed.original.extension, "jpg");
            let output = decoded(&processed.original).to_rgb8();
            assert!(is_close(
                *output.get_pixel(15, 10),
                image.to_rgb8()[(15, 10)]
            ));
        }
    }

    #[test]
    fn sixteen_bit_grey_png_is_processed() {
        let dir = tempfile::tempdir().unwrap();
        let image =
            image::ImageBuffer::<image::Luma<u16>, _>::from_pixel(20, 10, image::Luma([40000]));
        let path = file(&dir, "g.png", &encoded(&image.into(), ImageFormat::Png));
        let processed = process_attachment(&path, &limits()).unwrap();
        assert_eq!(processed.original.content_type, "image/jpeg");
        assert_eq!(
            (processed.original.width, processed.original.height),
            (20, 10)
        );
    }

    #[test]
    fn lossless_webp_is_processed() {
        let dir = tempfile::tempdir().unwrap();
        let image = RgbaImage::from_pixel(50, 30, Rgba([10, 200, 10, 255]));
        let mut webp = Vec::new();
        WebPEncoder::new_lossless(&mut webp)
            .encode(&image, 50, 30, ExtendedColorType::Rgba8)
            .unwrap();
        let path = file(&dir, "w.webp", &webp);
        assert_eq!(probe(&path).unwrap().format, ImageFormat::WebP);
        let processed = process_attachment(&path, &limits()).unwrap();
        assert_eq!(processed.original.content_type, "image/jpeg");
        assert_eq!(
            (processed.original.width, processed.original.height),
            (50, 30)
        );
        assert!(is_close(
            decoded(&processed.original).to_rgb8()[(25, 15)],
            Rgb([10, 200, 10])
        ));
    }

    fn gif(frames: &[Rgb<u8>]) -> Vec<u8> {
        let mut bytes = Vec::new();
        {
            let mut encoder = GifEncoder::new(&mut bytes);
            for &colour in frames {
                let [r, g, b] = colour.0;
                let frame = Frame::new(RgbaImage::from_pixel(24, 16, Rgba([r, g, b, 255])));
                encoder.encode_frame(frame).unwrap();
            }
        }
        bytes
    }

    #[test]
    fn gifs_are_told_apart_and_static_ones_processed() {
        let dir = tempfile::tempdir().unwrap();
        let still = file(&dir, "still.gif", &gif(&[RED]));
        let animated = file(&dir, "anim.gif", &gif(&[RED, BLUE]));
        assert!(!is_animated_gif(&still).unwrap());
        assert!(is_animated_gif(&animated).unwrap());
        // Every frame carries a local colour table; the walk must stay in step.
        let three = gif(&[RED, BLUE, GREEN]);
        assert_eq!(count_gif_frames(&mut &three[..], 10).unwrap(), 3);
        let png = file(
            &dir,
            "p.png",
            &encoded(&RgbImage::new(2, 2).into(), ImageFormat::Png),
        );
        assert!(!is_animated_gif(&png).unwrap());
        // Damaged GIFs are counted as far as they go, without error.
        let bytes = std::fs::read(&still).unwrap();
        let cut = file(&dir, "cut.gif", &bytes[..bytes.len() / 2]);
        assert!(!is_animated_gif(&cut).unwrap());
        let mut garbage = bytes[..bytes.len() - 1].to_vec();
        garbage.extend_from_slice(b"\x2C\x00junk");
        let garbage = file(&dir, "garbage.gif", &garbage);
        assert!(is_animated_gif(&garbage).unwrap());

        assert_eq!(probe(&still).unwrap().format, ImageFormat::Gif);
        let processed = process_attachment(&still, &limits()).unwrap();
        assert_eq!(processed.original.content_type, "image/jpeg");
        assert_eq!(
            (processed.original.width, processed.original.height),
            (24, 16)
        );
        assert!(is_close(
            decoded(&processed.original).to_rgb8()[(12, 8)],
            RED
        ));
        // An animated GIF sent here anyway yields its first frame.
        let first = process_attachment(&animated, &limits()).unwrap();
        assert!(is_close(decoded(&first.original).to_rgb8()[(12, 8)], RED));
    }

    #[test]
    fn decompression_bomb_is_refused_from_its_header() {
        let dir = tempfile::tempdir().unwrap();
        let bomb = png_bomb();
        assert!(bomb.len() < 120);
        let path = file(&dir, "bomb.png", &bomb);
        let started = Instant::now();
        let header = probe(&path).unwrap();
        assert_eq!((header.width, header.height), (60000, 60000));
        let refused = |result: Result<(), ImageError>| {
            assert!(
                matches!(
                    result,
                    Err(ImageError::TooManyPixels {
                        width: 60000,
                        height: 60000
                    })
                ),
                "{result:?}"
            );
        };
        refused(process_attachment(&path, &limits()).map(drop));
        refused(process_cropped(&path, &limits(), 400, 400, Focus::default()).map(drop));
        assert!(started.elapsed() < Duration::from_secs(1));
    }

    #[test]
    fn input_pixel_limit_is_enforced() {
        let dir = tempfile::tempdir().unwrap();
        let path = file(
            &dir,
            "i.png",
            &encoded(&RgbImage::new(100, 100).into(), ImageFormat::Png),
        );
        let tight = Limits {
            max_input_pixels: 9_999,
            ..limits()
        };
        let result = process_attachment(&path, &tight);
        assert!(matches!(
            result,
            Err(ImageError::TooManyPixels {
                width: 100,
                height: 100
            })
        ));
    }

    #[test]
    fn non_images_are_unsupported() {
        let dir = tempfile::tempdir().unwrap();
        let mp3 = b"ID3\x04\x00\x00\x00\x00\x00\x00\xFF\xFB\x90\x64\x00\x00\x00\x00";
        for bytes in [&b"just some text, not a picture"[..], mp3, b""] {
            let path = file(&dir, "x.png", bytes);
            assert!(matches!(probe(&path), Err(ImageError::Unsupported)));
            let result = process_attachment(&path, &limits());
            assert!(
                matches!(result, Err(ImageError::Unsupported)),
                "{:?}",
                result.map(drop)
            );
            assert!(!is_animated_gif(&path).unwrap());
        }
        let missing = dir.path().join("missing.jpg");
        assert!(matches!(probe(&missing), Err(ImageError::Invalid(_))));
    }

    #[test]
    fn truncated_images_are_invalid() {
        let dir = tempfile::tempdir().unwrap();
        let noise = RgbImage::from_fn(64, 64, |x, y| {
            Rgb([(x * 7) as u8, (y * 13) as u8, (x * y) as u8])
        });
        let jpeg = encoded(&noise.clone().into(), ImageFormat::Jpeg);
        let png = encoded(&noise.into(), ImageFormat::Png);
        // An embedded thumbnail's end marker inside an APP segment must not
        // pass for the end of the image.
        let mut with_thumbnail = jpeg[..2].to_vec();
        with_thumbnail.extend_from_slice(&[0xFF, 0xE2, 0x00, 0x06, 0xFF, 0xD8, 0xFF, 0xD9]);
        with_thumbnail.extend_from_slice(&jpeg[2..]);
        let whole = file(&dir, "whole.jpg", &with_thumbnail);
        assert!(process_attachment(&whole, &limits()).is_ok());
        for (name, bytes) in [
            ("j.jpg", &jpeg[..40]),
            ("j2.jpg", &jpeg[..jpeg.len() / 2]),
            ("j3.jpg", &with_thumbnail[..with_thumbnail.len() - 2]),
            ("p.png", &png[..png.len() / 2]),
        ] {
            let path = file(&dir, name, bytes);
            let result = process_attachment(&path, &limits());
            assert!(
                matches!(result, Err(ImageError::Invalid(_))),
                "{name}: {:?}",
                result.map(|p| p.original.width)
            );
        }
    }

    #[test]
    fn large_original_is_downsized_and_small_made() {
        let dir = tempfile::tempdir().unwrap();
        let image = RgbImage::from_fn(5000, 2000, |x, y| {
            Rgb([(x % 256) as u8, (y % 256) as u8, 128])
        });
        let path = file(&dir, "big.png", &encoded(&image.into(), ImageFormat::Png));
        let processed = process_attachment(&path, &limits()).unwrap();
        let Encoded { width, height, .. } = processed.original;
        assert!(u64::from(width) * u64::from(height) <= 3840 * 2160);
        assert!(u64::from(width) * u64::from(height) > 3800 * 2100);
        let aspect = f64::from(width) / f64::from(height);
        assert!((aspect / 2.5 - 1.0).abs() < 0.01, "{width}x{height}");
        decoded(&processed.original);

        let small = &processed.small;
        assert!(u64::from(small.width) * u64::from(small.height) <= 640 * 640);
        let aspect = f64::from(small.width) / f64::from(small.height);
        assert!((aspect / 2.5 - 1.0).abs() < 0.01);
        decoded(small);
    }

    #[test]
    fn tiny_image_is_not_upscaled() {
        let dir = tempfile::tempdir().unwrap();
        let path = file(
            &dir,
            "t.png",
            &encoded(&RgbImage::from_pixel(10, 10, RED).into(), ImageFormat::Png),
        );
        let processed = process_attachment(&path, &limits()).unwrap();
        assert_eq!(
            (processed.original.width, processed.original.height),
            (10, 10)
        );
        assert_eq!((processed.small.width, processed.small.height), (10, 10));
    }

    #[test]
    fn blurhash_is_a_valid_four_by_three_hash() {
        let dir = tempfile::tempdir().unwrap();
        let image = RgbImage::from_fn(300, 200, |x, _| if x < 150 { RED } else { BLUE });
        let path = file(&dir, "b.png", &encoded(&image.into(), ImageFormat::Png));
        let hash = process_attachment(&path, &limits()).unwrap().blurhash;
        // size flag, maximum AC, DC (4), then 11 AC components of 2 each.
        assert_eq!(hash.len(), 1 + 1 + 4 + 2 * 11, "{hash}");
        // The size flag (4 - 1) + (3 - 1) * 9 = 21 is "L" in base 83.
        assert!(hash.starts_with('L'), "{hash}");
        let pixels = blurhash::decode(&hash, 8, 8, 1.0).unwrap();
        // Left reddish, right bluish.
        assert!(pixels[0] > pixels[2]);
        assert!(pixels[4 * 7 + 2] > pixels[4 * 7]);
    }

    fn two_tone(
        width: u32,
        height: u32,
        first: impl Fn(u32, u32) -> bool,
        colour: Rgb<u8>,
    ) -> DynamicImage {
        RgbImage::from_fn(
            width,
            height,
            |x, y| if first(x, y) { colour } else { BLUE },
        )
        .into()
    }

    #[test]
    fn avatar_crop_follows_the_focal_point_horizontally() {
        let dir = tempfile::tempdir().unwrap();
        let image = two_tone(1000, 500, |x, _| x < 250, RED);
        let path = file(&dir, "h.png", &encoded(&image, ImageFormat::Png));

        let left = process_cropped(&path, &limits(), 400, 400, Focus { x: -1.0, y: 0.0 }).unwrap();
        let left = decoded(&left).to_rgb8();
        assert_eq!(left.dimensions(), (400, 400));
        // The window is columns 0..500: the left half is red.
        for y in [0, 200, 399] {
            assert!(is_close(left[(10, y)], RED));
            assert!(is_close(left[(190, y)], RED));
            assert!(is_close(left[(210, y)], BLUE));
        }

        let right = process_cropped(&path, &limits(), 400, 400, Focus { x: 1.0, y: 0.0 }).unwrap();
        let right = decoded(&right).to_rgb8();
        assert!(right.pixels().all(|px| px[0] < 60), "no red at all");
    }

    #[test]
    fn header_crop_takes_the_top_band_for_focus_up() {
        let dir = tempfile::tempdir().unwrap();
        let image = two_tone(2000, 1000, |_, y| y < 200, GREEN);
        let path = file(&dir, "t.png", &encoded(&image, ImageFormat::Png));

        let top = process_cropped(&path, &limits(), 1500, 500, Focus { x: 0.0, y: 1.0 }).unwrap();
        let top = decoded(&top).to_rgb8();
        assert_eq!(top.dimensions(), (1500, 500));
        // The window is rows 0..667 scaled by 3/4: green down to row 150.
        assert!(is_close(top[(750, 0)], GREEN));
        assert!(is_close(top[(750, 140)], GREEN));
        assert!(is_close(top[(750, 160)], BLUE));

        let bottom =
            process_cropped(&path, &limits(), 1500, 500, Focus { x: 0.0, y: -1.0 }).unwrap();
        assert!(decoded(&bottom).to_rgb8().pixels().all(|px| px[1] < 60));
    }

    #[test]
    fn small_image_is_cropped_to_aspect_but_not_upscaled() {
        let dir = tempfile::tempdir().unwrap();
        let path = file(
            &dir,
            "s.png",
            &encoded(&RgbImage::from_pixel(100, 50, RED).into(), ImageFormat::Png),
        );
        let avatar = process_cropped(&path, &limits(), 400, 400, Focus::default()).unwrap();
        assert_eq!((avatar.width, avatar.height), (50, 50));
        let header = process_cropped(
            &path,
            &limits(),
            1500,
            500,
            Focus {
                x: f64::NAN,
                y: 7.0,
            },
        )
        .unwrap();
        assert_eq!((header.width, header.height), (100, 33));
        decoded(&header);
    }

    #[test]
    fn focal_window_stays_inside_the_image() {
        let centre = focal_window(1000, 500, 400, 400, Focus::default());
        assert_eq!(
            centre,
            Rect {
                x: 250,
                y: 0,
                width: 500,
                height: 500
            }
        );
        let corner = focal_window(2000, 1000, 1500, 500, Focus { x: 1.0, y: -1.0 });
        assert_eq!(
            corner,
            Rect {
                x: 0,
                y: 333,
                width: 2000,
                height: 667
            }
        );
        assert_eq!(fit_area(5000, 2000, 3840 * 2160), (4553, 1821));
        assert_eq!(fit_area(100_000, 1, 10), (10, 1));
    }
}
