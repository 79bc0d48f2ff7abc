// SPDX-License-Identifier: GPL-2.0-or-later
// The emulated reader's behaviour at the usbfs level: URBs in, protocol frames out.
#pragma once

#include <umockdev.h>

#include <array>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "emulated_reader.h"

namespace fpb::emulation {

class ReaderModel {
public:
    ReaderModel(ReaderConfig config, std::shared_ptr<FingerSource> source);
    ~ReaderModel();

    /// umockdev's worker thread: one usbfs ioctl from libusb.
    gboolean handleIoctl(UMockdevIoctlClient* client);

    void fingerDown(GreyImage image);
    void fingerUp();
    void queuePress(Press press);
    std::size_t queuedPresses();
    int beeps();
    std::chrono::steady_clock::time_point lastTouch();
    void setFaults(const Faults& faults);
    void setSource(std::shared_ptr<FingerSource> source);
    /// Electrical unplug: in-flight transfers end with ESHUTDOWN, later calls with ENODEV.
    void unplug();
    /// Plugged in again: a fresh device state (the finger is off, nothing queued).
    void replugged();
    /// Set when a fault unplugged the reader: the bed then removes the device node.
    bool wantsRemoval();
    void queueRawResponse(std::size_t bytes, std::uint8_t fill);
    bool inTransferWaiting(bool andCaptureWaiting);
    const ReaderConfig& config() const { return config_; }

private:
    using Clock = std::chrono::steady_clock;
    /// A submitted URB. Like the kernel, the model copies IN data to the host's buffer only when
    /// the URB is reaped, and only the bytes delivered: umockdev moves every resolved buffer
    /// through its socket, so resolving the whole buffer at submission would cost the host
    /// three copies of buffer_length bytes per transfer, whatever the device sent.
    struct Urb {
        UMockdevIoctlData* urb = nullptr;       ///< the usbdevfs_urb (we hold a reference)
        UMockdevIoctlClient* client = nullptr;  ///< the open file it was submitted on: reaped only there
        std::size_t capacity = 0;               ///< IN: the host's buffer length
        std::vector<std::uint8_t> in;           ///< IN: the bytes delivered, copied out when reaped
    };

    void handleCommand(const std::uint8_t* data, std::size_t size);
    void respond(std::uint8_t code, std::uint16_t sequence, std::uint16_t status, const std::uint8_t* payload,
                 std::size_t size);
    void respond(std::uint8_t code, std::uint16_t sequence, std::uint16_t status, const std::vector<std::uint8_t>& payload) {
        respond(code, sequence, status, payload.data(), payload.size());
    }
    /// One frame whose payload is `prefix` then `body`; `bodyCrc` is the CRC-32 of `body`, already known.
    void appendFrame(std::uint8_t code, std::uint16_t sequence, std::uint16_t status, const std::uint8_t* prefix,
                     std::size_t prefixSize, const std::uint8_t* body, std::size_t bodySize, std::uint32_t bodyCrc);
    /// The CAPTURE answer for what is on the sensor: the header frame, then the chunks.
    void sendImage(std::uint16_t sequence);
    /// CANCEL during an image's answer: ends it after the chunk on the wire.
    void endImageInFlight();
    /// Drops everything queued on the IN endpoint (RESET, unplug).
    void dropOutput();
    void pushEvent(std::uint8_t type);
    void progress();
    void complete(Urb urb, int status, int actualLength);
    void release(UMockdevIoctlData* urb);
    void playPresses();
    /// `image` (when given) becomes what the sensor sees: it is moved from.
    void setFingerLocked(bool on, GreyImage* image);
    void unplugNow();

    std::mutex mutex_;
    ReaderConfig config_;
    std::shared_ptr<FingerSource> source_;
    Faults faults_;
    bool unplugged_ = false;
    bool wantsRemoval_ = false;
    bool fingerOn_ = false;
    GreyImage sensor_;
    std::vector<std::uint8_t> responses_;  ///< bytes queued on the IN endpoint, from responsesRead_ on
    std::size_t responsesRead_ = 0;
    /// Where the last image's chunk frames start in responses_, and where they end (for CANCEL).
    std::vector<std::size_t> imageChunkStarts_;
    std::size_t imageEnd_ = 0;
    std::uint16_t imageSequence_ = 0;
    Clock::time_point responsesReadyAt_{};
    std::deque<std::array<std::uint8_t, 8>> events_;
    std::uint8_t eventCounter_ = 0;
    std::deque<Urb> pendingBulkIn_;
    std::deque<Urb> pendingInterrupt_;
    std::vector<UMockdevIoctlData*> inFlight_;  // every submitted URB not yet reaped (references we hold)
    std::deque<Urb> completed_;
    std::deque<Press> presses_;
    /// A CAPTURE with a wait, not yet answered: it is answered when a finger lands or the wait ends.
    struct WaitingCapture {
        std::uint16_t sequence = 0;
        Clock::time_point deadline;
    };
    std::optional<WaitingCapture> waitingCapture_;
    std::optional<Clock::time_point> listeningSince_;
    std::optional<Clock::time_point> fingerUpAt_;
    int beeps_ = 0;
    Clock::time_point lastTouch_{};
    Clock::time_point start_ = Clock::now();
};

} // namespace fpb::emulation
