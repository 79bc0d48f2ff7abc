// SPDX-License-Identifier: GPL-2.0-or-later
// The simulator's life cycle and server loop: binding, TLS, one thread per connection (keep-alive),
// request capture, fault injection and authentication (HTTP digest, UsernameToken digest).
#include "door_controller_simulator.h"

#include <pthread.h>
#include <csignal>

#include <sys/socket.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include <chrono>
#include <csignal>
#include <cstring>
#include <fstream>

#include <nlohmann/json.hpp>

#include "door_simulator_impl.h"
#include "httpda.h"
#include "onvif/username_token.h"
#include "soapH.h"

namespace fpb::door {

AuthMode parseAuthMode(const std::string& text) {
    if (text == "either") return AuthMode::Either;
    if (text == "digest") return AuthMode::Digest;
    if (text == "wsse") return AuthMode::Wsse;
    throw DoorError("unknown authentication mode '" + text + "': use either, digest or wsse");
}

const char* authModeName(AuthMode mode) {
    switch (mode) {
    case AuthMode::Digest: return "digest";
    case AuthMode::Wsse: return "wsse";
    case AuthMode::Either: break;
    }
    return "either";
}

namespace {

constexpr const char* kUserLevels[] = {"Administrator", "Operator", "User"};

void checkSettings(const DoorSettings& s) {
    if (s.stateDirectory.empty()) throw DoorError("no state directory: pass --state DIR");
    if (s.port < 0 || s.port > 65535) throw DoorError("port " + std::to_string(s.port) + " is out of range (0..65535; 0 = any free port)");
    for (const auto& user : s.users) {
        if (user.name.empty() || user.password.empty())
            throw DoorError("a user needs a name and a password (NAME:PASSWORD[:LEVEL])");
        bool knownLevel = false;
        for (const char* level : kUserLevels) knownLevel |= user.level == level;
        if (!knownLevel)
            throw DoorError("user '" + user.name + "' has level '" + user.level + "': use Administrator, Operator or User");
    }
    if (s.identifierTypes.empty()) throw DoorError("at least one identifier type is needed (e.g. pt:Fingerprint)");
    if (s.maxLimit == 0) throw DoorError("MaxLimit must be at least 1");
    auto probability = [](double p, const char* what) {
        if (!(p >= 0 && p <= 1)) throw DoorError(std::string(what) + " probability must be between 0 and 1");
    };
    probability(s.faults.http500Probability, "the http-500");
    probability(s.faults.dropResponseProbability, "the drop-response");
    if (s.faults.delayMs < 0) throw DoorError("the delay must not be negative");
}

Connection& connectionOf(soap* soap) { return *static_cast<Connection*>(soap->user); }

size_t recordingRecv(soap* soap, char* buffer, size_t length) {
    Connection& c = connectionOf(soap);
    size_t n = c.originalRecv(soap, buffer, length);
    c.received.append(buffer, n);
    return n;
}

int holdingSend(soap* soap, const char* data, size_t length) {
    Connection& c = connectionOf(soap);
    if (c.dropResponse) {
        c.heldResponse.append(data, length);
        return SOAP_OK;
    }
    return c.originalSend(soap, data, length);
}

/// Sends the first half of a held response and breaks the connection: the client has seen the
/// request succeed on the device but cannot read the answer.
void sendHalfAndBreak(soap* soap) {
    Connection& c = connectionOf(soap);
    if (!c.dropResponse) return;
    c.dropResponse = false;
    if (!c.heldResponse.empty()) c.originalSend(soap, c.heldResponse.data(), c.heldResponse.size() / 2);
    c.heldResponse.clear();
    if (soap_valid_socket(soap->socket)) ::shutdown(soap->socket, SHUT_RDWR);
    soap->keep_alive = 0;
}

int closingHook(soap* soap) {
    Connection& c = connectionOf(soap);
    sendHalfAndBreak(soap);
    return c.originalClose ? c.originalClose(soap) : SOAP_OK;
}

/// The HTTP body of a captured request (de-chunked when needed).
std::string httpBody(const std::string& raw) {
    auto end = raw.find("\r\n\r\n");
    if (end == std::string::npos) return raw;
    std::string header = raw.substr(0, end);
    std::string body = raw.substr(end + 4);
    std::string lower;
    for (char ch : header) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (lower.find("transfer-encoding: chunked") == std::string::npos) return body;
    std::string plain;
    std::size_t pos = 0;
    while (pos < body.size()) {
        auto lineEnd = body.find("\r\n", pos);
        if (lineEnd == std::string::npos) break;
        std::size_t size = std::strtoul(body.substr(pos, lineEnd - pos).c_str(), nullptr, 16);
        if (size == 0) break;
        plain += body.substr(lineEnd + 2, size);
        pos = lineEnd + 2 + size + 2;
    }
    return plain;
}

std::string localName(const char* tag) {
    const char* colon = tag ? std::strchr(tag, ':') : nullptr;
    return colon ? colon + 1 : (tag ? tag : "");
}

bool levelAllows(const std::string& level, Access access) {
    switch (access) {
    case Access::PreAuth:
    case Access::Read: return true;
    case Access::Write: return level == "Administrator" || level == "Operator";
    case Access::Administrator: return level == "Administrator";
    }
    return false;
}

int notAuthorized(soap* soap, const std::string& reason) {
    return senderFault(soap, "ter:NotAuthorized", nullptr, reason);
}

/// Checks a WS-Security UsernameToken digest; returns the user name or sets `reason`.
std::optional<DoorUser> verifyUsernameToken(DoorControllerSimulator::Impl& sim, const _wsse__UsernameToken& token,
                                            std::string& reason) {
    auto user = sim.state.user(token.Username);
    if (!user) {
        reason = "the user name or password is wrong";
        return std::nullopt;
    }
    if (!token.Password || token.Password->Type.find("#PasswordDigest") == std::string::npos) {
        reason = "only UsernameToken PasswordDigest is accepted (not PasswordText)";
        return std::nullopt;
    }
    std::vector<std::uint8_t> nonce;
    if (!token.Nonce || !onvif::base64Decode(token.Nonce->__item, nonce) || nonce.empty()) {
        reason = "the UsernameToken has no valid base64 Nonce";
        return std::nullopt;
    }
    std::time_t created = 0;
    if (!token.wsu__Created || !onvif::parseUtcTimestamp(*token.wsu__Created, created)) {
        reason = "the UsernameToken has no valid Created time";
        return std::nullopt;
    }
    std::time_t now = sim.deviceNow();
    long skew = static_cast<long>(created - now);
    if (skew > kUsernameTokenMaxSkewSeconds || skew < -kUsernameTokenMaxSkewSeconds) {
        reason = "the UsernameToken was created " + std::to_string(skew) + " s from the device clock (" +
                 onvif::utcTimestamp(now) + "), more than " + std::to_string(kUsernameTokenMaxSkewSeconds) +
                 " s: correct the client's time with GetSystemDateAndTime";
        return std::nullopt;
    }
    std::string expected = onvif::usernameTokenDigest(nonce, *token.wsu__Created, user->password);
    const std::string& given = token.Password->__item;
    if (given.size() != expected.size() || CRYPTO_memcmp(given.data(), expected.data(), expected.size()) != 0) {
        reason = "the user name or password is wrong";
        return std::nullopt;
    }
    if (!sim.rememberNonce(token.Nonce->__item, now)) {
        reason = "the UsernameToken nonce was already used (replay)";
        return std::nullopt;
    }
    return user;
}

/// What the device was last started with (never passwords), kept with its state for inspection.
std::string settingsJson(const DoorSettings& s, const std::string& endpoint) {
    nlohmann::json formats = nlohmann::json::array();
    for (const auto& f : s.fingerprintFormatTypes) formats.push_back(f.formatType);
    nlohmann::json faults{{"refuse_connections", s.faults.refuseConnections},
                          {"delay_ms", s.faults.delayMs},
                          {"http_500_probability", s.faults.http500Probability},
                          {"soap_fault_operation", s.faults.soapFaultOperation},
                          {"drop_response_probability", s.faults.dropResponseProbability},
                          {"expired_certificate", s.faults.expiredCertificate}};
    return nlohmann::json{{"endpoint", endpoint},
                          {"tls", s.tls},
                          {"auth", authModeName(s.authMode)},
                          {"identifier_types", s.identifierTypes},
                          {"fingerprint_format_types", formats},
                          {"max_credentials", s.maxCredentials},
                          {"max_limit", s.maxLimit},
                          {"clock_offset_seconds", s.clockOffsetSeconds},
                          {"firmware_version", s.deviceInfo.firmwareVersion},
                          {"discovery_mode", s.discoveryMode},
                          {"ip_address_filter", s.ipAddressFilter.type},
                          {"faults", faults}}
        .dump();
}

} // namespace

int senderFault(soap* soap, const char* subcode, const char* detailSubcode, const std::string& reason) {
    int rc = soap_sender_fault_subcode(soap, subcode, reason.c_str(), nullptr);
    if (detailSubcode && soap->fault && soap->fault->SOAP_ENV__Code && soap->fault->SOAP_ENV__Code->SOAP_ENV__Subcode) {
        SOAP_ENV__Code* second = soap_new_SOAP_ENV__Code(soap);
        second->SOAP_ENV__Value = soap_strdup(soap, detailSubcode);
        soap->fault->SOAP_ENV__Code->SOAP_ENV__Subcode->SOAP_ENV__Subcode = second;
    }
    return rc;
}

int receiverFault(soap* soap, const char* subcode, const char* detailSubcode, const std::string& reason) {
    int rc = soap_receiver_fault_subcode(soap, subcode, reason.c_str(), nullptr);
    if (detailSubcode && soap->fault && soap->fault->SOAP_ENV__Code && soap->fault->SOAP_ENV__Code->SOAP_ENV__Subcode) {
        SOAP_ENV__Code* second = soap_new_SOAP_ENV__Code(soap);
        second->SOAP_ENV__Value = soap_strdup(soap, detailSubcode);
        soap->fault->SOAP_ENV__Code->SOAP_ENV__Subcode->SOAP_ENV__Subcode = second;
    }
    return rc;
}

int beginOperation(soap* soap, const char* operation, Access access) {
    Connection& connection = connectionOf(soap);
    connection.requestRead = true;  // gSOAP calls operations after the whole request is parsed
    auto& sim = *connection.simulator;
    sim.captureRequest(connection, operation);
    // Read what authentication needs, then forget the header: gSOAP would echo it in the response.
    const _wsse__UsernameToken* usernameToken =
        soap->header && soap->header->wsse__Security ? soap->header->wsse__Security->UsernameToken : nullptr;
    soap->header = nullptr;

    FaultInjection faults = sim.currentFaults();
    if (faults.delayMs > 0) std::this_thread::sleep_for(std::chrono::milliseconds(faults.delayMs));

    if (access != Access::PreAuth) {
        std::optional<DoorUser> user;
        AuthMode mode = sim.settings.authMode;
        bool digestOffered = mode != AuthMode::Wsse && soap->authrealm && soap->userid &&
                             std::strcmp(soap->authrealm, kDigestRealm) == 0;
        if (digestOffered) {
            auto candidate = sim.state.user(soap->userid);
            if (candidate && http_da_verify_post(soap, candidate->password.c_str()) == SOAP_OK) user = candidate;
        }
        if (!user && usernameToken && mode != AuthMode::Digest) {
            std::string reason;
            user = verifyUsernameToken(sim, *usernameToken, reason);
            if (!user) return notAuthorized(soap, "authentication failed: " + reason);
        }
        if (!user) {
            if (mode == AuthMode::Wsse)
                return notAuthorized(soap, "authentication required: send a WS-Security UsernameToken digest");
            soap->authrealm = kDigestRealm;  // the httpda plugin adds the digest challenge to the 401
            return 401;
        }
        if (!levelAllows(user->level, access))
            return notAuthorized(soap, "user '" + user->name + "' (" + user->level + ") may not call " + operation);
    }

    auto appliesTo = [&](const std::string& only) { return only.empty() || only == operation; };
    if (faults.http500Probability > 0 && appliesTo(faults.http500Operation) && sim.chance(faults.http500Probability))
        return 500;
    if (!faults.soapFaultOperation.empty() && faults.soapFaultOperation == operation)
        return receiverFault(soap, "ter:Action", "ter:Failure", std::string("injected failure of ") + operation);
    if (faults.dropResponseProbability > 0 && appliesTo(faults.dropResponseOperation) &&
        sim.chance(faults.dropResponseProbability))
        connection.dropResponse = true;
    sim.state.countRequest(operation);
    return SOAP_OK;
}

// ---- Impl ------------------------------------------------------------------------------------

DoorControllerSimulator::Impl::Impl(DoorSettings s) : settings((checkSettings(s), std::move(s))), state(settings.stateDirectory) {
    faults = settings.faults;
}

bool DoorControllerSimulator::Impl::chance(double probability) {
    std::lock_guard lock(randomMutex);
    return std::uniform_real_distribution<double>(0, 1)(random) < probability;
}

bool DoorControllerSimulator::Impl::rememberNonce(const std::string& nonce, std::time_t now) {
    std::lock_guard lock(noncesMutex);
    // A token older than the window is refused for its Created time anyway, so its nonce can go.
    while (!nonceExpiry.empty() && now - nonceExpiry.front().first > 2 * kUsernameTokenMaxSkewSeconds) {
        seenNonces.erase(nonceExpiry.front().second);
        nonceExpiry.pop_front();
    }
    if (!seenNonces.insert(nonce).second) return false;
    nonceExpiry.emplace_back(now, nonce);
    return true;
}

void DoorControllerSimulator::Impl::captureRequest(const Connection& connection, const std::string& operation) {
    if (settings.captureDirectory.empty()) return;
    char name[64];
    std::snprintf(name, sizeof name, "%06llu-", static_cast<unsigned long long>(++captureSequence));
    std::ofstream out(settings.captureDirectory / (name + operation + ".xml"), std::ios::binary);
    out << httpBody(connection.received);
}

std::vector<FormatTypeSetting> DoorControllerSimulator::Impl::formatTypes(const std::string& identifierType) const {
    // Card and PIN formats are BACnet's (ONVIF defers to ISO 16484-5 Annex P); fingerprints have none there.
    if (identifierType == "pt:Fingerprint") return settings.fingerprintFormatTypes;
    if (identifierType == "pt:Card")
        return {{"WIEGAND26", "26-bit Wiegand: 8-bit facility code and 16-bit card number"},
                {"SIMPLE_NUMBER32", "32-bit card number"}};
    if (identifierType == "pt:PIN") return {{"SIMPLE_NUMBER32", "PIN as a 32-bit number"}};
    return {{"SIMPLE_ALPHA_NUMERIC", "alphanumeric text"}};
}

bool DoorControllerSimulator::Impl::bindListener() {
    master->bind_flags = SO_REUSEADDR;
    SOAP_SOCKET s = soap_bind(master, settings.listenAddress.c_str(), boundPort, 100);
    if (!soap_valid_socket(s)) return false;
    if (boundPort == 0) {
        sockaddr_storage address{};
        socklen_t length = sizeof address;
        getsockname(s, reinterpret_cast<sockaddr*>(&address), &length);
        boundPort = ntohs(address.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&address)->sin6_port
                                                        : reinterpret_cast<sockaddr_in*>(&address)->sin_port);
    }
    return true;
}

