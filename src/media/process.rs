//! The media pipeline: an upload or a fetched file goes in, processed files
//! land in storage and the attachment row says what they are.
//!
//! Images are processed at once (on a blocking thread, a few at a time).
//! Video, audio and animated GIFs are kept as uploaded and transcoded by a
//! `ProcessMedia` job in the `media` queue; the attachment shows
//! `processing` until the job is done. Mastodon's `/api/v1/media` waits for
//! it instead.

use std::path::{Path, PathBuf};

use crate::model::Json;
use chrono::{Duration as ChronoDuration, Utc};
use serde_json::{Value, json};
use tokio::io::AsyncReadExt;

use super::image::{self, Focus, ImageError};
use super::storage::new_key;
use super::video::{self, VideoError};
use super::{Media, detect};
use crate::app::AppState;
use crate::error::{Error, Kind, Result};
use crate::model::media::state;
use crate::model::{MediaAttachment, MediaKind};

/// An uploaded or downloaded file waiting in the temporary directory; the
/// file is removed when this is dropped.
pub struct TempFile {
    pub path: tempfile::TempPath,
    pub size: u64,
}

/// A new upload with what the client said about it.
pub struct NewUpload {
    pub file: TempFile,
    pub thumbnail: Option<TempFile>,
    pub description: Option<String>,
    pub focus: Option<Focus>,
}

/// Longest alt text, as Mastodon.
pub const MAX_DESCRIPTION_CHARS: usize = 1500;

/// Parses Mastodon's `focus` parameter, `"x,y"` with each in -1.0..=1.0.
pub fn parse_focus(s: &str) -> Result<Focus> {
    let bad = || {
        Error::unprocessable(
            "Validation failed: Focus must be two numbers from -1.0 to 1.0, as \"x,y\"",
        )
    };
    let (x, y) = s.split_once(',').ok_or_else(bad)?;
    let x: f64 = x.trim().parse().map_err(|_| bad())?;
    let y: f64 = y.trim().parse().map_err(|_| bad())?;
    if !(-1.0..=1.0).contains(&x) || !(-1.0..=1.0).contains(&y) {
        return Err(bad());
    }
    Ok(Focus { x, y })
}

/// Checks an alt text's length.
pub fn check_description(d: &Option<String>) -> Result<()> {
    if d.as_deref()
        .is_some_and(|d| d.chars().count() > MAX_DESCRIPTION_CHARS)
    {
        return Err(Error::unprocessable(format!(
            "Validation failed: Description is too long (maximum is {MAX_DESCRIPTION_CHARS} characters)"
        )));
    }
    Ok(())
}

/// The first bytes of a file, enough for [`detect`].
async fn head(path: &Path) -> Result<Vec<u8>> {
    let mut f = tokio::fs::File::open(path).await.map_err(Error::internal)?;
    let mut buf = vec![0u8; 8192];
    let mut n = 0;
    while n < buf.len() {
        let read = f.read(&mut buf[n..]).await.map_err(Error::internal)?;
        if read == 0 {
            break;
        }
        n += read;
    }
    buf.truncate(n);
    Ok(buf)
}

fn unsupported() -> Error {
    Error::unprocessable("Validation failed: File content type is not supported")
}

fn too_large(limit: u64) -> Error {
    Error::new(
        Kind::PayloadTooLarge,
        format!(
            "File is too large (the limit is {} MB)",
            limit / (1024 * 1024)
        ),
    )
}

fn image_error(e: ImageError) -> Error {
    match e {
        ImageError::TooManyPixels { width, height } => Error::unprocessable(format!(
            "Validation failed: Image dimensions {width}x{height} exceed the limit"
        )),
        ImageError::Unsupported => unsupported(),
        ImageError::Invalid(why) => {
            Error::unprocessable("Validation failed: File could not be read as an image")
                .with_cause(why)
        }
    }
}

fn video_error(e: VideoError) -> Error {
    match e {
        VideoError::Missing => Error::unprocessable(
            "Validation failed: Video and audio processing is not available on this server",
        ),
        VideoError::TooLong { .. } => {
            Error::unprocessable("Validation failed: The file is longer than this server accepts")
        }
        VideoError::Timeout => Error::unprocessable("Validation failed: Processing took too long"),
        e @ (VideoError::Unsupported(_) | VideoError::TooBig { .. } | VideoError::Failed(_)) => {
            Error::unprocessable("Validation failed: File could not be processed").with_cause(e)
        }
    }
}

