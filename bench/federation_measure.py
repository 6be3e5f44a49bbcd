#!/usr/bin/env python3
"""The measuring half of bench/federation.sh. Prints "KEY<TAB>VALUE" summary
lines (medians, with min and max, over the repetitions) and writes one TSV
row per repetition to --raw.

  federation_measure.py post --base URL --token T --fleet URL --db DB \
      --roost-pid P --fleet-pid F --expect 1000 --count 5 --raw OUT.tsv
    POSTs a status --count times; after each, polls the fleet's /stats until
    --expect distinct instances verified the Create, then the database until
    no delivery job is left. Per post: the request's time, the first and the
    last delivery after the request started, deliveries/s, roost's and the
    fleet's CPU per delivery (/proc/PID/stat), failures.

  federation_measure.py intake --fedbench BIN --keys DIR --target URL \
      --fleet-base-port P --fleet-ports N --actors K --count M --concurrency C \
      --db DB --roost-pid P --fleet-pid F --runs 3 --raw OUT.tsv
    First a warm-up (one activity per actor: roost fetches each actor from the
    fleet), then --runs runs of `fedbench intake`: accepted/s and latency as it
    reports them, and, polling the database, how fast roost processes what it
    accepted (remote statuses stored, no job left) and its CPU per activity.

DB is a SQLite path or a postgres:// URL (one psql session, as in
scale_post.py). Before each repetition it waits (up to --quiet-max s) for an
idle machine. Python stdlib only.
"""

import argparse
import json
import os
import pwd
import queue
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

from scale_post import Poller

TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")


def epoch_ms():
    return time.time() * 1000


def ticks(pid):
    """utime + stime of a process, in clock ticks."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


try:
    PG_UID = pwd.getpwnam("postgres").pw_uid
except KeyError:
    PG_UID = None


def pg_ticks():
    """CPU ticks of all PostgreSQL server processes (0 without PostgreSQL)."""
    total = 0
    if PG_UID is None:
        return 0
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                if os.stat(f"/proc/{d}").st_uid == PG_UID:
                    total += ticks(d)
            except OSError:
                pass
    return total


def busy():
    """Machine-wide busy ticks (user, nice, system, irq, softirq)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return v[0] + v[1] + v[2] + v[5] + v[6]


def quiet(max_wait, log):
    """Waits until the whole machine used under a quarter of a core for 3 s."""
    waited = 0
    while waited < max_wait:
        b0 = busy()
        time.sleep(3)
        if (busy() - b0) * TICK_MS / 3000 < 0.25:
            return waited
        waited += 3
    print(f"WARNING: machine still busy after {waited} s; measuring anyway", file=sys.stderr)
    log(f"quiet_wait_s\t{waited} (still busy)")
    return waited


