#!/usr/bin/env python3
"""The real-peers matrix: roost against snac and GoToSocial, both ways.

Run by bench/peers/run.sh, which starts the servers (behind nginx on
roost.test, snac.test, gts.test) and writes servers.json; by hand, against
servers it left running:

    python3 bench/peers/matrix.py --mode http|tls --servers DIR/servers.json \
        [--results FILE.tsv] [--only REGEX] [--peer snac|gts]

Every server is driven through its Mastodon client API (snac's too; its CLI
only for a signed fetch) as alice (an admin where reports need one) and bob
(a locked account). "roost→snac like" means roost's alice likes snac's alice's
post and snac is checked for the notification; "snac→roost like" the other
way. Checks read the receiver's API, and where the receiver has nothing to
show (snac's Block and Flag) its log. Fetches are checked in nginx's access
log, which marks signed requests.

Prints one line per cell, PASS / FAIL / SKIP with the reason, and exits 1 when
a cell FAILs. Needs `requests`.
"""

import argparse
import json
import pathlib
import re
import struct
import subprocess
import sys
import time
import uuid
import zlib

import requests

TIMEOUT = 45  # seconds a cell waits for the other side
AGENT = {"roost": "roost/", "gts": "gotosocial/", "snac": "snac/"}  # in User-Agent
OOB = "urn:ietf:wg:oauth:2.0:oob"
SCOPES = "read write follow push admin:read admin:write"


class Skip(Exception):
    """The cell does not apply to this pair (the reason says why)."""


class Fail(Exception):
    """The cell ran and the other side did not show the effect."""


