// SPDX-License-Identifier: GPL-2.0-or-later
// Synthetic fingerprints in the manner of SFinGe: an orientation field from core and delta
// positions, a ridge-frequency map, ridges grown from noise with oriented Gabor filters, then
// impressions with translation, rotation, elastic distortion, pressure and noise. Deterministic
// from a seed. Each wrong way to press (the reader's pressing guide) can be produced on demand.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "image/grey_image.h"

namespace fpb::synth {

/// How the finger was pressed. The names match fpb-tool's verdicts.
enum class PressMode {
    Good,
    NotFlat,        ///< tilted: part of the print does not touch
    TipOnly,        ///< only the fingertip touches
    TooLow,         ///< print centre below the sensor centre
    OffCenter,      ///< print centre clearly to one side
    ForeignMatter,  ///< a blank bandage-like patch
    TooMoist,       ///< dark merged ridges
    TooDry,         ///< faint broken ridges
};

const std::vector<PressMode>& allPressModes();
const char* pressModeName(PressMode mode);
/// Parses a name such as "too_dry"; returns false when unknown.
bool parsePressMode(const std::string& name, PressMode& mode);

/// A master fingerprint: the ridge pattern of one finger, larger than any impression.
struct MasterFinger {
    std::uint64_t seed = 0;
    GreyImage ridges;  ///< 0 = ridge centre, 255 = valley; the finger's whole print
    int centreX = 0, centreY = 0;
};

MasterFinger makeMasterFinger(std::uint64_t fingerSeed, int dpi = 500);

struct ImpressionOptions {
    int width = 388;
    int height = 374;
    int dpi = 500;
    PressMode mode = PressMode::Good;
    std::uint64_t impressionSeed = 1;  ///< varies placement, distortion, pressure, noise
};

GreyImage makeImpression(const MasterFinger& master, const ImpressionOptions& options);

/// One call: finger `fingerSeed`, impression `impression`, pressed in `mode`.
GreyImage generatePress(std::uint64_t fingerSeed, int impression, PressMode mode, int width = 388, int height = 374,
                        int dpi = 500);

/// The wrong modes applied to any image (real ones too), as image transformations.
GreyImage applyModeToImage(const GreyImage& image, PressMode mode, std::uint64_t seed);

} // namespace fpb::synth
