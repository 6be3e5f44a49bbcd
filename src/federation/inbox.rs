//! Inbound activities: verify a POST to an inbox (signature, digest, date,
//! key owner, origin, domain blocks), record it once, and queue it; the job
//! then applies it through [`super::activities`].
//! <https://docs.joinmastodon.org/spec/security/#http-verify>

use chrono::Utc;
use serde_json::Value;

use super::failures::Step;
use super::signatures::{self, SigError};
use super::{domain_of, fetch, same_origin};
use crate::app::AppState;
use crate::error::{Error, Kind, Result};
use crate::jobs::Task;
use crate::model::Account;

/// The largest inbound activity roost reads (Mastodon's limit).
pub const MAX_ACTIVITY: usize = 1024 * 1024;

fn unauthorized(why: impl std::fmt::Display) -> Error {
    Error::unauthorized("Request not signed or signature invalid").with_cause(why.to_string())
}

/// A request as the inbox handler saw it.
pub struct Inbound<'a> {
    pub method: &'a http::Method,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub headers: &'a http::HeaderMap,
    pub body: &'a [u8],
}

/// Verifies an inbound POST and queues its activity. `Ok` means 202.
pub async fn receive(app: &AppState, req: Inbound<'_>) -> Result<()> {
    if req.body.len() > MAX_ACTIVITY {
        return Err(Error::new(Kind::PayloadTooLarge, "Activity too large"));
    }
    let signer = verify(app, &req).await?;
    signatures::verify_digest(req.headers, req.body).map_err(unauthorized)?;
    let activity: Value = serde_json::from_slice(req.body)
        .map_err(|e| Error::bad_request("Body is not a JSON activity").with_cause(e.to_string()))?;
    if !activity.is_object() {
        return Err(Error::bad_request("Body is not a JSON activity"));
    }
    let actor = id_of(activity.get("actor")).unwrap_or_default().to_string();
    let id = activity
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if actor.is_empty() {
        return Err(Error::bad_request("Activity has no actor"));
    }
    if !id.is_empty() && !same_origin(&id, &actor) {
        return Err(Error::unauthorized(
            "Activity id and actor are on different servers",
        ));
    }
    if actor != signer.uri {
        // A forwarded activity (Mastodon forwards replies to a thread's
        // followers): the signer vouches for nothing, so only the parts that
        // can be re-fetched from their origin are used.
        return forwarded(app, &signer, &activity, &id).await;
    }
    if let Some(domain) = &signer.domain {
        app.store.instance_succeeded(domain).await?;
    }
    // One line per accepted activity: what operators read to follow
    // federation (the request line alone says only "POST /inbox 202").
    let kind = activity.get("type").and_then(Value::as_str).unwrap_or("?");
    tracing::info!(
        kind,
        id = %id,
        actor = %actor,
        "inbound activity accepted"
    );
    queue(app, &id, activity, signer.id).await
}

/// Records `activity` (once per id) and queues it for processing.
async fn queue(app: &AppState, id: &str, activity: Value, signer_id: i64) -> Result<()> {
    let key = if id.is_empty() {
        // Activities without an id (some Misskey Likes) cannot be deduplicated
        // by id: key them by their content.
        format!(
            "sha256:{}",
            signatures::digest_header(activity.to_string().as_bytes())
        )
    } else {
        id.to_string()
    };
    let task = Task::ProcessActivity {
        activity,
        signer_id,
    };
    crate::jobs::enqueue_inbound(app, &key, &task).await?;
    Ok(())
}

/// A Create or Update relayed by someone other than its actor: fetch the
/// object from its own server and apply what that says.
async fn forwarded(app: &AppState, signer: &Account, activity: &Value, id: &str) -> Result<()> {
    let kind = activity.get("type").and_then(Value::as_str).unwrap_or("");
    if !matches!(kind, "Create" | "Update") {
        tracing::debug!(signer = %signer.uri, kind, "forwarded activity ignored");
        return Ok(());
    }
    let Some(object_id) = id_of(activity.get("object")) else {
        return Ok(());
    };
    let Some(object) = fetch::fetch_object(app, object_id).await.ok().flatten() else {
        return Ok(());
    };
    let author = id_of(object.get("attributedTo"))
        .unwrap_or_default()
        .to_string();
    if !same_origin(&author, object_id) {
        return Ok(());
    }
    let Ok(author) = fetch::resolve_actor(app, &author).await else {
        return Ok(());
    };
    let rebuilt = serde_json::json!({
        "id": id,
        "type": kind,
        "actor": author.uri,
        "object": object,
    });
    // Keyed by the object fetched, so one forwarded copy is applied once.
    queue(
        app,
        &format!("{object_id}#forwarded-{kind}"),
        rebuilt,
        author.id,
    )
    .await
}

