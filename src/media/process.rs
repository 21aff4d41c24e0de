//! Image checks and processing: the format is read from the bytes (never the file name), the
//! structure must account for every byte (no polyglots), dimensions are checked from the
//! header before decoding, decoding runs under `image::Limits` (no decompression bombs), and
//! the picture is re-encoded (which drops EXIF, GPS and any embedded payload) at fixed widths
//! as WebP and JPEG.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageFormat, ImageReader, Limits};

use crate::error::FieldCode;

/// Widths generated for every image (the long edge; smaller images are not enlarged).
pub const SIZES: [u32; 3] = [240, 480, 960];
/// Largest accepted upload.
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;
/// Largest accepted width or height.
pub const MAX_DIMENSION: u32 = 8000;
/// Most pixels in an accepted photo (40 megapixels: a current phone camera's largest mode is
/// well under it).
pub const MAX_PIXELS: u64 = 40_000_000;
/// Most memory a decoder may allocate: a 40-megapixel RGBA image (8 bits a channel) and some
/// room for the decoder's own buffers.
const MAX_ALLOC: u64 = MAX_PIXELS * 4 + 32 * 1024 * 1024;
/// JPEG quality of the fallback renditions.
const JPEG_QUALITY: u8 = 82;

/// Why an image was refused. Every variant is the client's fault (a 4xx).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    /// Empty upload.
    #[error("empty file")]
    Empty,
    /// Over [`MAX_UPLOAD_BYTES`].
    #[error("file too large")]
    TooLarge,
    /// Not JPEG, PNG or WebP by its bytes.
    #[error("not a JPEG, PNG or WebP image")]
    UnsupportedFormat,
    /// Bytes after the end of the image: another file is hidden in it.
    #[error("data after the end of the image")]
    TrailingData,
    /// Wider or taller than [`MAX_DIMENSION`], or more than [`MAX_PIXELS`].
    #[error("image dimensions too large")]
    TooManyPixels,
    /// The decoder gave up (truncated, corrupt) or would need too much memory.
    #[error("the image could not be decoded: {0}")]
    Undecodable(String),
}

impl ImageError {
    /// Stable error code.
    #[must_use]
    pub fn code(&self) -> FieldCode {
        match self {
            ImageError::Empty => FieldCode::ImageEmpty,
            ImageError::TooLarge => FieldCode::ImageTooLarge,
            ImageError::UnsupportedFormat => FieldCode::ImageUnsupportedFormat,
            ImageError::TrailingData => FieldCode::ImageTrailingData,
            ImageError::TooManyPixels => FieldCode::ImageDimensionsTooLarge,
            ImageError::Undecodable(_) => FieldCode::ImageUndecodable,
        }
    }
}

/// One generated rendition.
#[derive(Debug, Clone)]
pub struct Rendition {
    /// Long-edge size it was made for.
    pub size: u32,
    /// `webp` or `jpg`.
    pub ext: &'static str,
    /// Encoded bytes.
    pub bytes: Vec<u8>,
}

/// The result of processing an upload.
#[derive(Debug, Clone)]
pub struct Processed {
    /// Format of the upload.
    pub source_format: &'static str,
    /// Original width.
    pub width: u32,
    /// Original height.
    pub height: u32,
    /// WebP and JPEG at each of [`SIZES`].
    pub renditions: Vec<Rendition>,
}

/// Checks and processes an uploaded image. CPU-heavy: call it off the async runtime.
///
/// # Errors
/// [`ImageError`] for anything that is not a sound JPEG, PNG or WebP within the limits.
pub fn process(bytes: &[u8]) -> Result<Processed, ImageError> {
    if bytes.is_empty() {
        return Err(ImageError::Empty);
    }
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(ImageError::TooLarge);
    }
    let format = image::guess_format(bytes).map_err(|_| ImageError::UnsupportedFormat)?;
    let source_format = match format {
        ImageFormat::Jpeg => "jpeg",
        ImageFormat::Png => "png",
        ImageFormat::WebP => "webp",
        _ => return Err(ImageError::UnsupportedFormat),
    };
    check_structure(format, bytes)?;

    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DIMENSION);
    limits.max_image_height = Some(MAX_DIMENSION);
    limits.max_alloc = Some(MAX_ALLOC);

    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits.clone());
    let (width, height) = reader.into_dimensions().map_err(|e| match e {
        image::ImageError::Limits(_) => ImageError::TooManyPixels,
        other => ImageError::Undecodable(other.to_string()),
    })?;
    if width == 0
        || height == 0
        || width > MAX_DIMENSION
        || height > MAX_DIMENSION
        || u64::from(width) * u64::from(height) > MAX_PIXELS
    {
        return Err(ImageError::TooManyPixels);
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits);
    let decoded = reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => ImageError::TooManyPixels,
        other => ImageError::Undecodable(other.to_string()),
    })?;

    let mut renditions = Vec::with_capacity(SIZES.len() * 2);
    for size in SIZES {
        let scaled = if width.max(height) > size {
            decoded.resize(size, size, FilterType::Triangle)
        } else {
            decoded.clone()
        };
        renditions.push(Rendition {
            size,
            ext: "webp",
            bytes: encode_webp(&scaled)?,
        });
        renditions.push(Rendition {
            size,
            ext: "jpg",
            bytes: encode_jpeg(&scaled)?,
        });
    }
    Ok(Processed {
        source_format,
        width,
        height,
        renditions,
    })
}

