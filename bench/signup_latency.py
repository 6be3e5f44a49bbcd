#!/usr/bin/env python3
"""Sign-up latency and the first federation of an account: starts
`BINARY serve` on a fresh SQLite database, signs up COUNT accounts through
POST /api/v1/accounts one after another, then fetches the first 10 actors
(ActivityPub JSON), each for the first time. Prints medians.

  python3 bench/signup_latency.py target/debug/roost 18080 30

Run it against two builds to compare them (docs/performance.md, "Key pairs
on first use"). Not a test: nothing asserts.
"""
import json, os, statistics, subprocess, sys, tempfile, time, urllib.request, urllib.parse
binary, port = sys.argv[1], int(sys.argv[2])
d = tempfile.mkdtemp()
env = dict(os.environ, ROOST_SERVER_LISTEN=f"127.0.0.1:{port}", ROOST_SERVER_DOMAIN=f"127.0.0.1:{port}",
           ROOST_STORAGE_DATA_DIR=d, ROOST_DATABASE_URL=f"sqlite://{d}/roost.db",
           ROOST_LIMITS_REGISTRATIONS_PER_30MIN="100000", ROOST_FEDERATION_ALLOW_HTTP="true")
p = subprocess.Popen([binary, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
base = f"http://127.0.0.1:{port}"
def req(method, path, data=None, token=None, headers=None):
    h = dict(headers or {})
    body = None
    if data is not None:
        body = json.dumps(data).encode(); h["Content-Type"] = "application/json"
    if token: h["Authorization"] = "Bearer " + token
    r = urllib.request.urlopen(urllib.request.Request(base + path, body, h, method=method))
    return json.loads(r.read())
try:
    for _ in range(100):
        try: req("GET", "/api/v1/instance"); break
        except Exception: time.sleep(0.2)
    app = req("POST", "/api/v1/apps", {"client_name": "b", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob", "scopes": "read write"})
    tok = req("POST", "/oauth/token", {"grant_type": "client_credentials", "client_id": app["client_id"], "client_secret": app["client_secret"], "scope": "read write"})["access_token"]
    t = []
    for i in range(int(sys.argv[3])):
        s = time.perf_counter()
        req("POST", "/api/v1/accounts", {"username": f"u{i}", "email": f"u{i}@example.org", "password": "long enough password", "agreement": True, "locale": "en"}, tok)
        t.append((time.perf_counter() - s) * 1000)
    f = []
    for i in range(10):
        s = time.perf_counter()
        req("GET", f"/users/u{i}", headers={"Accept": "application/activity+json"})
        f.append((time.perf_counter() - s) * 1000)
    print(f"{os.path.basename(binary)}: sign-up median {statistics.median(t):.0f} ms (p90 {sorted(t)[int(len(t)*0.9)]:.0f}), first actor fetch median {statistics.median(f):.0f} ms")
finally:
    p.terminate(); p.wait()
