// SPDX-License-Identifier: GPL-2.0-or-later
// The reader's USB protocol (plugin/docs/reader-protocol.md): frames, codes, limits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "image/grey_image.h"

namespace fpb::reader {

constexpr std::uint8_t kMagic0 = 0x46;  // 'F'
constexpr std::uint8_t kMagic1 = 0x42;  // 'B'
constexpr std::uint8_t kProtocolVersion = 1;
constexpr std::size_t kHeaderSize = 12;
constexpr std::size_t kCrcSize = 4;
constexpr std::size_t kMaxCommandPayload = 64;
constexpr std::size_t kMaxResponsePayload = 65536;

constexpr std::uint8_t kEndpointCommands = 0x01;
constexpr std::uint8_t kEndpointResponses = 0x82;
constexpr std::uint8_t kEndpointEvents = 0x83;

enum Command : std::uint8_t {
    kGetInfo = 0x01,
    kGetFingerStatus = 0x02,
    kCapture = 0x03,
    kSetLed = 0x04,
    kBeep = 0x05,
    kCancel = 0x06,
    kReset = 0x07,
};
constexpr std::uint8_t kResponseFlag = 0x80;
constexpr std::uint8_t kImageChunk = 0x90;

enum DeviceStatus : std::uint16_t {
    kStatusOk = 0,
    kStatusBadCrc = 1,
    kStatusBadLength = 2,
    kStatusUnknownCommand = 3,
    kStatusBusy = 4,
    kStatusNoFinger = 5,
    kStatusCancelled = 6,
    kStatusSensorError = 7,
    kStatusBadVersion = 8,
};
const char* deviceStatusName(std::uint16_t status);

enum FingerEvent : std::uint8_t { kFingerOn = 1, kFingerOff = 2 };
constexpr std::size_t kEventSize = 8;

struct Frame {
    std::uint8_t code = 0;
    std::uint16_t sequence = 0;
    std::uint16_t status = 0;
    std::vector<std::uint8_t> payload;
    std::uint32_t crc = 0;  ///< the frame's CRC-32 as received (decoded frames: checked)
};

/// A decoded frame whose payload stays in the decoder: valid until the decoder's next call.
struct FrameView {
    std::uint8_t code = 0;
    std::uint16_t sequence = 0;
    std::uint16_t status = 0;
    const std::uint8_t* payload = nullptr;
    std::size_t payloadSize = 0;
    std::uint32_t crc = 0;
    Frame copy() const;
    static FrameView of(const Frame& frame);
};

std::uint32_t crc32(const std::uint8_t* data, std::size_t size, std::uint32_t crc = 0);
/// CRC-32 of A then B from the CRC-32s of A and of B (B `lengthB` bytes long), without the bytes.
std::uint32_t crc32Combine(std::uint32_t crcA, std::uint32_t crcB, std::size_t lengthB);
/// CRC-32 of B from the CRC-32 of A then B and the CRC-32 of A (the inverse of crc32Combine).
std::uint32_t crc32OfTail(std::uint32_t crcWhole, std::uint32_t crcHead, std::size_t lengthTail);
std::vector<std::uint8_t> encodeFrame(const Frame& frame);

/// Cuts frames out of the IN byte stream. Never throws on bad input: corrupt bytes are skipped
/// (resynchronising on the next magic with a valid CRC) and counted.
class FrameDecoder {
public:
    void feed(const std::uint8_t* data, std::size_t size);
    /// Room for `size` more bytes of the stream, for a USB transfer to write into directly (no
    /// copy); valid until the next call; then appended() with the bytes actually written.
    std::uint8_t* appendSpace(std::size_t size);
    void appended(std::size_t size);
    /// The next complete, valid frame, if any.
    std::optional<Frame> next();
    /// The same without copying the payload out (image chunks).
    std::optional<FrameView> nextView();
    void clear();
    std::size_t bufferedBytes() const { return end_ - start_; }
    /// How many bytes were discarded while resynchronising, and why (the last reason).
    std::size_t discardedBytes() const { return discarded_; }
    const std::string& lastProblem() const { return lastProblem_; }

private:
    void discard(std::size_t count, const char* why);
    std::vector<std::uint8_t> buffer_;  ///< the unread stream is [start_, end_); the rest is room
    std::size_t start_ = 0;
    std::size_t end_ = 0;
    std::size_t discarded_ = 0;
    std::string lastProblem_;
    bool resynchronising_ = false;
};

/// Puts a CAPTURE answer's image together (reader-protocol.md, 3.2): the header frame's geometry
/// against the sensor's, then the chunks in order, then the image CRC. The pixels' CRCs come out
/// of the frame CRCs the decoder already checked, so the pixels are read once, not twice.
/// Throws std::runtime_error saying what was wrong.
class ImageAssembler {
public:
    ImageAssembler(const Frame& header, int sensorWidth, int sensorHeight);
    void add(const FrameView& chunk);
    bool complete() const { return received_ == image_.pixels.size(); }
    /// The whole image, once its CRC matches the header's.
    GreyImage take();

private:
    GreyImage image_;
    std::size_t received_ = 0;
    std::uint32_t expectedCrc_ = 0;
    std::uint32_t crc_ = 0;
};

/// GET_INFO payload, decoded.
struct DeviceIdentity {
    std::string model;
    std::string serial;
    int firmwareMajor = 0, firmwareMinor = 0, firmwarePatch = 0;
    int sensorWidth = 0, sensorHeight = 0, resolutionDpi = 0;
    int bitsPerPixel = 8;
    std::uint32_t capabilities = 0;
    std::string firmware() const;
};
/// Throws std::runtime_error naming the field when the payload is malformed.
DeviceIdentity decodeIdentity(const std::vector<std::uint8_t>& payload);

std::uint16_t readU16(const std::uint8_t* p);
std::uint32_t readU32(const std::uint8_t* p);
void writeU16(std::uint8_t* p, std::uint16_t v);
void writeU32(std::uint8_t* p, std::uint32_t v);

/// Compares "1.2.3" style versions; missing parts count as 0.
int compareVersions(const std::string& a, const std::string& b);

} // namespace fpb::reader
