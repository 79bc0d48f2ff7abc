// SPDX-License-Identifier: GPL-2.0-or-later
#include "onvif/onvif_client.h"

#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cctype>
#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <sstream>

#include "httpda.h"
#include "onvif/username_token.h"
#include "soapH.h"

namespace fpb::onvif {
namespace {

const char* kCredentialNs = "http://www.onvif.org/ver10/credential/wsdl";
const char* kDoorControlNs = "http://www.onvif.org/ver10/doorcontrol/wsdl";
const char* kAccessControlNs = "http://www.onvif.org/ver10/accesscontrol/wsdl";
const char* kPasswordDigest =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest";
const char* kBase64Binary =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary";

// What the certificate check of the current connection saw. OpenSSL calls the verify callback
// on the thread that connects, during the call, so a thread-local carries the pin in and the
// finding out without touching gSOAP's context.
struct TlsCheck {
    const std::string* pinnedSha256 = nullptr;
    std::string problem;
};
thread_local TlsCheck tlsCheck;

std::string hex(const unsigned char* data, std::size_t size) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < size; ++i) {
        out += digits[data[i] >> 4];
        out += digits[data[i] & 15];
    }
    return out;
}

std::string normalisedPin(std::string pin) {
    std::string out;
    for (char c : pin)
        if (std::isxdigit(static_cast<unsigned char>(c))) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string notAfter(X509* cert) {
    std::tm tm{};
    if (!cert || ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) != 1) return "unknown";
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
    return buf;
}

int verifyCertificate(int ok, X509_STORE_CTX* store) {
    int depth = X509_STORE_CTX_get_error_depth(store);
    X509* cert = X509_STORE_CTX_get_current_cert(store);
    if (tlsCheck.pinnedSha256 && !tlsCheck.pinnedSha256->empty()) {
        // A pinned certificate is trusted by its fingerprint alone, whoever signed it; clearing the
        // error keeps gSOAP's post-handshake check (SSL_get_verify_result) from refusing it.
        if (depth != 0) {
            X509_STORE_CTX_set_error(store, X509_V_OK);
            return 1;
        }
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned int size = 0;
        if (!cert || X509_digest(cert, EVP_sha256(), digest, &size) != 1) {
            tlsCheck.problem = "its certificate could not be read";
            return 0;
        }
        std::string seen = hex(digest, size);
        if (seen == normalisedPin(*tlsCheck.pinnedSha256)) {
            X509_STORE_CTX_set_error(store, X509_V_OK);
            return 1;
        }
        tlsCheck.problem = "it presented a different TLS certificate (SHA-256 " + seen + ") from the pinned one (" +
                           normalisedPin(*tlsCheck.pinnedSha256) +
                           "). If the controller's certificate was replaced on purpose, pin the new one "
                           "(fpb-host controllers add --id ... --pin-sha256 NEW); otherwise the connection may be "
                           "intercepted: do not send it credentials";
        return 0;
    }
    if (ok) return 1;
    int error = X509_STORE_CTX_get_error(store);
    if (error == X509_V_ERR_CERT_HAS_EXPIRED)
        tlsCheck.problem = "its TLS certificate expired on " + notAfter(cert) +
                           ". Renew the certificate on the controller, then sync again";
    else if (error == X509_V_ERR_CERT_NOT_YET_VALID)
        tlsCheck.problem = "its TLS certificate is not valid yet (check the clocks of the controller and this computer)";
    else
        tlsCheck.problem = std::string("its TLS certificate is not trusted (") + X509_verify_cert_error_string(error) +
                           "). Give the controller's CA certificate (--ca-file) or pin its certificate (--pin-sha256)";
    return 0;
}

std::string originOf(const std::string& url) {
    auto scheme = url.find("://");
    if (scheme == std::string::npos) return url;
    auto path = url.find('/', scheme + 3);
    return path == std::string::npos ? url : url.substr(0, path);
}

std::string pathOf(const std::string& url) {
    auto scheme = url.find("://");
    if (scheme == std::string::npos) return "/";
    auto path = url.find('/', scheme + 3);
    return path == std::string::npos ? "/" : url.substr(path);
}

std::string durationText(long seconds) {
    long s = seconds < 0 ? -seconds : seconds;
    std::ostringstream out;
    if (s >= 3600) out << s / 3600 << " h " << (s % 3600) / 60 << " min";
    else if (s >= 60) out << s / 60 << " min " << s % 60 << " s";
    else out << s << " s";
    return out.str();
}

