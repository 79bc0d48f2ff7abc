#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Operator security through the real programs: the role matrix (every command and every web
route as administrator, operator and guest), the password policy, lockout, session expiry, the web
UI over HTTPS by default, CSRF refusal, the IP allowlist, and the audit log (a login from a given IP
address recorded; no password or template in it)."""

import argparse
import json
import os
import re
import secrets
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

import requests
from requests.adapters import HTTPAdapter

ADMIN = ("site-admin", "Amber-Lantern-81!")
OPERATOR = ("desk-op", "Copper-Kettle-62!")
GUEST = ("visitor", "Silver-Meadow-47!")
ALL = {"administrator", "operator", "guest"}
STAFF = {"administrator", "operator"}
ADMINISTRATOR = {"administrator"}

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print("FAIL:", message)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Host:
    def __init__(self, program, data, env):
        self.program, self.data, self.env = program, data, env

    def run(self, *args, stdin=None, timeout=120):
        return subprocess.run([self.program, "--data-dir", self.data] + list(args), input=stdin, capture_output=True,
                              text=True, env=self.env, timeout=timeout)

    def login(self, account):
        result = self.run("login", "--operator", account[0], "--password-stdin", stdin=account[1] + "\n")
        assert result.returncode == 0, result.stderr
        return result

    def config(self, **settings):
        with open(os.path.join(self.data, "config.json"), "w") as f:
            json.dump(settings, f)

    def serve(self, port):
        process = subprocess.Popen([self.program, "--data-dir", self.data, "serve", "--port", str(port)],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=self.env)
        line = process.stdout.readline()
        assert "Operator UI: https://" in line, line + process.stderr.read()
        return process


class SourceAddress(HTTPAdapter):
    """Connects from a chosen loopback address, to show what the server sees as the client's IP."""

    def __init__(self, address):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def web_session(base, certificate, source="127.0.0.1"):
    s = requests.Session()
    s.trust_env = False  # a CA bundle named in the environment would replace the UI's own certificate
    s.verify = certificate
    s.mount("https://", SourceAddress(source))
    return s


def web_login(base, certificate, account, source="127.0.0.1"):
    s = web_session(base, certificate, source)
    r = s.post(base + "/api/login", json={"name": account[0], "password": account[1]})
    assert r.status_code == 200, r.text
    s.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    return s


