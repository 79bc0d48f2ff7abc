// SPDX-License-Identifier: GPL-2.0-or-later
// The ONVIF operations of the simulated door controller (server side of onvif-subset.gsoap.h):
// device management, credential, door control and access control, with the faults the ONVIF
// specifications define for them.
#include <algorithm>
#include <ctime>

#include "door_simulator_impl.h"
#include "soapH.h"
#include "template/fingerprint_template.h"

using fpb::door::Access;
using fpb::door::beginOperation;
using fpb::door::receiverFault;
using fpb::door::senderFault;

namespace {

fpb::door::DoorControllerSimulator::Impl& simulator(soap* soap) {
    return *static_cast<fpb::door::Connection*>(soap->user)->simulator;
}

std::string* newString(soap* soap, const std::string& value) {
    auto* s = soap_new_std__string(soap);
    *s = value;
    return s;
}

tt__DateTime* dateTime(soap* soap, std::time_t t, bool local) {
    std::tm tm{};
    if (local) localtime_r(&t, &tm);
    else gmtime_r(&t, &tm);
    auto* dt = soap_new_tt__DateTime(soap);
    dt->Time = soap_new_tt__Time(soap);
    dt->Time->Hour = tm.tm_hour;
    dt->Time->Minute = tm.tm_min;
    dt->Time->Second = tm.tm_sec;
    dt->Date = soap_new_tt__Date(soap);
    dt->Date->Year = tm.tm_year + 1900;
    dt->Date->Month = tm.tm_mon + 1;
    dt->Date->Day = tm.tm_mday;
    return dt;
}

// ---- paging over fixed lists (doors, access points) -------------------------------------------

/// StartReference for the small fixed lists is the index of the next item.
bool pageBounds(const std::string* startReference, const int* limit, std::size_t size, unsigned maxLimit,
                std::size_t& first, std::size_t& count) {
    first = 0;
    if (startReference && !startReference->empty()) {
        char* end = nullptr;
        unsigned long value = std::strtoul(startReference->c_str(), &end, 10);
        if (*end != '\0' || value > size) return false;
        first = value;
    }
    std::size_t wanted = (!limit || *limit < 1 || static_cast<unsigned>(*limit) > maxLimit) ? maxLimit : static_cast<std::size_t>(*limit);
    count = std::min(wanted, size - first);
    return true;
}

int invalidStartReference(soap* soap) {
    return senderFault(soap, "ter:InvalidArgVal", "ter:InvalidStartReference",
                       "StartReference is invalid or has timed out: start fetching from the beginning");
}

// ---- credentials ------------------------------------------------------------------------------

tcr__Credential* toSoap(soap* soap, const fpb::door::StoredCredential& c) {
    auto* out = soap_new_tcr__Credential(soap);
    out->token = c.token;
    if (!c.description.empty()) {
        out->Description = soap_new_pt__Description(soap);
        *out->Description = c.description;
    }
    out->CredentialHolderReference = c.holderReference;
    for (const auto& id : c.identifiers) {
        auto* identifier = soap_new_tcr__CredentialIdentifier(soap);
        identifier->Type = soap_new_tcr__CredentialIdentifierType(soap);
        identifier->Type->Name = id.type;
        identifier->Type->FormatType = id.formatType;
        identifier->ExemptedFromAuthentication = id.exemptedFromAuthentication;
        identifier->Value.__size = static_cast<int>(id.value.size());
        identifier->Value.__ptr = static_cast<unsigned char*>(soap_malloc(soap, id.value.size() + 1));
        std::copy(id.value.begin(), id.value.end(), identifier->Value.__ptr);
        out->CredentialIdentifier.push_back(identifier);
    }
    return out;
}

/// Checks a credential from a request against the capabilities; on success fills `out`.
int validateCredential(soap* soap, const tcr__Credential& in, const std::string& ownToken, fpb::door::StoredCredential& out) {
    auto& sim = simulator(soap);
    out.token = ownToken;
    out.holderReference = in.CredentialHolderReference;
    out.description = in.Description ? *in.Description : std::string();
    if (in.CredentialIdentifier.empty())
        return senderFault(soap, "ter:InvalidArgVal", nullptr, "a credential needs at least one CredentialIdentifier");
    // Types and formats first, values after: a request with two identifiers of one type is
    // DuplicatedIdentifierType whatever their values.
    for (const auto* id : in.CredentialIdentifier) {
        if (!id || !id->Type)
            return senderFault(soap, "ter:InvalidArgVal", nullptr, "a CredentialIdentifier without a Type");
        const auto& supported = sim.settings.identifierTypes;
        if (std::find(supported.begin(), supported.end(), id->Type->Name) == supported.end())
            return senderFault(soap, "ter:CapabilityViolated", "ter:SupportedIdentifierType",
                               "identifier type " + id->Type->Name + " is not supported by this device (see SupportedIdentifierType)");
        for (const auto& seen : out.identifiers)
            if (seen.type == id->Type->Name)
                return senderFault(soap, "ter:InvalidArgVal", "ter:DuplicatedIdentifierType",
                                   "identifier type " + id->Type->Name + " appears more than once (one identifier per type)");
        auto formats = sim.formatTypes(id->Type->Name);
        if (std::none_of(formats.begin(), formats.end(), [&](const auto& f) { return f.formatType == id->Type->FormatType; }))
            return senderFault(soap, "ter:InvalidArgVal", "ter:InvalidFormatType",
                               "format type '" + id->Type->FormatType + "' is not offered for " + id->Type->Name +
                                   " (see GetSupportedFormatTypes)");
        out.identifiers.push_back({id->Type->Name, id->Type->FormatType, id->ExemptedFromAuthentication,
                                   std::vector<std::uint8_t>(id->Value.__ptr, id->Value.__ptr + std::max(0, id->Value.__size))});
    }
    for (const auto& stored : out.identifiers) {
        if (stored.value.empty())
            return senderFault(soap, "ter:InvalidArgVal", "ter:InvalidIdentifierValue", "identifier value of " + stored.type + " is empty");
        if (stored.type == "pt:Fingerprint") {
            try {
                bool ansi = fpb::tmpl::looksLikeAnsi(stored.value.data(), stored.value.size());
                bool wantAnsi = stored.formatType.rfind("ANSI", 0) == 0;
                if (ansi != wantAnsi) throw fpb::tmpl::TemplateError("the record is not in format " + stored.formatType);
                fpb::tmpl::parseIsoRecord(ansi ? fpb::tmpl::ansiToIso(stored.value) : stored.value);
            } catch (const std::exception& e) {
                return senderFault(soap, "ter:InvalidArgVal", "ter:InvalidIdentifierValue",
                                   std::string("fingerprint value is not a valid ") + stored.formatType + " record: " + e.what());
            }
        }
        if (auto owner = sim.state.findIdentifierOwner(stored, ownToken))
            return senderFault(soap, "ter:InvalidArgVal", "ter:DuplicatedIdentifierValue",
                               "credential " + *owner + " already has this " + stored.type + " value");
    }
    return SOAP_OK;
}

} // namespace

