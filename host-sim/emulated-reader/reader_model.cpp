// SPDX-License-Identifier: GPL-2.0-or-later
// An implementation of plugin/docs/reader-protocol.md written from the document, independently
// of the driver's code, so that a misreading on one side shows up as a failing test.
#include "reader_model.h"

#include <linux/ioctl.h>
#include <isa-l/crc.h>
#include <zlib.h>
#include <linux/usbdevice_fs.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace fpb::emulation {

namespace {

constexpr std::uint8_t kEpCommands = 0x01;
constexpr std::uint8_t kEpResponses = 0x82;
constexpr std::uint8_t kEpEvents = 0x83;
constexpr std::size_t kChunk = 65532;

std::uint32_t crc(const std::uint8_t* p, std::size_t n) {
    // CRC-32 (IEEE, as zlib's crc32), fast: real readers compute it in hardware as the data leaves.
    return static_cast<std::uint32_t>(::crc32_gzip_refl(0, p, n));
}

void put16(std::vector<std::uint8_t>& v, std::size_t at, std::uint32_t x) {
    v[at] = static_cast<std::uint8_t>(x);
    v[at + 1] = static_cast<std::uint8_t>(x >> 8);
}
void put32(std::vector<std::uint8_t>& v, std::size_t at, std::uint32_t x) {
    for (int i = 0; i < 4; ++i) v[at + i] = static_cast<std::uint8_t>(x >> (8 * i));
}
std::uint32_t get32(const std::uint8_t* p) { return p[0] | (p[1] << 8) | (p[2] << 16) | (std::uint32_t(p[3]) << 24); }

} // namespace

ReaderModel::ReaderModel(ReaderConfig config, std::shared_ptr<FingerSource> source)
    : config_(std::move(config)), source_(std::move(source)), sensor_(config_.sensorWidth, config_.sensorHeight,
                                                                        config_.resolutionDpi, 255) {}

ReaderModel::~ReaderModel() {
    for (auto* urb : inFlight_) umockdev_ioctl_data_unref(urb);
    inFlight_.clear();
}

void ReaderModel::release(UMockdevIoctlData* urb) {
    auto it = std::find(inFlight_.begin(), inFlight_.end(), urb);
    if (it != inFlight_.end()) inFlight_.erase(it);
    umockdev_ioctl_data_unref(urb);
}

void ReaderModel::appendFrame(std::uint8_t code, std::uint16_t sequence, std::uint16_t status,
                              const std::uint8_t* prefix, std::size_t prefixSize, const std::uint8_t* body,
                              std::size_t bodySize, std::uint32_t bodyCrc) {
    if (responsesRead_ == responses_.size()) dropOutput();  // all sent: start the queue afresh
    // The frame is appended straight to the IN queue (no temporary copies of the payload).
    const std::size_t at = responses_.size();
    const std::size_t length = prefixSize + bodySize;
    std::uint8_t f[12] = {0x46, 0x42, 1, code};
    f[4] = static_cast<std::uint8_t>(sequence);
    f[5] = static_cast<std::uint8_t>(sequence >> 8);
    f[6] = static_cast<std::uint8_t>(status);
    f[7] = static_cast<std::uint8_t>(status >> 8);
    for (int i = 0; i < 4; ++i) f[8 + i] = static_cast<std::uint8_t>(length >> (8 * i));
    responses_.reserve(at + 12 + length + 4);
    responses_.insert(responses_.end(), f, f + 12);
    responses_.insert(responses_.end(), prefix, prefix + prefixSize);
    responses_.insert(responses_.end(), body, body + bodySize);
    // CRC-32 of header and payload; the body's CRC is known already, so it is combined, not recomputed
    // (the same value as crc32 over the whole frame).
    std::uint32_t frameCrc = crc(responses_.data() + at, 12 + prefixSize);
    if (bodySize > 0)
        frameCrc = static_cast<std::uint32_t>(::crc32_combine(frameCrc, bodyCrc, static_cast<z_off_t>(bodySize)));
    std::size_t end = at + 12 + length;
    responses_.resize(end + 4);
    put32(responses_, end, frameCrc);
    if (faults_.corruptNextCrc) {
        faults_.corruptNextCrc = false;
        responses_.back() ^= 0x5A;
    } else if (faults_.truncateNextFrame) {
        faults_.truncateNextFrame = false;
        responses_.resize(at + 12 + length / 2);
    } else if (faults_.oversizeNextFrame) {
        faults_.oversizeNextFrame = false;
        put32(responses_, at + 8, 0x00F00000u);  // 15 MiB: over the protocol's limit
        responses_.resize(std::min<std::size_t>(responses_.size(), at + 64));
    }
    responsesReadyAt_ = Clock::now() + std::chrono::milliseconds(faults_.responseDelayMs);
}

