#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Checks SOAP requests captured by `fpb-door serve --capture-dir DIR` against the official ONVIF
WSDLs: each DIR/<sequence>-<Operation>.xml must be a SOAP 1.2 envelope whose body is that
operation's input, parsed by python3-zeep with strict settings, with every element
namespace-qualified and (credential, door control, access control) valid against the schema.
A WS-Security header, when present, must hold a complete UsernameToken digest.

Usage: validate_requests.py DIR      (FPB_SHARED_DIR must point at the shared data folder)
Exit status: 0 all valid, 1 a request is invalid or DIR holds none, 77 ONVIF files absent."""

import glob
import os
import re
import sys

from lxml import etree

import onvif_zeep

WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
PASSWORD_DIGEST = ("http://docs.oasis-open.org/wss/2004/01/"
                   "oasis-200401-wss-username-token-profile-1.0#PasswordDigest")


def security_problems(envelope):
    header = envelope.find("{%s}Header" % onvif_zeep.SOAP12)
    if header is None:
        return []
    security = header.find("{%s}Security" % WSSE)
    if security is None:
        return []
    token = security.find("{%s}UsernameToken" % WSSE)
    if token is None:
        return ["wsse:Security without a wsse:UsernameToken"]
    problems = []
    for child, name in ((WSSE, "Username"), (WSSE, "Password"), (WSSE, "Nonce"), (WSU, "Created")):
        if token.find("{%s}%s" % (child, name)) is None:
            problems.append("UsernameToken without %s" % name)
    password = token.find("{%s}Password" % WSSE)
    if password is not None and password.get("Type") != PASSWORD_DIGEST:
        problems.append("UsernameToken Password Type is %r, not PasswordDigest" % password.get("Type"))
    return problems


def validate_file(onvif, path):
    """Problems found in one captured request (empty when it is valid)."""
    match = re.match(r"^\d+-(\w+)\.xml$", os.path.basename(path))
    if not match:
        return ["file name is not <sequence>-<Operation>.xml"]
    expected_operation = match.group(1)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    try:
        envelope = etree.parse(path, parser).getroot()
        body = onvif_zeep.soap_body(envelope)
    except (etree.XMLSyntaxError, ValueError) as e:
        return ["not a SOAP 1.2 request: %s" % e]
    service, operation = onvif.operation(body)
    if operation is None:
        return ["body element %s is not the input of any operation of the four services" % body.tag]
    problems = []
    if operation.name != expected_operation:
        problems.append("body is %s's input, but the file names %s" % (operation.name, expected_operation))
    try:
        operation.input.deserialize(envelope)
    except Exception as e:  # zeep raises several exception types for invalid input
        problems.append("zeep (strict) rejects it as %s/%s input: %s" % (service, operation.name, e))
    problems += onvif.check_body(body)
    problems += security_problems(envelope)
    return problems


def main(argv):
    if len(argv) != 2:
        print(__doc__)
        return 1
    directory = argv[1]
    onvif_dir = onvif_zeep.onvif_dir_or_skip()
    files = sorted(glob.glob(os.path.join(directory, "*.xml")))
    if not files:
        print("FAIL: no captured requests (*.xml) in %s: run fpb-door serve with --capture-dir %s" % (directory, directory))
        return 1
    onvif = onvif_zeep.Onvif(onvif_dir)
    failures = 0
    for path in files:
        problems = validate_file(onvif, path)
        if problems:
            failures += 1
            print("FAIL %s" % os.path.basename(path))
            for problem in problems:
                print("     %s" % problem)
        else:
            print("ok   %s" % os.path.basename(path))
    print("%d of %d captured requests valid" % (len(files) - failures, len(files)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
