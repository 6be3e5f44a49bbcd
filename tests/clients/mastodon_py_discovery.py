"""Real-client search and discovery: Mastodon.py finds a post by its words
(the full-text index), a hashtag by prefix with its history, an account
by name, sees a hashtag two accounts used trend, and reads the
recommended feed with its reasons.

Environment: ROOST_BASE_URL, ROOST_TEST_EMAIL, ROOST_TEST_PASSWORD (an
existing account, made by tests/it/clients.rs with `roost admin
create-account`; the server recomputes trends every second). A second
account signs up through the API.

Run with the Python of the venv made from tests/clients/requirements.txt:
  .venv/bin/python tests/clients/mastodon_py_discovery.py

Prints one "ok: ..." line per check; exit status 0 when every check passed,
1 on a failed check or an unexpected HTTP error.
"""

import os
import secrets
import sys
import time

from mastodon import Mastodon


def check(cond, msg):
    if not cond:
        print(f"FAILED: {msg}")
        sys.exit(1)
    print(f"ok: {msg}")


def eventually(what, probe, seconds=15):
    """probe() until it returns something true; fails after `seconds`."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        got = probe()
        if got:
            return got
        time.sleep(0.2)
    check(False, what)


def main():
    base = os.environ["ROOST_BASE_URL"]
    client_id, client_secret = Mastodon.create_app(
        "roost discovery test", api_base_url=base, scopes=["read", "write", "follow"])
    alice = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base)
    alice.log_in(username=os.environ["ROOST_TEST_EMAIL"], password=os.environ["ROOST_TEST_PASSWORD"],
                 scopes=["read", "write", "follow"], allow_http=True)
    bob = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base)
    name = f"bob_{secrets.token_hex(3)}"
    bob.create_account(name, secrets.token_urlsafe(18), f"{name}@example.org", agreement=True,
                       locale="en", scopes=["read", "write", "follow"])

    heron = alice.status_post("The grey heron stands very still #Wading")
    bob.status_post("Herons and egrets, all #wading today")
    alice.status_post("a private note about a heron", visibility="private")

    found = eventually("bob finds alice's post by a word in it",
                       lambda: bob.search_v2("grey heron", result_type="statuses")["statuses"])
    check([s["id"] for s in found] == [heron["id"]], "the phrase finds exactly that post")
    mine = bob.search_v2("grey from:me", result_type="statuses")["statuses"]
    check(mine == [], "from:me finds none of alice's posts for bob")
    private = bob.search_v2("private note", result_type="statuses")["statuses"]
    check(private == [], "a followers-only post is not found by a non-follower")

    tags = bob.search_v2("#wad", result_type="hashtags", exclude_unreviewed=False)["hashtags"]
    check([t["name"].lower() for t in tags] == ["wading"], "a hashtag is found by its prefix")
    unreviewed = bob.search_v2("#wad", result_type="hashtags")["hashtags"]
    check(unreviewed == [], "but not when only reviewed hashtags are asked for (Mastodon.py's default)")
    exact = bob.search_v2("#wading", result_type="hashtags")["hashtags"]
    check([t["name"].lower() for t in exact] == ["wading"], "the hashtag named exactly is found all the same")
    check(len(tags[0]["history"]) == 7 and tags[0]["history"][0]["accounts"] == "2",
          "with seven days of history: two accounts used it today")
    accounts = bob.account_search("alic")
    check([a["acct"] for a in accounts] == ["alice"], "an account is found by the start of its name")

    trending = eventually("the hashtag two accounts used trends",
                          lambda: [t for t in bob.trending_tags() if t["name"].lower() == "wading"])
    check(trending[0]["history"][0]["uses"] == "2", "the trend counts both uses")

    bob.status_favourite(heron)
    carol = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base)
    cname = f"carol_{secrets.token_hex(3)}"
    carol.create_account(cname, secrets.token_urlsafe(18), f"{cname}@example.org", agreement=True,
                         locale="en", scopes=["read", "write", "follow"])
    carol.account_follow(bob.me())
    # roost's own endpoint, through the client's request machinery (auth, errors).
    feed = carol._Mastodon__api_request("GET", "/api/v1/roost/timelines/recommended")
    check([s["id"] for s in feed] == [heron["id"]], "carol is recommended what bob, whom she follows, liked")
    check(feed[0]["roost"]["reason"].startswith(f"Liked or boosted by @{name}"), "with why")


if __name__ == "__main__":
    main()
