//! Extractors: who is calling (bearer token with a required scope), from where,
//! and the parameters they sent, whichever way a Mastodon client encodes them.

use std::marker::PhantomData;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRef, FromRequest, FromRequestParts, Multipart, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::app::AppState;
use crate::error::{Error, Kind, Result};
use crate::model::scope::mask;
use crate::model::{Account, User};
use crate::service::oauth::{Caller, resolve_token};

/// A scope an endpoint requires; any one of the named scopes suffices.
pub trait RequiredScope {
    const MASK: u64;
}

macro_rules! scopes {
    ($($name:ident = $($scope:literal)|+;)*) => {
        $(
            #[doc = concat!("Requires ", $("`", $scope, "` "),+)]
            pub struct $name;
            impl RequiredScope for $name {
                const MASK: u64 = 0 $(| mask($scope))+;
            }
        )*
    };
}

scopes! {
    ReadAccounts = "read:accounts";
    ReadAccountsOrProfile = "read:accounts" | "profile";
    Profile = "profile";
    WriteAccounts = "write:accounts";
    ReadLists = "read:lists";
    ReadFilters = "read:filters";
    WriteFilters = "write:filters";
    ReadFollows = "read:follows";
    ReadStatuses = "read:statuses";
    ReadAccountsOrStatuses = "read:accounts" | "read:statuses";
    Read = "read";
    WriteStatuses = "write:statuses";
    WriteMedia = "write:media";
    WriteFavourites = "write:favourites";
    WriteBookmarks = "write:bookmarks";
    WriteConversations = "write:conversations";
    WriteFollows = "write:follows";
    WriteBlocks = "write:blocks";
    WriteMutes = "write:mutes";
    WriteNotifications = "write:notifications";
    ReadNotifications = "read:notifications";
    ReadBlocks = "read:blocks";
    ReadMutes = "read:mutes";
    ReadBookmarks = "read:bookmarks";
    ReadFavourites = "read:favourites";
    ReadSearch = "read:search";
    WriteLists = "write:lists";
    ReadCollections = "read:collections";
    WriteCollections = "write:collections";
    WriteReports = "write:reports";
    Push = "push";
    AdminRead = "admin:read";
    AdminWrite = "admin:write";
    AdminReadAccounts = "admin:read:accounts";
    AdminWriteAccounts = "admin:write:accounts";
    AdminReadReports = "admin:read:reports";
    AdminWriteReports = "admin:write:reports";
    AdminReadDomainBlocks = "admin:read:domain_blocks";
    AdminReadDomainAllows = "admin:read:domain_allows";
    AdminWriteDomainAllows = "admin:write:domain_allows";
    AdminReadEmailDomainBlocks = "admin:read:email_domain_blocks";
    AdminWriteEmailDomainBlocks = "admin:write:email_domain_blocks";
    AdminReadCanonicalEmailBlocks = "admin:read:canonical_email_blocks";
    AdminWriteCanonicalEmailBlocks = "admin:write:canonical_email_blocks";
    AdminReadIpBlocks = "admin:read:ip_blocks";
    AdminWriteIpBlocks = "admin:write:ip_blocks";
    AdminWriteDomainBlocks = "admin:write:domain_blocks";
}

/// Any valid token, whatever its scopes.
pub struct AnyScope;
impl RequiredScope for AnyScope {
    const MASK: u64 = u64::MAX;
}

/// The bearer token of a request: `Authorization: Bearer …` or `access_token=`.
fn bearer(parts: &Parts) -> Option<String> {
    bearer_of(&parts.headers, &parts.uri)
}

/// [`bearer`] from a request's headers and URI (for middleware).
pub fn bearer_of(headers: &axum::http::HeaderMap, uri: &axum::http::Uri) -> Option<String> {
    if let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let (scheme, token) = value.split_once(' ')?;
        return scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| token.trim().to_string());
    }
    let query = uri.query()?;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "access_token")
        .map(|(_, v)| v.into_owned())
}

fn insufficient_scope() -> Error {
    Error::forbidden("This action is outside the authorized scopes")
}

/// The token's caller when it grants scope `S`, before any check of the
/// user's standing.
async fn scoped_caller<S: RequiredScope>(parts: &Parts, app: &AppState) -> Result<Option<Caller>> {
    let Some(token) = bearer(parts) else {
        return Ok(None);
    };
    let caller = resolve_token(app, &token).await?;
    if !caller.scopes.allows(S::MASK) {
        return Err(insufficient_scope());
    }
    Ok(Some(caller))
}

