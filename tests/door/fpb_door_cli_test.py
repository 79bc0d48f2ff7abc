#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""fpb-door's command line: the ready line and endpoint file, refusing to serve without users,
clear errors for bad input, credentials/events/present on the state of a running server,
and a clean stop on SIGTERM.

Usage: fpb_door_cli_test.py PATH-TO-fpb-door"""

import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile

failures = 0


def check(condition, message):
    global failures
    print(("ok   " if condition else "FAIL ") + message)
    failures += 0 if condition else 1


def run(*args):
    return subprocess.run([FPB_DOOR, *args], capture_output=True, text=True, timeout=60)


def main():
    work = tempfile.mkdtemp(prefix="fpb-door-cli-")
    state = os.path.join(work, "state")

    r = run("serve", "--state", state, "--no-tls")
    check(r.returncode == 2 and "--user NAME:PASSWORD" in r.stderr, "serve without any user refuses and says how to add one")
    r = run("serve", "--state", state, "--user", "admin:pw", "--fault", "boom")
    check(r.returncode == 2 and "unknown fault 'boom'" in r.stderr and "drop-response" in r.stderr,
          "an unknown fault is named along with the valid ones")
    r = run("serve", "--state", state, "--user", "admin:pw", "--fault", "http-500=1.5")
    check(r.returncode == 2 and "probability" in r.stderr, "a probability outside 0..1 is refused")
    r = run("serve", "--state", state, "--user", "admin", "--no-tls")
    check(r.returncode == 2 and "NAME:PASSWORD" in r.stderr, "a --user without password is refused")
    r = run("credentials", "--state", os.path.join(work, "nothing-here"))
    check(r.returncode == 2 and "fpb-door serve --state" in r.stderr, "reading a missing state says how to create it")

    server = subprocess.Popen([FPB_DOOR, "serve", "--state", state, "--port", "0", "--user", "admin:pw"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        ready, _, _ = select.select([server.stdout], [], [], 30)
        line = server.stdout.readline() if ready else ""
        fields = dict(item.split("=", 1) for item in line.split()[2:]) if line.startswith("fpb-door ready ") else {}
        check(set(fields) == {"endpoint", "ca", "sha256"} and line.endswith("\n"), "one ready line: " + line.strip())
        with open(os.path.join(state, "endpoint")) as f:
            check(f.read().strip() == fields.get("endpoint"), "the endpoint file matches the ready line")
        check(os.path.isfile(fields.get("ca", "")) and len(fields.get("sha256", "")) == 64, "CA file and fingerprint")
        key = os.path.join(state, "tls-key.pem")
        check(os.stat(key).st_mode & 0o777 == 0o600, "the TLS key is private (0600)")
        port = int(fields["endpoint"].split(":")[2].split("/")[0])
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            check(True, "the port accepts connections")

        r = run("credentials", "--state", state, "--json")
        check(r.returncode == 0 and json.loads(r.stdout) == [], "credentials --json while serving: none yet")
        r = run("present", "--state", state, "/etc/hostname")
        check(r.returncode == 2 and "PNG, PGM or TIFF" in r.stderr, "present with a non-image: exit 2 and what to give")
        r = run("present", "--state", state, "--access-point", "nope", "/etc/hostname")
        check(r.returncode == 2 and "access-point-1" in r.stderr, "an unknown access point names the known ones")
        shared = os.environ.get("FPB_SHARED_DIR", "")
        image = os.path.join(shared, "fingerprints", "FVC2002_DB1_B", "101_1.tif")
        if os.path.isfile(image):
            r = run("present", "--state", state, image)
            result = json.loads(r.stdout) if r.stdout else {}
            check(r.returncode == 1 and result.get("granted") is False and
                  result.get("event") == "tns1:AccessControl/Denied/CredentialNotFound",
                  "present with no credentials: denied, exit 1")
            r = run("events", "--state", state, "--json")
            events = json.loads(r.stdout) if r.returncode == 0 else []
            check(len(events) == 1 and events[0]["access_point"] == "access-point-1", "the denial is logged")
        else:
            print("skip present of a real image: %s not found (set FPB_SHARED_DIR)" % image)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            code = server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            code = None
    check(code == 0, "serve exits 0 on SIGTERM")

    # Users are kept in the state: a restart needs no --user.
    restarted = subprocess.Popen([FPB_DOOR, "serve", "--state", state, "--no-tls"], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
    ready, _, _ = select.select([restarted.stdout], [], [], 30)
    line = restarted.stdout.readline() if ready else ""
    check("endpoint=http://" in line, "a restart without --user serves with the stored users (plain HTTP)")
    restarted.send_signal(signal.SIGINT)
    check(restarted.wait(timeout=30) == 0, "serve exits 0 on SIGINT")

    shutil.rmtree(work, ignore_errors=True)
    print("%d failure(s)" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    FPB_DOOR = sys.argv[1]
    sys.exit(main())
