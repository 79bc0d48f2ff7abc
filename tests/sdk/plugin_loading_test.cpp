// SPDX-License-Identifier: GPL-2.0-or-later
// The host loads good plugins and refuses each broken one with its own clear reason, and keeps working.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "host_context.h"

namespace fs = std::filesystem;
using fpb::host::HostConfig;
using fpb::host::HostContext;
using fpb::host::PluginRefusal;

namespace {

class PluginLoadingTest : public ::testing::Test {
protected:
    void SetUp() override {
        root_ = fs::temp_directory_path() / ("fpb-loading-" + std::to_string(::getpid()) + "-" +
                                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(root_);
        fs::create_directories(root_ / "plugins");
        config_.dataDir = root_ / "data";
        config_.pluginDir = root_ / "plugins";
        ::setenv("FPB_MASTER_KEY", std::string(64, 'a').c_str(), 1);
    }
    void TearDown() override { fs::remove_all(root_); }

    nlohmann::json manifestFor(const std::string& name, const fs::path& library) {
        return {{"id", "org.fpbridge.test." + name},
                {"display_name", "Test " + name},
                {"vendor", "tests"},
                {"version", "1.0.0"},
                {"sdk_version", "1.0"},
                {"library", library.filename().string()},
                {"library_sha256", fpb::host::sha256File(library)},
                {"entry_symbol", "fpbridge_plugin_entry"},
                {"capabilities", {"enroll"}},
                {"some_future_field", {{"ignored", true}}}};
    }

    fs::path install(const std::string& folder, const fs::path& library, const nlohmann::json& manifest) {
        fs::path dir = root_ / "plugins" / folder;
        fs::create_directories(dir);
        fs::copy_file(library, dir / library.filename(), fs::copy_options::overwrite_existing);
        std::ofstream(dir / "manifest.json") << manifest.dump(2);
        return dir;
    }

    const PluginRefusal* refusalFor(HostContext& host, const std::string& folder) {
        for (const auto& r : host.plugins().refused())
            if (r.directory.filename() == folder) return &r;
        return nullptr;
    }

    fs::path root_;
    HostConfig config_;
};

TEST_F(PluginLoadingTest, LoadsTheGoodPluginAndRefusesEachBrokenOneWithItsOwnReason) {
    install("a-good", TEST_PLUGIN_good, manifestFor("good", TEST_PLUGIN_good));
    install("b-startfails", TEST_PLUGIN_startfails, manifestFor("startfails", TEST_PLUGIN_startfails));
    install("c-entrythrows", TEST_PLUGIN_entrythrows, manifestFor("entrythrows", TEST_PLUGIN_entrythrows));
    install("d-startthrows", TEST_PLUGIN_startthrows, manifestFor("startthrows", TEST_PLUGIN_startthrows));
    install("e-noentry", TEST_PLUGIN_noentry, manifestFor("noentry", TEST_PLUGIN_noentry));
    install("f-sdkmajor2-reported", TEST_PLUGIN_sdkmajor2, manifestFor("sdkmajor2", TEST_PLUGIN_sdkmajor2));
    auto wrongMajor = manifestFor("good", TEST_PLUGIN_good);
    wrongMajor["sdk_version"] = "2.0";
    install("g-sdkmajor2-manifest", TEST_PLUGIN_good, wrongMajor);
    auto newerMinor = manifestFor("good", TEST_PLUGIN_good);
    newerMinor["sdk_version"] = "1.99";
    install("h-sdkminor-newer", TEST_PLUGIN_good, newerMinor);
    fs::path tampered = install("i-tampered", TEST_PLUGIN_good, manifestFor("good", TEST_PLUGIN_good));
    {
        std::ofstream append(tampered / fs::path(TEST_PLUGIN_good).filename(), std::ios::app | std::ios::binary);
        append << "tampered";
    }
    fs::path malformed = install("j-malformed", TEST_PLUGIN_good, manifestFor("good", TEST_PLUGIN_good));
    std::ofstream(malformed / "manifest.json") << "{ \"id\": \"org.fpbridge.test.good\", ";
    auto incomplete = manifestFor("good", TEST_PLUGIN_good);
    incomplete.erase("entry_symbol");
    install("k-incomplete", TEST_PLUGIN_good, incomplete);
    fs::path missingLib = install("l-missinglib", TEST_PLUGIN_good, manifestFor("good", TEST_PLUGIN_good));
    fs::remove(missingLib / fs::path(TEST_PLUGIN_good).filename());
    fs::create_directories(root_ / "plugins" / "m-nomanifest");

    HostContext host(config_);
    auto& loader = host.plugins();
    ASSERT_EQ(loader.loaded().size(), 1u);
    EXPECT_EQ(loader.loaded()[0]->manifest.id, "org.fpbridge.test.good");
    ASSERT_EQ(loader.loaded()[0]->deviceTypes.size(), 1u);
    EXPECT_STREQ(loader.loaded()[0]->deviceTypes[0].displayName, "Test Reader");
    EXPECT_EQ(loader.refused().size(), 12u);

    struct Expect {
        std::string folder;
        std::string reasonPart;
    };
    const std::string kMinor = std::to_string(FPB_SDK_VERSION_MINOR);
    const Expect expectations[] = {
        {"b-startfails", "start-up failed (code 5): license file missing: copy license.dat next to the plugin"},
        {"c-entrythrows", "threw an exception from its entry function (boom in entry)"},
        {"d-startthrows", "threw an exception while starting (boom in start)"},
        {"e-noentry", "does not export the entry symbol \"fpbridge_plugin_entry\""},
        {"f-sdkmajor2-reported", "built for SDK 2." + kMinor + " but this host speaks SDK 1." + kMinor + " (a different major version)"},
        {"g-sdkmajor2-manifest", "built for SDK 2.0 but this host speaks SDK 1." + kMinor},
        {"h-sdkminor-newer", "needs SDK 1.99 but this host only has SDK 1." + kMinor},
        {"i-tampered", "does not match the manifest's checksum"},
        {"j-malformed", "manifest is not valid JSON"},
        {"k-incomplete", "missing the required field \"entry_symbol\""},
        {"l-missinglib", "named in the manifest is missing"},
        {"m-nomanifest", "no manifest.json"},
    };
    for (const auto& e : expectations) {
        const PluginRefusal* r = refusalFor(host, e.folder);
        ASSERT_NE(r, nullptr) << e.folder << " was not refused";
        EXPECT_NE(r->reason.find(e.reasonPart), std::string::npos) << e.folder << ": " << r->reason;
    }
    // Refusals name the plugin by its manifest id when the manifest could be read.
    EXPECT_EQ(refusalFor(host, "i-tampered")->pluginId, "org.fpbridge.test.good");
    EXPECT_EQ(refusalFor(host, "m-nomanifest")->pluginId, "m-nomanifest");

    // The host keeps working after all of that.
    fpb::host::User user;
    user.id = "7";
    user.name = "Still Working";
    host.users().addUser(user);
    EXPECT_EQ(host.users().listUsers().size(), 1u);
}

TEST_F(PluginLoadingTest, TheRealReaderPluginLoadsThroughItsManifest) {
    fs::path dir = root_ / "plugins" / "usb-fingerprint-reader-v2";
    fs::copy(READER_PLUGIN_DIR, dir, fs::copy_options::recursive);
    HostContext host(config_);
    ASSERT_EQ(host.plugins().loaded().size(), 1u) << (host.plugins().refused().empty() ? "" : host.plugins().refused()[0].reason);
    const auto& plugin = host.plugins().loaded()[0];
    EXPECT_EQ(plugin->manifest.id, "org.fpbridge.usb-fingerprint-reader-v2");
    ASSERT_EQ(plugin->deviceTypes.size(), 1u);
    EXPECT_STREQ(plugin->deviceTypes[0].displayName, "USB Fingerprint Reader (V2)");
    EXPECT_TRUE(fpb::host::verifyPluginFolder(dir).empty());
}

TEST_F(PluginLoadingTest, ThePluginLibraryStaysLoadedWhileAnObjectFromItLives) {
    install("a-good", TEST_PLUGIN_good, manifestFor("good", TEST_PLUGIN_good));
    fpb::host::PluginObject<fpb::IPlugin0> kept;
    {
        HostContext host(config_);
        ASSERT_EQ(host.plugins().loaded().size(), 1u);
        auto& object = host.plugins().loaded()[0]->plugin;
        object->addRef();
        kept = fpb::host::PluginObject<fpb::IPlugin0>(object.library(), object.get());
    }
    // The host and its loader are gone; the object's code must still be mapped.
    fpb::PluginInfo info{};
    info.size = sizeof info;
    EXPECT_EQ(kept->getInfo(&info), fpb::kOk);
    EXPECT_STREQ(info.id, "org.fpbridge.test.good");
    EXPECT_EQ(kept.library().use_count(), 1);
}

TEST_F(PluginLoadingTest, AStrippedPluginLibraryStillLoads) {
    // Installed plugins are stripped: the entry symbol is then only in the dynamic symbol table.
    fs::path dir = root_ / "plugins" / "stripped";
    fs::create_directories(dir);
    fs::path library = dir / fs::path(TEST_PLUGIN_good).filename();
    fs::copy_file(TEST_PLUGIN_good, library);
    ASSERT_EQ(std::system(("strip --strip-all '" + library.string() + "'").c_str()), 0);
    std::ofstream(dir / "manifest.json") << manifestFor("good", library).dump(2);
    EXPECT_TRUE(fpb::host::verifyPluginFolder(dir).empty());
    HostContext host(config_);
    ASSERT_EQ(host.plugins().loaded().size(), 1u) << host.plugins().refused()[0].reason;
}

TEST_F(PluginLoadingTest, VerifyReportsWhatToFixWithoutLoading) {
    fs::path dir = install("x", TEST_PLUGIN_noentry, manifestFor("noentry", TEST_PLUGIN_noentry));
    auto problems = fpb::host::verifyPluginFolder(dir);
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_NE(problems[0].find("entry symbol"), std::string::npos);
    EXPECT_TRUE(fpb::host::verifyPluginFolder(install("y", TEST_PLUGIN_good, manifestFor("good", TEST_PLUGIN_good))).empty());
}

TEST_F(PluginLoadingTest, AMissingPluginDirectoryIsReportedNotFatal) {
    config_.pluginDir = root_ / "does-not-exist";
    HostContext host(config_);
    EXPECT_TRUE(host.plugins().loaded().empty());
    ASSERT_EQ(host.plugins().refused().size(), 1u);
    EXPECT_NE(host.plugins().refused()[0].reason.find("--plugin-dir"), std::string::npos);
}

} // namespace