async fn caller<S: RequiredScope>(parts: &Parts, app: &AppState) -> Result<Option<Caller>> {
    let Some(caller) = scoped_caller::<S>(parts, app).await? else {
        return Ok(None);
    };
    // A user who may not sign in (pending, suspended, disabled, deleted)
    // has a dead token everywhere, optional-login reads included.
    if let Some((account, user)) = &caller.user {
        crate::service::accounts::check_can_sign_in(account, user)?;
        // Active users (admin measures, retention), once a day each.
        if user.insights {
            app.analytics.active(account.id);
        }
    }
    Ok(Some(caller))
}

/// A signed-in user whose token grants scope `S`.
pub struct Auth<S: RequiredScope> {
    pub account: Account,
    pub user: User,
    pub caller: Caller,
    _scope: PhantomData<S>,
}

impl<S: RequiredScope, St: Send + Sync> FromRequestParts<St> for Auth<S>
where
    Arc<AppState>: FromRef<St>,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &St) -> Result<Self> {
        let app = Arc::<AppState>::from_ref(state);
        let caller = caller::<S>(parts, &app)
            .await?
            .ok_or_else(|| Error::unauthorized("The access token is invalid"))?;
        let Some((account, user)) = caller.user.clone() else {
            return Err(Error::unprocessable(
                "This method requires an authenticated user",
            ));
        };
        Ok(Self {
            account,
            user,
            caller,
            _scope: PhantomData,
        })
    }
}

/// A user whose token grants scope `S` and who is signed up but still
/// waits for their e-mail confirmation (the one thing such a user may do
/// is ask for the link again). Disabled and suspended users are refused.
pub struct UnconfirmedAuth<S: RequiredScope> {
    pub account: Account,
    pub user: User,
    _scope: PhantomData<S>,
}

impl<S: RequiredScope, St: Send + Sync> FromRequestParts<St> for UnconfirmedAuth<S>
where
    Arc<AppState>: FromRef<St>,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &St) -> Result<Self> {
        let app = Arc::<AppState>::from_ref(state);
        let caller = scoped_caller::<S>(parts, &app)
            .await?
            .ok_or_else(|| Error::unauthorized("The access token is invalid"))?;
        let Some((account, user)) = caller.user else {
            return Err(Error::unprocessable(
                "This method requires an authenticated user",
            ));
        };
        if user.confirmed_at.is_some() {
            crate::service::accounts::check_can_sign_in(&account, &user)?;
        } else if user.disabled || account.suspended_at.is_some() {
            return Err(Error::forbidden("Your login is currently disabled"));
        }
        Ok(Self {
            account,
            user,
            _scope: PhantomData,
        })
    }
}

/// A token of an app or of a user, granting scope `S` (e.g. for sign-up).
pub struct AppAuth<S: RequiredScope> {
    pub caller: Caller,
    _scope: PhantomData<S>,
}

impl<S: RequiredScope, St: Send + Sync> FromRequestParts<St> for AppAuth<S>
where
    Arc<AppState>: FromRef<St>,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &St) -> Result<Self> {
        let app = Arc::<AppState>::from_ref(state);
        let caller = caller::<S>(parts, &app)
            .await?
            .ok_or_else(|| Error::unauthorized("The access token is invalid"))?;
        Ok(Self {
            caller,
            _scope: PhantomData,
        })
    }
}

/// An optional token for public endpoints: absent is fine; present, it must
/// be valid (401) and grant scope `S` (403), as Mastodon checks.
pub struct MaybeAuth<S: RequiredScope = AnyScope>(pub Option<Caller>, PhantomData<S>);

impl<S: RequiredScope, St: Send + Sync> FromRequestParts<St> for MaybeAuth<S>
where
    Arc<AppState>: FromRef<St>,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &St) -> Result<Self> {
        let app = Arc::<AppState>::from_ref(state);
        Ok(Self(caller::<S>(parts, &app).await?, PhantomData))
    }
}

/// The client's address: the peer, or the last `X-Forwarded-For` hop when
/// `server.trust_proxy_headers` is on.
pub struct ClientIp(pub IpAddr);

