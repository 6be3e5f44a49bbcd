#!/usr/bin/env python3
"""Schema conformance: every GET of the Mastodon client API that roost
answers, asked on a populated instance, and every write the setup makes
must answer JSON valid against the response schema of the OpenAPI description of the API
(../shared/reference/mastodon-api.openapi.json, or ROOST_OPENAPI).

Environment:
  ROOST_BASE_URL       e.g. http://127.0.0.1:18080
  ROOST_TEST_USERNAME  an existing local account (alice) ...
  ROOST_TEST_EMAIL     ... its e-mail address ...
  ROOST_TEST_PASSWORD  ... and its password.
  ROOST_OPENAPI        the OpenAPI file.

It signs up a second account (bob), has the two follow each other, post
(with a hashtag, a poll, media, a reply, a direct message, a scheduled
post), favourite, boost, bookmark, pin, list, filter, feature and follow a
tag, then asks every GET path of the spec with its placeholders filled from
what it made. A 2xx answer is validated against the operation's 200 schema
(formats are not checked); 404 and 405 are counted as not answered, and
the operations roost does not serve must be the ones docs/api.md lists as
missing. Prints one line per operation. Exit status: 0 when every answer is
valid, 1 otherwise, 2 on an unexpected error.
"""

import base64
import json
import os
import re
import secrets
import struct
import sys
import zlib

import requests
from jsonschema import Draft202012Validator

BASE = os.environ["ROOST_BASE_URL"].rstrip("/")
SCOPES = "read write follow push profile"


def png(width=8, height=8):
    """A small RGB PNG, made here so the script needs no image library."""
    raw = b"".join(b"\x00" + b"\x40\x80\xc0" * width for _ in range(height))

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


# The spec, and what the writes of the setup answered wrongly.
SPEC = {}
WRITE_FAILURES = []


def operation(method, path):
    """The spec's `(template, operation)` for a concrete path."""
    for template, ops in SPEC["paths"].items():
        op = ops.get(method.lower())
        if op is None:
            continue
        pattern = "^" + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path):
            return template, op
    return None, None


