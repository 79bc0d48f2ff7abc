// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace fpb::host {

/// A manifest problem; what() names the field and the fix.
class ManifestError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct UsbId {
    std::uint16_t vendorId = 0;
    std::uint16_t productId = 0;
    std::string model;
};

/// What the host reads before it loads any plugin code (manifests/manifest.schema.json).
/// Unknown fields are ignored so that newer manifests still load.
struct PluginManifest {
    std::string id;
    std::string displayName;
    std::string vendor;
    std::string version;
    unsigned sdkMajor = 0;
    unsigned sdkMinor = 0;
    std::string library;         ///< file name inside the plugin's folder
    std::string librarySha256;   ///< lowercase hex
    std::string entrySymbol;
    std::vector<std::string> capabilities;
    std::vector<UsbId> usbIds;
    std::string minReaderFirmware;
    std::string rawJson;         ///< the text as read, handed to the plugin

    /// Parses and validates; throws ManifestError.
    static PluginManifest parse(const std::string& json);
    static PluginManifest load(const std::filesystem::path& file);
};

/// Lowercase hex SHA-256 of a file; throws std::runtime_error when it cannot be read.
std::string sha256File(const std::filesystem::path& file);

} // namespace fpb::host
