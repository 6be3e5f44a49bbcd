#!/usr/bin/env python3
"""How coherent two roost nodes on one PostgreSQL database are (issue 18).

Starts node A (role all) and node B (role web) on a fresh database, then
PAIRS times: changes a profile through A (PATCH update_credentials) and at
once reads it through B (GET /api/v1/accounts/:id, which B answers from its
cache when it can). A read that answers the old name is stale. Prints the
stale count and the write's latency (p50, p99). Not a test: nothing asserts.

    bench/cluster_coherence.py [--bin target/release/roost]
        [--pg postgres://postgres@127.0.0.1:5432/roost_bench_coherence]
        [--pairs 2000]

Loopback only; the database named in --pg is dropped and made afresh.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request


def call(method, url, token=None, form=None):
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read() or b"null")


def wait_health(base):
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/health", timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"{base} did not answer")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/roost")
    ap.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432/roost_bench_coherence")
    ap.add_argument("--pairs", type=int, default=2000)
    ap.add_argument("--ports", default="18993,18994")
    args = ap.parse_args()
    name = args.pg.rsplit("/", 1)[1]
    admin = args.pg.rsplit("/", 1)[0] + "/postgres"
    for sql in (f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"):
        subprocess.run(["psql", "-X", "-q", admin, "-c", sql], check=True, stdout=subprocess.DEVNULL)
    data = tempfile.mkdtemp()
    pa, pb = args.ports.split(",")
    domain = f"127.0.0.1:{pa}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROOST_")}
    env.update(
        ROOST_DATABASE_URL=args.pg,
        ROOST_STORAGE_DATA_DIR=data,
        ROOST_SERVER_DOMAIN=domain,
        ROOST_LIMITS_API_PER_5MIN="1000000000",
        ROOST_LIMITS_TOKEN_PER_5MIN="100000",
        ROOST_LIMITS_SIGN_IN_PER_5MIN="100000",
        RUST_LOG="warn",
    )
    subprocess.run([args.bin, "migrate"], env=env, check=True)
    for user in ("writer", "reader"):
        subprocess.run(
            [args.bin, "admin", "create-account", "--username", user,
             "--email", f"{user}@bench.example", "--password", f"bench password {user}"],
            env=env, check=True, stdout=subprocess.DEVNULL,
        )
    nodes = []
    for port, role in ((pa, "all"), (pb, "web")):
        nodes.append(subprocess.Popen(
            [args.bin, "serve", "--role", role],
            env={**env, "ROOST_SERVER_LISTEN": f"127.0.0.1:{port}"},
            stderr=open(os.path.join(data, f"{role}.log"), "w"),
        ))
    a, b = f"http://127.0.0.1:{pa}", f"http://127.0.0.1:{pb}"
    try:
        wait_health(a)
        wait_health(b)
        app = call("POST", a + "/api/v1/apps", form={
            "client_name": "bench", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
            "scopes": "read write"})
        tokens = {}
        for user in ("writer", "reader"):
            tokens[user] = call("POST", a + "/oauth/token", form={
                "grant_type": "password", "client_id": app["client_id"],
                "client_secret": app["client_secret"], "username": user,
                "password": f"bench password {user}", "scope": "read write"})["access_token"]
        me = call("GET", a + "/api/v1/accounts/verify_credentials", tokens["writer"])
        path = f"/api/v1/accounts/{me['id']}"
        call("GET", b + path, tokens["reader"])  # B's cache holds the account
        stale = 0
        writes = []
        for i in range(args.pairs):
            started = time.perf_counter()
            call("PATCH", a + "/api/v1/accounts/update_credentials", tokens["writer"],
                 {"display_name": f"name {i}"})
            writes.append((time.perf_counter() - started) * 1000)
            seen = call("GET", b + path, tokens["reader"])["display_name"]
            if seen != f"name {i}":
                stale += 1
        writes.sort()
        print(json.dumps({
            "pairs": args.pairs,
            "stale_reads": stale,
            "write_p50_ms": round(statistics.median(writes), 3),
            "write_p99_ms": round(writes[int(len(writes) * 0.99) - 1], 3),
        }))
    finally:
        for n in nodes:
            n.terminate()
            n.wait()


if __name__ == "__main__":
    main()
