//! Media: what an uploaded or fetched file is, how it is processed, and where
//! it is kept.
//!
//! - [`detect`] names a file's type from its first bytes, never from its name
//!   or a declared MIME type.
//! - [`image`] decodes, orients, strips, resizes and blurhashes images, on
//!   [`ImageWorkers`]' few threads so uploads cannot take every core or all
//!   memory.
//! - [`video`] probes and transcodes video and audio with the `ffmpeg` and
//!   `ffprobe` programs, in the `media` job queue.
//! - [`storage`] keeps files on local disk or in an S3-compatible bucket
//!   under random keys.
//! - [`process`] ties them together for uploads, remote files and pruning.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::model::MediaKind;

pub mod image;
pub mod process;
pub mod storage;
pub mod video;

pub use storage::Storage;

/// What a file's first bytes say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Detected {
    /// `image` for still and animated images (a GIF becomes `gifv` when it
    /// has more than one frame), `video` or `audio`.
    pub kind: MediaKind,
    pub mime: &'static str,
}

/// Names the type of a file from its first bytes (8 KiB is plenty). Only
/// the types roost can process are recognised.
pub fn detect(head: &[u8]) -> Option<Detected> {
    let t = infer::get(head)?;
    let (kind, mime) = match t.mime_type() {
        "image/jpeg" => (MediaKind::Image, "image/jpeg"),
        "image/png" => (MediaKind::Image, "image/png"),
        "image/gif" => (MediaKind::Image, "image/gif"),
        "image/webp" => (MediaKind::Image, "image/webp"),
        "video/mp4" | "video/x-m4v" => (MediaKind::Video, "video/mp4"),
        "video/quicktime" => (MediaKind::Video, "video/quicktime"),
        "video/webm" => (MediaKind::Video, "video/webm"),
        "video/x-matroska" => (MediaKind::Video, "video/x-matroska"),
        "audio/mpeg" => (MediaKind::Audio, "audio/mpeg"),
        "audio/ogg" | "audio/opus" => (MediaKind::Audio, "audio/ogg"),
        "audio/m4a" => (MediaKind::Audio, "audio/mp4"),
        "audio/x-wav" => (MediaKind::Audio, "audio/wav"),
        "audio/x-flac" => (MediaKind::Audio, "audio/flac"),
        "audio/aac" => (MediaKind::Audio, "audio/aac"),
        _ => return None,
    };
    Some(Detected { kind, mime })
}

type ImageJob = Box<dyn FnOnce() + Send>;

/// A fixed set of threads for image work. Images take tens of megabytes
/// each while processed; running them on the same few threads (rather than
/// on whichever blocking-pool thread is free) bounds both how many run at
/// once and the memory the allocator keeps per thread between them.
pub struct ImageWorkers {
    jobs: std::sync::mpsc::Sender<ImageJob>,
}

impl ImageWorkers {
    fn start(n: usize) -> Result<ImageWorkers> {
        let (tx, rx) = std::sync::mpsc::channel::<ImageJob>();
        let rx = Arc::new(std::sync::Mutex::new(rx));
        for i in 0..n {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("roost-image-{i}"))
                .spawn(move || {
                    loop {
                        // The lock is held only while waiting for the next job.
                        let job = match rx.lock() {
                            Ok(rx) => rx.recv(),
                            Err(_) => return,
                        };
                        match job {
                            // A panicking decoder loses its job, not the thread.
                            Ok(job) => {
                                if std::panic::catch_unwind(std::panic::AssertUnwindSafe(job))
                                    .is_err()
                                {
                                    tracing::error!("image processing panicked");
                                }
                            }
                            Err(_) => return, // Every sender is gone.
                        }
                    }
                })
                .map_err(|e| Error::internal(format!("cannot start image threads: {e}")))?;
        }
        Ok(ImageWorkers { jobs: tx })
    }

    /// Runs `f` on an image thread and waits for its result. The work goes
    /// on if the caller stops waiting (a client hanging up), so the thread
    /// count stays the bound.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: ImageJob = Box::new(move || {
            let _ = tx.send(f());
        });
        self.jobs
            .send(job)
            .map_err(|_| Error::internal("image threads stopped"))?;
        rx.await
            .map_err(|_| Error::internal("an image thread panicked"))
    }
}

