"""Drives bench/media.sh: uploads a photo through POST /api/v2/media, first
one at a time, then CONC at a time, and reads roost's memory from /proc.
Prints metric<TAB>value lines."""

import argparse
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests


def token(base: str) -> str:
    app = requests.post(f"{base}/api/v1/apps", data={
        "client_name": "media-bench", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
        "scopes": "read write"}).json()
    t = requests.post(f"{base}/oauth/token", data={
        "grant_type": "password", "client_id": app["client_id"],
        "client_secret": app["client_secret"], "username": "bench@example.invalid",
        "password": "correct horse battery", "scope": "read write"}).json()
    return t["access_token"]


def status_kb(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--base", required=True)
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--image", required=True)
    p.add_argument("--seq", type=int, default=10)
    p.add_argument("--count", type=int, default=48)
    p.add_argument("--conc", type=int, default=8)
    a = p.parse_args()
    photo = open(a.image, "rb").read()
    auth = {"Authorization": f"Bearer {token(a.base)}"}

    def upload() -> float:
        t0 = time.perf_counter()
        r = requests.post(f"{a.base}/api/v2/media", headers=auth,
                          files={"file": ("photo.jpg", photo, "image/jpeg")})
        if r.status_code != 200:
            raise SystemExit(f"upload failed: {r.status_code} {r.text[:200]}")
        return time.perf_counter() - t0

    print(f"rss_idle_mb\t{status_kb(a.pid, 'VmRSS') / 1024:.0f}")
    upload()  # warm-up
    seq = [upload() for _ in range(a.seq)]
    print(f"seq_upload_s_median\t{statistics.median(seq):.3f}")
    print(f"seq_upload_s_range\t{min(seq):.3f}-{max(seq):.3f}")
    print(f"seq_images_per_s\t{1 / statistics.median(seq):.2f}")
    print(f"rss_after_seq_mb\t{status_kb(a.pid, 'VmRSS') / 1024:.0f}")
    print(f"hwm_after_seq_mb\t{status_kb(a.pid, 'VmHWM') / 1024:.0f}")

    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], status_kb(a.pid, "VmRSS"))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    t0 = time.perf_counter()
    with ThreadPoolExecutor(a.conc) as pool:
        times = list(pool.map(lambda _: upload(), range(a.count)))
    wall = time.perf_counter() - t0
    done.set()
    sampler.join()
    print(f"conc\t{a.conc}")
    print(f"conc_images_per_s\t{a.count / wall:.2f}")
    print(f"conc_upload_s_median\t{statistics.median(times):.3f}")
    print(f"conc_peak_rss_mb\t{peak[0] / 1024:.0f}")
    print(f"conc_hwm_mb\t{status_kb(a.pid, 'VmHWM') / 1024:.0f}")
    print(f"input_bytes\t{len(photo)}")


if __name__ == "__main__":
    main()