void ReaderModel::respond(std::uint8_t code, std::uint16_t sequence, std::uint16_t status, const std::uint8_t* payload,
                          std::size_t size) {
    appendFrame(code, sequence, status, payload, size, nullptr, 0, 0);
}

void ReaderModel::handleCommand(const std::uint8_t* p, std::size_t n) {
    if (n < 16 || p[0] != 0x46 || p[1] != 0x42) return;  // not a frame: a real device ignores it
    std::uint16_t seq = static_cast<std::uint16_t>(p[4] | (p[5] << 8));
    std::uint8_t code = p[3];
    std::uint32_t length = get32(p + 8);
    if (p[2] != 1) return respond(code | 0x80, seq, 8, {});
    if (length > 64 || 12 + length + 4 > n) return respond(code | 0x80, seq, 2, {});
    if (crc(p, 12 + length) != get32(p + 12 + length)) return respond(code | 0x80, seq, 1, {});
    const std::uint8_t* payload = p + 12;
    if (waitingCapture_ && code != 0x06 && code != 0x07) return respond(code | 0x80, seq, 4, {});
    switch (code) {
        case 0x01: {  // GET_INFO
            std::vector<std::uint8_t> info(80, 0);
            std::memcpy(info.data(), config_.model.data(), std::min<std::size_t>(31, config_.model.size()));
            std::memcpy(info.data() + 32, config_.serial.data(), std::min<std::size_t>(31, config_.serial.size()));
            info[64] = static_cast<std::uint8_t>(config_.firmwareMajor);
            info[65] = static_cast<std::uint8_t>(config_.firmwareMinor);
            info[66] = static_cast<std::uint8_t>(config_.firmwarePatch);
            put16(info, 68, static_cast<std::uint32_t>(config_.sensorWidth));
            put16(info, 70, static_cast<std::uint32_t>(config_.sensorHeight));
            put16(info, 72, static_cast<std::uint32_t>(config_.resolutionDpi));
            put16(info, 74, 8);
            put32(info, 76, 7);
            return respond(0x81, seq, 0, info);
        }
        case 0x02:
            return respond(0x82, seq, 0, {static_cast<std::uint8_t>(fingerOn_ ? 1 : 0)});
        case 0x03: {  // CAPTURE: now, or on touch within the wait
            if (length != 0 && length != 2) return respond(0x83, seq, 2, {});
            std::uint16_t waitMs = length == 2 ? static_cast<std::uint16_t>(payload[0] | (payload[1] << 8)) : 0;
            if (length == 2 && (waitMs == 0 || waitMs > 60000)) return respond(0x83, seq, 2, {});
            if (fingerOn_) return sendImage(seq);
            if (waitMs == 0) return respond(0x83, seq, 5, std::vector<std::uint8_t>(16, 0));
            waitingCapture_ = WaitingCapture{seq, Clock::now() + std::chrono::milliseconds(waitMs)};
            return;
        }
        case 0x04:
            if (length != 2) return respond(0x84, seq, 2, {});
            return respond(0x84, seq, 0, {});
        case 0x05:
            if (length != 2) return respond(0x85, seq, 2, {});
            ++beeps_;
            // The tone tells the person to lift: they do, shortly.
            if (fingerOn_) {
                auto soon = Clock::now() + std::chrono::milliseconds(250);
                if (!fingerUpAt_ || *fingerUpAt_ > soon) fingerUpAt_ = soon;
            }
            (void)payload;
            return respond(0x85, seq, 0, {});
        case 0x06:
            endImageInFlight();
            if (waitingCapture_) {
                respond(0x83, waitingCapture_->sequence, 6, std::vector<std::uint8_t>(16, 0));
                waitingCapture_.reset();
            }
            return respond(0x86, seq, 0, {});
        case 0x07:
            dropOutput();
            waitingCapture_.reset();
            return respond(0x87, seq, 0, {});
        default:
            return respond(code | 0x80, seq, 3, {});
    }
}

