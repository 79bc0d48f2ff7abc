// SPDX-License-Identifier: GPL-2.0-or-later
#include "reader/reader_protocol.h"

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
    // zlib's crc32 is this exact CRC, several times faster than a byte table on whole images.
    while (size > 0) {
        uInt chunk = static_cast<uInt>(std::min<std::size_t>(size, 1u << 30));
        crc = static_cast<std::uint32_t>(::crc32(crc, data, chunk));
        data += chunk;
        size -= chunk;
    }
    return crc;
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

void FrameDecoder::feed(const std::uint8_t* data, std::size_t size) {
    // Compact now and then so the buffer does not grow without bound.
    if (start_ > 0 && start_ >= buffer_.size() / 2) {
        buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(start_));
        start_ = 0;
    }
    buffer_.insert(buffer_.end(), data, data + size);
}

void FrameDecoder::clear() {
    buffer_.clear();
    start_ = 0;
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
    for (;;) {
        std::size_t available = buffer_.size() - start_;
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
        Frame frame;
        frame.code = p[3];
        frame.sequence = readU16(p + 4);
        frame.status = readU16(p + 6);
        frame.payload.assign(p + kHeaderSize, p + kHeaderSize + length);
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
