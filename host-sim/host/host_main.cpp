// SPDX-License-Identifier: GPL-2.0-or-later
#include "host_main.h"

#include <spdlog/spdlog.h>

#include <iostream>

#include "command_login.h"
#include "emulated_reader.h"
#include "emulated_world.h"
#include "host_context.h"
#include "host_logging.h"

namespace fpb::host {

int& commandExitStatus() {
    static int status = kExitOk;
    return status;
}

int runHost(int argc, char** argv) {
    // Emulated readers need the umockdev preload before anything touches USB: restart under it now.
    if (commandLineWantsEmulation(argc, argv) && !emulation::ensureUmockdevPreload(argc, argv)) return kExitFailure;
    CLI::App app{"fpb-host: user records, fingerprint readers and door controllers (host simulator)"};
    app.require_subcommand(1);
    ConfigOverrides flags;
    app.add_option("--data-dir", flags.dataDir, "Data directory (env FPB_DATA_DIR; default ~/.local/share/fpbridge)");
    app.add_option("--config", flags.configFile, "Config file, JSON (env FPB_CONFIG; default <data-dir>/config.json)");
    app.add_option("--plugin-dir", flags.pluginDir,
                   "Plugin directory (env FPB_PLUGIN_DIR; default <fpb-host>/../lib/fpbridge/plugins)");
    app.add_option("--log-level", flags.logLevel, "trace, debug, info, warn or error (env FPB_LOG_LEVEL)");

    // Commands are installed before the configuration is known; they reach it through the context,
    // which is filled in by the parse callback below before any command runs.
    HostConfig placeholder;
    HostContext deferred(placeholder);
    for (auto installer : hostCommandInstallers()) installer(app, deferred);

    app.parse_complete_callback([&] {
        try {
            deferred.config() = resolveConfig(flags);
        } catch (const std::exception& e) {
            throw CLI::ValidationError("configuration", e.what());
        }
        setUpLogging(deferred.config().logDir(), deferred.config().logLevel);
        authoriseCommand(deferred, chosenCommandPath(app));
    });

    commandExitStatus() = kExitOk;
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    } catch (const AccessDenied& e) {
        std::cerr << "error: " << e.what() << "\n";
        return kExitDenied;
    } catch (const UserInputError& e) {
        std::cerr << "error: " << e.what() << "\n";
        return kExitBadInput;
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << "\n";
        spdlog::error("{}", e.what());
        return kExitFailure;
    }
    return commandExitStatus();
}

} // namespace fpb::host
