// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace fpb::host {

/// Where fpb-host keeps things and how it behaves. Each setting is resolved in this order:
/// command-line flag, environment variable, config file (JSON), default.
struct HostConfig {
    std::filesystem::path dataDir;     ///< FPB_DATA_DIR; default $XDG_DATA_HOME/fpbridge or ~/.local/share/fpbridge
    std::filesystem::path configFile;  ///< FPB_CONFIG; default <dataDir>/config.json (optional file)
    std::filesystem::path pluginDir;   ///< FPB_PLUGIN_DIR; default <executable>/../lib/fpbridge/plugins
    std::string logLevel = "info";     ///< FPB_LOG_LEVEL: trace, debug, info, warn, error
    int maxFingersPerUser = 3;         ///< config "max_fingers_per_user"
    int webPort = 8443;                ///< config "web_port"; never 80 or 8080
    std::string webBind = "127.0.0.1"; ///< config "web_bind"
    std::string privacyNotice;         ///< config "privacy_notice": shown before the first press

    // Operator security (see plugin/docs/security.md).
    int lockoutThreshold = 5;             ///< config "lockout_threshold": failed logins in a row before a lockout
    int lockoutSeconds = 900;             ///< config "lockout_seconds"
    int passwordMaxAgeDays = 90;          ///< config "password_max_age_days": older passwords must be changed
    int sessionIdleSeconds = 900;         ///< config "session_idle_seconds": a session unused this long ends
    int sessionLifetimeSeconds = 43200;   ///< config "session_lifetime_seconds": and ends this long after login
    bool webHttps = true;                 ///< config "web_https": false only behind a TLS-terminating proxy on loopback
    std::filesystem::path webCertificate; ///< config "web_certificate" (PEM); default: generated on first run
    std::filesystem::path webPrivateKey;  ///< config "web_private_key" (PEM)
    std::vector<std::string> webAllowedAddresses{"127.0.0.1", "::1"}; ///< config "web_allowed_addresses": IPs or CIDRs
    int controllerPasswordRotationDays = 90; ///< config "controller_password_rotation_days"

    std::filesystem::path databaseFile() const { return dataDir / "fpbridge.db"; }
    std::filesystem::path logDir() const { return dataDir / "logs"; }
    std::filesystem::path keyFile() const { return dataDir / "keys" / "master.key"; }
    std::filesystem::path webTlsDir() const { return dataDir / "web-tls"; }
    /// The command line's session token (mode 0600), one per OS user.
    std::filesystem::path cliSessionFile() const;
    std::filesystem::path pluginDataDir(const std::string& pluginId) const { return dataDir / "plugins" / pluginId; }
};

/// Flags as given on the command line (empty = not given).
struct ConfigOverrides {
    std::string dataDir;
    std::string configFile;
    std::string pluginDir;
    std::string logLevel;
};

/// Resolves the configuration. Throws std::runtime_error with a clear message when the config
/// file exists but is malformed or holds a forbidden value.
HostConfig resolveConfig(const ConfigOverrides& flags);

/// The directory of the running executable (from /proc/self/exe).
std::filesystem::path executableDir();

} // namespace fpb::host