// ---- device management ----------------------------------------------------------------------

int __tds__GetSystemDateAndTime(soap* soap, _tds__GetSystemDateAndTime*, _tds__GetSystemDateAndTimeResponse& response) {
    if (int rc = beginOperation(soap, "GetSystemDateAndTime", Access::PreAuth)) return rc;
    std::time_t now = simulator(soap).deviceNow();
    auto* sdt = soap_new_tt__SystemDateTime(soap);
    sdt->DateTimeType = "Manual";
    sdt->DaylightSavings = false;
    sdt->TimeZone = soap_new_tt__TimeZone(soap);
    sdt->TimeZone->TZ = "UTC0";
    sdt->UTCDateTime = dateTime(soap, now, false);
    sdt->LocalDateTime = dateTime(soap, now, false);  // the device's time zone is UTC
    response.SystemDateAndTime = sdt;
    return SOAP_OK;
}

int __tds__GetServices(soap* soap, _tds__GetServices*, _tds__GetServicesResponse& response) {
    if (int rc = beginOperation(soap, "GetServices", Access::PreAuth)) return rc;
    auto& sim = simulator(soap);
    struct Entry { const char* ns; int major, minor; };
    for (const Entry& e : {Entry{"http://www.onvif.org/ver10/device/wsdl", 21, 12},
                           Entry{"http://www.onvif.org/ver10/credential/wsdl", 21, 6},
                           Entry{"http://www.onvif.org/ver10/doorcontrol/wsdl", 21, 6},
                           Entry{"http://www.onvif.org/ver10/accesscontrol/wsdl", 21, 6}}) {
        auto* service = soap_new_tds__Service(soap);
        service->Namespace = e.ns;
        service->XAddr = sim.endpointUrl;
        service->Version = soap_new_tt__OnvifVersion(soap);
        service->Version->Major = e.major;
        service->Version->Minor = e.minor;
        response.Service.push_back(service);
    }
    return SOAP_OK;
}