/// Runs image work on the image threads (`media.image_concurrency` of them).
async fn on_image_slot<T: Send + 'static>(
    media: &Media,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T> {
    media.image_workers.run(f).await
}

fn size_meta(width: u32, height: u32) -> Value {
    json!({
        "width": width,
        "height": height,
        "size": format!("{width}x{height}"),
        "aspect": if height > 0 { f64::from(width) / f64::from(height) } else { 0.0 },
    })
}

/// A new temporary file in the media temporary directory.
pub fn temp_path(media: &Media) -> Result<tempfile::TempPath> {
    tempfile::NamedTempFile::new_in(&media.tmp_dir)
        .map(tempfile::NamedTempFile::into_temp_path)
        .map_err(Error::internal)
}

/// Takes a new upload: checks its type and size, processes an image at
/// once, and keeps a video, audio or animated GIF for its job (or, with
/// `wait`, processes it before returning).
pub async fn upload(
    app: &AppState,
    account_id: i64,
    new: NewUpload,
    wait: bool,
) -> Result<MediaAttachment> {
    app.limiter
        .hit_shared(
            &format!("media:{account_id}"),
            app.config.limits.media_per_30min,
            crate::ratelimit::THIRTY_MINUTES,
        )
        .await?;
    check_description(&new.description)?;
    let found = detect(&head(&new.file.path).await?).ok_or_else(unsupported)?;
    let limits = &app.config.media;
    let mut kind = found.kind;
    if found.mime == "image/gif" {
        let path = new.file.path.to_path_buf();
        if on_image_slot(&app.media, move || image::is_animated_gif(&path))
            .await?
            .map_err(image_error)?
        {
            kind = MediaKind::Gifv;
        }
    }
    let limit = match kind {
        MediaKind::Image => limits.image_max_bytes,
        _ => limits.video_max_bytes,
    };
    if new.file.size > limit {
        return Err(too_large(limit));
    }
    let mut m = MediaAttachment::new(crate::id::new_id(), account_id, kind, state::PROCESSING);
    m.description = new.description.filter(|d| !d.trim().is_empty());
    m.focus_x = new.focus.map(|f| f.x);
    m.focus_y = new.focus.map(|f| f.y);
    if let Some(thumb) = &new.thumbnail {
        store_thumbnail(app, &mut m, &thumb.path).await?;
    }
    if kind == MediaKind::Image {
        if let Err(e) = store_image(app, &mut m, &new.file.path, "attachments").await {
            delete_files(app, &m).await;
            return Err(e);
        }
        app.store.put_media(&m).await?;
        return Ok(m);
    }
    if app.media.tools.is_none() {
        delete_files(app, &m).await;
        return Err(video_error(VideoError::Missing));
    }
    if wait {
        // As many at once as the media workers run, whoever asks.
        let _permit = app
            .media
            .av_slots
            .clone()
            .acquire_owned()
            .await
            .map_err(Error::internal)?;
        if let Err(e) = store_av(app, &mut m, &new.file.path).await {
            delete_files(app, &m).await;
            return Err(e);
        }
        app.store.put_media(&m).await?;
        return Ok(m);
    }
    // Kept as uploaded until the job has transcoded it (any node may run it).
    let source = new_key("sources", "bin");
    app.media
        .storage
        .put_file(&source, &new.file.path, "application/octet-stream")
        .await
        .map_err(Error::internal)?;
    m.source_key = Some(source);
    m.content_type = Some(found.mime.to_string());
    app.store.put_media(&m).await?;
    crate::jobs::schedule(
        app,
        &crate::jobs::Task::ProcessMedia { media_id: m.id },
        Utc::now(),
        3,
    )
    .await?;
    Ok(m)
}

/// Decodes and processes an image file on an image thread.
async fn process_image_file(app: &AppState, path: &Path) -> Result<image::Processed> {
    let limits = Media::image_limits(&app.config);
    let path = path.to_path_buf();
    on_image_slot(&app.media, move || {
        image::process_attachment(&path, &limits)
    })
    .await?
    .map_err(image_error)
}

