// SPDX-License-Identifier: GPL-2.0-or-later
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "host_config.h"

namespace fs = std::filesystem;
using namespace fpb::host;

namespace {

class ConfigTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("fpb-config-" + std::to_string(::getpid()));
        fs::create_directories(dir_);
        for (const char* v : {"FPB_DATA_DIR", "FPB_CONFIG", "FPB_PLUGIN_DIR", "FPB_LOG_LEVEL", "FPB_WEB_PORT"}) ::unsetenv(v);
    }
    void TearDown() override { fs::remove_all(dir_); }
    fs::path dir_;
};

TEST_F(ConfigTest, FlagsBeatEnvironmentWhichBeatsTheFileWhichBeatsDefaults) {
    ::setenv("HOME", dir_.c_str(), 1);
    ::unsetenv("XDG_DATA_HOME");
    auto defaults = resolveConfig({});
    EXPECT_EQ(defaults.dataDir, dir_ / ".local" / "share" / "fpbridge");
    EXPECT_EQ(defaults.pluginDir, executableDir().parent_path() / "lib" / "fpbridge" / "plugins");
    EXPECT_EQ(defaults.webPort, 8443);

    std::ofstream(dir_ / "config.json") << R"({"log_level": "debug", "plugin_dir": "/from/file", "max_fingers_per_user": 2})";
    ::setenv("FPB_CONFIG", (dir_ / "config.json").c_str(), 1);
    auto fromFile = resolveConfig({});
    EXPECT_EQ(fromFile.logLevel, "debug");
    EXPECT_EQ(fromFile.pluginDir, "/from/file");
    EXPECT_EQ(fromFile.maxFingersPerUser, 2);

    ::setenv("FPB_PLUGIN_DIR", "/from/env", 1);
    EXPECT_EQ(resolveConfig({}).pluginDir, "/from/env");
    ConfigOverrides flags;
    flags.pluginDir = "/from/flag";
    flags.dataDir = (dir_ / "data").string();
    auto fromFlags = resolveConfig(flags);
    EXPECT_EQ(fromFlags.pluginDir, "/from/flag");
    EXPECT_EQ(fromFlags.dataDir, dir_ / "data");
    ::unsetenv("FPB_PLUGIN_DIR");
    ::unsetenv("FPB_CONFIG");
}

TEST_F(ConfigTest, MalformedConfigAndForbiddenPortsAreClearErrors) {
    std::ofstream(dir_ / "bad.json") << "{ not json";
    ConfigOverrides flags;
    flags.configFile = (dir_ / "bad.json").string();
    try {
        resolveConfig(flags);
        FAIL();
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("is not valid JSON"), std::string::npos);
    }
    for (int port : {80, 8080, 443}) {
        std::ofstream(dir_ / "port.json") << "{\"web_port\": " << port << "}";
        flags.configFile = (dir_ / "port.json").string();
        EXPECT_THROW(resolveConfig(flags), std::runtime_error) << port;
    }
    flags.configFile = (dir_ / "missing.json").string();
    EXPECT_THROW(resolveConfig(flags), std::runtime_error);
}

} // namespace