int __tds__GetDeviceInformation(soap* soap, _tds__GetDeviceInformation*, _tds__GetDeviceInformationResponse& response) {
    if (int rc = beginOperation(soap, "GetDeviceInformation", Access::Read)) return rc;
    const auto& info = simulator(soap).settings.deviceInfo;
    response.Manufacturer = info.manufacturer;
    response.Model = info.model;
    response.FirmwareVersion = info.firmwareVersion;
    response.SerialNumber = info.serialNumber;
    response.HardwareId = info.hardwareId;
    return SOAP_OK;
}

int __tds__GetNetworkProtocols(soap* soap, _tds__GetNetworkProtocols*, _tds__GetNetworkProtocolsResponse& response) {
    if (int rc = beginOperation(soap, "GetNetworkProtocols", Access::Read)) return rc;
    auto& sim = simulator(soap);
    auto protocols = sim.settings.networkProtocols;
    if (protocols.empty())
        protocols = {{"HTTP", !sim.settings.tls, {sim.settings.tls ? 80 : sim.boundPort}},
                     {"HTTPS", sim.settings.tls, {sim.settings.tls ? sim.boundPort : 443}}};
    for (const auto& p : protocols) {
        auto* protocol = soap_new_tt__NetworkProtocol(soap);
        protocol->Name = p.name;
        protocol->Enabled = p.enabled;
        protocol->Port = p.ports;
        response.NetworkProtocols.push_back(protocol);
    }
    return SOAP_OK;
}

int __tds__GetDiscoveryMode(soap* soap, _tds__GetDiscoveryMode*, _tds__GetDiscoveryModeResponse& response) {
    if (int rc = beginOperation(soap, "GetDiscoveryMode", Access::Read)) return rc;
    response.DiscoveryMode = simulator(soap).settings.discoveryMode;
    return SOAP_OK;
}

int __tds__GetIPAddressFilter(soap* soap, _tds__GetIPAddressFilter*, _tds__GetIPAddressFilterResponse& response) {
    if (int rc = beginOperation(soap, "GetIPAddressFilter", Access::Read)) return rc;
    const auto& setting = simulator(soap).settings.ipAddressFilter;
    auto* filter = soap_new_tt__IPAddressFilter(soap);
    filter->Type = setting.type;
    auto split = [](const std::string& cidr, std::string& address, int& prefix, int defaultPrefix) {
        auto slash = cidr.find('/');
        address = cidr.substr(0, slash);
        prefix = slash == std::string::npos ? defaultPrefix : std::atoi(cidr.c_str() + slash + 1);
    };
    for (const auto& a : setting.ipv4) {
        auto* item = soap_new_tt__PrefixedIPv4Address(soap);
        split(a, item->Address, item->PrefixLength, 32);
        filter->IPv4Address.push_back(item);
    }
    for (const auto& a : setting.ipv6) {
        auto* item = soap_new_tt__PrefixedIPv6Address(soap);
        split(a, item->Address, item->PrefixLength, 128);
        filter->IPv6Address.push_back(item);
    }
    response.IPAddressFilter = filter;
    return SOAP_OK;
}