impl<St: Send + Sync> FromRequestParts<St> for ClientIp
where
    Arc<AppState>: FromRef<St>,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &St) -> Result<Self> {
        let app = Arc::<AppState>::from_ref(state);
        Ok(Self(client_ip(parts, &app)))
    }
}

pub fn client_ip(parts: &Parts, app: &AppState) -> IpAddr {
    address(&parts.headers, &parts.extensions, app)
}

/// [`client_ip`] of a whole request (for middleware).
pub fn client_ip_of(req: &axum::extract::Request, app: &AppState) -> IpAddr {
    address(req.headers(), req.extensions(), app)
}

fn address(
    headers: &axum::http::HeaderMap,
    extensions: &axum::http::Extensions,
    app: &AppState,
) -> IpAddr {
    if app.config.server.trust_proxy_headers
        && let Some(ip) = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse().ok())
    {
        return ip;
    }
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::from([127, 0, 0, 1]), |c| c.0.ip())
}

/// Request parameters from a JSON body, a form (urlencoded or multipart) or the
/// query string, with Rails-style bracket keys (`source[privacy]`,
/// `fields_attributes[0][name]`, `scopes[]`) turned into nested JSON, then
/// deserialized into `T`. Malformed input is a 422 naming the problem.
pub struct Params<T>(pub T);

impl<T: DeserializeOwned, St: Send + Sync> FromRequest<St> for Params<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &St) -> Result<Self> {
        let value = params_value(req, state).await?;
        serde_json::from_value(value)
            .map(Params)
            .map_err(|e| Error::unprocessable(format!("Validation failed: {e}")))
    }
}

async fn params_value<St: Send + Sync>(req: Request, state: &St) -> Result<Value> {
    let content_type = content_type(req.headers());
    let query = req.uri().query().map(str::to_string);
    let mut value = match content_type.as_str() {
        "application/json" => {
            let body = body_bytes(req, state).await?;
            if body.iter().all(u8::is_ascii_whitespace) {
                Value::Object(Map::new())
            } else {
                serde_json::from_slice(&body)
                    .map_err(|e| Error::bad_request(format!("Invalid JSON: {e}")))?
            }
        }
        "multipart/form-data" => {
            let mut multipart = Multipart::from_request(req, state)
                .await
                .map_err(|e| Error::bad_request(format!("Invalid multipart body: {e}")))?;
            let mut pairs = Vec::new();
            while let Some(field) = multipart.next_field().await.map_err(map_multipart_error)? {
                let Some(name) = field.name().map(str::to_string) else {
                    continue;
                };
                if field.file_name().is_some() {
                    // Files (avatar, header) are handled by the media pipeline.
                    continue;
                }
                let text = field.text().await.map_err(map_multipart_error)?;
                pairs.push((name, text));
            }
            nest_pairs(pairs)?
        }
        _ => {
            let body = body_bytes(req, state).await?;
            nest_pairs(url::form_urlencoded::parse(&body).into_owned().collect())?
        }
    };
    if let (Some(query), Value::Object(map)) = (query, &mut value) {
        // Body wins over the query string.
        if let Value::Object(q) = nest_pairs(
            url::form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect(),
        )? {
            for (k, v) in q {
                map.entry(k).or_insert(v);
            }
        }
    }
    Ok(value)
}

fn content_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default()
}

fn map_multipart_error(e: axum::extract::multipart::MultipartError) -> Error {
    if e.status().as_u16() == 413 {
        Error::new(Kind::PayloadTooLarge, "Request body too large")
    } else {
        Error::bad_request(format!("Invalid multipart body: {}", e.body_text()))
    }
}

/// Request parameters like [`Params`], plus the files of a multipart body,
/// each streamed to a temporary file under the data directory and never
/// held whole in memory. A file over the media byte limit is refused with
/// 413 as it streams, and its partial file removed; every temporary file is
/// removed when the request ends.
pub struct FormWithFiles<T> {
    pub params: T,
    pub files: std::collections::HashMap<String, crate::media::process::TempFile>,
}

/// Most files one request may carry (media, thumbnail, avatar, header).
const MAX_FILES: usize = 4;

impl<T: DeserializeOwned> FromRequest<Arc<AppState>> for FormWithFiles<T> {
    type Rejection = Error;

