#!/usr/bin/env python3
"""Full-text search benchmark (issue 19): query latency, index size, the
cost the index adds to writing a post, and the ratio to a plain LIKE scan,
on SQLite (FTS5) and PostgreSQL (tsvector + GIN), with N statuses.

    python3 bench/search_bench.py                     # 1,000,000 statuses, SQLite
    python3 bench/search_bench.py --pg postgres://postgres@127.0.0.1:5432/postgres
    python3 bench/search_bench.py --statuses 100000   # a quicker run

The schema comes from `roost migrate` (the debug binary, or --roost PATH);
rows are generated here (a Zipf-distributed vocabulary of 20,000 made-up
words, 8 to 40 words a post, 1,000 accounts, 90 % public) and written
straight into the tables and the index, as `put_status` would write them.
The queries are the SQL `db::search::search_statuses` builds for a
searcher's default scope (public posts of indexable accounts plus their
library), newest first, 20 a page. Not a test: nothing here asserts a time.
"""

import argparse
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DAY_MS = 86_400_000


def words(n, seed=7):
    rng = random.Random(seed)
    syllables = ["ka", "lo", "mi", "ren", "tu", "sa", "vel", "or", "qui", "na",
                 "do", "pe", "ri", "zon", "ba", "el", "fi", "gu", "ho", "ix"]
    out = set()
    while len(out) < n:
        out.add("".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))))
    return sorted(out)


def zipf_picker(vocab, rng):
    weights = [1.0 / (i + 1) for i in range(len(vocab))]
    cum, total = [], 0.0
    for w in weights:
        total += w
        cum.append(total)

    def pick(k):
        return rng.choices(vocab, cum_weights=cum, k=k)
    return pick


def generate(n, vocab):
    """(id, account_id, visibility, text, created_at) rows, oldest first."""
    rng = random.Random(42)
    pick = zipf_picker(vocab, rng)
    start_ms = int(time.time() * 1000) - 60 * DAY_MS
    step = max(1, (60 * DAY_MS) // max(n, 1))
    for i in range(n):
        ms = start_ms + i * step
        sid = (ms << 16) | (i & 0xFFF)
        vis = "public" if rng.random() < 0.9 else rng.choice(["unlisted", "private", "direct"])
        text = " ".join(pick(rng.randint(8, 40)))
        created = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms / 1000)) + ".000Z"
        yield sid, 1 + (i % 1000), vis, text, created


def queries(vocab):
    rng = random.Random(3)
    common, mid, rare = vocab[:50], vocab[200:2000], vocab[5000:]
    qs = []
    for _ in range(20):
        qs.append([rng.choice(common)])
    for _ in range(20):
        qs.append([rng.choice(mid)])
    for _ in range(20):
        qs.append([rng.choice(rare)])
    for _ in range(20):
        qs.append([rng.choice(common), rng.choice(mid)])
    for _ in range(20):
        qs.append([rng.choice(mid), rng.choice(rare)])
    return qs


LIBRARY = ("(s.account_id = {me} OR s.id IN (SELECT status_id FROM favourites WHERE account_id = {me})"
           " OR s.id IN (SELECT status_id FROM bookmarks WHERE account_id = {me})"
           " OR s.id IN (SELECT reblog_of_id FROM statuses WHERE account_id = {me} AND reblog_of_id IS NOT NULL)"
           " OR s.id IN (SELECT status_id FROM mentions WHERE account_id = {me}))")


def scope_sql(me):
    return ("((s.visibility = 'public' AND a.indexable) OR " + LIBRARY.format(me=me) + ")")


def pct(values, p):
    values = sorted(values)
    k = max(0, min(len(values) - 1, int(round(p / 100.0 * (len(values) - 1)))))
    return values[k]


def migrate(roost, url):
    env = dict(os.environ, ROOST_DATABASE_URL=url)
    subprocess.run([roost, "migrate"], env=env, check=True, capture_output=True)


