# SPDX-License-Identifier: GPL-2.0-or-later
"""Every fpb-host command needs a logged-in operator: the end-to-end tests create the first
administrator of each data folder they use and log the command line in as them."""
import subprocess

ADMIN = "e2e-admin"
ADMIN_PASSWORD = "Site-Key-Pass-9!"

_ready = set()


def ensure_logged_in(fpb_host, data_dir, env=None):
    if data_dir in _ready:
        return
    for command in (["setup", "--admin", ADMIN], ["login", "--operator", ADMIN]):
        result = subprocess.run([fpb_host, "--data-dir", data_dir] + command + ["--password-stdin"],
                                input=ADMIN_PASSWORD + "\n", capture_output=True, text=True, env=env, timeout=120)
        if result.returncode != 0:
            raise AssertionError("fpb-host %s failed: %s %s" % (command[0], result.stdout, result.stderr))
    _ready.add(data_dir)
