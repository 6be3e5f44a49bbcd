//! Reading an uploaded CSV file as Mastodon writes and reads them: each
//! kind's columns, a header row or none, every value checked, the whole
//! file refused at its first problem.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::ImportKind;

/// Longest list title (as `service::lists`).
const MAX_LIST_TITLE: usize = 256;

/// One row of a file, by what it means (stored as the row's JSON).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RowData {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acct: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show_reblogs: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hide_notifications: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list: Option<String>,
}

impl RowData {
    /// What the row names, for the import page.
    pub fn describe(&self) -> String {
        match (&self.list, &self.acct, &self.domain, &self.uri) {
            (Some(list), Some(acct), _, _) => format!("{list}: {acct}"),
            (_, Some(acct), _, _) => acct.clone(),
            (_, _, Some(domain), _) => domain.clone(),
            (_, _, _, Some(uri)) => uri.clone(),
            _ => String::new(),
        }
    }
}

/// The columns of each kind's file, in Mastodon's order and with its
/// header names; the first is the one every row needs.
fn columns(kind: ImportKind) -> &'static [&'static str] {
    match kind {
        ImportKind::Following => &[
            "Account address",
            "Show boosts",
            "Notify on new posts",
            "Languages",
        ],
        ImportKind::Blocks => &["Account address"],
        ImportKind::Mutes => &["Account address", "Hide notifications"],
        ImportKind::DomainBlocks => &["#domain"],
        ImportKind::Bookmarks => &["#uri"],
        ImportKind::Lists => &["List name", "Account address"],
    }
}

/// A first cell that makes the first row a header row, as Mastodon tells
/// them: the first column of any kind's file.
const HEADER_STARTS: [&str; 4] = ["Account address", "#domain", "#uri", "List name"];

/// Whether the first row is a header: it starts as one, or names a column
/// of `kind` (a header with its columns in another order).
fn is_header(kind: ImportKind, cells: &[&str]) -> bool {
    let first = cells.first().copied().unwrap_or_default();
    HEADER_STARTS.iter().any(|h| h.eq_ignore_ascii_case(first))
        || cells
            .iter()
            .any(|c| columns(kind).iter().any(|h| h.eq_ignore_ascii_case(c)))
}

/// Reads a whole file into rows; a 422 naming the first problem.
pub fn parse(kind: ImportKind, bytes: &[u8], max_rows: usize) -> Result<Vec<RowData>> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| Error::unprocessable("The file is not UTF-8 text, so it is not a CSV file"))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let expected = columns(kind);
    // Which of `expected` each column of the file holds.
    let mut layout: Option<Vec<Option<usize>>> = None;
    let mut rows = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let line = n + 1;
        let record = record.map_err(|e| {
            Error::unprocessable(format!("The file is not valid CSV (line {line}): {e}"))
        })?;
        if record.iter().all(str::is_empty) {
            continue;
        }
        let cells: Vec<&str> = record.iter().collect();
        let Some(layout) = &layout else {
            if is_header(kind, &cells) {
                layout = Some(header_layout(kind, &cells)?);
                continue;
            }
            let plain: Vec<Option<usize>> = (0..expected.len()).map(Some).collect();
            if cells.len() > expected.len() {
                return Err(Error::unprocessable(format!(
                    "Line {line} has {} columns; a {} file has at most {}",
                    cells.len(),
                    kind.label().to_lowercase(),
                    expected.len()
                )));
            }
            rows.push(row(kind, &plain, &cells, line)?);
            layout = Some(plain);
            continue;
        };
        rows.push(row(kind, layout, &cells, line)?);
        if rows.len() > max_rows {
            return Err(Error::unprocessable(format!(
                "The file has more than {max_rows} rows; split it into several files"
            )));
        }
    }
    if rows.is_empty() {
        return Err(Error::unprocessable("The file lists nothing to import"));
    }
    Ok(rows)
}

/// The columns a header row names, by their place in `columns(kind)`;
/// refused when the header lacks a column the kind needs.
fn header_layout(kind: ImportKind, header: &[&str]) -> Result<Vec<Option<usize>>> {
    let expected = columns(kind);
    let layout: Vec<Option<usize>> = header
        .iter()
        .map(|h| expected.iter().position(|e| e.eq_ignore_ascii_case(h)))
        .collect();
    let required: &[usize] = if kind == ImportKind::Lists {
        &[0, 1]
    } else {
        &[0]
    };
    for r in required {
        if !layout.contains(&Some(*r)) {
            return Err(Error::unprocessable(format!(
                "The file's header has no \"{}\" column: is it a {} file?",
                expected[*r],
                kind.label().to_lowercase()
            )));
        }
    }
    Ok(layout)
}