std::string* newString(struct soap* soap, const std::string& value) {
    auto* text = soap_new_std__string(soap);
    *text = value;
    return text;
}

CredentialData fromSoap(const tcr__Credential& credential) {
    CredentialData out;
    out.token = credential.token;
    out.holderReference = credential.CredentialHolderReference;
    if (credential.Description) out.description = *credential.Description;
    for (const auto* identifier : credential.CredentialIdentifier) {
        if (!identifier) continue;
        CredentialIdentifierData data;
        if (identifier->Type) {
            data.typeName = identifier->Type->Name;
            data.formatType = identifier->Type->FormatType;
        }
        data.exemptedFromAuthentication = identifier->ExemptedFromAuthentication;
        if (identifier->Value.__ptr && identifier->Value.__size > 0)
            data.value.assign(identifier->Value.__ptr, identifier->Value.__ptr + identifier->Value.__size);
        out.identifiers.push_back(std::move(data));
    }
    return out;
}

tcr__Credential* toSoap(struct soap* soap, const CredentialData& data) {
    auto* credential = soap_new_tcr__Credential(soap);
    credential->token = data.token;
    credential->CredentialHolderReference = data.holderReference;
    if (!data.description.empty()) credential->Description = newString(soap, data.description);
    for (const auto& identifier : data.identifiers) {
        auto* item = soap_new_tcr__CredentialIdentifier(soap);
        item->Type = soap_new_tcr__CredentialIdentifierType(soap);
        item->Type->Name = identifier.typeName;
        item->Type->FormatType = identifier.formatType;
        item->ExemptedFromAuthentication = identifier.exemptedFromAuthentication;
        item->Value.__size = static_cast<int>(identifier.value.size());
        item->Value.__ptr = static_cast<unsigned char*>(soap_malloc(soap, identifier.value.size() + 1));
        if (!identifier.value.empty()) std::memcpy(item->Value.__ptr, identifier.value.data(), identifier.value.size());
        credential->CredentialIdentifier.push_back(item);
    }
    return credential;
}

std::string faultSubcodes(struct soap* soap) {
    std::string out;
    if (!soap->fault || !soap->fault->SOAP_ENV__Code) return out;
    for (auto* code = soap->fault->SOAP_ENV__Code->SOAP_ENV__Subcode; code; code = code->SOAP_ENV__Subcode) {
        if (!code->SOAP_ENV__Value) continue;
        if (!out.empty()) out += "/";
        out += code->SOAP_ENV__Value;
    }
    return out;
}

bool isReceiverFault(struct soap* soap) {
    return soap->fault && soap->fault->SOAP_ENV__Code && soap->fault->SOAP_ENV__Code->SOAP_ENV__Value &&
           std::strstr(soap->fault->SOAP_ENV__Code->SOAP_ENV__Value, "Receiver");
}

} // namespace

struct OnvifClient::Soap {
    struct soap* ctx = nullptr;
    http_da_info digest{};
    bool digestSaved = false;
    ~Soap() {
        if (!ctx) return;
        if (digestSaved) http_da_release(ctx, &digest);
        soap_destroy(ctx);
        soap_end(ctx);
        soap_free(ctx);
    }
};

OnvifClient::OnvifClient(ControllerAddress address) : address_(std::move(address)), soap_(std::make_unique<Soap>()) {
    soap_->ctx = soap_new1(SOAP_IO_KEEPALIVE | SOAP_C_UTFSTRING);
    // Our own table, even if another gSOAP user in the process exported one under the same name.
    soap_set_namespaces(soap_->ctx, namespaces);
    auto* soap = soap_->ctx;
    soap->connect_timeout = address_.timeoutSeconds;
    soap->send_timeout = address_.timeoutSeconds;
    soap->recv_timeout = address_.timeoutSeconds;
    soap_register_plugin(soap, http_da);
    credentialEndpoint_ = doorEndpoint_ = accessEndpoint_ = address_.endpoint;
    if (address_.endpoint.rfind("https://", 0) == 0) {
        bool pinned = !address_.pinnedSha256.empty();
        unsigned short flags = SOAP_SSL_REQUIRE_SERVER_AUTHENTICATION | SOAP_TLSv1_2 | SOAP_TLSv1_3;
        if (pinned) flags |= SOAP_SSL_SKIP_HOST_CHECK;
        const char* caFile = address_.caFile.empty() ? nullptr : address_.caFile.c_str();
        const char* caPath = (caFile || pinned) ? nullptr : "/etc/ssl/certs";
        if (soap_ssl_client_context(soap, flags, nullptr, nullptr, caFile, caPath, nullptr) != SOAP_OK) {
            std::string detail = soap_fault_string(soap) ? soap_fault_string(soap) : "unknown";
            throw OnvifError(ErrorKind::Configuration, describe() + ": TLS could not be set up (" + detail +
                                                           "). Check that the CA file exists and holds PEM certificates");
        }
        // The context call has already installed gSOAP's own verify callback in the SSL context.
        soap->fsslverify = verifyCertificate;
        if (soap->ctx) SSL_CTX_set_verify(soap->ctx, SSL_VERIFY_PEER, verifyCertificate);
    }
}

