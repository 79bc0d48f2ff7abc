// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace fpb {

/// An 8-bit grey image, row-major, 0 = black. Fingerprint ridges are dark on a light background.
struct GreyImage {
    int width = 0;
    int height = 0;
    int dpi = 500;
    std::vector<std::uint8_t> pixels;

    GreyImage() = default;
    GreyImage(int w, int h, int resolutionDpi = 500, std::uint8_t fill = 255);

    bool empty() const { return width <= 0 || height <= 0; }
    std::uint8_t at(int x, int y) const { return pixels[static_cast<std::size_t>(y) * width + x]; }
    std::uint8_t& at(int x, int y) { return pixels[static_cast<std::size_t>(y) * width + x]; }
};

/// Thrown for unreadable, malformed or unsupported image data; what() says what and what to do.
class ImageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Images larger than this on either side are refused (no reader has such a sensor).
constexpr int kMaxImageSide = 4096;

} // namespace fpb
