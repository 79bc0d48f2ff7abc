// SPDX-License-Identifier: GPL-2.0-or-later
// What the publisher reads from the host: the fingers of each user and the controllers to keep in
// step. The plugin adapts the SDK's host services to this; tests use an in-memory version.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "onvif/onvif_client.h"

namespace fpb::publisher {

struct EnrolledFinger {
    int finger = 0;                      ///< ISO finger position 1..10
    bool duress = false;
    std::vector<std::uint8_t> isoRecord; ///< ISO/IEC 19794-2:2005; biometric data: never log it
};

class RecordSource {
public:
    virtual ~RecordSource() = default;
    /// The user's fingers; std::nullopt when the user does not exist (any more).
    virtual std::optional<std::vector<EnrolledFinger>> fingersOfUser(const std::string& userId) = 0;
    /// Every user with at least one enrolled finger.
    virtual std::map<std::string, std::vector<EnrolledFinger>> enrolledUsers() = 0;
    /// The controllers to publish to, with their passwords.
    virtual std::vector<onvif::ControllerAddress> controllers() = 0;
    virtual void log(int level, const std::string& message) = 0;   ///< levels as fpb::LogLevel
    virtual void audit(const std::string& action, const std::string& subject, const std::string& detail) = 0;
};

} // namespace fpb::publisher