def bench_sqlite(args, vocab):
    tmp = tempfile.mkdtemp(prefix="roost-search-bench-")
    path = os.path.join(tmp, "roost.db")
    migrate(args.roost, f"sqlite://{path}?mode=rwc")
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    # The trigger that queues each new post for the indexer is off while
    # rows are loaded; the write-cost measurement puts it back.
    queue_trigger = db.execute("SELECT sql FROM sqlite_master WHERE name = 'search_queue_new'").fetchone()[0]
    db.execute("DROP TRIGGER search_queue_new")
    now = "2026-01-01T00:00:00.000Z"
    db.execute("BEGIN")
    db.executemany(
        "INSERT INTO accounts (id, username, uri, public_key_pem, created_at, updated_at, indexable)"
        " VALUES (?, ?, ?, '', ?, ?, 1)",
        [(i, f"user{i}", f"https://bench.example/users/user{i}", now, now) for i in range(1, 1001)])
    db.execute("COMMIT")
    t0 = time.perf_counter()
    db.execute("BEGIN")
    batch = []
    for row in generate(args.statuses, vocab):
        batch.append(row)
        if len(batch) == 10_000:
            db.executemany("INSERT INTO statuses (id, account_id, uri, local, visibility, text, content, created_at)"
                           " VALUES (?, ?, 'u' || ?1, 1, ?, ?, '', ?)", [(r[0], r[1], r[2], r[3], r[4]) for r in batch])
            batch.clear()
    if batch:
        db.executemany("INSERT INTO statuses (id, account_id, uri, local, visibility, text, content, created_at)"
                       " VALUES (?, ?, 'u' || ?1, 1, ?, ?, '', ?)", [(r[0], r[1], r[2], r[3], r[4]) for r in batch])
    db.execute("COMMIT")
    load_rows = time.perf_counter() - t0
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size_without = os.path.getsize(path)
    t0 = time.perf_counter()
    db.execute("BEGIN")
    db.execute("INSERT INTO status_search (rowid, body, has_link) SELECT id, text, 0 FROM statuses")
    db.execute("COMMIT")
    index_build = time.perf_counter() - t0
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size_with = os.path.getsize(path)

    def fts_query(ws):
        match = " AND ".join(f'"{w}"' for w in ws)
        if args.old_sqlite_shape:
            return ("SELECT s.id FROM statuses s JOIN accounts a ON a.id = s.account_id"
                    " WHERE s.reblog_of_id IS NULL AND a.suspended_at IS NULL"
                    " AND s.id IN (SELECT rowid FROM status_search WHERE status_search MATCH ?)"
                    f" AND {scope_sql(1)} ORDER BY s.id DESC LIMIT 20"), (match,)
        return ("SELECT s.id FROM status_search JOIN statuses s ON s.id = status_search.rowid"
                " JOIN accounts a ON a.id = s.account_id"
                " WHERE s.reblog_of_id IS NULL AND a.suspended_at IS NULL AND status_search MATCH ?"
                f" AND {scope_sql(1)} ORDER BY status_search.rowid DESC LIMIT 20"), (match,)

    def like_query(ws):
        cond = " AND ".join("s.text LIKE ?" for _ in ws)
        return ("SELECT s.id FROM statuses s JOIN accounts a ON a.id = s.account_id"
                " WHERE s.reblog_of_id IS NULL AND a.suspended_at IS NULL"
                f" AND {cond} AND {scope_sql(1)} ORDER BY s.id DESC LIMIT 20"), tuple(f"%{w}%" for w in ws)

    found = []

    def run(build, qs, repeat):
        times = []
        for q in qs:
            sql, params = build(q)
            for _ in range(repeat):
                t = time.perf_counter()
                rows = db.execute(sql, params).fetchall()
                times.append((time.perf_counter() - t) * 1000)
                found.append(len(rows))
        return times

    qs = queries(vocab)
    run(fts_query, qs[:10], 1)  # warm the cache
    found.clear()
    fts = run(fts_query, qs, 3)
    hits = statistics.mean(found)
    like = run(like_query, qs[::10], 1)
    fts_same = run(fts_query, qs[::10], 1)
    write = write_cost_sqlite(db, args.writes, vocab, queue_trigger)
    db.close()
    shutil.rmtree(tmp)
    return {
        "backend": f"SQLite {sqlite3.sqlite_version} (Python's; roost bundles its own)",
        "statuses": args.statuses,
        "load_rows_s": load_rows,
        "index_build_s": index_build,
        "index_bytes_per_status": (size_with - size_without) / args.statuses,
        "p50_ms": statistics.median(fts), "p99_ms": pct(fts, 99),
        "like_p50_ms": statistics.median(like), "fts_same_p50_ms": statistics.median(fts_same),
        "hits": hits,
        **write,
    }