void ReaderModel::sendImage(std::uint16_t seq) {
    std::vector<std::uint8_t> header(16, 0);
    std::uint32_t total = static_cast<std::uint32_t>(sensor_.pixels.size());
    put16(header, 0, static_cast<std::uint32_t>(sensor_.width));
    put16(header, 2, static_cast<std::uint32_t>(sensor_.height));
    put16(header, 4, static_cast<std::uint32_t>(config_.resolutionDpi));
    put32(header, 8, total);
    // The sensor is read out chunk by chunk: each chunk's CRC is computed once and serves
    // both its frame's CRC and (combined) the whole image's CRC in the header.
    std::vector<std::uint32_t> chunkCrcs;
    std::uint32_t imageCrc = 0;
    for (std::uint32_t offset = 0; offset < total; offset += kChunk) {
        std::uint32_t size = std::min<std::uint32_t>(kChunk, total - offset);
        chunkCrcs.push_back(crc(sensor_.pixels.data() + offset, size));
        imageCrc = offset == 0 ? chunkCrcs.back()
                               : static_cast<std::uint32_t>(::crc32_combine(imageCrc, chunkCrcs.back(), size));
    }
    if (faults_.corruptNextImageCrc) {
        faults_.corruptNextImageCrc = false;
        imageCrc ^= 0x00010000u;
    }
    put32(header, 12, imageCrc);
    respond(0x83, seq, 0, header);
    imageChunkStarts_.clear();
    for (std::uint32_t offset = 0, i = 0; offset < total; offset += kChunk, ++i) {
        std::uint32_t size = std::min<std::uint32_t>(kChunk, total - offset);
        std::uint8_t prefix[4];
        for (int b = 0; b < 4; ++b) prefix[b] = static_cast<std::uint8_t>(offset >> (8 * b));
        imageChunkStarts_.push_back(responses_.size());
        appendFrame(0x90, seq, 0, prefix, 4, sensor_.pixels.data() + offset, size, chunkCrcs[i]);
    }
    imageEnd_ = responses_.size();
    imageSequence_ = seq;
}

void ReaderModel::dropOutput() {
    responses_.clear();
    responsesRead_ = 0;
    imageChunkStarts_.clear();
}

void ReaderModel::endImageInFlight() {
    // Section 3.2: a CANCEL between chunks ends the capture. The chunk on the wire is finished;
    // the chunks not begun are dropped for a final 0x90 frame of status CANCELLED.
    auto notBegun = std::find_if(imageChunkStarts_.begin(), imageChunkStarts_.end(),
                                 [&](std::size_t start) { return start >= responsesRead_; });
    if (notBegun == imageChunkStarts_.end() || imageEnd_ > responses_.size()) return;
    std::vector<std::uint8_t> after(responses_.begin() + static_cast<std::ptrdiff_t>(imageEnd_), responses_.end());
    responses_.resize(*notBegun);
    imageChunkStarts_.clear();
    appendFrame(0x90, imageSequence_, 6, nullptr, 0, nullptr, 0, 0);
    responses_.insert(responses_.end(), after.begin(), after.end());
}

void ReaderModel::pushEvent(std::uint8_t type) {
    std::array<std::uint8_t, 8> e{0x46, 0x45, type, eventCounter_++, 0, 0, 0, 0};
    auto ms = static_cast<std::uint32_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start_).count());
    for (int i = 0; i < 4; ++i) e[4 + i] = static_cast<std::uint8_t>(ms >> (8 * i));
    events_.push_back(e);
}

void ReaderModel::setFingerLocked(bool on, GreyImage* image) {
    if (on) {
        if (image != nullptr) sensor_ = std::move(*image);
        if (!fingerOn_) {
            pushEvent(1);
            lastTouch_ = Clock::now();
        }
        fingerOn_ = true;
        if (waitingCapture_) {  // capture on touch: the image is taken as the finger lands
            sendImage(waitingCapture_->sequence);
            waitingCapture_.reset();
        }
    } else {
        if (fingerOn_) pushEvent(2);
        fingerOn_ = false;
        fingerUpAt_.reset();
        listeningSince_.reset();
    }
}

