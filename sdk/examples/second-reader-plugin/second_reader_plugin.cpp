// SPDX-License-Identifier: GPL-2.0-or-later
// A minimal fpbridge device plugin: identity, one device type, no readers yet. Start from here.
#include <fpbridge/fpbridge.h>

#include <cstring>

namespace {

class SecondReaderPlugin final : public fpb::RefCountedObject<fpb::IPlugin0> {
public:
    void* queryInterface(const char* id) override { return offerInterface<fpb::IPlugin0>(id); }
    std::int32_t getInfo(fpb::PluginInfo* out) override {
        if (out == nullptr || out->size < sizeof(fpb::PluginInfo)) return fpb::kErrorInvalidArgument;
        std::strcpy(out->id, "org.example.second-reader");
        std::strcpy(out->displayName, "Example Reader Model X");
        std::strcpy(out->vendor, "Example Integrator");
        std::strcpy(out->version, "1.0.0");
        out->sdk = {FPB_SDK_VERSION_MAJOR, FPB_SDK_VERSION_MINOR};
        return fpb::kOk;
    }
    std::int32_t start(fpb::IHostServices0* services, fpb::Error* error) override {
        if (services == nullptr) return fpb::setError(error, fpb::kErrorInvalidArgument, "no host services");
        if (services->logger()) services->logger()->log(fpb::kLogInfo, "Example Reader Model X plugin started");
        return fpb::kOk;
    }
    void stop() override {}
    std::uint32_t deviceTypeCount() override { return 1; }
    std::int32_t getDeviceType(std::uint32_t index, fpb::DeviceTypeInfo* out) override {
        if (index != 0 || out == nullptr) return fpb::kErrorInvalidArgument;
        std::strcpy(out->id, "example-reader-x");
        std::strcpy(out->displayName, "Example Reader Model X");
        return fpb::kOk;
    }
    void setDeviceListener(fpb::IDeviceListener*) override {}
    std::uint32_t deviceCount() override { return 0; }
    std::int32_t getDevice(std::uint32_t, fpb::DeviceInfo*, fpb::Error* error) override {
        return fpb::setError(error, fpb::kErrorNotFound, "no Model X reader is connected");
    }
    std::int32_t openDevice(const char*, fpb::IDevice0** out, fpb::Error* error) override {
        if (out) *out = nullptr;
        return fpb::setError(error, fpb::kErrorNotFound, "no Model X reader is connected");
    }
};

} // namespace

extern "C" __attribute__((visibility("default"))) std::int32_t fpbridge_plugin_entry(const fpb::HostInfo* host,
                                                                                     fpb::IPlugin0** out,
                                                                                     fpb::Error* error) {
    if (host == nullptr || out == nullptr) return fpb::setError(error, fpb::kErrorInvalidArgument, "missing arguments");
    *out = nullptr;
    if (!fpb::sdkCompatible(host->sdk, {FPB_SDK_VERSION_MAJOR, FPB_SDK_VERSION_MINOR}))
        return fpb::setError(error, fpb::kErrorIncompatible, "this plugin needs a host with SDK 1.0 or newer 1.x");
    try {
        *out = new SecondReaderPlugin();
        return fpb::kOk;
    } catch (...) {
        return fpb::setError(error, fpb::kErrorGeneric, "the plugin could not be created");
    }
}
