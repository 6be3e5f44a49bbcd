//! Video, GIF and audio attachments through the `ffmpeg` and `ffprobe`
//! programs, the way Mastodon handles them: probe, pass web-playable H.264
//! MP4 through (remuxed, metadata stripped), transcode the rest to H.264/AAC
//! MP4 (animated GIFs become silent "gifv" MP4s), turn audio into MP3, grab a
//! thumbnail frame, and describe the result as Mastodon's `meta` object.
//!
//! Every run is a child process with null stdin, bounded output, a deadline
//! (the child is killed and reaped when it passes) and two threads. Inputs
//! are read only through the `file` protocol and only by the demuxers in
//! [`ALLOWED_FORMATS`], so playlists (HLS), concat lists and image sequences
//! cannot make ffmpeg open other files or the network.
//!
//! See <https://docs.joinmastodon.org/entities/MediaAttachment/>.

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::Command;
use tokio::time::Instant;

/// Demuxers ffmpeg may use on an input (ffmpeg's `-format_whitelist`). A
/// name matches any part of a demuxer's comma-separated name, so `mov` is
/// `mov,mp4,m4a,3gp,3g2,mj2` and `matroska` is `matroska,webm`.
pub const ALLOWED_FORMATS: &[&str] =
    &["mov", "matroska", "gif", "mp3", "ogg", "wav", "flac", "aac"];

/// Largest input frame we agree to decode (8K UHD); bigger is [`VideoError::TooBig`].
pub const MAX_INPUT_PIXELS: u64 = 7680 * 4320;

/// Threads per ffmpeg run, so one transcode cannot take the whole machine.
const THREADS: &str = "2";
/// ffprobe's JSON is small; anything bigger than this is refused.
const MAX_STDOUT: usize = 1 << 20;
/// How much of the end of stderr we keep for error messages.
const STDERR_TAIL: usize = 4096;
/// Lines of stderr quoted in [`VideoError::Failed`].
const STDERR_LINES: usize = 8;
/// Output options dropping subtitles, data streams, tags and chapters.
const STRIP: &[&str] = &["-sn", "-dn", "-map_metadata", "-1", "-map_chapters", "-1"];
/// Time allowed for `-version` in [`Tools::find`] and for reaping a killed child.
const SHORT_WAIT: Duration = Duration::from_secs(10);
/// Audio bitrate of transcoded videos.
const AAC_BITRATE: &str = "128k";

/// Where the `ffmpeg` and `ffprobe` programs are.
#[derive(Debug, Clone)]
pub struct Tools {
    pub ffmpeg: PathBuf,
    pub ffprobe: PathBuf,
    /// ffmpeg's version, as its `-version` says (`5.1.6-0+deb12u1`).
    pub version: String,
}

impl Tools {
    /// Finds both programs (a bare name is looked up on `PATH`, anything with
    /// a `/` is taken as a path) and checks that they run `-version`; `None`
    /// if either is missing or broken. Usually `Tools::find("ffmpeg", "ffprobe")`.
    pub async fn find(ffmpeg: &str, ffprobe: &str) -> Option<Tools> {
        let (ffmpeg, first_line) = locate(ffmpeg).await?;
        let version = first_line
            .strip_prefix("ffmpeg version ")
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or("unknown")
            .to_string();
        let tools = Tools {
            ffmpeg,
            ffprobe: locate(ffprobe).await?.0,
            version,
        };
        tracing::debug!(ffmpeg = %tools.ffmpeg.display(), ffprobe = %tools.ffprobe.display(), "found ffmpeg");
        Some(tools)
    }
}

/// The program's path and the first line of its `-version`.
async fn locate(program: &str) -> Option<(PathBuf, String)> {
    let path = if program.contains('/') {
        PathBuf::from(program)
    } else {
        std::env::split_paths(&std::env::var_os("PATH")?)
            .map(|dir| dir.join(program))
            .find(|candidate| candidate.is_file())?
    };
    let mut cmd = Command::new(&path);
    cmd.arg("-version");
    match run(cmd, Instant::now() + SHORT_WAIT).await {
        Ok(out) if out.status.success() => {
            let first = String::from_utf8_lossy(&out.stdout)
                .lines()
                .next()
                .unwrap_or("")
                .to_string();
            Some((path, first))
        }
        Ok(out) => {
            tracing::warn!(program = %path.display(), stderr = %out.stderr_tail(), "-version failed");
            None
        }
        Err(error) => {
            tracing::warn!(program = %path.display(), %error, "cannot run");
            None
        }
    }
}

/// What we accept and produce.
#[derive(Debug, Clone)]
pub struct VideoLimits {
    /// Videos are scaled down to fit `max_width` x `max_height` (the box is
    /// turned for portrait videos, so a 1080x1920 phone video is kept as is).
    pub max_width: u32,
    pub max_height: u32,
    /// Higher frame rates are capped to this.
    pub max_fps: f64,
    /// Longer inputs are refused with [`VideoError::TooLong`]; outputs are cut there too.
    pub max_duration_secs: f64,
    /// Video bits/s: the cap of transcodes, and the most a video may have to pass through.
    pub max_video_bitrate: u64,
    /// Deadline of a whole operation (probe, convert, probe the output).
    pub timeout: Duration,
}

impl Default for VideoLimits {
    fn default() -> Self {
        VideoLimits {
            max_width: 1920,
            max_height: 1080,
            max_fps: 60.0,
            max_duration_secs: 600.0,
            max_video_bitrate: 1_300_000,
            timeout: Duration::from_secs(300),
        }
    }
}

/// What ffprobe says about a file.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Probe {
    /// The demuxer, e.g. `mov,mp4,m4a,3gp,3g2,mj2`, `matroska,webm`, `gif`, `mp3`.
    pub format_name: String,
    /// Seconds.
    pub duration: Option<f64>,
    /// Bits/s of the whole file.
    pub bitrate: Option<u64>,
    /// The first video stream that is not cover art.
    pub video: Option<VideoStream>,
    /// The first audio stream.
    pub audio: Option<AudioStream>,
}

/// A video stream; `width` and `height` are as displayed (rotation applied).
#[derive(Debug, Clone, Default, Serialize)]
pub struct VideoStream {
    /// Stream index in the file, used to map it.
    pub index: u32,
    pub codec: String,
    pub pix_fmt: Option<String>,
    pub width: u32,
    pub height: u32,
    /// Clockwise degrees the player turns the picture: 0, 90, 180 or 270.
    pub rotation: u32,
    /// Average frame rate as ffprobe writes it, e.g. `30/1`, `30000/1001`.
    pub frame_rate: Option<String>,
    pub fps: Option<f64>,
    pub bitrate: Option<u64>,
}

