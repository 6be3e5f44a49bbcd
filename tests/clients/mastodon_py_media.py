#!/usr/bin/env python3
"""Real-client media scenario: Mastodon.py uploads, describes and posts an
image, and sets an avatar.

Environment: ROOST_BASE_URL, ROOST_TEST_EMAIL, ROOST_TEST_PASSWORD (an
existing account, made by tests/it/clients.rs with `roost admin
create-account`).

Run with the Python of the venv made from tests/clients/requirements.txt:
  .venv/bin/python tests/clients/mastodon_py_media.py

Prints one "ok: ..." line per check; exit status 0 when every check passed,
1 on a failed check or an HTTP error.
"""

import os
import struct
import sys
import zlib

import requests
from mastodon import Mastodon, MastodonError


def png(width, height, rgba):
    """A PNG of one colour, written by hand (no imaging library here)."""
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)
    row = b"\x00" + bytes(rgba) * width
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(row * height))
            + chunk(b"IEND", b""))


def check(cond, msg):
    if not cond:
        print(f"FAILED: {msg}")
        sys.exit(1)
    print(f"ok: {msg}")


def main():
    base = os.environ["ROOST_BASE_URL"]
    client_id, client_secret = Mastodon.create_app(
        "roost media test", api_base_url=base, scopes=["read", "write"])
    m = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base)
    m.log_in(username=os.environ["ROOST_TEST_EMAIL"], password=os.environ["ROOST_TEST_PASSWORD"],
             scopes=["read", "write"], allow_http=True)

    picture = png(120, 80, (200, 30, 30, 255))
    media = m.media_post(picture, mime_type="image/png", description="a red rectangle",
                         focus=(0.5, -0.5))
    check(media["type"] == "image", "an uploaded PNG is an image attachment")
    check(media["meta"]["original"]["width"] == 120 and media["meta"]["original"]["height"] == 80,
          "meta has the original size")
    check(media["meta"]["focus"] == {"x": 0.5, "y": -0.5}, "the focal point is kept")
    check(bool(media["blurhash"]) and bool(media["preview_url"]), "a blurhash and a preview come at once")
    r = requests.get(media["url"])
    check(r.status_code == 200 and r.headers["content-type"].startswith("image/"),
          "the file is served with an image type")

    media = m.media_update(media, description="a red rectangle, described again")
    check(media["description"] == "a red rectangle, described again", "the description can be changed")

    status = m.status_post("a picture", media_ids=[media])
    attached = status["media_attachments"]
    check(len(attached) == 1 and attached[0]["id"] == media["id"], "the post carries the attachment")
    check(attached[0]["description"] == "a red rectangle, described again", "with its description")
    mine = m.account_statuses(m.me(), only_media=True)
    check([s["id"] for s in mine] == [status["id"]], "only_media lists the post")

    try:
        m.media_post(b"<svg onload=alert(1)>", mime_type="image/png")
        check(False, "a file that is not an image is refused")
    except MastodonError:
        check(True, "a file that is not an image is refused")

    me = m.account_update_credentials(avatar=png(500, 500, (0, 0, 255, 255)), avatar_mime_type="image/png")
    check(me["avatar"].startswith(base + "/media/"), "the avatar is stored and served by roost")
    r = requests.get(me["avatar"])
    check(r.status_code == 200, "the avatar file is served")


if __name__ == "__main__":
    try:
        main()
    except MastodonError as e:
        print(f"FAILED: Mastodon.py raised {e!r}")
        sys.exit(1)