    async fn from_request(req: Request, app: &Arc<AppState>) -> Result<Self> {
        if content_type(req.headers()) != "multipart/form-data" {
            // Only files get the media routes' larger body limit.
            let limit = usize::try_from(app.config.limits.max_body_bytes).unwrap_or(usize::MAX);
            let (parts, body) = req.into_parts();
            let bytes = axum::body::to_bytes(body, limit)
                .await
                .map_err(|_| Error::new(Kind::PayloadTooLarge, "Request body too large"))?;
            let req = Request::from_parts(parts, axum::body::Body::from(bytes));
            let Params(params) = Params::<T>::from_request(req, app).await?;
            return Ok(FormWithFiles {
                params,
                files: Default::default(),
            });
        }
        let query = req.uri().query().map(str::to_string);
        let mut multipart = Multipart::from_request(req, app)
            .await
            .map_err(|e| Error::bad_request(format!("Invalid multipart body: {e}")))?;
        let mut pairs = Vec::new();
        let mut files = std::collections::HashMap::new();
        let text_limit = usize::try_from(app.config.limits.max_body_bytes).unwrap_or(usize::MAX);
        let mut text_bytes = 0usize;
        while let Some(mut field) = multipart.next_field().await.map_err(map_multipart_error)? {
            let Some(name) = field.name().map(str::to_string) else {
                continue;
            };
            if field.file_name().is_some() {
                if files.len() >= MAX_FILES {
                    return Err(Error::unprocessable("Too many files"));
                }
                let file = stream_to_temp(app, field).await?;
                files.insert(name, file);
            } else {
                // Text fields share the ordinary body limit.
                let mut text = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(map_multipart_error)? {
                    text_bytes += chunk.len();
                    if text_bytes > text_limit {
                        return Err(Error::new(Kind::PayloadTooLarge, "Request body too large"));
                    }
                    text.extend_from_slice(&chunk);
                }
                let text = String::from_utf8(text)
                    .map_err(|_| Error::bad_request(format!("Field {name} is not UTF-8")))?;
                pairs.push((name, text));
            }
        }
        if let Some(query) = query {
            pairs.extend(url::form_urlencoded::parse(query.as_bytes()).into_owned());
        }
        let params = serde_json::from_value(nest_pairs(pairs)?)
            .map_err(|e| Error::unprocessable(format!("Validation failed: {e}")))?;
        Ok(FormWithFiles { params, files })
    }
}

/// Writes one multipart file to a temporary file, refusing it past the
/// limit of its kind (told by its first bytes: images have the smaller one).
async fn stream_to_temp(
    app: &AppState,
    mut field: axum::extract::multipart::Field<'_>,
) -> Result<crate::media::process::TempFile> {
    use tokio::io::AsyncWriteExt;
    let path = crate::media::process::temp_path(&app.media)?;
    let mut out = tokio::fs::File::create(&path)
        .await
        .map_err(Error::internal)?;
    let media = &app.config.media;
    let mut limit = media.image_max_bytes.max(media.video_max_bytes);
    let mut size: u64 = 0;
    while let Some(chunk) = field.chunk().await.map_err(map_multipart_error)? {
        if size == 0
            && let Some(found) = crate::media::detect(&chunk)
            && found.kind == crate::model::MediaKind::Image
            && found.mime != "image/gif"
        {
            limit = media.image_max_bytes;
        }
        size += chunk.len() as u64;
        if size > limit {
            return Err(Error::new(
                Kind::PayloadTooLarge,
                format!(
                    "File is too large (the limit is {} MB)",
                    limit / (1024 * 1024)
                ),
            ));
        }
        out.write_all(&chunk).await.map_err(Error::internal)?;
    }
    out.flush().await.map_err(Error::internal)?;
    Ok(crate::media::process::TempFile { path, size })
}

/// The whole body, within the configured size limit (413 beyond it).
pub async fn body_bytes<St: Send + Sync>(req: Request, state: &St) -> Result<axum::body::Bytes> {
    axum::body::Bytes::from_request(req, state)
        .await
        .map_err(|e| {
            if e.status().as_u16() == 413 {
                Error::new(Kind::PayloadTooLarge, "Request body too large")
            } else {
                Error::bad_request(format!("Cannot read the request body: {}", e.body_text()))
            }
        })
}

/// The query string with Rails-style keys (`types[]=a&types[]=b`,
/// `any[]=x`) read as nested values, for the parameters a plain `Query`
/// struct cannot hold; every endpoint reads lists and booleans through it.
#[derive(Debug, Clone)]
pub struct QueryParams(Value);

