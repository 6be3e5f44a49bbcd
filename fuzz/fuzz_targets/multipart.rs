//! `multipart/form-data` bodies as roost's upload routes read them (axum's
//! Multipart over multer): every field and file is read to its end or the
//! body refused, never a panic or a hang.
#![no_main]

use std::sync::LazyLock;

use axum::body::Body;
use axum::extract::{FromRequest, Multipart};
use libfuzzer_sys::fuzz_target;

static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
});

fuzz_target!(|data: &[u8]| {
    let request = http::Request::builder()
        .method("POST")
        .header("content-type", "multipart/form-data; boundary=XyZ")
        .body(Body::from(data.to_vec()))
        .expect("request");
    RUNTIME.block_on(async {
        let Ok(mut form) = Multipart::from_request(request, &()).await else {
            return;
        };
        let mut fields = 0;
        while let Ok(Some(field)) = form.next_field().await {
            let _ = (
                field.name().map(str::len),
                field.file_name().map(str::len),
                field.content_type().map(str::len),
            );
            let _ = field.bytes().await;
            fields += 1;
            if fields > 100 {
                break;
            }
        }
    });
});
