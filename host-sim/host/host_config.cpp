// SPDX-License-Identifier: GPL-2.0-or-later
#include "host_config.h"

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace fpb::host {
namespace fs = std::filesystem;

namespace {

std::string envOr(const char* name, const std::string& fallback) {
    const char* v = std::getenv(name);
    return (v != nullptr && *v != '\0') ? std::string(v) : fallback;
}

fs::path defaultDataDir() {
    if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg != nullptr && *xdg != '\0') return fs::path(xdg) / "fpbridge";
    if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0')
        return fs::path(home) / ".local" / "share" / "fpbridge";
    return fs::current_path() / "fpbridge-data";
}

} // namespace

fs::path executableDir() {
    std::error_code ec;
    fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    return ec ? fs::current_path() : exe.parent_path();
}

HostConfig resolveConfig(const ConfigOverrides& flags) {
    HostConfig config;
    config.dataDir = !flags.dataDir.empty() ? fs::path(flags.dataDir) : fs::path(envOr("FPB_DATA_DIR", defaultDataDir().string()));
    config.dataDir = fs::absolute(config.dataDir);
    config.configFile = !flags.configFile.empty() ? fs::path(flags.configFile)
                                                  : fs::path(envOr("FPB_CONFIG", (config.dataDir / "config.json").string()));

    nlohmann::json file = nlohmann::json::object();
    if (fs::exists(config.configFile)) {
        std::ifstream in(config.configFile);
        try {
            file = nlohmann::json::parse(in);
        } catch (const nlohmann::json::parse_error& e) {
            throw std::runtime_error("config file " + config.configFile.string() + " is not valid JSON (" + e.what() +
                                     "); fix it or remove it to use the defaults");
        }
        if (!file.is_object())
            throw std::runtime_error("config file " + config.configFile.string() + " must hold a JSON object");
    } else if (!flags.configFile.empty()) {
        throw std::runtime_error("config file " + config.configFile.string() + " does not exist; check the --config path");
    }

    auto fileString = [&](const char* key, const std::string& fallback) {
        if (!file.contains(key)) return fallback;
        if (!file[key].is_string())
            throw std::runtime_error("config file " + config.configFile.string() + ": \"" + key + "\" must be a string");
        return file[key].get<std::string>();
    };
    auto fileInt = [&](const char* key, int fallback) {
        if (!file.contains(key)) return fallback;
        if (!file[key].is_number_integer())
            throw std::runtime_error("config file " + config.configFile.string() + ": \"" + key + "\" must be an integer");
        return file[key].get<int>();
    };

    std::string pluginDir = !flags.pluginDir.empty() ? flags.pluginDir
                                                    : envOr("FPB_PLUGIN_DIR", fileString("plugin_dir", ""));
    config.pluginDir = pluginDir.empty() ? (executableDir().parent_path() / "lib" / "fpbridge" / "plugins")
                                         : fs::absolute(pluginDir);
    config.logLevel = !flags.logLevel.empty() ? flags.logLevel : envOr("FPB_LOG_LEVEL", fileString("log_level", "info"));
    config.maxFingersPerUser = fileInt("max_fingers_per_user", 3);
    if (config.maxFingersPerUser < 1 || config.maxFingersPerUser > 10)
        throw std::runtime_error("config file: \"max_fingers_per_user\" must be between 1 and 10");
    config.webPort = fileInt("web_port", std::atoi(envOr("FPB_WEB_PORT", "8443").c_str()));
    if (config.webPort == 80 || config.webPort == 8080 || config.webPort < 1025 || config.webPort > 65535)
        throw std::runtime_error("web port " + std::to_string(config.webPort) +
                                 " is not allowed: use a non-default port between 1025 and 65535 (not 8080)");
    config.webBind = fileString("web_bind", "127.0.0.1");
    config.privacyNotice = fileString(
        "privacy_notice",
        "Your fingerprint is biometric personal data. It is used only to open the doors of this site, stored "
        "encrypted, sent only to this site's door controllers, and erased when you leave or ask for it. "
        "Contact the site's data protection officer with any question.");
    return config;
}

} // namespace fpb::host