def eventually(what, probe, timeout=TIMEOUT):
    """Calls probe() until it returns something truthy; Fail after timeout."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            got = probe()
            if got:
                return got
        except (requests.RequestException, Fail) as e:
            last = e  # a transient error (snac answers 404 while it rewrites a file)
        time.sleep(0.5)
    raise Fail(f"{what}: not seen within {timeout}s" + (f" (last error: {last})" if last else ""))


def png(width=48, height=32):
    """A small opaque PNG (a colour gradient), made here."""
    rows = b"".join(
        b"\x00" + b"".join(bytes((x * 5 % 256, y * 7 % 256, 160)) for x in range(width))
        for y in range(height)
    )
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


class Api:
    """One user's Mastodon-API session on one server."""

    def __init__(self, server, username, password):
        self.server = server
        self.username = username
        self.http = requests.Session()
        self.http.headers["User-Agent"] = "roost-bench-peers"
        self.token = getattr(self, "_login_" + server.kind)(password)
        self.http.headers["Authorization"] = f"Bearer {self.token}"

    def url(self, path):
        return self.server.base + path

    def call(self, method, path, ok=(200, 202), **kw):
        r = self.http.request(method, self.url(path), timeout=30, **kw)
        if ok and r.status_code not in ok:
            raise Fail(f"{method} {path} on {self.server.name}: {r.status_code} {r.text[:300]}")
        try:
            return r.status_code, r.json()
        except ValueError:
            return r.status_code, r.text

    def get(self, path, **kw):
        return self.call("GET", path, **kw)[1]

    def post(self, path, **kw):
        return self.call("POST", path, **kw)[1]

    def app(self):
        r = requests.post(self.url("/api/v1/apps"), timeout=30, data={
            "client_name": "roost-bench-peers", "redirect_uris": OOB, "scopes": SCOPES})
        r.raise_for_status()
        a = r.json()
        return a["client_id"], a["client_secret"]

    def _token(self, data):
        r = requests.post(self.url("/oauth/token"), data=data, timeout=30)
        if r.status_code != 200:
            raise Fail(f"token on {self.server.name}: {r.status_code} {r.text[:200]}")
        return r.json()["access_token"]

    def _login_roost(self, password):
        cid, secret = self.app()
        return self._token({"grant_type": "password", "username": self.username,
                            "password": password, "client_id": cid,
                            "client_secret": secret, "scope": SCOPES})

    def _login_snac(self, password):
        # snac's own login form answers the code as the body for the oob URI.
        cid, secret = self.app()
        r = requests.post(self.url("/oauth/x-snac-login"), timeout=30, data={
            "login": self.username, "passwd": password, "redir": OOB, "cid": cid, "state": ""})
        code = r.text.strip()
        if r.status_code != 200 or not re.fullmatch(r"[0-9a-f]+", code):
            raise Fail(f"snac login of {self.username}: {r.status_code} {r.text[:200]}")
        return self._token({"grant_type": "authorization_code", "code": code,
                            "client_id": cid, "client_secret": secret, "redirect_uri": OOB})

    def _login_gts(self, password):
        # GoToSocial has no password grant: sign in on its web form, authorize.
        cid, secret = self.app()
        web = requests.Session()
        q = {"client_id": cid, "redirect_uri": OOB, "response_type": "code", "scope": SCOPES}
        web.get(self.url("/oauth/authorize"), params=q, timeout=30)
        web.post(self.url("/auth/sign_in"), timeout=30,
                 data={"username": f"{self.username}@{self.server.domain}", "password": password})
        r = web.post(self.url("/oauth/authorize"), timeout=30, allow_redirects=False)
        loc = r.headers.get("Location", "")
        m = re.search(r"[?&]code=([^&]+)", loc)
        if not m:
            raise Fail(f"GoToSocial authorize for {self.username}: {r.status_code} {loc} {r.text[:200]}")
        return self._token({"grant_type": "authorization_code", "code": m.group(1),
                            "client_id": cid, "client_secret": secret,
                            "redirect_uri": OOB, "scope": SCOPES})

    # --- reads shared by every kind

    def resolve_account(self, username, domain):
        """The account @username@domain as this server has it, looked up
        (WebFinger, then the actor) if new."""
        res = self.get("/api/v2/search", params={
            "q": f"@{username}@{domain}", "resolve": "true", "type": "accounts"})
        for a in res.get("accounts", []):
            if a.get("username", "").lower() == username and domain in (a.get("acct") or "") + (a.get("url") or ""):
                return a
        raise Fail(f"{self.server.name} did not resolve @{username}@{domain}: {json.dumps(res)[:300]}")

    def relationship(self, account_id):
        rel = self.get("/api/v1/accounts/relationships", params={"id[]": account_id})
        return rel[0] if isinstance(rel, list) and rel else {}

    def home_status(self, uri):
        """This user's copy of the status with ActivityPub id `uri`, if in home."""
        for st in self.get("/api/v1/timelines/home", params={"limit": 40}):
            if st.get("uri") == uri:
                return st
        return None

    def status(self, local_id):
        """The status by local id, or None when it is gone (404)."""
        code, body = self.call("GET", f"/api/v1/statuses/{local_id}", ok=None)
        if code == 404 or (code == 200 and not body):
            return None
        if code != 200:
            raise Fail(f"GET status {local_id} on {self.server.name}: {code} {str(body)[:200]}")
        return body

    def notification(self, kind, pred):
        for n in self.get("/api/v1/notifications", params={"limit": 40}):
            if n.get("type") == kind and pred(n):
                return n
        return None


class Server:
    def __init__(self, name, conf, scheme):
        self.name = name
        self.kind = conf["kind"]
        self.absent = conf.get("absent")
        self.domain = conf.get("domain", "")
        self.base = f"{scheme}://{self.domain}"
        self.log = conf.get("log")
        self.passwords = conf.get("users", {})
        self.conf = conf
        self.users = {}

    def login(self):
        for u, pw in self.passwords.items():
            self.users[u] = Api(self, u, pw)

    @property
    def alice(self):
        return self.users["alice"]

    @property
    def bob(self):
        return self.users["bob"]

    def actor_path(self, username):
        return {"roost": "/users/", "gts": "/users/", "snac": "/"}[self.kind] + username

    def log_has(self, pattern):
        with open(self.log, errors="replace") as f:
            return re.search(pattern, f.read())

    def log_count(self, pattern):
        with open(self.log, errors="replace") as f:
            return len(re.findall(pattern, f.read()))


class Pair:
    """State of one direction: sender X acts, receiver Y is checked."""

    def __init__(self, x, y, world):
        self.x, self.y, self.world = x, y, world

    @property
    def label(self):
        return f"{self.x.name}→{self.y.name}"


