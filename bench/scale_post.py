#!/usr/bin/env python3
"""Posting part of bench/scale.sh: POST /api/v1/statuses COUNT times in a row
as one account (curl, time_total), and after each post, the time from the
request's start until its fan-out is complete: no `fan_out` job left in the
jobs table and the status in the home feeds of all of the author's followers.

  scale_post.py --base URL --token TOKEN --label celeb --db DB --account-id ID \
                --count 20 --raw OUT.tsv

DB is a SQLite path or a postgres:// URL (polled through one psql session).
Prints "KEY<TAB>VALUE" summary lines (medians and maxima in ms).
"""

import argparse
import json
import sqlite3
import statistics
import subprocess
import sys
import time


class Poller:
    def __init__(self, db):
        if db.startswith(("postgres://", "postgresql://")):
            self.pg = subprocess.Popen(
                ["psql", db, "-X", "-At", "-q"], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, text=True, bufsize=1)
            self.sq = None
        else:
            self.pg = None
            self.sq = sqlite3.connect(f"file:{db.removeprefix('sqlite://')}?mode=ro", uri=True,
                                      isolation_level=None)

    def scalar(self, sql):
        if self.sq is not None:
            return int(self.sq.execute(sql).fetchone()[0])
        self.pg.stdin.write(sql.rstrip(";") + ";\n")
        self.pg.stdin.flush()
        return int(self.pg.stdout.readline().strip())

    def close(self):
        if self.pg is not None:
            self.pg.stdin.close()
            self.pg.wait()
        else:
            self.sq.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--label", required=True)
    ap.add_argument("--db", required=True)
    ap.add_argument("--account-id", type=int, required=True)
    ap.add_argument("--count", type=int, default=20)
    ap.add_argument("--raw", required=True)
    ap.add_argument("--timeout", type=float, default=120, help="give up on a fan-out after SECS")
    a = ap.parse_args()

    db = Poller(a.db)
    followers = db.scalar(f"SELECT COUNT(*) FROM follows WHERE target_account_id = {a.account_id}")
    posts, fanouts = [], []
    with open(a.raw, "w") as raw:
        raw.write("n\tstatus_id\thttp\ttime_total_ms\tjob_seen\tfan_out_done_ms\tfeed_rows\tpolls\n")
        for i in range(a.count):
            t0 = time.monotonic()
            r = subprocess.run(
                ["curl", "-s", "-X", "POST", f"{a.base}/api/v1/statuses",
                 "-H", f"Authorization: Bearer {a.token}",
                 "--data-urlencode", f"status=scale bench post {i} by {a.label} at {time.time():.3f}",
                 "-w", "\n%{http_code} %{time_total}"],
                capture_output=True, text=True)
            body, _, tail = r.stdout.rpartition("\n")
            code, total = tail.split()
            total_ms = float(total) * 1000
            if code != "200":
                sys.exit(f"POST failed: {code} {body[:300]}")
            sid = int(json.loads(body)["id"])
            # Complete = no fan_out job queued or running, and the row count is right.
            job_seen, polls = False, 0
            while True:
                polls += 1
                jobs = db.scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'fan_out' AND failed_at IS NULL")
                if jobs:
                    job_seen = True
                else:
                    done = time.monotonic()
                    rows = db.scalar(f"SELECT COUNT(*) FROM home_feed WHERE status_id = {sid}")
                    if rows >= followers + 1:
                        break
                if time.monotonic() - t0 > a.timeout:
                    sys.exit(f"fan-out of {sid} not complete after {a.timeout} s")
                time.sleep(0.005)
            fan_ms = (done - t0) * 1000
            posts.append(total_ms)
            fanouts.append(fan_ms)
            raw.write(f"{i}\t{sid}\t{code}\t{total_ms:.1f}\t{int(job_seen)}\t{fan_ms:.1f}\t{rows}\t{polls}\n")
            raw.flush()
    db.close()
    p = a.label
    print(f"post_{p}_followers\t{followers}")
    print(f"post_{p}_n\t{len(posts)}")
    print(f"post_{p}_median_ms\t{statistics.median(posts):.1f}")
    print(f"post_{p}_max_ms\t{max(posts):.1f}")
    print(f"fanout_{p}_median_ms\t{statistics.median(fanouts):.1f}")
    print(f"fanout_{p}_max_ms\t{max(fanouts):.1f}")


if __name__ == "__main__":
    main()