OnvifClient::~OnvifClient() = default;

std::string OnvifClient::describe() const {
    return "controller '" + (address_.name.empty() ? address_.id : address_.name) + "' (" + address_.endpoint + ")";
}

void OnvifClient::setPassword(const std::string& password) {
    address_.password = password;
    if (soap_->digestSaved) {
        http_da_release(soap_->ctx, &soap_->digest);
        soap_->digestSaved = false;
    }
}

void OnvifClient::addSecurityHeader() {
    auto* soap = soap_->ctx;
    std::vector<std::uint8_t> nonce(16);
    RAND_bytes(nonce.data(), static_cast<int>(nonce.size()));
    std::string created = utcTimestamp(std::time(nullptr) + clockOffset_);
    auto* token = soap_new__wsse__UsernameToken(soap);
    token->Username = address_.username;
    token->Password = soap_new_wsse__Password(soap);
    token->Password->__item = usernameTokenDigest(nonce, created, address_.password);
    token->Password->Type = kPasswordDigest;
    token->Nonce = soap_new_wsse__EncodedString(soap);
    token->Nonce->__item = base64Encode(nonce);
    token->Nonce->EncodingType = kBase64Binary;
    token->wsu__Created = newString(soap, created);
    auto* security = soap_new__wsse__Security(soap);
    security->UsernameToken = token;
    soap->header = soap_new_SOAP_ENV__Header(soap);
    soap->header->wsse__Security = security;
}

template <class Call>
void OnvifClient::invoke(const char* operation, bool authenticate, bool mayHaveApplied, Call&& call) {
    auto* soap = soap_->ctx;
    if (address_.endpoint.rfind("http://", 0) == 0 && !address_.allowPlainHttp)
        throw OnvifError(ErrorKind::Configuration,
                         describe() + " uses plain HTTP: passwords and fingerprint templates would cross the network "
                                      "unencrypted. Use its https:// address, or allow plain HTTP for this controller "
                                      "only if its network is isolated (--allow-plain-http)");
    for (int attempt = 0; attempt < 2; ++attempt) {
        tlsCheck = TlsCheck{&address_.pinnedSha256, {}};
        if (authenticate) {
            addSecurityHeader();
            if (soap_->digestSaved) http_da_restore(soap, &soap_->digest);
        } else {
            soap->header = nullptr;
        }
        bool sent = false;
        int rc = call(soap, sent);
        if (rc == SOAP_OK) {
            soap_destroy(soap);
            soap_end(soap);
            return;
        }
        if (rc == 401 && authenticate && !soap_->digestSaved && soap->authrealm) {
            // The controller wants HTTP digest: answer its challenge and keep the answer for later calls.
            http_da_save(soap, &soap_->digest, soap->authrealm, address_.username.c_str(), address_.password.c_str());
            soap_->digestSaved = true;
            continue;
        }
        fail(operation, sent && mayHaveApplied);
    }
    fail(operation, false);
}