/// The media half of the shared state: storage, the video tools (if
/// installed) and the limit on concurrent image work.
pub struct Media {
    pub storage: Storage,
    /// `None` when ffmpeg or ffprobe is missing: video, audio and animated
    /// GIF uploads are then refused.
    pub tools: Option<video::Tools>,
    /// The threads that decode and encode images.
    pub image_workers: ImageWorkers,
    /// Permits for transcoding in a request (`POST /api/v1/media`), as many
    /// as the media workers.
    pub av_slots: Arc<tokio::sync::Semaphore>,
    /// Where uploads and downloads wait while processed (same filesystem
    /// as local storage, under the data directory).
    pub tmp_dir: PathBuf,
}

impl Media {
    /// Opens storage and looks for ffmpeg; says clearly at start-up what
    /// will not work.
    pub async fn open(config: &Config) -> Result<Media> {
        let storage = match config.storage.backend.as_str() {
            "s3" => {
                let s = &config.storage;
                Storage::s3(&storage::S3Settings {
                    endpoint: s.s3_endpoint.clone(),
                    bucket: s.s3_bucket.clone(),
                    region: s.s3_region.clone(),
                    access_key_id: s.s3_access_key_id.clone(),
                    secret_access_key: s.s3_secret_access_key.clone(),
                    path_style: s.s3_path_style,
                    public_url: s.s3_public_url.clone(),
                })
                .map_err(|e| Error::internal(format!("S3 storage: {e}")))?
            }
            _ => Storage::local(config.storage.data_dir.join("media")),
        };
        let tmp_dir = config.storage.data_dir.join("tmp");
        tokio::fs::create_dir_all(&tmp_dir)
            .await
            .map_err(|e| Error::internal(format!("cannot create {}: {e}", tmp_dir.display())))?;
        // What a crashed run left behind. An hour's margin spares the
        // files of a server running beside this process (`roost media …`).
        if let Ok(mut dir) = tokio::fs::read_dir(&tmp_dir).await {
            while let Ok(Some(entry)) = dir.next_entry().await {
                let old = entry
                    .metadata()
                    .await
                    .ok()
                    .and_then(|m| m.modified().ok())
                    .and_then(|t| t.elapsed().ok())
                    .is_some_and(|age| age > Duration::from_secs(3600));
                if old {
                    let _ = tokio::fs::remove_file(entry.path()).await;
                }
            }
        }
        let tools = video::Tools::find(&config.media.ffmpeg, &config.media.ffprobe).await;
        if tools.is_none() {
            tracing::warn!(
                ffmpeg = %config.media.ffmpeg,
                ffprobe = %config.media.ffprobe,
                "ffmpeg or ffprobe not found: video, audio and animated GIF uploads will be refused"
            );
        }
        Ok(Media {
            storage,
            tools,
            image_workers: ImageWorkers::start(config.media.image_concurrency.max(1) as usize)?,
            av_slots: Arc::new(tokio::sync::Semaphore::new(
                config.media.video_workers.max(1) as usize,
            )),
            tmp_dir,
        })
    }

    /// The image limits from the configuration.
    pub fn image_limits(config: &Config) -> image::Limits {
        image::Limits {
            max_input_pixels: config.media.image_max_input_pixels,
            max_original_pixels: config.media.image_max_pixels,
            small_pixels: 640 * 640,
        }
    }

    /// The video limits from the configuration.
    pub fn video_limits(config: &Config) -> video::VideoLimits {
        let m = &config.media;
        video::VideoLimits {
            max_width: m.video_max_width,
            max_height: m.video_max_height,
            max_fps: f64::from(m.video_max_fps),
            max_duration_secs: f64::from(m.video_max_duration_secs),
            max_video_bitrate: 1_300_000,
            timeout: Duration::from_secs(m.processing_timeout_secs),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_bytes() {
        let png = [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13];
        assert_eq!(detect(&png).map(|d| d.mime), Some("image/png"));
        assert_eq!(
            detect(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00").map(|d| d.kind),
            Some(MediaKind::Image)
        );
        assert_eq!(
            detect(b"ID3\x04\x00\x00\x00\x00\x00\x00").map(|d| d.kind),
            Some(MediaKind::Audio)
        );
        assert_eq!(detect(b"<html><script>alert(1)</script>"), None);
        assert_eq!(detect(b"%PDF-1.7\n"), None);
        assert_eq!(detect(b""), None);
    }
}
