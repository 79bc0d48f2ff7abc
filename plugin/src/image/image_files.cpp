// SPDX-License-Identifier: GPL-2.0-or-later
// PLACEHOLDER until the image-file loaders land (press-quality work).
#include "image/image_files.h"

namespace fpb {
GreyImage loadImage(const std::string& path, int) { throw ImageError(path + ": image loading not built yet"); }
GreyImage decodeImage(const std::uint8_t*, std::size_t, int, const std::string& n) { throw ImageError(n + ": image decoding not built yet"); }
void savePng(const GreyImage&, const std::string& path) { throw ImageError(path + ": PNG writing not built yet"); }
std::vector<std::uint8_t> encodePng(const GreyImage&) { throw ImageError("PNG encoding not built yet"); }
void savePgm(const GreyImage&, const std::string& path) { throw ImageError(path + ": PGM writing not built yet"); }
} // namespace fpb