def schema_errors(key, op, body):
    """Schema errors of a 200 answer, less the spec's errata."""
    content = op.get("responses", {}).get("200", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema")
    if schema is None:
        return []
    root = dict(schema)
    root["components"] = SPEC["components"]
    return [
        e for e in Draft202012Validator(root).iter_errors(body)
        if (key, str(e.absolute_path[-1]) if e.absolute_path else "") not in ERRATA
    ]


class Client:
    def __init__(self, token=None):
        self.s = requests.Session()
        if token:
            self.s.headers["Authorization"] = "Bearer " + token

    def call(self, method, path, expect=200, validate=True, **kw):
        r = self.s.request(method, BASE + path, timeout=30, **kw)
        if expect is not None and r.status_code != expect:
            raise SystemExit(f"setup failed: {method} {path} -> {r.status_code} {r.text[:300]}")
        body = r.json() if r.content else None
        # Writes are checked here; reads, all of them, in main().
        if validate and method != "GET" and body is not None:
            template, op = operation(method, path.split("?")[0])
            if op is not None:
                key = f"{method} {template}"
                errors = schema_errors(key, op, body)
                if errors and key in KNOWN:
                    print(f"known {key}: {len(errors)} schema errors ({KNOWN[key]})")
                    return body
                for e in errors[:5]:
                    where = "/".join(str(p) for p in e.absolute_path)
                    WRITE_FAILURES.append(f"{key}: at /{where}: {e.message[:300]}")
                print(f"{'FAIL' if errors else 'ok  '} {key}")
        return body


def setup():
    anon = Client()
    app = anon.call("POST", "/api/v1/apps", json={
        "client_name": "conformance", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
        "scopes": SCOPES})
    token = anon.call("POST", "/oauth/token", data={
        "grant_type": "password", "client_id": app["client_id"],
        "client_secret": app["client_secret"], "scope": SCOPES,
        "username": os.environ["ROOST_TEST_EMAIL"],
        "password": os.environ["ROOST_TEST_PASSWORD"]})["access_token"]
    alice = Client(token)
    app_token = anon.call("POST", "/oauth/token", data={
        "grant_type": "client_credentials", "client_id": app["client_id"],
        "client_secret": app["client_secret"], "scope": SCOPES})["access_token"]
    nonce = secrets.token_hex(3)
    bob_token = Client(app_token).call("POST", "/api/v1/accounts", json={
        "username": f"bob{nonce}", "email": f"bob{nonce}@example.org",
        "password": "a long enough password", "agreement": True,
        "locale": "en"})["access_token"]
    bob = Client(bob_token)

    ids = {}
    me = alice.call("GET", "/api/v1/accounts/verify_credentials")
    ids["alice"] = me["id"]
    ids["bob"] = bob.call("GET", "/api/v1/accounts/verify_credentials")["id"]
    ids["bob_acct"] = f"bob{nonce}"
    alice.call("PATCH", "/api/v1/accounts/update_credentials", json={
        "note": "Testing #conformance", "fields_attributes": [
            {"name": "site", "value": "https://example.org"}]})
    alice.call("POST", f"/api/v1/accounts/{ids['bob']}/follow")
    bob.call("POST", f"/api/v1/accounts/{ids['alice']}/follow")
    alice.call("POST", f"/api/v1/accounts/{ids['bob']}/note", json={"comment": "met here"})
    alice.call("POST", f"/api/v1/accounts/{ids['bob']}/endorse")

    media = alice.call("POST", "/api/v2/media", files={
        "file": ("dot.png", png(), "image/png")}, data={"description": "a dot"})
    ids["media"] = media["id"]
    mine = alice.call("POST", "/api/v1/statuses", json={
        "status": "Hello #conformance", "media_ids": [media["id"]],
        "language": "en"})
    ids["alice_status"] = mine["id"]
    alice.call("PUT", f"/api/v1/statuses/{mine['id']}", json={
        "status": "Hello #conformance, edited", "media_ids": [media["id"]]})
    alice.call("POST", f"/api/v1/statuses/{mine['id']}/pin")
    post = bob.call("POST", "/api/v1/statuses", json={
        "status": f"@{me['acct']} look #conformance", "visibility": "public"})
    ids["status"] = post["id"]
    poll = bob.call("POST", "/api/v1/statuses", json={
        "status": "Which?", "poll": {"options": ["this", "that"], "expires_in": 3600}})
    ids["poll"] = poll["poll"]["id"]
    alice.call("POST", f"/api/v1/polls/{ids['poll']}/votes", json={"choices": [0]})
    alice.call("POST", "/api/v1/statuses", json={
        "status": f"@{ids['bob_acct']} indeed", "in_reply_to_id": post["id"]})
    bob.call("POST", "/api/v1/statuses", json={
        "status": f"@{me['acct']} just us", "visibility": "direct"})
    for action in ("favourite", "reblog", "bookmark"):
        alice.call("POST", f"/api/v1/statuses/{post['id']}/{action}")
    bob.call("POST", f"/api/v1/statuses/{mine['id']}/favourite")
    # A scheduled post answers a ScheduledStatus, not the Status the spec
    # describes for this operation.
    scheduled = alice.call("POST", "/api/v1/statuses", validate=False, json={
        "status": "later", "scheduled_at": "2099-01-01T00:00:00Z"})
    ids["scheduled"] = scheduled["id"]

    lst = alice.call("POST", "/api/v1/lists", json={"title": "Friends"})
    ids["list"] = lst["id"]
    alice.call("POST", f"/api/v1/lists/{lst['id']}/accounts", json={"account_ids": [ids["bob"]]})
    filt = alice.call("POST", "/api/v2/filters", json={
        "title": "Spoilers", "context": ["home", "public"], "filter_action": "warn",
        "keywords_attributes": [{"keyword": "spoiler", "whole_word": True}]})
    ids["filter"] = filt["id"]
    ids["keyword"] = filt["keywords"][0]["id"]
    fs = alice.call("POST", f"/api/v2/filters/{filt['id']}/statuses", json={"status_id": post["id"]})
    ids["filter_status"] = fs["id"]
    alice.call("POST", "/api/v1/featured_tags", json={"name": "conformance"})
    alice.call("POST", "/api/v1/tags/conformance/follow")
    alice.call("POST", "/api/v1/markers", json={"home": {"last_read_id": post["id"]}})

    collection = alice.call("POST", "/api/v1/collections",
                            json={"name": "Conformance", "account_ids": [ids["bob"]]})
    ids["collection"] = collection["collection"]["id"]

    notes = alice.call("GET", "/api/v1/notifications")
    ids["notification"] = notes[0]["id"]
    groups = alice.call("GET", "/api/v2/notifications")
    ids["group_key"] = groups["notification_groups"][0]["group_key"]
    return alice, ids


def fill(path, ids):
    """The path with its placeholders filled, or None when nothing fits."""
    table = {
        "/api/v1/accounts/{id}": ids["bob"],
        "/api/v1/collections/{id}": ids["collection"],
        "/api/v1/filters/{id}": ids["keyword"],
        "/api/v1/lists/{id}": ids["list"],
        "/api/v1/media/{id}": ids["media"],
        "/api/v1/notifications/{id}": ids["notification"],
        "/api/v1/polls/{id}": ids["poll"],
        "/api/v1/scheduled_statuses/{id}": ids["scheduled"],
        "/api/v1/statuses/{id}": ids["status"],
        "/api/v2/filters/keywords/{id}": ids["keyword"],
        "/api/v2/filters/statuses/{id}": ids["filter_status"],
        "/api/v2/filters/{id}": ids["filter"],
    }
    values = {
        "account_id": ids["bob"], "filter_id": ids["filter"], "list_id": ids["list"],
        "hashtag": "conformance", "name": "conformance", "group_key": ids["group_key"],
        "year": "2026", "date": "2026-01-01",
    }

    # Only the caller's own account has collections featuring it to list.
    if path.endswith("/in_collections"):
        values["account_id"] = ids["alice"]

    def sub(m):
        key = m.group(1)
        if key == "id":
            for prefix, value in table.items():
                if path.startswith(prefix.split("{id}")[0]) and prefix.split("{id}")[0] != "":
                    return str(value)
            return None
        return values.get(key)

    out, missing = path, False
    for m in re.finditer(r"\{(\w+)\}", path):
        v = sub(m)
        if v is None:
            missing = True
        else:
            out = out.replace(m.group(0), v, 1)
    return None if missing else out


# Required query parameters, per path.
QUERY = {
    "/api/v1/accounts": lambda ids: {"id[]": [ids["alice"], ids["bob"]]},
    "/api/v1/statuses": lambda ids: {"id[]": [ids["status"], ids["alice_status"]]},
    "/api/v1/accounts/lookup": lambda ids: {"acct": ids["bob_acct"]},
    "/api/v1/accounts/relationships": lambda ids: {"id[]": [ids["bob"]]},
    "/api/v1/accounts/familiar_followers": lambda ids: {"id[]": [ids["bob"]]},
    "/api/v1/accounts/search": lambda ids: {"q": "bob"},
    "/api/v2/search": lambda ids: {"q": "bob"},
    "/api/v1/timelines/link": lambda ids: {"url": "https://example.org/"},
    "/api/oembed": lambda ids: {"url": BASE + "/@" + os.environ["ROOST_TEST_USERNAME"] + "/" + ids["alice_status"]},
    "/api/v1/streaming/health": None,
}

# Streams never end: their shape is checked by the streaming tests. The
# authorization endpoint is a page for browsers.
SKIP_PREFIXES = ("/api/v1/streaming", "/oauth/authorize")

# Where the OpenAPI description disagrees with Mastodon itself (its prose
# documentation, its serializers and the clients built on them), roost
# answers as Mastodon does; errors at these places are not counted.
ERRATA = {
    # Documented as "List of [V1::Filter]"; the schema says one object.
    ("GET /api/v1/filters", ""): "the list of V1 filters",
    # A string in Mastodon's serializer and in masto.js; the schema says integer.
    ("GET /api/v2/notifications", "most_recent_notification_id"): "ids are strings",
    ("GET /api/v2/notifications/{group_key}", "most_recent_notification_id"): "ids are strings",
}

# Answers not yet valid, with the open issue that makes them so.
KNOWN: dict = {}

# Operations served that answer 404 on this instance for a reason: nothing
# of theirs exists here (no terms of service, no push subscription, no
# notification request, no annual report, a post of someone else's source,
# no trending link).
EXPECTED_404 = {
    "/api/v1/annual_reports/{year}",
    "/api/v1/instance/domain_blocks",
    "/api/v1/instance/extended_description",
    "/api/v1/instance/privacy_policy",
    "/api/v1/instance/terms_of_service",
    "/api/v1/instance/terms_of_service/{date}",
    "/api/v1/notifications/requests/{id}",
    "/api/v1/push/subscription",
    "/api/v1/statuses/{id}/source",
    # No link trends on this instance: the link timeline is 404, as Mastodon's.
    "/api/v1/timelines/link",
}


def missing_in_docs():
    """The GET paths docs/api.md lists as missing."""
    here = os.path.dirname(os.path.abspath(__file__))
    out = set()
    with open(os.path.join(here, "..", "..", "docs", "api.md")) as f:
        for line in f:
            m = re.match(r"\| GET \| `([^`]+)` \| missing \|", line)
            if m:
                out.add(m.group(1))
    return out


def main():
    spec_path = os.environ["ROOST_OPENAPI"]
    with open(spec_path) as f:
        spec = json.load(f)
    SPEC.update(spec)
    alice, ids = setup()
    failures = list(WRITE_FAILURES)
    checked, unanswered = 0, []
    for path, ops in sorted(spec["paths"].items()):
        op = ops.get("get")
        if op is None or path.startswith(SKIP_PREFIXES) or path == "/health":
            continue
        url = fill(path, ids)
        if url is None:
            print(f"skip {path}: no value for its placeholders")
            continue
        query = QUERY.get(path)
        params = query(ids) if query else None
        r = alice.s.get(BASE + url, params=params, timeout=30)
        if r.status_code in (404, 405):
            unanswered.append((path, r.status_code))
            print(f"{r.status_code}  GET {path}")
            continue
        if not 200 <= r.status_code < 300:
            failures.append(f"GET {path}: HTTP {r.status_code} {r.text[:200]}")
            print(f"FAIL GET {path}: HTTP {r.status_code}")
            continue
        content = op.get("responses", {}).get("200", {}).get("content", {})
        schema = content.get("application/json", {}).get("schema")
        if schema is None:
            print(f"ok   GET {path} (no schema in the spec)")
            continue
        try:
            body = r.json()
        except ValueError:
            failures.append(f"GET {path}: not JSON: {r.text[:200]}")
            continue
        key = f"GET {path}"
        errors = schema_errors(key, op, body)
        checked += 1
        if errors and key in KNOWN:
            print(f"known GET {path}: {len(errors)} schema errors ({KNOWN[key]})")
        elif errors:
            for e in errors[:5]:
                where = "/".join(str(p) for p in e.absolute_path)
                failures.append(f"GET {path}: at /{where}: {e.message[:300]}")
            print(f"FAIL GET {path}: {len(errors)} schema errors")
        else:
            if key in KNOWN:
                failures.append(f"GET {path} is valid now: take it out of KNOWN")
            print(f"ok   GET {path}")
    documented = missing_in_docs()
    for path, status in unanswered:
        if path not in documented and path not in EXPECTED_404:
            failures.append(f"GET {path}: {status}, but docs/api.md does not list it as missing")
    for path in documented:
        if path in spec["paths"] and path not in [p for p, _ in unanswered] and fill(path, ids):
            failures.append(f"GET {path} answers, but docs/api.md lists it as missing")
    print(f"{checked} answers checked against their schemas; {len(unanswered)} not answered (404/405)")
    if failures:
        print("\n".join(failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except SystemExit:
        raise
    except Exception as e:  # noqa: BLE001
        print(f"unexpected error: {e!r}", file=sys.stderr)
        sys.exit(2)
