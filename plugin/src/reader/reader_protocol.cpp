// SPDX-License-Identifier: GPL-2.0-or-later
#include "reader/reader_protocol.h"

#include <isa-l/crc.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <sstream>
#include <stdexcept>

namespace fpb::reader {

namespace {

std::string fixedString(const std::uint8_t* p, std::size_t size) {
    std::size_t n = 0;
    while (n < size && p[n] != 0) ++n;
    return std::string(reinterpret_cast<const char*>(p), n);
}

} // namespace

const char* deviceStatusName(std::uint16_t status) {
    switch (status) {
        case kStatusOk: return "OK";
        case kStatusBadCrc: return "BAD_CRC";
        case kStatusBadLength: return "BAD_LENGTH";
        case kStatusUnknownCommand: return "UNKNOWN_COMMAND";
        case kStatusBusy: return "BUSY";
        case kStatusNoFinger: return "NO_FINGER";
        case kStatusCancelled: return "CANCELLED";
        case kStatusSensorError: return "SENSOR_ERROR";
        case kStatusBadVersion: return "BAD_VERSION";
        default: return "UNKNOWN_STATUS";
    }
}

std::uint32_t crc32(const std::uint8_t* data, std::size_t size, std::uint32_t crc) {
    // ISA-L's gzip CRC is this exact CRC (zlib's), carry-less-multiply code picked for the CPU at
    // run time: on a 145 KB image about 2 µs against zlib's 21 µs. It is most of a capture's CPU.
    return static_cast<std::uint32_t>(::crc32_gzip_refl(crc, data, size));
}

std::uint32_t crc32Combine(std::uint32_t crcA, std::uint32_t crcB, std::size_t lengthB) {
    return static_cast<std::uint32_t>(::crc32_combine(crcA, crcB, static_cast<z_off_t>(lengthB)));
}

std::uint32_t crc32OfTail(std::uint32_t crcWhole, std::uint32_t crcHead, std::size_t lengthTail) {
    // CRC-32 is linear: crc(A then B) = crc(A) carried over |B| zero bytes, XOR crc(B).
    return crcWhole ^ crc32Combine(crcHead, 0, lengthTail);
}

ImageAssembler::ImageAssembler(const Frame& header, int sensorWidth, int sensorHeight) {
    if (header.payload.size() < 16) throw std::runtime_error("the capture header is too short");
    int width = readU16(&header.payload[0]);
    int height = readU16(&header.payload[2]);
    int dpi = readU16(&header.payload[4]);
    std::uint32_t total = readU32(&header.payload[8]);
    expectedCrc_ = readU32(&header.payload[12]);
    if (width != sensorWidth || height != sensorHeight ||
        total != static_cast<std::uint32_t>(width) * static_cast<std::uint32_t>(height))
        throw std::runtime_error("a " + std::to_string(width) + "x" + std::to_string(height) +
                                 " image was announced, which does not match the sensor");
    image_ = GreyImage(width, height, dpi, 0);
}

void ImageAssembler::add(const FrameView& chunk) {
    if (chunk.payloadSize < 4) throw std::runtime_error("an image chunk is too short");
    std::uint32_t offset = readU32(chunk.payload);
    std::size_t bytes = chunk.payloadSize - 4;
    if (offset != received_ || bytes > image_.pixels.size() - received_)
        throw std::runtime_error("image bytes out of order (offset " + std::to_string(offset) + ", expected " +
                                 std::to_string(received_) + ")");
    std::memcpy(image_.pixels.data() + offset, chunk.payload + 4, bytes);
    // The pixels' CRC from the frame's: the frame's first 16 bytes (header and offset) are known.
    std::uint8_t head[kHeaderSize + 4] = {kMagic0, kMagic1, kProtocolVersion, chunk.code};
    writeU16(head + 4, chunk.sequence);
    writeU16(head + 6, chunk.status);
    writeU32(head + 8, static_cast<std::uint32_t>(chunk.payloadSize));
    std::memcpy(head + kHeaderSize, chunk.payload, 4);
    std::uint32_t pixelsCrc = crc32OfTail(chunk.crc, crc32(head, sizeof head), bytes);
    crc_ = received_ == 0 ? pixelsCrc : crc32Combine(crc_, pixelsCrc, bytes);
    received_ += bytes;
}

GreyImage ImageAssembler::take() {
    if (!complete()) throw std::runtime_error("the image is incomplete");
    if (crc_ != expectedCrc_) throw std::runtime_error("the image failed its checksum");
    return std::move(image_);
}

std::uint16_t readU16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] | (p[1] << 8)); }
std::uint32_t readU32(const std::uint8_t* p) {
    return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
           (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}
void writeU16(std::uint8_t* p, std::uint16_t v) {
    p[0] = static_cast<std::uint8_t>(v);
    p[1] = static_cast<std::uint8_t>(v >> 8);
}
void writeU32(std::uint8_t* p, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

std::vector<std::uint8_t> encodeFrame(const Frame& frame) {
    std::vector<std::uint8_t> out(kHeaderSize + frame.payload.size() + kCrcSize);
    out[0] = kMagic0;
    out[1] = kMagic1;
    out[2] = kProtocolVersion;
    out[3] = frame.code;
    writeU16(&out[4], frame.sequence);
    writeU16(&out[6], frame.status);
    writeU32(&out[8], static_cast<std::uint32_t>(frame.payload.size()));
    if (!frame.payload.empty()) std::memcpy(&out[kHeaderSize], frame.payload.data(), frame.payload.size());
    writeU32(&out[kHeaderSize + frame.payload.size()], crc32(out.data(), kHeaderSize + frame.payload.size()));
    return out;
}

Frame FrameView::copy() const {
    Frame f;
    f.code = code;
    f.sequence = sequence;
    f.status = status;
    f.payload.assign(payload, payload + payloadSize);
    f.crc = crc;
    return f;
}

FrameView FrameView::of(const Frame& frame) {
    return FrameView{frame.code, frame.sequence, frame.status, frame.payload.data(), frame.payload.size(), frame.crc};
}

std::uint8_t* FrameDecoder::appendSpace(std::size_t size) {
    // Compact now and then (what was read moves out of the way) so the buffer does not grow without bound.
    if (start_ > 0 && start_ >= end_ / 2) {
        std::memmove(buffer_.data(), buffer_.data() + start_, end_ - start_);
        end_ -= start_;
        start_ = 0;
    }
    if (buffer_.size() < end_ + size) buffer_.resize(end_ + size);
    return buffer_.data() + end_;
}

void FrameDecoder::appended(std::size_t size) { end_ = std::min(buffer_.size(), end_ + size); }

void FrameDecoder::feed(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return;
    std::memcpy(appendSpace(size), data, size);
    appended(size);
}

void FrameDecoder::clear() {
    start_ = end_ = 0;
    resynchronising_ = false;
}

void FrameDecoder::discard(std::size_t count, const char* why) {
    start_ += count;
    discarded_ += count;
    // Report what started the resynchronisation, not the bytes skipped after it.
    if (!resynchronising_) lastProblem_ = why;
    resynchronising_ = true;
}

std::optional<Frame> FrameDecoder::next() {
    auto view = nextView();
    if (!view) return std::nullopt;
    return view->copy();
}

std::optional<FrameView> FrameDecoder::nextView() {
    for (;;) {
        std::size_t available = end_ - start_;
        const std::uint8_t* p = buffer_.data() + start_;
        if (available < 2) return std::nullopt;
        if (p[0] != kMagic0 || p[1] != kMagic1) {
            // Skip to the next possible magic.
            std::size_t skip = 1;
            while (skip < available && p[skip] != kMagic0) ++skip;
            discard(skip, "bytes without the frame magic");
            continue;
        }
        if (available < kHeaderSize) return std::nullopt;
        if (p[2] != kProtocolVersion) {
            discard(1, "unsupported protocol version");
            continue;
        }
        std::uint32_t length = readU32(p + 8);
        if (length > kMaxResponsePayload) {
            discard(1, "frame length over the protocol limit");
            continue;
        }
        std::size_t total = kHeaderSize + length + kCrcSize;
        if (available < total) return std::nullopt;
        if (crc32(p, kHeaderSize + length) != readU32(p + kHeaderSize + length)) {
            discard(1, "frame CRC mismatch");
            continue;
        }
        FrameView frame{p[3], readU16(p + 4), readU16(p + 6), p + kHeaderSize, length, readU32(p + kHeaderSize + length)};
        start_ += total;
        resynchronising_ = false;
        return frame;
    }
}

std::string DeviceIdentity::firmware() const {
    std::ostringstream s;
    s << firmwareMajor << '.' << firmwareMinor << '.' << firmwarePatch;
    return s.str();
}

DeviceIdentity decodeIdentity(const std::vector<std::uint8_t>& payload) {
    if (payload.size() < 80)
        throw std::runtime_error("device information is " + std::to_string(payload.size()) +
                                 " bytes, expected 80: the reader's firmware does not speak this protocol");
    DeviceIdentity id;
    id.model = fixedString(payload.data(), 32);
    id.serial = fixedString(payload.data() + 32, 32);
    id.firmwareMajor = payload[64];
    id.firmwareMinor = payload[65];
    id.firmwarePatch = payload[66];
    id.sensorWidth = readU16(&payload[68]);
    id.sensorHeight = readU16(&payload[70]);
    id.resolutionDpi = readU16(&payload[72]);
    id.bitsPerPixel = readU16(&payload[74]);
    id.capabilities = readU32(&payload[76]);
    if (id.sensorWidth < 16 || id.sensorHeight < 16 || id.sensorWidth > 4096 || id.sensorHeight > 4096)
        throw std::runtime_error("the reader reports an impossible sensor size " + std::to_string(id.sensorWidth) + "x" +
                                 std::to_string(id.sensorHeight));
    if (id.resolutionDpi < 250 || id.resolutionDpi > 2000)
        throw std::runtime_error("the reader reports an impossible resolution of " + std::to_string(id.resolutionDpi) +
                                 " dpi");
    if (id.bitsPerPixel != 8)
        throw std::runtime_error("the reader sends " + std::to_string(id.bitsPerPixel) +
                                 "-bit images; only 8-bit grey is supported");
    return id;
}

int compareVersions(const std::string& a, const std::string& b) {
    auto parts = [](const std::string& s) {
        std::vector<int> v;
        std::stringstream in(s);
        std::string part;
        while (std::getline(in, part, '.')) v.push_back(std::atoi(part.c_str()));
        while (v.size() < 3) v.push_back(0);
        return v;
    };
    auto pa = parts(a), pb = parts(b);
    for (std::size_t i = 0; i < 3; ++i)
        if (pa[i] != pb[i]) return pa[i] < pb[i] ? -1 : 1;
    return 0;
}

} // namespace fpb::reader
