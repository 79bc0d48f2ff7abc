// SPDX-License-Identifier: GPL-2.0-or-later
#include "reader/usb_reader.h"

#include <fpbridge/error.h>

#include <algorithm>
#include <cstdio>
#include <memory>

namespace fpb::reader {

namespace {
constexpr std::size_t kInTransferSize = 256 * 1024;
/// The largest IN transfer queued ahead of a command (bigger answers continue with further reads).
constexpr std::size_t kMaxPrefetch = 1024 * 1024;
constexpr std::size_t kMaxPacket = 512;  // bulk IN max packet size (reader-protocol.md, 1)
/// An answer that is not an image: GET_INFO's 80 bytes framed, and room for a stale frame.
constexpr std::size_t kSmallResponse = kMaxPacket;

/// The status of a finished asynchronous transfer as the libusb error its synchronous call returns.
int transferResult(const libusb_transfer* t) {
    switch (t->status) {
        case LIBUSB_TRANSFER_COMPLETED: return 0;
        case LIBUSB_TRANSFER_TIMED_OUT: return LIBUSB_ERROR_TIMEOUT;
        case LIBUSB_TRANSFER_STALL: return LIBUSB_ERROR_PIPE;
        case LIBUSB_TRANSFER_OVERFLOW: return LIBUSB_ERROR_OVERFLOW;
        case LIBUSB_TRANSFER_NO_DEVICE: return LIBUSB_ERROR_NO_DEVICE;
        default: return LIBUSB_ERROR_IO;  // ERROR, CANCELLED
    }
}

extern "C" void LIBUSB_CALL markDone(libusb_transfer* t) { *static_cast<int*>(t->user_data) = 1; }

/// How often a long wait looks for cancel().
constexpr std::chrono::milliseconds kCancelCheck{100};

/// Runs libusb's events until `done` is set (as libusb's synchronous calls wait), cancelling the
/// transfer if event handling fails or, checked every kCancelCheck, `cancelled` becomes true.
void waitFor(libusb_context* context, libusb_transfer* transfer, int& done,
             const std::atomic<bool>* cancelled = nullptr) {
    bool cancelling = false;
    while (!done) {
        timeval slice{0, static_cast<long>(std::chrono::microseconds(kCancelCheck).count())};
        int rc = libusb_handle_events_timeout_completed(context, &slice, &done);
        if ((rc < 0 && rc != LIBUSB_ERROR_INTERRUPTED) || (!cancelling && cancelled != nullptr && *cancelled)) {
            cancelling = true;
            libusb_cancel_transfer(transfer);
        }
    }
}

struct TransferDeleter {
    void operator()(libusb_transfer* t) const { libusb_free_transfer(t); }
};
using TransferPtr = std::unique_ptr<libusb_transfer, TransferDeleter>;

/// Bytes of a whole CAPTURE answer for an image of `total` bytes (reader-protocol.md, 2 and 3.2).
std::size_t captureResponseBytes(std::size_t total) {
    const std::size_t chunkPayload = 65532;
    std::size_t chunks = (total + chunkPayload - 1) / chunkPayload;
    return (kHeaderSize + 16 + kCrcSize) + total + chunks * (kHeaderSize + 4 + kCrcSize);
}
} // namespace

std::string readerId(libusb_device* device) {
    char id[32];
    std::snprintf(id, sizeof id, "usb:%03u:%03u", libusb_get_bus_number(device), libusb_get_device_address(device));
    return id;
}

UsbReader::UsbReader(libusb_context* context, libusb_device* device, ReaderTimeouts timeouts)
    : UsbReader(context, true, device, timeouts) {}

UsbReader::UsbReader(libusb_device* device, ReaderTimeouts timeouts) : UsbReader(nullptr, false, device, timeouts) {}

UsbReader::UsbReader(libusb_context* context, bool pipelined, libusb_device* device, ReaderTimeouts timeouts)
    : context_(context), pipelined_(pipelined), id_(readerId(device)), timeouts_(timeouts) {
    int rc = libusb_open(device, &handle_);
    if (rc == LIBUSB_ERROR_ACCESS)
        throw ReaderError(kErrorNoPermission, "no permission to open the fingerprint reader " + id_ + ": " + kUdevRuleHint);
    if (rc == LIBUSB_ERROR_NO_DEVICE)
        throw ReaderError(kErrorDisconnected, "the fingerprint reader " + id_ + " was unplugged; plug it in again");
    if (rc != 0)
        throw ReaderError(kErrorGeneric, "cannot open the fingerprint reader " + id_ + ": " + libusb_strerror(rc));
    rc = libusb_claim_interface(handle_, 0);
    if (rc != 0) {
        libusb_close(handle_);
        handle_ = nullptr;
        if (rc == LIBUSB_ERROR_BUSY)
            throw ReaderError(kErrorBusy, "the fingerprint reader " + id_ +
                                              " is in use by another program (or another session): close the vendor's "
                                              "tool or the other Collect window, then try again");
        if (rc == LIBUSB_ERROR_ACCESS)
            throw ReaderError(kErrorNoPermission, "no permission to use the fingerprint reader " + id_ + ": " + kUdevRuleHint);
        if (rc == LIBUSB_ERROR_NO_DEVICE)
            throw ReaderError(kErrorDisconnected, "the fingerprint reader " + id_ + " was unplugged; plug it in again");
        throw ReaderError(kErrorGeneric, "cannot claim the fingerprint reader " + id_ + ": " + libusb_strerror(rc));
    }
    try {
        // A previous program may have left output queued: start clean.
        reset();
        Frame info = transact(kGetInfo, {});
        identity_ = decodeIdentity(info.payload);
    } catch (const std::runtime_error& e) {
        libusb_release_interface(handle_, 0);
        libusb_close(handle_);
        handle_ = nullptr;
        if (const auto* re = dynamic_cast<const ReaderError*>(&e)) throw *re;
        throw ReaderError(kErrorProtocol, std::string("the fingerprint reader ") + id_ + " answered GET_INFO wrongly: " +
                                              e.what());
    }
}

UsbReader::~UsbReader() {
    if (handle_) {
        libusb_release_interface(handle_, 0);
        libusb_close(handle_);
    }
}

void UsbReader::checkCancelled() {
    if (cancelled_) throw ReaderError(kErrorCancelled, "cancelled");
}

void UsbReader::fail(int rc, const char* during) {
    if (rc == LIBUSB_ERROR_NO_DEVICE || rc == LIBUSB_ERROR_IO) {
        unplugged_ = true;
        throw ReaderError(kErrorDisconnected, std::string("the fingerprint reader ") + id_ + " was unplugged during " +
                                                  during + "; plug it in again and repeat");
    }
    if (rc == LIBUSB_ERROR_TIMEOUT)
        throw ReaderError(kErrorTimeout, std::string("the fingerprint reader ") + id_ + " did not answer " + during +
                                             " in time; if this repeats, unplug and plug it in again");
    if (rc == LIBUSB_ERROR_PIPE)
        throw ReaderError(kErrorProtocol, std::string("the fingerprint reader ") + id_ + " stalled its endpoint during " +
                                              during + " (the stall was cleared; repeat the action)");
    if (rc == LIBUSB_ERROR_ACCESS)
        throw ReaderError(kErrorNoPermission, std::string("no permission to use the fingerprint reader ") + id_ + ": " +
                                                  kUdevRuleHint);
    throw ReaderError(kErrorGeneric, std::string("USB error during ") + during + " on reader " + id_ + ": " +
                                         libusb_strerror(rc));
}

void UsbReader::send(std::uint8_t command, std::uint16_t sequence, const std::vector<std::uint8_t>& payload) {
    Frame frame;
    frame.code = command;
    frame.sequence = sequence;
    frame.payload = payload;
    auto bytes = encodeFrame(frame);
    int sent = 0;
    int rc = libusb_bulk_transfer(handle_, kEndpointCommands, bytes.data(), static_cast<int>(bytes.size()), &sent,
                                  static_cast<unsigned>(timeouts_.command.count()));
    if (rc == LIBUSB_ERROR_PIPE) libusb_clear_halt(handle_, kEndpointCommands);
    if (rc != 0) fail(rc, "a command");
    if (sent != static_cast<int>(bytes.size()))
        throw ReaderError(kErrorProtocol, "the reader " + id_ + " accepted only part of a command");
}

Frame UsbReader::receive(std::uint16_t sequence, std::chrono::milliseconds timeout) {
    return receiveView(sequence, timeout).copy();
}

FrameView UsbReader::receiveView(std::uint16_t sequence, std::chrono::milliseconds timeout) {
    std::size_t discardedBefore = decoder_.discardedBytes();
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        while (auto frame = decoder_.nextView()) {
            if (frame->sequence == sequence) return *frame;
            ++resyncs_;  // a stale frame from an earlier, abandoned command: drop it
        }
        if (decoder_.discardedBytes() != discardedBefore && decoder_.bufferedBytes() == 0) {
            ++resyncs_;
            throw ReaderError(kErrorProtocol, "the reader " + id_ + " sent a damaged frame (" + decoder_.lastProblem() +
                                                  "); the driver resynchronised, repeat the action");
        }
        checkCancelled();
        // In slices, so a cancel() during a long wait (a capture waiting for the touch) is seen.
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        auto slice = std::max(std::chrono::milliseconds(1), std::min(left, kCancelCheck));
        int got = 0;
        int rc = libusb_bulk_transfer(handle_, kEndpointResponses, decoder_.appendSpace(kInTransferSize),
                                      static_cast<int>(kInTransferSize), &got, static_cast<unsigned>(slice.count()));
        if (rc == LIBUSB_ERROR_TIMEOUT && std::chrono::steady_clock::now() < deadline) {
            decoder_.appended(static_cast<std::size_t>(got));
            continue;
        }
        absorbResponse(rc, got);
    }
}

