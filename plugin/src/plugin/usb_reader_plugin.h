// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <fpbridge/fpbridge.h>

#include <memory>
#include <mutex>
#include <string>

namespace fpb::plugin {

/// The plugin object the host holds: identity, device type, readers, and the services behind
/// queryInterface (user-record observer, matcher). Every SDK method catches everything.
class UsbReaderPlugin final : public RefCountedObject<IPlugin0, IUserRecordObserver0, IControllerPublisher0> {
public:
    explicit UsbReaderPlugin(std::string manifestJson);

    void* queryInterface(const char* interfaceId) override;
    std::int32_t getInfo(PluginInfo* out) override;
    std::int32_t start(IHostServices0* services, Error* error) override;
    void stop() override;
    std::uint32_t deviceTypeCount() override { return 1; }
    std::int32_t getDeviceType(std::uint32_t index, DeviceTypeInfo* out) override;
    void setDeviceListener(IDeviceListener* listener) override;
    std::uint32_t deviceCount() override;
    std::int32_t getDevice(std::uint32_t index, DeviceInfo* out, Error* error) override;
    std::int32_t openDevice(const char* deviceId, IDevice0** out, Error* error) override;

    void userChanged(const char* userId, std::int32_t deleted) override;

    void controllersChanged() override;
    std::uint32_t controllerStatusCount() override;
    std::int32_t getControllerStatus(std::uint32_t index, ControllerStatus* out, Error* error) override;
    std::int32_t syncController(const char* controllerId, ISyncProgress* progress, std::uint32_t timeoutMs,
                                SyncReport* out, Error* error) override;
    std::int32_t waitUntilPublished(std::uint32_t timeoutMs) override;

private:
    ~UsbReaderPlugin() override;
    struct State;
    std::unique_ptr<State> state_;
};

} // namespace fpb::plugin