void OnvifClient::fail(const char* operation, bool requestSent) {
    auto* soap = soap_->ctx;
    int error = soap->error;
    std::string detail;
    if (const char* text = soap_fault_string(soap)) detail = text;
    if (const char* more = soap_fault_detail(soap)) {
        if (*more) detail += std::string(" (") + more + ")";
    }
    // gSOAP reports a received fault as SOAP_CLI_FAULT (sender) or SOAP_SVR_FAULT (receiver).
    bool isFault = error == SOAP_FAULT || error == SOAP_CLI_FAULT || error == SOAP_SVR_FAULT;
    std::string subcodes = isFault ? faultSubcodes(soap) : std::string();
    std::string problem = tlsCheck.problem;
    bool receiver = isFault && (error == SOAP_SVR_FAULT || isReceiverFault(soap));
    soap_destroy(soap);
    soap_end(soap);
    soap_closesock(soap);
    std::string prefix = describe() + ": " + operation + " failed: ";
    if (!problem.empty()) throw OnvifError(ErrorKind::Tls, describe() + ": " + problem);
    if (error == SOAP_SSL_ERROR)
        throw OnvifError(ErrorKind::Tls, prefix + "TLS handshake failed (" + detail +
                                             "). Check that the address uses the controller's HTTPS port");
    if (error == 401 || subcodes.find("NotAuthorized") != std::string::npos)
        throw OnvifError(ErrorKind::Authentication,
                         describe() + " refused user '" + address_.username +
                             "' or its password. Store the controller's current password "
                             "(fpb-host controllers add --id " + address_.id + " ... --password-stdin) and sync again");
    if (isFault) {
        if (receiver) throw OnvifError(ErrorKind::ServerError, prefix + "the controller reported an internal fault: " + detail +
                                                                 ". It will be retried", subcodes);
        throw OnvifError(ErrorKind::Refused, prefix + "the controller refused the request: " + detail +
                                                 (subcodes.empty() ? "" : " [" + subcodes + "]"), subcodes);
    }
    if (error >= 500 && error < 600)
        throw OnvifError(ErrorKind::ServerError, prefix + "HTTP " + std::to_string(error) +
                                                     " from the controller. It will be retried");
    if (error >= 400 && error < 500)
        throw OnvifError(ErrorKind::Refused, prefix + "HTTP " + std::to_string(error) +
                                                 ". Check the controller's address (the device service path, "
                                                 "usually /onvif/device_service)");
    if (requestSent)
        throw OnvifError(ErrorKind::ResponseLost, prefix + "the connection broke before the answer arrived (" + detail +
                                                      "); the change may or may not have been applied and will be checked");
    throw OnvifError(ErrorKind::Unreachable, describe() + " is unreachable (" + detail +
                                                 "). Check that it is powered, on the network and that the address and "
                                                 "port are right; changes stay queued until it answers");
}