class World:
    """Everything the cells of one peer share, keyed by direction."""

    def __init__(self, roost, peer, mode, nginx_log):
        self.roost, self.peer, self.mode, self.nginx_log = roost, peer, mode, nginx_log
        self.ids = {}      # (server, "user@domain") -> local account id
        self.posts = {}    # label -> {"uri", "sender_id", "receiver_id"}: a post and its ids on both sides
        self.done = set()  # (cell, label) that passed

    def account(self, on, username, of):
        key = (on.name, f"{username}@{of.domain}")
        if key not in self.ids:
            self.ids[key] = on.users["alice"].resolve_account(username, of.domain)["id"]
        return self.ids[key]

    def need(self, cell, label):
        if (cell, label) not in self.done:
            raise Skip(f"needs '{cell}' {label}")

    def nginx_lines(self, host, path):
        """Access-log lines for GETs of `path` on `host`: (status, signed, agent)."""
        out = []
        with open(self.nginx_log, errors="replace") as f:
            for line in f:
                parts = line.rstrip("\n").split(" ", 6)
                if len(parts) == 7 and parts[1] == host and parts[2] == "GET" and parts[3] == path:
                    out.append((parts[4], parts[5] == "signed", parts[6]))
        return out


def content_of(st):
    """A status's text; snac answers a post its user boosted as the boost."""
    return (st.get("content") or "") + ((st.get("reblog") or {}).get("content") or "")


def about(n, uri):
    """A notification's status is `uri` (snac points a reblog notification at
    its own Announce wrapper, the original under `reblog`)."""
    st = n.get("status") or {}
    return uri in (st.get("uri"), (st.get("reblog") or {}).get("uri"))


def nonce():
    return uuid.uuid4().hex[:8]


def post_status(api, text, **extra):
    data = {"status": text, "visibility": "public", **extra}
    return api.post("/api/v1/statuses", data=data)


# --- the cells. Each takes (pair) and returns a detail string, or raises.

def cell_resolve(p):
    """X looks up Y's alice: WebFinger, then a signed GET of the actor."""
    a = p.x.alice.resolve_account("alice", p.y.domain)
    return f"{a.get('acct')} id {a['id']}"


def cell_signed_fetch(p):
    """X resolves a post of Y by its URL; nginx saw X's signed GET answered 200.
    roost runs with authorized fetch, so peer→roost fetches must be signed."""
    w = p.world
    n = nonce()
    st = post_status(p.y.bob, f"fetch me {n}")
    uri = st["uri"]
    path = re.sub(r"^https?://[^/]+", "", uri)
    if p.x.kind == "snac":
        # snac's API resolves only https:// URLs; its CLI fetches any.
        out = subprocess.run([p.x.conf["bin"], "request", p.x.conf["data"], "alice", uri],
                             capture_output=True, text=True, timeout=60)
        if n not in out.stdout:
            raise Fail(f"snac request {uri}: {out.stdout[-300:]} {out.stderr[-300:]}")
    else:
        res = p.x.alice.get("/api/v2/search", params={"q": uri, "resolve": "true", "type": "statuses"})
        if not any(s.get("uri") == uri for s in res.get("statuses", [])):
            raise Fail(f"search {uri} on {p.x.name}: {json.dumps(res)[:300]}")
    lines = w.nginx_lines(p.y.domain, path)
    hits = [l for l in lines if l[0] == "200" and AGENT[p.x.kind] in l[2]]
    if not hits:
        raise Fail(f"no 200 GET of {path} in nginx's log: {lines}")
    if not any(l[1] for l in hits):
        raise Fail(f"{p.x.name} fetched {path} unsigned: {hits}")
    if p.y.kind == "roost":
        # And roost refuses the same GET unsigned.
        r = requests.get(uri, headers={"Accept": "application/activity+json"}, timeout=30)
        if r.status_code != 401:
            raise Fail(f"unsigned GET of {uri} answered {r.status_code}, expected 401")
        return "signed GET 200; unsigned 401 (authorized fetch)"
    return f"signed GET 200 ({len(hits)}x)"


def accepted(p, username):
    """X saw Y's Accept of X's alice's follow of Y's `username`."""
    if p.x.kind == "snac":
        # snac lists a follow as "following" as soon as it is sent; its log
        # says when the Accept came.
        actor = re.escape(p.y.base + p.y.actor_path(username))
        return p.x.log_has(rf"confirmed follow from {actor}\b")
    return p.x.alice.relationship(p.world.account(p.x, username, p.y)).get("following")