void DoorControllerSimulator::Impl::acceptLoop() {
    while (!stopping) {
        if (currentFaults().refuseConnections) {
            if (soap_valid_socket(master->master)) {
                ::close(master->master);
                master->master = SOAP_INVALID_SOCKET;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            continue;
        }
        if (!soap_valid_socket(master->master) && !bindListener()) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            continue;
        }
        SOAP_SOCKET socket = soap_accept(master);
        if (!soap_valid_socket(socket)) continue;  // timeout (to notice stop) or a failed accept
        soap* connection = soap_copy(master);
        if (!connection) {
            ::close(socket);
            continue;
        }
        {
            std::lock_guard lock(connectionsMutex);
            openSockets.insert(socket);
            ++activeConnections;
        }
        std::thread([this, connection] { serveConnection(connection); }).detach();
    }
}

void DoorControllerSimulator::Impl::serveConnection(soap* soap) {
    Connection connection;
    connection.simulator = this;
    connection.socket = soap->socket;
    connection.originalRecv = soap->frecv;
    connection.originalSend = soap->fsend;
    connection.originalClose = soap->fclose;
    soap->user = &connection;
    soap->frecv = recordingRecv;
    soap->fsend = holdingSend;
    soap->fclose = closingHook;

    if (!settings.tls || soap_ssl_accept(soap) == SOAP_OK) {
        // soap_serve() with a hook between requests: a held response is half sent before the next.
        soap->keep_alive = soap->max_keep_alive + 1;
        do {
            if (soap->keep_alive > 0 && soap->max_keep_alive > 0) soap->keep_alive--;
            connection.received.clear();
            connection.requestRead = false;
            if (soap_begin_serve(soap)) {
                if (soap->error >= SOAP_STOP) continue;
                break;
            }
            std::string operation = soap_peek_element(soap) == SOAP_OK ? localName(soap->tag) : std::string();
            int served = soap_serve_request(soap);
            // Requests that reach an operation are captured there, before the response; one that
            // does not parse is captured too: an invalid request is what validation must see.
            if (!connection.requestRead) captureRequest(connection, operation.empty() ? "Unknown" : operation);
            if (served && soap->error && soap->error < SOAP_STOP) {
                soap_send_fault(soap);
                // After an ONVIF fault the connection stays usable (keep-alive clients reuse it);
                // after a malformed request the rest of it may still be unread, so it is closed.
                if (!connection.requestRead || !soap_valid_socket(soap->socket)) break;
            }
            sendHalfAndBreak(soap);
            soap_destroy(soap);
            soap_end(soap);
        } while (soap->keep_alive && !stopping);
    }
    sendHalfAndBreak(soap);
    {
        std::lock_guard lock(connectionsMutex);
        openSockets.erase(openSockets.find(connection.socket));
    }
    soap_destroy(soap);
    soap_end(soap);
    soap_free(soap);
    std::lock_guard lock(connectionsMutex);
    if (--activeConnections == 0) connectionsDone.notify_all();
}

