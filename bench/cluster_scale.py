#!/usr/bin/env python3
"""Several roost nodes on one PostgreSQL database behind nginx (issue 18):
throughput and where the CPU goes, at 1, 2 and 3 nodes.

Seeds a database once with bench/seed_scale.py, then for each node count N
starts one `roost serve --role all` node (it runs the jobs) and N-1
`--role web` nodes, nginx balancing over them, and measures through nginx:

  home   GET /api/v1/timelines/home?limit=40 with wrk, rotating over the
         reader tokens (bench/scale_home.lua)
  post   POST /api/v1/statuses with wrk, rotating over the same accounts
         (the same script with a body; each has about 20 followers), then
         how long until no job is due (fan-outs done)

For each run: requests/s, p50/p99, and CPU time spent by the roost nodes,
by PostgreSQL (every process of the postgres user) and by nginx, per
request: the figures the capacity model in docs/performance.md is built
from. On a 2-core machine more nodes add no cores; what grows is the
cost of coordination. Not a test: nothing asserts.

    bench/cluster_scale.py [--bin target/release/roost]
        [--pg postgres://postgres@127.0.0.1:5432/postgres] [--db roost_cluster_bench]
        [--accounts 5000] [--statuses 300000] [--nodes 1,2,3] [--secs 20]

Loopback only; the database named by --db is dropped and made afresh.
"""

import argparse
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))


def free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def ticks_of(pid):
    try:
        f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return int(f[11]) + int(f[12])
    except OSError:
        return 0


def postgres_ticks():
    uid = pwd.getpwnam("postgres").pw_uid
    total = 0
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                if os.stat(f"/proc/{d}").st_uid == uid:
                    total += ticks_of(d)
            except OSError:
                pass
    return total


def busy_ticks():
    f = open("/proc/stat").readline().split()[1:]
    return sum(int(x) for i, x in enumerate(f) if i in (0, 1, 2, 5, 6))


def psql(url, sql):
    return subprocess.run(["psql", url, "-XAtqc", sql], check=True,
                          capture_output=True, text=True).stdout.strip()


def wait_health(port):
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"node on {port} did not answer /health")


def nginx_conf(d, front, ports):
    ups = "".join(f"server 127.0.0.1:{p};\n" for p in ports)
    return f"""daemon off; master_process off; worker_processes 1;
pid {d}/nginx.pid; error_log {d}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {d}/body; proxy_temp_path {d}/proxy;
  fastcgi_temp_path {d}/fastcgi; uwsgi_temp_path {d}/uwsgi; scgi_temp_path {d}/scgi;
  upstream roost {{ {ups} keepalive 64; }}
  server {{
    listen 127.0.0.1:{front};
    location / {{
      proxy_pass http://roost; proxy_http_version 1.1;
      proxy_set_header Host $http_host; proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }}
  }}
}}
"""


