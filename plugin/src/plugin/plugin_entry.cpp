// SPDX-License-Identifier: GPL-2.0-or-later
// (being written) the SDK entry point of the USB reader plugin.
#include <fpbridge/fpbridge.h>

extern "C" __attribute__((visibility("default"))) std::int32_t fpbridge_plugin_entry(
    const fpb::HostInfo*, fpb::IPlugin0** out, fpb::Error* error) {
    if (out) *out = nullptr;
    return fpb::setError(error, fpb::kErrorUnsupported, "not built yet");
}
