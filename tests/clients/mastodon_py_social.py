#!/usr/bin/env python3
"""Real-client social scenario: three accounts use roost through Mastodon.py.

Environment:
  ROOST_BASE_URL   e.g. http://127.0.0.1:18080. Nothing else is read: the
                   script signs up its own accounts (alice_<nonce>,
                   bob_<nonce>, carol_<nonce>; carol is locked), so reruns
                   against one server do not collide. It needs three sign-ups
                   from one address, within the default
                   limits.registrations_per_30min (5).

Run with the Python of the venv made from tests/clients/requirements.txt:
  .venv/bin/python tests/clients/mastodon_py_social.py

Prints one "ok: ..." line per check. Exit status: 0 when every check passed;
1 on a failed check, including a call that should have succeeded and got an
HTTP error (the message names the step and shows the last request and
response); 2 on an unexpected error (network, a bug in this script).

The day it walks through, in order (each step checks results, not just that
no exception was raised):
  1. sign-up through the API (app -> client_credentials token -> POST
     /api/v1/accounts), carol locks her account and logs in with the password
     grant;
  2. follows: alice follows bob; alice asks to follow carol (follow request,
     notification, authorize); bob follows alice (mutual, familiar followers);
  3. bob posts public, unlisted, followers-only and direct statuses; who sees
     what (home timeline order, conversations, 404s for carol and for
     anonymous, account statuses per viewer);
  4. alice replies (context, mention notification), favourites and boosts
     (notifications, favourited_by, reblogged_by, counts), then undoes both;
  5. bob edits a post (history, source) and deletes one (source text, 404);
  6. local public timeline and hashtag timeline (public only);
  7. Idempotency-Key; 8. failure paths (422s, 404s for others' posts, 401);
  9. pagination of the home timeline through Link headers (fetch_next and
     fetch_previous);
 10. notifications: types[]/exclude_types[]/account_id filters, one
     notification, markers, unread_count, dismiss, clear;
 11. alice blocks carol and mutes bob.

Mastodon's fan-out, notifications and counters run in background jobs, so
every "X eventually shows Y" check polls for up to EVENTUAL_TIMEOUT seconds,
as a client talking to Mastodon has to.
"""

import collections
import html
import os
import re
import secrets
import sys
import time
import traceback
import warnings

import requests
from mastodon import Mastodon, MastodonAPIError, MastodonError, MastodonNetworkError

SCOPES = ["read", "write", "follow", "push"]
OOB = "urn:ietf:wg:oauth:2.0:oob"
TIMEOUT = 30
EVENTUAL_TIMEOUT = 10.0
PAGE_POSTS = 25
PAGE_LIMIT = 10


def step(msg):
    print(f"ok: {msg}", flush=True)


# --------------------------------------------------------------- small helpers

def g(obj, *path):
    """Null-safe lookup into the dicts and lists Mastodon.py returns, so a
    missing field becomes a failed check rather than an AttributeError."""
    for p in path:
        if obj is None:
            return None
        if isinstance(p, int):
            obj = obj[p] if isinstance(obj, list) and -len(obj) <= p < len(obj) else None
        elif isinstance(obj, dict):
            obj = obj.get(p)
        else:
            return None
    return obj


def sid(obj):
    """The id of an entity (or an id), as the string Mastodon sends."""
    if isinstance(obj, dict):
        obj = obj.get("id")
    return None if obj is None else str(obj)


def ids(items):
    return [sid(x) for x in (items or [])]


def id_key(i):
    # Mastodon ids are strings of digits of varying length; clients order
    # them by length, then lexically (docs.joinmastodon.org/api/guidelines/#id).
    return (len(i), i)


def plain(content):
    """Text of a status's HTML content."""
    return html.unescape(re.sub(r"<[^>]*>", "", content or ""))


def summary(v, depth=0):
    """A short description of an API value for failure messages."""
    if isinstance(v, list):
        inner = ", ".join(summary(x, depth + 1) for x in v[:25])
        return f"[{inner}{', ...' if len(v) > 25 else ''}] ({len(v)} items)"
    if isinstance(v, dict):
        if "type" in v and "account" in v and "created_at" in v:  # Notification
            return f"<notification {sid(v)} {v.get('type')} from @{g(v, 'account', 'acct')} status={sid(g(v, 'status'))}>"
        if "visibility" in v and "content" in v:  # Status
            if v.get("reblog"):
                return f"<boost {sid(v)} by @{g(v, 'account', 'acct')} of {sid(v.get('reblog'))}>"
            return f"<status {sid(v)} {v.get('visibility')} @{g(v, 'account', 'acct')} {plain(v.get('content'))[:50]!r}>"
        if "last_status" in v and "accounts" in v:  # Conversation
            return f"<conversation {sid(v)} unread={v.get('unread')} with {[g(a, 'acct') for a in v.get('accounts') or []]} last={sid(v.get('last_status'))}>"
        if "username" in v and "acct" in v:  # Account
            return f"<account {sid(v)} @{v.get('acct')}>"
        text = repr(dict(v))
        return text if len(text) < 400 else text[:400] + "...}"
    return repr(v)[:400]


def api_error(e):
    """(HTTP status or None, the JSON "error" text) of a MastodonAPIError.
    Mastodon.py raises it as (msg, status, reason, error) for HTTP errors, and
    as (msg, detail) when a 2xx answer is not JSON."""
    if len(e.args) >= 4 and isinstance(e.args[1], int):
        return e.args[1], e.args[3]
    return None, " ".join(str(a) for a in e.args)


def describe(resp, limit=800):
    req = resp.request
    body = req.body
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if body and len(body) > 300:
        body = body[:300] + "...[cut]"
    text = resp.text
    if len(text) > limit:
        text = text[:limit] + "...[cut]"
    extra = ""
    if resp.headers.get("Link"):
        extra = f"; Link: {resp.headers['Link']}"
    return (
        f"{req.method} {req.url}"
        + (f" body={body!r}" if body else "")
        + f" -> {resp.status_code} ({resp.headers.get('Content-Type')}){extra}; body={text!r}"
    )


class Recorder:
    """Keeps the last HTTP exchanges (Mastodon.py and raw requests both go
    through requests.Session objects hooked here) for failure messages."""

    def __init__(self):
        self.log = collections.deque(maxlen=4)

    def session(self, label):
        s = requests.Session()
        s.hooks["response"].append(lambda r, *a, **k: self.log.append((label, r)))
        return s

    def dump(self):
        return "\n".join(f"  [{label}] {describe(r)}" for label, r in self.log)