void ReaderModel::playPresses() {
    auto now = Clock::now();
    if (fingerOn_ && fingerUpAt_ && now >= *fingerUpAt_) setFingerLocked(false, nullptr);
    if (fingerOn_ || presses_.empty()) return;
    // The person presses once the host is listening for a finger (the prompt is out).
    // libusb re-submits its interrupt transfer every few hundred milliseconds: the listening
    // starts with the first one after the finger was lifted and lasts across re-submissions.
    // A capture waiting for the touch is listening too.
    if (pendingInterrupt_.empty() && !waitingCapture_) return;
    if (!listeningSince_) listeningSince_ = now;
    Press& press = presses_.front();
    if (now - *listeningSince_ < std::chrono::milliseconds(press.delayMs)) return;
    GreyImage image = press.image;
    if (image.empty() && source_) {
        try {
            image = source_->nextImage(config_.sensorWidth, config_.sensorHeight, config_.resolutionDpi);
        } catch (const std::exception& e) {
            // A broken finger source must not take the emulated USB bus down with it.
            std::fprintf(stderr, "emulated reader: finger source failed: %s\n", e.what());
        }
    }
    if (image.empty()) image = GreyImage(config_.sensorWidth, config_.sensorHeight, config_.resolutionDpi, 128);
    image = fitToSensor(image, config_.sensorWidth, config_.sensorHeight, config_.resolutionDpi);
    setFingerLocked(true, &image);
    fingerUpAt_ = now + std::chrono::milliseconds(press.holdMs);
    presses_.pop_front();
}

void ReaderModel::complete(Urb u, int status, int actualLength) {
    auto* urb = reinterpret_cast<usbdevfs_urb*>(u.urb->data);
    urb->status = status;
    urb->actual_length = actualLength;
    completed_.push_back(std::move(u));
}

void ReaderModel::progress() {
    playPresses();
    if (waitingCapture_ && Clock::now() >= waitingCapture_->deadline) {
        respond(0x83, waitingCapture_->sequence, 5, std::vector<std::uint8_t>(16, 0));  // no finger came
        waitingCapture_.reset();
    }
    if (!pendingBulkIn_.empty() && faults_.stallNextIn) {
        faults_.stallNextIn = false;
        Urb u = std::move(pendingBulkIn_.front());
        pendingBulkIn_.pop_front();
        complete(std::move(u), -EPIPE, 0);
    }
    while (!pendingBulkIn_.empty() && responsesRead_ < responses_.size() && Clock::now() >= responsesReadyAt_) {
        std::size_t n = std::min(pendingBulkIn_.front().capacity, responses_.size() - responsesRead_);
        if (faults_.unplugAfterResponseBytes >= 0) {
            if (static_cast<long>(n) >= faults_.unplugAfterResponseBytes) {
                // The cable comes out in the middle of this transfer: it ends with ESHUTDOWN.
                faults_.unplugAfterResponseBytes = -1;
                unplugNow();
                return;
            }
            faults_.unplugAfterResponseBytes -= static_cast<long>(n);
        }
        Urb u = std::move(pendingBulkIn_.front());
        pendingBulkIn_.pop_front();
        u.in.assign(responses_.begin() + static_cast<std::ptrdiff_t>(responsesRead_),
                    responses_.begin() + static_cast<std::ptrdiff_t>(responsesRead_ + n));
        responsesRead_ += n;
        complete(std::move(u), 0, static_cast<int>(n));
    }
    while (!pendingInterrupt_.empty() && !events_.empty()) {
        Urb u = std::move(pendingInterrupt_.front());
        pendingInterrupt_.pop_front();
        std::size_t n = std::min<std::size_t>(u.capacity, 8);
        u.in.assign(events_.front().begin(), events_.front().begin() + static_cast<std::ptrdiff_t>(n));
        events_.pop_front();
        complete(std::move(u), 0, static_cast<int>(n));
    }
}

void ReaderModel::unplugNow() {
    // Like the kernel on disconnect: everything in flight ends with ESHUTDOWN.
    unplugged_ = true;
    wantsRemoval_ = true;
    for (auto& u : pendingBulkIn_) complete(std::move(u), -ESHUTDOWN, 0);
    for (auto& u : pendingInterrupt_) complete(std::move(u), -ESHUTDOWN, 0);
    pendingBulkIn_.clear();
    pendingInterrupt_.clear();
    dropOutput();
    events_.clear();
    waitingCapture_.reset();
}

