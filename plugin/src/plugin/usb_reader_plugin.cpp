// SPDX-License-Identifier: GPL-2.0-or-later
#include "usb_reader_plugin.h"

#include <cstring>
#include <nlohmann/json.hpp>
#include <vector>

#include "plugin_identity.h"

namespace fpb::plugin {

namespace {

void copyField(char* dst, std::size_t size, const std::string& src) {
    std::strncpy(dst, src.c_str(), size - 1);
    dst[size - 1] = '\0';
}

struct UsbId {
    std::uint16_t vendorId;
    std::uint16_t productId;
};

} // namespace

struct UsbReaderPlugin::State {
    std::string manifestJson;
    std::vector<UsbId> usbIds;
    std::string minFirmware;
    IHostServices0* services = nullptr;
    std::mutex listenerMutex;
    IDeviceListener* listener = nullptr;

    void log(std::int32_t level, const std::string& message) {
        if (services != nullptr && services->logger() != nullptr) services->logger()->log(level, message.c_str());
    }
};

UsbReaderPlugin::UsbReaderPlugin(std::string manifestJson) : state_(std::make_unique<State>()) {
    state_->manifestJson = std::move(manifestJson);
}

UsbReaderPlugin::~UsbReaderPlugin() = default;

void* UsbReaderPlugin::queryInterface(const char* interfaceId) {
    if (void* p = offerInterface<IPlugin0>(interfaceId)) return p;
    if (void* p = offerInterface<IUserRecordObserver0>(interfaceId)) return p;
    return nullptr;
}

std::int32_t UsbReaderPlugin::getInfo(PluginInfo* out) {
    if (out == nullptr || out->size < sizeof(PluginInfo)) return kErrorInvalidArgument;
    copyField(out->id, sizeof out->id, kPluginId);
    copyField(out->displayName, sizeof out->displayName, kPluginDisplayName);
    copyField(out->vendor, sizeof out->vendor, kPluginVendor);
    copyField(out->version, sizeof out->version, FPB_PLUGIN_VERSION);
    out->sdk = SdkVersion{FPB_SDK_VERSION_MAJOR, FPB_SDK_VERSION_MINOR};
    return kOk;
}

std::int32_t UsbReaderPlugin::start(IHostServices0* services, Error* error) {
    try {
        if (services == nullptr) return setError(error, kErrorInvalidArgument, "start: the host passed no services");
        state_->services = services;
        auto manifest = nlohmann::json::parse(state_->manifestJson);
        state_->usbIds.clear();
        for (const auto& id : manifest.value("usb_ids", nlohmann::json::array()))
            state_->usbIds.push_back({static_cast<std::uint16_t>(std::stoul(id.at("vendor_id").get<std::string>(), nullptr, 16)),
                                      static_cast<std::uint16_t>(std::stoul(id.at("product_id").get<std::string>(), nullptr, 16))});
        if (state_->usbIds.empty())
            return setError(error, kErrorInvalidArgument,
                            "the manifest lists no usb_ids, so no reader can be recognised; reinstall the plugin");
        state_->minFirmware = manifest.value("min_reader_firmware", std::string());
        state_->log(kLogInfo, "USB reader plugin started");
        return kOk;
    } catch (const std::exception& e) {
        return setError(error, kErrorGeneric, (std::string("start-up failed: ") + e.what()).c_str());
    } catch (...) {
        return setError(error, kErrorGeneric, "start-up failed");
    }
}

void UsbReaderPlugin::stop() {
    std::lock_guard lock(state_->listenerMutex);
    state_->listener = nullptr;
    state_->services = nullptr;
}

std::int32_t UsbReaderPlugin::getDeviceType(std::uint32_t index, DeviceTypeInfo* out) {
    if (index != 0 || out == nullptr || out->size < sizeof(DeviceTypeInfo)) return kErrorInvalidArgument;
    copyField(out->id, sizeof out->id, kDeviceTypeId);
    copyField(out->displayName, sizeof out->displayName, kDeviceTypeName);
    return kOk;
}

void UsbReaderPlugin::setDeviceListener(IDeviceListener* listener) {
    std::lock_guard lock(state_->listenerMutex);
    state_->listener = listener;
}

std::uint32_t UsbReaderPlugin::deviceCount() { return 0; }

std::int32_t UsbReaderPlugin::getDevice(std::uint32_t index, DeviceInfo* out, Error* error) {
    return setError(error, kErrorNotFound, "no reader at this index; list the readers again");
}

std::int32_t UsbReaderPlugin::openDevice(const char* deviceId, IDevice0** out, Error* error) {
    if (out != nullptr) *out = nullptr;
    return setError(error, kErrorNotFound, "no such reader; is it plugged in?");
}

void UsbReaderPlugin::userChanged(const char* userId, std::int32_t deleted) {}

} // namespace fpb::plugin