/// Processes an image file into the attachment's original and preview.
async fn store_image(
    app: &AppState,
    m: &mut MediaAttachment,
    path: &Path,
    prefix: &str,
) -> Result<()> {
    let processed = process_image_file(app, path).await?;
    let original_key = new_key(prefix, processed.original.extension);
    let (ow, oh) = (processed.original.width, processed.original.height);
    let size = processed.original.bytes.len() as i64;
    let content_type = processed.original.content_type;
    app.media
        .storage
        .put_bytes(&original_key, processed.original.bytes, content_type)
        .await
        .map_err(Error::internal)?;
    m.file_key = Some(original_key);
    m.file_size = size;
    m.content_type = Some(content_type.to_string());
    let mut meta = json!({ "original": size_meta(ow, oh) });
    if !m.custom_thumbnail {
        let small_key = new_key(prefix, processed.small.extension);
        let (sw, sh) = (processed.small.width, processed.small.height);
        m.thumbnail_size = processed.small.bytes.len() as i64;
        app.media
            .storage
            .put_bytes(
                &small_key,
                processed.small.bytes,
                processed.small.content_type,
            )
            .await
            .map_err(Error::internal)?;
        m.thumbnail_key = Some(small_key);
        m.blurhash = Some(processed.blurhash);
        meta["small"] = size_meta(sw, sh);
    } else if let Some(small) = m.meta.0.get("small").cloned() {
        meta["small"] = small;
    }
    m.meta = Json(meta);
    m.state = state::READY.to_string();
    m.updated_at = Utc::now();
    Ok(())
}

/// 422 unless the file's bytes say it is an image.
async fn require_image(path: &Path) -> Result<()> {
    match detect(&head(path).await?) {
        Some(found) if found.kind == MediaKind::Image => Ok(()),
        _ => Err(unsupported()),
    }
}

/// Fetches a remote image through the guarded client into a temporary
/// file. None (logged) when the server says no, the fetch can never work,
/// or the bytes are not an image; an error when it may work later.
async fn fetch_remote_image(app: &AppState, url: &str, max: u64) -> Result<Option<TempFile>> {
    let Ok(parsed) = url::Url::parse(url) else {
        return Ok(None);
    };
    let max = usize::try_from(max).unwrap_or(usize::MAX);
    let fetched = match app.federation.http.get(&parsed, "image/*", max, None).await {
        Ok(f) if (200..300).contains(&f.status) => f,
        Ok(f) => {
            tracing::info!(url, status = f.status, "remote image not fetched");
            return Ok(None);
        }
        Err(e) if e.is_permanent() => {
            tracing::info!(url, error = %e, "remote image not fetched");
            return Ok(None);
        }
        Err(e) => return Err(Error::internal(e)),
    };
    if detect(&fetched.body).map(|d| d.kind) != Some(MediaKind::Image) {
        return Ok(None);
    }
    let path = temp_path(&app.media)?;
    tokio::fs::write(&path, &fetched.body)
        .await
        .map_err(Error::internal)?;
    Ok(Some(TempFile {
        path,
        size: fetched.body.len() as u64,
    }))
}

/// Makes an uploaded image the attachment's preview (for video and audio,
/// or a client's own choice of thumbnail).
async fn store_thumbnail(app: &AppState, m: &mut MediaAttachment, path: &Path) -> Result<()> {
    require_image(path).await?;
    let processed = process_image_file(app, path).await?;
    let key = new_key("attachments", processed.small.extension);
    let (sw, sh) = (processed.small.width, processed.small.height);
    let size = processed.small.bytes.len() as i64;
    app.media
        .storage
        .put_bytes(&key, processed.small.bytes, processed.small.content_type)
        .await
        .map_err(Error::internal)?;
    if let Some(old) = m.thumbnail_key.replace(key) {
        delete_key(app, &old).await;
    }
    m.thumbnail_size = size;
    m.custom_thumbnail = true;
    m.blurhash = Some(processed.blurhash);
    m.meta.0["small"] = size_meta(sw, sh);
    Ok(())
}

/// Sets a client's thumbnail on an existing attachment.
pub async fn set_thumbnail(app: &AppState, m: &mut MediaAttachment, file: &TempFile) -> Result<()> {
    if file.size > app.config.media.image_max_bytes {
        return Err(too_large(app.config.media.image_max_bytes));
    }
    store_thumbnail(app, m, &file.path).await
}

