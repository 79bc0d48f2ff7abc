// SPDX-License-Identifier: GPL-2.0-or-later
// A client for one ONVIF door controller: the device, credential, door-control and access-control
// calls fpbridge needs, with HTTP digest and WS-Security UsernameToken digest (the clock skew read
// from GetSystemDateAndTime corrects the token's Created time), TLS verified against a CA file or
// a pinned certificate, plain HTTP only when explicitly allowed. Every failure becomes an
// OnvifError that names the controller, says what went wrong and what to do.
// Threads: one OnvifClient per thread (gSOAP contexts are not shared).
#pragma once
#include <cstdint>
#include <ctime>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace fpb::onvif {

struct ControllerAddress {
    std::string id;
    std::string name;
    std::string endpoint;         ///< device service URL
    std::string username;
    std::string password;
    std::string caFile;           ///< PEM bundle to verify the controller's certificate against
    std::string pinnedSha256;     ///< hex SHA-256 of the controller's DER certificate
    bool allowPlainHttp = false;
    int timeoutSeconds = 10;
    int maxClockSkewSeconds = 300;  ///< beyond this the controller's clock must be fixed first
};

enum class ErrorKind {
    Unreachable,       ///< could not connect or the connection broke before the request was sent
    ResponseLost,      ///< the request was sent but no complete answer came: it may have been applied
    Tls,               ///< certificate invalid, expired, not trusted or not the pinned one
    Authentication,    ///< wrong user name or password
    ClockSkew,
    Unsupported,       ///< the controller cannot take fingerprint credentials
    Refused,           ///< a SOAP fault from the controller about this request (not retryable as is)
    ServerError,       ///< HTTP 5xx or a receiver fault: retry later
    Configuration,     ///< our own settings are wrong (e.g. plain HTTP not allowed)
};

class OnvifError : public std::runtime_error {
public:
    OnvifError(ErrorKind kind, std::string message, std::string subcode = {})
        : std::runtime_error(std::move(message)), kind_(kind), subcode_(std::move(subcode)) {}
    ErrorKind kind() const { return kind_; }
    /// For Refused: the ONVIF fault subcodes, e.g. "ter:InvalidArgVal/ter:NotFound".
    const std::string& subcode() const { return subcode_; }
    /// Worth retrying the same request later without any change on our side.
    bool retryable() const {
        return kind_ == ErrorKind::Unreachable || kind_ == ErrorKind::ResponseLost || kind_ == ErrorKind::ServerError;
    }

private:
    ErrorKind kind_;
    std::string subcode_;
};

struct DeviceInformation {
    std::string manufacturer, model, firmwareVersion, serialNumber, hardwareId;
};

struct CredentialCapabilities {
    std::vector<std::string> identifierTypes;   ///< e.g. "pt:Card", "pt:Fingerprint"
    unsigned maxCredentials = 0;
    unsigned maxLimit = 0;                      ///< most items a list call returns at once
};

struct FormatTypeInfo {
    std::string formatType;
    std::string description;
};

struct CredentialIdentifierData {
    std::string typeName;       ///< "pt:Fingerprint"
    std::string formatType;
    bool exemptedFromAuthentication = false;
    std::vector<std::uint8_t> value;
};

struct CredentialData {
    std::string token;          ///< empty when creating
    std::string holderReference;
    std::string description;
    std::vector<CredentialIdentifierData> identifiers;
};

struct DoorInfo { std::string token, name; };
struct AccessPointInfo { std::string token, name, entity, recognitionTypes; };
struct NetworkProtocol { std::string name; bool enabled = false; std::vector<int> ports; };
struct IpAddressFilter { std::string type; std::vector<std::string> ipv4; std::vector<std::string> ipv6; };
struct DeviceUser { std::string username, level; };

class OnvifClient {
public:
    explicit OnvifClient(ControllerAddress address);
    ~OnvifClient();
    OnvifClient(const OnvifClient&) = delete;
    OnvifClient& operator=(const OnvifClient&) = delete;

    const ControllerAddress& address() const { return address_; }
    /// "controller 'Door A' (https://...)": how every message names the controller.
    std::string describe() const;

    /// Reads the controller's clock (unauthenticated) and the service addresses. Throws ClockSkew
    /// when the clocks differ by more than maxClockSkewSeconds.
    void connect();
    /// Controller time minus local time, in seconds, as measured by connect().
    long clockOffsetSeconds() const { return clockOffset_; }

    DeviceInformation deviceInformation();
    std::vector<NetworkProtocol> networkProtocols();
    std::string discoveryMode();
    IpAddressFilter ipAddressFilter();
    std::vector<DeviceUser> users();
    /// Changes a user's password (SetUser); the client goes on with the old password until
    /// setPassword() is called.
    void setUserPassword(const std::string& username, const std::string& level, const std::string& newPassword);
    void setPassword(const std::string& password);

    CredentialCapabilities credentialCapabilities();
    std::vector<FormatTypeInfo> supportedFormatTypes(const std::string& identifierType);
    std::string createCredential(const CredentialData& credential);
    void modifyCredential(const CredentialData& credential);
    void deleteCredential(const std::string& token);
    /// Every credential, page by page (GetCredentialList with StartReference).
    std::vector<CredentialData> listCredentials();
    std::vector<CredentialData> getCredentials(const std::vector<std::string>& tokens);

    std::vector<DoorInfo> doors();
    std::string doorMode(const std::string& doorToken);
    std::vector<AccessPointInfo> accessPoints();

    /// Round trip of the cheapest authenticated-free call (GetSystemDateAndTime): the benchmark's ceiling.
    std::time_t systemDateAndTime();

private:
    struct Soap;
    template <class Call> void invoke(const char* operation, bool authenticate, bool mayHaveApplied, Call&& call);
    [[noreturn]] void fail(const char* operation, bool requestSent);
    void addSecurityHeader();

    ControllerAddress address_;
    std::unique_ptr<Soap> soap_;
    long clockOffset_ = 0;
    std::string credentialEndpoint_, doorEndpoint_, accessEndpoint_;
    bool connected_ = false;
};

} // namespace fpb::onvif
