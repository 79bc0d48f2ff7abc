// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer: the frame decoder, the identity parser and the image assembler take any bytes
// without crashing or hanging.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>

#include "reader/reader_protocol.h"

namespace {
/// What the driver does with an answer: identity payloads, and capture answers assembled into an
/// image (the sensor here is small, so fuzzed geometry can match it).
void use(const fpb::reader::FrameView& f, std::optional<fpb::reader::ImageAssembler>& image) {
    if (f.payloadSize > fpb::reader::kMaxResponsePayload) __builtin_trap();
    try {
        fpb::reader::decodeIdentity(f.copy().payload);
    } catch (const std::runtime_error&) {
    }
    try {
        if (f.code == (fpb::reader::kCapture | fpb::reader::kResponseFlag)) {
            image.emplace(f.copy(), 24, 20);
        } else if (f.code == fpb::reader::kImageChunk && image) {
            image->add(f);
            if (image->complete()) {
                image->take();
                image.reset();
            }
        }
    } catch (const std::runtime_error&) {
        image.reset();
    }
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fpb::reader::FrameDecoder decoder;
    std::optional<fpb::reader::ImageAssembler> image;
    // Feed in two pieces to exercise frames that span transfers (the second straight into the
    // decoder's room, as a USB transfer writes it).
    std::size_t half = size / 2;
    decoder.feed(data, half);
    while (auto f = decoder.nextView()) use(*f, image);
    std::uint8_t* room = decoder.appendSpace(size - half);
    for (std::size_t i = 0; i < size - half; ++i) room[i] = data[half + i];
    decoder.appended(size - half);
    while (auto f = decoder.nextView()) use(*f, image);
    return 0;
}
