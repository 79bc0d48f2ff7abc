// SPDX-License-Identifier: GPL-2.0-or-later
// Is this press good, and if not, which wrong way of pressing is it (the reader's pressing guide)?
#pragma once

#include <fpbridge/prompts.h>

#include <string>
#include <vector>

#include "image/grey_image.h"

namespace fpb::quality {

enum class Verdict {
    Good,
    NotFlat,          ///< mode 1
    TipOnly,          ///< mode 2
    TooLow,           ///< mode 3
    OffCenter,        ///< mode 4
    HeldTooLong,      ///< mode 5 (from timing in a session, never from an image)
    ForeignMatter,    ///< mode 6
    TooMoist,         ///< mode 7
    TooDry,           ///< mode 8
    NoFinger,
    TooLittleContact,
};

const char* verdictName(Verdict verdict);  ///< "good", "not_flat", ... (fpb-tool's JSON)
const std::vector<Verdict>& imageVerdicts();

/// Which way to move for off_center / too_low.
enum class Direction { None, Up, Down, Left, Right };
const char* directionName(Direction direction);

struct QualityReport {
    Verdict verdict = Verdict::NoFinger;
    Direction move = Direction::None;
    int score = 0;                 ///< 0-100
    double contactArea = 0;        ///< fraction of the sensor in contact
    double centreOffsetX = 0;      ///< print centre minus sensor centre, fraction of width (+ = right)
    double centreOffsetY = 0;      ///< fraction of height (+ = below)
    double ridgeClarity = 0;       ///< 0-1, orientation coherence in the contact area
    double contrast = 0;           ///< median local standard deviation in the contact area (grey levels)
    double darkness = 0;           ///< 0 (paper white) - 1 (black): how dark the print is
    double ridgeShare = 0;         ///< share of the print darker than half-way between ridge and paper
    double uniformPatch = 0;       ///< fraction of the print covered by flat, blank matter
    double sideAsymmetry = 1;      ///< contrast ratio between the print's two sides
    double edgeFade = 0;           ///< 0-1: how faint the print's last blocks are on its emptier side
    std::vector<std::uint8_t> contactMask;  ///< per block, 1 = contact
    int blockSize = 0, blocksX = 0, blocksY = 0;

    PromptCode promptCode() const;
};

/// Judges one 8-bit grey image at its resolution. Never throws on image content; an empty image
/// is "no finger".
QualityReport assessPress(const GreyImage& image);

/// The spoken-style message for a prompt code ("Move your finger up"). `language` picks a
/// translation when the catalogue has one; English otherwise. Never null.
const char* promptText(PromptCode code, const char* language = "en");
/// Every code the catalogue knows (for the voice clips made at build time).
const std::vector<PromptCode>& catalogueCodes();

} // namespace fpb::quality
