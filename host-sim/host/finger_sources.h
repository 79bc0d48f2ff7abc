// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "emulated_reader.h"

namespace fpb::host {

/// The emulated reader's default finger: good impressions of synthetic finger `fingerSeed`.
std::shared_ptr<emulation::FingerSource> makeSyntheticFingerSource(int fingerSeed);
/// One press of synthetic finger `finger` in `mode` ("good", "too_dry", ...). Sets `problem` for an unknown mode.
GreyImage syntheticPress(int finger, const std::string& mode, int width, int height, int dpi, std::string& problem);
/// The modes the emulation panel offers (the pressing guide's, and holding the finger too long).
std::vector<std::string> syntheticPressModes();

} // namespace fpb::host