def cli_matrix(host, plugin_dir, busy_port):
    """Every command as each role: refused with exit 3 and the role's reason exactly when the role
    may not run it. The expected roles are written here, independently of the program."""
    door_password = "Door-Pass-1x\n"
    commands = {
        "users list": (["users", "list"], ALL),
        "users show": (["users", "show", "u-shared"], ALL),
        "users add": (["users", "add", "--id", "u-{role}", "--name", "Added by {role}"], STAFF),
        "users delete": (["users", "delete", "u-delete-{role}"], STAFF),
        "users generate": (["users", "generate", "--count", "1", "--prefix", "g-{role}-"], STAFF),
        "devices": (["devices"], ALL),
        "capture": (["capture", "--out", os.path.join(host.data, "press-{role}.png")], STAFF),
        "collect": (["collect", "--user", "u-shared", "--finger", "2"], STAFF),
        "plugins": (["plugins"], ALL),
        "plugins verify": (["plugins", "verify", plugin_dir], ALL),
        "controllers list": (["controllers", "list"], ALL),
        "controllers status": (["controllers", "status"], ALL),
        "controllers sync": (["controllers", "sync"], STAFF),
        "controllers add": (["controllers", "add", "--id", "c-{role}", "--endpoint",
                             "https://127.0.0.1:9/onvif/device_service", "--username", "door-svc", "--password-stdin"],
                            ADMINISTRATOR),
        "controllers remove": (["controllers", "remove", "c-none"], ADMINISTRATOR),
        "controllers audit": (["controllers", "audit", "c-none"], ADMINISTRATOR),
        "controllers rotate-password": (["controllers", "rotate-password", "--due"], ADMINISTRATOR),
        "serve": (["serve", "--port", str(busy_port)], ADMINISTRATOR),
        "demo": (["demo", "--once"], ADMINISTRATOR),
        "operators list": (["operators", "list"], ADMINISTRATOR),
        "operators add": (["operators", "add", "o-{role}", "--role", "guest", "--password-stdin"], ADMINISTRATOR),
        "operators remove": (["operators", "remove", "o-none"], ADMINISTRATOR),
        "operators set-role": (["operators", "set-role", "o-none", "guest"], ADMINISTRATOR),
        "operators unlock": (["operators", "unlock", "o-none"], ADMINISTRATOR),
        "operators permissions": (["operators", "permissions"], ALL),
        "operators passwd": (["operators", "passwd", "--password-stdin"], ALL),
        "audit list": (["audit", "list"], ADMINISTRATOR),
        "audit export": (["audit", "export", "--out", os.path.join(host.data, "audit-{role}.csv")], ADMINISTRATOR),
        # Need no login: they are how one gets one.
        "setup": (["setup", "--admin", "someone", "--password-stdin"], ALL),
        "login": None,
        "logout": None,
    }
    declared = json.loads(host.run("operators", "permissions", "--json").stdout)
    check(set(declared) == set(commands),
          "commands without a row in this test's matrix: %s" % sorted(set(declared) ^ set(commands)))
    for path, row in commands.items():
        if row is not None:
            check(set(declared.get(path, [])) == row[1], "%s: declared %s, expected %s" % (path, declared.get(path), row[1]))

    for account, role in ((GUEST, "guest"), (OPERATOR, "operator"), (ADMIN, "administrator")):
        host.login(account)
        for path, row in commands.items():
            if row is None:
                continue
            args, allowed = row
            if path == "demo" and role in allowed:
                continue  # runs the whole demo; the quick start runs it
            if path == "operators passwd" and role in allowed:
                stdin = "Wrong-Current-9!\nNew-Password-5x!\n"  # wrong current password: refused as input, not by role
            elif "--password-stdin" in args:
                stdin = "Weak\n" if path != "controllers add" else door_password
            else:
                stdin = None
            result = host.run(*[a.format(role=role) for a in args], stdin=stdin, timeout=180)
            refused_by_role = result.returncode == 3 and "role may not" in result.stderr
            if role in allowed:
                check(not refused_by_role and result.returncode != 3,
                      "cli %s as %s was refused: %s" % (path, role, result.stderr.strip()))
            else:
                check(refused_by_role, "cli %s as %s was not refused by role (exit %d): %s %s" %
                      (path, role, result.returncode, result.stdout[-200:], result.stderr.strip()))
    print("ok: every command as administrator, operator and guest: refused exactly where the role may not")


