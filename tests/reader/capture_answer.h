// SPDX-License-Identifier: GPL-2.0-or-later
// A CAPTURE answer as plugin/docs/reader-protocol.md 3.2 describes it, encoded on the host side
// for the tests and benchmarks that feed the driver's decoding without a device.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "reader/reader_protocol.h"

namespace fpb::reader::test_support {

/// The header frame, then the chunk frames, as bytes on the IN endpoint.
inline std::vector<std::uint8_t> encodeCaptureAnswer(const std::vector<std::uint8_t>& pixels, int width, int height,
                                                     std::uint16_t sequence, std::uint32_t imageCrc) {
    std::vector<Frame> frames(1);
    frames[0].code = kCapture | kResponseFlag;
    frames[0].sequence = sequence;
    frames[0].payload.assign(16, 0);
    writeU16(&frames[0].payload[0], static_cast<std::uint16_t>(width));
    writeU16(&frames[0].payload[2], static_cast<std::uint16_t>(height));
    writeU16(&frames[0].payload[4], 500);
    writeU32(&frames[0].payload[8], static_cast<std::uint32_t>(pixels.size()));
    writeU32(&frames[0].payload[12], imageCrc);
    for (std::size_t offset = 0; offset < pixels.size(); offset += 65532) {
        std::size_t size = std::min<std::size_t>(65532, pixels.size() - offset);
        Frame chunk;
        chunk.code = kImageChunk;
        chunk.sequence = sequence;
        chunk.payload.resize(4 + size);
        writeU32(chunk.payload.data(), static_cast<std::uint32_t>(offset));
        std::memcpy(chunk.payload.data() + 4, pixels.data() + offset, size);
        frames.push_back(chunk);
    }
    std::vector<std::uint8_t> stream;
    for (const auto& f : frames) {
        auto bytes = encodeFrame(f);
        stream.insert(stream.end(), bytes.begin(), bytes.end());
    }
    return stream;
}

} // namespace fpb::reader::test_support