/// Transcodes a video, animated GIF or audio file and stores it with a
/// preview frame.
async fn store_av(app: &AppState, m: &mut MediaAttachment, input: &Path) -> Result<()> {
    let tools = app
        .media
        .tools
        .as_ref()
        .ok_or_else(|| video_error(VideoError::Missing))?;
    let limits = Media::video_limits(&app.config);
    let out = temp_path(&app.media)?;
    let kind = m.kind();
    let probe = match kind {
        MediaKind::Audio => video::to_mp3(tools, input, &out, &limits).await,
        MediaKind::Gifv => video::to_mp4(tools, input, &out, &limits, true).await,
        _ => video::to_mp4(tools, input, &out, &limits, false).await,
    }
    .map_err(video_error)?;
    let (ext, content_type) = if kind == MediaKind::Audio {
        ("mp3", "audio/mpeg")
    } else {
        ("mp4", "video/mp4")
    };
    let size = tokio::fs::metadata(&out)
        .await
        .map_err(Error::internal)?
        .len();
    let key = new_key("attachments", ext);
    app.media
        .storage
        .put_file(&key, &out, content_type)
        .await
        .map_err(Error::internal)?;
    if let Some(old) = m.file_key.replace(key) {
        delete_key(app, &old).await;
    }
    m.file_size = i64::try_from(size).unwrap_or(i64::MAX);
    m.content_type = Some(content_type.to_string());
    let mut meta = video::mastodon_meta(&probe);
    if kind != MediaKind::Audio && !m.custom_thumbnail {
        let frame = temp_path(&app.media)?;
        video::frame_png(tools, &out, &frame, limits.timeout)
            .await
            .map_err(video_error)?;
        store_thumbnail(app, m, &frame).await?;
        m.custom_thumbnail = false;
    }
    if let Some(small) = m.meta.0.get("small").cloned() {
        meta["small"] = small;
    }
    m.meta = Json(meta);
    m.state = state::READY.to_string();
    m.updated_at = Utc::now();
    Ok(())
}

/// The `ProcessMedia` job: transcodes an upload kept by [`upload`]. A file
/// that cannot be processed marks the attachment failed (no retry).
pub async fn process_job(app: &AppState, media_id: i64) -> Result<()> {
    let Some(mut m) = app.store.get_media(media_id).await? else {
        return Ok(());
    };
    let Some(source) = m.source_key.clone().filter(|_| m.is_processing()) else {
        return Ok(());
    };
    // One deadline for the whole job (the worker renews its claim while it
    // runs, so no second worker starts on it meanwhile).
    let limit = std::time::Duration::from_secs(app.config.media.processing_timeout_secs);
    let outcome = match tokio::time::timeout(limit, transcode_source(app, &mut m, &source)).await {
        Ok(outcome) => outcome,
        Err(_) => Err(video_error(VideoError::Timeout)),
    };
    match outcome {
        Ok(()) => {}
        Err(e) if e.kind == Kind::Unprocessable => {
            tracing::info!(media_id, error = %e, "media processing failed");
            m.state = state::FAILED.to_string();
            m.updated_at = Utc::now();
        }
        Err(e) => return Err(e),
    }
    if app.store.finish_media_processing(&m, &source).await? {
        delete_key(app, &source).await;
    } else {
        // Deleted, or finished by another worker, meanwhile.
        for key in [&m.file_key, &m.thumbnail_key].into_iter().flatten() {
            delete_key(app, key).await;
        }
    }
    Ok(())
}

/// Fetches a kept upload to a local file (S3) and transcodes it.
async fn transcode_source(app: &AppState, m: &mut MediaAttachment, source: &str) -> Result<()> {
    let downloaded;
    let input: PathBuf = match app.media.storage.local_path(source) {
        Some(p) => p,
        None => {
            downloaded = temp_path(&app.media)?;
            app.media
                .storage
                .get_to_file(source, &downloaded, app.config.media.video_max_bytes)
                .await
                .map_err(Error::internal)?;
            downloaded.to_path_buf()
        }
    };
    store_av(app, m, &input).await
}

/// Removes a stored file, logging (not failing) when storage refuses.
async fn delete_key(app: &AppState, key: &str) {
    if let Err(e) = app.media.storage.delete(key).await {
        tracing::warn!(key, error = %e, "could not delete a media file");
    }
}