/// An audio stream.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AudioStream {
    /// Stream index in the file, used to map it.
    pub index: u32,
    pub codec: String,
    /// Codec profile, e.g. `LC` for AAC.
    pub profile: Option<String>,
    pub sample_rate: Option<u32>,
    pub channels: Option<u32>,
    pub channel_layout: Option<String>,
    pub bitrate: Option<u64>,
}

/// Why a file could not be probed or converted.
#[derive(Debug)]
pub enum VideoError {
    /// ffmpeg or ffprobe cannot be run.
    Missing,
    /// Not media we take (unreadable, a refused format, no suitable stream).
    Unsupported(String),
    /// Longer than [`VideoLimits::max_duration_secs`].
    TooLong { duration: f64, max: f64 },
    /// Frames larger than [`MAX_INPUT_PIXELS`].
    TooBig { width: u32, height: u32 },
    /// ffmpeg failed; the last lines of its stderr.
    Failed(String),
    /// The deadline passed; the child was killed.
    Timeout,
}

impl fmt::Display for VideoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VideoError::Missing => write!(f, "ffmpeg is not available"),
            VideoError::Unsupported(why) => write!(f, "unsupported media: {why}"),
            VideoError::TooLong { duration, max } => {
                write!(f, "media is {duration:.1} s long, the limit is {max:.1} s")
            }
            VideoError::TooBig { width, height } => {
                write!(f, "video frames of {width}x{height} are too large")
            }
            VideoError::Failed(why) => write!(f, "ffmpeg failed: {why}"),
            VideoError::Timeout => write!(f, "media processing timed out"),
        }
    }
}

impl std::error::Error for VideoError {}

/// Probes `input` with `ffprobe -show_format -show_streams`. A file ffprobe
/// cannot read, or read only with a demuxer outside [`ALLOWED_FORMATS`], is
/// [`VideoError::Unsupported`].
pub async fn probe(tools: &Tools, input: &Path, timeout: Duration) -> Result<Probe, VideoError> {
    probe_until(tools, input, Instant::now() + timeout).await
}

async fn probe_until(tools: &Tools, input: &Path, deadline: Instant) -> Result<Probe, VideoError> {
    let mut cmd = Command::new(&tools.ffprobe);
    cmd.args(["-hide_banner", "-v", "error", "-print_format", "json"])
        .args(["-show_format", "-show_streams"]);
    add_input(&mut cmd, input);
    let out = run(cmd, deadline).await?;
    if !out.status.success() {
        return Err(VideoError::Unsupported(out.stderr_tail()));
    }
    if out.stdout_overflow {
        return Err(VideoError::Unsupported("ffprobe output too large".into()));
    }
    let raw: RawProbe = serde_json::from_slice(&out.stdout)
        .map_err(|e| VideoError::Unsupported(format!("unreadable ffprobe output: {e}")))?;
    let probe = raw.into_probe();
    let allowed = probe
        .format_name
        .split(',')
        .any(|name| ALLOWED_FORMATS.contains(&name));
    if !allowed {
        return Err(VideoError::Unsupported(format!(
            "format {:?} is not accepted",
            probe.format_name
        )));
    }
    Ok(probe)
}

/// True when browsers play the file as it is (Mastodon's passthrough rule):
/// an MP4/MOV container, H.264 video in yuv420p, no audio or AAC/MP3, and
/// within the size, frame rate and bitrate limits.
pub fn is_web_playable(p: &Probe, limits: &VideoLimits) -> bool {
    let Some(v) = &p.video else { return false };
    let container = p.format_name.split(',').any(|n| n == "mov" || n == "mp4");
    let audio_ok = p
        .audio
        .as_ref()
        .is_none_or(|a| a.codec == "aac" || a.codec == "mp3");
    let (w, h) = fit(v.width, v.height, limits);
    let bitrate = v.bitrate.or(p.bitrate);
    container
        && v.codec == "h264"
        && v.pix_fmt.as_deref() == Some("yuv420p")
        && audio_ok
        && (w, h) == (v.width, v.height)
        && v.fps.is_none_or(|fps| fps <= limits.max_fps)
        && bitrate.is_some_and(|b| b <= limits.max_video_bitrate)
}

/// Converts a video (or an animated GIF: pass `drop_audio` for a "gifv") to
/// an H.264/AAC MP4 with `+faststart`: web-playable inputs are only remuxed
/// with their metadata stripped; others are transcoded, scaled down to fit
/// the limits (even dimensions), frame rate capped, CRF with a bitrate cap,
/// transparency flattened onto white. Refuses inputs longer than the limit
/// before running ffmpeg. Returns the probe of `output`.
pub async fn to_mp4(
    tools: &Tools,
    input: &Path,
    output: &Path,
    limits: &VideoLimits,
    drop_audio: bool,
) -> Result<Probe, VideoError> {
    let deadline = Instant::now() + limits.timeout;
    let src = probe_until(tools, input, deadline).await?;
    check_duration(&src, limits)?;
    let Some(video) = &src.video else {
        return Err(VideoError::Unsupported("no video stream".into()));
    };
    if u64::from(video.width) * u64::from(video.height) > MAX_INPUT_PIXELS {
        return Err(VideoError::TooBig {
            width: video.width,
            height: video.height,
        });
    }
    let audio = src.audio.as_ref().filter(|_| !drop_audio);
    let passthrough = is_web_playable(&src, limits);
    tracing::debug!(input = %input.display(), format = %src.format_name, passthrough, "to mp4");

    let mut cmd = ffmpeg(tools);
    add_input(&mut cmd, input);
    cmd.arg("-map").arg(format!("0:{}", video.index));
    match audio {
        Some(a) => cmd.arg("-map").arg(format!("0:{}", a.index)),
        None => cmd.arg("-an"),
    };
    if passthrough {
        cmd.args(["-c", "copy"]);
    } else {
        cmd.args(["-vf", &video_filter(&src, video, limits)])
            .args(["-vsync", "vfr"])
            .args(["-c:v", "libx264", "-preset", "veryfast", "-crf", "23"])
            .arg("-maxrate")
            .arg(limits.max_video_bitrate.to_string())
            .arg("-bufsize")
            .arg((limits.max_video_bitrate * 2).to_string());
        if audio.is_some() {
            cmd.args(["-c:a", "aac", "-b:a", AAC_BITRATE]);
        }
    }
    cmd.args(STRIP)
        .args(["-movflags", "+faststart", "-max_muxing_queue_size", "1024"]);
    add_output(&mut cmd, "mp4", output, limits);
    convert(cmd, deadline).await?;
    probe_until(tools, output, deadline).await
}

