// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

namespace fpb::plugin {

// Must equal manifests/usb-fingerprint-reader-v2.json: the host refuses a mismatch.
constexpr const char* kPluginId = "org.fpbridge.usb-fingerprint-reader-v2";
constexpr const char* kPluginDisplayName = "USB Fingerprint Reader (V2)";
constexpr const char* kPluginVendor = "fpbridge";
constexpr const char* kDeviceTypeId = "usb-fingerprint-reader-v2";
constexpr const char* kDeviceTypeName = "USB Fingerprint Reader (V2)";

} // namespace fpb::plugin
