// SPDX-License-Identifier: GPL-2.0-or-later
// The one exported symbol of the USB reader plugin.
#include <fpbridge/fpbridge.h>

#include <new>
#include <string>

#include "usb_reader_plugin.h"

extern "C" __attribute__((visibility("default"))) std::int32_t fpbridge_plugin_entry(const fpb::HostInfo* host,
                                                                                     fpb::IPlugin0** out,
                                                                                     fpb::Error* error) {
    if (out == nullptr || host == nullptr || host->size < sizeof(fpb::HostInfo))
        return fpb::setError(error, fpb::kErrorInvalidArgument, "entry: missing host information");
    *out = nullptr;
    const fpb::SdkVersion mine{FPB_SDK_VERSION_MAJOR, FPB_SDK_VERSION_MINOR};
    if (!fpb::sdkCompatible(host->sdk, mine)) {
        std::string message = "this plugin needs SDK " + std::to_string(mine.major) + "." + std::to_string(mine.minor) +
                              " but the host offers " + std::to_string(host->sdk.major) + "." +
                              std::to_string(host->sdk.minor) + "; update the host or install a matching plugin";
        return fpb::setError(error, fpb::kErrorIncompatible, message.c_str());
    }
    try {
        *out = new fpb::plugin::UsbReaderPlugin(host->manifestJson != nullptr ? host->manifestJson : "{}");
        return fpb::kOk;
    } catch (const std::bad_alloc&) {
        return fpb::setError(error, fpb::kErrorGeneric, "out of memory");
    } catch (...) {
        return fpb::setError(error, fpb::kErrorGeneric, "the plugin failed to initialise");
    }
}
