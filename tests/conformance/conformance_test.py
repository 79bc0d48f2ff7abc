#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Conformance of fpb-door with the official ONVIF WSDLs: starts `fpb-door serve` over TLS,
calls every operation it implements with python3-zeep (strict settings, UsernameToken digest,
certificate verified against the simulator's CA file), parses every response strictly and
schema-validates it where libxml2 can, checks ONVIF faults, and finally validates the requests
zeep sent (captured by the simulator) with validate_requests.py.

Usage: conformance_test.py --fpb-door PATH     (FPB_SHARED_DIR must point at the shared data)
Exit status: 0 pass, 1 fail, 77 shared ONVIF files absent."""

import argparse
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from lxml import etree
import zeep
import zeep.exceptions
from zeep.plugins import HistoryPlugin
from zeep.wsse.username import UsernameToken

import onvif_zeep
import validate_requests

ADMIN, ADMIN_PASSWORD = "admin", "conformance-admin-secret"
OPERATOR, OPERATOR_PASSWORD = "operator", "conformance-operator-secret"


class Checks:
    def __init__(self):
        self.failures = 0

    def check(self, condition, message):
        print(("ok   " if condition else "FAIL ") + message)
        if not condition:
            self.failures += 1
        return condition


def start_door(fpb_door, state, capture):
    command = [fpb_door, "serve", "--state", state, "--port", "0", "--user", ADMIN + ":" + ADMIN_PASSWORD,
               "--user", OPERATOR + ":" + OPERATOR_PASSWORD + ":Operator", "--auth", "wsse", "--capture-dir", capture]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ready, _, _ = select.select([process.stdout], [], [], 30)
    line = process.stdout.readline() if ready else ""
    if not line.startswith("fpb-door ready "):
        process.kill()
        raise RuntimeError("fpb-door did not become ready: %r %s" % (line, process.stderr.read()))
    fields = dict(item.split("=", 1) for item in line.split()[2:])
    return process, fields


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fpb-door", required=True)
    args = parser.parse_args()
    onvif_dir = onvif_zeep.onvif_dir_or_skip()
    fingerprints = os.path.join(os.environ["FPB_SHARED_DIR"], "fingerprints", "FVC2002_DB1_B")
    record_file = os.path.join(fingerprints, "iso19794-2_secugen", "101_1.iso")
    if not os.path.isfile(record_file):
        print("SKIP: %s not found (the shared fingerprints are needed for a fingerprint credential)" % record_file)
        return onvif_zeep.SKIP
    with open(record_file, "rb") as f:
        record = f.read()  # zeep handles xs:hexBinary as hex text

    work = tempfile.mkdtemp(prefix="fpb-door-conformance-")
    state, capture = os.path.join(work, "state"), os.path.join(work, "capture")
    process, ready = start_door(args.fpb_door, state, capture)
    t = Checks()
    try:
        t.check(ready["endpoint"].startswith("https://127.0.0.1:"), "ready line names the HTTPS endpoint")
        t.check(len(ready.get("sha256", "")) == 64, "ready line carries the certificate's SHA-256")
        with open(os.path.join(state, "endpoint")) as f:
            t.check(f.read().strip() == ready["endpoint"], "the state directory holds the endpoint")
        address = ready["endpoint"]

        history = HistoryPlugin()
        token = UsernameToken(ADMIN, ADMIN_PASSWORD, use_digest=True)
        onvif = onvif_zeep.Onvif(onvif_dir, verify=ready["ca"], wsse=token)
        for client in onvif.clients.values():
            client.plugins.append(history)
        device = onvif.service("device", address)
        credential = onvif.service("credential", address)
        door = onvif.service("doorcontrol", address)
        access = onvif.service("accesscontrol", address)

        def call(label, function, *a, **kw):
            """Calls an operation; checks the raw response body too."""
            result = function(*a, **kw)
            body = onvif_zeep.soap_body(history.last_received["envelope"])
            problems = onvif.check_body(body)
            t.check(not problems, "%s: response parsed strictly%s" % (
                label, "" if not problems else " but: " + "; ".join(problems)))
            header = history.last_received["envelope"].find("{%s}Header" % onvif_zeep.SOAP12)
            t.check(header is None or len(header) == 0, "%s: no Security header echoed back" % label)
            return result

        def expect_fault(label, subcodes, function, *a, **kw):
            try:
                function(*a, **kw)
            except zeep.exceptions.Fault as fault:
                got = [etree.QName(s).localname for s in (fault.subcodes or [])]
                t.check(fault.code.endswith("Sender") and got == subcodes,
                        "%s: fault env:Sender %s (got %s %s: %s)" % (label, "/".join(subcodes), fault.code, got, fault.message))
                return
            t.check(False, "%s: expected a fault" % label)

        # ---- device management
        now = call("GetSystemDateAndTime", device.GetSystemDateAndTime)
        utc = now.UTCDateTime
        device_time = time.mktime((utc.Date.Year, utc.Date.Month, utc.Date.Day, utc.Time.Hour, utc.Time.Minute,
                                   utc.Time.Second, 0, 0, 0)) - time.mktime(time.gmtime(0))
        t.check(abs(device_time - time.time()) < 120, "GetSystemDateAndTime: the device clock is now (UTC)")
        services = call("GetServices", device.GetServices, IncludeCapability=False)
        namespaces = {s.Namespace for s in services}
        t.check(set(onvif_zeep.NS.values()) <= namespaces and all(s.XAddr == address for s in services),
                "GetServices: device, credential, door control and access control at the endpoint")
        info = call("GetDeviceInformation", device.GetDeviceInformation)
        t.check(bool(info.Manufacturer and info.FirmwareVersion), "GetDeviceInformation: manufacturer and firmware")
        protocols = call("GetNetworkProtocols", device.GetNetworkProtocols)
        t.check(any(p.Name == "HTTPS" and p.Enabled for p in protocols), "GetNetworkProtocols: HTTPS enabled")
        t.check(call("GetDiscoveryMode", device.GetDiscoveryMode) in ("Discoverable", "NonDiscoverable"),
                "GetDiscoveryMode: a DiscoveryMode value")
        t.check(call("GetIPAddressFilter", device.GetIPAddressFilter).Type in ("Allow", "Deny"),
                "GetIPAddressFilter: a filter type")
        users = call("GetUsers", device.GetUsers)
        t.check({u.Username for u in users} == {ADMIN, OPERATOR} and all(u.Password is None for u in users),
                "GetUsers: both users, no passwords")
        call("SetUser", device.SetUser, User=[{"Username": OPERATOR, "Password": "changed-operator-secret",
                                                "UserLevel": "Operator"}])

        # ---- credential service
        caps = call("GetServiceCapabilities", credential.GetServiceCapabilities)
        t.check("pt:Fingerprint" in caps.SupportedIdentifierType and caps.MaxCredentials >= 10000,
                "GetServiceCapabilities: pt:Fingerprint and MaxCredentials")
        formats = call("GetSupportedFormatTypes", credential.GetSupportedFormatTypes,
                       CredentialIdentifierTypeName="pt:Fingerprint")
        t.check("ISO19794-2:2005" in [f.FormatType for f in formats], "GetSupportedFormatTypes: ISO 19794-2 offered")

        def credential_data(holder, token=""):
            return {"token": token, "CredentialHolderReference": holder,
                    "CredentialIdentifier": [{"Type": {"Name": "pt:Fingerprint", "FormatType": "ISO19794-2:2005"},
                                              "ExemptedFromAuthentication": False, "Value": record.hex().upper()}],
                    "CredentialAccessProfile": []}

        first = call("CreateCredential", credential.CreateCredential, Credential=credential_data("holder-1"),
                     State={"Enabled": True})
        second_record_file = os.path.join(fingerprints, "iso19794-2_secugen", "102_1.iso")
        with open(second_record_file, "rb") as f:
            second_data = credential_data("holder-2")
            second_data["CredentialIdentifier"][0]["Value"] = f.read().hex().upper()
        second = call("CreateCredential (second)", credential.CreateCredential, Credential=second_data,
                      State={"Enabled": True})
        t.check(first and second and first != second, "CreateCredential: the device allocates distinct tokens")
        got = call("GetCredentials", credential.GetCredentials, Token=[first, "no-such-token"])
        t.check(len(got) == 1 and bytes.fromhex(got[0].CredentialIdentifier[0].Value) == record,
                "GetCredentials: unknown tokens ignored, the value round-trips")
        page = call("GetCredentialList", credential.GetCredentialList, Limit=1)
        t.check(len(page.Credential) == 1 and page.NextStartReference, "GetCredentialList: first page of one")
        rest = call("GetCredentialList (next page)", credential.GetCredentialList, Limit=1,
                    StartReference=page.NextStartReference)
        t.check([c.token for c in page.Credential + rest.Credential] == [first, second] and not rest.NextStartReference,
                "GetCredentialList: paging reaches every credential once")
        modified = credential_data("holder-1-renamed", first)
        call("ModifyCredential", credential.ModifyCredential, Credential=modified)
        t.check(call("GetCredentials (after modify)", credential.GetCredentials, Token=[first])[0]
                .CredentialHolderReference == "holder-1-renamed", "ModifyCredential: holder changed")

        # ---- door control, access control
        doors = call("GetDoorInfoList", door.GetDoorInfoList)
        t.check(len(doors.DoorInfo) == 2, "GetDoorInfoList: two doors")
        state_ = call("GetDoorState", door.GetDoorState, Token=doors.DoorInfo[0].token)
        t.check(bool(state_.DoorMode), "GetDoorState: a door mode")
        points = call("GetAccessPointInfoList", access.GetAccessPointInfoList)
        t.check(len(points.AccessPointInfo) == 2 and all(
            "pt:Fingerprint" in (p.Capabilities.SupportedRecognitionTypes or []) for p in points.AccessPointInfo),
            "GetAccessPointInfoList: two access points that take fingerprints")

        # ---- faults
        expect_fault("DeleteCredential of an unknown token", ["InvalidArgVal", "NotFound"],
                     credential.DeleteCredential, Token="no-such-token")
        duplicate = credential_data("holder-3")
        duplicate["CredentialIdentifier"] *= 2
        expect_fault("CreateCredential with two fingerprint identifiers", ["InvalidArgVal", "DuplicatedIdentifierType"],
                     credential.CreateCredential, Credential=duplicate, State={"Enabled": True})
        expect_fault("GetDoorState of an unknown door", ["InvalidArgVal", "NotFound"], door.GetDoorState, Token="nope")
        call("DeleteCredential", credential.DeleteCredential, Token=second)
        t.check([c.token for c in call("GetCredentialList (after delete)", credential.GetCredentialList).Credential]
                == [first], "DeleteCredential: the credential is gone")

        wrong = onvif_zeep.Onvif(onvif_dir, verify=ready["ca"], wsse=UsernameToken(ADMIN, "wrong", use_digest=True))
        expect_fault("wrong password", ["NotAuthorized"], wrong.service("device", address).GetDeviceInformation)
        changed = onvif_zeep.Onvif(onvif_dir, verify=ready["ca"],
                                   wsse=UsernameToken(OPERATOR, "changed-operator-secret", use_digest=True))
        expect_fault("an Operator calling GetUsers", ["NotAuthorized"], changed.service("device", address).GetUsers)

        # ---- presenting fingers (fpb-door present reads the state while serve runs)
        # Probes are records from the same (SecuGen) extractor as the stored ones.
        probe = os.path.join(fingerprints, "iso19794-2_secugen", "101_2.iso")
        result = subprocess.run([args.fpb_door, "present", "--state", state, probe], capture_output=True, text=True)
        t.check(result.returncode == 0 and '"granted":true' in result.stdout and "holder-1-renamed" in result.stdout,
                "present: another impression of the enrolled finger is granted (%s)" % result.stdout.strip())
        result = subprocess.run([args.fpb_door, "present", "--state", state, os.path.join(fingerprints, "iso19794-2_secugen", "105_1.iso")],
                                capture_output=True, text=True)
        t.check(result.returncode == 1 and "Denied/CredentialNotFound" in result.stdout,
                "present: a different finger is denied (%s)" % result.stdout.strip())
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            code = None
    t.check(code == 0, "fpb-door serve stops cleanly on SIGTERM (exit %s)" % code)

    # The requests zeep sent, checked by the same validator the plugin's requests go through.
    print("---- validate_requests.py on the %d captured requests" % len(os.listdir(capture)))
    t.check(validate_requests.main(["validate_requests.py", capture]) == 0, "every captured request is valid input")
    if t.failures == 0:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print("state and captured requests kept in %s" % work)
    print("%d failure(s)" % t.failures)
    return 1 if t.failures else 0


if __name__ == "__main__":
    sys.exit(main())
