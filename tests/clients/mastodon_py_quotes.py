"""Real-client quote posts: Mastodon.py (which speaks Mastodon 4.5's quote
API) quotes, lists quotes, changes a post's policy and revokes a quote.

Environment: ROOST_BASE_URL, ROOST_TEST_EMAIL, ROOST_TEST_PASSWORD (an
existing account, made by tests/it/clients.rs with `roost admin
create-account`). A second account signs up through the API.

Run with the Python of the venv made from tests/clients/requirements.txt:
  .venv/bin/python tests/clients/mastodon_py_quotes.py

Prints one "ok: ..." line per check; exit status 0 when every check passed,
1 on a failed check or an unexpected HTTP error.
"""

import os
import secrets
import sys

from mastodon import Mastodon, MastodonError, MastodonNotFoundError


def check(cond, msg):
    if not cond:
        print(f"FAILED: {msg}")
        sys.exit(1)
    print(f"ok: {msg}")


def main():
    base = os.environ["ROOST_BASE_URL"]
    client_id, client_secret = Mastodon.create_app(
        "roost quotes test", api_base_url=base, scopes=["read", "write"])
    alice = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base)
    alice.log_in(username=os.environ["ROOST_TEST_EMAIL"], password=os.environ["ROOST_TEST_PASSWORD"],
                 scopes=["read", "write"], allow_http=True)
    check(alice.verify_minimum_version("4.5.0", cached=False), "the server says it speaks 4.5")

    bob = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base)
    name = f"bob_{secrets.token_hex(3)}"
    bob.create_account(name, secrets.token_urlsafe(18), f"{name}@example.org", agreement=True,
                       locale="en", scopes=["read", "write"])

    original = alice.status_post("worth quoting")
    check(original["quote_approval"]["automatic"] == ["public"], "a new post may be quoted by anyone")
    quoting = bob.status_post("indeed", quoted_status_id=original["id"])
    check(quoting["quote"]["state"] == "accepted", "the quote is accepted at once")
    check(quoting["quote"]["quoted_status"]["id"] == original["id"], "and carries the quoted post")

    quotes = alice.status_quotes(original)
    check([q["id"] for q in quotes] == [quoting["id"]], "the quotes list has it")
    check(alice.status(original["id"])["quotes_count"] == 1, "the quoted post counts it")

    closed = alice.status_update_quote_approval_policy(original, "nobody")
    check(closed["quote_approval"]["automatic"] == [], "the author closes the post to new quotes")
    try:
        bob.status_post("again", quoted_status_id=original["id"])
        check(False, "a closed post cannot be quoted")
    except MastodonNotFoundError:
        check(True, "a closed post cannot be quoted (404)")

    revoked = alice.status_quote_revoke(original, quoting)
    check(revoked["id"] == quoting["id"] and revoked["quote"]["state"] == "revoked",
          "the quoted author revokes the quote")
    check(alice.status_quotes(original) == [], "a revoked quote leaves the list")

    followers_only = bob.status_post("friends only", quote_approval_policy="followers")
    check(followers_only["quote_approval"]["automatic"] == ["followers"],
          "a post may be opened to followers only")
    check(alice.status(followers_only["id"])["quote_approval"]["current_user"] == "denied",
          "someone who does not follow may not quote it")


if __name__ == "__main__":
    try:
        main()
    except MastodonError as e:
        print(f"FAILED: Mastodon.py raised {e!r}")
        sys.exit(1)