int __tds__GetUsers(soap* soap, _tds__GetUsers*, _tds__GetUsersResponse& response) {
    if (int rc = beginOperation(soap, "GetUsers", Access::Administrator)) return rc;
    for (const auto& u : simulator(soap).state.users()) {
        auto* user = soap_new_tt__User(soap);
        user->Username = u.name;  // never the password
        user->UserLevel = u.level;
        response.User.push_back(user);
    }
    return SOAP_OK;
}

int __tds__SetUser(soap* soap, _tds__SetUser* request, _tds__SetUserResponse&) {
    if (int rc = beginOperation(soap, "SetUser", Access::Administrator)) return rc;
    auto& sim = simulator(soap);
    std::vector<fpb::door::DoorUser> changes;
    for (const auto* u : request->User) {
        if (!u) continue;
        auto existing = sim.state.user(u->Username);
        if (!existing)
            return senderFault(soap, "ter:InvalidArgVal", "ter:UsernameMissing", "no user named '" + u->Username + "'");
        if (u->UserLevel != "Administrator" && u->UserLevel != "Operator" && u->UserLevel != "User")
            return senderFault(soap, "ter:InvalidArgVal", "ter:AnonymousNotAllowed",
                               "user level '" + u->UserLevel + "' is not supported (Administrator, Operator or User)");
        fpb::door::DoorUser changed = *existing;
        changed.level = u->UserLevel;
        if (u->Password) {
            if (u->Password->empty())
                return senderFault(soap, "ter:OperationProhibited", "ter:PasswordTooWeak", "an empty password is not allowed");
            if (u->Password->size() > 64)
                return senderFault(soap, "ter:OperationProhibited", "ter:PasswordTooLong", "the password is longer than 64 characters");
            changed.password = *u->Password;
        }
        changes.push_back(changed);
    }
    for (const auto& u : changes) sim.state.putUser(u);
    return SOAP_OK;
}

// ---- credential service -----------------------------------------------------------------------

int __tcr__GetServiceCapabilities(soap* soap, _tcr__GetServiceCapabilities*, _tcr__GetServiceCapabilitiesResponse& response) {
    if (int rc = beginOperation(soap, "GetServiceCapabilities", Access::Read)) return rc;
    const auto& settings = simulator(soap).settings;
    auto* caps = soap_new_tcr__ServiceCapabilities(soap);
    caps->SupportedIdentifierType = settings.identifierTypes;
    caps->MaxLimit = settings.maxLimit;
    caps->CredentialValiditySupported = false;
    caps->CredentialAccessProfileValiditySupported = false;
    caps->ValiditySupportsTimeValue = false;
    caps->MaxCredentials = settings.maxCredentials;
    caps->MaxAccessProfilesPerCredential = 1;
    caps->ResetAntipassbackSupported = false;
    caps->ClientSuppliedTokenSupported = soap_new_bool(soap);
    *caps->ClientSuppliedTokenSupported = false;
    response.Capabilities = caps;
    return SOAP_OK;
}

int __tcr__GetSupportedFormatTypes(soap* soap, _tcr__GetSupportedFormatTypes* request, _tcr__GetSupportedFormatTypesResponse& response) {
    if (int rc = beginOperation(soap, "GetSupportedFormatTypes", Access::Read)) return rc;
    auto& sim = simulator(soap);
    const auto& types = sim.settings.identifierTypes;
    if (std::find(types.begin(), types.end(), request->CredentialIdentifierTypeName) == types.end())
        return senderFault(soap, "ter:InvalidArgVal", "ter:NotFound",
                           "identifier type '" + request->CredentialIdentifierTypeName + "' is not supported by this device");
    for (const auto& f : sim.formatTypes(request->CredentialIdentifierTypeName)) {
        auto* info = soap_new_tcr__CredentialIdentifierFormatTypeInfo(soap);
        info->FormatType = f.formatType;
        info->Description = f.description;
        response.FormatTypeInfo.push_back(info);
    }
    return SOAP_OK;
}

