#!/usr/bin/env python3
"""Bulk-seeds a fresh roost database for the scale benchmark (bench/scale.sh).

Writes straight into the tables, as roost itself would have left them:

- N local accounts with users rows. One account is made through
  `roost admin create-account` first; its argon2id hash and RSA key pair are
  copied to every seeded account (all share the password below), then it is
  deleted. Account 1 is "celeb" (followed by everyone else), account 2 is
  "mid" (followed by --mid-followers others); every account also follows
  --follows random others (never celeb or mid, so their follower counts are
  exact). Counters (followers, following, statuses, last_status_at) match.
- --statuses public top-level statuses, spread uniformly over the accounts and
  over the last --days days, ids time-sortable (ms << 16 | seq) and consistent
  with created_at; uri/url as src/service/statuses.rs builds them.
- home_feed exactly as the fan-out would have filled it (author + each
  follower), with INSERT … SELECT … JOIN follows in the database.
- one OAuth app and tokens (digest as src/auth/mod.rs stores it) for
  --readers random ordinary accounts plus celeb and mid, written to
  --tokens-file as "role<TAB>username<TAB>account_id<TAB>token".

SQLite through the stdlib sqlite3 module; PostgreSQL through psql (COPY from
stdin). Python stdlib only.

  bench/seed_scale.py --db /tmp/x/roost.db --domain 127.0.0.1:18991
  bench/seed_scale.py --db postgres://postgres@127.0.0.1:5432/roost_scale ...
"""

import argparse
import base64
import csv
import datetime as dt
import hashlib
import io
import os
import random
import secrets
import sqlite3
import subprocess
import sys
import tempfile
import time

PASSWORD = "scale password 1"
TEMPLATE = "scaletemplate"
WORDS = (
    "the quick brown fox jumps over lazy dog roost mastodon fediverse timeline "
    "coffee morning evening weather train garden music reading walking cat "
    "today tomorrow small server federation post thread home feed scale test"
).split()


# ---------------------------------------------------------------- helpers


def rfc3339(ms):
    """A UTC time as sqlx writes DateTime<Utc> to SQLite (SecondsFormat::AutoSi)."""
    secs, milli = divmod(ms, 1000)
    base = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(secs))
    return f"{base}.{milli:03d}+00:00" if milli else f"{base}+00:00"


def digest(secret):
    """crate::auth::digest: lower-case hex SHA-256."""
    return hashlib.sha256(secret.encode()).hexdigest()


