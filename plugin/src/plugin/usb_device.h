// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <fpbridge/fpbridge.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "reader/usb_reader.h"

namespace fpb::plugin {

class PluginServices;

/// An open reader behind the SDK's IDevice0: single captures and enrollment sessions.
class UsbDevice final : public RefCountedObject<IDevice0> {
public:
    UsbDevice(std::unique_ptr<reader::UsbReader> reader, std::shared_ptr<PluginServices> services,
              std::function<void()> onClose);

    void* queryInterface(const char* interfaceId) override;
    std::int32_t getInfo(DeviceInfo* out, Error* error) override;
    std::int32_t capture(const CaptureOptions* options, IBuffer** pixels, ImageInfo* info, Error* error) override;
    std::int32_t startEnrollment(const EnrollmentOptions* options, IEnrollmentListener* listener,
                                 IEnrollmentSession0** out, Error* error) override;

    reader::UsbReader& reader() { return *reader_; }

private:
    ~UsbDevice() override;
    std::shared_ptr<reader::UsbReader> reader_;
    std::shared_ptr<PluginServices> services_;
    std::function<void()> onClose_;
    std::mutex sessionMutex_;
    IEnrollmentSession0* activeSession_ = nullptr;
};

/// Fills an SDK DeviceInfo from what the driver knows.
void fillDeviceInfo(DeviceInfo* out, const std::string& id, const reader::DeviceIdentity& identity,
                    std::uint16_t vendorId, std::uint16_t productId, std::uint8_t bus, std::uint8_t port);

} // namespace fpb::plugin