/// One line of the file as a row, checked.
fn row(kind: ImportKind, layout: &[Option<usize>], cells: &[&str], line: usize) -> Result<RowData> {
    let expected = columns(kind);
    let cell = |name: &str| -> Option<&str> {
        let want = expected.iter().position(|e| *e == name)?;
        let at = layout.iter().position(|l| *l == Some(want))?;
        cells.get(at).copied().filter(|c| !c.is_empty())
    };
    let bad = |what: String| Error::unprocessable(format!("Line {line}: {what}"));
    let flag = |name: &str| -> Result<Option<bool>> {
        match cell(name) {
            None => Ok(None),
            Some(v) => parse_bool(v)
                .map(Some)
                .ok_or_else(|| bad(format!("\"{name}\" is \"{v}\", not true or false"))),
        }
    };
    let acct = || -> Result<String> {
        let v = cell("Account address").ok_or_else(|| bad("no account address".into()))?;
        let v = v.trim_start_matches('@');
        if valid_address(v) {
            Ok(v.to_string())
        } else {
            Err(bad(format!(
                "\"{v}\" is not an account address (user@server)"
            )))
        }
    };
    let mut data = RowData::default();
    match kind {
        ImportKind::Following => {
            data.acct = Some(acct()?);
            data.show_reblogs = flag("Show boosts")?;
            data.notify = flag("Notify on new posts")?;
        }
        ImportKind::Blocks => data.acct = Some(acct()?),
        ImportKind::Mutes => {
            data.acct = Some(acct()?);
            data.hide_notifications = flag("Hide notifications")?;
        }
        ImportKind::DomainBlocks => {
            let d = cell("#domain").ok_or_else(|| bad("no domain".into()))?;
            if d.contains(['/', ' ', '@', '?', '#']) || d.len() > 253 {
                return Err(bad(format!("\"{d}\" is not a domain")));
            }
            data.domain = Some(d.to_string());
        }
        ImportKind::Bookmarks => {
            let u = cell("#uri").ok_or_else(|| bad("no post address".into()))?;
            if !(u.starts_with("https://") || u.starts_with("http://")) || u.len() > 2048 {
                return Err(bad(format!("\"{u}\" is not a post's address")));
            }
            data.uri = Some(u.to_string());
        }
        ImportKind::Lists => {
            let title = cell("List name").ok_or_else(|| bad("no list name".into()))?;
            if title.chars().count() > MAX_LIST_TITLE {
                return Err(bad(format!(
                    "the list name is longer than {MAX_LIST_TITLE} characters"
                )));
            }
            data.list = Some(title.to_string());
            data.acct = Some(acct()?);
        }
    }
    Ok(data)
}

fn parse_bool(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Some(true),
        "false" | "0" | "no" => Some(false),
        _ => None,
    }
}

/// `user` or `user@host[:port]`, as accounts are named.
fn valid_address(v: &str) -> bool {
    let (user, host) = match v.split_once('@') {
        Some((u, h)) => (u, Some(h)),
        None => (v, None),
    };
    !user.is_empty()
        && user.len() <= 255
        && user
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        && host.is_none_or(|h| {
            !h.is_empty()
                && h.len() <= 253
                && h.chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | ':' | '_'))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Kind;

    fn acct(r: &RowData) -> &str {
        r.acct.as_deref().unwrap_or_default()
    }

    #[test]
    fn following_with_mastodons_header() {
        let csv = "Account address,Show boosts,Notify on new posts,Languages\n\
                   bob@b.example,false,true,\"en, de\"\n\
                   @carol@c.example,true,false,\n";
        let rows = parse(ImportKind::Following, csv.as_bytes(), 10).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(acct(&rows[0]), "bob@b.example");
        assert_eq!(rows[0].show_reblogs, Some(false));
        assert_eq!(rows[0].notify, Some(true));
        assert_eq!(acct(&rows[1]), "carol@c.example");
    }

    #[test]
    fn header_less_files_and_reordered_headers() {
        let rows = parse(
            ImportKind::Following,
            b"bob@b.example\r\n\r\ncarol@c.example\r\n",
            10,
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].show_reblogs, None);
        let rows = parse(
            ImportKind::Mutes,
            b"\xef\xbb\xbfHide notifications,Account address\nfalse,bob@b.example\n",
            10,
        )
        .unwrap();
        assert_eq!(acct(&rows[0]), "bob@b.example");
        assert_eq!(rows[0].hide_notifications, Some(false));
        let rows = parse(ImportKind::Lists, b"Friends,bob@b.example\n", 10).unwrap();
        assert_eq!(rows[0].list.as_deref(), Some("Friends"));
        let rows = parse(ImportKind::DomainBlocks, b"#domain\nspam.example\n", 10).unwrap();
        assert_eq!(rows[0].domain.as_deref(), Some("spam.example"));
        let rows = parse(ImportKind::Bookmarks, b"https://b.example/notes/1\n", 10).unwrap();
        assert_eq!(rows[0].uri.as_deref(), Some("https://b.example/notes/1"));
    }

    #[test]
    fn bad_files_are_refused_whole() {
        for (kind, bytes) in [
            (ImportKind::Following, &b""[..]),
            (ImportKind::Following, b"Account address\n"),
            (ImportKind::Following, b"\xff\xfe\x00b"),
            (ImportKind::Following, b"bob@b.example,maybe\n"),
            (ImportKind::Following, b"not an address\n"),
            (ImportKind::Blocks, b"bob@b.example,extra\n"),
            (ImportKind::Lists, b"List name\nFriends\n"),
            (ImportKind::Lists, b"Friends\n"),
            (ImportKind::Bookmarks, b"ftp://b.example/1\n"),
            (ImportKind::DomainBlocks, b"#domain\nhttps://x.example/\n"),
        ] {
            let e = parse(kind, bytes, 10).unwrap_err();
            assert_eq!(e.kind, Kind::Unprocessable, "{bytes:?}");
        }
        let many = "a@b.example\n".repeat(11);
        let e = parse(ImportKind::Blocks, many.as_bytes(), 10).unwrap_err();
        assert!(e.message.contains("more than 10"), "{}", e.message);
    }
}