/// Paints transparent pixels white, as Mastodon does.
const FLATTEN: &str = "split[fg][bg];[bg]drawbox=t=fill:c=white[white];[white][fg]overlay";

/// The `-vf` chain of a transcode: flatten transparency, cap the frame
/// rate, scale to fit with even dimensions, yuv420p. ffmpeg rotates before
/// the filters run, so the displayed size from the probe is the one to fit.
fn video_filter(src: &Probe, v: &VideoStream, limits: &VideoLimits) -> String {
    let mut chain = Vec::new();
    if src.format_name == "gif" || v.pix_fmt.as_deref().is_some_and(has_alpha) {
        chain.push(FLATTEN.to_string());
    }
    if v.fps.is_some_and(|fps| fps > limits.max_fps) {
        chain.push(format!("fps={}", limits.max_fps));
    }
    let (w, h) = fit(v.width, v.height, limits);
    chain.push(format!("scale={w}:{h}"));
    chain.push("format=yuv420p".into());
    chain.join(",")
}

fn has_alpha(pix_fmt: &str) -> bool {
    const ALPHA: &[&str] = &[
        "pal8", "yuva", "ya", "gbrap", "rgba", "bgra", "argb", "abgr",
    ];
    ALPHA.iter().any(|p| pix_fmt.starts_with(p))
}

/// The size to encode `width` x `height` at: scaled down, keeping the
/// aspect ratio, to fit the limits (the box turned for portrait videos),
/// rounded down to even numbers, at least 2x2.
fn fit(width: u32, height: u32, limits: &VideoLimits) -> (u32, u32) {
    let (box_w, box_h) = if height > width {
        (limits.max_height, limits.max_width)
    } else {
        (limits.max_width, limits.max_height)
    };
    let scale = (f64::from(box_w) / f64::from(width.max(1)))
        .min(f64::from(box_h) / f64::from(height.max(1)))
        .min(1.0);
    let even = |n: f64| ((n.floor() as u32) & !1).max(2);
    (
        even(f64::from(width) * scale),
        even(f64::from(height) * scale),
    )
}

/// Converts audio to MP3, as Mastodon does: MP3 is copied with its tags
/// stripped, anything else (Vorbis, Opus, AAC, WAV, FLAC …) is encoded
/// with LAME VBR quality 2. Returns the probe of `output`.
pub async fn to_mp3(
    tools: &Tools,
    input: &Path,
    output: &Path,
    limits: &VideoLimits,
) -> Result<Probe, VideoError> {
    let deadline = Instant::now() + limits.timeout;
    let src = probe_until(tools, input, deadline).await?;
    check_duration(&src, limits)?;
    let Some(audio) = &src.audio else {
        return Err(VideoError::Unsupported("no audio stream".into()));
    };
    let mut cmd = ffmpeg(tools);
    add_input(&mut cmd, input);
    cmd.arg("-map").arg(format!("0:{}", audio.index));
    if audio.codec == "mp3" {
        cmd.args(["-c:a", "copy"]);
    } else {
        cmd.args(["-c:a", "libmp3lame", "-q:a", "2"]);
        if audio.channels.is_some_and(|c| c > 2) {
            cmd.args(["-ac", "2"]);
        }
    }
    cmd.arg("-vn")
        .args(STRIP)
        .args(["-id3v2_version", "0", "-write_id3v1", "0"]);
    add_output(&mut cmd, "mp3", output, limits);
    convert(cmd, deadline).await?;
    probe_until(tools, output, deadline).await
}

/// Writes one frame of the video as a PNG, for the thumbnail: at 10% of the
/// duration (the start for clips under two seconds), or the first frame when
/// there is nothing there.
pub async fn frame_png(
    tools: &Tools,
    input: &Path,
    output: &Path,
    timeout: Duration,
) -> Result<(), VideoError> {
    let deadline = Instant::now() + timeout;
    let src = probe_until(tools, input, deadline).await?;
    let Some(video) = &src.video else {
        return Err(VideoError::Unsupported("no video stream".into()));
    };
    let at = src.duration.filter(|d| *d >= 2.0).map_or(0.0, |d| d / 10.0);
    let seeks: &[f64] = if at > 0.0 { &[at, 0.0] } else { &[0.0] };
    let mut last = VideoError::Failed("no frame decoded".into());
    for &seek in seeks {
        let mut cmd = ffmpeg(tools);
        cmd.arg("-ss").arg(format!("{seek:.3}"));
        add_input(&mut cmd, input);
        cmd.arg("-map").arg(format!("0:{}", video.index));
        cmd.args(["-frames:v", "1", "-an", "-sn", "-dn", "-c:v", "png"])
            .args(["-update", "1", "-f", "image2"])
            .arg(file_url(output));
        match convert(cmd, deadline).await {
            Err(VideoError::Timeout) => return Err(VideoError::Timeout),
            Ok(()) if tokio::fs::metadata(output).await.is_ok_and(|m| m.len() > 0) => {
                return Ok(());
            }
            Ok(()) => last = VideoError::Failed("no frame decoded".into()),
            Err(e) => last = e,
        }
        tracing::debug!(input = %input.display(), seek, %last, "no frame there");
    }
    Err(last)
}

