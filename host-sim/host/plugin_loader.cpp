// SPDX-License-Identifier: GPL-2.0-or-later
#include "plugin_loader.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/dll/library_info.hpp>
#include <boost/dll/shared_library.hpp>
#include <cstring>
#include <fstream>
#include <iterator>

#include "plugin_host_services.h"

namespace fpb::host {
namespace fs = std::filesystem;

namespace {

std::string versionText(SdkVersion v) { return std::to_string(v.major) + "." + std::to_string(v.minor); }

std::string sdkMismatch(unsigned major, unsigned minor) {
    SdkVersion host = PluginLoader::hostSdkVersion();
    if (major != host.major)
        return "it was built for SDK " + std::to_string(major) + "." + std::to_string(minor) + " but this host speaks SDK " +
               versionText(host) + " (a different major version); install a build of the plugin for SDK " +
               std::to_string(host.major) + ".x";
    return "it needs SDK " + std::to_string(major) + "." + std::to_string(minor) + " but this host only has SDK " +
           versionText(host) + "; update the host, or install an older build of the plugin";
}

/// The dynamic symbols a 64-bit little-endian ELF file exports (defined, global or weak).
/// Boost.DLL's library_info reads only the full symbol table, which `strip` removes from installed
/// plugins; the dynamic table that the loader itself uses always remains.
std::vector<std::string> exportedDynamicSymbols(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto read = [&](std::size_t offset, std::size_t size) -> const char* {
        if (offset > bytes.size() || size > bytes.size() - offset) throw std::runtime_error("truncated ELF file");
        return bytes.data() + offset;
    };
    std::vector<std::string> out;
    if (bytes.size() < 64 || std::memcmp(bytes.data(), "\x7f" "ELF", 4) != 0 || bytes[4] != 2 || bytes[5] != 1)
        return out;  // not a 64-bit little-endian ELF file: nothing found
    auto u16 = [&](std::size_t o) { std::uint16_t v; std::memcpy(&v, read(o, 2), 2); return v; };
    auto u32 = [&](std::size_t o) { std::uint32_t v; std::memcpy(&v, read(o, 4), 4); return v; };
    auto u64 = [&](std::size_t o) { std::uint64_t v; std::memcpy(&v, read(o, 8), 8); return v; };
    std::uint64_t shoff = u64(0x28);
    std::uint16_t shentsize = u16(0x3A), shnum = u16(0x3C);
    for (std::uint16_t i = 0; i < shnum; ++i) {
        std::size_t sh = static_cast<std::size_t>(shoff) + static_cast<std::size_t>(i) * shentsize;
        if (u32(sh + 4) != 11) continue;  // SHT_DYNSYM
        std::uint64_t symOffset = u64(sh + 0x18), symSize = u64(sh + 0x20), entSize = u64(sh + 0x38);
        std::uint32_t link = u32(sh + 0x28);
        std::size_t strSection = static_cast<std::size_t>(shoff) + static_cast<std::size_t>(link) * shentsize;
        std::uint64_t strOffset = u64(strSection + 0x18), strSize = u64(strSection + 0x20);
        if (entSize < 24) break;
        for (std::uint64_t s = 0; s + entSize <= symSize; s += entSize) {
            std::size_t sym = static_cast<std::size_t>(symOffset + s);
            std::uint32_t name = u32(sym);
            unsigned char info = static_cast<unsigned char>(*read(sym + 4, 1));
            std::uint16_t shndx = u16(sym + 6);
            int binding = info >> 4;
            if (shndx == 0 || (binding != 1 && binding != 2) || name >= strSize) continue;
            const char* text = read(static_cast<std::size_t>(strOffset + name), 1);
            out.emplace_back(text, strnlen(text, static_cast<std::size_t>(strSize - name)));
        }
    }
    return out;
}

/// Runs through every check that needs no plugin code; returns the manifest or throws with the reason.
struct StaticCheck {
    PluginManifest manifest;
    fs::path library;
};

StaticCheck checkWithoutLoading(const fs::path& folder) {
    fs::path manifestFile = folder / "manifest.json";
    if (!fs::exists(manifestFile))
        throw ManifestError("no manifest.json in the plugin folder; reinstall the plugin");
    StaticCheck check{PluginManifest::load(manifestFile), {}};
    const PluginManifest& m = check.manifest;
    if (!sdkCompatible(PluginLoader::hostSdkVersion(), SdkVersion{m.sdkMajor, m.sdkMinor}))
        throw ManifestError("refused: " + sdkMismatch(m.sdkMajor, m.sdkMinor));
    check.library = folder / m.library;
    if (!fs::is_regular_file(check.library))
        throw ManifestError("library " + m.library + " named in the manifest is missing; reinstall the plugin");
    std::string actual = sha256File(check.library);
    if (actual != m.librarySha256)
        throw ManifestError("library " + m.library + " does not match the manifest's checksum (expected " +
                            m.librarySha256.substr(0, 12) + "..., found " + actual.substr(0, 12) +
                            "...): the file was modified or damaged; reinstall the plugin from its package");
    try {
        boost::dll::library_info info(check.library);
        std::vector<std::string> symbols = info.symbols();
        if (std::find(symbols.begin(), symbols.end(), m.entrySymbol) == symbols.end())
            symbols = exportedDynamicSymbols(check.library);  // a stripped library
        if (std::find(symbols.begin(), symbols.end(), m.entrySymbol) == symbols.end())
            throw ManifestError("library " + m.library + " does not export the entry symbol \"" + m.entrySymbol +
                                "\" named in the manifest; build it with the SDK's entry declaration (extern \"C\", "
                                "default visibility) or correct \"entry_symbol\"");
    } catch (const ManifestError&) {
        throw;
    } catch (const std::exception& e) {
        throw ManifestError("library " + m.library + " is not a readable shared library (" + e.what() +
                            "); reinstall the plugin");
    }
    return check;
}

template <std::size_t N>
std::string fieldText(const char (&field)[N]) {
    return std::string(field, strnlen(field, N));
}

} // namespace

LoadedPlugin::~LoadedPlugin() {
    if (started && plugin) {
        try {
            plugin->stop();
        } catch (...) {
        }
    }
}

PluginLoader::PluginLoader(ServicesFactory makeServices) : makeServices_(std::move(makeServices)) {}

PluginLoader::~PluginLoader() { stopAll(); }

void PluginLoader::loadAll(const fs::path& pluginDir) {
    if (!fs::is_directory(pluginDir)) {
        refused_.push_back({pluginDir, "(none)",
                            "plugin directory " + pluginDir.string() +
                                " does not exist; install a plugin there or pass --plugin-dir / FPB_PLUGIN_DIR"});
        return;
    }
    std::vector<fs::path> folders;
    for (const auto& entry : fs::directory_iterator(pluginDir))
        if (entry.is_directory()) folders.push_back(entry.path());
    std::sort(folders.begin(), folders.end());
    for (const auto& folder : folders) loadOne(folder);
}

std::shared_ptr<LoadedPlugin> PluginLoader::loadOne(const fs::path& folder) {
    std::string name = folder.filename().string();
    auto refuse = [&](const std::string& reason) -> std::shared_ptr<LoadedPlugin> {
        refused_.push_back({folder, name, reason});
        spdlog::warn("plugin {} refused: {}", name, reason);
        return nullptr;
    };

    StaticCheck check;
    try {
        check = checkWithoutLoading(folder);
    } catch (const std::exception& e) {
        // The manifest may have been readable even if a later check failed: use its id.
        try {
            name = PluginManifest::load(folder / "manifest.json").id;
        } catch (...) {
        }
        return refuse(e.what());
    }
    name = check.manifest.id;

    auto plugin = std::make_shared<LoadedPlugin>();
    plugin->directory = folder;
    plugin->manifest = check.manifest;
    std::shared_ptr<boost::dll::shared_library> library;
    try {
        library = std::make_shared<boost::dll::shared_library>(check.library, boost::dll::load_mode::rtld_now |
                                                                                  boost::dll::load_mode::rtld_local);
    } catch (const std::exception& e) {
        return refuse(std::string("the library could not be loaded: ") + e.what() +
                      "; install the libraries it needs (see `ldd`) or reinstall the plugin");
    }

    IPlugin0* raw = nullptr;
    Error error = Error::init();
    std::int32_t rc = kErrorGeneric;
    try {
        auto entry = library->get<std::remove_pointer_t<FpbPluginEntryFn>>(check.manifest.entrySymbol);
        HostInfo host{sizeof(HostInfo), hostSdkVersion(), "fpb-host " FPB_HOST_VERSION, check.manifest.rawJson.c_str(),
                      folder.c_str()};
        rc = entry(&host, &raw, &error);
    } catch (const std::exception& e) {
        return refuse(std::string("the plugin threw an exception from its entry function (") + e.what() +
                      "); plugins must return errors, not throw: report this to the plugin's vendor");
    } catch (...) {
        return refuse("the plugin threw an exception from its entry function; plugins must return errors, not throw: "
                      "report this to the plugin's vendor");
    }
    if (rc != kOk || raw == nullptr) {
        std::string message = error.message[0] != '\0' ? error.message : "no message";
        return refuse("the plugin refused to start (code " + std::to_string(rc) + ": " + message + ")");
    }
    plugin->plugin = PluginObject<IPlugin0>(library, raw);

    try {
        plugin->info = PluginInfo{};
        plugin->info.size = sizeof(PluginInfo);
        plugin->plugin->getInfo(&plugin->info);
        if (!sdkCompatible(hostSdkVersion(), plugin->info.sdk))
            return refuse("refused: the library reports that " + sdkMismatch(plugin->info.sdk.major, plugin->info.sdk.minor) +
                          " (its manifest says " + std::to_string(check.manifest.sdkMajor) + "." +
                          std::to_string(check.manifest.sdkMinor) + ")");
        if (fieldText(plugin->info.id) != check.manifest.id)
            return refuse("the library reports id \"" + fieldText(plugin->info.id) + "\" but its manifest says \"" +
                          check.manifest.id + "\"; the manifest belongs to another plugin: reinstall it");
        for (std::uint32_t i = 0, n = plugin->plugin->deviceTypeCount(); i < n && i < 64; ++i) {
            DeviceTypeInfo type{};
            type.size = sizeof type;
            if (plugin->plugin->getDeviceType(i, &type) == kOk) plugin->deviceTypes.push_back(type);
        }
        plugin->services = makeServices_(check.manifest);
        Error startError = Error::init();
        std::int32_t started = plugin->plugin->start(plugin->services.get(), &startError);
        if (started != kOk)
            return refuse("start-up failed (code " + std::to_string(started) + "): " +
                          (startError.message[0] ? startError.message : "no message"));
        plugin->started = true;
    } catch (const std::exception& e) {
        return refuse(std::string("the plugin threw an exception while starting (") + e.what() +
                      "); plugins must return errors, not throw: report this to the plugin's vendor");
    } catch (...) {
        return refuse("the plugin threw an exception while starting; plugins must return errors, not throw: report "
                      "this to the plugin's vendor");
    }
    spdlog::info("plugin {} {} loaded from {}", check.manifest.id, check.manifest.version, folder.string());
    loaded_.push_back(plugin);
    return plugin;
}

void PluginLoader::stopAll() {
    for (auto it = loaded_.rbegin(); it != loaded_.rend(); ++it) {
        auto& p = **it;
        if (p.started && p.plugin) {
            try {
                p.plugin->stop();
            } catch (...) {
                spdlog::error("plugin {} threw while stopping", p.manifest.id);
            }
            p.started = false;
        }
    }
}

std::vector<std::string> verifyPluginFolder(const fs::path& folder) {
    try {
        checkWithoutLoading(folder);
        return {};
    } catch (const std::exception& e) {
        return {e.what()};
    }
}

} // namespace fpb::host
