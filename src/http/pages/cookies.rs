//! Reading and writing the cookies roost sets.

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;

use crate::app::AppState;

/// The signed-in browser session (an opaque random value; the database keeps its hash).
pub const SESSION_COOKIE: &str = "roost_session";
/// The double-submit CSRF token of the sign-in form.
pub const CSRF_COOKIE: &str = "roost_csrf";
/// The second sign-in step: right password, two-factor code still owed.
pub const OTP_COOKIE: &str = "roost_otp";

pub fn get_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// Sets an HttpOnly, SameSite=Lax cookie, Secure when the instance is on https.
/// `max_age` `None` makes a browser-session cookie; `Some(0)` deletes it.
pub fn set_cookie(
    response: &mut Response,
    app: &AppState,
    name: &str,
    value: &str,
    max_age: Option<u64>,
) {
    let mut cookie = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(age) = max_age {
        cookie.push_str(&format!("; Max-Age={age}"));
    }
    if app.base_url.starts_with("https://") {
        cookie.push_str("; Secure");
    }
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
}
