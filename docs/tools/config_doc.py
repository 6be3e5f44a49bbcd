#!/usr/bin/env python3
"""Writes docs/configuration.md from config.example.toml (stdlib only).

    python3 docs/tools/config_doc.py > docs/configuration.md

A unit test (config::documentation) checks that the page names every key and
its environment variable, so the page cannot fall behind the code.
"""
import pathlib
import re

root = pathlib.Path(__file__).resolve().parents[2]
lines = (root / "config.example.toml").read_text().splitlines()

out = [
    "# Configuration",
    "",
    "roost needs no configuration: `roost serve` runs on SQLite under `./data`,",
    "listens on 127.0.0.1:8080 and calls itself `localhost:8080`. To change",
    "anything, give a TOML file with `roost --config FILE …` (or `ROOST_CONFIG=FILE`),",
    "or set environment variables named `ROOST_<SECTION>_<KEY>`.",
    "",
    "Precedence: built-in defaults < the file < environment variables.",
    "Unknown keys and values of the wrong type stop start-up with exit code 2 and a",
    "message naming the key. Lists in environment variables are comma-separated",
    "(`ROOST_INSTANCE_LANGUAGES=en,de`); booleans accept true/false, 1/0, yes/no, on/off.",
    "",
    "[config.example.toml](../config.example.toml) sets every key to its default, with",
    "the same comments. This page is generated from it by `docs/tools/config_doc.py`.",
]
section = None
comment = []
for line in lines:
    m = re.match(r"^\[(\w+)\]$", line)
    if m:
        section = m.group(1)
        out += ["", f"## [{section}]", "", "| key | environment variable | default | meaning |", "| --- | --- | --- | --- |"]
        comment = []
        continue
    if line.startswith("#"):
        comment.append(line.lstrip("#").strip())
        continue
    m = re.match(r"^(\w+)\s*=\s*(.+)$", line)
    if m and section:
        key, default = m.group(1), m.group(2)
        env = f"ROOST_{section.upper()}_{key.upper()}"
        meaning = " ".join(comment).replace("|", "\\|")
        out.append(f"| `{section}.{key}` | `{env}` | `{default}` | {meaning} |")
    comment = []

out += [
    "",
    "## Other environment variables",
    "",
    "| variable | meaning |",
    "| --- | --- |",
    "| `ROOST_CONFIG` | path of the configuration file (same as `--config`) |",
    "| `RUST_LOG` | log filter; overrides `log.level` |",
    "| `ROOST_TEST_DATABASE_URL` | tests only: a PostgreSQL URL; each test creates and uses a fresh database there |",
    "| `ROOST_TEST_PYTHON` | tests only: the Python interpreter with Mastodon.py and toot (default `.venv/bin/python`) |",
]
print("\n".join(out))