void UsbReader::absorbResponse(int rc, int got) {
    // The transfer wrote into the decoder's room; an error throws its bytes away.
    if (rc == LIBUSB_ERROR_PIPE) libusb_clear_halt(handle_, kEndpointResponses);
    if (rc == LIBUSB_ERROR_TIMEOUT && decoder_.bufferedBytes() > 0) {
        ++resyncs_;
        throw ReaderError(kErrorProtocol, "the reader " + id_ + " sent an incomplete frame (" +
                                              std::to_string(decoder_.bufferedBytes()) +
                                              " bytes, then nothing); the driver resynchronised, repeat the action");
    }
    if (rc != 0) fail(rc, "a response");
    decoder_.appended(static_cast<std::size_t>(got));
}

void UsbReader::exchange(std::uint8_t command, std::uint16_t sequence, const std::vector<std::uint8_t>& payload,
                         std::size_t responseBytes, std::chrono::milliseconds inTimeout, bool cancellable) {
    if (!pipelined_) return send(command, sequence, payload);
    Frame frame;
    frame.code = command;
    frame.sequence = sequence;
    frame.payload = payload;
    auto bytes = encodeFrame(frame);
    // A whole number of max-size packets, so a full last packet from the device always fits.
    std::size_t packets = (std::max(responseBytes, kMaxPacket) + kMaxPacket - 1) / kMaxPacket;
    std::size_t inSize = std::min(kMaxPrefetch, packets * kMaxPacket);
    TransferPtr in(libusb_alloc_transfer(0)), out(libusb_alloc_transfer(0));
    if (!in || !out) throw ReaderError(kErrorGeneric, "out of memory for USB transfers on reader " + id_);
    int inDone = 0, outDone = 0;
    // The answer lands straight in the decoder's buffer: no copy before the frames are cut out.
    libusb_fill_bulk_transfer(in.get(), handle_, kEndpointResponses, decoder_.appendSpace(inSize),
                              static_cast<int>(inSize), markDone, &inDone, static_cast<unsigned>(inTimeout.count()));
    libusb_fill_bulk_transfer(out.get(), handle_, kEndpointCommands, bytes.data(), static_cast<int>(bytes.size()),
                              markDone, &outDone, static_cast<unsigned>(timeouts_.command.count()));
    // The response's transfer first: the device's answer then goes out as soon as it is ready,
    // with no second round trip after the command.
    int rc = libusb_submit_transfer(in.get());
    if (rc != 0) fail(rc, "a response");
    rc = libusb_submit_transfer(out.get());
    if (rc == 0) {
        waitFor(context_, out.get(), outDone);
        rc = transferResult(out.get());
    }
    if (rc != 0 || out->actual_length != static_cast<int>(bytes.size())) {
        // No command, no answer: take the response transfer back before reporting.
        libusb_cancel_transfer(in.get());
        waitFor(context_, in.get(), inDone);
        if (rc == LIBUSB_ERROR_PIPE) libusb_clear_halt(handle_, kEndpointCommands);
        if (rc != 0) fail(rc, "a command");
        throw ReaderError(kErrorProtocol, "the reader " + id_ + " accepted only part of a command");
    }
    waitFor(context_, in.get(), inDone, cancellable ? &cancelled_ : nullptr);
    rc = transferResult(in.get());
    if (cancellable && in->status == LIBUSB_TRANSFER_CANCELLED && cancelled_) {
        decoder_.appended(static_cast<std::size_t>(in->actual_length));
        throw ReaderError(kErrorCancelled, "cancelled");
    }
    // Part of the answer came before the time ran out: receive() waits for the rest with its own timeouts.
    if (rc == LIBUSB_ERROR_TIMEOUT && in->actual_length > 0) rc = 0;
    absorbResponse(rc, in->actual_length);
}