def cache_hit_rates(ports):
    """Each in-process cache's hit rate over every node so far (/metrics)."""
    hits, misses = {}, {}
    for port in ports:
        req = urllib.request.Request(f"http://127.0.0.1:{port}/metrics",
                                     headers={"Authorization": "Bearer bench-metrics"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            for line in resp.read().decode().splitlines():
                for prefix, into in (("roost_cache_hits_total{cache=\"", hits),
                                     ("roost_cache_misses_total{cache=\"", misses)):
                    if line.startswith(prefix):
                        name, value = line[len(prefix):].split("\"} ")
                        into[name] = into.get(name, 0) + float(value)
    return {k: round(hits[k] / (hits[k] + misses.get(k, 0)), 3)
            for k in sorted(hits) if hits[k] + misses.get(k, 0) > 0}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/roost")
    ap.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432/postgres")
    ap.add_argument("--db", default="roost_cluster_bench")
    ap.add_argument("--accounts", type=int, default=5000)
    ap.add_argument("--statuses", type=int, default=300_000)
    ap.add_argument("--readers", type=int, default=200)
    ap.add_argument("--nodes", default="1,2,3")
    ap.add_argument("--secs", type=int, default=20)
    ap.add_argument("--conns", type=int, default=32)
    ap.add_argument("--post-conns", type=int, default=16)
    a = ap.parse_args()
    if urllib.parse.urlsplit(a.pg).hostname not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("loopback PostgreSQL only")
    if not a.db.replace("_", "").isalnum():
        sys.exit("bad --db")
    binary = os.path.abspath(a.bin)
    db_url = urllib.parse.urlunsplit(urllib.parse.urlsplit(a.pg)._replace(path="/" + a.db))
    tmp = tempfile.mkdtemp(prefix="roost-cluster-bench.")
    front = free_port()
    domain = f"127.0.0.1:{front}"
    psql(a.pg, f"DROP DATABASE IF EXISTS {a.db} WITH (FORCE)")
    psql(a.pg, f"CREATE DATABASE {a.db}")
    env = dict(os.environ)
    for k in list(env):
        if k.startswith("ROOST_"):
            del env[k]
    env.update({
        "ROOST_STORAGE_DATA_DIR": f"{tmp}/data", "ROOST_DATABASE_URL": db_url,
        "ROOST_SERVER_DOMAIN": domain, "ROOST_SERVER_TRUST_PROXY_HEADERS": "true",
        "ROOST_LIMITS_STATUSES_PER_3H": "100000000", "ROOST_LIMITS_API_PER_5MIN": "1000000000",
        "ROOST_LIMITS_API_ANONYMOUS_PER_5MIN": "1000000000", "RUST_LOG": "warn",
        "ROOST_SERVER_METRICS_TOKEN": "bench-metrics",
    })
    tokens_file = f"{tmp}/tokens.tsv"
    t0 = time.time()
    subprocess.run([sys.executable, f"{HERE}/seed_scale.py", "--bin", binary, "--db", db_url,
                    "--domain", domain, "--accounts", str(a.accounts), "--statuses",
                    str(a.statuses), "--readers", str(a.readers), "--tokens-file", tokens_file],
                   check=True, env=env, stdout=subprocess.DEVNULL)
    print(f"seeded {a.accounts} accounts, {a.statuses} statuses in {time.time() - t0:.0f} s", flush=True)
    psql(db_url, "VACUUM ANALYZE")
    size = int(psql(db_url, "SELECT pg_database_size(current_database())"))
    feed = int(psql(db_url, "SELECT count(*) FROM home_feed"))
    print(f"database: {size / 2**20:.0f} MiB with {a.statuses} statuses, {feed} home_feed rows, "
          f"{a.accounts} accounts", flush=True)
    readers = [l.split("\t")[3].strip() for l in open(tokens_file) if l.startswith("reader\t")]
    with open(f"{tmp}/readers.txt", "w") as f:
        f.write("\n".join(readers) + "\n")
    rows = []
    for n in [int(x) for x in a.nodes.split(",")]:
        ports = [free_port() for _ in range(n)]
        nodes = []
        for i, port in enumerate(ports):
            e = dict(env, ROOST_SERVER_LISTEN=f"127.0.0.1:{port}")
            role = "all" if i == 0 else "web"
            log = open(f"{tmp}/node{n}-{i}.log", "w")
            nodes.append(subprocess.Popen([binary, "serve", "--role", role], env=e,
                                          stdout=subprocess.DEVNULL, stderr=log))
        for port in ports:
            wait_health(port)
        with open(f"{tmp}/nginx.conf", "w") as f:
            f.write(nginx_conf(tmp, front, ports))
        nginx = subprocess.Popen(["nginx", "-p", tmp, "-c", f"{tmp}/nginx.conf", "-e",
                                  f"{tmp}/nginx-error.log"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        base = f"http://{domain}"

        def run(name, url, conns, secs, body=None):
            pids = [p.pid for p in nodes]
            r0 = sum(ticks_of(p) for p in pids)
            g0, x0, b0, s0 = postgres_ticks(), ticks_of(nginx.pid), busy_ticks(), time.time()
            out = subprocess.run(["wrk", "-t2", f"-c{conns}", f"-d{secs}s", "--timeout", "10s",
                                  "--latency", "-s", f"{HERE}/scale_home.lua", url, "--",
                                  f"{tmp}/readers.txt"] + ([body] if body else []),
                                 capture_output=True, text=True).stdout
            el = time.time() - s0
            r1 = sum(ticks_of(p) for p in pids)
            g1, x1, b1 = postgres_ticks(), ticks_of(nginx.pid), busy_ticks()
            res = json.loads(out.split("RESULT ", 1)[1].splitlines()[0])
            req = max(res["requests"], 1)
            row = {
                "nodes": n, "run": name, "rps": res["rps"], "p50_ms": res["p50_ms"],
                "p99_ms": res["p99_ms"], "errors": res["status_errors"] + res["socket_errors"],
                "roost_cpu_ms_per_req": (r1 - r0) * 10 / req,
                "pg_cpu_ms_per_req": (g1 - g0) * 10 / req,
                "nginx_cpu_ms_per_req": (x1 - x0) * 10 / req,
                "machine_busy_cores": (b1 - b0) / 100 / el,
            }
            return row

        run("warmup", f"{base}/api/v1/timelines/home?limit=40", a.conns, 5)
        rows.append(run("home", f"{base}/api/v1/timelines/home?limit=40", a.conns, a.secs))
        rows[-1]["cache_hit_rates"] = cache_hit_rates(ports)
        # Jobs due now: each post also schedules a safety net a minute
        # ahead (redoing its effects if the request died), not a backlog.
        due = "SELECT count(*) FROM jobs WHERE run_at <= now() AND failed_at IS NULL"
        start = time.time()
        row = run("post", f"{base}/api/v1/statuses", a.post_conns, a.secs,
                  body="status=a+benchmark+post+on+several+nodes")
        row["queue_left_at_end"] = int(psql(db_url, due))
        while int(psql(db_url, due)) > 0:
            time.sleep(0.2)
            if time.time() - start > 600:
                break
        row["queue_drained_s"] = time.time() - start
        rows.append(row)
        for r in rows[-2:]:
            print(json.dumps(r), flush=True)
        nginx.terminate()
        nginx.wait()
        for p in nodes:
            p.terminate()
        for p in nodes:
            p.wait()
    print("\n| nodes | run | req/s | p50 ms | p99 ms | errors | roost CPU ms/req | PostgreSQL CPU ms/req | nginx CPU ms/req | busy cores |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['nodes']} | {r['run']} | {r['rps']:.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | "
              f"{r['errors']} | {r['roost_cpu_ms_per_req']:.2f} | {r['pg_cpu_ms_per_req']:.2f} | "
              f"{r['nginx_cpu_ms_per_req']:.2f} | {r['machine_busy_cores']:.2f} |")
    for r in rows:
        if "queue_drained_s" in r:
            print(f"nodes {r['nodes']}: {r['queue_left_at_end']} jobs due when posting stopped, "
                  f"none due {r['queue_drained_s']:.1f} s after posting began")
    for r in rows:
        if "cache_hit_rates" in r:
            print(f"nodes {r['nodes']}: cache hit rates after the home runs: {r['cache_hit_rates']}")
    psql(a.pg, f"DROP DATABASE IF EXISTS {a.db} WITH (FORCE)")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