/// Checks the request's signature; returns the account whose key signed it.
/// A refusal is logged for the operator (condensed per host and reason).
pub async fn verify(app: &AppState, req: &Inbound<'_>) -> Result<Account> {
    let header = req.headers.get("signature").and_then(|v| v.to_str().ok());
    let parsed = header
        .ok_or(SigError::Missing)
        .and_then(signatures::parse_signature);
    let host = parsed
        .as_ref()
        .ok()
        .and_then(|p| domain_of(&p.key_id))
        .unwrap_or_else(|| "(unsigned)".to_string());
    let refuse = |reason: &str, detail: String| {
        app.federation
            .failures
            .record(&host, Step::Signature, reason, &detail);
        unauthorized(detail)
    };
    let params = match (header, parsed) {
        // Nothing was signed, so no signature failed: not worth a warning.
        (None, _) => return Err(unauthorized("no Signature header")),
        (Some(_), Err(e)) => {
            return Err(refuse(
                &e.to_string(),
                format!("{} {}", req.method, req.path),
            ));
        }
        (Some(_), Ok(p)) => p,
    };
    if host == app.config.server.domain.to_ascii_lowercase() {
        return Err(refuse("signed with a local key", params.key_id.clone()));
    }
    // A signature is bound to this server: it must cover `Host`, and the
    // Host it covers must be ours, so a request signed for another server
    // cannot be replayed here.
    if !params.headers.iter().any(|h| h == "host") {
        return Err(refuse(
            "the signature must cover host",
            format!("{} {} signed by {}", req.method, req.path, params.key_id),
        ));
    }
    let request_host = req
        .headers
        .get(http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !is_this_server(request_host, &app.config.server.domain) {
        return Err(refuse(
            "signed for another server",
            format!(
                "{} {} signed by {} for Host {request_host:?}{}",
                req.method,
                req.path,
                params.key_id,
                host_hint(app, req.headers)
            ),
        ));
    }
    // A blocked server is refused before anything is fetched from it.
    if crate::service::moderation::federation_refused(app, &host).await? {
        app.federation.failures.record(
            &host,
            Step::Signature,
            "domain blocked",
            &format!("{} {} signed by {}", req.method, req.path, params.key_id),
        );
        return Err(Error::forbidden("This domain is blocked"));
    }
    // Each server gets a budget of signed requests (deliveries and signed
    // fetches); beyond it, 429 asks it to retry later, as it will.
    app.limiter.hit(
        &format!("signed:{host}"),
        app.config.limits.inbox_per_host_per_5min,
        crate::ratelimit::FIVE_MINUTES,
    )?;
    let (signer, fresh) = match signer(app, &params.key_id).await {
        Ok(found) => found,
        Err(e) if e.kind == Kind::Unauthorized => {
            let detail = e
                .cause
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default();
            return Err(refuse("cannot get the signer's key", detail));
        }
        Err(e) => return Err(e),
    };
    let check = |account: &Account| -> std::result::Result<(), SigError> {
        let key = app
            .federation
            .remote_key(&params.key_id, account.id, &account.public_key_pem)
            .ok_or(SigError::BadKey)?;
        signatures::verify_request(
            &params,
            req.method,
            req.path,
            req.query,
            req.headers,
            &key,
            Utc::now(),
        )
    };
    let result = match check(&signer) {
        Ok(()) => return Ok(signer),
        // The actor may have rotated its key: fetch it once more.
        Err(SigError::BadSignature | SigError::BadKey) if !fresh => {
            app.federation.forget_remote_key(&params.key_id);
            let refreshed = fetch::refresh_actor(app, &signer.uri)
                .await
                .map_err(|e| refuse("cannot refresh the signer's key", e.to_string()))?;
            check(&refreshed).map(|()| refreshed)
        }
        Err(e) => Err(e),
    };
    result.map_err(|e| {
        let detail = format!(
            "{} {} signed by {} over ({}){}",
            req.method,
            req.path,
            params.key_id,
            params.headers.join(" "),
            host_hint(app, req.headers)
        );
        refuse(&e.to_string(), detail)
    })
}

/// Whether a request's `Host` names this server (`domain`, with or without
/// the default port of either scheme).
fn is_this_server(host: &str, domain: &str) -> bool {
    let host = host
        .strip_suffix(":443")
        .or_else(|| host.strip_suffix(":80"))
        .unwrap_or(host);
    host.eq_ignore_ascii_case(domain)
}

/// When a signature fails and the request's `Host` is not this server's
/// domain, the likely cause: a proxy that does not pass `Host` through.
fn host_hint(app: &AppState, headers: &http::HeaderMap) -> String {
    let host = headers
        .get(http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if is_this_server(host, &app.config.server.domain) {
        return String::new();
    }
    format!(
        "; the request's Host is {host:?}, not server.domain {:?}: \
         the reverse proxy must pass Host through (nginx: proxy_set_header Host $host)",
        app.config.server.domain
    )
}

/// The account owning `key_id`, from the database or fetched; `true` when
/// it was fetched just now.
async fn signer(app: &AppState, key_id: &str) -> Result<(Account, bool)> {
    // A key seen lately names its account without a query.
    if let Some(id) = app.federation.remote_key_owner(key_id)
        && let Some(a) = app.store.get_account(id).await?
        && a.public_key_id.as_deref() == Some(key_id)
    {
        return Ok((a, false));
    }
    if let Some(a) = app.store.get_account_by_key_id(key_id).await? {
        return Ok((a, false));
    }
    // A server may make up new keyIds at will, each costing a fetch: only
    // so many unknown keys per server are looked up.
    if let Some(host) = domain_of(key_id) {
        app.limiter.hit(
            &format!("new_keys:{host}"),
            app.config.limits.new_keys_per_host_per_5min,
            crate::ratelimit::FIVE_MINUTES,
        )?;
    }
    let owner = signatures::key_owner_hint(key_id);
    let doc = fetch::fetch_object(app, owner)
        .await
        .map_err(|e| unauthorized(format!("cannot fetch the key {key_id}: {e}")))?
        .ok_or_else(|| unauthorized(format!("the key {key_id} is gone")))?;
    // The keyId leads to the actor itself (Mastodon's `#main-key`), or to a
    // key or stub naming its owner (GoToSocial's `/main-key`).
    let account = if doc.get("inbox").is_some() {
        fetch::store_actor(app, &doc).await?
    } else {
        let owner = id_of(doc.get("owner"))
            .or_else(|| doc.get("publicKey").and_then(|k| id_of(k.get("owner"))))
            .ok_or_else(|| unauthorized("the key names no owner"))?
            .to_string();
        if !same_origin(&owner, key_id) {
            return Err(unauthorized("the key's owner is on another server"));
        }
        fetch::refresh_actor(app, &owner)
            .await
            .map_err(|e| unauthorized(format!("cannot fetch the key's owner: {e}")))?
    };
    if account.public_key_id.as_deref() != Some(key_id) {
        return Err(unauthorized("the key does not belong to its claimed owner"));
    }
    Ok((account, true))
}

/// The id of a reference: the string itself, or an embedded object's `id`.
pub fn id_of(v: Option<&Value>) -> Option<&str> {
    match v? {
        Value::String(s) => Some(s.as_str()),
        Value::Object(m) => m.get("id").and_then(Value::as_str),
        Value::Array(a) => a.first().and_then(|x| id_of(Some(x))),
        _ => None,
    }
}

/// Applies a verified activity (the `ProcessActivity` job).
pub async fn process(app: &AppState, activity: Value, signer_id: i64) -> Result<()> {
    let Some(signer) = app.store.get_account(signer_id).await? else {
        return Ok(());
    };
    // A suspended actor (by its own suspension or its server's) is not
    // heard: nothing it sends is applied.
    if signer.suspended_at.is_some() {
        tracing::debug!(signer = %signer.uri, "activity from a suspended actor dropped");
        return Ok(());
    }
    if let Some(domain) = signer
        .domain
        .as_deref()
        .and_then(|d| domain_of(&format!("http://{d}")))
        && crate::service::moderation::federation_refused(app, &domain).await?
    {
        return Ok(());
    }
    super::activities::apply(app, &signer, &activity).await
}
