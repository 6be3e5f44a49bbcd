//! The archive of an account's posts and media, as Mastodon's archive has
//! it: a zip with `outbox.json` (every post as a `Create`, every boost as
//! an `Announce`, any visibility), `actor.json`, `likes.json` and
//! `bookmarks.json` (collections of post ids), and the files of the
//! account's attachments, avatar and header under `media_attachments/`,
//! which the documents name by their path in the zip. Built by the
//! `build_archive` job; the zip goes to media storage, and the account's
//! older archive is removed once the new one is ready.

use std::io::Write;

use chrono::Utc;
use serde_json::{Value, json};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use crate::app::AppState;
use crate::db::exports::Flags;
use crate::error::{Error, Result};
use crate::federation::convert;
use crate::model::export::state;
use crate::model::{Account, Status};

/// The storage keys of archives start with this (`/media` refuses them:
/// only their owner downloads them).
pub const KEY_PREFIX: &str = "archives/";
/// Statuses read from the database at a time.
const PAGE: i64 = 100;
/// Largest stored file copied into an archive.
const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024 * 1024;

type Zip = ZipWriter<std::io::BufWriter<std::fs::File>>;

/// Runs the `build_archive` job: builds archive `archive_id`, marks it done
/// (or failed: the account may then ask again at once) and removes the
/// account's older archive.
pub async fn build(app: &AppState, archive_id: i64) -> Result<()> {
    let Some(archive) = app.store.get_archive(archive_id).await? else {
        return Ok(());
    };
    if archive.state != state::PENDING {
        return Ok(());
    }
    let account = app.store.get_account(archive.account_id).await?;
    let Some(account) = account.filter(|a| a.suspended_at.is_none()) else {
        return app
            .store
            .finish_archive(archive.id, None, 0, Utc::now())
            .await;
    };
    match write(app, &account).await {
        Ok((key, size)) => {
            app.store
                .finish_archive(archive.id, Some(&key), size, Utc::now())
                .await?;
            for old in app
                .store
                .delete_archives_before(account.id, archive.id)
                .await?
            {
                if let Err(e) = app.media.storage.delete(&old).await {
                    tracing::warn!(key = old, error = %e, "cannot remove an old archive");
                }
            }
        }
        Err(e) => {
            tracing::warn!(archive_id, error = %e, "building an archive failed");
            app.store
                .finish_archive(archive.id, None, 0, Utc::now())
                .await?;
        }
    }
    Ok(())
}

/// Removes every archive of `account_id` with its zip (a deleted account).
pub async fn delete_all(app: &AppState, account_id: i64) -> Result<()> {
    for key in app
        .store
        .delete_archives_before(account_id, i64::MAX)
        .await?
    {
        app.media
            .storage
            .delete(&key)
            .await
            .map_err(Error::internal)?;
    }
    Ok(())
}

/// Writes the zip into a temporary file and stores it; its storage key
/// and size.
async fn write(app: &AppState, account: &Account) -> Result<(String, i64)> {
    let path = crate::media::process::temp_path(&app.media)?;
    let file = std::fs::File::create(&path).map_err(Error::internal)?;
    let mut zip = ZipWriter::new(std::io::BufWriter::new(file));
    // Stored files: the storage key of each and its path in the zip.
    let mut files: Vec<(String, String)> = Vec::new();

    zip.start_file("outbox.json", deflated())
        .map_err(Error::internal)?;
    write_outbox(app, account, &mut zip, &mut files).await?;

    let keyed = super::accounts::with_keys(app, account.clone()).await?;
    let moved_to = super::moves::moved_to_uri(app, &keyed).await?;
    let mut actor = convert::person(app, &keyed, moved_to.as_deref());
    for (field, key) in [
        ("icon", &account.avatar_key),
        ("image", &account.header_key),
    ] {
        if let Some(key) = key
            && actor[field].is_object()
        {
            let name = file_name(key);
            actor[field]["url"] = json!(name);
            files.push((key.clone(), name));
        }
    }
    // Mastodon's archive names the two collections from the actor.
    actor["likes"] = json!("likes.json");
    actor["bookmarks"] = json!("bookmarks.json");
    write_json(&mut zip, "actor.json", &actor)?;
    for (name, flags) in [
        ("likes.json", Flags::Favourites),
        ("bookmarks.json", Flags::Bookmarks),
    ] {
        let uris = app.store.export_flagged(flags, account.id).await?;
        let uris = uris.into_iter().map(|(_, uri)| uri).collect();
        write_json(&mut zip, name, &collection(name, uris))?;
    }

    files.sort();
    files.dedup();
    for (key, name) in files {
        zip = copy_file(app, zip, key, name).await?;
    }
    super::blocking(move || -> Result<()> {
        let out = zip.finish().map_err(Error::internal)?;
        out.into_inner()
            .map_err(|e| Error::internal(e.to_string()))?
            .sync_all()
            .map_err(Error::internal)
    })
    .await??;
    let size = std::fs::metadata(&path).map_err(Error::internal)?.len();
    let key = crate::media::storage::new_key(KEY_PREFIX, "zip");
    app.media
        .storage
        .put_file(&key, &path, "application/zip")
        .await
        .map_err(Error::internal)?;
    Ok((key, i64::try_from(size).unwrap_or(i64::MAX)))
}