int __tcr__CreateCredential(soap* soap, _tcr__CreateCredential* request, _tcr__CreateCredentialResponse& response) {
    if (int rc = beginOperation(soap, "CreateCredential", Access::Write)) return rc;
    auto& sim = simulator(soap);
    if (!request->Credential) return senderFault(soap, "ter:InvalidArgVal", nullptr, "no Credential in the request");
    if (!request->Credential->token.empty())
        return senderFault(soap, "ter:InvalidArgVal", nullptr,
                           "the Credential token must be empty: the device allocates it (ClientSuppliedTokenSupported is false)");
    fpb::door::StoredCredential credential;
    if (int rc = validateCredential(soap, *request->Credential, std::string(), credential)) return rc;
    credential.enabled = !request->State || request->State->Enabled;
    std::string token = sim.state.createCredential(credential, sim.settings.maxCredentials);
    if (token.empty())
        return senderFault(soap, "ter:CapabilityViolated", "ter:MaxCredentials",
                           "there is no room for another credential (MaxCredentials " + std::to_string(sim.settings.maxCredentials) + ")");
    response.Token = token;
    return SOAP_OK;
}

int __tcr__ModifyCredential(soap* soap, _tcr__ModifyCredential* request, _tcr__ModifyCredentialResponse&) {
    if (int rc = beginOperation(soap, "ModifyCredential", Access::Write)) return rc;
    auto& sim = simulator(soap);
    if (!request->Credential) return senderFault(soap, "ter:InvalidArgVal", nullptr, "no Credential in the request");
    const std::string& token = request->Credential->token;
    auto existing = sim.state.credential(token);
    if (!existing) return senderFault(soap, "ter:InvalidArgVal", "ter:NotFound", "credential '" + token + "' is not found");
    fpb::door::StoredCredential credential;
    if (int rc = validateCredential(soap, *request->Credential, token, credential)) return rc;
    credential.enabled = existing->enabled;
    if (!sim.state.replaceCredential(credential))
        return senderFault(soap, "ter:InvalidArgVal", "ter:NotFound", "credential '" + token + "' is not found");
    return SOAP_OK;
}

int __tcr__DeleteCredential(soap* soap, _tcr__DeleteCredential* request, _tcr__DeleteCredentialResponse&) {
    if (int rc = beginOperation(soap, "DeleteCredential", Access::Write)) return rc;
    if (request->Token.empty()) return senderFault(soap, "ter:InvalidArgs", nullptr, "no credential token given");
    if (!simulator(soap).state.deleteCredential(request->Token))
        return senderFault(soap, "ter:InvalidArgVal", "ter:NotFound", "credential '" + request->Token + "' is not found");
    return SOAP_OK;
}

int __tcr__GetCredentials(soap* soap, _tcr__GetCredentials* request, _tcr__GetCredentialsResponse& response) {
    if (int rc = beginOperation(soap, "GetCredentials", Access::Read)) return rc;
    auto& sim = simulator(soap);
    if (request->Token.size() > sim.settings.maxLimit)
        return senderFault(soap, "ter:InvalidArgs", "ter:TooManyItems",
                           "more than MaxLimit (" + std::to_string(sim.settings.maxLimit) + ") tokens requested");
    for (const auto& token : request->Token)  // unknown tokens are ignored, as the specification requires
        if (auto c = sim.state.credential(token)) response.Credential.push_back(toSoap(soap, *c));
    return SOAP_OK;
}