// ---- public API ------------------------------------------------------------------------------

DoorControllerSimulator::DoorControllerSimulator(DoorSettings settings) : impl_(std::make_unique<Impl>(std::move(settings))) {}

DoorControllerSimulator::~DoorControllerSimulator() { stop(); }

void DoorControllerSimulator::start() {
    Impl& d = *impl_;
    if (d.running) return;
    for (const auto& user : d.settings.users) d.state.putUser(user);
    if (d.state.users().empty())
        throw DoorError("no user can log in to this door controller: add one with --user NAME:PASSWORD[:Administrator]");
    if (!d.settings.captureDirectory.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(d.settings.captureDirectory, ec);
        if (ec) throw DoorError("cannot create the capture directory " + d.settings.captureDirectory.string() + ": " + ec.message());
        std::uint64_t existing = 0;
        for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(d.settings.captureDirectory)) ++existing;
        d.captureSequence = existing;  // a restart with the same directory appends
    }

    // A client that hangs up must not kill the process: plain sockets use MSG_NOSIGNAL, but
    // OpenSSL writes without it, so SIGPIPE is ignored (what gSOAP servers are meant to do).
    std::signal(SIGPIPE, SIG_IGN);
    d.master = soap_new1(SOAP_IO_KEEPALIVE | SOAP_C_UTFSTRING | SOAP_XML_STRICT);
    d.master->socket_flags = MSG_NOSIGNAL;
    soap_set_namespaces(d.master, namespaces);
    soap_register_plugin(d.master, http_da);
    d.master->max_keep_alive = 10000;
    d.master->accept_timeout = -200000;  // microseconds: the accept loop notices stop() quickly
    d.master->recv_timeout = 60;
    d.master->send_timeout = 60;
    d.master->user = nullptr;

    if (d.settings.tls) {
        try {
            bool expired = d.currentFaults().expiredCertificate;
            d.certificate = tls::ensureSelfSigned(d.settings.stateDirectory, expired ? "tls-expired-" : "tls-", expired);
        } catch (const tls::CertificateError& e) {
            throw DoorError(e.what());
        }
        if (soap_ssl_server_context(d.master, SOAP_SSL_DEFAULT | SOAP_TLSv1_2 | SOAP_TLSv1_3, nullptr, nullptr, nullptr,
                                    nullptr, nullptr, nullptr, nullptr) ||
            !d.master->ctx ||
            SSL_CTX_use_certificate_chain_file(d.master->ctx, d.certificate.certificate.c_str()) != 1 ||
            SSL_CTX_use_PrivateKey_file(d.master->ctx, d.certificate.key.c_str(), SSL_FILETYPE_PEM) != 1) {
            soap_free(d.master);
            d.master = nullptr;
            throw DoorError("cannot set up TLS with " + d.certificate.certificate.string() +
                            ": delete the tls-* files in the state directory to make a new certificate");
        }
    }

    d.boundPort = d.settings.port;
    if (!d.bindListener()) {
        std::string why = d.master->errnum ? std::strerror(d.master->errnum) : "unknown error";
        soap_free(d.master);
        d.master = nullptr;
        throw DoorError("cannot listen on " + d.settings.listenAddress + ":" + std::to_string(d.settings.port) + ": " + why +
                        " (choose another --port, or 0 for any free port)");
    }
    d.endpointUrl = std::string(d.settings.tls ? "https" : "http") + "://" + d.settings.listenAddress + ":" +
                    std::to_string(d.boundPort) + "/onvif/device_service";
    d.state.putSetting("settings", settingsJson(d.settings, d.endpointUrl));
    {
        std::ofstream out(d.settings.stateDirectory / "endpoint");
        out << d.endpointUrl << "\n";
    }
    d.stopping = false;
    d.running = true;
    d.acceptThread = std::thread([&d] { d.acceptLoop(); });
}

