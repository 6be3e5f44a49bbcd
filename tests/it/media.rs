//! Media (issue 6): uploads through the Mastodon API, what processing makes
//! of each kind of file, the refusals, attachments in posts, avatars, the
//! local file server, S3 storage against a real S3-compatible server, and
//! remote media cached and pruned between two instances.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use image::{ImageEncoder, Rgb, RgbImage, Rgba, RgbaImage};
use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::*;

// ---------------------------------------------------------------------------
// Inputs, made here
// ---------------------------------------------------------------------------

/// A JPEG whose left half is red and right half blue.
fn halves_jpeg(w: u32, h: u32) -> Vec<u8> {
    let img = RgbImage::from_fn(w, h, |x, _| {
        if x < w / 2 {
            Rgb([255, 0, 0])
        } else {
            Rgb([0, 0, 255])
        }
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 95)
        .write_image(img.as_raw(), w, h, image::ExtendedColorType::Rgb8)
        .unwrap();
    out
}

/// A minimal big-endian EXIF APP1 segment: Orientation and a GPS IFD
/// carrying a latitude reference and a map datum `ROOSTGPS`.
fn exif_app1(orientation: u16) -> Vec<u8> {
    let mut tiff: Vec<u8> = b"MM\x00\x2a\x00\x00\x00\x08".to_vec();
    // IFD0 at 8: two entries.
    tiff.extend(2u16.to_be_bytes());
    tiff.extend([0x01, 0x12, 0x00, 0x03, 0, 0, 0, 1]);
    tiff.extend(orientation.to_be_bytes());
    tiff.extend([0, 0]);
    let gps_ifd: u32 = 8 + 2 + 2 * 12 + 4;
    tiff.extend([0x88, 0x25, 0x00, 0x04, 0, 0, 0, 1]);
    tiff.extend(gps_ifd.to_be_bytes());
    tiff.extend(0u32.to_be_bytes());
    // GPS IFD: GPSLatitudeRef "N", GPSMapDatum "ROOSTGPS" (stored after the IFD).
    let datum_at: u32 = gps_ifd + 2 + 2 * 12 + 4;
    tiff.extend(2u16.to_be_bytes());
    tiff.extend([0x00, 0x01, 0x00, 0x02, 0, 0, 0, 2, b'N', 0, 0, 0]);
    tiff.extend([0x00, 0x12, 0x00, 0x02, 0, 0, 0, 9]);
    tiff.extend(datum_at.to_be_bytes());
    tiff.extend(0u32.to_be_bytes());
    tiff.extend(b"ROOSTGPS\x00");
    let mut seg = vec![0xFF, 0xE1];
    let len = u16::try_from(2 + 6 + tiff.len()).unwrap();
    seg.extend(len.to_be_bytes());
    seg.extend(b"Exif\x00\x00");
    seg.extend(tiff);
    seg
}

/// `jpeg` with an EXIF segment spliced in right after SOI.
fn with_exif(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    assert_eq!(&jpeg[..2], &[0xFF, 0xD8]);
    [&jpeg[..2], &exif_app1(orientation), &jpeg[2..]].concat()
}

pub(crate) fn png_rgba(w: u32, h: u32) -> Vec<u8> {
    let img = RgbaImage::from_fn(w, h, |x, _| {
        Rgba([0, 128, 0, if x < w / 2 { 0 } else { 255 }])
    });
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(img.as_raw(), w, h, image::ExtendedColorType::Rgba8)
        .unwrap();
    out
}

fn webp(w: u32, h: u32) -> Vec<u8> {
    let img = RgbImage::from_pixel(w, h, Rgb([10, 200, 30]));
    let mut out = Vec::new();
    image::codecs::webp::WebPEncoder::new_lossless(&mut out)
        .write_image(img.as_raw(), w, h, image::ExtendedColorType::Rgb8)
        .unwrap();
    out
}

fn animated_gif() -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = image::codecs::gif::GifEncoder::new(&mut out);
        for c in [[255, 0, 0, 255], [0, 0, 255, 255]] {
            let frame = image::Frame::from_parts(
                RgbaImage::from_pixel(32, 24, Rgba(c)),
                0,
                0,
                image::Delay::from_numer_denom_ms(100, 1),
            );
            enc.encode_frame(frame).unwrap();
        }
    }
    out
}