def web_matrix(base, certificate):
    routes = [
        ("GET", "/api/status", None, ALL), ("GET", "/api/users", None, ALL), ("GET", "/api/users/u-shared", None, ALL),
        ("GET", "/api/devices", None, ALL), ("GET", "/api/controllers", None, ALL), ("GET", "/api/session", None, ALL),
        ("GET", "/api/emulation", None, ALL),
        ("POST", "/api/password", {"current": "Wrong-Current-9!", "new": "x"}, ALL),
        ("POST", "/api/users", {"id": "w-{role}", "name": "Web {role}"}, STAFF),
        ("DELETE", "/api/users/wd-{role}", None, STAFF),
        ("DELETE", "/api/users/u-shared/fingers/7", None, STAFF),
        ("POST", "/api/collect", {"user_id": "u-shared", "finger": 2, "consent_confirmed": True}, STAFF),
        ("GET", "/api/collect/nosuch/events", None, STAFF),
        ("POST", "/api/collect/nosuch/finish", None, STAFF),
        ("POST", "/api/collect/nosuch/cancel", None, STAFF),
        ("POST", "/api/emulation/0/press", {"mode": "good"}, STAFF),
        ("POST", "/api/controllers/c-none/sync", None, STAFF),
        ("GET", "/api/controllers/audit", None, ADMINISTRATOR),
        ("POST", "/api/controllers/c-none/rotate-password", None, ADMINISTRATOR),
        ("GET", "/api/operators", None, ADMINISTRATOR),
        ("POST", "/api/operators", {"name": "wo-{role}", "role": "guest", "password": "Weak"}, ADMINISTRATOR),
        ("POST", "/api/operators/o-none/unlock", None, ADMINISTRATOR),
        ("POST", "/api/operators/o-none/role", {"role": "guest"}, ADMINISTRATOR),
        ("DELETE", "/api/operators/o-none", None, ADMINISTRATOR),
        ("GET", "/api/audit", None, ADMINISTRATOR),
        ("GET", "/api/audit/export?format=json", None, ADMINISTRATOR),
        ("GET", "/api/not-a-route", None, ADMINISTRATOR),  # unlisted routes: administrators only
    ]
    for account, role in ((GUEST, "guest"), (OPERATOR, "operator"), (ADMIN, "administrator")):
        s = web_login(base, certificate, account)
        for method, path, body, allowed in routes:
            path = path.format(role=role)
            if body is not None:
                body = json.loads(json.dumps(body).replace("{role}", role))
            r = s.request(method, base + path, json=body, timeout=60)
            refused = r.status_code == 403 and "role may not" in r.text
            if role in allowed:
                check(not refused and r.status_code != 401, "web %s %s as %s: %d %s" % (method, path, role, r.status_code,
                                                                                         r.text[:200]))
            else:
                check(refused, "web %s %s as %s not refused by role: %d %s" % (method, path, role, r.status_code,
                                                                                r.text[:200]))
        # Without a login, every API route answers 401.
        anonymous = web_session(base, certificate)
        for method, path, body, _ in routes:
            r = anonymous.request(method, base + path.format(role=role), json=body)
            check(r.status_code == 401, "web %s %s without login: %d" % (method, path, r.status_code))
    print("ok: every web route as administrator, operator, guest and anonymous: refused exactly where it should be")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--fpb-host", required=True)
    parser.add_argument("--plugin-dir", required=True)
    args = parser.parse_args()
    env = dict(os.environ, FPB_MASTER_KEY=secrets.token_hex(32))
    every_password = [a[1] for a in (ADMIN, OPERATOR, GUEST)]

    with tempfile.TemporaryDirectory(prefix="fpb-operator-security-") as root:
        host = Host(args.fpb_host, os.path.join(root, "host"), env)
        refused = host.run("users", "list")
        check(refused.returncode == 3 and "fpb-host setup --admin" in refused.stderr,
              "before setup a command must point to setup: " + refused.stderr)
        check(host.run("setup", "--admin", "admin", "--password-stdin", stdin=ADMIN[1] + "\n").returncode == 2,
              "the default name admin must be refused")
        assert host.run("setup", "--admin", ADMIN[0], "--password-stdin", stdin=ADMIN[1] + "\n").returncode == 0
        check(host.run("setup", "--admin", "second-admin", "--password-stdin", stdin=ADMIN[1] + "\n").returncode == 2,
              "setup must refuse to run twice")
        host.login(ADMIN)

        # Password policy: each weak password refused with its reason; nothing is created.
        weak = {"Ab1!x": "fewer than 8 characters", "amber-lantern-81": "no upper-case letter",
                "AMBER-LANTERN-81": "no lower-case letter", "Amber-Lantern-xy": "no digit",
                "AmberLantern81": "no special character", "Newbie-desk-op-1": "contains the user name",
                "Amber-Laaantern-8": "three times in a row", "Amber-6789-Lamp": "contains the run '6789'",
                "P@ssw0rd-2026": "well-known password", "Qwerty!2026x": "well-known password"}
        for password, reason in weak.items():
            r = host.run("operators", "add", "newbie-desk-op", "--role", "operator", "--password-stdin",
                         stdin=password + "\n")
            check(r.returncode == 2 and reason in r.stderr, "weak password %r: %s" % (password, r.stderr.strip()))
        check("newbie" not in host.run("operators", "list").stdout, "a refused account was created")
        print("ok: %d weak passwords refused, each with its reason" % len(weak))

        for account, role in ((OPERATOR, "operator"), (GUEST, "guest")):
            r = host.run("operators", "add", account[0], "--role", role, "--password-stdin", stdin=account[1] + "\n")
            assert r.returncode == 0, r.stderr
        for role in ("guest", "operator", "administrator"):
            assert host.run("users", "add", "--id", "u-delete-" + role, "--name", "To delete").returncode == 0
            assert host.run("users", "add", "--id", "wd-" + role, "--name", "To delete").returncode == 0
        assert host.run("users", "add", "--id", "u-shared", "--name", "Shared").returncode == 0
        assert host.run("users", "generate", "--count", "3", "--prefix", "t-").returncode == 0  # stored templates

        with socket.socket() as busy:
            busy.bind(("127.0.0.1", 0))
            busy.listen()
            cli_matrix(host, args.plugin_dir, busy.getsockname()[1])

        # The web UI: HTTPS by default with a generated certificate; plain HTTP gets nothing.
        host.login(ADMIN)
        port = free_port()
        base = "https://127.0.0.1:%d" % port
        server = host.serve(port)
        certificate = os.path.join(host.data, "web-tls", "web-certificate.pem")
        try:
            check(os.stat(os.path.join(host.data, "web-tls", "web-key.pem")).st_mode & 0o077 == 0, "key readable by others")
            r = requests.get(base + "/", verify=certificate)
            check(r.status_code == 200 and "Strict-Transport-Security" in r.headers, "HTTPS page: %d" % r.status_code)
            try:
                requests.get("http://127.0.0.1:%d/" % port, timeout=5)
                check(False, "plain HTTP was answered")
            except requests.exceptions.ConnectionError:
                pass
            login = web_session(base, certificate).post(base + "/api/login", json={"name": ADMIN[0], "password": ADMIN[1]})
            cookie = login.headers.get("Set-Cookie", "")
            for attribute in ("HttpOnly", "SameSite=Strict", "Secure"):
                check(attribute in cookie, "session cookie without %s: %s" % (attribute, cookie))
            print("ok: the web UI is HTTPS by default with a generated certificate; the cookie is Secure, HttpOnly, "
                  "SameSite=Strict")

            web_matrix(base, certificate)

            # CSRF: a change without the session's token, or from another origin, is refused.
            s = web_login(base, certificate, OPERATOR)
            token = s.headers.pop("X-CSRF-Token")
            r = s.post(base + "/api/users", json={"id": "csrf-1", "name": "Forged"})
            check(r.status_code == 403 and "CSRF" in r.text, "change without CSRF token: %d %s" % (r.status_code, r.text))
            r = s.post(base + "/api/users", json={"id": "csrf-2", "name": "Forged"}, headers={"X-CSRF-Token": "0" * 64})
            check(r.status_code == 403, "change with a wrong CSRF token: %d" % r.status_code)
            r = s.post(base + "/api/users", json={"id": "csrf-3", "name": "Forged"},
                       headers={"X-CSRF-Token": token, "Origin": "https://attacker.example"})
            check(r.status_code == 403 and "cross-site" in r.text, "change from another origin: %d" % r.status_code)
            r = s.post(base + "/api/users", json={"id": "csrf-4", "name": "Genuine"}, headers={"X-CSRF-Token": token})
            check(r.status_code == 201, "the same change with the token: %d %s" % (r.status_code, r.text))
            users = [u["id"] for u in s.get(base + "/api/users").json()]
            check("csrf-1" not in users and "csrf-2" not in users and "csrf-3" not in users, "a forged change landed")
            print("ok: CSRF: changes without the token, with a wrong one or from another origin are refused")

            # Lockout over the web: five failures lock the account, even against the right password.
            anonymous = web_session(base, certificate)
            for _ in range(5):
                anonymous.post(base + "/api/login", json={"name": GUEST[0], "password": "Wrong-Guess-42!"})
            r = anonymous.post(base + "/api/login", json={"name": GUEST[0], "password": GUEST[1]})
            check(r.status_code == 401 and "locked" in r.text, "after 5 failures: %d %s" % (r.status_code, r.text))
            r = host.run("login", "--operator", GUEST[0], "--password-stdin", stdin=GUEST[1] + "\n")
            check(r.returncode == 3 and "locked" in r.stderr, "the lockout holds on the command line too: " + r.stderr)
            host.login(ADMIN)
            assert host.run("operators", "unlock", GUEST[0]).returncode == 0
            web_login(base, certificate, GUEST)
            print("ok: lockout after 5 failed logins, lifted by an administrator")
        finally:
            server.terminate()
            server.wait()

        # The IP allowlist: only listed addresses reach the UI; the audit log keeps each login's address.
        host.config(web_allowed_addresses=["127.0.0.2/32"])
        server = host.serve(port)
        try:
            r = requests.get(base + "/api/session", verify=certificate)
            check(r.status_code == 403 and "allowlist" in r.text, "unlisted 127.0.0.1: %d %s" % (r.status_code, r.text))
            web_login(base, certificate, OPERATOR, source="127.0.0.2")
            print("ok: the IP allowlist refuses 127.0.0.1 and admits 127.0.0.2")
        finally:
            server.terminate()
            server.wait()
        entries = json.loads(host.run("audit", "list", "--limit", "1000", "--json").stdout)
        check(any(e["action"] == "login" and e["actor"] == OPERATOR[0] and e["address"] == "127.0.0.2" for e in entries),
              "the audit log does not show the login from 127.0.0.2")
        check(any(e["action"] == "web.address_refused" and e["address"] == "127.0.0.1" for e in entries),
              "the audit log does not show the refused address")
        check(any(e["action"] == "login.failed" and e["actor"] == GUEST[0] for e in entries), "failed logins missing")
        print("ok: the audit log records the login from 127.0.0.2 and the refusal of 127.0.0.1")

        # Session expiry: on the command line and the web, an unused session ends.
        host.config(session_idle_seconds=2)
        host.login(ADMIN)
        time.sleep(3.5)
        r = host.run("users", "list")
        check(r.returncode == 3 and "session has ended" in r.stderr, "an idle CLI session still works: " + r.stderr)
        host.login(ADMIN)
        server = host.serve(port)
        try:
            s = web_login(base, certificate, OPERATOR)
            check(s.get(base + "/api/users").status_code == 200, "a fresh web session is refused")
            time.sleep(3.5)
            r = s.get(base + "/api/users")
            check(r.status_code == 401, "an idle web session still works: %d" % r.status_code)
        finally:
            server.terminate()
            server.wait()
        print("ok: sessions end after the idle period, on the command line and on the web")

        # Password age: an old password must be changed before anything else.
        host.config()
        database = sqlite3.connect(os.path.join(host.data, "fpbridge.db"))
        database.execute("UPDATE operators SET password_changed_at = password_changed_at - 100 * 86400 WHERE name = ?",
                         (OPERATOR[0],))
        database.commit()
        database.close()
        r = host.login(OPERATOR)
        check("older than 90 days" in r.stdout, "no prompt to change an old password: " + r.stdout)
        r = host.run("users", "list")
        check(r.returncode == 3 and "operators passwd" in r.stderr, "an expired password still runs commands")
        new_password = "Velvet-Compass-39!"
        r = host.run("operators", "passwd", "--password-stdin", stdin="%s\n%s\n" % (OPERATOR[1], new_password))
        check(r.returncode == 0, "passwd: " + r.stderr)
        every_password.append(new_password)
        host.login((OPERATOR[0], new_password))
        check(host.run("users", "list").returncode == 0, "after the change commands run again")
        print("ok: an expired password prompts for a change and blocks everything else until it is changed")

        # No password, session token or template anywhere in the audit log or the program's log.
        host.login(ADMIN)
        export = os.path.join(root, "audit.json")
        assert host.run("audit", "export", "--out", export, "--format", "json").returncode == 0
        check(os.stat(export).st_mode & 0o077 == 0, "the export is readable by others")
        with open(export) as f:
            text = f.read()
        with open(os.path.join(host.data, "logs", "fpb-host.log"), errors="replace") as f:
            log = f.read()
        for secret in every_password + ["Door-Pass-1x", "Wrong-Guess-42!"]:
            check(secret not in text and secret not in log, "a password is in the audit or program log")
        with open(os.path.join(host.data, "sessions", "cli-%d" % os.getuid())) as f:
            token = f.read().strip()
        check(token not in text and token not in log, "a session token is in a log")
        check("FMR" not in text and not re.search(r"[A-Za-z0-9+/=]{80,}", text),
              "something template-like (ISO magic or a long encoded blob) is in the audit log")
        print("ok: %d audit entries exported; no password, token or template in them or in the program log" %
              len(json.loads(text)))

    if failures:
        print("%d check(s) failed" % len(failures))
        sys.exit(1)
    print("operator security: all checks passed")


if __name__ == "__main__":
    main()
