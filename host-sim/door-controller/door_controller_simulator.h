// SPDX-License-Identifier: GPL-2.0-or-later
// A simulated ONVIF door controller: a gSOAP server for the device, credential, door-control and
// access-control subset fpbridge uses, with persistent state (SQLite), users and passwords, HTTP
// digest and WS-Security UsernameToken authentication, TLS with a generated certificate, the
// faults the ONVIF specifications define, and fault injection for testing clients. Presenting a
// finger at an access point matches it against the stored fingerprint credentials.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace fpb::door {

/// Bad settings, unusable state directory, port in use, ...; what() says what and what to do.
class DoorError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct DoorUser {
    std::string name;
    std::string password;
    std::string level = "Administrator";  ///< Administrator, Operator or User
};

enum class AuthMode { Either, Digest, Wsse };

struct FormatTypeSetting {
    std::string formatType;
    std::string description;
};

struct NetworkProtocolSetting {
    std::string name;  ///< HTTP, HTTPS, RTSP
    bool enabled = false;
    std::vector<int> ports;
};

struct IpAddressFilterSetting {
    std::string type = "Deny";  ///< Allow or Deny; Deny with no addresses = no filtering
    std::vector<std::string> ipv4;  ///< "192.168.0.0/16"
    std::vector<std::string> ipv6;
};

struct DeviceInfoSetting {
    std::string manufacturer = "fpbridge";
    std::string model = "Simulated door controller";
    std::string firmwareVersion = "1.0.0";
    std::string serialNumber = "FPB-DOOR-0001";
    std::string hardwareId = "fpb-door-sim";
};

/// Ways to misbehave, for testing clients. Probabilities are 0..1; `operation` limits a fault to
/// one ONVIF operation (e.g. "CreateCredential"), empty = every operation.
struct FaultInjection {
    bool refuseConnections = false;  ///< the port is closed: connect() fails with ECONNREFUSED
    int delayMs = 0;                 ///< before each request is handled
    double http500Probability = 0;   ///< HTTP 500 before the request is applied
    std::string http500Operation;
    std::string soapFaultOperation;  ///< this operation answers env:Receiver ter:Action/ter:Failure
    /// The request is applied and committed, then only half of the response is sent and the
    /// connection is closed: the client cannot know whether it worked (duplicate avoidance).
    double dropResponseProbability = 0;
    std::string dropResponseOperation;
    bool expiredCertificate = false;  ///< serve a certificate whose validity ended yesterday
};

struct DoorSettings {
    std::filesystem::path stateDirectory;
    std::string listenAddress = "127.0.0.1";
    int port = 0;  ///< 0 = any free port
    bool tls = true;
    std::vector<DoorUser> users;  ///< added to (or replacing same-named users in) the stored ones
    AuthMode authMode = AuthMode::Either;
    std::vector<std::string> identifierTypes{"pt:Card", "pt:PIN", "pt:Fingerprint"};
    std::vector<FormatTypeSetting> fingerprintFormatTypes{
        {"ISO19794-2:2005", "ISO/IEC 19794-2:2005 finger minutiae record, one or more finger views"},
        {"ANSI-INCITS-378-2004", "ANSI INCITS 378-2004 finger minutiae record, one or more finger views"}};
    unsigned maxCredentials = 100000;
    unsigned maxLimit = 1000;  ///< most items one list or get call returns
    long clockOffsetSeconds = 0;  ///< the device's clock = real time + offset
    DeviceInfoSetting deviceInfo;
    /// Empty = derived from what is served (HTTPS or HTTP on the actual port).
    std::vector<NetworkProtocolSetting> networkProtocols;
    std::string discoveryMode = "Discoverable";
    IpAddressFilterSetting ipAddressFilter;
    FaultInjection faults;
    /// When set, every received SOAP request is written to <dir>/<sequence>-<Operation>.xml.
    std::filesystem::path captureDirectory;
};

struct StoredIdentifier {
    std::string type;        ///< "pt:Fingerprint"
    std::string formatType;  ///< "ISO19794-2:2005"
    bool exemptedFromAuthentication = false;
    std::vector<std::uint8_t> value;
};

struct StoredCredential {
    std::string token;
    std::string holderReference;
    std::string description;
    bool enabled = true;
    std::vector<StoredIdentifier> identifiers;
};

struct AccessResult {
    bool granted = false;
    std::string event;  ///< "tns1:AccessControl/AccessGranted/Credential" or ".../Denied/CredentialNotFound"
    std::string holder;
    std::string credentialToken;
    int score = 0;      ///< best similarity found (0..1000), also when denied
};

struct DoorEvent {
    std::int64_t id = 0;
    std::string time;   ///< UTC, "2026-11-29T13:45:00Z" (device clock)
    std::string accessPoint;
    std::string topic;
    std::string holder;
    std::string credentialToken;
    int score = 0;
};

class DoorControllerSimulator {
public:
    /// Opens (or creates) the state in settings.stateDirectory; does not listen yet.
    explicit DoorControllerSimulator(DoorSettings settings);
    ~DoorControllerSimulator();
    DoorControllerSimulator(const DoorControllerSimulator&) = delete;
    DoorControllerSimulator& operator=(const DoorControllerSimulator&) = delete;

    /// Binds and serves on background threads. Throws DoorError when there is no user at all,
    /// the port is taken or the certificate cannot be made.
    void start();
    /// Closes the port and every open connection, and waits for the threads. Idempotent.
    void stop();
    bool running() const;

    /// "https://127.0.0.1:PORT/onvif/device_service" (every service shares it).
    std::string endpoint() const;
    int port() const;
    /// PEM certificate of the server, for clients to trust (empty without TLS).
    std::filesystem::path caFile() const;
    /// Lowercase hex SHA-256 of the certificate's DER encoding (empty without TLS).
    std::string certificateSha256() const;

    /// Changes the fault injection while running (refusing connections closes the port).
    void setFaults(const FaultInjection& faults);

    std::vector<StoredCredential> credentials() const;
    /// Matches a probe (PNG/PGM/TIFF image or ISO/ANSI record bytes) against every stored
    /// fingerprint credential and logs the event. Throws DoorError for an unknown access point
    /// or an unusable probe.
    AccessResult present(const std::string& accessPointToken, const std::vector<std::uint8_t>& probe);
    std::vector<DoorEvent> events() const;
    /// How many requests each operation has answered (all runs), e.g. {"CreateCredential", 3}.
    std::vector<std::pair<std::string, std::int64_t>> requestCounts() const;

    static constexpr const char* kGrantedTopic = "tns1:AccessControl/AccessGranted/Credential";
    static constexpr const char* kDeniedTopic = "tns1:AccessControl/Denied/CredentialNotFound";
    static constexpr const char* kDefaultAccessPoint = "access-point-1";

    struct Impl;  ///< internal; named here because the generated server's operations reach it

private:
    std::unique_ptr<Impl> impl_;
};

AuthMode parseAuthMode(const std::string& text);  ///< "either", "digest", "wsse"; throws DoorError
const char* authModeName(AuthMode mode);

} // namespace fpb::door