gboolean ReaderModel::handleIoctl(UMockdevIoctlClient* client) {
    std::lock_guard lock(mutex_);
    gulong request = umockdev_ioctl_client_get_request(client);
    UMockdevIoctlData* arg = umockdev_ioctl_client_get_arg(client);

    switch (request) {
        case USBDEVFS_GET_CAPABILITIES: {
            UMockdevIoctlData* d = umockdev_ioctl_data_resolve(arg, 0, sizeof(guint32), nullptr);
            *reinterpret_cast<guint32*>(d->data) = USBDEVFS_CAP_BULK_SCATTER_GATHER | USBDEVFS_CAP_BULK_CONTINUATION |
                                                   USBDEVFS_CAP_NO_PACKET_SIZE_LIM | USBDEVFS_CAP_REAP_AFTER_DISCONNECT |
                                                   USBDEVFS_CAP_ZERO_PACKET;
            umockdev_ioctl_data_unref(d);
            umockdev_ioctl_client_complete(client, 0, 0);
            return TRUE;
        }
        case USBDEVFS_CLAIMINTERFACE:
            if (unplugged_) return umockdev_ioctl_client_complete(client, -1, ENODEV), TRUE;
            if (faults_.claimedElsewhere) return umockdev_ioctl_client_complete(client, -1, EBUSY), TRUE;
            umockdev_ioctl_client_complete(client, 0, 0);
            return TRUE;
        case USBDEVFS_RELEASEINTERFACE:
        case USBDEVFS_CLEAR_HALT:
        case USBDEVFS_RESET:
        case USBDEVFS_RESETEP:
        case USBDEVFS_SETINTERFACE:
            if (unplugged_) return umockdev_ioctl_client_complete(client, -1, ENODEV), TRUE;
            umockdev_ioctl_client_complete(client, 0, 0);
            return TRUE;
        case USBDEVFS_SUBMITURB: {
            if (unplugged_) return umockdev_ioctl_client_complete(client, -1, ENODEV), TRUE;
            UMockdevIoctlData* urbData = umockdev_ioctl_data_resolve(arg, 0, sizeof(usbdevfs_urb), nullptr);
            auto* urb = reinterpret_cast<usbdevfs_urb*>(urbData->data);
            Urb u;
            u.urb = urbData;
            u.client = client;
            u.capacity = urb->buffer_length > 0 ? static_cast<std::size_t>(urb->buffer_length) : 0;
            inFlight_.push_back(urbData);
            if (urb->type == USBDEVFS_URB_TYPE_BULK && urb->endpoint == kEpCommands) {
                // OUT: the command bytes are needed now. (IN buffers are not fetched: see Urb.)
                UMockdevIoctlData* buffer = u.capacity == 0 ? nullptr
                                                            : umockdev_ioctl_data_resolve(
                                                                  urbData, G_STRUCT_OFFSET(usbdevfs_urb, buffer),
                                                                  static_cast<gsize>(u.capacity), nullptr);
                if (buffer != nullptr) {
                    handleCommand(buffer->data, u.capacity);
                    umockdev_ioctl_data_unref(buffer);
                }
                complete(std::move(u), 0, urb->buffer_length);
            } else if (urb->type == USBDEVFS_URB_TYPE_BULK && urb->endpoint == kEpResponses) {
                pendingBulkIn_.push_back(std::move(u));
            } else if (urb->type == USBDEVFS_URB_TYPE_INTERRUPT && urb->endpoint == kEpEvents) {
                pendingInterrupt_.push_back(std::move(u));
            } else {
                complete(std::move(u), -EPIPE, 0);  // nothing else exists on this device: stall
            }
            progress();
            umockdev_ioctl_client_complete(client, 0, 0);
            return TRUE;
        }
        case USBDEVFS_REAPURB:
        case USBDEVFS_REAPURBNDELAY: {
            progress();
            // Like usbfs: a file reaps only the URBs submitted on it.
            auto it = std::find_if(completed_.begin(), completed_.end(), [&](const Urb& x) { return x.client == client; });
            if (it == completed_.end()) {
                umockdev_ioctl_client_complete(client, -1, unplugged_ ? ENODEV : EAGAIN);
                return TRUE;
            }
            Urb u = std::move(*it);
            completed_.erase(it);
            if (!u.in.empty()) {
                // IN data goes to the host's buffer now, and only the bytes delivered.
                UMockdevIoctlData* buffer = umockdev_ioctl_data_resolve(u.urb, G_STRUCT_OFFSET(usbdevfs_urb, buffer),
                                                                        u.in.size(), nullptr);
                if (buffer != nullptr) {
                    std::memcpy(buffer->data, u.in.data(), u.in.size());
                    umockdev_ioctl_data_unref(buffer);
                }
            }
            UMockdevIoctlData* ptr = umockdev_ioctl_data_resolve(arg, 0, sizeof(gpointer), nullptr);
            umockdev_ioctl_data_set_ptr(ptr, 0, u.urb);
            umockdev_ioctl_data_unref(ptr);
            release(u.urb);
            umockdev_ioctl_client_complete(client, 0, 0);
            return TRUE;
        }
        case USBDEVFS_DISCARDURB: {
            gulong address = reinterpret_cast<gulong>(*reinterpret_cast<void**>(arg->data));
            auto matches = [&](const Urb& x) { return x.client == client && x.urb->client_addr == address; };
            auto take = [&](std::deque<Urb>& list) {
                auto it = std::find_if(list.begin(), list.end(), matches);
                if (it == list.end()) return false;
                Urb u = std::move(*it);
                list.erase(it);
                complete(std::move(u), -ENOENT, 0);
                return true;
            };
            if (take(pendingBulkIn_) || take(pendingInterrupt_)) umockdev_ioctl_client_complete(client, 0, 0);
            else umockdev_ioctl_client_complete(client, -1, EINVAL);
            return TRUE;
        }
        default:
            return FALSE;
    }
}