/// Removes every file of an attachment from storage.
pub async fn delete_files(app: &AppState, m: &MediaAttachment) {
    for key in [&m.file_key, &m.thumbnail_key, &m.source_key]
        .into_iter()
        .flatten()
    {
        delete_key(app, key).await;
    }
}

/// Avatar (400x400) or header (1500x500) of a local account, cropped around
/// the centre; replaces (and deletes) the previous file.
pub async fn set_account_image(
    app: &AppState,
    account_id: i64,
    file: &TempFile,
    header: bool,
) -> Result<()> {
    store_account_image(app, account_id, file, header, None).await
}

/// Processes and stores an avatar or header under `key_prefix` (a random
/// key without one), replacing the account's previous file.
async fn store_account_image(
    app: &AppState,
    account_id: i64,
    file: &TempFile,
    header: bool,
    key_prefix: Option<&str>,
) -> Result<()> {
    if file.size > app.config.media.image_max_bytes {
        return Err(too_large(app.config.media.image_max_bytes));
    }
    require_image(&file.path).await?;
    let (w, h) = if header { (1500, 500) } else { (400, 400) };
    let limits = Media::image_limits(&app.config);
    let path = file.path.to_path_buf();
    let encoded = on_image_slot(&app.media, move || {
        image::process_cropped(&path, &limits, w, h, Focus { x: 0.0, y: 0.0 })
    })
    .await?
    .map_err(image_error)?;
    let key = match key_prefix {
        Some(prefix) => format!("{prefix}{}", encoded.extension),
        None => new_key(
            if header { "headers" } else { "avatars" },
            encoded.extension,
        ),
    };
    app.media
        .storage
        .put_bytes(&key, encoded.bytes, encoded.content_type)
        .await
        .map_err(Error::internal)?;
    if let Some(old) = app
        .store
        .set_account_image(account_id, header, Some(&key))
        .await?
    {
        delete_key(app, &old).await;
    }
    Ok(())
}

/// Removes a local account's avatar or header.
pub async fn clear_account_image(app: &AppState, account_id: i64, header: bool) -> Result<()> {
    if let Some(old) = app
        .store
        .set_account_image(account_id, header, None)
        .await?
    {
        delete_key(app, &old).await;
    }
    Ok(())
}

/// The `CacheRemoteMedia` job: fetches a remote attachment through the
/// guarded client and keeps a processed copy. Only images are copied; a
/// remote video or audio file stays referenced by its URL.
pub async fn cache_remote(app: &AppState, media_id: i64) -> Result<()> {
    let Some(mut m) = app.store.get_media(media_id).await? else {
        return Ok(());
    };
    if m.file_key.is_some() || m.kind() != MediaKind::Image {
        return Ok(());
    }
    let Some(url) = m.remote_url.clone() else {
        return Ok(());
    };
    let Some(file) = fetch_remote_image(app, &url, app.config.media.remote_max_bytes).await? else {
        return Ok(());
    };
    let remote_blurhash = m.blurhash.clone();
    // Cached copies carry their attachment's id, so serving one can note
    // the view without a lookup by key.
    let prefix = format!("cache/{}", m.id);
    match store_image(app, &mut m, &file.path, &prefix).await {
        Ok(()) => {}
        Err(e) if e.kind == Kind::Unprocessable => {
            delete_files(app, &m).await;
            tracing::info!(media_id, error = %e, "remote media not usable");
            return Ok(());
        }
        Err(e) => return Err(e),
    }
    // The sender's blurhash describes what its author saw; keep it.
    if remote_blurhash.is_some() {
        m.blurhash = remote_blurhash;
    }
    m.state = state::REMOTE.to_string();
    m.cached_at = Some(Utc::now());
    app.store.update_media(&m).await?;
    Ok(())
}

/// What a prune removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pruned {
    pub unattached: u64,
    pub remote: u64,
    pub bytes: u64,
}

