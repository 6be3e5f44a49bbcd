#!/usr/bin/env python3
"""Real-client streaming test: Mastodon.py's stream_user against roost.

Environment:
  ROOST_BASE_URL       e.g. http://127.0.0.1:18080
  ROOST_TEST_USERNAME  an existing local account ...
  ROOST_TEST_EMAIL     ... its e-mail address ...
  ROOST_TEST_PASSWORD  ... and its password.

Run with the Python of the venv made from tests/clients/requirements.txt:
  .venv/bin/python tests/clients/mastodon_py_stream.py

Exit status: 0 when every check passed, 1 on a failed check, 2 on an
unexpected error.

What it checks, in order:
  a. stream_healthy() (GET /api/v1/streaming/health);
  b. stream_user finds the streaming API through the instance document
     (urls.streaming_api) and receives, over server-sent events:
     on_update for the account's own post, on_status_update for its edit,
     on_notification when a second account (signed up through the API)
     favourites it, and on_delete with the post's id once it is deleted.
"""

import os
import queue
import secrets
import sys
import time
import traceback

import requests
from mastodon import Mastodon, StreamListener

OOB = "urn:ietf:wg:oauth:2.0:oob"
SCOPES = ["read", "write", "follow", "push"]
TIMEOUT = 30
WAIT = 20


def env(name):
    value = os.environ.get(name)
    assert value, f"environment variable {name} must be set"
    return value


def step(msg):
    print(f"ok: {msg}", flush=True)


class Failed(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Failed(msg)


class Recorder(StreamListener):
    """Puts every event it hears on one queue, in order."""

    def __init__(self):
        self.events = queue.Queue()

    def on_update(self, status):
        self.events.put(("update", status))

    def on_status_update(self, status):
        self.events.put(("status.update", status))

    def on_notification(self, notification):
        self.events.put(("notification", notification))

    def on_delete(self, status_id):
        self.events.put(("delete", status_id))

    def next(self, what):
        try:
            return self.events.get(timeout=WAIT)
        except queue.Empty:
            raise Failed(f"no event within {WAIT} s while waiting for {what}")


def main():
    base = env("ROOST_BASE_URL")
    email = env("ROOST_TEST_EMAIL")
    password = env("ROOST_TEST_PASSWORD")
    client_id, client_secret = Mastodon.create_app(
        "roost streaming test", scopes=SCOPES, redirect_uris=OOB, api_base_url=base,
        request_timeout=TIMEOUT,
    )
    alice = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base,
                     version_check_mode="none", request_timeout=TIMEOUT)
    alice.log_in(username=email, password=password, scopes=SCOPES, allow_http=True)
    me = alice.account_verify_credentials()
    step(f"logged in as @{me['username']}")

    check(alice.stream_healthy(), "stream_healthy() is False")
    step("stream_healthy() is True")

    recorder = Recorder()
    handle = alice.stream_user(recorder, run_async=True, reconnect_async=False)
    deadline = time.time() + WAIT
    while not handle.is_receiving():
        check(handle.is_alive(), "the stream_user thread died")
        check(time.time() < deadline, f"stream_user not receiving within {WAIT} s")
        time.sleep(0.05)
    step("stream_user is receiving")

    status = alice.status_post("live over the stream")
    kind, got = recorder.next("the update")
    check(kind == "update" and got["id"] == status["id"],
          f"expected update of {status['id']}, got {kind} {got!r}")
    check("live over the stream" in got["content"], f"update content: {got['content']!r}")
    check(got["account"]["id"] == me["id"], "update's account is not alice")
    step("on_update: the new post, with its content and author")

    alice.status_update(status["id"], status="edited over the stream")
    kind, got = recorder.next("the status.update")
    check(kind == "status.update" and got["id"] == status["id"] and "edited" in got["content"],
          f"expected status.update of {status['id']}, got {kind} {got!r}")
    step("on_status_update: the edit")

    # A second account, signed up through the API, favourites the post.
    r = requests.post(base + "/oauth/token", data={
        "grant_type": "client_credentials", "client_id": client_id,
        "client_secret": client_secret, "scope": " ".join(SCOPES),
    }, timeout=TIMEOUT)
    check(r.status_code == 200, f"client_credentials: {r.status_code} {r.text}")
    name = f"bob_{secrets.token_hex(4)}"
    r = requests.post(base + "/api/v1/accounts", headers={"Authorization": f"Bearer {r.json()['access_token']}"}, data={
        "username": name, "email": f"{name}@example.org", "password": secrets.token_urlsafe(18),
        "agreement": "true", "locale": "en",
    }, timeout=TIMEOUT)
    check(r.status_code == 200, f"sign-up: {r.status_code} {r.text}")
    bob = Mastodon(access_token=r.json()["access_token"], api_base_url=base,
                   version_check_mode="none", request_timeout=TIMEOUT)
    bob.status_favourite(status["id"])
    kind, got = recorder.next("the favourite notification")
    check(kind == "notification" and got["type"] == "favourite"
          and got["account"]["username"] == name and got["status"]["id"] == status["id"],
          f"expected a favourite notification from {name}, got {kind} {got!r}")
    step("on_notification: the favourite, with who and which post")

    alice.status_delete(status["id"])
    kind, got = recorder.next("the delete")
    check(kind == "delete" and str(got) == str(status["id"]),
          f"expected delete of {status['id']}, got {kind} {got!r}")
    step("on_delete: the post's id")

    handle.close()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Failed as e:
        print(f"FAILED: {e}", flush=True)
        sys.exit(1)
    except Exception:
        traceback.print_exc()
        sys.exit(2)