def cell_follow(p):
    """X's alice follows Y's alice; Y accepts; both sides show it."""
    y_on_x = p.world.account(p.x, "alice", p.y)
    p.x.alice.post(f"/api/v1/accounts/{y_on_x}/follow")
    eventually("the Accept on X", lambda: accepted(p, "alice"))
    x_on_y = p.world.account(p.y, "alice", p.x)
    eventually("followed_by on Y", lambda: p.y.alice.relationship(x_on_y).get("followed_by"))
    return "Accept on X, followed_by on Y"


def cell_locked_follow(p):
    """X's alice follows Y's locked bob: a request, which bob authorizes."""
    bob_on_x = p.world.account(p.x, "bob", p.y)
    rel = p.x.alice.call("POST", f"/api/v1/accounts/{bob_on_x}/follow")[1]
    if p.x.kind != "snac":
        if rel.get("following"):
            raise Fail(f"following at once, the lock ignored: {rel}")
        eventually("requested=true on X", lambda: p.x.alice.relationship(bob_on_x).get("requested"))
    x_acct = f"alice@{p.x.domain}"

    def pending():
        for a in p.y.bob.get("/api/v1/follow_requests"):
            if a.get("acct") == x_acct or (a.get("username") == "alice" and p.x.domain in (a.get("url") or "")):
                return a
    req = eventually("the follow request on Y", pending)
    x_on_y = req["id"]
    if p.y.bob.relationship(x_on_y).get("followed_by"):
        raise Fail("Y counts X's alice as a follower before bob authorized")
    if accepted(p, "bob"):
        raise Fail("X saw an Accept before bob authorized")
    p.y.bob.post(f"/api/v1/follow_requests/{x_on_y}/authorize")
    eventually("the Accept on X", lambda: accepted(p, "bob"))
    eventually("followed_by on Y", lambda: p.y.bob.relationship(x_on_y).get("followed_by"))
    return "request held on Y, authorized, Accept on X" + (
        " (snac shows following=true from the start)" if p.x.kind == "snac" else "")


def cell_post(p):
    """X's alice posts in public; it reaches Y's alice's home."""
    p.world.need("follow", f"{p.y.name}→{p.x.name}")
    n = nonce()
    st = post_status(p.x.alice, f"hello from {p.x.name} {n}")
    got = eventually("the post in Y's home", lambda: p.y.alice.home_status(st["uri"]))
    if n not in got.get("content", ""):
        raise Fail(f"content differs: {got.get('content')!r}")
    p.world.posts[p.label] = {"uri": st["uri"], "sender_id": st["id"], "receiver_id": got["id"]}
    return f"{st['uri']}"


def their_post(p):
    """Y's post from the Y→X post cell: receiver_id is X's copy, sender_id Y's."""
    back = f"{p.y.name}→{p.x.name}"
    p.world.need("post", back)
    return p.world.posts[back]


def cell_reply(p):
    """X's alice replies to Y's post; Y gets it as a mention, in reply to its post."""
    orig = their_post(p)
    n = nonce()
    st = post_status(p.x.alice, f"@alice@{p.y.domain} a reply {n}", in_reply_to_id=orig["receiver_id"])

    def on_y():
        note = p.y.alice.notification("mention", lambda x: x["status"]["uri"] == st["uri"])
        return note and note["status"]
    got = eventually("the reply as a mention on Y", on_y)
    if got.get("in_reply_to_id") != orig["sender_id"]:
        raise Fail(f"in_reply_to_id {got.get('in_reply_to_id')} is not Y's post {orig['sender_id']}")
    return "mention notification, in_reply_to_id right"


def cell_like(p):
    """X's alice favourites Y's post; Y's alice gets a favourite notification."""
    orig = their_post(p)
    p.x.alice.post(f"/api/v1/statuses/{orig['receiver_id']}/favourite")
    eventually("favourite notification on Y", lambda: p.y.alice.notification(
        "favourite", lambda x: about(x, orig["uri"])))
    return "favourite notification"


def cell_boost(p):
    """X's alice boosts Y's post; Y's alice gets a reblog notification."""
    orig = their_post(p)
    p.x.alice.post(f"/api/v1/statuses/{orig['receiver_id']}/reblog")
    eventually("reblog notification on Y", lambda: p.y.alice.notification(
        "reblog", lambda x: about(x, orig["uri"])))
    return "reblog notification"


