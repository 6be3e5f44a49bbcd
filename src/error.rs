//! One error type for the whole server: a kind that decides the HTTP status, a
//! message that is safe to show a client, optional per-field validation details,
//! and the cause, which is logged and never sent.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

/// What went wrong, from the client's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    Conflict,
    PayloadTooLarge,
    Unprocessable,
    TooManyRequests,
    Unavailable,
    Internal,
}

impl Kind {
    pub fn status(self) -> u16 {
        match self {
            Kind::BadRequest => 400,
            Kind::Unauthorized => 401,
            Kind::Forbidden => 403,
            Kind::NotFound => 404,
            Kind::Conflict => 409,
            Kind::PayloadTooLarge => 413,
            Kind::Unprocessable => 422,
            Kind::TooManyRequests => 429,
            Kind::Unavailable => 503,
            Kind::Internal => 500,
        }
    }
}

/// One field's validation failure, in Mastodon's shape
/// (`{"error": "ERR_TAKEN", "description": "has already been taken"}`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FieldError {
    pub error: &'static str,
    pub description: String,
}

/// The error every layer returns.
#[derive(Debug)]
pub struct Error {
    pub kind: Kind,
    /// Shown to the client.
    pub message: String,
    /// Field name → failures, for 422 responses.
    pub details: BTreeMap<String, Vec<FieldError>>,
    /// Logged, never shown.
    pub cause: Option<Box<dyn std::error::Error + Send + Sync>>,
    /// `(limit, seconds until reset)` of the rate limit that refused the request.
    pub rate_limit: Option<(u32, u64)>,
    /// An OAuth 2 error code (`invalid_grant`…): the body then takes RFC 6749's
    /// shape, `{"error": code, "error_description": message}`.
    pub oauth_code: Option<&'static str>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: Kind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            details: BTreeMap::new(),
            cause: None,
            rate_limit: None,
            oauth_code: None,
        }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(Kind::BadRequest, message)
    }
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(Kind::Unauthorized, message)
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(Kind::Forbidden, message)
    }
    /// Mastodon's wording for anything missing or invisible to the caller.
    pub fn not_found() -> Self {
        Self::new(Kind::NotFound, "Record not found")
    }
    pub fn unprocessable(message: impl Into<String>) -> Self {
        Self::new(Kind::Unprocessable, message)
    }
    pub fn internal(cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self {
            cause: Some(cause.into()),
            ..Self::new(Kind::Internal, "Internal server error")
        }
    }
    /// An OAuth 2 protocol error (RFC 6749 §5.2).
    pub fn oauth(kind: Kind, code: &'static str, description: impl Into<String>) -> Self {
        Self {
            oauth_code: Some(code),
            ..Self::new(kind, description)
        }
    }
    pub fn with_cause(
        mut self,
        cause: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        self.cause = Some(cause.into());
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)?;
        if let Some(cause) = &self.cause {
            write!(f, ": {cause}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::RowNotFound => Error::not_found(),
            sqlx::Error::PoolTimedOut => {
                Error::new(Kind::Unavailable, "The server is busy, try again later").with_cause(e)
            }
            other => Error::internal(other),
        }
    }
}

/// Collects validation failures field by field, then becomes one 422.
#[derive(Debug, Default)]
pub struct Validation {
    details: BTreeMap<String, Vec<FieldError>>,
    sentences: Vec<String>,
}

impl Validation {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records that `field` failed with Mastodon's `code` (e.g. `ERR_TAKEN`) and a
    /// human `description` (e.g. "has already been taken").
    pub fn add(&mut self, field: &str, code: &'static str, description: impl Into<String>) {
        let description = description.into();
        self.sentences
            .push(format!("{} {description}", humanize(field)));
        self.details
            .entry(field.to_string())
            .or_default()
            .push(FieldError {
                error: code,
                description,
            });
    }

    pub fn is_empty(&self) -> bool {
        self.details.is_empty()
    }

    /// `Ok(())` when nothing failed, else the 422 error.
    pub fn finish(self) -> Result<()> {
        if self.details.is_empty() {
            return Ok(());
        }
        Err(self.into_error())
    }

    /// The 422 error for what was recorded (call after at least one `add`).
    pub fn into_error(self) -> Error {
        let mut err =
            Error::unprocessable(format!("Validation failed: {}", self.sentences.join(", ")));
        err.details = self.details;
        err
    }
}

fn humanize(field: &str) -> String {
    let mut s = field.replace('_', " ");
    if let Some(first) = s.get(0..1) {
        let upper = first.to_ascii_uppercase();
        s.replace_range(0..1, &upper);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_reads_like_mastodon() {
        let mut v = Validation::new();
        v.add("email", "ERR_TAKEN", "has already been taken");
        v.add(
            "username",
            "ERR_INVALID",
            "must contain only letters, numbers and underscores",
        );
        let err = v.finish().unwrap_err();
        assert_eq!(err.kind, Kind::Unprocessable);
        assert_eq!(
            err.message,
            "Validation failed: Email has already been taken, Username must contain only letters, numbers and underscores"
        );
        assert_eq!(err.details["email"][0].error, "ERR_TAKEN");
    }
}