impl QueryParams {
    /// Parses a raw query string (at most 1000 parameters, 8 levels deep).
    pub fn parse(raw: &str) -> Result<QueryParams> {
        nest_pairs(
            url::form_urlencoded::parse(raw.as_bytes())
                .into_owned()
                .collect(),
        )
        .map(QueryParams)
    }

    /// The string value of `key`, if it has one.
    pub fn str(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(Value::as_str)
    }

    /// `key[]` (or a single `key`) as a list of strings.
    pub fn strings(&self, key: &str) -> Vec<String> {
        match self.0.get(key) {
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect(),
            Some(Value::String(s)) => vec![s.clone()],
            _ => Vec::new(),
        }
    }

    /// A boolean parameter as Mastodon reads them; absent or unreadable is
    /// false.
    pub fn flag(&self, key: &str) -> bool {
        self.str(key).is_some_and(|v| parse_bool(v) == Some(true))
    }
}

impl<St: Send + Sync> FromRequestParts<St> for QueryParams {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &St) -> Result<Self> {
        QueryParams::parse(parts.uri.query().unwrap_or(""))
    }
}

/// Ids from `id[]=1&id[]=2`, `id=1`, or a JSON body `{"id": [...]}`
/// (Mastodon.py sends that on GET), in the order given, each once; what is
/// not a number names nothing and is dropped.
pub fn id_list(raw: Option<&str>, body: &[u8]) -> Vec<i64> {
    let mut out = Vec::new();
    let mut take = |v: &Value| match v {
        Value::Array(items) => out.extend(items.iter().filter_map(|i| match i {
            Value::String(s) => s.parse().ok(),
            Value::Number(n) => n.as_i64(),
            _ => None,
        })),
        Value::String(s) => out.extend(s.parse::<i64>().ok()),
        Value::Number(n) => out.extend(n.as_i64()),
        _ => {}
    };
    if let Ok(params) = QueryParams::parse(raw.unwrap_or_default())
        && let Some(v) = params.0.get("id")
    {
        take(v);
    }
    if let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body)
        && let Some(v) = map.get("id")
    {
        take(v);
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|id| seen.insert(*id));
    out
}

/// A boolean as clients send it in a form or query: `true`, `1`, `on`,
/// `yes`, `t` are true; `false`, `0`, `off`, `no`, `f` and empty are false;
/// anything else is not a boolean.
pub fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "on" | "yes" | "t" => Some(true),
        "false" | "0" | "off" | "no" | "f" | "" => Some(false),
        _ => None,
    }
}

/// Turns `a[b][c]=v` / `a[]=v` pairs into nested JSON objects and arrays.
/// Objects keyed only by numbers (`fields_attributes[0][name]`) become arrays in
/// key order, so both encodings clients use deserialize the same way.
pub fn nest_pairs(pairs: Vec<(String, String)>) -> Result<Value> {
    if pairs.len() > MAX_PARAMS {
        return Err(Error::unprocessable(format!(
            "Too many parameters (at most {MAX_PARAMS})"
        )));
    }
    let mut root = Value::Object(Map::new());
    for (key, val) in pairs {
        let (head, rest) = match key.find('[') {
            Some(i) => (&key[..i], &key[i..]),
            None => (key.as_str(), ""),
        };
        let mut path = vec![head.to_string()];
        let mut r = rest;
        while let Some(stripped) = r.strip_prefix('[') {
            let Some(end) = stripped.find(']') else { break };
            path.push(stripped[..end].to_string());
            r = &stripped[end + 1..];
            if path.len() > MAX_DEPTH {
                return Err(Error::unprocessable(format!(
                    "Parameter {head} is nested too deeply"
                )));
            }
        }
        insert_path(&mut root, &path, Value::String(val));
    }
    Ok(numeric_objects_to_arrays(root))
}

/// Bounds on form parameters: the nesting is recursive, so a hostile body must
/// not be able to nest deep enough to exhaust the stack.
const MAX_PARAMS: usize = 1000;
const MAX_DEPTH: usize = 8;