def cell_dm(p):
    """X's alice writes a direct post to Y's alice; it arrives as direct.
    Y's alice follows X's alice: roost, like Mastodon, files private mentions
    from strangers under filtered notifications."""
    p.world.need("follow", f"{p.y.name}→{p.x.name}")
    n = nonce()
    st = post_status(p.x.alice, f"@alice@{p.y.domain} secret {n}", visibility="direct")

    def on_y():
        note = p.y.alice.notification("mention", lambda x: x["status"]["uri"] == st["uri"])
        return note and note["status"]
    got = eventually("the DM as a mention on Y", on_y)
    if got.get("visibility") != "direct":
        raise Fail(f"arrived as {got.get('visibility')}")
    return "mention notification, visibility direct"


def cell_edit(p):
    """X's alice edits her post; Y's copy shows the new text."""
    p.world.need("post", p.label)
    mine = p.world.posts[p.label]
    n = nonce()
    p.x.alice.call("PUT", f"/api/v1/statuses/{mine['sender_id']}", data={"status": f"edited on {p.x.name} {n}"})

    def on_y():
        st = p.y.alice.status(mine["receiver_id"])
        return st and n in content_of(st) and st
    got = eventually("the new text on Y", on_y)
    return f"edited_at {got.get('edited_at')}"


def wait_media(api, media):
    """The attachment once processed (roost and GoToSocial may answer 202 first)."""
    if media.get("url") or api.server.kind == "snac":
        return media
    return eventually("media processed", lambda: api.get(f"/api/v1/media/{media['id']}").get("url"),
                      timeout=60)


def cell_media(p):
    """X's alice posts an image with alt text; Y's copy has the attachment."""
    p.world.need("follow", f"{p.y.name}→{p.x.name}")
    n = nonce()
    alt = f"a gradient {n}"
    media = p.x.alice.post("/api/v2/media", files={"file": ("gradient.png", png(), "image/png")},
                           data={"description": alt})
    wait_media(p.x.alice, media)
    st = p.x.alice.post("/api/v1/statuses", data={"status": f"a picture {n}", "visibility": "public",
                                                   "media_ids[]": media["id"]})
    got = eventually("the post in Y's home", lambda: p.y.alice.home_status(st["uri"]))
    att = got.get("media_attachments") or []
    if not att:
        raise Fail("no media_attachments on Y")
    if att[0].get("description") != alt:
        raise Fail(f"alt text {att[0].get('description')!r}, expected {alt!r}")
    p.world.posts[p.label + " media"] = {"uri": st["uri"], "sender_id": st["id"], "receiver_id": got["id"]}
    return f"{att[0].get('type')} {att[0].get('url')}"


def cell_delete(p):
    """X's alice deletes her picture post; Y's copy goes."""
    p.world.need("media", p.label)
    mine = p.world.posts[p.label + " media"]
    p.x.alice.call("DELETE", f"/api/v1/statuses/{mine['sender_id']}")
    eventually("the post gone from Y", lambda: p.y.alice.status(mine["receiver_id"]) is None)
    return "404 on Y"


def cell_profile(p):
    """X's alice changes her display name; Y shows the new one."""
    p.world.need("follow", f"{p.y.name}→{p.x.name}")
    n = nonce()
    name = f"Alice {n}"
    p.x.alice.call("PATCH", "/api/v1/accounts/update_credentials",
                   data={"display_name": name, "note": f"bio {n}"})
    x_on_y = p.world.account(p.y, "alice", p.x)
    eventually("the new display name on Y",
               lambda: p.y.alice.get(f"/api/v1/accounts/{x_on_y}").get("display_name") == name)
    return f"display_name {name!r}"


def cell_followers_only(p):
    """X's alice posts to followers only; Y's alice (a follower) gets it as private."""
    p.world.need("follow", f"{p.y.name}→{p.x.name}")
    n = nonce()
    st = post_status(p.x.alice, f"followers only {n}", visibility="private")
    got = eventually("the post in Y's home", lambda: p.y.alice.home_status(st["uri"]))
    if got.get("visibility") != "private":
        raise Fail(f"arrived as {got.get('visibility')}")
    return "visibility private"


