// SPDX-License-Identifier: GPL-2.0-or-later
// Internals shared by the simulator's server loop (door_controller_simulator.cpp) and its ONVIF
// operations (door_onvif_service.cpp).
#pragma once

#include <atomic>
#include <condition_variable>
#include <ctime>
#include <deque>
#include <unordered_set>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>

#include "self_signed_certificate.h"
#include "door_controller_simulator.h"
#include "door_state.h"

struct soap;

namespace fpb::door {

constexpr const char* kDigestRealm = "fpb-door";
constexpr long kUsernameTokenMaxSkewSeconds = 300;

/// Who may call an operation (after ONVIF's access classes, simplified).
enum class Access { PreAuth, Read, Write, Administrator };

struct Door {
    std::string token, name;
};
struct AccessPoint {
    std::string token, name, doorToken;
};

/// One accepted connection; soap->user points here.
struct Connection {
    DoorControllerSimulator::Impl* simulator = nullptr;
    int socket = -1;
    std::string received;      ///< raw bytes of the current request (HTTP header + body)
    bool requestRead = false;  ///< the current request reached an operation (fully parsed)
    bool dropResponse = false; ///< send only half of the response, then close
    std::string heldResponse;
    size_t (*originalRecv)(soap*, char*, size_t) = nullptr;
    int (*originalSend)(soap*, const char*, size_t) = nullptr;
    int (*originalClose)(soap*) = nullptr;
};

struct DoorControllerSimulator::Impl {
    explicit Impl(DoorSettings s);

    DoorSettings settings;
    DoorState state;
    std::vector<Door> doors{{"door-1", "Front door"}, {"door-2", "Back door"}};
    std::vector<AccessPoint> accessPoints{{"access-point-1", "Front door reader", "door-1"},
                                          {"access-point-2", "Back door reader", "door-2"}};

    // ---- server
    soap* master = nullptr;
    std::thread acceptThread;
    std::atomic<bool> running{false};
    std::atomic<bool> stopping{false};
    int boundPort = 0;
    std::string endpointUrl;
    tls::CertificateFiles certificate;

    std::mutex connectionsMutex;
    std::condition_variable connectionsDone;
    /// A multiset: gSOAP may close a socket before the thread unregisters it, and a new
    /// connection may get the same descriptor meanwhile.
    std::multiset<int> openSockets;
    int activeConnections = 0;

    mutable std::mutex faultsMutex;
    FaultInjection faults;
    FaultInjection currentFaults() const {
        std::lock_guard lock(faultsMutex);
        return faults;
    }

    std::mutex randomMutex;
    std::mt19937_64 random{std::random_device{}()};
    bool chance(double probability);

    std::mutex noncesMutex;
    /// UsernameToken nonces seen within the skew window, and the same in arrival order for expiry.
    std::unordered_set<std::string> seenNonces;
    std::deque<std::pair<std::time_t, std::string>> nonceExpiry;
    /// False when the nonce was already used (a replay).
    bool rememberNonce(const std::string& nonce, std::time_t now);

    std::atomic<std::uint64_t> captureSequence{0};

    std::time_t deviceNow() const { return std::time(nullptr) + settings.clockOffsetSeconds; }

    void acceptLoop();
    bool bindListener();
    void serveConnection(soap* connection);
    void captureRequest(const Connection& connection, const std::string& operation);
    std::vector<FormatTypeSetting> formatTypes(const std::string& identifierType) const;
};

/// Called first by every ONVIF operation: captures the request, applies the injected faults,
/// authenticates and authorizes, and clears the request's Security header so it is not echoed.
/// Returns SOAP_OK or the error the operation must return.
int beginOperation(soap* soap, const char* operation, Access access);

/// A SOAP 1.2 fault with ONVIF's two-level subcodes, e.g. env:Sender / ter:InvalidArgVal / ter:NotFound.
int senderFault(soap* soap, const char* subcode, const char* detailSubcode, const std::string& reason);
int receiverFault(soap* soap, const char* subcode, const char* detailSubcode, const std::string& reason);

} // namespace fpb::door