/// Removes uploads no post took within a day, and cached copies of remote
/// files not viewed for `remote_older_than` (the rows stay; the files are
/// fetched again if wanted).
pub async fn prune(app: &AppState, remote_older_than: ChronoDuration) -> Result<Pruned> {
    let mut out = Pruned::default();
    let now = Utc::now();
    loop {
        let batch = app
            .store
            .unattached_media_before(now - ChronoDuration::hours(24), 200)
            .await?;
        if batch.is_empty() {
            break;
        }
        let mut deleted = 0;
        for m in batch {
            if app.store.delete_unattached_media(&m).await? {
                delete_files(app, &m).await;
                deleted += 1;
                out.bytes += u64::try_from(m.file_size + m.thumbnail_size).unwrap_or(0);
            }
        }
        out.unattached += deleted;
        if deleted == 0 {
            break; // Every one was taken by a post meanwhile.
        }
    }
    loop {
        // Remote attachments whose post was deleted.
        let batch = app.store.orphaned_remote_media(200).await?;
        if batch.is_empty() {
            break;
        }
        for m in batch {
            delete_files(app, &m).await;
            out.bytes += u64::try_from(m.file_size + m.thumbnail_size).unwrap_or(0);
            app.store.delete_media(&m).await?;
        }
    }
    loop {
        let batch = app
            .store
            .cached_remote_media_before(now - remote_older_than, 200)
            .await?;
        if batch.is_empty() {
            break;
        }
        for mut m in batch {
            delete_files(app, &m).await;
            out.remote += 1;
            out.bytes += u64::try_from(m.file_size + m.thumbnail_size).unwrap_or(0);
            m.file_key = None;
            m.thumbnail_key = None;
            m.file_size = 0;
            m.thumbnail_size = 0;
            m.cached_at = None;
            m.updated_at = now;
            app.store.update_media(&m).await?;
        }
    }
    Ok(out)
}

/// Deletes attachments and their files (a remote post deleted by its author).
pub async fn delete_media_rows(app: &AppState, ids: &[i64]) -> Result<()> {
    for m in app.store.get_media_many(ids).await? {
        delete_files(app, &m).await;
        app.store.delete_media(&m).await?;
    }
    Ok(())
}

/// Removes every file of an account (attachments, avatar, header) and its
/// attachment rows, before the account itself is deleted or erased.
pub async fn delete_account_media(app: &AppState, account: &crate::model::Account) -> Result<()> {
    for m in app.store.media_of_account(account.id).await? {
        delete_files(app, &m).await;
        app.store.delete_media(&m).await?;
    }
    for header in [false, true] {
        clear_account_image(app, account.id, header).await?;
    }
    Ok(())
}

/// The key prefix of a remote account's cached avatar or header made from
/// `url`: a new URL means a new file.
fn account_image_prefix(account_id: i64, header: bool, url: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(url.as_bytes());
    let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    let kind = if header { "headers" } else { "avatars" };
    format!("cache/{kind}/{account_id}/{hex}.")
}

/// Whether a remote account's cached avatar or header is missing or made
/// from another URL than the one its actor now names.
pub fn account_images_stale(app: &AppState, a: &crate::model::Account) -> bool {
    if a.is_local() || !app.config.media.cache_remote {
        return false;
    }
    [
        (false, &a.avatar_remote_url, &a.avatar_key),
        (true, &a.header_remote_url, &a.header_key),
    ]
    .into_iter()
    .any(|(header, url, key)| match (url, key) {
        (Some(url), Some(key)) => !key.starts_with(&account_image_prefix(a.id, header, url)),
        (None, None) => false,
        _ => true,
    })
}