void UsbReader::recoverAfterProtocolError() {
    // Throw away everything in flight on both sides, so the next command starts clean.
    try {
        decoder_.clear();
        std::uint16_t seq = ++sequence_;
        send(kReset, seq, {});
        for (int i = 0; i < 8; ++i) {
            int got = 0;
            int rc = libusb_bulk_transfer(handle_, kEndpointResponses, decoder_.appendSpace(kInTransferSize),
                                          static_cast<int>(kInTransferSize), &got, 200);
            if (rc == LIBUSB_ERROR_PIPE) libusb_clear_halt(handle_, kEndpointResponses);
            if (rc != 0) break;
            decoder_.appended(static_cast<std::size_t>(got));
            bool sawReset = false;
            while (auto f = decoder_.nextView())
                if (f->sequence == seq) sawReset = true;
            if (sawReset) break;
        }
        decoder_.clear();
    } catch (const ReaderError&) {
        // Unplugged while recovering: the next call reports it.
    }
}

Frame UsbReader::transact(std::uint8_t command, const std::vector<std::uint8_t>& payload) {
    std::lock_guard lock(commandMutex_);
    std::uint16_t seq = ++sequence_;
    try {
        exchange(command, seq, payload, kSmallResponse, timeouts_.command);
        Frame response = receive(seq, timeouts_.command);
        if (response.code != (command | kResponseFlag))
            throw ReaderError(kErrorProtocol, "the reader " + id_ + " answered command " + std::to_string(command) +
                                                  " with code " + std::to_string(response.code));
        if (response.status != kStatusOk && response.status != kStatusNoFinger)
            throw ReaderError(response.status == kStatusBusy ? kErrorBusy : kErrorProtocol,
                              "the reader " + id_ + " refused the command: " + deviceStatusName(response.status) +
                                  (response.status == kStatusSensorError ? " (clean the sensor; if it repeats, have the "
                                                                            "reader serviced)"
                                                                          : ""));
        return response;
    } catch (const ReaderError& e) {
        if (e.status() == kErrorProtocol || e.status() == kErrorTimeout) recoverAfterProtocolError();
        throw;
    }
}

