// SPDX-License-Identifier: GPL-2.0-or-later
// fpb-host plugins [--json] | plugins verify PATH
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <stdlib.h>
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
    setCommandAccess("plugins", {true, Permission::View});
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
    setCommandAccess("plugins verify", {true, Permission::View});
    static std::string pathArg;
    std::string* path = &pathArg;
    verify->add_option("PATH", *path, "Plugin folder (manifest.json and library), or a .deb / .tar.gz package")->required();
    verify->callback([path] {
        namespace fs = std::filesystem;
        // A package (.deb, .tar.gz/.tgz) is unpacked into a temporary folder and every plugin in it checked.
        std::vector<fs::path> folders;
        fs::path unpacked;
        std::string p = *path;
        auto endsWith = [&](const std::string& suffix) {
            return p.size() >= suffix.size() && p.compare(p.size() - suffix.size(), suffix.size(), suffix) == 0;
        };
        if (fs::is_regular_file(p) && (endsWith(".deb") || endsWith(".tar.gz") || endsWith(".tgz"))) {
            char pattern[] = "/tmp/fpb-verify-XXXXXX";
            if (::mkdtemp(pattern) == nullptr) throw std::runtime_error("cannot create a temporary folder to unpack " + p);
            unpacked = pattern;
            std::string command = endsWith(".deb") ? "dpkg-deb -x '" + p + "' '" + unpacked.string() + "'"
                                                   : "tar -xzf '" + p + "' -C '" + unpacked.string() + "'";
            if (std::system(command.c_str()) != 0) {
                fs::remove_all(unpacked);
                throw UserInputError(p + " could not be unpacked: is it a complete package?");
            }
            for (const auto& e : fs::recursive_directory_iterator(unpacked))
                if (e.path().filename() == "manifest.json") folders.push_back(e.path().parent_path());
            if (folders.empty()) {
                fs::remove_all(unpacked);
                throw UserInputError(p + " holds no plugin (no manifest.json inside)");
            }
        } else {
            folders.push_back(p);
        }
        for (const auto& folder : folders) {
            std::string shown = unpacked.empty() ? folder.string() : p + ": " + fs::relative(folder, unpacked).string();
            auto problems = verifyPluginFolder(folder);
            if (problems.empty())
                std::cout << shown << ": OK (manifest valid, SDK compatible, checksum matches, entry symbol exported)\n";
            for (const auto& problem : problems) std::cout << shown << ": " << problem << "\n";
            if (!problems.empty()) commandExitStatus() = kExitBadInput;
        }
        if (!unpacked.empty()) fs::remove_all(unpacked);
    });
}

} // namespace

FPB_HOST_COMMANDS(installPluginCommands);

} // namespace fpb::host