/// Mastodon's `meta` for a video, gifv or audio attachment, from the probe
/// of the converted file: `length`, `duration`, and for video `fps`, `size`,
/// `width`, `height`, `aspect`; `audio_encode`, `audio_bitrate` (the sample
/// rate, as Mastodon writes it) and `audio_channels` when there is audio;
/// and `original` with the exact numbers.
pub fn mastodon_meta(p: &Probe) -> Value {
    let mut meta = Map::new();
    let mut original = Map::new();
    if let Some(d) = p.duration {
        meta.insert("length".into(), json!(length(d)));
        meta.insert("duration".into(), json!((d * 100.0).round() / 100.0));
    }
    if let Some(v) = &p.video {
        if let Some(fps) = v.fps {
            meta.insert("fps".into(), json!(fps.round() as u64));
        }
        meta.insert("size".into(), json!(format!("{}x{}", v.width, v.height)));
        meta.insert("width".into(), json!(v.width));
        meta.insert("height".into(), json!(v.height));
        if v.height > 0 {
            meta.insert(
                "aspect".into(),
                json!(f64::from(v.width) / f64::from(v.height)),
            );
        }
        original.insert("width".into(), json!(v.width));
        original.insert("height".into(), json!(v.height));
        if let Some(rate) = &v.frame_rate {
            original.insert("frame_rate".into(), json!(rate));
        }
    }
    if let Some(a) = &p.audio {
        let encode = match &a.profile {
            Some(profile) => format!("{} ({profile})", a.codec),
            None => a.codec.clone(),
        };
        meta.insert("audio_encode".into(), json!(encode));
        if let Some(rate) = a.sample_rate {
            meta.insert("audio_bitrate".into(), json!(format!("{rate} Hz")));
        }
        let channels = match (a.channel_layout.as_deref(), a.channels) {
            (Some(layout), _) if !layout.is_empty() => Some(layout.to_string()),
            (_, Some(1)) => Some("mono".into()),
            (_, Some(2)) => Some("stereo".into()),
            (_, Some(n)) => Some(format!("{n} channels")),
            _ => None,
        };
        if let Some(channels) = channels {
            meta.insert("audio_channels".into(), json!(channels));
        }
    }
    if let Some(d) = p.duration {
        original.insert("duration".into(), json!(d));
    }
    if let Some(b) = p.bitrate {
        original.insert("bitrate".into(), json!(b));
    }
    meta.insert("original".into(), Value::Object(original));
    Value::Object(meta)
}

/// `H:MM:SS.cc`, as in Mastodon's `length`.
fn length(secs: f64) -> String {
    let cs = (secs.max(0.0) * 100.0).round() as u64;
    let (h, m, s, c) = (cs / 360_000, cs / 6000 % 60, cs / 100 % 60, cs % 100);
    format!("{h}:{m:02}:{s:02}.{c:02}")
}

fn check_duration(p: &Probe, limits: &VideoLimits) -> Result<(), VideoError> {
    match p.duration {
        Some(d) if d > limits.max_duration_secs => Err(VideoError::TooLong {
            duration: d,
            max: limits.max_duration_secs,
        }),
        _ => Ok(()),
    }
}

// ---- ffprobe's JSON ----

#[derive(Deserialize)]
struct RawProbe {
    #[serde(default)]
    streams: Vec<RawStream>,
    format: Option<RawFormat>,
}

#[derive(Deserialize)]
struct RawFormat {
    format_name: Option<String>,
    duration: Option<String>,
    bit_rate: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawStream {
    index: u32,
    codec_type: Option<String>,
    codec_name: Option<String>,
    profile: Option<String>,
    pix_fmt: Option<String>,
    width: Option<u32>,
    height: Option<u32>,
    r_frame_rate: Option<String>,
    avg_frame_rate: Option<String>,
    duration: Option<String>,
    bit_rate: Option<String>,
    sample_rate: Option<String>,
    channels: Option<u32>,
    channel_layout: Option<String>,
    disposition: Map<String, Value>,
    tags: Map<String, Value>,
    side_data_list: Vec<Map<String, Value>>,
}

impl RawProbe {
    fn into_probe(self) -> Probe {
        let format = self.format;
        let stream_duration = self
            .streams
            .iter()
            .filter_map(|s| number::<f64>(s.duration.as_deref()))
            .reduce(f64::max);
        let mut probe = Probe {
            format_name: format
                .as_ref()
                .and_then(|f| f.format_name.clone())
                .unwrap_or_default(),
            duration: format
                .as_ref()
                .and_then(|f| number(f.duration.as_deref()))
                .or(stream_duration),
            bitrate: format.as_ref().and_then(|f| number(f.bit_rate.as_deref())),
            video: None,
            audio: None,
        };
        for s in self.streams {
            match s.codec_type.as_deref() {
                Some("video") if probe.video.is_none() && !s.is_cover_art() => {
                    probe.video = s.into_video();
                }
                Some("audio") if probe.audio.is_none() => probe.audio = Some(s.into_audio()),
                _ => {}
            }
        }
        probe
    }
}

impl RawStream {
    fn is_cover_art(&self) -> bool {
        self.disposition.get("attached_pic").and_then(Value::as_i64) == Some(1)
    }

    /// Clockwise degrees from the display matrix (ffprobe reports it
    /// counter-clockwise) or from the older `rotate` tag.
    fn rotation(&self) -> u32 {
        let matrix = self
            .side_data_list
            .iter()
            .find_map(|d| d.get("rotation").and_then(Value::as_f64))
            .map(|r| -r);
        let tag = self
            .tags
            .get("rotate")
            .and_then(Value::as_str)
            .and_then(|r| r.trim().parse::<f64>().ok());
        let degrees = matrix.or(tag).unwrap_or(0.0);
        ((degrees / 90.0).round() as i64).rem_euclid(4) as u32 * 90
    }

    fn into_video(self) -> Option<VideoStream> {
        let (w, h) = (self.width?, self.height?);
        let rotation = self.rotation();
        let (width, height) = if rotation % 180 == 90 { (h, w) } else { (w, h) };
        let frame_rate = [self.avg_frame_rate, self.r_frame_rate]
            .into_iter()
            .flatten()
            .find(|r| ratio(r).is_some());
        Some(VideoStream {
            index: self.index,
            codec: self.codec_name.unwrap_or_default(),
            pix_fmt: self.pix_fmt,
            width,
            height,
            rotation,
            fps: frame_rate.as_deref().and_then(ratio),
            frame_rate,
            bitrate: number(self.bit_rate.as_deref()),
        })
    }