fn encode_webp(img: &DynamicImage) -> Result<Vec<u8>, ImageError> {
    let rgba = DynamicImage::ImageRgba8(img.to_rgba8());
    let mut out = Cursor::new(Vec::new());
    rgba.write_to(&mut out, ImageFormat::WebP)
        .map_err(|e| ImageError::Undecodable(format!("webp encode: {e}")))?;
    Ok(out.into_inner())
}

fn encode_jpeg(img: &DynamicImage) -> Result<Vec<u8>, ImageError> {
    let rgb = DynamicImage::ImageRgb8(img.to_rgb8());
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY)
        .encode_image(&rgb)
        .map_err(|e| ImageError::Undecodable(format!("jpeg encode: {e}")))?;
    Ok(out)
}

/// The container must end where the image ends: nothing hidden after it.
fn check_structure(format: ImageFormat, bytes: &[u8]) -> Result<(), ImageError> {
    match format {
        ImageFormat::Png => png_end(bytes),
        ImageFormat::Jpeg => jpeg_end(bytes),
        ImageFormat::WebP => webp_end(bytes),
        _ => Err(ImageError::UnsupportedFormat),
    }
}

/// Walks the PNG chunks up to IEND; the file must end right after it.
fn png_end(bytes: &[u8]) -> Result<(), ImageError> {
    let mut pos = 8usize;
    loop {
        let header = bytes
            .get(pos..pos + 8)
            .ok_or_else(|| ImageError::Undecodable("truncated PNG".into()))?;
        let len = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let kind = &header[4..8];
        let next = pos
            .checked_add(12)
            .and_then(|p| p.checked_add(len))
            .ok_or_else(|| ImageError::Undecodable("bad PNG chunk".into()))?;
        if next > bytes.len() {
            return Err(ImageError::Undecodable("truncated PNG".into()));
        }
        if kind == b"IEND" {
            return if next == bytes.len() {
                Ok(())
            } else {
                Err(ImageError::TrailingData)
            };
        }
        pos = next;
    }
}

/// A JPEG ends with the EOI marker (FF D9); a few bytes of zero padding are tolerated.
fn jpeg_end(bytes: &[u8]) -> Result<(), ImageError> {
    let trimmed_len = bytes.iter().rposition(|b| *b != 0).map_or(0, |p| p + 1);
    if bytes.len() - trimmed_len > 16 {
        return Err(ImageError::TrailingData);
    }
    let body = &bytes[..trimmed_len];
    if body.len() >= 4 && body.ends_with(&[0xFF, 0xD9]) {
        return Ok(());
    }
    // An EOI somewhere before the end means something was appended; none at all means the
    // file was cut short.
    if body.windows(2).any(|w| w == [0xFF, 0xD9]) {
        Err(ImageError::TrailingData)
    } else {
        Err(ImageError::Undecodable("truncated JPEG".into()))
    }
}

/// A WebP is one RIFF container whose declared size covers the whole file.
fn webp_end(bytes: &[u8]) -> Result<(), ImageError> {
    let size = bytes
        .get(4..8)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
        .ok_or_else(|| ImageError::Undecodable("truncated WebP".into()))?;
    let declared = size.saturating_add(8) + (size & 1);
    match declared.cmp(&bytes.len()) {
        std::cmp::Ordering::Equal => Ok(()),
        std::cmp::Ordering::Less => Err(ImageError::TrailingData),
        std::cmp::Ordering::Greater => Err(ImageError::Undecodable("truncated WebP".into())),
    }
}

/// Sniffs an uploaded document: PDF, JPEG or PNG by their bytes.
#[must_use]
pub fn document_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = DynamicImage::ImageRgb8(image::RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
        }));
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, ImageFormat::Png).expect("png");
        out.into_inner()
    }

    #[test]
    fn processes_a_png_into_six_renditions() {
        let p = process(&png(1200, 600)).expect("ok");
        assert_eq!((p.width, p.height, p.source_format), (1200, 600, "png"));
        assert_eq!(p.renditions.len(), 6);
        let big = p
            .renditions
            .iter()
            .find(|r| r.size == 960 && r.ext == "jpg")
            .expect("960 jpg");
        let decoded = image::load_from_memory(&big.bytes).expect("decodes");
        assert_eq!((decoded.width(), decoded.height()), (960, 480));
        let small = p
            .renditions
            .iter()
            .find(|r| r.size == 240 && r.ext == "webp")
            .expect("240 webp");
        assert_eq!(
            image::guess_format(&small.bytes).ok(),
            Some(ImageFormat::WebP)
        );
    }

    #[test]
    fn refuses_attacks() {
        let good = png(20, 20);
        let mut trailing = good.clone();
        trailing.extend_from_slice(b"PK\x03\x04 hidden zip <script>alert(1)</script>");
        assert_eq!(process(&trailing).err(), Some(ImageError::TrailingData));
        assert!(matches!(
            process(&good[..good.len() / 2]).err(),
            Some(ImageError::Undecodable(_))
        ));
        assert_eq!(
            process(b"GIF89a....").err(),
            Some(ImageError::UnsupportedFormat)
        );
        assert_eq!(
            process(b"<html>not an image</html>").err(),
            Some(ImageError::UnsupportedFormat)
        );
        assert_eq!(process(&[]).err(), Some(ImageError::Empty));
        assert_eq!(
            process(&vec![0u8; MAX_UPLOAD_BYTES + 1]).err(),
            Some(ImageError::TooLarge)
        );
    }
}