void UsbReader::reset() {
    std::lock_guard lock(commandMutex_);
    decoder_.clear();
    std::uint16_t seq = ++sequence_;
    exchange(kReset, seq, {}, kSmallResponse, timeouts_.command);
    receive(seq, timeouts_.command);
    decoder_.clear();
}

bool UsbReader::fingerPresent() {
    Frame f = transact(kGetFingerStatus, {});
    return !f.payload.empty() && f.payload[0] != 0;
}

void UsbReader::setLed(std::uint8_t colour, std::uint8_t mode) { transact(kSetLed, {colour, mode}); }

void UsbReader::beep(std::uint16_t ms) {
    std::vector<std::uint8_t> p(2);
    writeU16(p.data(), ms);
    transact(kBeep, p);
}

std::optional<FingerEvent> UsbReader::waitFingerEvent(std::chrono::milliseconds timeout) {
    std::lock_guard lock(eventMutex_);
    auto deadline = std::chrono::steady_clock::now() + timeout;
    std::uint8_t event[64];
    for (;;) {
        checkCancelled();
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return std::nullopt;
        auto slice = std::min(left, timeouts_.eventSlice);
        int got = 0;
        int rc = libusb_interrupt_transfer(handle_, kEndpointEvents, event, sizeof event, &got,
                                           static_cast<unsigned>(std::max<long>(1, slice.count())));
        if (rc == LIBUSB_ERROR_TIMEOUT) continue;
        if (rc == LIBUSB_ERROR_PIPE) {
            libusb_clear_halt(handle_, kEndpointEvents);
            continue;
        }
        if (rc != 0) fail(rc, "waiting for a finger");
        if (got >= static_cast<int>(kEventSize) && event[0] == 0x46 && event[1] == 0x45 &&
            (event[2] == kFingerOn || event[2] == kFingerOff))
            return static_cast<FingerEvent>(event[2]);
        ++resyncs_;  // a malformed event: ignore it
    }
}