/// The `CacheAccountImages` job: fetches a remote account's avatar and
/// header through the guarded client, crops them as local ones are, and
/// replaces the previous copies.
pub async fn cache_account_images(app: &AppState, account_id: i64) -> Result<()> {
    let Some(a) = app.store.get_account(account_id).await? else {
        return Ok(());
    };
    if a.is_local() {
        return Ok(());
    }
    for (header, url, key) in [
        (false, a.avatar_remote_url.clone(), a.avatar_key.clone()),
        (true, a.header_remote_url.clone(), a.header_key.clone()),
    ] {
        let Some(url) = url else {
            if key.is_some() {
                clear_account_image(app, a.id, header).await?;
            }
            continue;
        };
        let prefix = account_image_prefix(a.id, header, &url);
        if key.as_deref().is_some_and(|k| k.starts_with(&prefix)) {
            continue;
        }
        let Some(file) = fetch_remote_image(app, &url, app.config.media.image_max_bytes).await?
        else {
            continue;
        };
        match store_account_image(app, a.id, &file, header, Some(&prefix)).await {
            Ok(()) => {}
            Err(e) if e.kind == Kind::Unprocessable || e.kind == Kind::PayloadTooLarge => {
                tracing::info!(account_id, error = %e, "remote avatar or header not usable");
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Largest custom emoji image kept, local or remote (Mastodon's limit).
pub const EMOJI_MAX_BYTES: u64 = 256 * 1024;

/// Stores a custom emoji's image as it is (an animated GIF or WebP stays
/// animated): PNG, GIF, WebP or JPEG only, at most [`EMOJI_MAX_BYTES`].
/// Returns the key and the content type.
pub async fn store_emoji_image(app: &AppState, bytes: Vec<u8>) -> Result<(String, &'static str)> {
    if bytes.len() as u64 > EMOJI_MAX_BYTES {
        return Err(too_large(EMOJI_MAX_BYTES));
    }
    let detected = detect(&bytes)
        .filter(|d| d.kind == MediaKind::Image)
        .ok_or_else(|| {
            Error::unprocessable("Validation failed: Image must be PNG, GIF, WebP or JPEG")
        })?;
    let extension = detected.mime.trim_start_matches("image/");
    let key = new_key("emojis", extension);
    app.media
        .storage
        .put_bytes(&key, bytes, detected.mime)
        .await
        .map_err(Error::internal)?;
    Ok((key, detected.mime))
}

/// Removes a stored emoji image.
pub async fn delete_emoji_image(app: &AppState, key: &str) {
    delete_key(app, key).await;
}

/// The `CacheEmoji` job: fetches a remote custom emoji's image through the
/// guarded client and keeps a copy, served from this server.
pub async fn cache_emoji(app: &AppState, emoji_id: i64) -> Result<()> {
    let Some(e) = app.store.get_emoji(emoji_id).await? else {
        return Ok(());
    };
    let Some(url) = e
        .image_remote_url
        .as_deref()
        .filter(|_| e.image_key.is_none())
    else {
        return Ok(());
    };
    let Some(file) = fetch_remote_image(app, url, EMOJI_MAX_BYTES).await? else {
        return Ok(());
    };
    let bytes = tokio::fs::read(&file.path).await.map_err(Error::internal)?;
    let _ = tokio::fs::remove_file(&file.path).await;
    let (key, mime) = match store_emoji_image(app, bytes).await {
        Ok(stored) => stored,
        Err(err) if err.kind == Kind::Unprocessable || err.kind == Kind::PayloadTooLarge => {
            tracing::info!(emoji_id, error = %err, "remote emoji not usable");
            return Ok(());
        }
        Err(err) => return Err(err),
    };
    if let Some(old) = app.store.set_emoji_image(e.id, &key, mime).await? {
        delete_key(app, &old).await;
    }
    Ok(())
}

/// A link preview's image, stored.
#[derive(Debug, Clone)]
pub struct CardImage {
    pub key: String,
    pub width: u32,
    pub height: u32,
    pub blurhash: String,
}

/// Fetches the image a linked page names through the guarded client and
/// keeps a preview-sized copy (made as an attachment's preview is: resized,
/// metadata stripped, with a blurhash). None when the image cannot be had
/// or used; an error only for a failure of this server (storage).
pub async fn store_card_image(app: &AppState, url: &str) -> Result<Option<CardImage>> {
    let file = match fetch_remote_image(app, url, app.config.media.image_max_bytes).await {
        Ok(Some(file)) => file,
        Ok(None) => return Ok(None),
        Err(e) => {
            tracing::info!(url, error = %e, "card image not fetched");
            return Ok(None);
        }
    };
    let processed = match process_image_file(app, &file.path).await {
        Ok(p) => p,
        Err(e) if e.kind == Kind::Unprocessable || e.kind == Kind::PayloadTooLarge => {
            tracing::info!(url, error = %e, "card image not usable");
            return Ok(None);
        }
        Err(e) => return Err(e),
    };
    let small = processed.small;
    let key = new_key("cards", small.extension);
    let (width, height) = (small.width, small.height);
    app.media
        .storage
        .put_bytes(&key, small.bytes, small.content_type)
        .await
        .map_err(Error::internal)?;
    Ok(Some(CardImage {
        key,
        width,
        height,
        blurhash: processed.blurhash,
    }))
}

/// Removes a stored card image.
pub async fn delete_card_image(app: &AppState, key: &str) {
    delete_key(app, key).await;
}