void ReaderModel::unplug() {
    std::lock_guard lock(mutex_);
    unplugNow();
    wantsRemoval_ = false;  // the caller removes the device node itself
}

void ReaderModel::replugged() {
    std::lock_guard lock(mutex_);
    unplugged_ = false;
    wantsRemoval_ = false;
    fingerOn_ = false;
    fingerUpAt_.reset();
    listeningSince_.reset();
    waitingCapture_.reset();
    dropOutput();
    events_.clear();
    completed_.clear();
    for (auto* urb : inFlight_) umockdev_ioctl_data_unref(urb);
    inFlight_.clear();
}

void ReaderModel::fingerDown(GreyImage image) {
    std::lock_guard lock(mutex_);
    if (image.width == config_.sensorWidth && image.height == config_.sensorHeight) image.dpi = config_.resolutionDpi;
    else image = fitToSensor(image, config_.sensorWidth, config_.sensorHeight, config_.resolutionDpi);
    setFingerLocked(true, &image);
    fingerUpAt_.reset();
}

void ReaderModel::fingerUp() {
    std::lock_guard lock(mutex_);
    setFingerLocked(false, nullptr);
}

void ReaderModel::queuePress(Press press) {
    std::lock_guard lock(mutex_);
    presses_.push_back(std::move(press));
}

std::size_t ReaderModel::queuedPresses() {
    std::lock_guard lock(mutex_);
    return presses_.size() + (fingerOn_ ? 1 : 0);
}

std::chrono::steady_clock::time_point ReaderModel::lastTouch() {
    std::lock_guard lock(mutex_);
    return lastTouch_;
}

int ReaderModel::beeps() {
    std::lock_guard lock(mutex_);
    return beeps_;
}

void ReaderModel::setFaults(const Faults& faults) {
    std::lock_guard lock(mutex_);
    faults_ = faults;
}

void ReaderModel::setSource(std::shared_ptr<FingerSource> source) {
    std::lock_guard lock(mutex_);
    source_ = std::move(source);
}

bool ReaderModel::wantsRemoval() {
    std::lock_guard lock(mutex_);
    bool w = wantsRemoval_;
    wantsRemoval_ = false;
    return w;
}

bool ReaderModel::inTransferWaiting(bool andCaptureWaiting) {
    std::lock_guard lock(mutex_);
    // completed_ empty: the host has reaped everything else (the command's own transfer too).
    return !pendingBulkIn_.empty() && completed_.empty() && (!andCaptureWaiting || waitingCapture_.has_value());
}

void ReaderModel::queueRawResponse(std::size_t bytes, std::uint8_t fill) {
    std::lock_guard lock(mutex_);
    if (responsesRead_ == responses_.size()) dropOutput();  // all sent: start the queue afresh
    responses_.insert(responses_.end(), bytes, fill);
    responsesReadyAt_ = Clock::now();
}

} // namespace fpb::emulation
