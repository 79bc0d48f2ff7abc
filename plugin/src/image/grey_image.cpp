// SPDX-License-Identifier: GPL-2.0-or-later
#include "image/grey_image.h"

namespace fpb {

GreyImage::GreyImage(int w, int h, int resolutionDpi, std::uint8_t fill)
    : width(w), height(h), dpi(resolutionDpi),
      pixels(static_cast<std::size_t>(w > 0 ? w : 0) * static_cast<std::size_t>(h > 0 ? h : 0), fill) {}

} // namespace fpb
