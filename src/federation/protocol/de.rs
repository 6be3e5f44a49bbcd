//! Tolerant deserializers shared by the wire types.
//!
//! Remote servers disagree about shapes: a field may be a string, an object,
//! an array of either, `null`, or a value of the wrong JSON type. The helpers
//! here read such a field through a [`serde_json::Value`] and keep what they
//! can, so that one odd optional field never rejects a whole document. Only
//! the fields a type documents as required can fail a parse.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// Any optional field: a value that does not fit `T` becomes `None`.
pub(crate) fn lenient<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    Ok(serde_json::from_value(Value::deserialize(d)?).ok())
}

/// A timestamp: RFC 3339 (any offset), or a naive `YYYY-MM-DDTHH:MM:SS[.f]`
/// read as UTC. Anything else becomes `None`.
pub(crate) fn datetime<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    Ok(Value::deserialize(d)?.as_str().and_then(parse_datetime))
}

/// The parser behind [`datetime`], also used for `closed`.
pub(crate) fn parse_datetime(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .map(|t| t.and_utc())
}

/// `type`: a string, or an array whose first string wins (JSON-LD allows
/// several types). Required: anything else fails the document.
pub(crate) fn kind<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    first_string(&Value::deserialize(d)?)
        .map(str::to_string)
        .ok_or_else(|| {
            serde::de::Error::custom("`type` is neither a string nor an array of strings")
        })
}

/// An optional `type`, as [`kind`].
pub(crate) fn opt_kind<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(first_string(&Value::deserialize(d)?).map(str::to_string))
}

/// An optional reference kept only as its id: a string, an object's `id`
/// (or a Link's `href`), or the first such entry of an array.
pub(crate) fn opt_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let v = Value::deserialize(d)?;
    Ok(match &v {
        Value::Array(items) => items.iter().find_map(value_id),
        other => value_id(other),
    }
    .map(str::to_string))
}

/// A list of ids (`to`, `cc`, `alsoKnownAs`): strings are kept, objects give
/// their `id` or `href`, everything else is dropped.
pub(crate) fn ids<'de, D: Deserializer<'de>>(d: D) -> Result<super::OneOrMany<String>, D::Error> {
    let v = Value::deserialize(d)?;
    let list: Vec<String> = match &v {
        Value::Array(items) => items
            .iter()
            .filter_map(value_id)
            .map(str::to_string)
            .collect(),
        other => value_id(other).map(str::to_string).into_iter().collect(),
    };
    Ok(list.into())
}

/// The first of one or many: the first entry that parses as `T`.
pub(crate) fn first<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    Ok(super::OneOrMany::<T>::from_value(Value::deserialize(d)?)
        .into_vec()
        .into_iter()
        .next())
}

/// A string, or the first string of an array.
pub(crate) fn first_string(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s),
        Value::Array(items) => items.iter().find_map(Value::as_str),
        _ => None,
    }
}

/// The id a value stands for: itself if a string, else its `id`, else its
/// `href` (a Link).
pub(crate) fn value_id(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s),
        Value::Object(m) => m
            .get("id")
            .and_then(Value::as_str)
            .or_else(|| m.get("href").and_then(Value::as_str)),
        _ => None,
    }
}

/// The URL a `url`-like value stands for: a string, a Link's `href`, an
/// object's `url` (itself string or Link), in that order.
pub(crate) fn value_href(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s),
        Value::Object(m) => m
            .get("href")
            .and_then(Value::as_str)
            .or_else(|| m.get("url").and_then(value_href)),
        Value::Array(items) => items.iter().find_map(value_href),
        _ => None,
    }
}