    fn into_audio(self) -> AudioStream {
        AudioStream {
            index: self.index,
            codec: self.codec_name.unwrap_or_default(),
            profile: self.profile,
            sample_rate: number(self.sample_rate.as_deref()),
            channels: self.channels,
            channel_layout: self.channel_layout,
            bitrate: number(self.bit_rate.as_deref()),
        }
    }
}

fn number<T: std::str::FromStr>(s: Option<&str>) -> Option<T> {
    s?.trim().parse().ok()
}

/// `30000/1001` → 29.97; `0/0` and other nonsense → None.
fn ratio(s: &str) -> Option<f64> {
    let (n, d) = s.split_once('/')?;
    let (n, d): (f64, f64) = (n.parse().ok()?, d.parse().ok()?);
    (n > 0.0 && d > 0.0)
        .then_some(n / d)
        .filter(|r| r.is_finite())
}

// ---- running ffmpeg ----

/// An ffmpeg command with the options every run gets.
fn ffmpeg(tools: &Tools) -> Command {
    let mut cmd = Command::new(&tools.ffmpeg);
    cmd.args(["-nostdin", "-hide_banner", "-loglevel", "error", "-y"])
        .args(["-threads", THREADS]);
    cmd
}

/// The input, readable only as a plain file by an allowed demuxer.
fn add_input(cmd: &mut Command, input: &Path) {
    cmd.args(["-protocol_whitelist", "file"])
        .arg("-format_whitelist")
        .arg(ALLOWED_FORMATS.join(","))
        .arg("-i")
        .arg(file_url(input));
}

fn add_output(cmd: &mut Command, format: &str, output: &Path, limits: &VideoLimits) {
    cmd.args(["-threads", THREADS])
        // The probed duration comes from headers, which can lie.
        .arg("-t")
        .arg(format!("{:.3}", limits.max_duration_secs))
        .args(["-f", format])
        .arg(file_url(output));
}

/// `file:` + path, so no path can be read as an option or another protocol.
fn file_url(path: &Path) -> OsString {
    let mut url = OsString::from("file:");
    url.push(path.as_os_str());
    url
}

/// Runs an ffmpeg conversion; a non-zero exit is [`VideoError::Failed`].
async fn convert(cmd: Command, deadline: Instant) -> Result<(), VideoError> {
    let out = run(cmd, deadline).await?;
    if out.status.success() {
        Ok(())
    } else {
        Err(VideoError::Failed(out.stderr_tail()))
    }
}

struct Output {
    status: ExitStatus,
    stdout: Vec<u8>,
    stdout_overflow: bool,
    stderr: Vec<u8>,
}

impl Output {
    /// The last lines of stderr, or the exit status when it said nothing.
    fn stderr_tail(&self) -> String {
        let text = String::from_utf8_lossy(&self.stderr);
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        let tail = lines[lines.len().saturating_sub(STDERR_LINES)..].join("\n");
        if tail.is_empty() {
            self.status.to_string()
        } else {
            tail
        }
    }
}

/// Runs `cmd` until it exits or `deadline` passes, when it is killed and
/// reaped. Keeps at most [`MAX_STDOUT`] of stdout and the last
/// [`STDERR_TAIL`] bytes of stderr.
async fn run(mut cmd: Command, deadline: Instant) -> Result<Output, VideoError> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = cmd.spawn().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied => VideoError::Missing,
        _ => VideoError::Failed(format!("cannot start: {e}")),
    })?;
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let finished = tokio::time::timeout_at(deadline, async {
        let (out, err, status) = tokio::join!(
            read_bounded(stdout, MAX_STDOUT, false),
            read_bounded(stderr, STDERR_TAIL, true),
            child.wait(),
        );
        (out, err, status)
    })
    .await;
    match finished {
        Ok(((stdout, stdout_overflow), (stderr, _), Ok(status))) => Ok(Output {
            status,
            stdout,
            stdout_overflow,
            stderr,
        }),
        Ok((_, _, Err(e))) => Err(VideoError::Failed(format!("waiting for ffmpeg: {e}"))),
        Err(_) => {
            tracing::warn!(pid = child.id(), "ffmpeg timed out, killing it");
            let _ = child.start_kill();
            let _ = tokio::time::timeout(SHORT_WAIT, child.wait()).await;
            Err(VideoError::Timeout)
        }
    }
}