fn deflated() -> SimpleFileOptions {
    SimpleFileOptions::default().compression_method(CompressionMethod::Deflated)
}

/// Where a stored file goes in the zip.
fn file_name(key: &str) -> String {
    format!("media_attachments/{key}")
}

fn write_json(zip: &mut Zip, name: &str, doc: &Value) -> Result<()> {
    zip.start_file(name, deflated()).map_err(Error::internal)?;
    serde_json::to_writer_pretty(&mut *zip, doc).map_err(Error::internal)
}

/// An `OrderedCollection` of ids, as `likes.json` and `bookmarks.json`.
fn collection(id: &str, items: Vec<String>) -> Value {
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": id,
        "type": "OrderedCollection",
        "totalItems": items.len(),
        "orderedItems": items,
    })
}

/// Writes `outbox.json` a page of statuses at a time, oldest first, so a
/// long history is never held whole; notes which files it names.
async fn write_outbox(
    app: &AppState,
    account: &Account,
    zip: &mut Zip,
    files: &mut Vec<(String, String)>,
) -> Result<()> {
    let head = json!({
        "@context": convert::note_context(),
        "id": "outbox.json",
        "type": "OrderedCollection",
    });
    let head = serde_json::to_string(&head).map_err(Error::internal)?;
    // The object without its closing brace, then the items.
    let open = head.strip_suffix('}').unwrap_or(&head);
    write!(zip, "{open},\"orderedItems\":[").map_err(Error::internal)?;
    let mut count = 0u64;
    let mut after = 0;
    loop {
        let page = app.store.archive_statuses(account.id, after, PAGE).await?;
        let Some(last) = page.last() else {
            break;
        };
        after = last.id;
        for status in &page {
            let Some(mut item) = activity(app, account, status, files).await? else {
                continue;
            };
            if let Value::Object(m) = &mut item {
                m.remove("@context");
            }
            if count > 0 {
                zip.write_all(b",").map_err(Error::internal)?;
            }
            serde_json::to_writer(&mut *zip, &item).map_err(Error::internal)?;
            count += 1;
        }
    }
    write!(zip, "],\"totalItems\":{count}}}").map_err(Error::internal)
}

/// A status as the activity that published it: `Create` of its Note with
/// attachments pointing into the zip, or `Announce` for a boost (None when
/// the boosted post is gone).
async fn activity(
    app: &AppState,
    account: &Account,
    status: &Status,
    files: &mut Vec<(String, String)>,
) -> Result<Option<Value>> {
    if let Some(original_id) = status.reblog_of_id {
        let Some(original) = app.store.get_status(original_id).await? else {
            return Ok(None);
        };
        let Some(author) = app.store.get_account(original.account_id).await? else {
            return Ok(None);
        };
        return Ok(Some(convert::announce(account, status, &original, &author)));
    }
    let mut note = convert::load_note(app, status).await?;
    let media_ids: Vec<i64> = status
        .media_ids
        .iter()
        .flat_map(|m| m.0.iter().copied())
        .collect();
    if !media_ids.is_empty()
        && let Some(Value::Array(attachments)) = note.get_mut("attachment")
    {
        for m in app.store.get_media_many(&media_ids).await? {
            let Some(key) = m.file_key else { continue };
            let url = app.media.storage.url(&app.base_url, &key);
            let name = file_name(&key);
            for a in attachments.iter_mut().filter(|a| a["url"] == json!(url)) {
                a["url"] = json!(name);
            }
            files.push((key, name));
        }
    }
    Ok(Some(convert::create(account, note, status.created_at)))
}

/// Copies stored file `key` into the zip as `name`, uncompressed (media
/// files are compressed already), on a blocking thread: a video is a lot
/// of bytes to move. A file missing from storage is left out.
async fn copy_file(app: &AppState, mut zip: Zip, key: String, name: String) -> Result<Zip> {
    let tmp = crate::media::process::temp_path(&app.media)?;
    let size = match app
        .media
        .storage
        .get_to_file(&key, &tmp, MAX_FILE_BYTES)
        .await
    {
        Ok(size) => size,
        Err(e) => {
            tracing::warn!(key, error = %e, "a file of an archive is missing");
            return Ok(zip);
        }
    };
    super::blocking(move || -> Result<Zip> {
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Stored)
            .large_file(size >= u64::from(u32::MAX));
        zip.start_file(name, options).map_err(Error::internal)?;
        let mut src = std::fs::File::open(&tmp).map_err(Error::internal)?;
        std::io::copy(&mut src, &mut zip).map_err(Error::internal)?;
        Ok(zip)
    })
    .await?
}
