# SPDX-License-Identifier: GPL-2.0-or-later
"""The official ONVIF WSDLs loaded offline with python3-zeep (strict), plus XSD validation of
message bodies where libxml2 can compile the schema (credential, door control, access control;
not the device service, whose onvif.xsd libxml2 rejects). Shared by conformance_test.py and
validate_requests.py."""

import os
import sys
from urllib.parse import urlsplit

from lxml import etree
import zeep
import zeep.exceptions
import zeep.transports

SKIP = 77  # CTest SKIP_RETURN_CODE

XS = "http://www.w3.org/2001/XMLSchema"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
NS = {
    "tds": "http://www.onvif.org/ver10/device/wsdl",
    "tcr": "http://www.onvif.org/ver10/credential/wsdl",
    "tdc": "http://www.onvif.org/ver10/doorcontrol/wsdl",
    "tac": "http://www.onvif.org/ver10/accesscontrol/wsdl",
}

# name: (WSDL under wsdl/, binding QName, schema validation possible with libxml2)
SERVICES = {
    "device": ("ver10/device/wsdl/devicemgmt.wsdl", "{%s}DeviceBinding" % NS["tds"], False),
    "credential": ("ver10/credential/wsdl/credential.wsdl", "{%s}CredentialBinding" % NS["tcr"], True),
    "doorcontrol": ("ver10/pacs/doorcontrol.wsdl", "{%s}DoorControlBinding" % NS["tdc"], True),
    "accesscontrol": ("ver10/pacs/accesscontrol.wsdl", "{%s}PACSBinding" % NS["tac"], True),
}


def onvif_dir_or_skip():
    """FPB_SHARED_DIR/onvif, or exit with the skip code and the reason."""
    shared = os.environ.get("FPB_SHARED_DIR", "")
    onvif = os.path.join(shared, "onvif")
    if not shared or not os.path.isfile(os.path.join(onvif, "catalog.xml")):
        print("SKIP: the official ONVIF files are not available (set FPB_SHARED_DIR to the shared data "
              "folder holding onvif/catalog.xml); got FPB_SHARED_DIR=%r" % shared)
        sys.exit(SKIP)
    return onvif


def catalog_map(onvif_dir):
    """Remote schema URL -> local file, from catalog.xml; http and https both (zeep may switch)."""
    ns = {"c": "urn:oasis:names:tc:entity:xmlns:xml:catalog"}
    catalog = etree.parse(os.path.join(onvif_dir, "catalog.xml"))
    mapping = {}
    for entry in catalog.getroot():
        if not isinstance(entry.tag, str):
            continue
        remote = entry.get("systemId") or entry.get("name")
        if not remote:
            continue
        local = os.path.join(onvif_dir, entry.get("uri"))
        rest = remote.split("://", 1)[1]
        mapping["http://" + rest] = local
        mapping["https://" + rest] = local
    return mapping


class OfflineTransport(zeep.transports.Transport):
    """Serves the schemas the WSDLs import from the local copies and never fetches them."""

    def __init__(self, onvif_dir, verify=True, **kwargs):
        super().__init__(**kwargs)
        self.local = catalog_map(onvif_dir)
        self.wsdl_root = os.path.join(onvif_dir, "wsdl")
        self.session.trust_env = False  # REQUESTS_CA_BUNDLE must not override `verify`
        self.session.verify = verify

    def load(self, url):
        if url in self.local:
            with open(self.local[url], "rb") as f:
                return f.read()
        parts = urlsplit(url)
        if parts.scheme in ("http", "https"):
            if parts.netloc == "www.onvif.org":  # the ONVIF files themselves, e.g. ver10/schema/onvif.xsd
                path = parts.path
                for prefix in ("/onvif/", "/"):
                    candidate = os.path.join(self.wsdl_root, path[len(prefix):])
                    if path.startswith(prefix) and os.path.isfile(candidate):
                        with open(candidate, "rb") as f:
                            return f.read()
            raise RuntimeError("refusing to fetch %s: add it to catalog.xml" % url)
        return super().load(url)


def strict_settings():
    return zeep.Settings(strict=True, xml_huge_tree=True, forbid_dtd=True, forbid_entities=True)


class Onvif:
    """The four services' zeep clients and compiled body schemas."""

    def __init__(self, onvif_dir, verify=True, wsse=None):
        self.transport = OfflineTransport(onvif_dir, verify=verify, timeout=30, operation_timeout=30)
        self.clients = {}
        self.schemas = {}
        for name, (wsdl, _binding, validatable) in SERVICES.items():
            path = os.path.join(onvif_dir, "wsdl", wsdl)
            self.clients[name] = zeep.Client(path, transport=self.transport, settings=strict_settings(), wsse=wsse)
            if validatable:
                schema = etree.parse(path).find(".//{%s}schema" % XS)
                self.schemas[NS[{"credential": "tcr", "doorcontrol": "tdc", "accesscontrol": "tac"}[name]]] = \
                    etree.XMLSchema(schema)

    def service(self, name, address):
        return self.clients[name].create_service(SERVICES[name][1], address)

    def operation(self, body_element):
        """(service name, zeep operation) for a request body element, or (None, None)."""
        qname = etree.QName(body_element)
        for name, (_wsdl, binding_name, _v) in SERVICES.items():
            binding = self.clients[name].wsdl.bindings[binding_name]
            for operation in binding._operations.values():
                body = operation.input.body
                if body is not None and getattr(body, "qname", None) == qname.text:
                    return name, operation
        return None, None

    def check_body(self, element):
        """Schema-validates a message body element where possible; always checks that every
        element is namespace-qualified (gSOAP writes unqualified ones without elementForm)."""
        problems = []
        for e in element.iter():
            if isinstance(e.tag, str) and not etree.QName(e).namespace:
                problems.append("unqualified element <%s> (line %s)" % (e.tag, e.sourceline))
        schema = self.schemas.get(etree.QName(element).namespace)
        if schema is not None:
            # Validated as a document of its own: the body element is a global element of the schema.
            document = etree.fromstring(etree.tostring(element))
            if not schema.validate(document):
                problems += [str(err) for err in schema.error_log]
        return problems


def soap_body(envelope):
    body = envelope.find("{%s}Body" % SOAP12)
    if body is None:
        raise ValueError("not a SOAP 1.2 envelope (no env:Body)")
    children = [c for c in body if isinstance(c.tag, str)]
    if len(children) != 1:
        raise ValueError("env:Body must hold exactly one element, found %d" % len(children))
    return children[0]