/// Reads `reader` to the end, keeping the first `limit` bytes (or the last,
/// with `keep_tail`); says whether anything was dropped. Read errors end the
/// read: the exit status tells what happened.
async fn read_bounded<R: AsyncRead + Unpin>(
    reader: Option<R>,
    limit: usize,
    keep_tail: bool,
) -> (Vec<u8>, bool) {
    let (mut kept, mut dropped) = (Vec::new(), false);
    let Some(mut reader) = reader else {
        return (kept, dropped);
    };
    let mut buf = [0u8; 8192];
    loop {
        let n = match reader.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if keep_tail {
            kept.extend_from_slice(&buf[..n]);
            if kept.len() > 2 * limit {
                kept.drain(..kept.len() - limit);
                dropped = true;
            }
        } else {
            let room = limit.saturating_sub(kept.len());
            kept.extend_from_slice(&buf[..n.min(room)]);
            dropped |= n > room;
        }
    }
    if kept.len() > limit {
        kept.drain(..kept.len() - limit);
        dropped = true;
    }
    (kept, dropped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command as StdCommand;

    /// The tools, or `None` with a note when ffmpeg is not installed.
    async fn tools() -> Option<Tools> {
        let tools = Tools::find("ffmpeg", "ffprobe").await;
        if tools.is_none() {
            eprintln!("ffmpeg/ffprobe not found: skipping");
        }
        tools
    }

    /// Makes `name` in `dir` with ffmpeg from lavfi sources.
    fn make(dir: &Path, name: &str, args: &[&str]) -> PathBuf {
        let path = dir.join(name);
        let status = StdCommand::new("ffmpeg")
            .args(["-nostdin", "-hide_banner", "-loglevel", "error", "-y"])
            .args(args)
            .arg(&path)
            .status()
            .expect("ffmpeg runs");
        assert!(status.success(), "making {name}");
        path
    }

    /// A 320x240 test picture with a tone, `secs` long, at 25 fps.
    fn av(secs: &str) -> Vec<String> {
        let mut args = vec!["-f".to_string(), "lavfi".into()];
        args.push("-i".into());
        args.push(format!("testsrc=size=320x240:rate=25:duration={secs}"));
        args.extend(["-f", "lavfi", "-i"].map(String::from));
        args.push(format!("sine=frequency=440:duration={secs}"));
        args
    }

    fn make_av(dir: &Path, name: &str, secs: &str, codecs: &[&str]) -> PathBuf {
        let mut args = av(secs);
        args.extend(codecs.iter().map(|s| s.to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        make(dir, name, &args)
    }

    const H264_AAC: &[&str] = &[
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
    ];

    /// MD5 of the packets of stream `spec`: equal means the stream was copied.
    fn packets_md5(path: &Path, spec: &str) -> String {
        let out = StdCommand::new("ffmpeg")
            .args(["-nostdin", "-hide_banner", "-loglevel", "error", "-i"])
            .arg(path)
            .args(["-map", spec, "-c", "copy", "-f", "md5", "-"])
            .output()
            .expect("ffmpeg runs");
        assert!(out.status.success());
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn limits() -> VideoLimits {
        VideoLimits {
            timeout: Duration::from_secs(120),
            ..VideoLimits::default()
        }
    }

    fn near(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 0.15)
    }

    #[tokio::test]
    async fn h264_aac_mp4_is_remuxed_without_metadata() {
        let Some(tools) = tools().await else { return };
        let dir = tempfile::tempdir().unwrap();
        let mut codecs = H264_AAC.to_vec();
        codecs.extend(["-metadata", "title=secret place"]);
        let input = make_av(dir.path(), "in.mp4", "2", &codecs);
        let src = probe(&tools, &input, Duration::from_secs(30))
            .await
            .unwrap();
        assert!(is_web_playable(&src, &limits()), "{src:?}");

        let output = dir.path().join("out.mp4");
        let out = to_mp4(&tools, &input, &output, &limits(), false)
            .await
            .unwrap();
        assert_eq!(packets_md5(&input, "0:v"), packets_md5(&output, "0:v"));
        let tags = StdCommand::new("ffprobe")
            .args(["-v", "error", "-show_format"])
            .arg(&output)
            .output()
            .unwrap();
        assert!(!String::from_utf8_lossy(&tags.stdout).contains("secret place"));

        let v = out.video.as_ref().unwrap();
        assert_eq!((v.codec.as_str(), v.width, v.height), ("h264", 320, 240));
        assert_eq!(out.audio.as_ref().unwrap().codec, "aac");
        let meta = mastodon_meta(&out);
        assert_eq!(meta["width"], 320);
        assert_eq!(meta["height"], 240);
        assert_eq!(meta["size"], "320x240");
        assert_eq!(meta["fps"], 25);
        assert!(near(meta["duration"].as_f64(), 2.0), "{meta}");
        assert!(meta["length"].as_str().unwrap().starts_with("0:00:02."));
        assert!((meta["aspect"].as_f64().unwrap() - 4.0 / 3.0).abs() < 1e-9);
        assert_eq!(meta["audio_encode"], "aac (LC)");
        assert_eq!(meta["audio_bitrate"], "44100 Hz");
        assert_eq!(meta["audio_channels"], "mono");
        assert_eq!(meta["original"]["frame_rate"], "25/1");
        assert!(meta["original"]["bitrate"].as_u64().unwrap() > 0);
    }

    #[tokio::test]
    async fn webm_is_transcoded_to_h264_aac() {
        let Some(tools) = tools().await else { return };
        let dir = tempfile::tempdir().unwrap();
        let codecs = [
            "-c:v",
            "libvpx",
            "-deadline",
            "realtime",
            "-c:a",
            "libvorbis",
        ];
        let input = make_av(dir.path(), "in.webm", "2", &codecs);
        let src = probe(&tools, &input, Duration::from_secs(30))
            .await
            .unwrap();
        assert_eq!(src.format_name, "matroska,webm");
        assert!(!is_web_playable(&src, &limits()));

        let output = dir.path().join("out.mp4");
        let out = to_mp4(&tools, &input, &output, &limits(), false)
            .await
            .unwrap();
        assert!(out.format_name.contains("mp4"));
        let v = out.video.unwrap();
        assert_eq!((v.codec.as_str(), v.width, v.height), ("h264", 320, 240));
        assert_eq!(v.pix_fmt.as_deref(), Some("yuv420p"));
        assert_eq!(out.audio.unwrap().codec, "aac");
        assert!(near(out.duration, 2.0), "{:?}", out.duration);
    }

    /// RGB of the pixel at `x`, `y` of the first frame.
    fn pixel(path: &Path, width: usize, x: usize, y: usize) -> [u8; 3] {
        let out = StdCommand::new("ffmpeg")
            .args(["-nostdin", "-hide_banner", "-loglevel", "error", "-i"])
            .arg(path)
            .args(["-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
            .output()
            .unwrap();
        let at = (y * width + x) * 3;
        out.stdout[at..at + 3].try_into().unwrap()
    }

    #[tokio::test]
    async fn transparent_mov_is_transcoded_onto_white() {
        let Some(tools) = tools().await else { return };
        let dir = tempfile::tempdir().unwrap();
        // Left half opaque red, right half transparent black; PCM audio.
        let picture = "color=red:s=32x64:d=1:r=10,format=rgba,pad=64:64:0:0:color=black@0";
        let input = make(
            dir.path(),
            "in.mov",
            &[
                "-f",
                "lavfi",
                "-i",
                picture,
                "-f",
                "lavfi",
                "-i",
                "sine=duration=1",
            ]
            .into_iter()
            .chain(["-c:v", "png", "-c:a", "pcm_s16le"])
            .collect::<Vec<_>>(),
        );
        let src = probe(&tools, &input, Duration::from_secs(30))
            .await
            .unwrap();
        assert_eq!(src.video.as_ref().unwrap().pix_fmt.as_deref(), Some("rgba"));
        let output = dir.path().join("out.mp4");
        let out = to_mp4(&tools, &input, &output, &limits(), false)
            .await
            .unwrap();
        assert_eq!(out.video.unwrap().codec, "h264");
        assert_eq!(out.audio.unwrap().codec, "aac");
        assert!(pixel(&output, 64, 10, 30)[0] > 200, "red stays red");
        assert!(pixel(&output, 64, 50, 30).iter().all(|c| *c > 230), "white");
    }

    #[tokio::test]
    async fn large_video_is_scaled_to_fit_with_even_sides() {
        let Some(tools) = tools().await else { return };
        let dir = tempfile::tempdir().unwrap();
        let src = "testsrc=size=4000x3000:rate=5:duration=0.4";
        let input = make(
            dir.path(),
            "big.mp4",
            &[
                "-f",
                "lavfi",
                "-i",
                src,
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
            ],
        );
        let output = dir.path().join("out.mp4");
        let out = to_mp4(&tools, &input, &output, &limits(), false)
            .await
            .unwrap();
        let v = out.video.unwrap();
        assert_eq!((v.width, v.height), (1440, 1080));
        assert!(out.audio.is_none());
    }

    #[tokio::test]
    async fn high_frame_rate_is_capped() {
        let Some(tools) = tools().await else { return };
        let dir = tempfile::tempdir().unwrap();
        let src = "testsrc=size=320x240:rate=120:duration=0.5";
        let input = make(
            dir.path(),
            "fast.mp4",
            &[
                "-f",
                "lavfi",
                "-i",
                src,
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-pix_fmt",
                "yuv420p",
            ],
        );
        let src = probe(&tools, &input, Duration::from_secs(30))
            .await
            .unwrap();
        assert!(!is_web_playable(&src, &limits()));
        let output = dir.path().join("out.mp4");
        let out = to_mp4(&tools, &input, &output, &limits(), false)
            .await
            .unwrap();
        let fps = out.video.unwrap().fps.unwrap();
        assert!((fps - 60.0).abs() < 1.0, "{fps}");
    }

    #[tokio::test]
    async fn rotation_gives_displayed_size_and_survives_remux() {
        let Some(tools) = tools().await else { return };
        let dir = tempfile::tempdir().unwrap();
        let plain = make_av(dir.path(), "plain.mp4", "1", H264_AAC);
        let input = make(
            dir.path(),
            "rotated.mp4",
            &[
                "-i",
                plain.to_str().unwrap(),
                "-c",
                "copy",
                "-metadata:s:v:0",
                "rotate=90",
            ],
        );
        let src = probe(&tools, &input, Duration::from_secs(30))
            .await
            .unwrap();
        let v = src.video.as_ref().unwrap();
        assert_eq!((v.width, v.height, v.rotation % 180), (240, 320, 90));
        let output = dir.path().join("out.mp4");
        let out = to_mp4(&tools, &input, &output, &limits(), false)
            .await
            .unwrap();
        let v = out.video.unwrap();
        assert_eq!((v.width, v.height), (240, 320));
    }

    #[tokio::test]
    async fn animated_gif_becomes_silent_mp4() {
        let Some(tools) = tools().await else { return };
        let dir = tempfile::tempdir().unwrap();
        let src = "testsrc=size=161x121:rate=10:duration=1";
        let input = make(dir.path(), "in.gif", &["-f", "lavfi", "-i", src]);
        let output = dir.path().join("out.mp4");
        let out = to_mp4(&tools, &input, &output, &limits(), true)
            .await
            .unwrap();
        let v = out.video.as_ref().unwrap();
        assert_eq!((v.codec.as_str(), v.width, v.height), ("h264", 160, 120));
        assert!(out.audio.is_none());
        let meta = mastodon_meta(&out);
        assert_eq!(meta["fps"], 10);
        assert!(meta.get("audio_encode").is_none());
    }

    #[tokio::test]
    async fn audio_formats_become_mp3() {
        let Some(tools) = tools().await else { return };
        let dir = tempfile::tempdir().unwrap();
        let tone = "sine=frequency=440:sample_rate=44100:duration=2";
        for (name, codec) in [
            ("in.mp3", "libmp3lame"),
            ("in.ogg", "libvorbis"),
            ("in.opus.ogg", "libopus"),
            ("in.wav", "pcm_s16le"),
            ("in.flac", "flac"),
            ("in.m4a", "aac"),
        ] {
            let input = make(
                dir.path(),
                name,
                &[
                    "-f",
                    "lavfi",
                    "-i",
                    tone,
                    "-ac",
                    "2",
                    "-c:a",
                    codec,
                    "-metadata",
                    "artist=me",
                ],
            );
            // Uploads are kept without their extension: ffprobe goes by content.
            let upload = dir.path().join(format!("upload-{name}").replace('.', "-"));
            std::fs::copy(&input, &upload).unwrap();
            let input = upload;
            let output = dir.path().join(format!("{name}.mp3"));
            let out = to_mp3(&tools, &input, &output, &limits()).await.unwrap();
            assert_eq!(out.format_name, "mp3", "{name}");
            assert!(out.video.is_none());
            assert!(near(out.duration, 2.0), "{name}: {:?}", out.duration);
            let meta = mastodon_meta(&out);
            assert_eq!(meta["audio_encode"], "mp3", "{name}");
            assert_eq!(meta["audio_channels"], "stereo", "{name}");
            assert!(meta["audio_bitrate"].as_str().unwrap().ends_with(" Hz"));
            assert!(meta.get("width").is_none());
            assert!(meta["original"]["bitrate"].as_u64().unwrap() > 0);
            if name == "in.mp3" {
                assert_eq!(packets_md5(&input, "0:a"), packets_md5(&output, "0:a"));
            }
        }
    }

    #[tokio::test]
    async fn frame_png_writes_a_png() {
        let Some(tools) = tools().await else { return };
        let dir = tempfile::tempdir().unwrap();
        for secs in ["3", "0.3"] {
            let input = make_av(dir.path(), &format!("{secs}.mp4"), secs, H264_AAC);
            let output = dir.path().join(format!("frame-{secs}").replace('.', "-"));
            frame_png(&tools, &input, &output, Duration::from_secs(30))
                .await
                .unwrap();
            let bytes = std::fs::read(&output).unwrap();
            assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "{secs}");
        }
    }

    #[tokio::test]
    async fn text_file_is_unsupported() {
        let Some(tools) = tools().await else { return };
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("notes.txt");
        std::fs::write(&input, "just some words\n").unwrap();
        let err = probe(&tools, &input, Duration::from_secs(30))
            .await
            .unwrap_err();
        assert!(matches!(err, VideoError::Unsupported(_)), "{err}");
        let output = dir.path().join("out.mp4");
        let err = to_mp4(&tools, &input, &output, &limits(), false)
            .await
            .unwrap_err();
        assert!(matches!(err, VideoError::Unsupported(_)), "{err}");
        let err = to_mp3(&tools, &input, &output, &limits())
            .await
            .unwrap_err();
        assert!(matches!(err, VideoError::Unsupported(_)), "{err}");
    }

    #[tokio::test]
    async fn playlists_and_concat_lists_are_refused() {
        let Some(tools) = tools().await else { return };
        let dir = tempfile::tempdir().unwrap();
        let clip = make_av(dir.path(), "clip.mp4", "1", H264_AAC);
        let segment = make(
            dir.path(),
            "seg.ts",
            &["-i", clip.to_str().unwrap(), "-c", "copy"],
        );
        let playlist = dir.path().join("list.m3u8");
        let m3u8 = format!(
            "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1.0,\n{}\n#EXT-X-ENDLIST\n",
            segment.display()
        );
        std::fs::write(&playlist, m3u8).unwrap();
        let concat = dir.path().join("list.ffconcat");
        std::fs::write(
            &concat,
            format!("ffconcat version 1.0\nfile '{}'\n", clip.display()),
        )
        .unwrap();
        for input in [playlist, concat] {
            let err = probe(&tools, &input, Duration::from_secs(30))
                .await
                .unwrap_err();
            assert!(
                matches!(&err, VideoError::Unsupported(m) if m.contains("whitelist")),
                "{err}"
            );
            let output = dir.path().join("out.mp4");
            let err = to_mp4(&tools, &input, &output, &limits(), false)
                .await
                .unwrap_err();
            assert!(matches!(err, VideoError::Unsupported(_)), "{err}");
            assert!(!output.exists());
        }
    }

    #[tokio::test]
    async fn too_long_is_refused_before_transcoding() {
        let Some(tools) = tools().await else { return };
        let dir = tempfile::tempdir().unwrap();
        let input = make_av(dir.path(), "long.mp4", "3", H264_AAC);
        let output = dir.path().join("out.mp4");
        let short = VideoLimits {
            max_duration_secs: 1.0,
            ..limits()
        };
        let err = to_mp4(&tools, &input, &output, &short, false)
            .await
            .unwrap_err();
        assert!(
            matches!(err, VideoError::TooLong { max, .. } if max == 1.0),
            "{err}"
        );
        let err = to_mp3(&tools, &input, &output, &short).await.unwrap_err();
        assert!(matches!(err, VideoError::TooLong { .. }), "{err}");
        assert!(!output.exists());
    }

    /// Whether a process whose command line contains `marker` is alive.
    fn process_with(marker: &str) -> bool {
        std::fs::read_dir("/proc").unwrap().flatten().any(|entry| {
            std::fs::read(entry.path().join("cmdline"))
                .is_ok_and(|cmdline| String::from_utf8_lossy(&cmdline).contains(marker))
        })
    }

    #[tokio::test]
    async fn timeout_kills_the_child() {
        let Some(tools) = tools().await else { return };
        let dir = tempfile::tempdir().unwrap();
        let input = make_av(
            dir.path(),
            "in.webm",
            "1",
            &["-c:v", "libvpx", "-c:a", "libopus"],
        );
        let output = dir.path().join("out.mp4");
        let hurried = VideoLimits {
            timeout: Duration::from_millis(1),
            ..limits()
        };
        let err = to_mp4(&tools, &input, &output, &hurried, false)
            .await
            .unwrap_err();
        assert!(matches!(err, VideoError::Timeout), "{err}");

        // An ffmpeg that would run forever, caught running.
        let marker = format!("roost-timeout-test-{}", std::process::id());
        let mut cmd = ffmpeg(&tools);
        cmd.args(["-f", "lavfi", "-i", "testsrc", "-metadata"])
            .arg(format!("comment={marker}"))
            .args(["-f", "null", "-"]);
        let started = std::time::Instant::now();
        let err = run(cmd, Instant::now() + Duration::from_millis(300))
            .await
            .err();
        assert!(matches!(err, Some(VideoError::Timeout)));
        assert!(started.elapsed() < Duration::from_secs(5));
        assert!(!process_with(&marker), "ffmpeg still running");
        assert!(
            !process_with(dir.path().to_str().unwrap()),
            "ffprobe still running"
        );
    }

    #[tokio::test]
    async fn missing_tools_are_none() {
        assert!(
            Tools::find("roost-no-such-ffmpeg", "ffprobe")
                .await
                .is_none()
        );
        assert!(
            Tools::find("ffmpeg", "/nonexistent/ffprobe")
                .await
                .is_none()
        );
    }

    #[test]
    fn fit_keeps_aspect_and_even_sides() {
        let l = VideoLimits::default();
        assert_eq!(fit(320, 240, &l), (320, 240));
        assert_eq!(fit(321, 241, &l), (320, 240));
        assert_eq!(fit(4000, 3000, &l), (1440, 1080));
        assert_eq!(fit(3840, 2160, &l), (1920, 1080));
        assert_eq!(fit(1080, 1920, &l), (1080, 1920));
        assert_eq!(fit(2160, 3840, &l), (1080, 1920));
        assert_eq!(fit(1, 1, &l), (2, 2));
        assert_eq!(fit(10000, 10, &l), (1920, 2));
    }

    #[test]
    fn frame_rates_and_lengths() {
        assert_eq!(ratio("25/1"), Some(25.0));
        assert!((ratio("30000/1001").unwrap() - 29.97).abs() < 0.01);
        assert_eq!(ratio("0/0"), None);
        assert_eq!(ratio("abc"), None);
        assert_eq!(length(6.13), "0:00:06.13");
        assert_eq!(length(3725.5), "1:02:05.50");
        assert_eq!(length(59.999), "0:01:00.00");
    }

    #[test]
    fn meta_matches_mastodon_example() {
        let p = Probe {
            format_name: "mov,mp4,m4a,3gp,3g2,mj2".into(),
            duration: Some(6.158333),
            bitrate: Some(1007959),
            video: Some(VideoStream {
                codec: "h264".into(),
                width: 1280,
                height: 720,
                frame_rate: Some("30/1".into()),
                fps: Some(30.0),
                ..VideoStream::default()
            }),
            audio: Some(AudioStream {
                codec: "aac".into(),
                profile: Some("LC".into()),
                sample_rate: Some(44100),
                channels: Some(2),
                ..AudioStream::default()
            }),
        };
        let meta = mastodon_meta(&p);
        assert_eq!(
            meta,
            json!({
                "length": "0:00:06.16", "duration": 6.16, "fps": 30, "size": "1280x720",
                "width": 1280, "height": 720, "aspect": 1280.0 / 720.0,
                "audio_encode": "aac (LC)", "audio_bitrate": "44100 Hz", "audio_channels": "stereo",
                "original": { "width": 1280, "height": 720, "frame_rate": "30/1",
                              "duration": 6.158333, "bitrate": 1007959 }
            })
        );
    }

    #[test]
    fn rotation_from_side_data_or_tag() {
        let side = |r: f64| RawStream {
            side_data_list: vec![Map::from_iter([("rotation".to_string(), json!(r))])],
            ..RawStream::default()
        };
        assert_eq!(side(-90.0).rotation(), 90);
        assert_eq!(side(90.0).rotation(), 270);
        assert_eq!(side(180.0).rotation(), 180);
        let tag = RawStream {
            tags: Map::from_iter([("rotate".to_string(), json!("90"))]),
            ..RawStream::default()
        };
        assert_eq!(tag.rotation(), 90);
        assert_eq!(RawStream::default().rotation(), 0);
    }
}