fn insert_path(node: &mut Value, path: &[String], val: Value) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    if first.is_empty() {
        // `a[]`: append to an array.
        if !node.is_array() {
            *node = Value::Array(Vec::new());
        }
        if let Value::Array(arr) = node {
            if rest.is_empty() {
                arr.push(val);
            } else {
                let mut child = Value::Object(Map::new());
                insert_path(&mut child, rest, val);
                arr.push(child);
            }
        }
        return;
    }
    if !node.is_object() {
        *node = Value::Object(Map::new());
    }
    if let Value::Object(map) = node {
        if rest.is_empty() {
            map.insert(first.clone(), val);
        } else {
            let child = map
                .entry(first.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            insert_path(child, rest, val);
        }
    }
}

fn numeric_objects_to_arrays(v: Value) -> Value {
    match v {
        Value::Object(map) => {
            if !map.is_empty() && map.keys().all(|k| k.parse::<u32>().is_ok()) {
                let mut items: Vec<(u32, Value)> = map
                    .into_iter()
                    .map(|(k, v)| (k.parse().unwrap_or(0), numeric_objects_to_arrays(v)))
                    .collect();
                items.sort_by_key(|(k, _)| *k);
                Value::Array(items.into_iter().map(|(_, v)| v).collect())
            } else {
                Value::Object(
                    map.into_iter()
                        .map(|(k, v)| (k, numeric_objects_to_arrays(v)))
                        .collect(),
                )
            }
        }
        Value::Array(a) => Value::Array(a.into_iter().map(numeric_objects_to_arrays).collect()),
        other => other,
    }
}

/// Serde helpers for parameters that arrive as JSON values or form strings.
pub mod de {
    use serde::{Deserialize, Deserializer};
    use serde_json::Value;

    fn to_bool(v: &Value) -> Option<bool> {
        match v {
            Value::Bool(b) => Some(*b),
            Value::Number(n) => Some(n.as_i64() != Some(0)),
            Value::String(s) => super::parse_bool(s),
            Value::Null => None,
            _ => None,
        }
    }

    /// `true`, `"true"`, `"1"`, `"on"` → true; absent → None.
    pub fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
        let v = Option::<Value>::deserialize(d)?;
        match v {
            None | Some(Value::Null) => Ok(None),
            Some(v) => to_bool(&v)
                .map(Some)
                .ok_or_else(|| serde::de::Error::custom(format!("expected a boolean, got {v}"))),
        }
    }

    /// A string, or a number sent where a string was meant.
    pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        let v = Option::<Value>::deserialize(d)?;
        match v {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(Value::Bool(b)) => Ok(Some(b.to_string())),
            Some(other) => Err(serde::de::Error::custom(format!(
                "expected a string, got {other}"
            ))),
        }
    }

    /// One string or a list of strings (`redirect_uris`, `scopes`).
    pub fn string_or_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
        let v = Option::<Value>::deserialize(d)?;
        match v {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::String(s)) => Ok(vec![s]),
            Some(Value::Array(items)) => items
                .into_iter()
                .map(|i| match i {
                    Value::String(s) => Ok(s),
                    // JSON clients send ids and choices as numbers too.
                    Value::Number(n) => Ok(n.to_string()),
                    other => Err(serde::de::Error::custom(format!(
                        "expected a string, got {other}"
                    ))),
                })
                .collect(),
            Some(other) => Err(serde::de::Error::custom(format!(
                "expected a string or a list, got {other}"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn rails_brackets_nest() {
        let v = nest_pairs(pairs(&[
            ("display_name", "A"),
            ("source[privacy]", "unlisted"),
            ("fields_attributes[1][name]", "b"),
            ("fields_attributes[0][name]", "a"),
            ("fields_attributes[0][value]", "x"),
            ("scopes[]", "read"),
            ("scopes[]", "write"),
        ]))
        .unwrap();
        assert_eq!(
            v,
            json!({
                "display_name": "A",
                "source": {"privacy": "unlisted"},
                "fields_attributes": [{"name": "a", "value": "x"}, {"name": "b"}],
                "scopes": ["read", "write"],
            })
        );
    }

    #[test]
    fn deep_or_numerous_brackets_are_refused() {
        let deep = format!("a{}", "[x]".repeat(9));
        assert!(nest_pairs(pairs(&[(&deep, "1")])).is_err());
        let ok = format!("a{}", "[x]".repeat(7));
        assert!(nest_pairs(pairs(&[(&ok, "1")])).is_ok());
        let many: Vec<(String, String)> = (0..1001)
            .map(|i| (format!("k{i}"), "v".to_string()))
            .collect();
        assert!(nest_pairs(many).is_err());
    }
}
