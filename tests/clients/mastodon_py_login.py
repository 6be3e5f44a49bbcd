#!/usr/bin/env python3
"""Real-client login test: drives a running roost server with Mastodon.py.

Environment:
  ROOST_BASE_URL       e.g. http://127.0.0.1:18080
  ROOST_TEST_USERNAME  an existing local account ...
  ROOST_TEST_EMAIL     ... its e-mail address ...
  ROOST_TEST_PASSWORD  ... and its password.

Run with the Python of the venv made from tests/clients/requirements.txt:
  /tmp/clientvenv/bin/python tests/clients/mastodon_py_login.py

Exit status: 0 when every check passed, 1 on a failed check (the message says
which request and what the server answered), 2 on an unexpected error.

What it checks, in order:
  a. app registration through Mastodon.create_app with two redirect URIs;
  b. the HTML authorization-code flow with PKCE S256, once with the
     out-of-band redirect URI (code shown on a page) and once with an http
     callback (code in the Location header, never connected to), including a
     wrong password on the sign-in form, force_login, reuse of a code, and a
     wrong code_verifier;
  c. verify_credentials; d. update_credentials; e. the password grant;
  f. Mastodon.py's version detection and the instance endpoints;
  h. token revocation.
"""

import base64
import hashlib
import html
import os
import re
import secrets
import sys
import traceback
import urllib.parse
import warnings
from html.parser import HTMLParser

import requests
from mastodon import (
    Mastodon,
    MastodonAPIError,
    MastodonIllegalArgumentError,
    MastodonUnauthorizedError,
)

OOB = "urn:ietf:wg:oauth:2.0:oob"
# Port 9 (discard): nothing listens there, and the test never connects to it.
CALLBACK = "http://localhost:9/callback"
SCOPES = ["read", "write", "follow", "push"]
TIMEOUT = 30


def env(name):
    value = os.environ.get(name)
    assert value, f"environment variable {name} must be set"
    return value


def step(msg):
    print(f"ok: {msg}", flush=True)


def excerpt(resp, limit=600):
    body = resp.text
    if len(body) > limit:
        body = body[:limit] + "...[cut]"
    return f"{resp.request.method} {resp.request.url} -> {resp.status_code}; Location={resp.headers.get('Location')!r}; body={body!r}"


def pkce_pair():
    verifier = secrets.token_urlsafe(48)  # 64 chars from the unreserved set
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode("ascii")
    return verifier, challenge


# ---------------------------------------------------------------- HTML parsing