class Account:
    def __init__(self, name):
        self.name = name
        self.username = None
        self.email = None
        self.password = None
        self.token = None
        self.id = None
        self.api = None

    def __repr__(self):
        return f"@{self.username}"


# -------------------------------------------------------------------- scenario

class Scenario:
    def __init__(self, base):
        self.base = base.rstrip("/")
        self.nonce = secrets.token_hex(4)
        self.tag = f"roosttest{self.nonce}"
        self.rec = Recorder()
        self.http = self.rec.session("raw")
        self.phase = "start"
        self.alice = Account("alice")
        self.bob = Account("bob")
        self.carol = Account("carol")

    # -- plumbing

    def client(self, acct, token):
        return Mastodon(
            access_token=token,
            client_id=self.client_id,
            client_secret=self.client_secret,
            api_base_url=self.base,
            version_check_mode="none",
            ratelimit_method="throw",
            request_timeout=TIMEOUT,
            session=self.rec.session(acct.name),
        )

    def raw(self, who, method, path, **kw):
        headers = dict(kw.pop("headers", {}))
        if who is not None:
            headers["Authorization"] = f"Bearer {who.token}"
        return self.http.request(method, self.base + path, headers=headers, timeout=TIMEOUT, **kw)

    def check(self, cond, msg):
        if not cond:
            raise AssertionError(msg)

    def eventually(self, fetch, ok, what, timeout=EVENTUAL_TIMEOUT):
        deadline = time.monotonic() + timeout
        while True:
            value = fetch()
            if ok(value):
                return value
            if time.monotonic() >= deadline:
                raise AssertionError(f"{what}: still not so after {timeout:.0f}s; last answer: {summary(value)}")
            time.sleep(0.25)

    def expect_error(self, what, codes, fn, *args, **kwargs):
        """Calls a Mastodon.py method that must fail with one of `codes`;
        Mastodon answers errors as JSON {"error": "..."}."""
        codes = (codes,) if isinstance(codes, int) else tuple(codes)
        try:
            result = fn(*args, **kwargs)
        except MastodonAPIError as e:
            code, message = api_error(e)
            self.check(code in codes, f"{what}: expected HTTP {'/'.join(map(str, codes))}, got {code} ({message!r})")
            self.check(isinstance(message, str) and message,
                       f"{what}: HTTP {code} as expected, but the body has no JSON \"error\" string (Mastodon always sends one)")
            return code
        raise AssertionError(f"{what}: expected HTTP {'/'.join(map(str, codes))}, but the call succeeded: {summary(result)}")

    def expect_raw(self, resp, codes, what):
        codes = (codes,) if isinstance(codes, int) else tuple(codes)
        self.check(resp.status_code in codes, f"{what}: expected HTTP {'/'.join(map(str, codes))}, got {describe(resp)}")
        if resp.status_code >= 400:
            try:
                body = resp.json()
            except ValueError:
                body = None
            self.check(isinstance(body, dict) and isinstance(body.get("error"), str),
                       f"{what}: error answer is not JSON with an \"error\" string: {describe(resp)}")
        return resp

    def relationship(self, who, target):
        rels = who.api.account_relationships(target.id)
        self.check(isinstance(rels, list) and len(rels) == 1,
                   f"GET /api/v1/accounts/relationships?id={target.id} as {who}: expected one Relationship, got {summary(rels)}")
        return rels[0]

    def check_rel(self, rel, target, what, **expected):
        self.check(sid(rel) == target.id, f"{what}: Relationship.id={sid(rel)!r}, expected {target}'s id {target.id!r}")
        for key, want in expected.items():
            self.check(g(rel, key) is want, f"{what}: Relationship.{key}={g(rel, key)!r}, expected {want!r}; got {summary(rel)}")

    def check_status(self, s, what, *, author, visibility, text):
        self.check(isinstance(s, dict) and sid(s), f"{what}: no Status in the answer: {summary(s)}")
        self.check(sid(g(s, "account")) == author.id, f"{what}: account.id={sid(g(s, 'account'))!r}, expected {author}'s {author.id!r}")
        self.check(g(s, "visibility") == visibility, f"{what}: visibility={g(s, 'visibility')!r}, expected {visibility!r}")
        self.check(text in plain(g(s, "content")), f"{what}: content {g(s, 'content')!r} does not show the text {text!r}")

    def home_ids(self, who, limit=40):
        return ids(who.api.timeline_home(limit=limit))

    # ------------------------------------------------------------- 1. sign-up

    def setup(self):
        self.phase = "1. sign-up and login"
        r = self.expect_raw(self.http.get(self.base + "/api/v2/instance", timeout=TIMEOUT), 200, "GET /api/v2/instance")
        self.max_chars = g(r.json(), "configuration", "statuses", "max_characters")
        self.check(isinstance(self.max_chars, int) and self.max_chars > 0,
                   f"/api/v2/instance configuration.statuses.max_characters={self.max_chars!r}, expected a positive integer")

        self.client_id, self.client_secret = Mastodon.create_app(
            "roost Mastodon.py social test", scopes=SCOPES, redirect_uris=OOB,
            website="https://example.org/roost-test", api_base_url=self.base,
            request_timeout=TIMEOUT, session=self.http,
        )
        step(f"Mastodon.create_app: client_id={self.client_id}")

        # Sign-up needs an app token (docs.joinmastodon.org/methods/accounts/#create):
        # Mastodon.log_in has no client_credentials grant, so ask for it directly.
        r = self.expect_raw(self.http.post(self.base + "/oauth/token", data={
            "grant_type": "client_credentials", "client_id": self.client_id,
            "client_secret": self.client_secret, "scope": " ".join(SCOPES),
        }, timeout=TIMEOUT), 200, "POST /oauth/token grant_type=client_credentials")
        self.app_token = r.json().get("access_token")
        self.check(self.app_token, f"client_credentials answer has no access_token: {describe(r)}")
        step("POST /oauth/token grant_type=client_credentials scope='read write follow push' -> app token")

        for acct in (self.alice, self.bob, self.carol):
            self.sign_up(acct)

        c = self.carol
        me = c.api.account_update_credentials(locked=True)
        self.check(g(me, "locked") is True, f"update_credentials(locked=True) answered locked={g(me, 'locked')!r}")
        step(f"{c} locked her account (PATCH update_credentials locked=1)")

        # carol goes on with a token from the password grant (the e-mail as username).
        m = Mastodon(client_id=self.client_id, client_secret=self.client_secret, api_base_url=self.base,
                     version_check_mode="none", ratelimit_method="throw", request_timeout=TIMEOUT,
                     session=self.rec.session("carol"))
        token = m.log_in(username=c.email, password=c.password, scopes=SCOPES, allow_http=True)
        self.check(token, "Mastodon.log_in(password grant) returned no token")
        c.token, c.api = token, m
        me = m.account_verify_credentials()
        self.check(g(me, "username") == c.username and g(me, "locked") is True,
                   f"{c}'s password-grant token: verify_credentials gave {summary(me)} locked={g(me, 'locked')!r}")
        step(f"{c} logged in with Mastodon.log_in(username=<e-mail>, password=...); verify_credentials shows locked=true")

    def sign_up(self, acct):
        acct.username = f"{acct.name}_{self.nonce}"
        acct.email = f"{acct.username}@example.org"
        acct.password = secrets.token_urlsafe(18)
        r = self.expect_raw(self.http.post(self.base + "/api/v1/accounts", headers={"Authorization": f"Bearer {self.app_token}"}, data={
            "username": acct.username, "email": acct.email, "password": acct.password,
            "agreement": "true", "locale": "en",
        }, timeout=TIMEOUT), 200, f"POST /api/v1/accounts for {acct.username}")
        acct.token = r.json().get("access_token")
        self.check(acct.token, f"sign-up answer has no access_token: {describe(r)}")
        acct.api = self.client(acct, acct.token)
        me = acct.api.account_verify_credentials()
        self.check(g(me, "username") == acct.username and g(me, "acct") == acct.username,
                   f"verify_credentials with {acct.username}'s sign-up token: {summary(me)}")
        self.check(g(me, "locked") is False, f"a new account must not be locked; {acct.username}: locked={g(me, 'locked')!r}")
        acct.id = sid(me)
        step(f"signed up @{acct.username} (id {acct.id}) via POST /api/v1/accounts; its token works")

    # ------------------------------------------------------------- 2. follows

    def follows(self):
        self.phase = "2. follows and follow requests"
        a, b, c = self.alice, self.bob, self.carol

        rel = a.api.account_follow(b.id)
        self.check_rel(rel, b, f"{a} follows {b}", following=True, requested=False, followed_by=False)
        self.check_rel(self.relationship(a, b), b, f"{a}'s relationship to {b}", following=True, requested=False)
        step(f"{a} follows {b}: POST /accounts/:id/follow and GET /accounts/relationships say following=true")
        self.eventually(lambda: b.api.notifications(types=["follow"]),
                        lambda ns: any(g(n, "type") == "follow" and sid(g(n, "account")) == a.id for n in ns),
                        f"{b} gets a `follow` notification from {a}")
        step(f"{b} has a `follow` notification from {a}")

        # Locked account: the follow becomes a request
        # (docs.joinmastodon.org/methods/follow_requests/).
        rel = a.api.account_follow(c.id)
        self.check_rel(rel, c, f"{a} follows locked {c}", following=False, requested=True)
        self.check_rel(self.relationship(a, c), c, f"{a}'s relationship to locked {c}", following=False, requested=True)
        step(f"{a} -> locked {c}: relationship requested=true, following=false")
        reqs = c.api.follow_requests()
        self.check(a.id in ids(reqs), f"{c}'s GET /api/v1/follow_requests lacks {a}: {summary(reqs)}")
        step(f"{c}'s follow_requests() lists {a}")
        # requested_by: "Has this user requested to follow you?" (4.1.0,
        # docs.joinmastodon.org/entities/Relationship/#requested_by)
        self.check_rel(self.relationship(c, a), a, f"{c}'s relationship to {a}", requested_by=True, followed_by=False)
        step(f"{c}'s relationship to {a}: requested_by=true")
        self.eventually(lambda: c.api.notifications(),
                        lambda ns: any(g(n, "type") == "follow_request" and sid(g(n, "account")) == a.id for n in ns),
                        f"{c} gets a `follow_request` notification from {a}")
        step(f"{c} has a `follow_request` notification from {a}")

        rel = c.api.follow_request_authorize(a.id)
        self.check_rel(rel, a, f"{c} authorizes {a} (POST /api/v1/follow_requests/:id/authorize)", followed_by=True)
        self.check(a.id not in ids(c.api.follow_requests()), f"{a} is still in {c}'s follow_requests() after authorize")
        self.check_rel(self.relationship(a, c), c, f"{a}'s relationship to {c} after authorize", following=True, requested=False)
        step(f"{c} authorized {a}: follow_requests() empty of {a}; {a} now following=true, requested=false")

        rel = b.api.account_follow(a.id)
        self.check_rel(rel, a, f"{b} follows {a}", following=True, followed_by=True)
        self.check_rel(self.relationship(a, b), b, f"{a}'s relationship to {b} (mutual)", following=True, followed_by=True)
        step(f"{b} follows {a}: mutual (following=true, followed_by=true both ways)")

        # Familiar followers of carol as seen by bob: accounts bob follows that
        # follow carol = [alice] (docs.joinmastodon.org/methods/accounts/#familiar_followers).
        def check_ff(ff, how):
            self.check(isinstance(ff, list) and len(ff) == 1 and sid(ff[0]) == c.id,
                       f"familiar_followers ({how}): expected one entry with id {c.id}, got {summary(ff)}")
            self.check(ids(g(ff[0], "accounts")) == [a.id],
                       f"familiar_followers ({how}) of {c} as {b}: accounts={summary(g(ff[0], 'accounts'))}, expected [{a}]")
        r = self.expect_raw(self.raw(b, "GET", "/api/v1/accounts/familiar_followers", params={"id[]": c.id}), 200,
                            "GET /api/v1/accounts/familiar_followers?id[]=")
        check_ff(r.json(), "query id[]=")
        # Mastodon.py sends the ids as a JSON body on a GET ({"id": [...]}).
        check_ff(b.api.account_familiar_followers(c.id), "Mastodon.py: GET with JSON body {\"id\": [...]}")
        step(f"familiar_followers of {c} for {b} = [{a}] (query id[]= and Mastodon.py's JSON body)")

        following = ids(a.api.account_following(a.id))
        self.check({b.id, c.id} <= set(following), f"{a}'s following list lacks {b} or {c}: {following}")
        followers = ids(c.api.account_followers(c.id))
        self.check(a.id in followers, f"{c}'s followers list lacks {a}: {followers}")
        step(f"GET /accounts/:id/following and /followers list the new follows")

    # ------------------------------------------------------------ 3. statuses

    def statuses(self):
        self.phase = "3. posting with each visibility; who sees what"
        a, b, c = self.alice, self.bob, self.carol
        n = self.nonce
        self.t_public = f"Hello from bob, public #{self.tag} {n}"
        self.public = b.api.status_post(self.t_public, visibility="public")
        self.check_status(self.public, "public post", author=b, visibility="public", text=f"Hello from bob, public #{self.tag}")
        tags = [str(g(t, "name")).lower() for t in g(self.public, "tags") or []]
        self.check(self.tag in tags, f"public post tags={g(self.public, 'tags')!r}, expected one named {self.tag!r}")
        self.unlisted = b.api.status_post(f"bob unlisted #{self.tag} {n}", visibility="unlisted")
        self.check_status(self.unlisted, "unlisted post", author=b, visibility="unlisted", text="bob unlisted")
        self.private = b.api.status_post(f"bob followers only {n}", visibility="private")
        self.check_status(self.private, "private post", author=b, visibility="private", text="bob followers only")
        self.dm = b.api.status_post(f"@{a.username} a secret for you {n}", visibility="direct")
        self.check_status(self.dm, "direct post", author=b, visibility="direct", text=f"@{a.username} a secret for you")
        self.check(a.id in ids(g(self.dm, "mentions")), f"direct post mentions={g(self.dm, 'mentions')!r}, expected {a}")
        step(f"{b} posted public (#{self.tag}), unlisted, private and direct (@{a.username}) statuses")

        pub, unl, prv, dm = sid(self.public), sid(self.unlisted), sid(self.private), sid(self.dm)
        home = self.eventually(lambda: self.home_ids(a), lambda h: {pub, unl, prv} <= set(h),
                               f"{a}'s home timeline shows {b}'s public, unlisted and private posts")
        self.check(home.index(prv) < home.index(unl) < home.index(pub),
                   f"{a}'s home is not newest first: private/unlisted/public at {home.index(prv)}/{home.index(unl)}/{home.index(pub)} in {home}")
        self.check(home == sorted(home, key=id_key, reverse=True) and len(set(home)) == len(home),
                   f"{a}'s home ids are not strictly descending: {home}")
        # Whether the DM also shows in alice's home is not checked: the user
        # docs say a direct post "will not appear in the home timeline"
        # (docs.joinmastodon.org/user/posting/#private), while Mastodon's
        # FanOutOnWriteService delivers it to mentioned followers' homes.
        step(f"{a}'s home shows private, unlisted, public newest first (ids descending)")

        for s, what in ((self.private, "private"), (self.dm, "direct")):
            got = a.api.status(sid(s))
            self.check(sid(got) == sid(s), f"{a} GET /api/v1/statuses/{sid(s)} ({what}): {summary(got)}")
        step(f"{a} (follower, mentioned) can GET the private and the direct post")

        convs = self.eventually(lambda: a.api.conversations(),
                                lambda cs: any(sid(g(x, "last_status")) == dm for x in cs),
                                f"{a}'s conversations() has the DM as last_status")
        conv = next(x for x in convs if sid(g(x, "last_status")) == dm)
        self.check(b.id in ids(g(conv, "accounts")), f"conversation accounts lack {b}: {summary(conv)}")
        self.check(g(conv, "unread") is True, f"the DM's conversation must be unread for the recipient {a}: {summary(conv)}")
        read = a.api.conversations_read(sid(conv))
        self.check(g(read, "unread") is False, f"POST /api/v1/conversations/:id/read answered {summary(read)}")
        step(f"{a}'s conversations(): the DM with {b}, unread=true; conversations_read -> unread=false")
        self.eventually(lambda: b.api.conversations(), lambda cs: any(sid(g(x, "last_status")) == dm for x in cs),
                        f"the sender {b}'s conversations() has the DM too")
        self.eventually(lambda: a.api.notifications(types=["mention"]),
                        lambda ns: any(g(x, "type") == "mention" and sid(g(x, "status")) == dm for x in ns),
                        f"{a} gets a `mention` notification for the DM")
        step(f"{b}'s conversations() has the DM; {a} has a `mention` notification for it")

        # A private post is a 404 to whoever may not see it
        # (docs.joinmastodon.org/methods/statuses/#get: "Status does not exist or is private").
        self.expect_error(f"{c} (not a follower) GET bob's private post", 404, c.api.status, prv)
        self.expect_error(f"{c} (not mentioned) GET bob's DM", 404, c.api.status, dm)
        self.expect_error(f"{c} GET /statuses/:id/context of bob's private post", 404, c.api.status_context, prv)
        step(f"{c} gets 404 for {b}'s private post, its context, and the DM")
        self.expect_raw(self.raw(None, "GET", f"/api/v1/statuses/{prv}"), 404, "anonymous GET of a private post")
        self.expect_raw(self.raw(None, "GET", f"/api/v1/statuses/{dm}"), 404, "anonymous GET of a DM")
        r = self.expect_raw(self.raw(None, "GET", f"/api/v1/statuses/{pub}"), 200, "anonymous GET of a public post")
        self.check(sid(r.json()) == pub, f"anonymous GET of the public post: {describe(r)}")
        step("anonymous: public post 200, private post and DM 404")

        # Account statuses per viewer: public+unlisted for others, +private for
        # followers, +posts mentioning the viewer (Mastodon's AccountStatusesFilter).
        seen = ids(c.api.account_statuses(b.id, limit=40))
        self.check(pub in seen and unl in seen, f"{c}'s view of {b}'s statuses lacks the public/unlisted post: {seen}")
        self.check(prv not in seen and dm not in seen, f"{c}'s view of {b}'s statuses shows the private or direct post: {seen}")
        step(f"{c}'s GET /accounts/:id/statuses for {b}: public and unlisted only")
        seen = ids(a.api.account_statuses(b.id, limit=40))
        self.check({pub, unl, prv, dm} <= set(seen), f"{a}'s view of {b}'s statuses should have all four posts: {seen}")
        step(f"{a}'s (follower, mentioned) view of {b}'s statuses has all four")

    # --------------------------------------------------------- 4. interactions

    def interactions(self):
        self.phase = "4. reply, favourite, boost"
        a, b = self.alice, self.bob
        pub = sid(self.public)

        self.reply = a.api.status_reply(self.public, f"Nice post {self.nonce}")
        self.check(sid(g(self.reply, "in_reply_to_id")) == pub,
                   f"reply in_reply_to_id={g(self.reply, 'in_reply_to_id')!r}, expected {pub}")
        self.check(sid(g(self.reply, "in_reply_to_account_id")) == b.id,
                   f"reply in_reply_to_account_id={g(self.reply, 'in_reply_to_account_id')!r}, expected {b.id}")
        self.check(b.id in ids(g(self.reply, "mentions")), f"reply mentions={g(self.reply, 'mentions')!r}, expected {b}")
        self.check(g(self.reply, "visibility") == "public", f"status_reply keeps the public visibility: {summary(self.reply)}")
        step(f"{a} replied (status_reply: in_reply_to_id, @mention of {b})")
        ctx = b.api.status_context(pub)
        self.check(sid(self.reply) in ids(g(ctx, "descendants")), f"{b}'s status_context(public).descendants lacks the reply: {summary(ctx)}")
        self.check(ids(g(ctx, "ancestors")) == [], f"status_context(public).ancestors should be empty: {summary(g(ctx, 'ancestors'))}")
        ctx = a.api.status_context(sid(self.reply))
        self.check(ids(g(ctx, "ancestors")) == [pub], f"status_context(reply).ancestors={ids(g(ctx, 'ancestors'))}, expected [{pub}]")
        step("GET /statuses/:id/context: the reply is a descendant; the post is the reply's ancestor")
        self.eventually(lambda: b.api.notifications(types=["mention"]),
                        lambda ns: any(g(x, "type") == "mention" and sid(g(x, "status")) == sid(self.reply)
                                       and sid(g(x, "account")) == a.id for x in ns),
                        f"{b} gets a `mention` notification for {a}'s reply")
        step(f"{b} has a `mention` notification for the reply")

        fav = a.api.status_favourite(pub)
        self.check(sid(fav) == pub and g(fav, "favourited") is True and g(fav, "favourites_count") == 1,
                   f"POST /statuses/:id/favourite: id={sid(fav)} favourited={g(fav, 'favourited')!r} favourites_count={g(fav, 'favourites_count')!r}, expected {pub}/True/1")
        boost = a.api.status_reblog(pub)
        # The answer is the boost itself, wrapping the original
        # (docs.joinmastodon.org/methods/statuses/#boost).
        self.check(sid(g(boost, "reblog")) == pub and sid(boost) != pub,
                   f"POST /statuses/:id/reblog should answer the new boost (own id) with reblog.id={pub}: {summary(boost)}")
        self.check(sid(g(boost, "account")) == a.id, f"the boost's account should be {a}: {summary(boost)}")
        self.check(g(boost, "reblog", "reblogged") is True and g(boost, "reblog", "reblogs_count") == 1,
                   f"boost.reblog: reblogged={g(boost, 'reblog', 'reblogged')!r} reblogs_count={g(boost, 'reblog', 'reblogs_count')!r}, expected True/1")
        step(f"{a} favourited (favourited=true, count 1) and boosted (wrapper status, reblog.reblogged=true, count 1)")

        for kind in ("favourite", "reblog"):
            # The notification's status is the boosted/favourited post itself.
            self.eventually(lambda: b.api.notifications(),
                            lambda ns: any(g(x, "type") == kind and sid(g(x, "account")) == a.id and sid(g(x, "status")) == pub for x in ns),
                            f"{b} gets a `{kind}` notification from {a} for the public post")
        step(f"{b} has `favourite` and `reblog` notifications from {a} carrying the post")
        favs, boosts = b.api.status_favourited_by(pub), b.api.status_reblogged_by(pub)
        self.check(ids(favs) == [a.id], f"GET /statuses/:id/favourited_by: {summary(favs)}, expected [{a}]")
        self.check(ids(boosts) == [a.id], f"GET /statuses/:id/reblogged_by: {summary(boosts)}, expected [{a}]")
        seen = self.eventually(lambda: b.api.status(pub),
                               lambda s: g(s, "favourites_count") == 1 and g(s, "reblogs_count") == 1,
                               f"{b}'s view of the post: favourites_count and reblogs_count 1")
        self.check(g(seen, "favourited") is False and g(seen, "reblogged") is False,
                   f"favourited/reblogged are the viewer's ({b}'s) own state, expected false: {summary(seen)}")
        mine = a.api.status(pub)
        self.check(g(mine, "favourited") is True and g(mine, "reblogged") is True,
                   f"{a}'s view of the post: favourited={g(mine, 'favourited')!r} reblogged={g(mine, 'reblogged')!r}, expected True/True")
        step(f"favourited_by and reblogged_by list {a}; counts 1; favourited/reblogged per viewer")

        unfav = a.api.status_unfavourite(pub)
        self.check(sid(unfav) == pub and g(unfav, "favourited") is False and g(unfav, "favourites_count") == 0,
                   f"unfavourite: {summary(unfav)} favourited={g(unfav, 'favourited')!r} count={g(unfav, 'favourites_count')!r}")
        unboost = a.api.status_unreblog(pub)
        # unreblog answers the original status (docs.joinmastodon.org/methods/statuses/#unreblog).
        self.check(sid(unboost) == pub and g(unboost, "reblogged") is False,
                   f"unreblog should answer the original post with reblogged=false: {summary(unboost)} reblogged={g(unboost, 'reblogged')!r}")
        self.check(ids(b.api.status_favourited_by(pub)) == [], "favourited_by is not empty after unfavourite")
        self.check(ids(b.api.status_reblogged_by(pub)) == [], "reblogged_by is not empty after unreblog")
        self.eventually(lambda: b.api.status(pub),
                        lambda s: g(s, "favourites_count") == 0 and g(s, "reblogs_count") == 0,
                        "counts back to 0 after unfavourite/unreblog")
        self.expect_error("the undone boost is gone", 404, a.api.status, sid(boost))
        step("unfavourite/unreblog undo both: lists empty, counts 0, the boost is a 404")

    # ------------------------------------------------------- 5. edit / delete

    def edit_delete(self):
        self.phase = "5. edit and delete"
        a, b = self.alice, self.bob
        n = self.nonce
        v1, v2 = f"first draft {n}", f"second draft {n}"
        s = b.api.status_post(v1)
        self.check(g(s, "edited_at") is None, f"a new post has edited_at={g(s, 'edited_at')!r}, expected null")
        e = b.api.status_update(sid(s), v2)
        self.check(sid(e) == sid(s) and v2 in plain(g(e, "content")) and g(e, "edited_at") is not None,
                   f"PUT /api/v1/statuses/:id answered {summary(e)} edited_at={g(e, 'edited_at')!r}")
        step("status_update (PUT /api/v1/statuses/:id): same id, new content, edited_at set")
        hist = b.api.status_history(sid(s))
        self.check(isinstance(hist, list) and len(hist) == 2, f"status_history: expected 2 entries (original and edit), got {summary(hist)}")
        self.check(v1 in plain(g(hist, 0, "content")) and v2 in plain(g(hist, 1, "content")),
                   f"status_history is not oldest first [v1, v2]: {[plain(g(h, 'content')) for h in hist]}")
        src = b.api.status_source(sid(s))
        self.check(g(src, "text") == v2 and sid(src) == sid(s), f"GET /statuses/:id/source: {summary(src)}, expected text={v2!r}")
        step("status_history has 2 entries (original first); status_source has the new plain text")
        self.edited = s

        text = f"delete me #{self.tag}del {n}"
        d = b.api.status_post(text)
        gone = b.api.status_delete(sid(d))
        self.check(sid(gone) == sid(d), f"DELETE /api/v1/statuses/:id answered another status: {summary(gone)}")
        # "delete & redraft": the answer carries the source text
        # (docs.joinmastodon.org/methods/statuses/#delete).
        self.check(g(gone, "text") == text, f"status_delete answer text={g(gone, 'text')!r}, expected the source {text!r}")
        self.expect_error("GET a deleted post (author)", 404, b.api.status, sid(d))
        self.expect_error("GET a deleted post (follower)", 404, a.api.status, sid(d))
        self.check(sid(d) not in ids(b.api.account_statuses(b.id, limit=40)), "the deleted post still shows in the author's statuses")
        step("status_delete returned the source `text`; the post is a 404 afterwards and gone from the account's statuses")

    # ------------------------------------------------------- 6. public / tags

    def public_timelines(self):
        self.phase = "6. public and hashtag timelines"
        a = self.alice
        pub, unl, prv, dm = sid(self.public), sid(self.unlisted), sid(self.private), sid(self.dm)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            local = self.eventually(lambda: ids(a.api.timeline_public(local=True, limit=40)), lambda t: pub in t,
                                    "the local public timeline shows bob's public post")
            tagged = self.eventually(lambda: ids(a.api.timeline_hashtag(self.tag, limit=40)), lambda t: pub in t,
                                     f"the #{self.tag} timeline shows bob's public post")
        unavailable = [str(w.message) for w in caught if "unavailable" in str(w.message)]
        self.check(not unavailable, f"Mastodon.py warned {unavailable}: /api/v2/instance configuration.timelines_access says the feed is off")
        # Unlisted = "not included in public timelines" (hashtag timelines
        # included); private and direct never are (docs.joinmastodon.org/user/posting/#privacy).
        self.check(not {unl, prv, dm} & set(local), f"local public timeline shows a non-public post: {local}")
        self.check(local == sorted(local, key=id_key, reverse=True), f"local public timeline not newest first: {local}")
        step("GET /api/v1/timelines/public?local=1 shows the public post, not the unlisted/private/direct ones")
        self.check(unl not in tagged, f"#{self.tag} timeline shows the unlisted post (Mastodon's hashtag timelines are public-only): {tagged}")
        step(f"GET /api/v1/timelines/tag/{self.tag} shows the public post, not the unlisted one that has the tag too")
        upper = ids(a.api.timeline_hashtag(self.tag.upper(), limit=40))
        self.check(pub in upper, f"hashtags are case-insensitive: /timelines/tag/{self.tag.upper()} lacks the post: {upper}")
        step("the hashtag timeline is case-insensitive")

    # --------------------------------------------------------- 7. idempotency

    def idempotency(self):
        self.phase = "7. Idempotency-Key"
        b = self.bob
        key = f"roost-idem-{self.nonce}"
        text = f"posted once {self.nonce}"
        s1 = b.api.status_post(text, idempotency_key=key)
        s2 = b.api.status_post(text, idempotency_key=key)
        self.check(sid(s1) == sid(s2), f"two POSTs with Idempotency-Key {key!r} made two posts: {sid(s1)} and {sid(s2)}")
        s3 = b.api.status_post(text, idempotency_key=key + "-other")
        self.check(sid(s3) != sid(s1), "a different Idempotency-Key returned the same post")
        mine = [x for x in b.api.account_statuses(b.id, limit=40) if text in plain(g(x, "content"))]
        self.check(sorted(ids(mine)) == sorted({sid(s1), sid(s3)}), f"expected exactly 2 posts with {text!r}: {summary(mine)}")
        step("the same Idempotency-Key twice gives the same post; another key a new one")

    # ------------------------------------------------------------ 8. failures

    def failures(self):
        self.phase = "8. failure paths"
        a, b = self.alice, self.bob
        pub = sid(self.public)
        # docs.joinmastodon.org/methods/statuses/#create: 422 "Validation failed: Text can't be blank"
        self.expect_error("empty status", 422, b.api.status_post, "")
        step("POST /api/v1/statuses with status='' -> 422")
        # Mastodon.py validates visibility itself, so send it raw.
        r = self.raw(b, "POST", "/api/v1/statuses", data={"status": "hello", "visibility": "friends"})
        self.expect_raw(r, 422, "POST /api/v1/statuses visibility=friends")
        step("unknown visibility -> 422")
        self.expect_error(f"a post of {self.max_chars + 1} characters", 422, b.api.status_post, "x" * (self.max_chars + 1))
        ok = b.api.status_post("y" * self.max_chars, visibility="unlisted")
        self.check(len(plain(g(ok, "content"))) == self.max_chars, f"a post of exactly max_characters: {summary(ok)}")
        step(f"max_characters={self.max_chars}: one more is 422, exactly that many is accepted")

        # Others' posts: docs.joinmastodon.org/methods/statuses/#edit and #delete
        # answer 404 "Status does not exist, is private, or is not owned by you".
        self.expect_error(f"{a} edits {self.bob}'s post", 404, a.api.status_update, pub, "hijacked")
        self.expect_error(f"{a} deletes {self.bob}'s post", 404, a.api.status_delete, pub)
        still = b.api.status(pub)
        self.check(plain(g(still, "content")).startswith("Hello from bob") and g(still, "edited_at") is None,
                   f"after the refused edit/delete the post changed: {summary(still)}")
        step("editing or deleting another account's post -> 404, the post unchanged")

        poll = b.api.status_post(f"tea or coffee {self.nonce}", poll=b.api.make_poll(["tea", "coffee"], expires_in=3600))
        opts = [g(o, "title") for o in g(poll, "poll", "options") or []]
        self.check(opts == ["tea", "coffee"] and g(poll, "poll", "multiple") is False and g(poll, "poll", "expired") is False,
                   f"a two-option poll (Mastodon.py sends JSON with \"sensitive\": \"0\"): poll={g(poll, 'poll')!r}")
        step("a poll with two options (JSON body) is created")
        self.expect_error("a poll with one option", 422, b.api.status_post, f"only one {self.nonce}",
                          poll=b.api.make_poll(["lonely"], expires_in=3600))
        step("a poll with one option -> 422")
        r = self.raw(None, "POST", "/api/v1/statuses", data={"status": "who am I"})
        self.expect_raw(r, 401, "POST /api/v1/statuses without a token")
        step("posting without a token -> 401")

    # ---------------------------------------------------------- 9. pagination

    def pagination(self):
        self.phase = "9. home timeline pagination"
        a, b = self.alice, self.bob
        posted = [sid(b.api.status_post(f"page post {i} {self.nonce}")) for i in range(PAGE_POSTS)]
        step(f"{b} posted {PAGE_POSTS} statuses")
        self.eventually(lambda: self.home_ids(a, limit=PAGE_LIMIT), lambda h: posted[-1] in h,
                        f"{a}'s home shows {b}'s newest post")

        first = a.api.timeline_home(limit=PAGE_LIMIT)
        self.check(len(first) == PAGE_LIMIT, f"home?limit={PAGE_LIMIT} gave {len(first)} items")
        self.check(getattr(first, "_pagination_next", None) is not None,
                   "the first home page has no usable Link rel=\"next\" header (Mastodon.py needs a max_id= in its URL)")
        seen, pages, page = [], [], first
        while page:
            self.check(len(page) <= PAGE_LIMIT, f"a page has {len(page)} items, limit was {PAGE_LIMIT}")
            again = [i for i in ids(page) if i in seen]
            self.check(not again, f"page {len(pages) + 1} repeats ids of earlier pages: {again} (max_id is exclusive: "
                                  f"\"All results returned will be lesser than this ID\"); pages so far: {pages}")
            pages.append(ids(page))
            seen.extend(ids(page))
            self.check(len(pages) <= 100, "more than 100 pages: the Link next header does not move forward")
            page = a.api.fetch_next(page)
        self.check(seen == sorted(seen, key=id_key, reverse=True), f"paged ids not strictly descending: {pages}")
        missing = [i for i in posted if i not in seen]
        self.check(not missing, f"{len(missing)} of {b}'s {PAGE_POSTS} posts never came while paging: {missing}; pages: {pages}")
        self.check(len(pages) >= 3, f"only {len(pages)} pages for more than {PAGE_POSTS} items at limit {PAGE_LIMIT}")
        step(f"walked {a}'s home with limit={PAGE_LIMIT} via fetch_next (Link max_id): {len(seen)} ids in {len(pages)} pages, each once, descending")

        second = a.api.fetch_next(first)
        back = a.api.fetch_previous(second)
        self.check(back is not None and ids(back) == ids(first),
                   f"fetch_previous (Link rel=\"prev\" with min_id) from page 2 should give page 1 {ids(first)}, got {ids(back) if back is not None else None}")
        step("fetch_previous from page 2 (Link rel=prev, min_id) gives page 1 again")

        since = ids(a.api.timeline_home(since_id=posted[-3], limit=40))
        self.check(since[:2] == [posted[-1], posted[-2]] and posted[-3] not in since,
                   f"since_id={posted[-3]}: expected the two newer posts first, got {since[:5]}")
        step("since_id returns only newer items")

    # ------------------------------------------------------- 10. notifications

    def notifications(self):
        self.phase = "10. notifications, markers, unread count"
        a, b = self.alice, self.bob
        everything = b.api.notifications(limit=40)
        kinds = {g(x, "type") for x in everything}
        self.check({"follow", "mention"} <= kinds, f"{b}'s notifications lack follow or mention: {summary(everything)}")
        nids = ids(everything)
        self.check(nids == sorted(nids, key=id_key, reverse=True), f"notifications not newest first: {nids}")

        mentions = b.api.notifications(types=["mention"])
        self.check(mentions and all(g(x, "type") == "mention" for x in mentions),
                   f"notifications(types=['mention']) (types[]=mention): {summary(mentions)}")
        self.check(sid(self.reply) in [sid(g(x, "status")) for x in mentions], f"the reply's mention is missing: {summary(mentions)}")
        others = b.api.notifications(exclude_types=["mention"])
        self.check(others and all(g(x, "type") != "mention" for x in others),
                   f"notifications(exclude_types=['mention']): {summary(others)}")
        from_alice = b.api.notifications(account_id=a.id)
        self.check(from_alice and all(sid(g(x, "account")) == a.id for x in from_alice),
                   f"notifications(account_id={a.id}): {summary(from_alice)}")
        step("notifications filter by types[], exclude_types[] and account_id")
        one = b.api.notifications(id=sid(everything[0]))
        self.check(sid(one) == sid(everything[0]) and g(one, "type") == g(everything[0], "type"),
                   f"GET /api/v1/notifications/:id: {summary(one)}")
        step("GET /api/v1/notifications/:id returns that notification")

        newest = sid(everything[0])
        set_ = b.api.markers_set(["notifications"], [newest])
        self.check(sid(g(set_, "notifications", "last_read_id")) == newest, f"POST /api/v1/markers answered {set_!r}")
        got = b.api.markers_get(["notifications"])
        self.check(sid(g(got, "notifications", "last_read_id")) == newest, f"GET /api/v1/markers?timeline[]=notifications: {got!r}")
        step("markers_set/markers_get: notifications last_read_id round-trips")
        # Unread = newer than the notifications marker
        # (docs.joinmastodon.org/methods/notifications/#unread-count).
        count = b.api.notifications_unread_count()
        self.check(g(count, "count") == 0, f"unread_count with the marker at the newest notification: {count!r}, expected 0")
        a.api.status_favourite(sid(self.edited))
        self.eventually(lambda: b.api.notifications_unread_count(), lambda c: g(c, "count") == 1,
                        "unread_count after one new favourite")
        step("GET /api/v1/notifications/unread_count: 0 at the marker, 1 after a new favourite")

        fav = next((x for x in b.api.notifications(types=["favourite"]) if sid(g(x, "status")) == sid(self.edited)), None)
        self.check(fav is not None, f"the new favourite notification is missing")
        b.api.notifications_dismiss(sid(fav))
        self.expect_error("GET a dismissed notification", 404, b.api.notifications, id=sid(fav))
        step("POST /api/v1/notifications/:id/dismiss removes it (then 404)")
        b.api.notifications_clear()
        left = b.api.notifications()
        self.check(left == [], f"notifications after POST /api/v1/notifications/clear: {summary(left)}")
        count = b.api.notifications_unread_count()
        self.check(g(count, "count") == 0, f"unread_count after clear: {count!r}")
        step("notifications_clear empties the list; unread_count 0")

    # ------------------------------------------------------- 11. block / mute

    def block_mute(self):
        self.phase = "11. block and mute"
        a, b, c = self.alice, self.bob, self.carol
        post = a.api.status_post(f"alice says hi {self.nonce}", visibility="public")
        self.check(sid(c.api.status(sid(post))) == sid(post), f"{c} cannot see {a}'s public post before the block")

        rel = a.api.account_block(c.id)
        # Blocking removes follows both ways (docs.joinmastodon.org/user/moderating/#block).
        self.check_rel(rel, c, f"{a} blocks {c}", blocking=True, following=False)
        self.check_rel(self.relationship(a, c), c, f"{a}'s relationship to {c} after the block", blocking=True, following=False)
        self.check_rel(self.relationship(c, a), a, f"{c}'s relationship to {a} after the block", blocked_by=True, followed_by=False)
        step(f"{a} blocked {c}: blocking=true, the follow is gone; {c} sees blocked_by=true")
        # What the blocked one sees: Mastodon's AccountStatusesFilter gives a
        # blocked viewer no statuses (200 []); single posts are a 404
        # (StatusPolicy#show?, "Status does not exist or is private").
        try:
            shown = c.api.account_statuses(a.id)
        except MastodonAPIError as e:
            code, message = api_error(e)
            self.check(code == 404, f"{c}'s GET /accounts/{a.id}/statuses after the block: HTTP {code} ({message!r}), expected 200 [] or 404")
            shown = []
        self.check(shown == [], f"{c} still sees {a}'s statuses after the block: {summary(shown)}")
        self.expect_error(f"{c} GET {a}'s public post after the block", 404, c.api.status, sid(post))
        step(f"{c} no longer sees {a}'s posts (account statuses empty, the post 404)")
        # docs.joinmastodon.org/methods/accounts/#follow: 403 "Trying to follow
        # someone that you block or that blocks you".
        self.expect_error(f"{c} follows {a} who blocks her", 403, c.api.account_follow, a.id)
        self.expect_error(f"{a} follows {c} whom she blocks", 403, a.api.account_follow, c.id)
        step("following across a block -> 403 either way")

        rel = a.api.account_mute(b.id)
        self.check_rel(rel, b, f"{a} mutes {b}", muting=True, muting_notifications=True, following=True)
        self.check(b.id in ids(a.api.mutes()), f"GET /api/v1/mutes lacks {b}")
        step(f"{a} muted {b}: muting=true, muting_notifications=true, still following; /api/v1/mutes lists {b}")
        hidden = sid(b.api.status_post(f"bob after the mute {self.nonce}"))
        control = sid(a.api.status_post(f"alice after the mute {self.nonce}"))
        home = self.eventually(lambda: self.home_ids(a), lambda h: control in h, f"{a}'s own new post reaches her home")
        self.check(hidden not in home, f"{b}'s post made after the mute is in {a}'s home: {home}")
        step(f"{b}'s new post is not in {a}'s home (her own later post is)")

    def run(self):
        self.setup()
        self.follows()
        self.statuses()
        self.interactions()
        self.edit_delete()
        self.public_timelines()
        self.idempotency()
        self.failures()
        self.pagination()
        self.notifications()
        self.block_mute()
        print("PASS: Mastodon.py social scenario", flush=True)


