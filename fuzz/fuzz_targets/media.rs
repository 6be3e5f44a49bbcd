//! Uploaded and fetched media: the type sniffed from the first bytes, the
//! image header probe and the focal-point parameter, on arbitrary input.
#![no_main]

use std::io::Write;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = roost::media::detect(data);
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(focus) = roost::media::process::parse_focus(s) {
            assert!((-1.0..=1.0).contains(&focus.x) && (-1.0..=1.0).contains(&focus.y));
        }
    }
    // The probe reads a file, as uploads arrive as temporary files.
    let Ok(mut file) = tempfile_in_memory() else {
        return;
    };
    if file.write_all(data).is_ok() {
        let _ = roost::media::image::probe(file.path());
    }
});

fn tempfile_in_memory() -> std::io::Result<tempfile::NamedTempFile> {
    // /dev/shm keeps the fuzzer off the disk where it exists.
    match std::path::Path::new("/dev/shm").is_dir() {
        true => tempfile::NamedTempFile::new_in("/dev/shm"),
        false => tempfile::NamedTempFile::new(),
    }
}