#define FPB_SOAP_CALL(Op, endpoint, request, response)                                                     \
    [&](struct soap* s, bool& sent) {                                                                      \
        if (soap_send___##Op(s, (endpoint).c_str(), nullptr, request)) return s->error;                   \
        sent = true;                                                                                       \
        if (soap_recv___##Op(s, response)) return s->error;                                                \
        return static_cast<int>(SOAP_OK);                                                                  \
    }

void OnvifClient::connect() {
    _tds__GetSystemDateAndTime request;
    _tds__GetSystemDateAndTimeResponse response;
    std::time_t before = std::time(nullptr);
    std::time_t deviceTime = 0;
    bool haveTime = false;
    invoke("GetSystemDateAndTime", false, false, [&](struct soap* s, bool& sent) {
        int rc = FPB_SOAP_CALL(tds__GetSystemDateAndTime, address_.endpoint, &request, response)(s, sent);
        if (rc == SOAP_OK && response.SystemDateAndTime && response.SystemDateAndTime->UTCDateTime &&
            response.SystemDateAndTime->UTCDateTime->Date && response.SystemDateAndTime->UTCDateTime->Time) {
            const auto* utc = response.SystemDateAndTime->UTCDateTime;
            std::tm tm{};
            tm.tm_year = utc->Date->Year - 1900;
            tm.tm_mon = utc->Date->Month - 1;
            tm.tm_mday = utc->Date->Day;
            tm.tm_hour = utc->Time->Hour;
            tm.tm_min = utc->Time->Minute;
            tm.tm_sec = utc->Time->Second;
            deviceTime = timegm(&tm);
            haveTime = true;
        }
        return rc;
    });
    std::time_t after = std::time(nullptr);
    clockOffset_ = haveTime ? static_cast<long>(deviceTime - (before + (after - before) / 2)) : 0;
    if (std::labs(clockOffset_) > address_.maxClockSkewSeconds)
        throw OnvifError(ErrorKind::ClockSkew,
                         describe() + ": its clock is " + durationText(clockOffset_) + (clockOffset_ > 0 ? " ahead of" : " behind") +
                             " this computer's (tolerance " + durationText(address_.maxClockSkewSeconds) +
                             "). Access events and validity times would be wrong and logins may fail: set the "
                             "controller's time (turn on NTP), or this computer's, then sync again");

    _tds__GetServices servicesRequest;
    servicesRequest.IncludeCapability = false;
    _tds__GetServicesResponse services;
    std::vector<std::pair<std::string, std::string>> found;
    try {
        invoke("GetServices", false, false, [&](struct soap* s, bool& sent) {
            int rc = FPB_SOAP_CALL(tds__GetServices, address_.endpoint, &servicesRequest, services)(s, sent);
            if (rc == SOAP_OK)
                for (const auto* service : services.Service)
                    if (service) found.emplace_back(service->Namespace, service->XAddr);
            return rc;
        });
    } catch (const OnvifError& e) {
        // Older devices answer GetServices only after login; they serve everything on one address.
        if (e.kind() != ErrorKind::Authentication && e.kind() != ErrorKind::Refused) throw;
    }
    // Devices behind address translation report their inside address: keep ours, take their path.
    std::string origin = originOf(address_.endpoint);
    for (const auto& [ns, xaddr] : found) {
        if (ns == kCredentialNs) credentialEndpoint_ = origin + pathOf(xaddr);
        else if (ns == kDoorControlNs) doorEndpoint_ = origin + pathOf(xaddr);
        else if (ns == kAccessControlNs) accessEndpoint_ = origin + pathOf(xaddr);
    }
    connected_ = true;
}

std::time_t OnvifClient::systemDateAndTime() {
    _tds__GetSystemDateAndTime request;
    _tds__GetSystemDateAndTimeResponse response;
    std::time_t result = 0;
    invoke("GetSystemDateAndTime", false, false, [&](struct soap* s, bool& sent) {
        int rc = FPB_SOAP_CALL(tds__GetSystemDateAndTime, address_.endpoint, &request, response)(s, sent);
        if (rc == SOAP_OK) result = std::time(nullptr);
        return rc;
    });
    return result;
}

DeviceInformation OnvifClient::deviceInformation() {
    _tds__GetDeviceInformation request;
    _tds__GetDeviceInformationResponse response;
    DeviceInformation out;
    invoke("GetDeviceInformation", true, false, [&](struct soap* s, bool& sent) {
        int rc = FPB_SOAP_CALL(tds__GetDeviceInformation, address_.endpoint, &request, response)(s, sent);
        if (rc == SOAP_OK)
            out = {response.Manufacturer, response.Model, response.FirmwareVersion, response.SerialNumber, response.HardwareId};
        return rc;
    });
    return out;
}

std::vector<NetworkProtocol> OnvifClient::networkProtocols() {
    _tds__GetNetworkProtocols request;
    _tds__GetNetworkProtocolsResponse response;
    std::vector<NetworkProtocol> out;
    invoke("GetNetworkProtocols", true, false, [&](struct soap* s, bool& sent) {
        int rc = FPB_SOAP_CALL(tds__GetNetworkProtocols, address_.endpoint, &request, response)(s, sent);
        if (rc == SOAP_OK)
            for (const auto* p : response.NetworkProtocols)
                if (p) out.push_back({p->Name, p->Enabled, p->Port});
        return rc;
    });
    return out;
}

std::string OnvifClient::discoveryMode() {
    _tds__GetDiscoveryMode request;
    _tds__GetDiscoveryModeResponse response;
    std::string out;
    invoke("GetDiscoveryMode", true, false, [&](struct soap* s, bool& sent) {
        int rc = FPB_SOAP_CALL(tds__GetDiscoveryMode, address_.endpoint, &request, response)(s, sent);
        if (rc == SOAP_OK) out = response.DiscoveryMode;
        return rc;
    });
    return out;
}

IpAddressFilter OnvifClient::ipAddressFilter() {
    _tds__GetIPAddressFilter request;
    _tds__GetIPAddressFilterResponse response;
    IpAddressFilter out;
    invoke("GetIPAddressFilter", true, false, [&](struct soap* s, bool& sent) {
        int rc = FPB_SOAP_CALL(tds__GetIPAddressFilter, address_.endpoint, &request, response)(s, sent);
        if (rc == SOAP_OK && response.IPAddressFilter) {
            out.type = response.IPAddressFilter->Type;
            for (const auto* a : response.IPAddressFilter->IPv4Address)
                if (a) out.ipv4.push_back(a->Address + "/" + std::to_string(a->PrefixLength));
            for (const auto* a : response.IPAddressFilter->IPv6Address)
                if (a) out.ipv6.push_back(a->Address + "/" + std::to_string(a->PrefixLength));
        }
        return rc;
    });
    return out;
}

std::vector<DeviceUser> OnvifClient::users() {
    _tds__GetUsers request;
    _tds__GetUsersResponse response;
    std::vector<DeviceUser> out;
    invoke("GetUsers", true, false, [&](struct soap* s, bool& sent) {
        int rc = FPB_SOAP_CALL(tds__GetUsers, address_.endpoint, &request, response)(s, sent);
        if (rc == SOAP_OK)
            for (const auto* u : response.User)
                if (u) out.push_back({u->Username, u->UserLevel});
        return rc;
    });
    return out;
}

void OnvifClient::setUserPassword(const std::string& username, const std::string& level, const std::string& newPassword) {
    invoke("SetUser", true, true, [&](struct soap* s, bool& sent) {
        _tds__SetUser request;
        _tds__SetUserResponse response;
        auto* user = soap_new_tt__User(s);
        user->Username = username;
        user->Password = newString(s, newPassword);
        user->UserLevel = level;
        request.User.push_back(user);
        return FPB_SOAP_CALL(tds__SetUser, address_.endpoint, &request, response)(s, sent);
    });
}

CredentialCapabilities OnvifClient::credentialCapabilities() {
    _tcr__GetServiceCapabilities request;
    _tcr__GetServiceCapabilitiesResponse response;
    CredentialCapabilities out;
    invoke("GetServiceCapabilities", true, false, [&](struct soap* s, bool& sent) {
        int rc = FPB_SOAP_CALL(tcr__GetServiceCapabilities, credentialEndpoint_, &request, response)(s, sent);
        if (rc == SOAP_OK && response.Capabilities) {
            out.identifierTypes.assign(response.Capabilities->SupportedIdentifierType.begin(),
                                       response.Capabilities->SupportedIdentifierType.end());
            out.maxCredentials = response.Capabilities->MaxCredentials;
            out.maxLimit = response.Capabilities->MaxLimit;
        }
        return rc;
    });
    return out;
}

std::vector<FormatTypeInfo> OnvifClient::supportedFormatTypes(const std::string& identifierType) {
    _tcr__GetSupportedFormatTypes request;
    request.CredentialIdentifierTypeName = identifierType;
    _tcr__GetSupportedFormatTypesResponse response;
    std::vector<FormatTypeInfo> out;
    invoke("GetSupportedFormatTypes", true, false, [&](struct soap* s, bool& sent) {
        int rc = FPB_SOAP_CALL(tcr__GetSupportedFormatTypes, credentialEndpoint_, &request, response)(s, sent);
        if (rc == SOAP_OK)
            for (const auto* info : response.FormatTypeInfo)
                if (info) out.push_back({info->FormatType, info->Description});
        return rc;
    });
    return out;
}

std::string OnvifClient::createCredential(const CredentialData& credential) {
    std::string token;
    invoke("CreateCredential", true, true, [&](struct soap* s, bool& sent) {
        _tcr__CreateCredential request;
        request.Credential = toSoap(s, credential);
        request.Credential->token.clear();  // the controller assigns the token
        request.State = soap_new_tcr__CredentialState(s);
        request.State->Enabled = true;
        _tcr__CreateCredentialResponse response;
        int rc = FPB_SOAP_CALL(tcr__CreateCredential, credentialEndpoint_, &request, response)(s, sent);
        if (rc == SOAP_OK) token = response.Token;
        return rc;
    });
    return token;
}

void OnvifClient::modifyCredential(const CredentialData& credential) {
    invoke("ModifyCredential", true, true, [&](struct soap* s, bool& sent) {
        _tcr__ModifyCredential request;
        request.Credential = toSoap(s, credential);
        _tcr__ModifyCredentialResponse response;
        return FPB_SOAP_CALL(tcr__ModifyCredential, credentialEndpoint_, &request, response)(s, sent);
    });
}

void OnvifClient::deleteCredential(const std::string& token) {
    invoke("DeleteCredential", true, true, [&](struct soap* s, bool& sent) {
        _tcr__DeleteCredential request;
        request.Token = token;
        _tcr__DeleteCredentialResponse response;
        return FPB_SOAP_CALL(tcr__DeleteCredential, credentialEndpoint_, &request, response)(s, sent);
    });
}

std::vector<CredentialData> OnvifClient::listCredentials() {
    std::vector<CredentialData> out;
    std::string start;
    for (int page = 0; page < 100000; ++page) {
        std::string next;
        invoke("GetCredentialList", true, false, [&](struct soap* s, bool& sent) {
            _tcr__GetCredentialList request;
            if (!start.empty()) request.StartReference = newString(s, start);
            _tcr__GetCredentialListResponse response;
            int rc = FPB_SOAP_CALL(tcr__GetCredentialList, credentialEndpoint_, &request, response)(s, sent);
            if (rc == SOAP_OK) {
                for (const auto* credential : response.Credential)
                    if (credential) out.push_back(fromSoap(*credential));
                if (response.NextStartReference) next = *response.NextStartReference;
            }
            return rc;
        });
        if (next.empty()) break;
        start = next;
    }
    return out;
}

std::vector<CredentialData> OnvifClient::getCredentials(const std::vector<std::string>& tokens) {
    std::vector<CredentialData> out;
    invoke("GetCredentials", true, false, [&](struct soap* s, bool& sent) {
        _tcr__GetCredentials request;
        request.Token.assign(tokens.begin(), tokens.end());
        _tcr__GetCredentialsResponse response;
        int rc = FPB_SOAP_CALL(tcr__GetCredentials, credentialEndpoint_, &request, response)(s, sent);
        if (rc == SOAP_OK)
            for (const auto* credential : response.Credential)
                if (credential) out.push_back(fromSoap(*credential));
        return rc;
    });
    return out;
}

std::vector<DoorInfo> OnvifClient::doors() {
    std::vector<DoorInfo> out;
    std::string start;
    for (int page = 0; page < 10000; ++page) {
        std::string next;
        invoke("GetDoorInfoList", true, false, [&](struct soap* s, bool& sent) {
            _tdc__GetDoorInfoList request;
            if (!start.empty()) request.StartReference = newString(s, start);
            _tdc__GetDoorInfoListResponse response;
            int rc = FPB_SOAP_CALL(tdc__GetDoorInfoList, doorEndpoint_, &request, response)(s, sent);
            if (rc == SOAP_OK) {
                for (const auto* door : response.DoorInfo)
                    if (door) out.push_back({door->token, door->Name});
                if (response.NextStartReference) next = *response.NextStartReference;
            }
            return rc;
        });
        if (next.empty()) break;
        start = next;
    }
    return out;
}

std::string OnvifClient::doorMode(const std::string& doorToken) {
    std::string out;
    invoke("GetDoorState", true, false, [&](struct soap* s, bool& sent) {
        _tdc__GetDoorState request;
        request.Token = doorToken;
        _tdc__GetDoorStateResponse response;
        int rc = FPB_SOAP_CALL(tdc__GetDoorState, doorEndpoint_, &request, response)(s, sent);
        if (rc == SOAP_OK && response.DoorState) out = response.DoorState->DoorMode;
        return rc;
    });
    return out;
}

std::vector<AccessPointInfo> OnvifClient::accessPoints() {
    std::vector<AccessPointInfo> out;
    std::string start;
    for (int page = 0; page < 10000; ++page) {
        std::string next;
        invoke("GetAccessPointInfoList", true, false, [&](struct soap* s, bool& sent) {
            _tac__GetAccessPointInfoList request;
            if (!start.empty()) request.StartReference = newString(s, start);
            _tac__GetAccessPointInfoListResponse response;
            int rc = FPB_SOAP_CALL(tac__GetAccessPointInfoList, accessEndpoint_, &request, response)(s, sent);
            if (rc == SOAP_OK) {
                for (const auto* point : response.AccessPointInfo) {
                    if (!point) continue;
                    AccessPointInfo info{point->token, point->Name, point->Entity, {}};
                    if (point->Capabilities && point->Capabilities->SupportedRecognitionTypes)
                        info.recognitionTypes = *point->Capabilities->SupportedRecognitionTypes;
                    out.push_back(std::move(info));
                }
                if (response.NextStartReference) next = *response.NextStartReference;
            }
            return rc;
        });
        if (next.empty()) break;
        start = next;
    }
    return out;
}

} // namespace fpb::onvif