class PageParser(HTMLParser):
    """Collects the forms of a page (with their inputs and buttons) and the
    text of <code id="authorization-code">. Attribute values come back
    unescaped from HTMLParser."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []
        self._form = None
        self._in_code = False
        self.code_text = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = {
                "method": a.get("method", "get").lower(),
                "action": a.get("action", ""),
                "inputs": [],
                "buttons": [],
            }
            self.forms.append(self._form)
        elif tag == "input" and self._form is not None:
            entry = {"type": a.get("type", "text").lower(), "name": a.get("name"), "value": a.get("value", "")}
            self._form["inputs"].append(entry)
            if entry["type"] == "submit":
                self._form["buttons"].append(entry)
        elif tag == "button" and self._form is not None:
            self._form["buttons"].append(
                {"type": a.get("type", "submit").lower(), "name": a.get("name"), "value": a.get("value", "")}
            )
        elif tag == "code" and a.get("id") == "authorization-code":
            self._in_code = True
            self.code_text = ""

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "code":
            self._in_code = False

    def handle_data(self, data):
        if self._in_code:
            self.code_text += data


def parse_page(text):
    p = PageParser()
    p.feed(text)
    p.close()
    return p


def form_path(form, page_url):
    return urllib.parse.urlsplit(urllib.parse.urljoin(page_url, form["action"] or page_url)).path


def find_login_form(page, page_url):
    for f in page.forms:
        if f["method"] == "post" and form_path(f, page_url).endswith("/auth/sign_in"):
            return f
    return None


def find_consent_form(page, page_url):
    for f in page.forms:
        if (
            f["method"] == "post"
            and form_path(f, page_url).endswith("/oauth/authorize")
            and any(b.get("name") == "decision" for b in f["buttons"])
        ):
            return f
    return None


def hidden_fields(form):
    return {i["name"]: i["value"] for i in form["inputs"] if i["type"] == "hidden" and i["name"]}


def same_origin(a, b):
    pa, pb = urllib.parse.urlsplit(a), urllib.parse.urlsplit(b)
    return (pa.scheme, pa.netloc) == (pb.scheme, pb.netloc)


# ------------------------------------------------------------- the test itself

class Tester:
    def __init__(self):
        self.base = env("ROOST_BASE_URL").rstrip("/")
        self.username = env("ROOST_TEST_USERNAME")
        self.email = env("ROOST_TEST_EMAIL")
        self.password = env("ROOST_TEST_PASSWORD")
        self.nonce = secrets.token_hex(4)
        self.client_id = None
        self.client_secret = None
        self.token_endpoint = self.base + "/oauth/token"

    # -- a. app registration
    def register_app(self):
        self.client_id, self.client_secret = Mastodon.create_app(
            "roost Mastodon.py login test",
            scopes=SCOPES,
            redirect_uris=[OOB, CALLBACK],
            website="https://example.org/roost-test",
            api_base_url=self.base,
            request_timeout=TIMEOUT,
        )
        assert isinstance(self.client_id, str) and self.client_id, f"create_app returned no client_id: {self.client_id!r}"
        assert isinstance(self.client_secret, str) and self.client_secret, "create_app returned no client_secret"
        step(f"Mastodon.create_app registered client_id={self.client_id} with redirect_uris {OOB} and {CALLBACK}")

        self.app_client = Mastodon(
            client_id=self.client_id,
            client_secret=self.client_secret,
            api_base_url=self.base,
            version_check_mode="none",
            request_timeout=TIMEOUT,
        )
        info = self.app_client.oauth_authorization_server_info()
        if info:
            if "token_endpoint" in info:
                self.token_endpoint = info["token_endpoint"]
            step(f"/.well-known/oauth-authorization-server served; token_endpoint={self.token_endpoint}")
        else:
            step("no /.well-known/oauth-authorization-server (Mastodon.py falls back to /oauth/*)")

    # -- b. HTML authorization flow
    def authorize_url(self, redirect_uri, state, challenge, force_login=False):
        url = self.app_client.auth_request_url(
            redirect_uris=redirect_uri,
            scopes=SCOPES,
            force_login=force_login,
            state=state,
            allow_http=True,
        )
        # Mastodon.py's auth_request_url has no PKCE parameters: add them.
        return url + "&" + urllib.parse.urlencode({"code_challenge": challenge, "code_challenge_method": "S256"})

    def browse(self, sess, url, redirect_uri):
        """GET url, following same-origin redirects by hand. Stops at a
        redirect to redirect_uri (returning that response)."""
        for _ in range(10):
            r = sess.get(url, allow_redirects=False, timeout=TIMEOUT)
            loc = r.headers.get("Location")
            if r.status_code in (301, 302, 303, 307, 308) and loc:
                nxt = urllib.parse.urljoin(url, loc)
                if redirect_uri != OOB and nxt.startswith(redirect_uri):
                    return r, url
                assert same_origin(nxt, self.base), f"unexpected off-site redirect: {excerpt(r)}"
                url = nxt
                continue
            return r, url
        raise AssertionError(f"too many redirects starting from {url}")

    def submit_login(self, sess, page, page_url, password, login=None):
        form = find_login_form(page, page_url)
        fields = hidden_fields(form)
        assert "csrf_token" in fields, f"login form has no hidden csrf_token input; hidden inputs: {sorted(fields)}"
        assert "redirect_to" in fields, f"login form has no hidden redirect_to input; hidden inputs: {sorted(fields)}"
        names = {i["name"] for i in form["inputs"]}
        assert "username" in names and "password" in names, f"login form lacks username/password inputs: {sorted(n for n in names if n)}"
        fields["username"] = login or self.email
        fields["password"] = password
        action = urllib.parse.urljoin(page_url, form["action"])
        return sess.post(action, data=fields, allow_redirects=False, timeout=TIMEOUT)

    def html_login(self, sess, redirect_uri, *, force_login=False, expect_login_form, wrong_password_first=False, login=None):
        """Runs the authorize flow in a requests.Session. Returns (code, verifier)."""
        verifier, challenge = pkce_pair()
        state = "st-" + secrets.token_urlsafe(12)
        url = self.authorize_url(redirect_uri, state, challenge, force_login=force_login)
        what = f"authorize (redirect_uri={redirect_uri}, force_login={force_login})"

        r, page_url = self.browse(sess, url, redirect_uri)
        assert r.status_code == 200, f"{what}: expected an HTML page, got {excerpt(r)}"
        page = parse_page(r.text)
        login_form = find_login_form(page, page_url)
        if expect_login_form:
            assert login_form is not None, f"{what}: expected the sign-in form (<form method=post action=/auth/sign_in>), got {excerpt(r)}"
            assert "roost_csrf" in sess.cookies.get_dict(), f"{what}: the sign-in page set no roost_csrf cookie; cookies={sorted(sess.cookies.get_dict())}"
        else:
            assert login_form is None, (
                f"{what}: the browser already has a session, so the consent page was expected, "
                f"but the sign-in form was shown (is force_login=False, as Mastodon.py sends it, taken as true?): {excerpt(r)}"
            )

        if login_form is not None:
            if wrong_password_first:
                before = set(sess.cookies.get_dict())
                bad = self.submit_login(sess, page, page_url, self.password + "-wrong")
                loc = bad.headers.get("Location") or ""
                assert "code=" not in loc, f"wrong password yielded a code: {excerpt(bad)}"
                assert "roost_session" not in sess.cookies.get_dict() or "roost_session" in before, (
                    f"wrong password set a roost_session cookie: {excerpt(bad)}"
                )
                assert bad.status_code in (401, 200), f"wrong password: expected 401 (or 200) with the form again, got {excerpt(bad)}"
                bad_page = parse_page(bad.text)
                assert find_login_form(bad_page, page_url) is not None, f"wrong password: the answer does not show the sign-in form again: {excerpt(bad)}"
                step(f"wrong password on /auth/sign_in answered {bad.status_code} with the form again and no code")
                # Use the re-shown form (its csrf token may be new).
                page = bad_page

            ok = self.submit_login(sess, page, page_url, self.password, login)
            assert ok.status_code in (302, 303), f"sign-in with the right password: expected 303 to redirect_to, got {excerpt(ok)}"
            assert "roost_session" in sess.cookies.get_dict(), f"sign-in set no roost_session cookie: {excerpt(ok)}; set-cookie={ok.headers.get('Set-Cookie')!r}"
            nxt = urllib.parse.urljoin(page_url, ok.headers["Location"])
            assert same_origin(nxt, self.base), f"sign-in redirected off-site: {excerpt(ok)}"
            step(f"sign-in as {login or self.email!r} answered {ok.status_code} -> {urllib.parse.urlsplit(nxt).path} and set roost_session")
            r, page_url = self.browse(sess, nxt, redirect_uri)
            assert r.status_code == 200, f"{what}: after sign-in expected the consent page, got {excerpt(r)}"
            page = parse_page(r.text)
            assert find_login_form(page, page_url) is None, (
                f"{what}: after a successful sign-in the sign-in form is shown again (force_login loop? redirect_to must not "
                f"make the authorize page ask again): {excerpt(r)}"
            )

        consent = find_consent_form(page, page_url)
        assert consent is not None, (
            f"{what}: expected the consent form (<form method=post action=/oauth/authorize> with decision buttons), got {excerpt(r)}"
        )
        decisions = {b["value"] for b in consent["buttons"] if b.get("name") == "decision"}
        assert {"approve", "deny"} <= decisions, f"consent form decision buttons are {sorted(decisions)}, expected approve and deny"
        fields = hidden_fields(consent)
        expected = {
            "client_id": self.client_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        for k, v in expected.items():
            assert fields.get(k) == v, f"consent form hidden input {k}={fields.get(k)!r}, expected {v!r}; hidden inputs: {fields}"
        assert set(fields.get("scope", "").split()) == set(SCOPES), f"consent form scope={fields.get('scope')!r}, expected {' '.join(SCOPES)!r}"
        assert fields.get("csrf_token"), f"consent form has no csrf_token; hidden inputs: {sorted(fields)}"
        fields["decision"] = "approve"
        action = urllib.parse.urljoin(page_url, consent["action"])
        a = sess.post(action, data=fields, allow_redirects=False, timeout=TIMEOUT)

        if redirect_uri == OOB:
            # Contract: 200 with <code id="authorization-code">. A same-origin
            # redirect to a page showing it is followed too.
            if a.status_code in (302, 303) and a.headers.get("Location"):
                a, _ = self.browse(sess, urllib.parse.urljoin(action, a.headers["Location"]), redirect_uri)
            assert a.status_code == 200, f"approve (oob): expected 200 with the code on the page, got {excerpt(a)}"
            code = (parse_page(a.text).code_text or "").strip()
            assert code, f'approve (oob): no <code id="authorization-code"> on the page: {excerpt(a)}'
            step(f"consent approved; out-of-band page showed the code")
        else:
            assert a.status_code in (302, 303), f"approve (callback): expected 302 to the redirect_uri, got {excerpt(a)}"
            loc = a.headers["Location"]
            assert loc.startswith(redirect_uri + "?"), f"approve: Location {loc!r} does not start with {redirect_uri}?"
            q = urllib.parse.parse_qs(urllib.parse.urlsplit(loc).query)
            assert q.get("state") == [state], f"approve: state in Location is {q.get('state')}, expected {state!r}"
            assert q.get("code") and q["code"][0], f"approve: no code in Location {loc!r}"
            code = q["code"][0]
            step(f"consent approved; {a.status_code} to {redirect_uri}?code=...&state=<same>")
        return code, verifier

    def exchange(self, code, redirect_uri, verifier):
        return requests.post(
            self.token_endpoint,
            data={
                "grant_type": "authorization_code",
                "code": code,
                "client_id": self.client_id,
                "client_secret": self.client_secret,
                "redirect_uri": redirect_uri,
                "code_verifier": verifier,
            },
            timeout=TIMEOUT,
        )

    def check_token_response(self, r, what):
        assert r.status_code == 200, f"{what}: expected 200, got {excerpt(r)}"
        try:
            body = r.json()
        except ValueError:
            raise AssertionError(f"{what}: token response is not JSON: {excerpt(r)}")
        assert isinstance(body.get("access_token"), str) and body["access_token"], f"{what}: no access_token: {body}"
        assert str(body.get("token_type", "")).lower() == "bearer", f"{what}: token_type={body.get('token_type')!r}, expected Bearer"
        granted = set(str(body.get("scope", "")).split())
        assert set(SCOPES) <= granted, f"{what}: granted scope {body.get('scope')!r} lacks some of {SCOPES}"
        return body

    def expect_invalid_grant(self, r, what):
        assert r.status_code == 400, f"{what}: expected 400 invalid_grant, got {excerpt(r)}"
        try:
            body = r.json()
        except ValueError:
            raise AssertionError(f"{what}: error answer is not JSON: {excerpt(r)}")
        assert body.get("error") == "invalid_grant", f"{what}: expected error=invalid_grant, got {body}"

    def client(self, token, mode="none"):
        return Mastodon(
            access_token=token,
            client_id=self.client_id,
            client_secret=self.client_secret,
            api_base_url=self.base,
            version_check_mode=mode,
            request_timeout=TIMEOUT,
        )

    # -- c. verify_credentials
    def check_me(self, api, what):
        me = api.account_verify_credentials()
        assert me.get("username") == self.username, f"{what}: verify_credentials username={me.get('username')!r}, expected {self.username!r}"
        assert isinstance(me.get("source"), dict), f"{what}: verify_credentials has no source object: {dict(me)}"
        return me

    # -- d. update_credentials
    def update_profile(self, api):
        display_name = f"Roost Tester {self.nonce}"
        note_text = f"Hello from Mastodon.py, Tom & Jerry <3 {self.nonce}"
        site = "https://example.org"

        def check(acct, what):
            assert acct.get("display_name") == display_name, f"{what}: display_name={acct.get('display_name')!r}, expected {display_name!r}"
            note = acct.get("note") or ""
            plain = html.unescape(re.sub(r"<[^>]*>", "", note))
            assert note_text in plain, f"{what}: note {note!r} does not contain the text {note_text!r} (as HTML)"
            assert "<3" not in note, f"{what}: note {note!r} is not HTML-escaped ('<' left raw)"
            fields = acct.get("fields") or []
            assert fields and fields[0].get("name") == "Site", f"{what}: fields={fields!r}, expected fields[0].name == 'Site'"
            assert "example.org" in (fields[0].get("value") or ""), f"{what}: fields[0].value={fields[0].get('value')!r} lacks example.org"
            src = acct.get("source") or {}
            assert src.get("note") == note_text, f"{what}: source.note={src.get('note')!r}, expected the plain text {note_text!r}"
            sf = src.get("fields") or []
            assert sf and sf[0].get("name") == "Site" and sf[0].get("value") == site, f"{what}: source.fields={sf!r}, expected [{{name: Site, value: {site}}}]"

        updated = api.account_update_credentials(display_name=display_name, note=note_text, fields=[("Site", site)])
        check(updated, "update_credentials result")
        step("account_update_credentials (form-urlencoded, fields_attributes[0][name]) returned the new profile")
        check(api.account_verify_credentials(), "verify_credentials after update")
        step("verify_credentials re-read shows display_name, HTML note and fields[0].name == 'Site'")

    # -- f. version detection and instance endpoints
    def check_version(self, api):
        v1_raw = requests.get(self.base + "/api/v1/instance", timeout=TIMEOUT)
        assert v1_raw.status_code == 200, f"GET /api/v1/instance: {excerpt(v1_raw)}"
        raw_version = v1_raw.json().get("version")
        assert isinstance(raw_version, str), f"/api/v1/instance has no version string: {v1_raw.text[:300]!r}"
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            parsed = api.retrieve_mastodon_version(fail_hard=True)
        msgs = [str(w.message) for w in caught]
        assert not any("no API version found" in m for m in msgs), (
            f"Mastodon.py warned {msgs}: /api/v2/instance needs api_versions: {{mastodon: N}} (Mastodon 4.3.0 reports 2)"
        )
        got = (api.mastodon_major, api.mastodon_minor, api.mastodon_patch)
        assert got >= (4, 0, 0), f"Mastodon.py parsed version {raw_version!r} as {got}; expected >= 4.0.0 (instance_v2 etc. need it)"
        assert raw_version.startswith(parsed), f"Mastodon.py normalised {raw_version!r} to {parsed!r}"
        assert api.mastodon_api_version >= 1, f"Mastodon.py read api_versions.mastodon={api.mastodon_api_version}"
        step(f"retrieve_mastodon_version: {raw_version!r} -> {parsed} {got}, api_versions.mastodon={api.mastodon_api_version}")

        v2 = api.instance()
        assert v2.get("domain") and v2.get("version"), f"instance() (v2) lacks domain/version: {dict(v2)}"
        v1 = api.instance_v1()
        assert v1.get("uri") and v1.get("version"), f"instance_v1() lacks uri/version: {dict(v1)}"
        api.instance_v2()
        anon = Mastodon(api_base_url=self.base, version_check_mode="none", request_timeout=TIMEOUT)
        anon.instance_v2()
        anon.instance_v1()
        step("instance(), instance_v1(), instance_v2() (authenticated and anonymous, with Mastodon.py's trailing '/') answered")

        strict = self.client(api.access_token, mode="created")
        self.check_me(strict, "version_check_mode=created")
        strict.instance()
        step("a Mastodon(version_check_mode='created') client detects the version and calls verify_credentials/instance")

    # -- e. password grant
    def password_grant(self):
        tokens = []
        for login in (self.email, self.username):
            m = Mastodon(client_id=self.client_id, client_secret=self.client_secret, api_base_url=self.base,
                         version_check_mode="none", request_timeout=TIMEOUT)
            tok = m.log_in(username=login, password=self.password, scopes=SCOPES, allow_http=True)
            assert tok, "log_in(password) returned no token"
            self.check_me(m, f"password grant as {login!r}")
            tokens.append(m)
            step(f"Mastodon.log_in(username={login!r}, password=...) -> token; verify_credentials ok")

        m = Mastodon(client_id=self.client_id, client_secret=self.client_secret, api_base_url=self.base,
                     version_check_mode="none", request_timeout=TIMEOUT)
        try:
            m.log_in(username=self.email, password=self.password + "-wrong", scopes=SCOPES, allow_http=True)
        except MastodonIllegalArgumentError:
            pass
        else:
            raise AssertionError("Mastodon.log_in with a wrong password got a token")
        r = requests.post(self.token_endpoint, data={
            "grant_type": "password", "client_id": self.client_id, "client_secret": self.client_secret,
            "username": self.email, "password": self.password + "-wrong", "scope": " ".join(SCOPES),
        }, timeout=TIMEOUT)
        self.expect_invalid_grant(r, "password grant with a wrong password")
        step("password grant with a wrong password: 400 invalid_grant")
        return tokens

    # -- h. revocation
    def revoke_and_check(self, api, what):
        token = api.access_token
        api.revoke_access_token(allow_http=True)
        try:
            self.client(token).account_verify_credentials()
        except MastodonUnauthorizedError:
            pass
        except MastodonAPIError as e:
            raise AssertionError(f"{what}: after revocation verify_credentials failed, but not with 401: {e}")
        else:
            raise AssertionError(f"{what}: verify_credentials still works after revoke_access_token")
        r = requests.get(self.base + "/api/v1/accounts/verify_credentials",
                         headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT)
        assert r.status_code == 401, f"{what}: revoked token: expected 401, got {excerpt(r)}"
        step(f"{what}: revoke_access_token (POST /oauth/revoke), then verify_credentials -> 401")

    def run(self):
        self.register_app()

        sess = requests.Session()
        # 1. oob redirect, with a wrong password first
        code, verifier = self.html_login(sess, OOB, expect_login_form=True, wrong_password_first=True)
        tok = self.check_token_response(self.exchange(code, OOB, verifier), "authorization_code grant (oob, PKCE)")
        step("POST /oauth/token authorization_code + code_verifier (oob) -> access token")
        self.expect_invalid_grant(self.exchange(code, OOB, verifier), "reusing an authorization code")
        step("reusing the authorization code: 400 invalid_grant")

        # 2. http callback redirect, force_login=True with a live session
        # (signs in with the username instead of the e-mail this time)
        code2, verifier2 = self.html_login(sess, CALLBACK, force_login=True, expect_login_form=True, login=self.username)
        tok2 = self.check_token_response(self.exchange(code2, CALLBACK, verifier2), "authorization_code grant (callback, PKCE)")
        step("POST /oauth/token authorization_code + code_verifier (http callback) -> access token")

        # 3. live session, force_login=False: straight to consent; wrong verifier fails
        code3, verifier3 = self.html_login(sess, OOB, force_login=False, expect_login_form=False)
        self.expect_invalid_grant(self.exchange(code3, OOB, pkce_pair()[0]), "authorization code with a wrong code_verifier")
        step("existing session went straight to consent; a wrong code_verifier: 400 invalid_grant")

        api = self.client(tok["access_token"])
        me = self.check_me(api, "oob token")
        step(f"account_verify_credentials: username={me['username']!r}, source present")
        api2 = self.client(tok2["access_token"])
        self.check_me(api2, "callback token")

        self.update_profile(api)
        self.check_version(api)

        if tok.get("refresh_token"):
            m = self.client(None)
            new = m.log_in(refresh_token=tok["refresh_token"], scopes=SCOPES, allow_http=True)
            assert new, "refresh_token grant returned no token"
            self.check_me(m, "refreshed token")
            step("refresh_token grant via Mastodon.log_in(refresh_token=...) works")
            m.revoke_access_token(allow_http=True)

        pw_clients = self.password_grant()

        self.revoke_and_check(api, "oob token")
        self.revoke_and_check(api2, "callback token")
        for m in pw_clients:
            m.revoke_access_token(allow_http=True)
        print("PASS: Mastodon.py login test", flush=True)


def main():
    try:
        Tester().run()
    except AssertionError as e:
        print(f"FAIL: {e}", file=sys.stderr, flush=True)
        return 1
    except Exception:
        traceback.print_exc()
        print("ERROR: unexpected exception (see traceback above)", file=sys.stderr, flush=True)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
