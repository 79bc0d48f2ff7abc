// SPDX-License-Identifier: GPL-2.0-or-later
#include "reader_directory.h"

#include <chrono>
#include <stdexcept>
#include <thread>

namespace fpb::host {

class ReaderDirectory::Listener final : public IDeviceListener {
public:
    Listener(ReaderDirectory& owner, std::shared_ptr<LoadedPlugin> plugin) : owner_(owner), plugin_(std::move(plugin)) {}
    void onDeviceArrived(const DeviceInfo* device) override { notify(device ? device->id : "", true); }
    void onDeviceRemoved(const char* deviceId) override { notify(deviceId ? deviceId : "", false); }
    const std::shared_ptr<LoadedPlugin>& plugin() const { return plugin_; }

private:
    void notify(const std::string& id, bool arrived) {
        ChangeHandler handler;
        {
            std::lock_guard lock(owner_.mutex_);
            handler = owner_.handler_;
        }
        try {
            if (handler) handler(id, arrived);
        } catch (...) {
        }
    }
    ReaderDirectory& owner_;
    std::shared_ptr<LoadedPlugin> plugin_;
};

ReaderDirectory::ReaderDirectory(PluginLoader& plugins) : plugins_(plugins) {
    for (const auto& plugin : plugins_.loaded()) {
        listeners_.push_back(std::make_unique<Listener>(*this, plugin));
        plugin->plugin->setDeviceListener(listeners_.back().get());
    }
}

ReaderDirectory::~ReaderDirectory() {
    for (const auto& l : listeners_)
        if (l->plugin()->plugin) l->plugin()->plugin->setDeviceListener(nullptr);
}

void ReaderDirectory::setChangeHandler(ChangeHandler handler) {
    std::lock_guard lock(mutex_);
    handler_ = std::move(handler);
}

std::vector<ReaderEntry> ReaderDirectory::readers() {
    std::vector<ReaderEntry> out;
    for (const auto& plugin : plugins_.loaded()) {
        std::uint32_t count = plugin->plugin->deviceCount();
        for (std::uint32_t i = 0; i < count; ++i) {
            ReaderEntry entry;
            entry.plugin = plugin;
            entry.info.size = sizeof(DeviceInfo);
            Error error = Error::init();
            if (plugin->plugin->getDevice(i, &entry.info, &error) == kOk) out.push_back(entry);
        }
    }
    return out;
}

PluginObject<IDevice0> ReaderDirectory::open(const std::string& deviceId) {
    for (const auto& entry : readers()) {
        if (entry.id() != deviceId) continue;
        IDevice0* device = nullptr;
        Error error = Error::init();
        std::int32_t rc = entry.plugin->plugin->openDevice(deviceId.c_str(), &device, &error);
        if (rc != kOk || device == nullptr)
            throw std::runtime_error("cannot open reader " + deviceId + ": " + error.message);
        return PluginObject<IDevice0>(entry.plugin->plugin.library(), device);
    }
    throw std::runtime_error("no reader " + deviceId + " is connected; plug it in, or list readers with `fpb-host devices`");
}

bool ReaderDirectory::waitForReaders(std::size_t count, int timeoutMs) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    while (readers().size() < count) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
}

} // namespace fpb::host
