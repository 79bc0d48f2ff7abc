// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "image/grey_image.h"

namespace fpb {

/// Reads PGM (P5), PNG or TIFF by content, not by name. Colour images are converted to grey.
/// `defaultDpi` is used when the file carries no resolution. Throws ImageError naming the file.
GreyImage loadImage(const std::string& path, int defaultDpi = 500);
GreyImage decodeImage(const std::uint8_t* data, std::size_t size, int defaultDpi = 500,
                      const std::string& nameForErrors = "image");

/// Writers; throw ImageError on I/O failure. PNG stores the resolution (pHYs).
void savePng(const GreyImage& image, const std::string& path);
std::vector<std::uint8_t> encodePng(const GreyImage& image);
void savePgm(const GreyImage& image, const std::string& path);

} // namespace fpb
