// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer: the frame decoder and identity parser take any bytes without crashing or hanging.
#include <cstddef>
#include <cstdint>
#include <stdexcept>

#include "reader/reader_protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fpb::reader::FrameDecoder decoder;
    // Feed in two pieces to exercise frames that span transfers.
    std::size_t half = size / 2;
    decoder.feed(data, half);
    while (auto f = decoder.next()) {
    }
    decoder.feed(data + half, size - half);
    while (auto f = decoder.next()) {
        if (f->payload.size() > fpb::reader::kMaxResponsePayload) __builtin_trap();
        try {
            fpb::reader::decodeIdentity(f->payload);
        } catch (const std::runtime_error&) {
        }
    }
    return 0;
}
