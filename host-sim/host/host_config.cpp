// SPDX-License-Identifier: GPL-2.0-or-later
#include "host_config.h"

#include <unistd.h>

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
    auto positive = [&](const char* key, int fallback) {
        int value = fileInt(key, fallback);
        if (value < 1) throw std::runtime_error(std::string("config file: \"") + key + "\" must be at least 1");
        return value;
    };
    config.lockoutThreshold = positive("lockout_threshold", 5);
    config.lockoutSeconds = positive("lockout_seconds", 900);
    config.passwordMaxAgeDays = positive("password_max_age_days", 90);
    config.sessionIdleSeconds = positive("session_idle_seconds", 900);
    config.sessionLifetimeSeconds = positive("session_lifetime_seconds", 43200);
    config.controllerPasswordRotationDays = positive("controller_password_rotation_days", 90);
    if (file.contains("web_https")) {
        if (!file["web_https"].is_boolean())
            throw std::runtime_error("config file " + config.configFile.string() + ": \"web_https\" must be true or false");
        config.webHttps = file["web_https"].get<bool>();
    }
    std::string certificate = fileString("web_certificate", ""), key = fileString("web_private_key", "");
    if (certificate.empty() != key.empty())
        throw std::runtime_error("config file: \"web_certificate\" and \"web_private_key\" go together; give both or neither");
    if (!certificate.empty()) {
        config.webCertificate = fs::absolute(certificate);
        config.webPrivateKey = fs::absolute(key);
    }
    if (file.contains("web_allowed_addresses")) {
        const auto& list = file["web_allowed_addresses"];
        if (!list.is_array() || list.empty())
            throw std::runtime_error("config file: \"web_allowed_addresses\" must be a non-empty list of IP addresses or "
                                     "CIDR ranges, e.g. [\"127.0.0.1\", \"10.1.2.0/24\"]");
        config.webAllowedAddresses.clear();
        for (const auto& entry : list) {
            if (!entry.is_string())
                throw std::runtime_error("config file: every entry of \"web_allowed_addresses\" must be a string");
            config.webAllowedAddresses.push_back(entry.get<std::string>());
        }
    }
    return config;
}

std::filesystem::path HostConfig::cliSessionFile() const {
    return dataDir / "sessions" / ("cli-" + std::to_string(::getuid()));
}

} // namespace fpb::host