def cell_unlike(p):
    """X's alice takes back her like (Undo Like); Y's count goes back to 0."""
    p.world.need("like", p.label)
    orig = their_post(p)

    def likes_on_y():
        st = p.y.alice.status(orig["sender_id"]) or {}
        return (st.get("reblog") or st).get("favourites_count")
    eventually("favourites_count 1 on Y (the like)", lambda: likes_on_y() == 1)
    p.x.alice.post(f"/api/v1/statuses/{orig['receiver_id']}/unfavourite")
    eventually("favourites_count 0 on Y", lambda: likes_on_y() == 0)
    return "favourites_count 1, then 0"


def cell_avatar(p):
    """X's alice uploads an avatar; Y shows a new avatar URL for her."""
    p.world.need("follow", f"{p.y.name}→{p.x.name}")
    x_on_y = p.world.account(p.y, "alice", p.x)
    before = p.y.alice.get(f"/api/v1/accounts/{x_on_y}").get("avatar")
    p.x.alice.call("PATCH", "/api/v1/accounts/update_credentials",
                   files={"avatar": ("avatar.png", png(64, 64), "image/png")})

    def changed():
        a = p.y.alice.get(f"/api/v1/accounts/{x_on_y}").get("avatar")
        return a and a != before and a
    url = eventually("a new avatar on Y", changed)
    r = requests.get(url, timeout=30)
    if r.status_code != 200 or not r.headers.get("Content-Type", "").startswith("image/"):
        raise Fail(f"avatar {url}: {r.status_code} {r.headers.get('Content-Type')}")
    return url


def cell_unfollow(p):
    """X's alice unfollows Y's alice (Undo Follow); Y no longer counts her."""
    p.world.need("follow", p.label)
    y_on_x = p.world.account(p.x, "alice", p.y)
    p.x.alice.post(f"/api/v1/accounts/{y_on_x}/unfollow")
    x_on_y = p.world.account(p.y, "alice", p.x)
    eventually("followed_by=false on Y", lambda: not p.y.alice.relationship(x_on_y).get("followed_by"))
    return "followed_by false on Y"


def cell_report(p):
    """X's alice reports Y's alice with her post, forwarded: Y's admin sees it."""
    if p.x.kind == "snac":
        raise Skip("snac has no reports (no /api/v1/reports, sends no Flag)")
    orig = their_post(p)
    y_on_x = p.world.account(p.x, "alice", p.y)
    n = nonce()
    ignored = r"process_input_message type 'Flag' ignored"
    before = p.y.log_count(ignored) if p.y.kind == "snac" else 0
    p.x.alice.post("/api/v1/reports", data={"account_id": y_on_x, "status_ids[]": orig["receiver_id"],
                                            "comment": f"report {n}", "forward": "true"})
    if p.y.kind == "snac":
        eventually("the Flag in snac's log", lambda: p.y.log_count(ignored) > before)
        return "delivered and accepted; snac ignores Flag (its log says so)"

    def on_y():
        for r in p.y.alice.get("/api/v1/admin/reports", params={"resolved": "false"}):
            if n in (r.get("comment") or ""):
                return r
    rep = eventually("the report in Y's admin API", on_y)
    ids = [s.get("uri") for s in rep.get("statuses", [])]
    if orig["uri"] not in ids:
        raise Fail(f"report arrived without the post: {ids}")
    return "report with the post, in Y's admin API"


def cell_block(p):
    """Y's bob follows X's alice; X's alice blocks him; on Y the follow ends."""
    if p.x.kind == "snac":
        raise Skip("snac's block is a local mute and sends no Block")
    x_on_y = p.world.account(p.y, "alice", p.x)
    p.y.bob.post(f"/api/v1/accounts/{x_on_y}/follow")
    bob_on_x = p.world.account(p.x, "bob", p.y)
    eventually("Y's bob following X's alice (before the block)",
               lambda: p.x.alice.relationship(bob_on_x).get("followed_by"))
    p.x.alice.post(f"/api/v1/accounts/{bob_on_x}/block")
    if p.y.kind == "snac":
        actor = re.escape(p.x.base + p.x.actor_path("alice"))
        eventually("'Block' received in snac's log", lambda: p.y.log_has(rf"'Block' received from {actor}\b"))
        return "delivered; snac notifies and keeps the follow (by design)"
    eventually("the follow ended on Y", lambda: not p.y.bob.relationship(x_on_y).get("following"))
    return "Y's bob no longer follows X's alice"


