// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <fpbridge/fpbridge.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "plugin_manifest.h"

namespace boost::dll { class shared_library; }

namespace fpb::host {

class PluginHostServices;

/// A reference to a plugin object that also keeps the plugin's library loaded: the object is
/// released before the library can be unloaded (members are destroyed in reverse order).
template <typename T>
class PluginObject {
public:
    PluginObject() = default;
    PluginObject(std::shared_ptr<boost::dll::shared_library> library, T* adopted)
        : library_(std::move(library)), ref_(adopted) {}
    T* operator->() const { return ref_.get(); }
    T* get() const { return ref_.get(); }
    explicit operator bool() const { return static_cast<bool>(ref_); }
    const std::shared_ptr<boost::dll::shared_library>& library() const { return library_; }

private:
    std::shared_ptr<boost::dll::shared_library> library_;
    Ref<T> ref_;
};

struct LoadedPlugin {
    std::filesystem::path directory;
    PluginManifest manifest;
    PluginInfo info{};
    std::vector<DeviceTypeInfo> deviceTypes;
    PluginObject<IPlugin0> plugin;
    std::unique_ptr<PluginHostServices> services;
    bool started = false;

    ~LoadedPlugin();
};

/// One plugin the host would not load: one line naming the plugin, what is wrong and the fix.
struct PluginRefusal {
    std::filesystem::path directory;
    std::string pluginId;  ///< from the manifest when it could be read, else the folder name
    std::string reason;
};

/// Loads every plugin folder under a plugin directory (each holds manifest.json and the library).
/// Checks, in order, before any plugin code runs: manifest valid, SDK version compatible, library
/// present, SHA-256 equal to the manifest's, entry symbol exported (read from the file). Then loads
/// with Boost.DLL, calls the entry inside a catch-all, checks the identity the plugin reports, and
/// starts it. A refused plugin never stops the others from loading.
class PluginLoader {
public:
    using ServicesFactory = std::function<std::unique_ptr<PluginHostServices>(const PluginManifest&)>;

    explicit PluginLoader(ServicesFactory makeServices);
    ~PluginLoader();

    void loadAll(const std::filesystem::path& pluginDir);
    /// Loads one plugin folder; returns nullptr and records a refusal when it cannot.
    std::shared_ptr<LoadedPlugin> loadOne(const std::filesystem::path& folder);
    /// Stops every started plugin (in reverse load order).
    void stopAll();

    const std::vector<std::shared_ptr<LoadedPlugin>>& loaded() const { return loaded_; }
    const std::vector<PluginRefusal>& refused() const { return refused_; }

    static SdkVersion hostSdkVersion() { return {FPB_SDK_VERSION_MAJOR, FPB_SDK_VERSION_MINOR}; }

private:
    ServicesFactory makeServices_;
    std::vector<std::shared_ptr<LoadedPlugin>> loaded_;
    std::vector<PluginRefusal> refused_;
};

/// Checks a plugin folder the way the loader does, without loading it: manifest, SDK version,
/// checksum, entry symbol. Returns the problems (empty = would load).
std::vector<std::string> verifyPluginFolder(const std::filesystem::path& folder);

} // namespace fpb::host
