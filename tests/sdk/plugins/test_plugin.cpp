// SPDX-License-Identifier: GPL-2.0-or-later
// A minimal plugin compiled several times with different defines, so that the loader's tests can
// show each way a plugin can be wrong: TEST_BEHAVIOUR 0 = good, 1 = start() fails, 2 = the entry
// throws, 3 = start() throws, 4 = the entry is exported under another name, 5 = reports SDK major 2.
#include <fpbridge/fpbridge.h>

#include <cstring>
#include <stdexcept>

namespace {

class TestPlugin final : public fpb::RefCountedObject<fpb::IPlugin0> {
public:
    void* queryInterface(const char* id) override { return offerInterface<fpb::IPlugin0>(id); }
    std::int32_t getInfo(fpb::PluginInfo* out) override {
        std::strcpy(out->id, TEST_PLUGIN_ID);
        std::strcpy(out->displayName, "Test plugin");
        std::strcpy(out->vendor, "tests");
        std::strcpy(out->version, "1.0.0");
        out->sdk = {TEST_BEHAVIOUR == 5 ? 2u : FPB_SDK_VERSION_MAJOR, FPB_SDK_VERSION_MINOR};
        return fpb::kOk;
    }
    std::int32_t start(fpb::IHostServices0* services, fpb::Error* error) override {
        if (TEST_BEHAVIOUR == 1)
            return fpb::setError(error, fpb::kErrorNoPermission, "license file missing: copy license.dat next to the plugin");
        if (TEST_BEHAVIOUR == 3) throw std::runtime_error("boom in start");
        services->logger()->log(fpb::kLogInfo, "test plugin started");
        return fpb::kOk;
    }
    void stop() override {}
    std::uint32_t deviceTypeCount() override { return 1; }
    std::int32_t getDeviceType(std::uint32_t, fpb::DeviceTypeInfo* out) override {
        std::strcpy(out->id, "test-reader");
        std::strcpy(out->displayName, "Test Reader");
        return fpb::kOk;
    }
    void setDeviceListener(fpb::IDeviceListener*) override {}
    std::uint32_t deviceCount() override { return 0; }
    std::int32_t getDevice(std::uint32_t, fpb::DeviceInfo*, fpb::Error* e) override {
        return fpb::setError(e, fpb::kErrorNotFound, "none");
    }
    std::int32_t openDevice(const char*, fpb::IDevice0**, fpb::Error* e) override {
        return fpb::setError(e, fpb::kErrorNotFound, "none");
    }
};

std::int32_t entry(const fpb::HostInfo*, fpb::IPlugin0** out, fpb::Error*) {
    if (TEST_BEHAVIOUR == 2) throw std::runtime_error("boom in entry");
    *out = new TestPlugin();
    return fpb::kOk;
}

} // namespace

#if TEST_BEHAVIOUR == 4
extern "C" __attribute__((visibility("default"))) std::int32_t some_other_name(const fpb::HostInfo* h, fpb::IPlugin0** o,
                                                                               fpb::Error* e) {
    return entry(h, o, e);
}
#else
extern "C" __attribute__((visibility("default"))) std::int32_t fpbridge_plugin_entry(const fpb::HostInfo* h,
                                                                                     fpb::IPlugin0** o, fpb::Error* e) {
    return entry(h, o, e);
}
#endif