# Order matters: signed fetch before any follow (so the post is not delivered
# first), follows before posts, unfollow and block last.
CELLS = [
    ("resolve", cell_resolve),
    ("signed fetch", cell_signed_fetch),
    ("follow", cell_follow),
    ("locked follow", cell_locked_follow),
    ("post", cell_post),
    ("reply", cell_reply),
    ("like", cell_like),
    ("unlike", cell_unlike),
    ("boost", cell_boost),
    ("followers-only", cell_followers_only),
    ("dm", cell_dm),
    ("edit", cell_edit),
    ("media", cell_media),
    ("delete", cell_delete),
    ("profile", cell_profile),
    ("avatar", cell_avatar),
    ("report", cell_report),
    ("unfollow", cell_unfollow),
    ("block", cell_block),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mode", choices=["http", "tls"], required=True)
    ap.add_argument("--servers", required=True)
    ap.add_argument("--results")
    ap.add_argument("--only", help="a regex: run only the cells it matches (and resolve, follow, post)")
    ap.add_argument("--peer", action="append", help="snac or gts (default: both)")
    args = ap.parse_args()
    scheme = "https" if args.mode == "tls" else "http"
    conf = json.load(open(args.servers))
    nginx_log = pathlib.Path(args.servers).parent / "nginx" / "access.log"
    roost = Server("roost", conf["roost"], scheme)
    roost.login()
    roost.bob.call("PATCH", "/api/v1/accounts/update_credentials", data={"locked": "true"})
    failed = False
    rows = []

    def report(result, peer, label, cell, detail):
        line = f"{result:4}  {args.mode:4}  {label:12}  {cell:14}  {detail}"
        print(line, flush=True)
        rows.append((result, args.mode, peer, label, cell, detail))

    for name in args.peer or ["snac", "gts"]:
        peer = Server(name, conf[name], scheme)
        if peer.absent:
            for cell, _ in CELLS:
                for label in (f"roost→{name}", f"{name}→roost"):
                    report("SKIP", name, label, cell, peer.absent)
            continue
        try:
            peer.login()
            if peer.kind == "gts":
                # GoToSocial approves followers by hand unless told otherwise.
                peer.alice.call("PATCH", "/api/v1/accounts/update_credentials", data={"locked": "false"})
                peer.bob.call("PATCH", "/api/v1/accounts/update_credentials", data={"locked": "true"})
        except Exception as e:  # noqa: BLE001 - one line, then the next peer
            failed = True
            report("FAIL", name, f"roost↔{name}", "login", f"{type(e).__name__}: {e}")
            continue
        world = World(roost, peer, args.mode, nginx_log)
        for cell, fn in CELLS:
            for x, y in ((roost, peer), (peer, roost)):
                p = Pair(x, y, world)
                if args.only and not re.search(args.only, cell) and cell not in ("resolve", "follow", "post"):
                    continue
                try:
                    detail = fn(p)
                    world.done.add((cell, p.label))
                    report("PASS", name, p.label, cell, detail)
                except Skip as e:
                    report("SKIP", name, p.label, cell, str(e))
                except Exception as e:  # noqa: BLE001 - a cell's failure is its line
                    failed = True
                    report("FAIL", name, p.label, cell, f"{type(e).__name__}: {e}"[:500])
    if args.mode == "tls":
        # Every request roost made went through nginx over HTTP/2 (ALPN).
        with open(nginx_log, errors="replace") as f:
            protos = [line.split(" ", 1)[0] for line in f if '"roost/' in line]
        old = [x for x in protos if x != "HTTP/2.0"]
        label, cell = "roost→peers", "http2"
        if not protos:
            report("SKIP", "all", label, cell, "roost made no request (no peer ran)")
        elif old:
            failed = True
            report("FAIL", "all", label, cell, f"{len(protos)} requests from roost, {len(old)} not HTTP/2: {sorted(set(old))}")
        else:
            report("PASS", "all", label, cell, f"all {len(protos)} requests from roost were HTTP/2 over TLS")
    if args.results:
        with open(args.results, "w") as f:
            f.write("result\tmode\tpeer\tdirection\tcell\tdetail\n")
            for r in rows:
                f.write("\t".join(r) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
