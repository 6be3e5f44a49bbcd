#!/usr/bin/env python3
"""Real-client login test: drives a running roost server with the toot CLI.

Environment:
  ROOST_BASE_URL       e.g. http://127.0.0.1:18080 (toot accepts http:// when
                       the scheme is given; a bare host would become https://)
  ROOST_TEST_USERNAME  an existing local account ...
  ROOST_TEST_EMAIL     ... its e-mail address ...
  ROOST_TEST_PASSWORD  ... and its password.
  ROOST_KEEP_TMP=1     keep toot's temporary config directory (for debugging).

Run with the Python of the venv made from tests/clients/requirements.txt; the
`toot` executable is taken from the same venv (next to sys.executable):
  /tmp/clientvenv/bin/python tests/clients/toot_login.py

toot runs with HOME and XDG_CONFIG_HOME pointing into a fresh temporary
directory, so the user's own toot config is never read or written. The
password reaches `toot login_cli` through click's environment variable
TOOT_LOGIN_CLI_PASSWORD (toot sets auto_envvar_prefix="TOOT"), so it is not on
the command line and no prompt is needed; stdin is /dev/null so any prompt
fails instead of hanging.

Exit status: 0 when every check passed, 1 on a failed check, 2 on an
unexpected error.
"""

import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import traceback

TIMEOUT = 60


def env(name):
    value = os.environ.get(name)
    assert value, f"environment variable {name} must be set"
    return value


def step(msg):
    print(f"ok: {msg}", flush=True)


def toot_command():
    exe = os.path.join(os.path.dirname(sys.executable), "toot")
    if os.path.isfile(exe) and os.access(exe, os.X_OK):
        return [exe]
    return [sys.executable, "-m", "toot"]


class TootRunner:
    def __init__(self, tmp):
        self.cmd = toot_command()
        self.home = os.path.join(tmp, "home")
        self.xdg = os.path.join(tmp, "config")
        os.makedirs(self.home)
        os.makedirs(self.xdg)
        base_env = {k: v for k, v in os.environ.items() if not k.startswith("TOOT_")}
        base_env.update(HOME=self.home, XDG_CONFIG_HOME=self.xdg, NO_COLOR="1", TERM="dumb", COLUMNS="200")
        self.env = base_env

    def config_path(self):
        return os.path.join(self.xdg, "toot", "config.json")

    def run(self, args, extra_env=None, expect_ok=True):
        env = dict(self.env)
        if extra_env:
            env.update(extra_env)
        full = self.cmd + ["--no-color"] + args
        p = subprocess.run(full, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=TIMEOUT)
        shown = " ".join(["toot", "--no-color"] + args)
        if expect_ok:
            assert p.returncode == 0, f"`{shown}` exited {p.returncode}\nstdout: {p.stdout}\nstderr: {p.stderr}"
        return p


def main_checks(tmp):
    base = env("ROOST_BASE_URL").rstrip("/")
    username = env("ROOST_TEST_USERNAME")
    email = env("ROOST_TEST_EMAIL")
    password = env("ROOST_TEST_PASSWORD")
    nonce = secrets.token_hex(4)
    toot = TootRunner(tmp)
    print(f"using {' '.join(toot.cmd)} with XDG_CONFIG_HOME={toot.xdg}", flush=True)

    v = toot.run(["--version"])
    step(f"{v.stdout.strip()}")

    # Failure path first: a wrong password. toot registers its app (kept in its
    # config), then the password grant fails and toot says "Login failed".
    bad = toot.run(["login_cli", "--instance", base, "--email", email],
                   extra_env={"TOOT_LOGIN_CLI_PASSWORD": password + "-wrong"}, expect_ok=False)
    assert bad.returncode != 0, f"toot login_cli with a wrong password succeeded:\n{bad.stdout}\n{bad.stderr}"
    assert "Login failed" in bad.stderr, (
        f"toot login_cli with a wrong password failed, but not at the login step (exit {bad.returncode}):\n"
        f"stdout: {bad.stdout}\nstderr: {bad.stderr}"
    )
    step("toot login_cli with a wrong password: 'Login failed', non-zero exit")

    ok = toot.run(["login_cli", "--instance", base, "--email", email],
                  extra_env={"TOOT_LOGIN_CLI_PASSWORD": password})
    assert "Successfully logged in" in ok.stdout, f"toot login_cli output lacks 'Successfully logged in':\n{ok.stdout}\n{ok.stderr}"
    step("toot login_cli --instance <base> --email <email> (password via TOOT_LOGIN_CLI_PASSWORD) logged in")

    with open(toot.config_path()) as f:
        cfg = json.load(f)
    active = cfg.get("active_user") or ""
    assert active.startswith(username + "@"), f"toot's active_user is {active!r}, expected {username}@<instance>"
    instance_key = active.split("@", 1)[1]
    app = cfg["apps"].get(instance_key)
    assert app and app.get("base_url") == base, f"toot saved app {app!r} under {instance_key!r}; expected base_url {base}"
    assert len(cfg["apps"]) == 1, f"toot registered more than one app: {list(cfg['apps'])}"
    step(f"toot config: active_user={active!r}, app base_url={app['base_url']!r}")

    who = toot.run(["whoami", "--json"])
    me = json.loads(who.stdout)
    assert me.get("username") == username, f"toot whoami --json username={me.get('username')!r}, expected {username!r}"
    text = toot.run(["whoami"]).stdout
    assert f"@{me.get('acct')}" in text and username in text, f"toot whoami output lacks @{me.get('acct')}:\n{text}"
    step(f"toot whoami shows @{me.get('acct')}")

    display_name = f"Toot Tester {nonce}"
    note = f"Bio set by toot {nonce}"
    up = toot.run(["update-account", "--display-name", display_name, "--note", note])
    assert "Account updated" in up.stdout, f"toot update-account output lacks 'Account updated':\n{up.stdout}\n{up.stderr}"
    step("toot update-account --display-name ... --note ... (PATCH update_credentials, form-urlencoded)")

    me2 = json.loads(toot.run(["whoami", "--json"]).stdout)
    assert me2.get("display_name") == display_name, f"after toot update-account, display_name={me2.get('display_name')!r}, expected {display_name!r}"
    assert note in (me2.get("note") or ""), f"after toot update-account, note={me2.get('note')!r} lacks {note!r}"
    text2 = toot.run(["whoami"]).stdout
    assert display_name in text2 and note in text2, f"toot whoami text lacks the new display name/note:\n{text2}"
    step(f"toot whoami shows the new display name {display_name!r} and note")

    auth = toot.run(["auth"]).stdout
    assert active in auth, f"toot auth does not list {active!r}:\n{auth}"
    print("PASS: toot login test", flush=True)


def main():
    tmp = tempfile.mkdtemp(prefix="roost-toot-")
    try:
        main_checks(tmp)
    except AssertionError as e:
        print(f"FAIL: {e}", file=sys.stderr, flush=True)
        return 1
    except Exception:
        traceback.print_exc()
        print("ERROR: unexpected exception (see traceback above)", file=sys.stderr, flush=True)
        return 2
    finally:
        if os.environ.get("ROOST_KEEP_TMP"):
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