def random_token():
    """crate::auth::random_token: 32 random bytes, URL-safe base64, no padding."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()


def scheme_for(domain, protocol):
    """Config::scheme."""
    if protocol in ("http", "https"):
        return protocol
    host, _, port = domain.rpartition(":")
    if not host or not port.isdigit():
        host = domain
    host = host.strip("[]")
    loop = host == "localhost" or host.endswith(".localhost")
    if not loop:
        import ipaddress

        try:
            loop = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loop = False
    return "http" if loop else "https"


class Phase:
    """Prints how long each phase took."""

    timings = []

    def __init__(self, name):
        self.name = name

    def __enter__(self):
        print(f"[seed] {self.name} …", flush=True)
        self.t0 = time.monotonic()
        return self

    def __exit__(self, *exc):
        el = time.monotonic() - self.t0
        Phase.timings.append((self.name, el))
        print(f"[seed] {self.name}: {el:.1f} s", flush=True)


# ---------------------------------------------------------------- backends


class Sqlite:
    kind = "sqlite"

    def __init__(self, path):
        self.path = path
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.execute("PRAGMA synchronous = OFF")
        self.db.execute("PRAGMA foreign_keys = OFF")  # the seed is consistent by construction
        self.db.execute("PRAGMA cache_size = -1048576")  # 1 GiB while seeding
        self.db.execute("PRAGMA temp_store = MEMORY")
        self.db.execute("PRAGMA mmap_size = 4294967296")

    def true(self):
        return 1

    def false(self):
        return 0

    def query(self, sql):
        return self.db.execute(sql).fetchall()

    def query_dicts(self, sql):
        cur = self.db.execute(sql)
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r)) for r in cur.fetchall()]

    def execute(self, sql, params=()):
        self.db.execute(sql, params)

    def script(self, sql):
        self.db.executescript(sql)

    def insert(self, table, cols, rows):
        sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
        self.db.execute("BEGIN")
        self.db.executemany(sql, rows)
        self.db.execute("COMMIT")

    def home_feed(self, account_ids, chunk, sessions=1):
        # Per range of readers, sorted by the primary key so that both indexes
        # are filled nearly in order.
        sql = (
            "INSERT INTO home_feed (account_id, status_id, author_id) "
            "SELECT f.account_id, s.id, s.account_id FROM follows f "
            "JOIN statuses s ON s.account_id = f.target_account_id "
            "WHERE f.account_id >= ?1 AND f.account_id <= ?2 "
            "UNION ALL SELECT s.account_id, s.id, s.account_id FROM statuses s "
            "WHERE s.account_id >= ?1 AND s.account_id <= ?2 ORDER BY 1, 2"
        )
        self.db.execute("BEGIN")
        for i in range(0, len(account_ids), chunk):
            part = account_ids[i : i + chunk]
            self.db.execute(sql, (part[0], part[-1]))
        self.db.execute("COMMIT")

    def finish(self):
        self.db.execute("ANALYZE")
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def size(self):
        return sum(
            os.path.getsize(p)
            for p in (self.path, self.path + "-wal", self.path + "-shm")
            if os.path.exists(p)
        )

    def close(self):
        self.db.close()


class Postgres:
    kind = "postgres"
    NULL = r"\N"

    def __init__(self, url):
        self.url = url

    def true(self):
        return "t"

    def false(self):
        return "f"

    def _psql(self, args, stdin=None, capture=True):
        cmd = ["psql", self.url, "-X", "-q", "-v", "ON_ERROR_STOP=1"] + args
        r = subprocess.run(cmd, input=stdin, capture_output=capture, text=True)
        if r.returncode != 0:
            sys.exit(f"psql failed ({' '.join(args)[:200]}): {r.stderr}")
        return r.stdout

    def query_dicts(self, sql):
        out = self._psql(["-c", f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER, NULL '\\N')"])
        rows = list(csv.reader(io.StringIO(out)))
        cols = rows[0]
        return [{c: (None if v == self.NULL else v) for c, v in zip(cols, r)} for r in rows[1:]]

    def query(self, sql):
        return [tuple(d.values()) for d in self.query_dicts(sql)]

    def execute(self, sql, params=()):
        assert not params
        self._psql(["-c", sql])

    def script(self, sql):
        self._psql(["-f", "-"], stdin=sql)

    def insert(self, table, cols, rows):
        """COPY … FROM STDIN in CSV, streamed to psql."""
        cmd = ["psql", self.url, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c",
               f"\\copy {table} ({', '.join(cols)}) FROM pstdin WITH (FORMAT csv, NULL '\\N')"]
        p = subprocess.Popen(cmd, stdin=subprocess.PIPE, text=True, bufsize=1 << 20)
        w = csv.writer(p.stdin, lineterminator="\n")
        null = self.NULL
        batch = []
        for r in rows:
            batch.append([null if v is None else v for v in r])
            if len(batch) >= 10000:
                w.writerows(batch)
                batch.clear()
        w.writerows(batch)
        p.stdin.close()
        if p.wait() != 0:
            sys.exit(f"COPY into {table} failed")

    def home_feed(self, account_ids, chunk, sessions=2):
        # Several sessions, each taking every n-th range of readers, so all cores work.
        parts = [account_ids[i : i + chunk] for i in range(0, len(account_ids), chunk)]
        scripts = [""] * sessions
        for n, part in enumerate(parts):
            lo, hi = part[0], part[-1]
            scripts[n % sessions] += (
                "INSERT INTO home_feed (account_id, status_id, author_id) "
                "SELECT f.account_id, s.id, s.account_id FROM follows f "
                "JOIN statuses s ON s.account_id = f.target_account_id "
                f"WHERE f.account_id BETWEEN {lo} AND {hi} "
                "UNION ALL SELECT s.account_id, s.id, s.account_id FROM statuses s "
                f"WHERE s.account_id BETWEEN {lo} AND {hi} ORDER BY 1, 2;\n"
            )
        procs = []
        for s in scripts:
            sql = "SET synchronous_commit = off; SET work_mem = '256MB';\nBEGIN;\n" + s + "COMMIT;\n"
            procs.append(subprocess.Popen(
                ["psql", self.url, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", "-"],
                stdin=subprocess.PIPE, text=True))
            procs[-1].stdin.write(sql)
            procs[-1].stdin.close()
        if any(p.wait() != 0 for p in procs):
            sys.exit("home_feed insert failed")

    def finish(self):
        self._psql(["-c", "VACUUM ANALYZE"])
        self._psql(["-c", "CHECKPOINT"])

    def size(self):
        return int(self.query("SELECT pg_database_size(current_database())")[0][0])

    def close(self):
        pass


# ---------------------------------------------------------------- seeding


def run_roost(args, env_db_url, *cmd):
    env = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="roost-seed-") as scratch:
        env.update(
            ROOST_DATABASE_URL=env_db_url,
            ROOST_SERVER_DOMAIN=args.domain,
            ROOST_STORAGE_DATA_DIR=env.get("ROOST_STORAGE_DATA_DIR") or scratch,
            RUST_LOG="warn",
        )
        r = subprocess.run([args.bin, *cmd], env=env, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"{args.bin} {' '.join(cmd)} failed: {r.stderr}{r.stdout}")
    return r.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", required=True, help="SQLite path (or sqlite://PATH) or postgres:// URL")
    ap.add_argument("--accounts", type=int, default=10_000)
    ap.add_argument("--statuses", type=int, default=1_000_000)
    ap.add_argument("--follows", type=int, default=20, help="random follows per account")
    ap.add_argument("--mid-followers", type=int, default=1000)
    ap.add_argument("--readers", type=int, default=100, help="reader tokens to issue")
    ap.add_argument("--days", type=float, default=30, help="statuses span the last DAYS days")
    ap.add_argument("--domain", default="127.0.0.1:18991", help="server.domain roost will serve under")
    ap.add_argument("--protocol", default="auto")
    ap.add_argument("--bin", default=os.environ.get("ROOST_BIN", "target/release/roost"))
    ap.add_argument("--tokens-file", default="tokens.tsv")
    ap.add_argument("--feed-chunk", type=int, default=250, help="readers per home_feed INSERT")
    ap.add_argument("--feed-sessions", type=int, default=2,
                    help="PostgreSQL sessions filling home_feed in parallel (SQLite: 1)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    if args.accounts < args.mid_followers + 3 or args.accounts < args.follows + 4:
        sys.exit("too few accounts for --mid-followers / --follows")

    rnd = random.Random(args.seed)
    t_all = time.monotonic()
    if args.db.startswith(("postgres://", "postgresql://")):
        db_url = args.db
        make = lambda: Postgres(args.db)  # noqa: E731
    else:
        path = args.db.removeprefix("sqlite://")
        db_url = f"sqlite://{os.path.abspath(path)}"
        make = lambda: Sqlite(path)  # noqa: E731

    with Phase("migrate + template account (roost admin create-account)"):
        run_roost(args, db_url, "migrate")
        db = make()
        if db.query("SELECT COUNT(*) FROM accounts")[0][0] not in (0, "0"):
            sys.exit("the database already has accounts: seed a fresh one")
        run_roost(args, db_url, "admin", "create-account", "--username", TEMPLATE,
                  "--email", f"{TEMPLATE}@scale.example", "--password", PASSWORD)
        tmpl = db.query_dicts(f"SELECT * FROM accounts WHERE username = '{TEMPLATE}'")[0]
        tmpl_user = db.query_dicts(f"SELECT * FROM users WHERE account_id = {tmpl['id']}")[0]
        db.execute(f"DELETE FROM users WHERE account_id = {tmpl['id']}")
        db.execute(f"DELETE FROM accounts WHERE id = {tmpl['id']}")

    base = f"{scheme_for(args.domain, args.protocol)}://{args.domain}"
    now_ms = int(time.time() * 1000)
    span_ms = int(args.days * 86_400_000)
    st_start = now_ms - span_ms - 60_000  # statuses end a minute before now
    acct_start = st_start - 60 * 86_400_000  # accounts made 60-30 days before that
    n = args.accounts

    # --- accounts and follows, computed in Python
    names = ["celeb", "mid"] + [f"user{i}" for i in range(3, n + 1)]
    acct_ms = [acct_start + i * (30 * 86_400_000 // n) for i in range(n)]
    ids = [(ms << 16) | rnd.randrange(0x1000) for ms in acct_ms]
    celeb, mid = ids[0], ids[1]
    with Phase("follows (computed)"):
        follows = []  # (follower index, target index)
        follows += [(i, 0) for i in range(1, n)]
        follows += [(i, 1) for i in rnd.sample([i for i in range(n) if i != 1], args.mid_followers)]
        for i in range(n):
            chosen = set()
            while len(chosen) < args.follows:
                t = rnd.randrange(2, n)
                if t != i:
                    chosen.add(t)
            follows += [(i, t) for t in chosen]
        followers = [0] * n
        following = [0] * n
        for a, t in follows:
            following[a] += 1
            followers[t] += 1

    # --- statuses, computed in Python (authors uniform, times even over the span)
    ns = args.statuses
    authors = [rnd.randrange(n) for _ in range(ns)]
    statuses_count = [0] * n
    last_ms = [None] * n
    st_ms = [st_start + (k * span_ms) // ns for k in range(ns)]
    for k, a in enumerate(authors):
        statuses_count[a] += 1
        last_ms[a] = st_ms[k]

    with Phase(f"accounts + users ({n})"):
        acols = list(tmpl.keys())
        ucols = list(tmpl_user.keys())

        def account_rows():
            for i in range(n):
                r = dict(tmpl)
                uri = f"{base}/users/{names[i]}"
                created = rfc3339(acct_ms[i])
                r.update(
                    id=ids[i], username=names[i], uri=uri, url=f"{base}/@{names[i]}",
                    inbox_url=f"{uri}/inbox", shared_inbox_url=f"{base}/inbox",
                    outbox_url=f"{uri}/outbox", followers_url=f"{uri}/followers",
                    following_url=f"{uri}/following", featured_url=f"{uri}/collections/featured",
                    statuses_count=statuses_count[i], followers_count=followers[i],
                    following_count=following[i],
                    last_status_at=rfc3339(last_ms[i]) if last_ms[i] is not None else None,
                    created_at=created, updated_at=created,
                )
                yield [r[c] for c in acols]

        def user_rows():
            for i in range(n):
                r = dict(tmpl_user)
                r.update(account_id=ids[i], email=f"{names[i]}@scale.example",
                         created_at=rfc3339(acct_ms[i]), last_sign_in_at=None)
                yield [r[c] for c in ucols]

        db.insert("accounts", acols, account_rows())
        db.insert("users", ucols, user_rows())

    with Phase(f"follows ({len(follows)})"):
        fol_start = acct_start + 30 * 86_400_000  # after every account exists

        def follow_rows():
            for k, (a, t) in enumerate(sorted(follows)):
                ms = fol_start + k * (30 * 86_400_000 // max(len(follows), 1)) // 2
                fid = (ms << 16) | (k & 0xFFFF)
                yield [fid, ids[a], ids[t], db.true(), db.false(), None,
                       f"{base}/users/{names[a]}#follows/{fid}", rfc3339(ms)]

        db.insert("follows", ["id", "account_id", "target_account_id", "show_reblogs", "notify",
                              "languages", "uri", "created_at"], follow_rows())

    with Phase("OAuth app"):
        app_id = ((now_ms - 3_600_000) << 16) | 1
        db.insert("apps", ["id", "name", "website", "redirect_uris", "scopes", "client_id",
                           "client_secret_hash", "created_at"],
                  [[app_id, "scale-bench", None, "urn:ietf:wg:oauth:2.0:oob", "read write follow",
                    random_token(), digest(random_token()), rfc3339(now_ms - 3_600_000)]])

    with Phase(f"statuses ({ns})"):
        true, false = db.true(), db.false()
        urls = [f"{base}/@{nm}" for nm in names]
        uris = [f"{base}/users/{nm}/statuses/" for nm in names]

        def status_rows():
            choices = rnd.choices
            for k in range(ns):
                ms = st_ms[k]
                sid = (ms << 16) | (k & 0xFFFF)
                a = authors[k]
                text = f"post {k}: " + " ".join(choices(WORDS, k=rnd.randrange(6, 16)))
                yield (sid, ids[a], uris[a] + str(sid), f"{urls[a]}/{sid}", true, None, None, None,
                       sid, "public", text, f"<p>{text}</p>", "", false, "en", app_id, None,
                       0, 0, 0, rfc3339(ms), None)

        db.insert("statuses", ["id", "account_id", "uri", "url", "local", "in_reply_to_id",
                               "in_reply_to_account_id", "reblog_of_id", "conversation_id",
                               "visibility", "text", "content", "spoiler_text", "sensitive",
                               "language", "application_id", "poll_id", "replies_count",
                               "reblogs_count", "favourites_count", "created_at", "edited_at"],
                  status_rows())

    expected_feed = ns + sum(followers[a] for a in authors)
    with Phase("home_feed (INSERT … SELECT … JOIN follows)"):
        db.home_feed(sorted(ids), args.feed_chunk, args.feed_sessions if db.kind == "postgres" else 1)
    feed_rows = int(db.query("SELECT COUNT(*) FROM home_feed")[0][0])
    print(f"[seed] home_feed rows: {feed_rows} (expected {expected_feed})", flush=True)
    if feed_rows != expected_feed:
        sys.exit("home_feed row count does not match the fan-out")

    with Phase("tokens"):
        ordinary = list(range(2, n))
        readers = rnd.sample(ordinary, min(args.readers, len(ordinary)))
        who = [("celeb", 0), ("mid", 1)] + [("reader", i) for i in readers]
        rows, lines = [], []
        for k, (role, i) in enumerate(who):
            tok = random_token()
            rows.append([((now_ms - 1_800_000 + k) << 16) | 1, digest(tok), None, app_id, ids[i],
                         "read write follow", rfc3339(now_ms - 1_800_000 + k), None, None])
            lines.append(f"{role}\t{names[i]}\t{ids[i]}\t{tok}\n")
        db.insert("tokens", ["id", "token_hash", "refresh_hash", "app_id", "account_id", "scopes",
                             "created_at", "revoked_at", "last_used_at"], rows)
        with open(args.tokens_file, "w") as f:
            f.writelines(lines)

    with Phase("ANALYZE" if db.kind == "sqlite" else "VACUUM ANALYZE"):
        db.finish()

    total = time.monotonic() - t_all
    size = db.size()
    db.close()
    print(f"[seed] total: {total:.1f} s; database size: {size / 2**20:.0f} MiB")
    print("SEED\tphase\tseconds")
    for name, el in Phase.timings:
        print(f"SEED\t{name}\t{el:.1f}")
    print(f"SEED\ttotal\t{total:.1f}")
    print(f"SEED\thome_feed_rows\t{feed_rows}")
    print(f"SEED\tdb_bytes\t{size}")
    print(f"SEED\tcounts\taccounts={n} follows={len(follows)} statuses={ns} "
          f"celeb_followers={followers[0]} mid_followers={followers[1]} "
          f"celeb_statuses={statuses_count[0]} mid_statuses={statuses_count[1]}")


if __name__ == "__main__":
    main()
