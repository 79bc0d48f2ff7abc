// SPDX-License-Identifier: GPL-2.0-or-later
// fpb-host plugins [--json] | plugins verify PATH
#include <iostream>
#include <nlohmann/json.hpp>

#include "host_context.h"
#include "host_main.h"

namespace fpb::host {

namespace {

nlohmann::json pluginsJson(PluginLoader& loader) {
    nlohmann::json out = {{"loaded", nlohmann::json::array()}, {"refused", nlohmann::json::array()}};
    for (const auto& p : loader.loaded()) {
        nlohmann::json types = nlohmann::json::array();
        for (const auto& t : p->deviceTypes) types.push_back({{"id", t.id}, {"display_name", t.displayName}});
        out["loaded"].push_back({{"id", p->manifest.id},
                                 {"display_name", p->manifest.displayName},
                                 {"vendor", p->manifest.vendor},
                                 {"version", p->manifest.version},
                                 {"sdk_version", std::to_string(p->info.sdk.major) + "." + std::to_string(p->info.sdk.minor)},
                                 {"directory", p->directory.string()},
                                 {"capabilities", p->manifest.capabilities},
                                 {"device_types", types}});
    }
    for (const auto& r : loader.refused())
        out["refused"].push_back({{"id", r.pluginId}, {"directory", r.directory.string()}, {"reason", r.reason}});
    return out;
}

void printPlugins(PluginLoader& loader) {
    std::cout << "Plugins loaded: " << loader.loaded().size() << "\n";
    for (const auto& p : loader.loaded()) {
        std::cout << "  " << p->manifest.id << " " << p->manifest.version << "  \"" << p->manifest.displayName
                  << "\" by " << p->manifest.vendor << "\n";
        for (const auto& t : p->deviceTypes) std::cout << "      device type: " << t.displayName << "\n";
    }
    if (!loader.refused().empty()) {
        std::cout << "Plugins refused: " << loader.refused().size() << "\n";
        for (const auto& r : loader.refused()) std::cout << "  " << r.pluginId << ": " << r.reason << "\n";
    }
}

void installPluginCommands(CLI::App& app, HostContext& context) {
    auto* plugins = app.add_subcommand("plugins", "List loaded and refused plugins, or verify a plugin folder");
    static bool jsonFlag = false;
    bool* json = &jsonFlag;
    plugins->add_flag("--json", *json, "Print JSON");
    plugins->callback([&context, json, plugins] {
        if (plugins->get_subcommands().size() > 0) return;
        auto& loader = context.plugins();
        if (*json) std::cout << pluginsJson(loader).dump(2) << "\n";
        else printPlugins(loader);
    });

    auto* verify = plugins->add_subcommand("verify", "Check a plugin folder the way the loader would, without loading it");
    static std::string pathArg;
    std::string* path = &pathArg;
    verify->add_option("PATH", *path, "Plugin folder (holding manifest.json and the library)")->required();
    verify->callback([path] {
        auto problems = verifyPluginFolder(*path);
        if (problems.empty()) {
            std::cout << *path << ": OK (manifest valid, SDK compatible, checksum matches, entry symbol exported)\n";
            return;
        }
        for (const auto& p : problems) std::cout << *path << ": " << p << "\n";
        commandExitStatus() = kExitBadInput;
    });
}

} // namespace

FPB_HOST_COMMANDS(installPluginCommands);

} // namespace fpb::host
