// SPDX-License-Identifier: GPL-2.0-or-later
#include "usb_device.h"

#include <cstring>

#include "byte_buffer.h"
#include "enrollment_session_object.h"
#include "quality/press_quality.h"
#include "plugin_identity.h"
#include "plugin_services.h"

namespace fpb::plugin {


void fillDeviceInfo(DeviceInfo* out, const std::string& id, const reader::DeviceIdentity& identity,
                    std::uint16_t vendorId, std::uint16_t productId, std::uint8_t bus, std::uint8_t port) {
    copyText(out->id, id.c_str());
    copyText(out->deviceType, kDeviceTypeId);
    copyText(out->model, identity.model.c_str());
    copyText(out->serial, identity.serial.c_str());
    copyText(out->firmware, identity.firmware().c_str());
    out->usbVendorId = vendorId;
    out->usbProductId = productId;
    out->usbBus = bus;
    out->usbPort = port;
    out->sensorWidth = static_cast<std::uint32_t>(identity.sensorWidth);
    out->sensorHeight = static_cast<std::uint32_t>(identity.sensorHeight);
    out->resolutionDpi = static_cast<std::uint32_t>(identity.resolutionDpi);
}

UsbDevice::UsbDevice(std::unique_ptr<reader::UsbReader> reader, std::shared_ptr<PluginServices> services,
                     std::function<void()> onClose)
    : reader_(std::move(reader)), services_(std::move(services)), onClose_(std::move(onClose)) {}

UsbDevice::~UsbDevice() {
    reader_->cancel();
    if (onClose_) onClose_();
}

void* UsbDevice::queryInterface(const char* interfaceId) { return offerInterface<IDevice0>(interfaceId); }

std::int32_t UsbDevice::getInfo(DeviceInfo* out, Error* error) {
    if (out == nullptr || out->size < sizeof(DeviceInfo)) return setError(error, kErrorInvalidArgument, "DeviceInfo too small");
    fillDeviceInfo(out, reader_->id(), reader_->identity(), 0, 0, 0, 0);
    return kOk;
}

std::int32_t UsbDevice::capture(const CaptureOptions* options, IBuffer** pixels, ImageInfo* info, Error* error) {
    if (pixels == nullptr || info == nullptr || info->size < sizeof(ImageInfo))
        return setError(error, kErrorInvalidArgument, "capture: missing output");
    *pixels = nullptr;
    try {
        std::uint32_t timeoutMs = (options && options->timeoutMs) ? options->timeoutMs : 10000;
        reader_->clearCancel();
        std::optional<GreyImage> touched = reader_->captureOnTouch(std::chrono::milliseconds(timeoutMs));
        if (!touched) return setError(error, kErrorTimeout, "no finger was placed on the reader in time; press again");
        GreyImage image = std::move(*touched);
        info->width = static_cast<std::uint32_t>(image.width);
        info->height = static_cast<std::uint32_t>(image.height);
        info->resolutionDpi = static_cast<std::uint32_t>(image.dpi);
        auto report = quality::assessPress(image);
        info->quality = report.score;
        info->promptCode = report.promptCode();
        *pixels = new ByteBuffer(std::move(image.pixels));
        return kOk;
    } catch (const reader::ReaderError& e) {
        return setError(error, e.status(), e.what());
    } catch (const std::exception& e) {
        return setError(error, kErrorGeneric, e.what());
    }
}

std::int32_t UsbDevice::startEnrollment(const EnrollmentOptions* options, IEnrollmentListener* listener,
                                        IEnrollmentSession0** out, Error* error) {
    if (out == nullptr || options == nullptr || options->size < sizeof(EnrollmentOptions))
        return setError(error, kErrorInvalidArgument, "startEnrollment: missing options or output");
    *out = nullptr;
    if (options->finger < 1 || options->finger > 10)
        return setError(error, kErrorInvalidArgument, "finger position must be 1-10");
    if (options->userId[0] == '\0') return setError(error, kErrorInvalidArgument, "no user id given");
    try {
        reader_->clearCancel();
        auto* session = new EnrollmentSessionObject(reader_, *options, listener, services_);
        session->start();
        *out = session;
        return kOk;
    } catch (const std::exception& e) {
        return setError(error, kErrorGeneric, e.what());
    }
}

} // namespace fpb::plugin