def write_cost_sqlite(db, n, vocab, queue_trigger):
    """One transaction per post, as put_status writes it: without an index
    entry, with the entry written in the post's transaction (roost before
    the queue), and with the trigger queueing it (roost now), plus the indexer's
    cost per post when it writes queued entries 500 to a transaction (other
    tables of put_status left out: the ratios are upper bounds of what the
    index adds to a whole post)."""
    rows = list(generate(3 * n, vocab[::-1]))
    base = 1 << 62

    def insert(rows, how):
        t = time.perf_counter()
        for (sid, acc, vis, text, created) in rows:
            db.execute("BEGIN IMMEDIATE")
            db.execute("INSERT INTO statuses (id, account_id, uri, local, visibility, text, content, created_at)"
                       " VALUES (?, ?, ?, 1, ?, ?, '', ?)", (base + sid, acc, f"w{sid}", vis, text, created))
            if how == "inline":
                db.execute("INSERT INTO status_search (rowid, body, has_link) VALUES (?, ?, 0)", (base + sid, text))
            db.execute("COMMIT")
        return (time.perf_counter() - t) / len(rows) * 1e6

    def index_queued(batch=500):
        t = time.perf_counter()
        done = 0
        while True:
            db.execute("BEGIN IMMEDIATE")
            ids = [r[0] for r in db.execute(
                "SELECT status_id FROM search_queue ORDER BY status_id LIMIT ?", (batch,))]
            if not ids:
                db.execute("COMMIT")
                break
            marks = ",".join("?" * len(ids))
            texts = dict(db.execute(f"SELECT id, text FROM statuses WHERE id IN ({marks})", ids))
            for i in ids:
                db.execute("DELETE FROM status_search WHERE rowid = ?", (i,))
                db.execute("INSERT INTO status_search (rowid, body, has_link) VALUES (?, ?, 0)", (i, texts[i]))
            db.execute(f"DELETE FROM search_queue WHERE status_id IN ({marks})", ids)
            db.execute("COMMIT")
            done += len(ids)
        return (time.perf_counter() - t) / max(done, 1) * 1e6

    without = insert(rows[:n], "none")
    with_index = insert(rows[n:2 * n], "inline")
    db.execute(queue_trigger)
    with_queue = insert(rows[2 * n:], "queue")
    indexer = index_queued()
    return {"write_us_without": without, "write_us_with": with_index,
            "write_us_queue": with_queue, "indexer_us": indexer}


