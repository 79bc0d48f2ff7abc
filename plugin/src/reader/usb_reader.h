// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <libusb.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>

#include "image/grey_image.h"
#include "reader/reader_protocol.h"

namespace fpb::reader {

/// A reader failure with an fpb::Status code (sdk/include/fpbridge/error.h) and a message that
/// names the cause and the fix.
class ReaderError : public std::runtime_error {
public:
    ReaderError(std::int32_t status, const std::string& message) : std::runtime_error(message), status_(status) {}
    std::int32_t status() const { return status_; }

private:
    std::int32_t status_;
};

/// Where to send people when the OS refuses access to the reader.
constexpr const char* kUdevRuleHint =
    "install the udev rule packaging/udev/60-fpbridge-reader.rules (copy it to /etc/udev/rules.d/, run "
    "`udevadm control --reload`, then unplug and plug the reader)";

/// Transfer timeouts (plugin/docs/reader-protocol.md, section 6).
struct ReaderTimeouts {
    std::chrono::milliseconds command{1000};
    std::chrono::milliseconds imageTransfer{2000};
    std::chrono::milliseconds eventSlice{100};
};

/// One open reader: commands, finger events, image capture. Commands are serialised; cancel()
/// may be called from any thread.
class UsbReader {
public:
    /// Opens and claims the reader and reads its identity. Throws ReaderError.
    /// `context` is the libusb context `device` came from (NULL: libusb's default context). With it,
    /// each command is pipelined with its answer: the IN transfer for the response is queued before
    /// the command leaves (plugin/docs/reader-protocol.md, section 6).
    UsbReader(libusb_context* context, libusb_device* device, ReaderTimeouts timeouts = {});
    /// The same without knowing the context: every transfer then runs one after the other.
    explicit UsbReader(libusb_device* device, ReaderTimeouts timeouts = {});
    ~UsbReader();
    UsbReader(const UsbReader&) = delete;
    UsbReader& operator=(const UsbReader&) = delete;

    const DeviceIdentity& identity() const { return identity_; }
    const std::string& id() const { return id_; }

    bool fingerPresent();
    /// Waits up to `timeout` for a finger-on/finger-off event. nullopt on timeout.
    /// Throws ReaderError when cancelled or unplugged.
    std::optional<FingerEvent> waitFingerEvent(std::chrono::milliseconds timeout);
    /// Captures the image on the sensor now; its geometry comes from the device.
    /// Throws ReaderError with kErrorQuality when no finger is on the reader.
    GreyImage capture();
    /// Captures on touch (plugin/docs/reader-protocol.md, 3.2): at once when a finger is on the
    /// reader, otherwise the moment one lands within `wait`. nullopt when none came.
    /// cancel() ends the wait within about 100 ms.
    std::optional<GreyImage> captureOnTouch(std::chrono::milliseconds wait);
    void setLed(std::uint8_t colour, std::uint8_t mode);
    void beep(std::uint16_t milliseconds);
    /// Drops whatever the device and the host had queued (used after protocol errors).
    void reset();

    void cancel() { cancelled_ = true; }
    void clearCancel() { cancelled_ = false; }
    bool unplugged() const { return unplugged_; }

    /// Counts how often the driver had to resynchronise (for tests and diagnostics).
    std::size_t resyncCount() const { return resyncs_; }

private:
    Frame transact(std::uint8_t command, const std::vector<std::uint8_t>& payload);
    UsbReader(libusb_context* context, bool pipelined, libusb_device* device, ReaderTimeouts timeouts);
    void send(std::uint8_t command, std::uint16_t sequence, const std::vector<std::uint8_t>& payload);
    /// Sends a command and reads the first `responseBytes` of its answer into the decoder, with the IN
    /// transfer queued before the command (sequentially when not pipelined: then only sends).
    /// With `cancellable`, a cancel() ends the wait for the answer (ReaderError kErrorCancelled).
    void exchange(std::uint8_t command, std::uint16_t sequence, const std::vector<std::uint8_t>& payload,
                  std::size_t responseBytes, std::chrono::milliseconds inTimeout, bool cancellable = false);
    /// CAPTURE with `payload` (empty: now; u16: the wait); nullopt when the device saw no finger.
    std::optional<GreyImage> captureImage(const std::vector<std::uint8_t>& payload, std::chrono::milliseconds answerTimeout);
    /// What receive() does with the result of one IN transfer of `got` bytes into the decoder's room.
    void absorbResponse(int rc, int got);
    Frame receive(std::uint16_t sequence, std::chrono::milliseconds timeout);
    /// The same without copying the payload: valid until the next use of the decoder.
    FrameView receiveView(std::uint16_t sequence, std::chrono::milliseconds timeout);
    [[noreturn]] void fail(int libusbError, const char* during);
    void recoverAfterProtocolError();
    void checkCancelled();

    libusb_context* context_ = nullptr;
    bool pipelined_ = false;
    libusb_device_handle* handle_ = nullptr;
    std::string id_;
    DeviceIdentity identity_;
    ReaderTimeouts timeouts_;
    std::recursive_mutex commandMutex_;
    std::mutex eventMutex_;
    std::uint16_t sequence_ = 0;
    FrameDecoder decoder_;
    std::atomic<bool> cancelled_{false};
    std::atomic<bool> unplugged_{false};
    std::size_t resyncs_ = 0;
};

/// "usb:BBB:DDD" for a libusb device.
std::string readerId(libusb_device* device);

} // namespace fpb::reader
