// SPDX-License-Identifier: GPL-2.0-or-later
#include "usb_reader_plugin.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "host_record_source.h"
#include "plugin_identity.h"
#include "publisher/controller_publisher.h"
#include "plugin_services.h"
#include "reader/reader_manager.h"
#include "usb_device.h"

namespace fpb::plugin {


struct UsbReaderPlugin::State {
    std::string manifestJson;
    std::vector<reader::UsbId> usbIds;
    std::shared_ptr<PluginServices> services;
    std::unique_ptr<reader::ReaderManager> readers;
    std::mutex listenerMutex;
    IDeviceListener* listener = nullptr;
    std::mutex openMutex;
    std::set<std::string> openIds;
    std::unique_ptr<HostRecordSource> recordSource;
    std::unique_ptr<publisher::ControllerPublisher> publisher;

    void log(std::int32_t level, const std::string& message) {
        if (services) services->log(level, message);
    }
    void arrived(const reader::ReaderInfo& info) {
        log(kLogInfo, "reader " + info.id + " arrived" + (info.problem.empty() ? "" : ": " + info.problem));
        std::lock_guard lock(listenerMutex);
        if (!listener) return;
        DeviceInfo d{};
        d.size = sizeof d;
        fillDeviceInfo(&d, info.id, info.identity, info.vendorId, info.productId, info.bus, info.port);
        listener->onDeviceArrived(&d);
    }
    void removed(const std::string& id) {
        log(kLogInfo, "reader " + id + " removed");
        std::lock_guard lock(listenerMutex);
        if (listener) listener->onDeviceRemoved(id.c_str());
    }
};

UsbReaderPlugin::UsbReaderPlugin(std::string manifestJson) : state_(std::make_unique<State>()) {
    state_->manifestJson = std::move(manifestJson);
}

UsbReaderPlugin::~UsbReaderPlugin() { stop(); }

void* UsbReaderPlugin::queryInterface(const char* interfaceId) {
    if (void* p = offerInterface<IPlugin0>(interfaceId)) return p;
    if (void* p = offerInterface<IUserRecordObserver0>(interfaceId)) return p;
    if (void* p = offerInterface<IControllerPublisher0>(interfaceId)) return p;
    return nullptr;
}

std::int32_t UsbReaderPlugin::getInfo(PluginInfo* out) {
    if (out == nullptr || out->size < sizeof(PluginInfo)) return kErrorInvalidArgument;
    copyText(out->id, kPluginId);
    copyText(out->displayName, kPluginDisplayName);
    copyText(out->vendor, kPluginVendor);
    copyText(out->version, FPB_PLUGIN_VERSION);
    out->sdk = SdkVersion{FPB_SDK_VERSION_MAJOR, FPB_SDK_VERSION_MINOR};
    return kOk;
}

std::int32_t UsbReaderPlugin::start(IHostServices0* services, Error* error) {
    try {
        if (services == nullptr) return setError(error, kErrorInvalidArgument, "start: the host passed no services");
        state_->services = std::make_shared<PluginServices>(services);
        auto manifest = nlohmann::json::parse(state_->manifestJson);
        state_->usbIds.clear();
        for (const auto& id : manifest.value("usb_ids", nlohmann::json::array()))
            state_->usbIds.push_back(
                {static_cast<std::uint16_t>(std::stoul(id.at("vendor_id").get<std::string>(), nullptr, 16)),
                 static_cast<std::uint16_t>(std::stoul(id.at("product_id").get<std::string>(), nullptr, 16))});
        if (state_->usbIds.empty())
            return setError(error, kErrorInvalidArgument,
                            "the manifest lists no usb_ids, so no reader can be recognised; reinstall the plugin");
        state_->services->minFirmware = manifest.value("min_reader_firmware", std::string());
        State* state = state_.get();
        state_->readers = std::make_unique<reader::ReaderManager>(
            state_->usbIds,
            reader::ReaderManager::Callbacks{[state](const reader::ReaderInfo& i) { state->arrived(i); },
                                             [state](const std::string& id) { state->removed(id); }});
        try {
            state_->readers->start();
        } catch (const reader::ReaderError& e) {
            // No USB on this machine is not fatal for the host: say so and run without readers.
            state_->log(kLogWarning, std::string("USB readers unavailable: ") + e.what());
            state_->readers.reset();
        }
        if (services->controllerDirectory() && services->userRecords() && services->pluginDataDir() &&
            *services->pluginDataDir()) {
            state_->recordSource = std::make_unique<HostRecordSource>(state_->services);
            state_->publisher = std::make_unique<publisher::ControllerPublisher>(
                *state_->recordSource, std::string(services->pluginDataDir()) + "/outbox.sqlite");
            state_->publisher->start();
        }
        state_->log(kLogInfo, "USB reader plugin started");
        return kOk;
    } catch (const std::exception& e) {
        return setError(error, kErrorGeneric, (std::string("start-up failed: ") + e.what()).c_str());
    } catch (...) {
        return setError(error, kErrorGeneric, "start-up failed");
    }
}

void UsbReaderPlugin::stop() {
    if (state_->publisher) {
        state_->publisher->stop();
        state_->publisher.reset();
        state_->recordSource.reset();
    }
    {
        std::lock_guard lock(state_->listenerMutex);
        state_->listener = nullptr;
    }
    if (state_->readers) {
        state_->readers->stop();
        state_->readers.reset();
    }
    if (state_->services) state_->services->detach();
}

std::int32_t UsbReaderPlugin::getDeviceType(std::uint32_t index, DeviceTypeInfo* out) {
    if (index != 0 || out == nullptr || out->size < sizeof(DeviceTypeInfo)) return kErrorInvalidArgument;
    copyText(out->id, kDeviceTypeId);
    copyText(out->displayName, kDeviceTypeName);
    return kOk;
}

void UsbReaderPlugin::setDeviceListener(IDeviceListener* listener) {
    std::vector<reader::ReaderInfo> present;
    {
        std::lock_guard lock(state_->listenerMutex);
        state_->listener = listener;
        if (listener && state_->readers) present = state_->readers->readers();
    }
    for (const auto& r : present) state_->arrived(r);
}

std::uint32_t UsbReaderPlugin::deviceCount() {
    try {
        return state_->readers ? static_cast<std::uint32_t>(state_->readers->readers().size()) : 0;
    } catch (...) {
        return 0;
    }
}

std::int32_t UsbReaderPlugin::getDevice(std::uint32_t index, DeviceInfo* out, Error* error) {
    try {
        if (out == nullptr || out->size < sizeof(DeviceInfo)) return setError(error, kErrorInvalidArgument, "DeviceInfo too small");
        auto list = state_->readers ? state_->readers->readers() : std::vector<reader::ReaderInfo>{};
        if (index >= list.size()) return setError(error, kErrorNotFound, "no reader at this index; list the readers again");
        const auto& r = list[index];
        fillDeviceInfo(out, r.id, r.identity, r.vendorId, r.productId, r.bus, r.port);
        if (!r.problem.empty()) copyText(out->model, "(unusable: see the log)");
        return kOk;
    } catch (const std::exception& e) {
        return setError(error, kErrorGeneric, e.what());
    }
}

std::int32_t UsbReaderPlugin::openDevice(const char* deviceId, IDevice0** out, Error* error) {
    if (out == nullptr || deviceId == nullptr) return setError(error, kErrorInvalidArgument, "openDevice: null argument");
    *out = nullptr;
    try {
        if (!state_->readers) return setError(error, kErrorNotFound, "USB is not available on this machine");
        {
            std::lock_guard lock(state_->openMutex);
            if (state_->openIds.count(deviceId))
                return setError(error, kErrorBusy, (std::string("the reader ") + deviceId +
                                                    " is already in use by another Collect or capture; finish that first")
                                                       .c_str());
        }
        auto reader = state_->readers->open(deviceId);
        const std::string& minimum = state_->services->minFirmware;
        if (!minimum.empty() && reader::compareVersions(reader->identity().firmware(), minimum) < 0)
            return setError(error, kErrorIncompatible,
                            ("the reader " + std::string(deviceId) + " has firmware " + reader->identity().firmware() +
                             ", older than the " + minimum + " this plugin needs: update the reader's firmware")
                                .c_str());
        std::string id = deviceId;
        State* state = state_.get();
        {
            std::lock_guard lock(state_->openMutex);
            state_->openIds.insert(id);
        }
        *out = new UsbDevice(std::move(reader), state_->services, [state, id] {
            std::lock_guard lock(state->openMutex);
            state->openIds.erase(id);
        });
        return kOk;
    } catch (const reader::ReaderError& e) {
        return setError(error, e.status(), e.what());
    } catch (const std::exception& e) {
        return setError(error, kErrorGeneric, e.what());
    }
}

void UsbReaderPlugin::userChanged(const char* userId, std::int32_t /*deleted*/) {
    // Deleted or changed, the publisher reads the host's current record when it sends.
    try {
        if (state_->publisher && userId) state_->publisher->userChanged(userId);
    } catch (const std::exception& e) {
        state_->log(kLogError, std::string("could not queue the user for the door controllers: ") + e.what());
    }
}

void UsbReaderPlugin::controllersChanged() {
    try {
        if (state_->publisher) state_->publisher->controllersChanged();
    } catch (const std::exception& e) {
        state_->log(kLogError, std::string("could not reload the door controllers: ") + e.what());
    }
}

std::uint32_t UsbReaderPlugin::controllerStatusCount() {
    try {
        return state_->publisher ? static_cast<std::uint32_t>(state_->publisher->statuses().size()) : 0;
    } catch (...) {
        return 0;
    }
}

std::int32_t UsbReaderPlugin::getControllerStatus(std::uint32_t index, ControllerStatus* out, Error* error) {
    try {
        if (!out || out->size < sizeof(ControllerStatus)) return setError(error, kErrorInvalidArgument, "bad ControllerStatus");
        if (!state_->publisher) return setError(error, kErrorUnsupported, "the host offers no controller directory");
        auto statuses = state_->publisher->statuses();
        if (index >= statuses.size()) return setError(error, kErrorNotFound, "no controller at this index");
        const auto& s = statuses[index];
        copyText(out->id, s.id.c_str());
        out->reachable = s.reachable ? 1 : 0;
        out->lastSyncTime = static_cast<std::int64_t>(s.lastSync);
        out->queuedChanges = static_cast<std::uint32_t>(s.queuedChanges);
        out->publishedCredentials = static_cast<std::uint32_t>(s.publishedCredentials);
        copyText(out->formatType, s.formatType.c_str());
        copyText(out->lastError, s.lastError.c_str());
        return kOk;
    } catch (const std::exception& e) {
        return setError(error, kErrorGeneric, e.what());
    }
}

namespace {
class ProgressAdapter {
public:
    explicit ProgressAdapter(ISyncProgress* sink) : sink_(sink) {}
    void operator()(std::size_t done, std::size_t total) const {
        if (sink_) sink_->progress(static_cast<std::uint32_t>(done), static_cast<std::uint32_t>(total));
    }

private:
    ISyncProgress* sink_;
};
} // namespace

std::int32_t UsbReaderPlugin::syncController(const char* controllerId, ISyncProgress* progress, std::uint32_t timeoutMs,
                                             SyncReport* out, Error* error) {
    try {
        if (!controllerId) return setError(error, kErrorInvalidArgument, "no controller id");
        if (!state_->publisher) return setError(error, kErrorUnsupported, "the host offers no controller directory");
        publisher::SyncProgress callback = ProgressAdapter(progress);
        auto report = state_->publisher->sync(controllerId, callback,
                                              std::chrono::seconds(std::max<std::uint32_t>(1, (timeoutMs + 999) / 1000)));
        if (out && out->size >= sizeof(SyncReport)) {
            out->created = static_cast<std::uint32_t>(report.created);
            out->modified = static_cast<std::uint32_t>(report.modified);
            out->deleted = static_cast<std::uint32_t>(report.deleted);
            out->unchanged = static_cast<std::uint32_t>(report.unchanged);
            out->refused = static_cast<std::uint32_t>(report.refused);
        }
        if (!report.error.empty())
            return setError(error, report.error.find("did not finish") != std::string::npos ? kErrorTimeout : kErrorGeneric,
                            report.error.c_str());
        return kOk;
    } catch (const std::exception& e) {
        return setError(error, kErrorGeneric, e.what());
    }
}

std::int32_t UsbReaderPlugin::waitUntilPublished(std::uint32_t timeoutMs) {
    try {
        if (!state_->publisher) return kOk;
        return state_->publisher->waitForIdle(std::chrono::milliseconds(timeoutMs)) ? kOk : kErrorTimeout;
    } catch (...) {
        return kErrorGeneric;
    }
}

} // namespace fpb::plugin