GreyImage UsbReader::capture() {
    auto image = captureImage({}, timeouts_.command);
    if (!image) throw ReaderError(kErrorQuality, "no finger on the reader: place the finger flat on the sensor");
    return std::move(*image);
}

std::optional<GreyImage> UsbReader::captureOnTouch(std::chrono::milliseconds wait) {
    // The protocol's wait is at most 60 s: a longer one is several captures in a row.
    auto deadline = std::chrono::steady_clock::now() + wait;
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        auto ms = std::clamp<long long>(left.count(), 1, 60000);
        std::vector<std::uint8_t> payload(2);
        writeU16(payload.data(), static_cast<std::uint16_t>(ms));
        auto image = captureImage(payload, std::chrono::milliseconds(ms) + timeouts_.imageTransfer);
        if (image || std::chrono::steady_clock::now() >= deadline) return image;
    }
}

std::optional<GreyImage> UsbReader::captureImage(const std::vector<std::uint8_t>& payload,
                                                 std::chrono::milliseconds answerTimeout) {
    std::lock_guard lock(commandMutex_);
    checkCancelled();
    std::uint16_t seq = ++sequence_;
    try {
        // The whole answer (header and every chunk) is expected in the transfer queued with the command.
        std::size_t expected = captureResponseBytes(static_cast<std::size_t>(identity_.sensorWidth) *
                                                    static_cast<std::size_t>(identity_.sensorHeight));
        exchange(kCapture, seq, payload, expected, answerTimeout, true);
        Frame header = receive(seq, answerTimeout);
        if (header.code != (kCapture | kResponseFlag))
            throw ReaderError(kErrorProtocol, "the reader " + id_ + " answered CAPTURE with code " + std::to_string(header.code));
        if (header.status == kStatusNoFinger) return std::nullopt;
        if (header.status == kStatusCancelled) throw ReaderError(kErrorCancelled, "cancelled");
        if (header.status != kStatusOk)
            throw ReaderError(kErrorProtocol, std::string("the reader refused to capture: ") + deviceStatusName(header.status));
        try {
            ImageAssembler image(header, identity_.sensorWidth, identity_.sensorHeight);
            while (!image.complete()) {
                checkCancelled();
                FrameView chunk = receiveView(seq, timeouts_.imageTransfer);
                if (chunk.code != kImageChunk)
                    throw ReaderError(kErrorProtocol, "the reader " + id_ + " interrupted an image with code " +
                                                          std::to_string(chunk.code));
                if (chunk.status == kStatusCancelled) throw ReaderError(kErrorCancelled, "cancelled");
                image.add(chunk);
            }
            return image.take();
        } catch (const ReaderError&) {
            throw;
        } catch (const std::runtime_error& e) {  // what the assembler found wrong
            throw ReaderError(kErrorProtocol, "the reader " + id_ + " sent an unusable image (" + e.what() + "); press again");
        }
    } catch (const ReaderError& e) {
        if (e.status() == kErrorCancelled) {
            // Tell the device, then throw away what it still sends.
            try {
                send(kCancel, ++sequence_, {});
            } catch (...) {
            }
            recoverAfterProtocolError();
        } else if (e.status() == kErrorProtocol || e.status() == kErrorTimeout) {
            recoverAfterProtocolError();
        }
        throw;
    }
}

} // namespace fpb::reader