def get_json(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.load(r)


def summarize(prefix, rows, keys, fmt="{:.2f}"):
    out = []
    for k in keys:
        vals = [r[k] for r in rows if r.get(k) is not None]
        if not vals:
            continue
        med = statistics.median(vals)
        out.append(f"{prefix}{k}_median\t{fmt.format(med)}")
        out.append(f"{prefix}{k}_range\t{fmt.format(min(vals))}..{fmt.format(max(vals))}")
    return out


# ---------------------------------------------------------------- delivery


def post_status(base, token, text):
    data = urllib.parse.urlencode({"status": text, "visibility": "public"}).encode()
    req = urllib.request.Request(f"{base}/api/v1/statuses", data=data, method="POST",
                                 headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.load(r)


def one_post(a, db, i):
    r0, f0, p0, b0 = ticks(a.roost_pid), ticks(a.fleet_pid), pg_ticks(), busy()
    failed0 = get_json(f"{a.fleet}/stats")["failed"]
    t0 = epoch_ms()
    status = post_status(a.base, a.token, f"federation bench post {i} at {time.time():.3f}")
    post_ms = epoch_ms() - t0
    uri = status["uri"]
    act = None
    while True:
        s = get_json(f"{a.fleet}/stats")
        act = next((x for x in s["activities"] if x["object"] == uri), None)
        if act and act["ports"] >= a.expect:
            break
        if epoch_ms() - t0 > a.timeout * 1000:
            print(f"WARNING: post {i}: only {act['ports'] if act else 0} of {a.expect} instances "
                  f"after {a.timeout} s", file=sys.stderr)
            break
        time.sleep(0.01)
    # Until roost has finished every delivery job (each deletes its row).
    while db.scalar("SELECT COUNT(*) FROM jobs WHERE failed_at IS NULL") > 0:
        if epoch_ms() - t0 > a.timeout * 1000:
            break
        time.sleep(0.01)
    done_ms = epoch_ms() - t0
    r1, f1, p1, b1 = ticks(a.roost_pid), ticks(a.fleet_pid), pg_ticks(), busy()
    s = get_json(f"{a.fleet}/stats")
    act = next((x for x in s["activities"] if x["object"] == uri), act)
    n = act["ports"] if act else 0
    roost_ms, fleet_ms, pg_ms = (r1 - r0) * TICK_MS, (f1 - f0) * TICK_MS, (p1 - p0) * TICK_MS
    other_ms = (b1 - b0) * TICK_MS - roost_ms - fleet_ms - pg_ms
    row = {
        "i": i, "status_id": status["id"], "post_ms": post_ms, "instances": n,
        "deliveries": act["deliveries"] if act else 0,
        "first_ms": act["first_ms"] - t0 if act else None,
        "all_ms": act["last_ms"] - t0 if act else None,
        "jobs_done_ms": done_ms,
        "deliveries_per_s": n / ((act["last_ms"] - t0) / 1000) if act else 0,
        "spread_per_s": (n - 1) / ((act["last_ms"] - act["first_ms"]) / 1000)
        if act and act["last_ms"] > act["first_ms"] else None,
        "roost_cpu_ms_per_delivery": roost_ms / n if n else None,
        "roost_cores": roost_ms / done_ms,
        "fleet_cpu_ms_per_delivery": fleet_ms / n if n else None,
        "postgres_cores": pg_ms / done_ms,
        "other_cores": other_ms / done_ms,
        "failed": s["failed"] - failed0,
    }
    return row


def cmd_post(a):
    db = Poller(a.db)
    lines = [f"deliver_instances_expected\t{a.expect}"]
    rows = []
    with open(a.raw, "w") as raw:
        cols = None
        for i in range(a.count):
            waited = quiet(a.quiet_max, lines.append)
            row = one_post(a, db, i)
            row["quiet_wait_s"] = waited
            rows.append(row)
            if cols is None:
                cols = list(row)
                raw.write("\t".join(cols) + "\n")
            raw.write("\t".join(f"{row[c]:.3f}" if isinstance(row[c], float) else str(row[c])
                                for c in cols) + "\n")
            raw.flush()
            print(f"[post {i}] " + " ".join(
                f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()),
                file=sys.stderr, flush=True)
            time.sleep(1)
    db.close()
    keys = ["post_ms", "first_ms", "all_ms", "jobs_done_ms", "deliveries_per_s", "spread_per_s",
            "roost_cpu_ms_per_delivery", "roost_cores", "fleet_cpu_ms_per_delivery", "postgres_cores",
            "other_cores"]
    lines += [f"deliver_posts\t{len(rows)}",
              f"deliver_instances_reached_min\t{min(r['instances'] for r in rows)}",
              f"deliver_duplicates_total\t{sum(r['deliveries'] - r['instances'] for r in rows)}",
              f"deliver_failed_total\t{sum(r['failed'] for r in rows)}"]
    lines += summarize("deliver_", rows, keys)
    if len(rows) > 1:
        lines += summarize("deliver_warm_", rows[1:], ["all_ms", "deliveries_per_s",
                                                      "roost_cpu_ms_per_delivery"])
    print("\n".join(lines))


# ---------------------------------------------------------------- intake


def remote_statuses(db):
    return db.scalar("SELECT COUNT(*) FROM statuses WHERE NOT local")


def pending_jobs(db):
    return db.scalar("SELECT COUNT(*) FROM jobs WHERE failed_at IS NULL")


def intake_once(a, db, label, count, warmup):
    """Runs fedbench intake once; returns its RESULT (or WARMUP) and the measures."""
    base = remote_statuses(db)
    failed_jobs0 = db.scalar("SELECT COUNT(*) FROM jobs WHERE failed_at IS NOT NULL")
    cmd = [a.fedbench, "intake", "--keys", a.keys, "--target", a.target,
           "--fleet-base-port", str(a.fleet_base_port), "--fleet-ports", str(a.fleet_ports),
           "--actors", str(a.actors), "--count", str(count), "--concurrency", str(a.concurrency),
           "--tag", f"{int(epoch_ms())}-{label}", "--warmup", "true" if warmup else "false"]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, bufsize=1)
    lines = queue.Queue()
    marks = {}

    def read():
        for line in p.stdout:
            now = epoch_ms()
            if line.startswith("signed ") or line.startswith("WARMUP"):
                marks.setdefault("start", (now, ticks(a.roost_pid), ticks(a.fleet_pid), pg_ticks()))
            if line.startswith("WARMUP" if count == 0 else "RESULT"):
                marks["end"] = (now, ticks(a.roost_pid), ticks(a.fleet_pid), pg_ticks())
            lines.put(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    if warmup:  # the warm-up starts at once
        marks.setdefault("start", (epoch_ms(), ticks(a.roost_pid), ticks(a.fleet_pid), pg_ticks()))
    samples = []
    while True:  # wait4 rather than poll: it gives the generator's CPU time
        pid, status, usage = os.wait4(p.pid, os.WNOHANG)
        if pid:
            p.returncode = os.waitstatus_to_exitcode(status)
            break
        samples.append((epoch_ms(), remote_statuses(db)))
        time.sleep(0.05)
    reader.join(timeout=5)
    out = []
    while not lines.empty():
        out.append(lines.get())
    sys.stderr.write("".join(f"[intake {label}] {x}" for x in out))
    tag = "WARMUP " if count == 0 else "RESULT "
    res = next((json.loads(x[len(tag):]) for x in out if x.startswith(tag)), None)
    if res is None:
        sys.exit(f"fedbench intake gave no {tag.strip()} line (exit {p.returncode})")
    want = base + res["accepted"]
    t_start = res["start_ms"]
    while True:
        n, jobs = remote_statuses(db), pending_jobs(db)
        samples.append((epoch_ms(), n))
        if n >= want and jobs == 0:
            break
        if epoch_ms() - t_start > a.timeout * 1000:
            print(f"WARNING: intake {label}: {n - base} of {res['accepted']} stored, {jobs} jobs left "
                  f"after {a.timeout} s", file=sys.stderr)
            break
        time.sleep(0.02)
    done = (epoch_ms(), ticks(a.roost_pid), ticks(a.fleet_pid), pg_ticks())
    stored = remote_statuses(db) - base
    at_end = max((c for t, c in samples if t <= res["end_ms"]), default=base) - base
    s0, e0 = marks.get("start", done), marks.get("end", done)
    accepted = max(res["accepted"], 1)
    row = {
        "label": label, "sent": res["sent"], "accepted": res["accepted"],
        "not_accepted": res["not_accepted"], "accepted_per_s": res["accepted_per_s"],
        "p50_ms": res["p50_ms"], "p99_ms": res["p99_ms"], "max_ms": res["max_ms"],
        "intake_s": res["elapsed_s"],
        "stored": stored, "stored_during_intake": at_end,
        "processed_s": (done[0] - t_start) / 1000,
        "processed_per_s": stored / ((done[0] - t_start) / 1000),
        "roost_cores_during_intake": (e0[1] - s0[1]) * TICK_MS / max(e0[0] - s0[0], 1),
        "roost_cpu_ms_per_activity": (done[1] - s0[1]) * TICK_MS / accepted,
        "postgres_cores_during_intake": (e0[3] - s0[3]) * TICK_MS / max(e0[0] - s0[0], 1),
        "postgres_cpu_ms_per_activity": (done[3] - s0[3]) * TICK_MS / accepted,
        "fleet_cpu_ms": (done[2] - s0[2]) * TICK_MS,
        "generator_cpu_s": usage.ru_utime + usage.ru_stime,
        "failed_jobs": db.scalar("SELECT COUNT(*) FROM jobs WHERE failed_at IS NOT NULL") - failed_jobs0,
        "statuses": json.dumps(res["statuses"]), "first_error": res.get("first_error"),
    }
    return row


def cmd_intake(a):
    db = Poller(a.db)
    lines = []
    # Warm-up: one activity per actor, each a new signer roost fetches.
    quiet(a.quiet_max, lines.append)
    warm = intake_once(a, db, "warmup", 0, True)
    print("[intake warmup] " + " ".join(f"{k}={v}" for k, v in warm.items()), file=sys.stderr, flush=True)
    lines += [f"intake_warmup_actors\t{a.actors}",
              f"intake_warmup_accepted\t{warm['accepted']}",
              f"intake_warmup_accepted_per_s\t{warm['accepted_per_s']:.1f}",
              f"intake_warmup_stored\t{warm['stored']}"]
    rows = []
    with open(a.raw, "w") as raw:
        cols = None
        for r in range(a.runs):
            waited = quiet(a.quiet_max, lines.append)
            row = intake_once(a, db, f"run{r}", a.count, False)
            row["quiet_wait_s"] = waited
            rows.append(row)
            if cols is None:
                cols = list(row)
                raw.write("\t".join(cols) + "\n")
            raw.write("\t".join(f"{row[c]:.3f}" if isinstance(row[c], float) else str(row[c])
                                for c in cols) + "\n")
            raw.flush()
            print(f"[intake run{r}] " + " ".join(
                f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()),
                file=sys.stderr, flush=True)
    db.close()
    lines += [f"intake_runs\t{len(rows)}", f"intake_count\t{a.count}",
              f"intake_concurrency\t{a.concurrency}", f"intake_actors\t{a.actors}",
              f"intake_not_accepted_total\t{sum(r['not_accepted'] for r in rows)}",
              f"intake_failed_jobs_total\t{sum(r['failed_jobs'] for r in rows)}",
              f"intake_stored_min\t{min(r['stored'] for r in rows)}"]
    lines += summarize("intake_", rows, ["accepted_per_s", "p50_ms", "p99_ms", "max_ms",
                                         "stored_during_intake", "processed_s", "processed_per_s",
                                         "roost_cores_during_intake", "roost_cpu_ms_per_activity",
                                         "postgres_cores_during_intake", "postgres_cpu_ms_per_activity",
                                         "fleet_cpu_ms", "generator_cpu_s"])
    print("\n".join(lines))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("post", "intake"):
        p = sub.add_parser(name)
        p.add_argument("--db", required=True)
        p.add_argument("--roost-pid", type=int, required=True)
        p.add_argument("--fleet-pid", type=int, required=True)
        p.add_argument("--raw", required=True)
        p.add_argument("--timeout", type=float, default=300)
        p.add_argument("--quiet-max", type=float, default=900)
    p = sub.choices["post"]
    p.add_argument("--base", required=True)
    p.add_argument("--token", required=True)
    p.add_argument("--fleet", required=True, help="http://127.0.0.1:PORT of any fleet port")
    p.add_argument("--expect", type=int, required=True, help="instances that must receive each post")
    p.add_argument("--count", type=int, default=5)
    p = sub.choices["intake"]
    p.add_argument("--fedbench", required=True)
    p.add_argument("--keys", required=True)
    p.add_argument("--target", required=True)
    p.add_argument("--fleet-base-port", type=int, required=True)
    p.add_argument("--fleet-ports", type=int, required=True)
    p.add_argument("--actors", type=int, default=100)
    p.add_argument("--count", type=int, default=5000)
    p.add_argument("--concurrency", type=int, default=32)
    p.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    (cmd_post if a.cmd == "post" else cmd_intake)(a)


if __name__ == "__main__":
    main()
