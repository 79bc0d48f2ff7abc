// SPDX-License-Identifier: GPL-2.0-or-later
// The real reader plugin, loaded from its build folder, driven against mocked host services.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/dll/shared_library.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "mock_host_services.h"

using ::testing::_;
using ::testing::HasSubstr;
using ::testing::StrEq;

namespace {

class ReaderPluginWithMockHost : public ::testing::Test {
protected:
    void SetUp() override {
        std::filesystem::path dir = READER_PLUGIN_DIR;
        std::ifstream in(dir / "manifest.json");
        std::stringstream text;
        text << in.rdbuf();
        manifest_ = text.str();
        library_ = boost::dll::shared_library(dir / "libfpb-usb-reader-v2.so");
        entry_ = &library_.get<std::remove_pointer_t<FpbPluginEntryFn>>(FPB_PLUGIN_ENTRY_SYMBOL);
    }

    fpb::Ref<fpb::IPlugin0> create(const std::string& manifest, fpb::SdkVersion hostSdk = {FPB_SDK_VERSION_MAJOR,
                                                                                        FPB_SDK_VERSION_MINOR}) {
        fpb::HostInfo host{sizeof(fpb::HostInfo), hostSdk, "mock host", manifest.c_str(), READER_PLUGIN_DIR};
        fpb::IPlugin0* plugin = nullptr;
        lastError_ = fpb::Error::init();
        lastStatus_ = entry_(&host, &plugin, &lastError_);
        return fpb::Ref<fpb::IPlugin0>(plugin);
    }

    boost::dll::shared_library library_;
    FpbPluginEntryFn entry_ = nullptr;
    std::string manifest_;
    fpb::Error lastError_{};
    std::int32_t lastStatus_ = 0;
};

TEST_F(ReaderPluginWithMockHost, StartsLogsThroughTheHostAndRegistersItsDeviceType) {
    auto plugin = create(manifest_);
    ASSERT_TRUE(plugin) << lastError_.message;
    fpb::testing::MockHostServices host;
    EXPECT_CALL(host.logger_, log(fpb::kLogInfo, HasSubstr("started"))).Times(::testing::AtLeast(1));
    fpb::Error error = fpb::Error::init();
    ASSERT_EQ(plugin->start(&host, &error), fpb::kOk) << error.message;

    fpb::PluginInfo info{};
    info.size = sizeof info;
    ASSERT_EQ(plugin->getInfo(&info), fpb::kOk);
    EXPECT_STREQ(info.id, "org.fpbridge.usb-fingerprint-reader-v2");
    ASSERT_EQ(plugin->deviceTypeCount(), 1u);
    fpb::DeviceTypeInfo type{};
    type.size = sizeof type;
    ASSERT_EQ(plugin->getDeviceType(0, &type), fpb::kOk);
    EXPECT_STREQ(type.displayName, "USB Fingerprint Reader (V2)");
    EXPECT_NE(plugin->getDeviceType(1, &type), fpb::kOk);

    void* observer = plugin->queryInterface(fpb::IUserRecordObserver0::kInterfaceId);
    ASSERT_NE(observer, nullptr);
    static_cast<fpb::IUserRecordObserver0*>(observer)->releaseRef();
    plugin->stop();
}

TEST_F(ReaderPluginWithMockHost, RefusesAHostWithAnOlderSdkMinorOrAnotherMajor) {
    EXPECT_FALSE(create(manifest_, {FPB_SDK_VERSION_MAJOR + 1, 0}));
    EXPECT_EQ(lastStatus_, fpb::kErrorIncompatible);
    EXPECT_THAT(lastError_.message, HasSubstr("needs SDK"));
}

TEST_F(ReaderPluginWithMockHost, AManifestWithoutUsbIdsFailsStartUpWithAClearReason) {
    auto plugin = create(R"({"id":"org.fpbridge.usb-fingerprint-reader-v2"})");
    ASSERT_TRUE(plugin);
    fpb::testing::MockHostServices host;
    fpb::Error error = fpb::Error::init();
    EXPECT_EQ(plugin->start(&host, &error), fpb::kErrorInvalidArgument);
    EXPECT_THAT(error.message, HasSubstr("usb_ids"));
}

TEST_F(ReaderPluginWithMockHost, NoExceptionEscapesEvenOnGarbageManifest) {
    auto plugin = create("this is not json");
    ASSERT_TRUE(plugin);
    fpb::testing::MockHostServices host;
    fpb::Error error = fpb::Error::init();
    EXPECT_NE(plugin->start(&host, &error), fpb::kOk);
    EXPECT_THAT(error.message, HasSubstr("start-up failed"));
}

} // namespace