def main():
    base = os.environ.get("ROOST_BASE_URL")
    if not base:
        print("FAIL: environment variable ROOST_BASE_URL must be set", file=sys.stderr)
        return 2
    s = Scenario(base)
    try:
        s.run()
    except AssertionError as e:
        print(f"FAIL [{s.phase}]: {e}\nlast requests:\n{s.rec.dump()}", file=sys.stderr, flush=True)
        return 1
    except MastodonNetworkError:
        traceback.print_exc()
        print(f"ERROR [{s.phase}]: network error talking to {base}", file=sys.stderr, flush=True)
        return 2
    except MastodonAPIError as e:
        # A call that should have succeeded got an HTTP error (or a non-JSON answer).
        code, message = api_error(e)
        what = f"HTTP {code} ({message!r})" if code else message
        print(f"FAIL [{s.phase}]: the server answered {what} to a call that should succeed (the last request below)\n"
              f"last requests:\n{s.rec.dump()}", file=sys.stderr, flush=True)
        return 1
    except MastodonError as e:
        # e.g. MastodonRatelimitError (429), an unparsable JSON answer
        print(f"FAIL [{s.phase}]: {type(e).__name__}: {e}\nlast requests:\n{s.rec.dump()}", file=sys.stderr, flush=True)
        return 1
    except Exception:
        traceback.print_exc()
        print(f"ERROR [{s.phase}]: unexpected exception (see traceback above)\nlast requests:\n{s.rec.dump()}",
              file=sys.stderr, flush=True)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
