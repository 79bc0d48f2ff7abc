// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <fpbridge/fpbridge.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "plugin_loader.h"

namespace fpb::host {

/// A reader as the host sees it: which plugin drives it and what it is.
struct ReaderEntry {
    std::shared_ptr<LoadedPlugin> plugin;
    DeviceInfo info{};
    std::string id() const { return info.id; }
};

/// Every reader of every loaded plugin, kept current by the plugins' arrival/removal notifications.
class ReaderDirectory {
public:
    using ChangeHandler = std::function<void(const std::string& deviceId, bool arrived)>;

    explicit ReaderDirectory(PluginLoader& plugins);
    ~ReaderDirectory();

    std::vector<ReaderEntry> readers();
    /// Opens a reader through its plugin; throws std::runtime_error with the plugin's message.
    PluginObject<IDevice0> open(const std::string& deviceId);
    void setChangeHandler(ChangeHandler handler);
    /// Waits until at least `count` readers are present (hotplug may take a moment).
    bool waitForReaders(std::size_t count, int timeoutMs);

private:
    class Listener;
    PluginLoader& plugins_;
    std::vector<std::unique_ptr<Listener>> listeners_;
    std::mutex mutex_;
    ChangeHandler handler_;
};

} // namespace fpb::host