int __tcr__GetCredentialList(soap* soap, _tcr__GetCredentialList* request, _tcr__GetCredentialListResponse& response) {
    if (int rc = beginOperation(soap, "GetCredentialList", Access::Read)) return rc;
    auto& sim = simulator(soap);
    // StartReference is the creation sequence of the next credential: stable across deletions.
    std::int64_t from = 0;
    if (request->StartReference && !request->StartReference->empty()) {
        const std::string& ref = *request->StartReference;
        char* end = nullptr;
        from = ref.rfind("seq-", 0) == 0 ? std::strtoll(ref.c_str() + 4, &end, 10) : -1;
        if (from <= 0 || !end || *end != '\0') return invalidStartReference(soap);
    }
    std::size_t limit = (!request->Limit || *request->Limit < 1 || static_cast<unsigned>(*request->Limit) > sim.settings.maxLimit)
                            ? sim.settings.maxLimit
                            : static_cast<std::size_t>(*request->Limit);
    std::int64_t next = 0;
    for (const auto& c : sim.state.credentialPage(from, limit, next)) response.Credential.push_back(toSoap(soap, c));
    if (next > 0) response.NextStartReference = newString(soap, "seq-" + std::to_string(next));
    return SOAP_OK;
}

// ---- door control and access control ------------------------------------------------------------

int __tdc__GetDoorInfoList(soap* soap, _tdc__GetDoorInfoList* request, _tdc__GetDoorInfoListResponse& response) {
    if (int rc = beginOperation(soap, "GetDoorInfoList", Access::Read)) return rc;
    auto& sim = simulator(soap);
    std::size_t first = 0, count = 0;
    if (!pageBounds(request->StartReference, request->Limit, sim.doors.size(), sim.settings.maxLimit, first, count))
        return invalidStartReference(soap);
    for (std::size_t i = first; i < first + count; ++i) {
        auto* info = soap_new_tdc__DoorInfo(soap);
        info->token = sim.doors[i].token;
        info->Name = sim.doors[i].name;
        info->Capabilities = soap_new_tdc__DoorCapabilities(soap);
        info->Capabilities->Access = soap_new_bool(soap);
        *info->Capabilities->Access = true;
        info->Capabilities->DoorMonitor = soap_new_bool(soap);
        *info->Capabilities->DoorMonitor = true;
        response.DoorInfo.push_back(info);
    }
    if (first + count < sim.doors.size()) response.NextStartReference = newString(soap, std::to_string(first + count));
    return SOAP_OK;
}

int __tdc__GetDoorState(soap* soap, _tdc__GetDoorState* request, _tdc__GetDoorStateResponse& response) {
    if (int rc = beginOperation(soap, "GetDoorState", Access::Read)) return rc;
    auto& sim = simulator(soap);
    bool known = std::any_of(sim.doors.begin(), sim.doors.end(), [&](const auto& d) { return d.token == request->Token; });
    if (!known) return senderFault(soap, "ter:InvalidArgVal", "ter:NotFound", "door '" + request->Token + "' is not found");
    response.DoorState = soap_new_tdc__DoorState(soap);
    response.DoorState->DoorPhysicalState = newString(soap, "Closed");
    response.DoorState->DoorMode = "Locked";
    return SOAP_OK;
}

int __tac__GetAccessPointInfoList(soap* soap, _tac__GetAccessPointInfoList* request, _tac__GetAccessPointInfoListResponse& response) {
    if (int rc = beginOperation(soap, "GetAccessPointInfoList", Access::Read)) return rc;
    auto& sim = simulator(soap);
    std::size_t first = 0, count = 0;
    if (!pageBounds(request->StartReference, request->Limit, sim.accessPoints.size(), sim.settings.maxLimit, first, count))
        return invalidStartReference(soap);
    for (std::size_t i = first; i < first + count; ++i) {
        const auto& ap = sim.accessPoints[i];
        auto* info = soap_new_tac__AccessPointInfo(soap);
        info->token = ap.token;
        info->Name = ap.name;
        info->EntityType = newString(soap, "tdc:Door");
        info->Entity = ap.doorToken;
        info->Capabilities = soap_new_tac__AccessPointCapabilities(soap);
        info->Capabilities->DisableAccessPoint = false;
        info->Capabilities->SupportedRecognitionTypes = newString(soap, "pt:Fingerprint");
        response.AccessPointInfo.push_back(info);
    }
    if (first + count < sim.accessPoints.size()) response.NextStartReference = newString(soap, std::to_string(first + count));
    return SOAP_OK;
}