/// A PNG of a few bytes whose header claims `w` x `h` pixels.
fn bomb_png(w: u32, h: u32) -> Vec<u8> {
    fn chunk(kind: &[u8], data: &[u8]) -> Vec<u8> {
        let mut c = (data.len() as u32).to_be_bytes().to_vec();
        c.extend(kind);
        c.extend(data);
        let mut crc = 0xFFFF_FFFFu32;
        for b in kind.iter().chain(data) {
            crc ^= u32::from(*b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        c.extend((!crc).to_be_bytes());
        c
    }
    let mut ihdr = w.to_be_bytes().to_vec();
    ihdr.extend(h.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(chunk(b"IHDR", &ihdr));
    png.extend(chunk(
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    ));
    png.extend(chunk(b"IEND", &[]));
    png
}

pub(crate) fn have_ffmpeg() -> bool {
    std::process::Command::new("ffmpeg")
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Makes a file with ffmpeg from lavfi sources.
pub(crate) fn ffmpeg(dir: &Path, name: &str, args: &[&str]) -> Vec<u8> {
    let out = dir.join(name);
    let status = std::process::Command::new("ffmpeg")
        .args(["-nostdin", "-hide_banner", "-loglevel", "error", "-y"])
        .args(args)
        .arg(&out)
        .status()
        .expect("run ffmpeg");
    assert!(status.success(), "ffmpeg {args:?}");
    std::fs::read(out).unwrap()
}

fn mp4(dir: &Path) -> Vec<u8> {
    ffmpeg(
        dir,
        "in.mp4",
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=320x240:rate=25:duration=1",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:duration=1",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-shortest",
        ],
    )
}

fn webm(dir: &Path) -> Vec<u8> {
    ffmpeg(
        dir,
        "in.webm",
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=320x240:rate=25:duration=1",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:duration=1",
            "-c:v",
            "libvpx",
            "-b:v",
            "200k",
            "-c:a",
            "libvorbis",
            "-shortest",
        ],
    )
}

fn mp3(dir: &Path) -> Vec<u8> {
    ffmpeg(
        dir,
        "in.mp3",
        &[
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:duration=1",
            "-c:a",
            "libmp3lame",
        ],
    )
}

// ---------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------

/// Uploads `bytes` as the `file` part, with more text parts.
async fn upload_to(
    s: &TestServer,
    path: &str,
    token: &str,
    bytes: Vec<u8>,
    name: &str,
    mime: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, Value) {
    let mut form = Form::new().part(
        "file",
        Part::bytes(bytes)
            .file_name(name.to_string())
            .mime_str(mime)
            .unwrap(),
    );
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    let resp = s
        .http
        .post(s.url(path))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

pub(crate) async fn upload(
    s: &TestServer,
    token: &str,
    bytes: Vec<u8>,
    name: &str,
    mime: &str,
) -> (StatusCode, Value) {
    upload_to(s, "/api/v2/media", token, bytes, name, mime, &[]).await
}

/// `PATCH /api/v1/accounts/update_credentials` with a multipart form.
async fn update_credentials(s: &TestServer, token: &str, form: Form) -> reqwest::Response {
    s.http
        .patch(s.url("/api/v1/accounts/update_credentials"))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// Waits until `GET /api/v1/media/:id` says 200 and returns the attachment.
async fn processed(s: &TestServer, token: &str, id: &str) -> Value {
    eventually("media processing", || async {
        let (status, body) = s.get(&format!("/api/v1/media/{id}"), Some(token)).await;
        assert!(
            status == StatusCode::OK || status == StatusCode::PARTIAL_CONTENT,
            "{status} {body}"
        );
        (status == StatusCode::OK).then_some(body)
    })
    .await
}

/// GETs an absolute URL: status, content type and body.
async fn fetch(s: &TestServer, url: &str) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let resp = s.http.get(url).send().await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    (status, headers, resp.bytes().await.unwrap().to_vec())
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// Sets a timestamp column of one attachment (to make it look old).
async fn set_media_time(s: &TestServer, id: i64, column: &str, at: chrono::DateTime<chrono::Utc>) {
    let sql = format!("UPDATE media_attachments SET {column} = $2 WHERE id = $1");
    match &s.app.store.pool {
        roost::db::Pool::Sqlite(p) => sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .bind(at)
            .execute(p)
            .await
            .map(|_| ()),
        roost::db::Pool::Postgres(p) => sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .bind(at)
            .execute(p)
            .await
            .map(|_| ()),
    }
    .unwrap();
    s.app.store.cache.apply(&roost::cache::Invalidation::All);
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

// ---------------------------------------------------------------------------
// Images
// ---------------------------------------------------------------------------

#[tokio::test]
async fn jpeg_is_oriented_stripped_and_previewed() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let jpeg = with_exif(&halves_jpeg(40, 20), 6);
    assert!(contains(&jpeg, b"ROOSTGPS"));
    let (status, m) = upload_to(
        &s,
        "/api/v2/media",
        &alice.token,
        jpeg,
        "holiday.jpg",
        "image/jpeg",
        &[
            ("description", "a red and blue flag"),
            ("focus", "-0.5,0.25"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{m}");
    assert_eq!(m["type"], "image");
    assert_eq!(m["description"], "a red and blue flag");
    // Orientation 6 turns the 40x20 picture a quarter clockwise.
    assert_eq!(m["meta"]["original"]["width"], 20, "{m}");
    assert_eq!(m["meta"]["original"]["height"], 40);
    assert_eq!(m["meta"]["focus"], json!({"x": -0.5, "y": 0.25}));
    assert!(m["meta"]["small"]["width"].as_u64().unwrap() > 0);
    let blurhash = m["blurhash"].as_str().unwrap();
    assert!(blurhash.len() >= 6, "{blurhash}");

    let (status, headers, body) = fetch(&s, m["url"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "image/jpeg");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(
        headers["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age=31536000")
    );
    assert!(!contains(&body, b"Exif"), "EXIF left in the stored file");
    assert!(
        !contains(&body, b"ROOSTGPS"),
        "GPS data left in the stored file"
    );
    let img = image::load_from_memory(&body).unwrap().to_rgb8();
    assert_eq!(img.dimensions(), (20, 40));
    // The left (red) half is now on top.
    assert!(img.get_pixel(10, 5)[0] > 200 && img.get_pixel(10, 5)[2] < 60);
    assert!(img.get_pixel(10, 35)[2] > 200 && img.get_pixel(10, 35)[0] < 60);

    let (status, headers, body) = fetch(&s, m["preview_url"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("image/")
    );
    assert!(!contains(&body, b"ROOSTGPS"));
}

#[tokio::test]
async fn png_alpha_webp_and_gif_each_get_their_kind() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;

    let (status, m) = upload(&s, &alice.token, png_rgba(64, 48), "a.png", "image/png").await;
    assert_eq!(status, StatusCode::OK, "{m}");
    assert_eq!(m["type"], "image");
    let (_, headers, body) = fetch(&s, m["url"].as_str().unwrap()).await;
    assert_eq!(headers["content-type"], "image/png");
    let img = image::load_from_memory(&body).unwrap();
    assert!(img.color().has_alpha());
    assert_eq!(img.to_rgba8().get_pixel(2, 2)[3], 0, "transparency kept");

    let (status, m) = upload(&s, &alice.token, webp(50, 30), "a.webp", "image/webp").await;
    assert_eq!(status, StatusCode::OK, "{m}");
    assert_eq!(m["type"], "image");
    assert_eq!(m["meta"]["original"]["size"], "50x30");
    assert!(m["blurhash"].is_string());

    if !have_ffmpeg() {
        eprintln!("SKIPPED the GIF part: ffmpeg is not installed");
        return;
    }
    let (status, m) = upload(&s, &alice.token, animated_gif(), "a.gif", "image/gif").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{m}");
    assert_eq!(m["type"], "gifv");
    assert!(m["url"].is_null(), "no file while processing: {m}");
    let m = processed(&s, &alice.token, m["id"].as_str().unwrap()).await;
    assert_eq!(m["type"], "gifv");
    let (_, headers, _) = fetch(&s, m["url"].as_str().unwrap()).await;
    assert_eq!(headers["content-type"], "video/mp4");
    assert!(
        m["preview_url"].is_string() && m["blurhash"].is_string(),
        "{m}"
    );
}

#[tokio::test]
async fn files_that_are_not_what_they_claim_are_refused() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    for (bytes, name, mime) in [
        (
            b"<html><script>alert(1)</script></html>".to_vec(),
            "x.png",
            "image/png",
        ),
        (b"%PDF-1.7\n%...".to_vec(), "x.jpg", "image/jpeg"),
        (halves_jpeg(8, 8)[..40].to_vec(), "cut.jpg", "image/jpeg"),
    ] {
        let (status, body) = upload(&s, &alice.token, bytes, name, mime).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {body}");
        assert!(body["error"].is_string());
    }
    // A PNG of a hundred bytes claiming 60000x60000 pixels.
    let (status, body) = upload(
        &s,
        &alice.token,
        bomb_png(60_000, 60_000),
        "bomb.png",
        "image/png",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("60000x60000"),
        "{body}"
    );
    // The server is unharmed and kept nothing.
    let (status, _) = upload(
        &s,
        &alice.token,
        halves_jpeg(16, 16),
        "ok.jpg",
        "image/jpeg",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        files_under(&s.dir.path().join("media")).len(),
        2,
        "only the good upload's two files"
    );
    assert!(files_under(&s.dir.path().join("tmp")).is_empty());
    // No file at all, or no token.
    let resp = s
        .http
        .post(s.url("/api/v2/media"))
        .bearer_auth(&alice.token)
        .multipart(Form::new().text("description", "nothing"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let resp = s
        .http
        .post(s.url("/api/v2/media"))
        .multipart(Form::new().part("file", Part::bytes(halves_jpeg(8, 8)).file_name("a.jpg")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_upload_over_the_limit_is_413_and_leaves_nothing() {
    let s = TestServer::start_with(|c| c.media.image_max_bytes = 20 * 1024).await;
    let alice = s.user("alice").await;
    // Noise does not compress: well over 20 KiB.
    let noisy = RgbImage::from_fn(200, 200, |x, y| {
        let v = (x * 7919 + y * 104_729) as u8;
        Rgb([v, v.wrapping_mul(3), v.wrapping_add(91)])
    });
    let mut big = Vec::new();
    noisy
        .write_to(&mut Cursor::new(&mut big), image::ImageFormat::Png)
        .unwrap();
    assert!(big.len() > 20 * 1024);
    let (status, body) = upload(&s, &alice.token, big, "big.png", "image/png").await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert!(files_under(&s.dir.path().join("media")).is_empty());
    assert!(files_under(&s.dir.path().join("tmp")).is_empty());
    let usage = s.app.store.media_usage().await.unwrap();
    assert_eq!(usage.local_files, 0);
}

// ---------------------------------------------------------------------------
// Video and audio
// ---------------------------------------------------------------------------

#[tokio::test]
async fn video_and_audio_are_transcoded_with_meta_and_preview() {
    if !have_ffmpeg() {
        eprintln!("SKIPPED: ffmpeg is not installed");
        return;
    }
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let dir = tempfile::tempdir().unwrap();

    for (bytes, name, mime) in [
        (mp4(dir.path()), "clip.mp4", "video/mp4"),
        (webm(dir.path()), "clip.webm", "video/webm"),
    ] {
        let (status, m) = upload(&s, &alice.token, bytes, name, mime).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{name}: {m}");
        assert_eq!(m["type"], "video");
        let m = processed(&s, &alice.token, m["id"].as_str().unwrap()).await;
        assert_eq!(m["meta"]["original"]["width"], 320, "{name}: {m}");
        assert_eq!(m["meta"]["original"]["height"], 240);
        assert!(m["meta"]["duration"].as_f64().unwrap() > 0.5, "{m}");
        assert!(m["meta"]["small"]["width"].as_u64().unwrap() > 0, "{m}");
        assert!(m["blurhash"].is_string());
        let (_, headers, body) = fetch(&s, m["url"].as_str().unwrap()).await;
        assert_eq!(headers["content-type"], "video/mp4");
        assert!(
            contains(&body[..64.min(body.len())], b"ftyp"),
            "{name} is an MP4"
        );
        let (status, headers, _) = fetch(&s, m["preview_url"].as_str().unwrap()).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("image/")
        );
        // Range requests, as browsers seek in a video.
        let resp = s
            .http
            .get(m["url"].as_str().unwrap())
            .header("range", "bytes=0-9")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::PARTIAL_CONTENT);
        assert_eq!(resp.bytes().await.unwrap().len(), 10);
    }

    // The legacy endpoint answers once the file is processed.
    let (status, m) = upload_to(
        &s,
        "/api/v1/media",
        &alice.token,
        mp3(dir.path()),
        "a.mp3",
        "audio/mpeg",
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{m}");
    assert_eq!(m["type"], "audio");
    assert!(m["meta"]["duration"].as_f64().unwrap() > 0.5, "{m}");
    let (_, headers, _) = fetch(&s, m["url"].as_str().unwrap()).await;
    assert_eq!(headers["content-type"], "audio/mpeg");
}

// ---------------------------------------------------------------------------
// Attachments in posts, editing and deleting uploads
// ---------------------------------------------------------------------------

#[tokio::test]
async fn posts_take_only_their_authors_uploads() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let mallory = s.user("mallory").await;
    let (_, m) = upload(&s, &alice.token, halves_jpeg(30, 30), "a.jpg", "image/jpeg").await;
    let media_id = m["id"].as_str().unwrap().to_string();

    // Another user can neither see, change, delete nor post it.
    let (status, _) = s
        .get(&format!("/api/v1/media/{media_id}"), Some(&mallory.token))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = s
        .request(
            Method::PUT,
            &format!("/api/v1/media/{media_id}"),
            Some(&mallory.token),
            Some(json!({"description": "mine now"})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = s
        .request(
            Method::DELETE,
            &format!("/api/v1/media/{media_id}"),
            Some(&mallory.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = s
        .request(
            Method::POST,
            "/api/v1/statuses",
            Some(&mallory.token),
            Some(json!({"status": "look", "media_ids": [media_id]})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (_, statuses) = s
        .get(
            &format!("/api/v1/accounts/{}/statuses", mallory.id),
            Some(&mallory.token),
        )
        .await;
    assert_eq!(statuses, json!([]), "nothing was posted");
    // Too many, or ids that are not numbers.
    let (status, _) = s
        .request(
            Method::POST,
            "/api/v1/statuses",
            Some(&alice.token),
            Some(json!({"status": "x", "media_ids": ["1", "2", "3", "4", "5"]})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = s
        .request(
            Method::POST,
            "/api/v1/statuses",
            Some(&alice.token),
            Some(json!({"status": "x", "media_ids": ["abc"]})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // Alice changes the alt text and focus, then posts it without text.
    let (status, m) = s
        .request(
            Method::PUT,
            &format!("/api/v1/media/{media_id}"),
            Some(&alice.token),
            Some(json!({"description": "flag", "focus": "0.1,-0.2"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{m}");
    assert_eq!(m["meta"]["focus"], json!({"x": 0.1, "y": -0.2}));
    let (status, bad) = s
        .request(
            Method::PUT,
            &format!("/api/v1/media/{media_id}"),
            Some(&alice.token),
            Some(json!({"focus": "3,0"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    let (status, post) = s
        .request(
            Method::POST,
            "/api/v1/statuses",
            Some(&alice.token),
            Some(json!({"status": "", "media_ids": [media_id]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{post}");
    assert_eq!(post["media_attachments"][0]["id"], json!(media_id));
    assert_eq!(post["media_attachments"][0]["description"], "flag");

    // The same upload cannot go into a second post, nor be deleted now.
    let (status, _) = s
        .request(
            Method::POST,
            "/api/v1/statuses",
            Some(&alice.token),
            Some(json!({"status": "again", "media_ids": [media_id]})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = s
        .request(
            Method::DELETE,
            &format!("/api/v1/media/{media_id}"),
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // A posted attachment changes only through an edit of its post.
    let (status, _) = s
        .request(
            Method::PUT,
            &format!("/api/v1/media/{media_id}"),
            Some(&alice.token),
            Some(json!({"description": "changed"})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Scheduled posts cannot take media yet (it would be pruned first).
    let (_, m3) = upload(&s, &alice.token, halves_jpeg(30, 30), "s.jpg", "image/jpeg").await;
    let at = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let (status, body) = s
        .request(
            Method::POST,
            "/api/v1/statuses",
            Some(&alice.token),
            Some(json!({"status": "later", "media_ids": [m3["id"]], "scheduled_at": at})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    // only_media finds it, on her profile and the public timeline.
    let (_, plain) = s
        .request(
            Method::POST,
            "/api/v1/statuses",
            Some(&alice.token),
            Some(json!({"status": "words only"})),
        )
        .await;
    let (_, with_media) = s
        .get(
            &format!("/api/v1/accounts/{}/statuses?only_media=true", alice.id),
            Some(&alice.token),
        )
        .await;
    let ids: Vec<&str> = with_media
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![post["id"].as_str().unwrap()]);
    let (_, public) = s
        .get("/api/v1/timelines/public?only_media=true", None)
        .await;
    assert!(
        public
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["id"] != plain["id"])
    );
    assert_eq!(public.as_array().unwrap().len(), 1);

    // An unattached upload is deleted with its files.
    let before = files_under(&s.dir.path().join("media")).len();
    let (_, m2) = upload(&s, &alice.token, halves_jpeg(30, 30), "b.jpg", "image/jpeg").await;
    assert_eq!(files_under(&s.dir.path().join("media")).len(), before + 2);
    let (status, _) = s
        .request(
            Method::DELETE,
            &format!("/api/v1/media/{}", m2["id"].as_str().unwrap()),
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(files_under(&s.dir.path().join("media")).len(), before);
    let (status, _, _) = fetch(&s, m2["url"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn avatar_and_header_are_cropped_to_size() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let form = Form::new()
        .text("display_name", "Alice")
        .part(
            "avatar",
            Part::bytes(halves_jpeg(1000, 500))
                .file_name("me.jpg")
                .mime_str("image/jpeg")
                .unwrap(),
        )
        .part(
            "header",
            Part::bytes(halves_jpeg(600, 600))
                .file_name("h.jpg")
                .mime_str("image/jpeg")
                .unwrap(),
        );
    let resp = update_credentials(&s, &alice.token, form).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let me: Value = resp.json().await.unwrap();
    assert_eq!(me["display_name"], "Alice");
    let avatar = me["avatar"].as_str().unwrap();
    assert!(avatar.starts_with(&s.base), "{avatar}");
    let (_, headers, body) = fetch(&s, avatar).await;
    assert_eq!(headers["content-type"], "image/jpeg");
    let img = image::load_from_memory(&body).unwrap().to_rgb8();
    assert_eq!(img.dimensions(), (400, 400));
    // Centred crop of a red|blue picture: red on the left, blue on the right.
    assert!(img.get_pixel(20, 200)[0] > 200);
    assert!(img.get_pixel(380, 200)[2] > 200);
    let (_, _, body) = fetch(&s, me["header"].as_str().unwrap()).await;
    let img = image::load_from_memory(&body).unwrap();
    // Smaller than 1500x500: cropped to the 3:1 shape, not enlarged.
    assert_eq!((img.width(), img.height()), (600, 200));

    // The actor document shows them to other servers.
    let resp = s
        .http
        .get(s.url("/users/alice"))
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap();
    let actor: Value = resp.json().await.unwrap();
    assert_eq!(actor["icon"]["url"], json!(avatar));
    assert_eq!(actor["icon"]["mediaType"], "image/jpeg");

    // A file that is not an image changes nothing.
    let old_avatar = avatar.to_string();
    let form = Form::new().text("display_name", "Mallory").part(
        "avatar",
        Part::bytes(b"not an image".to_vec()).file_name("x.png"),
    );
    let resp = update_credentials(&s, &alice.token, form).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let (_, me) = s
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await;
    assert_eq!(me["display_name"], "Alice");
    assert_eq!(me["avatar"], json!(old_avatar));
}

#[tokio::test]
async fn unattached_uploads_are_pruned_after_a_day() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let (_, kept) = upload(&s, &alice.token, halves_jpeg(30, 30), "a.jpg", "image/jpeg").await;
    let (_, old) = upload(&s, &alice.token, halves_jpeg(30, 30), "b.jpg", "image/jpeg").await;
    let (_, posted) = upload(&s, &alice.token, halves_jpeg(30, 30), "c.jpg", "image/jpeg").await;
    let (status, _) = s
        .request(
            Method::POST,
            "/api/v1/statuses",
            Some(&alice.token),
            Some(json!({"status": "x", "media_ids": [posted["id"]]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // Two uploads are made to look two days old.
    for m in [&old, &posted] {
        let id: i64 = m["id"].as_str().unwrap().parse().unwrap();
        set_media_time(
            &s,
            id,
            "created_at",
            chrono::Utc::now() - chrono::Duration::days(2),
        )
        .await;
    }
    let pruned = roost::media::process::prune(&s.app, chrono::Duration::days(30))
        .await
        .unwrap();
    assert_eq!((pruned.unattached, pruned.remote), (1, 0));
    let (status, _, _) = fetch(&s, old["url"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for m in [&kept, &posted] {
        let (status, _, _) = fetch(&s, m["url"].as_str().unwrap()).await;
        assert_eq!(status, StatusCode::OK);
    }
}

// ---------------------------------------------------------------------------
// Instance configuration
// ---------------------------------------------------------------------------

#[tokio::test]
async fn instance_reports_the_media_limits() {
    let s = TestServer::start_with(|c| c.media.image_max_bytes = 5 * 1024 * 1024).await;
    let (_, instance) = s.get("/api/v2/instance", None).await;
    let m = &instance["configuration"]["media_attachments"];
    assert_eq!(m["image_size_limit"], 5 * 1024 * 1024);
    assert_eq!(m["description_limit"], 1500);
    assert!(
        m["supported_mime_types"]
            .as_array()
            .unwrap()
            .contains(&json!("image/webp"))
    );
}

// ---------------------------------------------------------------------------
// S3 storage against a real S3-compatible server (moto)
// ---------------------------------------------------------------------------

/// moto's S3 server on a free loopback port, killed on drop.
struct Moto {
    child: std::process::Child,
    endpoint: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Moto {
    fn program() -> Option<PathBuf> {
        if let Ok(p) = std::env::var("ROOST_MOTO_SERVER") {
            return Some(PathBuf::from(p));
        }
        let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/moto_server");
        venv.exists().then_some(venv)
    }

    async fn start() -> Option<Moto> {
        let program = Self::program()?;
        roost::net::install_crypto_provider();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = std::process::Command::new(program)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start moto_server");
        let moto = Moto {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let http = reqwest::Client::new();
        // moto imports a great deal of Python: slow on a loaded machine.
        eventually_within(60, "moto to listen", || async {
            http.get(format!("{}/", moto.endpoint))
                .send()
                .await
                .ok()
                .map(|_| ())
        })
        .await;
        Some(moto)
    }

    /// Creates a bucket anyone may read, as an operator would for media.
    async fn public_bucket(&self, bucket: &str) {
        let http = reqwest::Client::new();
        let resp = http
            .put(format!("{}/{bucket}", self.endpoint))
            .send()
            .await
            .unwrap();
        assert!(
            resp.status().is_success(),
            "create bucket: {}",
            resp.status()
        );
        let policy = json!({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                           "Resource": format!("arn:aws:s3:::{bucket}/*")}]
        });
        let resp = http
            .put(format!("{}/{bucket}?policy", self.endpoint))
            .body(policy.to_string())
            .send()
            .await
            .unwrap();
        assert!(
            resp.status().is_success(),
            "bucket policy: {}",
            resp.status()
        );
    }
}

#[tokio::test]
async fn s3_storage_keeps_uploads_in_the_bucket() {
    let Some(moto) = Moto::start().await else {
        // CI always has it (.venv from tests/clients/requirements.txt).
        eprintln!("SKIPPED: moto_server not found (run scripts/test to make .venv)");
        return;
    };
    moto.public_bucket("roost-media").await;
    let endpoint = moto.endpoint.clone();
    let s = TestServer::start_with(move |c| {
        c.storage.backend = "s3".into();
        c.storage.s3_endpoint = endpoint;
        c.storage.s3_bucket = "roost-media".into();
        c.storage.s3_region = "us-east-1".into();
        c.storage.s3_access_key_id = "test".into();
        c.storage.s3_secret_access_key = "test".into();
        c.storage.s3_path_style = true;
    })
    .await;
    let alice = s.user("alice").await;
    let (status, m) = upload(&s, &alice.token, halves_jpeg(64, 32), "a.jpg", "image/jpeg").await;
    assert_eq!(status, StatusCode::OK, "{m}");
    let url = m["url"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("{}/roost-media/attachments/", moto.endpoint)),
        "{url}"
    );
    let (status, headers, body) = fetch(&s, url).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "image/jpeg");
    assert_eq!(image::load_from_memory(&body).unwrap().width(), 64);
    assert!(
        files_under(&s.dir.path().join("media")).is_empty(),
        "nothing on local disk"
    );

    // A video waits in the bucket for its job, which streams it back.
    if have_ffmpeg() {
        let dir = tempfile::tempdir().unwrap();
        let (status, v) = upload(&s, &alice.token, mp4(dir.path()), "v.mp4", "video/mp4").await;
        assert_eq!(status, StatusCode::ACCEPTED, "{v}");
        let v = processed(&s, &alice.token, v["id"].as_str().unwrap()).await;
        let url = v["url"].as_str().unwrap();
        assert!(url.starts_with(&moto.endpoint), "{url}");
        let (status, headers, _) = fetch(&s, url).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers["content-type"], "video/mp4");
    }

    // Deleting the upload deletes the objects.
    let (status, _) = s
        .request(
            Method::DELETE,
            &format!("/api/v1/media/{}", m["id"].as_str().unwrap()),
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = fetch(&s, url).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

// ---------------------------------------------------------------------------
// Federation: attachments travel as Documents; remote copies are cached and pruned
// ---------------------------------------------------------------------------

#[tokio::test]
async fn remote_attachments_are_cached_and_pruned() {
    let (a, b) = federated_pair().await;
    let alice = a.user("alice").await;
    let bob = b.user("bob").await;
    let form = Form::new().part(
        "avatar",
        Part::bytes(halves_jpeg(300, 300)).file_name("me.jpg"),
    );
    let resp = update_credentials(&a, &alice.token, form).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let alice_avatar = resp.json::<Value>().await.unwrap()["avatar"]
        .as_str()
        .unwrap()
        .to_string();
    let alice_on_b = crate::federation::remote_follower(&a, &b, &alice, &bob).await;

    // Bob's server keeps its own copy of alice's avatar.
    let avatar_on_b = eventually("alice's avatar to be cached on b", || async {
        b.app.store.cache.apply(&roost::cache::Invalidation::All);
        let (_, acct) = b
            .get(&format!("/api/v1/accounts/{alice_on_b}"), Some(&bob.token))
            .await;
        let url = acct["avatar"].as_str()?.to_string();
        url.starts_with(&b.base).then_some(url)
    })
    .await;
    assert_ne!(avatar_on_b, alice_avatar);
    let (status, _, body) = fetch(&b, &avatar_on_b).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(image::load_from_memory(&body).unwrap().width(), 300);

    let (_, m) = upload_to(
        &a,
        "/api/v2/media",
        &alice.token,
        halves_jpeg(120, 60),
        "a.jpg",
        "image/jpeg",
        &[("description", "red and blue"), ("focus", "0.5,0.5")],
    )
    .await;
    let original_url = m["url"].as_str().unwrap().to_string();
    let (status, post) = a
        .request(
            Method::POST,
            "/api/v1/statuses",
            Some(&alice.token),
            Some(json!({"status": "look", "media_ids": [m["id"]]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{post}");

    // The Note carries a Document with Mastodon's fields.
    let resp = a
        .http
        .get(post["uri"].as_str().unwrap())
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap();
    let note: Value = resp.json().await.unwrap();
    let doc = &note["attachment"][0];
    assert_eq!(doc["type"], "Document");
    assert_eq!(doc["mediaType"], "image/jpeg");
    assert_eq!(doc["url"], json!(original_url));
    assert_eq!(doc["name"], "red and blue");
    assert_eq!(doc["focalPoint"], json!([0.5, 0.5]));
    assert_eq!(
        (doc["width"].as_u64(), doc["height"].as_u64()),
        (Some(120), Some(60))
    );
    assert!(doc["blurhash"].is_string());

    // Bob's server shows it, then serves its own copy.
    let cached = eventually("the remote image to be cached", || async {
        let (_, home) = b.get("/api/v1/timelines/home", Some(&bob.token)).await;
        let m = home.as_array()?.first()?["media_attachments"]
            .get(0)?
            .clone();
        let url = m["url"].as_str()?;
        url.starts_with(&b.base).then(|| m.clone())
    })
    .await;
    assert_eq!(cached["remote_url"], json!(original_url));
    assert_eq!(cached["description"], "red and blue");
    assert_eq!(cached["type"], "image");
    let (status, headers, body) = fetch(&b, cached["url"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "image/jpeg");
    assert_eq!(image::load_from_memory(&body).unwrap().width(), 120);
    let usage = b.app.store.media_usage().await.unwrap();
    assert_eq!(usage.remote_cached_files, 1);

    // Cached two days ago but viewed just now (the fetch above): kept by a
    // one-day prune. Not viewed for two days either: removed.
    let media_id: i64 = cached["id"].as_str().unwrap().parse().unwrap();
    let two_days_ago = chrono::Utc::now() - chrono::Duration::days(2);
    set_media_time(&b, media_id, "cached_at", two_days_ago).await;
    let row = b.app.store.get_media(media_id).await.unwrap().unwrap();
    assert!(
        row.last_viewed_at.is_some(),
        "serving the copy records the view"
    );
    let pruned = roost::media::process::prune(&b.app, chrono::Duration::days(1))
        .await
        .unwrap();
    assert_eq!(pruned.remote, 0, "viewed moments ago");
    set_media_time(&b, media_id, "last_viewed_at", two_days_ago).await;
    let pruned = roost::media::process::prune(&b.app, chrono::Duration::days(1))
        .await
        .unwrap();
    assert_eq!(pruned.remote, 1);
    let (status, _, _) = fetch(&b, cached["url"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    b.app.store.cache.apply(&roost::cache::Invalidation::All);
    let (_, home) = b.get("/api/v1/timelines/home", Some(&bob.token)).await;
    assert_eq!(
        home[0]["media_attachments"][0]["url"],
        json!(original_url),
        "back to the remote file"
    );
    assert_eq!(
        b.app.store.media_usage().await.unwrap().remote_cached_files,
        0
    );

    // Alice edits the post to carry another picture: b follows.
    let (_, m2) = upload(&a, &alice.token, halves_jpeg(50, 50), "b.jpg", "image/jpeg").await;
    let (status, edited) = a
        .request(
            Method::PUT,
            &format!("/api/v1/statuses/{}", post["id"].as_str().unwrap()),
            Some(&alice.token),
            Some(json!({"status": "look again", "media_ids": [m2["id"]]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(edited["media_attachments"][0]["id"], m2["id"]);
    let new_remote = m2["url"].as_str().unwrap().to_string();
    eventually("b to show the edited post's new picture", || async {
        b.app.store.cache.apply(&roost::cache::Invalidation::All);
        let (_, home) = b.get("/api/v1/timelines/home", Some(&bob.token)).await;
        let list = home[0]["media_attachments"].as_array()?.clone();
        (list.len() == 1 && list[0]["remote_url"] == json!(new_remote)).then_some(())
    })
    .await;
    assert!(
        b.app.store.get_media(media_id).await.unwrap().is_none(),
        "the replaced attachment is gone"
    );
    let (_, home) = b.get("/api/v1/timelines/home", Some(&bob.token)).await;
    let media_id: i64 = home[0]["media_attachments"][0]["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();

    // Alice deletes the post: b forgets its attachment.
    let (status, _) = a
        .request(
            Method::DELETE,
            &format!("/api/v1/statuses/{}", post["id"].as_str().unwrap()),
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    eventually("b to drop the deleted post's media", || async {
        b.app.store.cache.apply(&roost::cache::Invalidation::All);
        b.app
            .store
            .get_media(media_id)
            .await
            .unwrap()
            .is_none()
            .then_some(())
    })
    .await;
}

#[tokio::test]
async fn deleting_an_account_deletes_its_files() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let (_, posted) = upload(&s, &alice.token, halves_jpeg(30, 30), "a.jpg", "image/jpeg").await;
    let (status, _) = s
        .request(
            Method::POST,
            "/api/v1/statuses",
            Some(&alice.token),
            Some(json!({"status": "x", "media_ids": [posted["id"]]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    upload(&s, &alice.token, halves_jpeg(30, 30), "b.jpg", "image/jpeg").await;
    let form = Form::new().part(
        "header",
        Part::bytes(halves_jpeg(300, 100)).file_name("h.jpg"),
    );
    let resp = update_credentials(&s, &alice.token, form).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(files_under(&s.dir.path().join("media")).len(), 5);
    let account = s
        .app
        .store
        .get_account(alice.id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    roost::service::accounts::delete_account(&s.app, &account)
        .await
        .unwrap();
    assert!(files_under(&s.dir.path().join("media")).is_empty());
    assert_eq!(s.app.store.media_usage().await.unwrap(), Default::default());
}

#[tokio::test]
async fn deleting_a_post_frees_its_media_for_a_redraft() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let (_, m) = upload(&s, &alice.token, halves_jpeg(30, 30), "a.jpg", "image/jpeg").await;
    let (status, post) = s
        .request(
            Method::POST,
            "/api/v1/statuses",
            Some(&alice.token),
            Some(json!({"status": "first", "media_ids": [m["id"]]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{post}");
    let (status, _) = s
        .request(
            Method::DELETE,
            &format!("/api/v1/statuses/{}", post["id"].as_str().unwrap()),
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // At once, as Mastodon's "delete and redraft" does.
    let (status, again) = s
        .request(
            Method::POST,
            "/api/v1/statuses",
            Some(&alice.token),
            Some(json!({"status": "second", "media_ids": [m["id"]]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["media_attachments"][0]["id"], m["id"]);
    let (status, _, _) = fetch(&s, m["url"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK);
}