void DoorControllerSimulator::stop() {
    Impl& d = *impl_;
    if (!d.running) return;
    d.stopping = true;
    if (d.acceptThread.joinable()) d.acceptThread.join();
    {
        std::unique_lock lock(d.connectionsMutex);
        // Wakes connections waiting for their next keep-alive request.
        for (int socket : d.openSockets) ::shutdown(socket, SHUT_RDWR);
        d.connectionsDone.wait(lock, [&] { return d.activeConnections == 0; });
    }
    soap_destroy(d.master);
    soap_end(d.master);
    soap_free(d.master);
    d.master = nullptr;
    d.running = false;
}

bool DoorControllerSimulator::running() const { return impl_->running; }
std::string DoorControllerSimulator::endpoint() const { return impl_->endpointUrl; }
int DoorControllerSimulator::port() const { return impl_->boundPort; }
std::filesystem::path DoorControllerSimulator::caFile() const { return impl_->settings.tls ? impl_->certificate.certificate : std::filesystem::path(); }
std::string DoorControllerSimulator::certificateSha256() const { return impl_->settings.tls ? impl_->certificate.sha256 : std::string(); }

void DoorControllerSimulator::setFaults(const FaultInjection& faults) {
    {
        std::lock_guard lock(impl_->faultsMutex);
        impl_->faults = faults;
    }
    if (faults.refuseConnections) {
        // A device that goes away drops its kept-alive connections too.
        std::lock_guard lock(impl_->connectionsMutex);
        for (int socket : impl_->openSockets) ::shutdown(socket, SHUT_RDWR);
    }
}

std::vector<StoredCredential> DoorControllerSimulator::credentials() const { return impl_->state.allCredentials(); }
std::vector<DoorEvent> DoorControllerSimulator::events() const { return impl_->state.events(); }
std::vector<std::pair<std::string, std::int64_t>> DoorControllerSimulator::requestCounts() const {
    return impl_->state.requestCounts();
}

} // namespace fpb::door