def bench_pg(args, vocab):
    admin = args.pg
    name = "roost_search_bench"
    psql = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1"]
    subprocess.run(psql + [admin, "-c", f"DROP DATABASE IF EXISTS {name}"], check=True)
    subprocess.run(psql + [admin, "-c", f"CREATE DATABASE {name}"], check=True)
    url = admin.rsplit("/", 1)[0] + "/" + name
    migrate(args.roost, url)

    def sql(text):
        return subprocess.run(psql + ["-At", url], input=text, text=True, check=True,
                              capture_output=True).stdout

    # The trigger that queues each new post for the indexer is off while
    # rows are loaded; the write-cost measurement turns it back on.
    sql("ALTER TABLE statuses DISABLE TRIGGER search_queue_new;")
    sql("INSERT INTO accounts (id, username, uri, public_key_pem, created_at, updated_at, indexable) "
        "SELECT i, 'user' || i, 'https://bench.example/users/user' || i, '', now(), now(), true "
        "FROM generate_series(1, 1000) i;")
    t0 = time.perf_counter()
    copy = subprocess.Popen(psql + [url, "-c",
                                    "COPY statuses (id, account_id, uri, local, visibility, text, content, created_at) FROM STDIN"],
                            stdin=subprocess.PIPE, text=True)
    for (sid, acc, vis, text, created) in generate(args.statuses, vocab):
        copy.stdin.write(f"{sid}\t{acc}\tu{sid}\ttrue\t{vis}\t{text}\t\t{created}\n")
    copy.stdin.close()
    copy.wait()
    load_rows = time.perf_counter() - t0
    t0 = time.perf_counter()
    sql("DROP INDEX status_search_document;"
        "INSERT INTO status_search (status_id, document, has_link) "
        "SELECT id, to_tsvector('simple', text) || to_tsvector('english', text), false FROM statuses;"
        "CREATE INDEX status_search_document ON status_search USING GIN (document); ANALYZE;")
    index_build = time.perf_counter() - t0
    size = int(sql("SELECT pg_total_relation_size('status_search');").strip())

    def tsquery(ws):
        return " && ".join(
            f"(phraseto_tsquery('simple', '{w}') || phraseto_tsquery('english', '{w}'))" for w in ws)

    def probe(ws):
        # As db::search: up to PG_DENSE (1,000) matches read first; fewer,
        # and the main query is fenced (OFFSET 0) to take them from the GIN
        # index instead of walking the table newest first.
        return f"SELECT COUNT(*) FROM (SELECT 1 FROM status_search WHERE document @@ ({tsquery(ws)}) LIMIT 1000) m;"

    dense = {}

    def fts_query(ws):
        parts = tsquery(ws)
        if args.pg_old_shape:
            fence = ""
        else:
            key = " ".join(ws)
            if key not in dense:
                dense[key] = int(sql(probe(ws)).strip()) >= 1000
            fence = "" if dense[key] else " OFFSET 0"
        if args.pg_exists:
            return ("SELECT s.id FROM statuses s JOIN accounts a ON a.id = s.account_id"
                    " WHERE s.reblog_of_id IS NULL AND a.suspended_at IS NULL"
                    f" AND EXISTS (SELECT 1 FROM status_search x WHERE x.status_id = s.id AND x.document @@ ({parts}))"
                    f" AND {scope_sql(1)} ORDER BY s.id DESC LIMIT 20;")
        return ("SELECT s.id FROM statuses s JOIN accounts a ON a.id = s.account_id"
                " WHERE s.reblog_of_id IS NULL AND a.suspended_at IS NULL"
                f" AND s.id IN (SELECT status_id FROM status_search WHERE document @@ ({parts}){fence})"
                f" AND {scope_sql(1)} ORDER BY s.id DESC LIMIT 20;")

    def fts_with_probe(ws):
        # The probe is timed with its query: a search costs both.
        query = fts_query(ws)
        return query if args.pg_old_shape else probe(ws) + "\n" + query

    def like_query(ws):
        cond = " AND ".join(f"s.text LIKE '%{w}%'" for w in ws)
        return ("SELECT s.id FROM statuses s JOIN accounts a ON a.id = s.account_id"
                " WHERE s.reblog_of_id IS NULL AND a.suspended_at IS NULL"
                f" AND {cond} AND {scope_sql(1)} ORDER BY s.id DESC LIMIT 20;")

    def run(build, qs, repeat):
        scripts = [build(q) for q in qs for _ in range(repeat)]
        script = "\\timing on\n" + "".join(q + "\n" for q in scripts)
        out = subprocess.run(psql + [url], input=script, text=True, check=True, capture_output=True).stdout
        times = [float(line.split()[1]) for line in out.splitlines() if line.startswith("Time: ")]
        # One time per statement: a search with its probe is their sum.
        total, k = [], 0
        for q in scripts:
            n = q.count(";")
            total.append(sum(times[k:k + n]))
            k += n
        return total

    qs = queries(vocab)
    run(fts_with_probe, qs[:10], 1)
    fts = run(fts_with_probe, qs, 3)
    # The slowest queries, by kind (the order queries() makes them in).
    kinds = ["common", "middling", "rare", "common+middling", "middling+rare"]
    slowest = sorted(((t, i // 3) for i, t in enumerate(fts)), reverse=True)[:5]
    for t, q in slowest:
        print(f"  slow: {t:.1f} ms, {kinds[q // 20]} {' '.join(qs[q])}", file=sys.stderr)
    like = run(like_query, qs[::10], 1)
    fts_same = run(fts_with_probe, qs[::10], 1)
    write = write_cost_pg(url, psql, args.writes, vocab)
    if args.keep_pg:
        print(f"  kept {url}", file=sys.stderr)
    else:
        subprocess.run(psql + [admin, "-c", f"DROP DATABASE IF EXISTS {name}"], check=True)
    return {
        "backend": "PostgreSQL " + subprocess.run(psql + ["-At", admin, "-c", "SHOW server_version"],
                                                  text=True, capture_output=True).stdout.strip(),
        "statuses": args.statuses,
        "load_rows_s": load_rows,
        "index_build_s": index_build,
        "index_bytes_per_status": size / args.statuses,
        "p50_ms": statistics.median(fts), "p99_ms": pct(fts, 99),
        "like_p50_ms": statistics.median(like), "fts_same_p50_ms": statistics.median(fts_same),
        "hits": None,
        **write,
    }


def write_cost_pg(url, psql, n, vocab):
    """As write_cost_sqlite, through one psql session per measurement."""
    rows = list(generate(3 * n, vocab[::-1]))
    base = 1 << 62

    def timed(lines):
        t = time.perf_counter()
        subprocess.run(psql + [url], input="\n".join(lines), text=True, check=True, capture_output=True)
        return time.perf_counter() - t

    def insert(rows, how):
        lines = []
        for (sid, acc, vis, text, created) in rows:
            lines.append("BEGIN;")
            lines.append("INSERT INTO statuses (id, account_id, uri, local, visibility, text, content, created_at)"
                         f" VALUES ({base + sid}, {acc}, 'w{sid}', true, '{vis}', '{text}', '', '{created}');")
            if how == "inline":
                lines.append("INSERT INTO status_search (status_id, document, has_link) VALUES "
                             f"({base + sid}, to_tsvector('simple', '{text}') || to_tsvector('english', '{text}'), false);")
            lines.append("COMMIT;")
        if how == "queue":
            lines.insert(0, "ALTER TABLE statuses ENABLE TRIGGER search_queue_new;")
        return timed(lines) / len(rows) * 1e6

    def index_queued(batch=500):
        # The indexer's statements, batch by batch (the ids are known here;
        # roost reads them from the queue with FOR UPDATE SKIP LOCKED).
        queued = [base + r[0] for r in rows[2 * n:]]
        lines = []
        for k in range(0, len(queued), batch):
            ids = ",".join(str(i) for i in queued[k:k + batch])
            lines.append("BEGIN;")
            lines.append(f"SELECT status_id FROM search_queue WHERE status_id IN ({ids}) FOR UPDATE SKIP LOCKED;")
            lines.append(f"DELETE FROM status_search WHERE status_id IN ({ids});")
            lines.append("INSERT INTO status_search (status_id, document, has_link) SELECT id, "
                         "to_tsvector('simple', text) || to_tsvector('english', text), false "
                         f"FROM statuses WHERE id IN ({ids});")
            lines.append(f"DELETE FROM search_queue WHERE status_id IN ({ids});")
            lines.append("COMMIT;")
        return timed(lines) / max(len(queued), 1) * 1e6

    without = insert(rows[:n], "none")
    with_index = insert(rows[n:2 * n], "inline")
    with_queue = insert(rows[2 * n:], "queue")
    indexer = index_queued()
    return {"write_us_without": without, "write_us_with": with_index,
            "write_us_queue": with_queue, "indexer_us": indexer}


def report(r):
    print(f"\n{r['backend']}, {r['statuses']:,} statuses")
    print(f"  rows loaded in {r['load_rows_s']:.0f} s; index built in {r['index_build_s']:.0f} s")
    print(f"  index size: {r['index_bytes_per_status']:.0f} bytes per status")
    hits = f", {r['hits']:.1f} posts a page on average" if r.get('hits') is not None else ""
    print(f"  search (100 queries x 3): p50 {r['p50_ms']:.2f} ms, p99 {r['p99_ms']:.2f} ms{hits}")
    ratio = r['like_p50_ms'] / r['fts_same_p50_ms'] if r['fts_same_p50_ms'] else float('nan')
    print(f"  LIKE scan p50 {r['like_p50_ms']:.1f} ms vs index p50 {r['fts_same_p50_ms']:.2f} ms"
          f" on the same 10 queries: {ratio:.0f}x")
    added = (r['write_us_with'] / r['write_us_without'] - 1) * 100
    queued = (r['write_us_queue'] / r['write_us_without'] - 1) * 100
    total = ((r['write_us_queue'] + r['indexer_us']) / r['write_us_without'] - 1) * 100
    print(f"  writing a post: {r['write_us_without']:.0f} us without the index entry,"
          f" {r['write_us_with']:.0f} us with it in the post's transaction (+{added:.0f} %),"
          f" {r['write_us_queue']:.0f} us with a queue row (+{queued:.0f} %)")
    print(f"  the indexer: {r['indexer_us']:.0f} us a post, 500 to a transaction"
          f" (queue row + indexer: +{total:.0f} % of the bare insert)")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--statuses", type=int, default=1_000_000)
    p.add_argument("--writes", type=int, default=2000, help="posts written for the write cost")
    p.add_argument("--pg", help="a PostgreSQL URL to an admin database (the bench creates its own)")
    p.add_argument("--sqlite", action=argparse.BooleanOptionalAction, default=True)
    p.add_argument("--pg-old-shape", action="store_true",
                   help="PostgreSQL: no probe, the planner always chooses (the first shape)")
    p.add_argument("--keep-pg", action="store_true",
                   help="leave the PostgreSQL database for EXPLAIN (dropped by the next run)")
    p.add_argument("--pg-exists", action="store_true",
                   help="PostgreSQL: an EXISTS probe per post instead of an IN list (a trial)")
    p.add_argument("--old-sqlite-shape", action="store_true",
                   help="the first query shape (an IN list of every match), for comparison")
    p.add_argument("--roost", default=os.path.join(ROOT, "target", "debug", "roost"))
    args = p.parse_args()
    if not os.path.exists(args.roost):
        sys.exit(f"{args.roost} is missing: cargo build first (or --roost PATH)")
    vocab = words(20_000)
    if args.sqlite:
        report(bench_sqlite(args, vocab))
    if args.pg:
        report(bench_pg(args, vocab))


if __name__ == "__main__":
    main()
