// SPDX-License-Identifier: GPL-2.0-or-later
// WS-Security UsernameToken digest (OASIS WSS UsernameToken Profile 1.0), shared by the client and
// the door-controller simulator so both sides compute it the same way.
#pragma once
#include <cstdint>
#include <ctime>
#include <string>
#include <vector>

namespace fpb::onvif {

/// Base64(SHA-1(nonce + created + password)).
std::string usernameTokenDigest(const std::vector<std::uint8_t>& nonce, const std::string& created,
                                const std::string& password);
std::string base64Encode(const std::vector<std::uint8_t>& bytes);
/// Empty optional-like result: returns false on invalid input.
bool base64Decode(const std::string& text, std::vector<std::uint8_t>& out);
/// "2026-11-29T13:45:00Z"
std::string utcTimestamp(std::time_t t);
/// Parses the xs:dateTime forms devices send (Z or +hh:mm offsets, optional fraction); false if not.
bool parseUtcTimestamp(const std::string& text, std::time_t& out);

} // namespace fpb::onvif
