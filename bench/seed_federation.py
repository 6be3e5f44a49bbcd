#!/usr/bin/env python3
"""Seeds a fresh roost database for the federation benchmark (bench/federation.sh).

Writes straight into the tables, as roost itself would have left them after
resolving the remote actors and accepting their Follows:

- one local account, --username (default "poster"), made through
  `roost admin create-account` (so it has its own RSA key), with an OAuth app
  and a token written to --tokens-file as "username<TAB>account_id<TAB>token";
- --instances remote instances at 127.0.0.1:PORT, PORT = --base-port + i,
  each with --per-instance remote accounts u0, u1, … (domain "127.0.0.1:PORT",
  inbox http://127.0.0.1:PORT/users/uN/inbox, shared inbox
  http://127.0.0.1:PORT/inbox, the public key the fleet publishes for that
  port: key{PORT % count}.pub.pem in --keys), fetched just now, and an
  `instances` row each;
- a follow from every remote account to the local one, and the counters
  (followers_count, following_count) to match.

The fleet (`fedbench fleet`) serves the same actors, so the seeded rows and
what roost would fetch agree. SQLite through the stdlib sqlite3 module;
PostgreSQL through psql (the backends of bench/seed_scale.py).

  bench/seed_federation.py --db /tmp/x/roost.db --domain 127.0.0.1:18992 \
      --keys /tmp/x/keys --base-port 21000
"""

import argparse
import os
import sys
import time

from seed_scale import Postgres, Sqlite, digest, random_token, rfc3339, run_roost

PASSWORD = "federation bench password"


def public_pems(keys_dir):
    pems = []
    while os.path.exists(os.path.join(keys_dir, f"key{len(pems)}.pub.pem")):
        with open(os.path.join(keys_dir, f"key{len(pems)}.pub.pem")) as f:
            pems.append(f.read())
    if not pems:
        sys.exit(f"no keys in {keys_dir} (run fedbench keygen)")
    return pems


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", required=True, help="SQLite path (or sqlite://PATH) or postgres:// URL")
    ap.add_argument("--domain", required=True, help="server.domain roost will serve under")
    ap.add_argument("--keys", required=True, help="directory of fedbench keygen's keys")
    ap.add_argument("--base-port", type=int, default=21000)
    ap.add_argument("--instances", type=int, default=1000)
    ap.add_argument("--per-instance", type=int, default=10)
    ap.add_argument("--username", default="poster")
    ap.add_argument("--bin", default=os.environ.get("ROOST_BIN", "target/release/roost"))
    ap.add_argument("--tokens-file", default="tokens.tsv")
    args = ap.parse_args()
    if args.instances * args.per_instance > 65536:
        sys.exit("at most 65,536 remote accounts")

    t_all = time.monotonic()
    if args.db.startswith(("postgres://", "postgresql://")):
        db_url = args.db
        make = lambda: Postgres(args.db)  # noqa: E731
    else:
        path = args.db.removeprefix("sqlite://")
        db_url = f"sqlite://{os.path.abspath(path)}"
        make = lambda: Sqlite(path)  # noqa: E731

    run_roost(args, db_url, "migrate")
    db = make()
    if db.query("SELECT COUNT(*) FROM accounts")[0][0] not in (0, "0"):
        sys.exit("the database already has accounts: seed a fresh one")
    run_roost(args, db_url, "admin", "create-account", "--username", args.username,
              "--email", f"{args.username}@federation.example", "--password", PASSWORD)
    poster = int(db.query(f"SELECT id FROM accounts WHERE username = '{args.username}' AND domain IS NULL")[0][0])
    print(f"[seed] local account {args.username}: {poster}", flush=True)

    pems = public_pems(args.keys)
    now_ms = int(time.time() * 1000)
    made_ms = now_ms - 86_400_000  # the remote accounts were resolved a day ago …
    now = rfc3339(now_ms - 60_000)  # … and fetched again a minute ago
    n = args.instances * args.per_instance

    cols = ["id", "username", "domain", "display_name", "note", "fields", "uri", "url", "inbox_url",
            "shared_inbox_url", "outbox_url", "followers_url", "following_url", "featured_url",
            "public_key_pem", "public_key_id", "actor_type", "also_known_as", "following_count",
            "created_at", "updated_at", "fetched_at"]
    accounts = []
    for i in range(args.instances):
        port = args.base_port + i
        base = f"http://127.0.0.1:{port}"
        for j in range(args.per_instance):
            k = i * args.per_instance + j
            uri = f"{base}/users/u{j}"
            accounts.append([
                (made_ms << 16) | k, f"u{j}", f"127.0.0.1:{port}", f"fleet u{j}", "", "[]", uri, uri,
                f"{uri}/inbox", f"{base}/inbox", f"{uri}/outbox", f"{uri}/followers",
                f"{uri}/following", None, pems[port % len(pems)], f"{uri}#main-key", "Person", "[]", 1,
                rfc3339(made_ms), now, now,
            ])
    db.insert("accounts", cols, accounts)
    db.insert("instances", ["domain", "first_seen_at", "last_success_at"],
              [[f"127.0.0.1:{args.base_port + i}", rfc3339(made_ms), now] for i in range(args.instances)])
    follow_ms = made_ms + 1000
    db.insert("follows", ["id", "account_id", "target_account_id", "show_reblogs", "notify", "languages",
                          "uri", "created_at"],
              [[(follow_ms << 16) | k, a[0], poster, db.true(), db.false(), None,
                f"{a[6]}#follows/{k}", rfc3339(follow_ms)] for k, a in enumerate(accounts)])
    db.execute(f"UPDATE accounts SET followers_count = {n} WHERE id = {poster}")

    app_id = ((now_ms - 3_600_000) << 16) | 1
    db.insert("apps", ["id", "name", "website", "redirect_uris", "scopes", "client_id",
                       "client_secret_hash", "created_at"],
              [[app_id, "federation-bench", None, "urn:ietf:wg:oauth:2.0:oob", "read write follow",
                random_token(), digest(random_token()), rfc3339(now_ms - 3_600_000)]])
    token = random_token()
    db.insert("tokens", ["id", "token_hash", "refresh_hash", "app_id", "account_id", "scopes",
                         "created_at", "revoked_at", "last_used_at"],
              [[((now_ms - 1_800_000) << 16) | 1, digest(token), None, app_id, poster,
                "read write follow", rfc3339(now_ms - 1_800_000), None, None]])
    with open(args.tokens_file, "w") as f:
        f.write(f"{args.username}\t{poster}\t{token}\n")
    db.finish()
    db.close()
    print(f"[seed] {n} remote followers of {args.username} on {args.instances} instances "
          f"(127.0.0.1:{args.base_port}..{args.base_port + args.instances - 1}) "
          f"in {time.monotonic() - t_all:.1f} s", flush=True)


if __name__ == "__main__":
    main()
