// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer: the image loaders take any bytes and either decode them or throw ImageError.
#include <cstddef>
#include <cstdint>

#include "image/image_files.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        fpb::GreyImage image = fpb::decodeImage(data, size, 500, "fuzz");
        if (image.pixels.size() != static_cast<std::size_t>(image.width) * image.height) __builtin_trap();
    } catch (const fpb::ImageError&) {
    }
    return 0;
}
