// SPDX-License-Identifier: GPL-2.0-or-later
// Block-wise measurements (contact, contrast, darkness, ridge coherence, flat blank matter), then
// the pressing guide's modes decided in a fixed order from the most to the least specific.
#include "quality/press_quality.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace fpb::quality {

namespace {

struct Block {
    double mean = 0, stddev = 0, coherence = 0;
};

// Decision thresholds, fixed by measurement on generated presses and on FVC2002 (BENCHMARKS.md).
constexpr double kForegroundStd = 7.0;
constexpr double kNoFingerArea = 0.04;
constexpr double kFlatPatchShare = 0.05;
constexpr double kMoistDarkness = 0.58;
constexpr double kMoistRidgeShare = 0.62;
constexpr double kDryDarkness = 0.24;
constexpr double kDryContrast = 32.0;
constexpr double kOffsetLimit = 0.16;
constexpr double kTipOffset = -0.12;
constexpr double kAsymmetryLimit = 1.9;
// A print off to one side AND fading out on one side is a tilted finger, not a misplaced one.
constexpr double kFadeAsymmetry = 1.4;
constexpr double kEdgeFade = 0.45;
constexpr double kTiltOffset = 0.10;
constexpr double kLittleContactArea = 0.22;

} // namespace

const char* verdictName(Verdict v) {
    switch (v) {
        case Verdict::Good: return "good";
        case Verdict::NotFlat: return "not_flat";
        case Verdict::TipOnly: return "tip_only";
        case Verdict::TooLow: return "too_low";
        case Verdict::OffCenter: return "off_center";
        case Verdict::HeldTooLong: return "held_too_long";
        case Verdict::ForeignMatter: return "foreign_matter";
        case Verdict::TooMoist: return "too_moist";
        case Verdict::TooDry: return "too_dry";
        case Verdict::NoFinger: return "no_finger";
        case Verdict::TooLittleContact: return "too_little_contact";
    }
    return "no_finger";
}

const std::vector<Verdict>& imageVerdicts() {
    static const std::vector<Verdict> v = {Verdict::Good,          Verdict::NotFlat,  Verdict::TipOnly,
                                           Verdict::TooLow,        Verdict::OffCenter, Verdict::ForeignMatter,
                                           Verdict::TooMoist,      Verdict::TooDry,   Verdict::NoFinger,
                                           Verdict::TooLittleContact};
    return v;
}

const char* directionName(Direction d) {
    switch (d) {
        case Direction::Up: return "up";
        case Direction::Down: return "down";
        case Direction::Left: return "left";
        case Direction::Right: return "right";
        default: return "none";
    }
}

PromptCode QualityReport::promptCode() const {
    switch (verdict) {
        case Verdict::Good: return kPromptPressAccepted;
        case Verdict::NotFlat: return kPromptNotFlat;
        case Verdict::TipOnly: return kPromptTipOnly;
        case Verdict::TooLow: return kPromptMoveUp;
        case Verdict::OffCenter: return move == Direction::Left ? kPromptMoveLeft : kPromptMoveRight;
        case Verdict::HeldTooLong: return kPromptHeldTooLong;
        case Verdict::ForeignMatter: return kPromptForeignMatter;
        case Verdict::TooMoist: return kPromptTooMoist;
        case Verdict::TooDry: return kPromptTooDry;
        case Verdict::NoFinger: return kPromptNoFinger;
        case Verdict::TooLittleContact: return kPromptTooLittleContact;
    }
    return kPromptRetryGeneral;
}

QualityReport assessPress(const GreyImage& image) {
    QualityReport r;
    if (image.empty() || image.pixels.size() != static_cast<std::size_t>(image.width) * image.height) return r;
    const int W = image.width, H = image.height;
    const int b = std::max(6, static_cast<int>(std::lround(12.0 * image.dpi / 500.0)));
    const int gx = W / b, gy = H / b;
    r.blockSize = b;
    r.blocksX = gx;
    r.blocksY = gy;
    if (gx < 4 || gy < 4) return r;

    // Paper white: a high percentile, robust to a few bright specks.
    std::vector<int> histogram(256, 0);
    for (auto p : image.pixels) ++histogram[p];
    int white = 255;
    for (long acc = 0, target = static_cast<long>(image.pixels.size() * 0.97); white > 0; --white) {
        acc += histogram[static_cast<std::size_t>(white)];
        if (acc >= static_cast<long>(image.pixels.size()) - target) break;
    }

    std::vector<Block> blocks(static_cast<std::size_t>(gx * gy));
    for (int by = 0; by < gy; ++by)
        for (int bx = 0; bx < gx; ++bx) {
            double sum = 0, sum2 = 0, gxx = 0, gyy = 0, gxy = 0;
            for (int y = by * b; y < (by + 1) * b; ++y) {
                const std::uint8_t* row = &image.pixels[static_cast<std::size_t>(y) * W];
                for (int x = bx * b; x < (bx + 1) * b; ++x) {
                    double v = row[x];
                    sum += v;
                    sum2 += v * v;
                    if (x > 0 && x < W - 1 && y > 0 && y < H - 1) {
                        double dx = row[x + 1] - row[x - 1];
                        double dy = image.pixels[static_cast<std::size_t>(y + 1) * W + x] -
                                    image.pixels[static_cast<std::size_t>(y - 1) * W + x];
                        gxx += dx * dx;
                        gyy += dy * dy;
                        gxy += dx * dy;
                    }
                }
            }
            double n = static_cast<double>(b) * b;
            Block& blk = blocks[static_cast<std::size_t>(by * gx + bx)];
            blk.mean = sum / n;
            blk.stddev = std::sqrt(std::max(0.0, sum2 / n - blk.mean * blk.mean));
            double energy = gxx + gyy;
            blk.coherence = energy > 1e-6 ? std::sqrt((gxx - gyy) * (gxx - gyy) + 4 * gxy * gxy) / energy : 0;
        }

    // Contact: textured blocks darker than the paper; isolated ones are noise.
    std::vector<std::uint8_t> fg(blocks.size(), 0), flat(blocks.size(), 0);
    std::vector<double> backgroundMeans;
    for (std::size_t i = 0; i < blocks.size(); ++i) {
        fg[i] = blocks[i].stddev >= kForegroundStd && blocks[i].mean < white - 6;
        if (!fg[i]) backgroundMeans.push_back(blocks[i].mean);
    }
    // The sensor's own background level (not every sensor is paper white): blank matter must differ from it.
    double background = white;
    if (!backgroundMeans.empty()) {
        std::nth_element(backgroundMeans.begin(), backgroundMeans.begin() + static_cast<std::ptrdiff_t>(backgroundMeans.size() / 2),
                         backgroundMeans.end());
        background = backgroundMeans[backgroundMeans.size() / 2];
    }
    for (std::size_t i = 0; i < blocks.size(); ++i)
        flat[i] = blocks[i].stddev < 5.0 && std::abs(blocks[i].mean - background) > 20 && blocks[i].mean > 25;
    std::vector<std::uint8_t> mask(fg);
    for (int by = 0; by < gy; ++by)
        for (int bx = 0; bx < gx; ++bx) {
            if (!fg[static_cast<std::size_t>(by * gx + bx)]) continue;
            int neighbours = 0;
            for (int dy = -1; dy <= 1; ++dy)
                for (int dx = -1; dx <= 1; ++dx) {
                    int x = bx + dx, y = by + dy;
                    if ((dx || dy) && x >= 0 && y >= 0 && x < gx && y < gy && fg[static_cast<std::size_t>(y * gx + x)])
                        ++neighbours;
                }
            if (neighbours < 3) mask[static_cast<std::size_t>(by * gx + bx)] = 0;
        }

    double count = 0, sx = 0, sy = 0, darkness = 0, coherence = 0;
    int top = gy, bottom = -1, left = gx, right = -1;
    std::vector<double> contrasts;
    for (int by = 0; by < gy; ++by)
        for (int bx = 0; bx < gx; ++bx) {
            std::size_t i = static_cast<std::size_t>(by * gx + bx);
            if (!mask[i]) continue;
            ++count;
            sx += (bx + 0.5) * b;
            sy += (by + 0.5) * b;
            darkness += (white - blocks[i].mean) / std::max(1, white);
            coherence += blocks[i].coherence;
            contrasts.push_back(blocks[i].stddev);
            top = std::min(top, by);
            bottom = std::max(bottom, by);
            left = std::min(left, bx);
            right = std::max(right, bx);
        }
    r.contactMask = mask;
    r.contactArea = count / static_cast<double>(gx * gy);
    if (r.contactArea < kNoFingerArea) {
        r.verdict = Verdict::NoFinger;
        return r;
    }
    double cx = sx / count, cy = sy / count;
    r.centreOffsetX = (cx - W / 2.0) / W;
    r.centreOffsetY = (cy - H / 2.0) / H;
    r.darkness = darkness / count;
    r.ridgeClarity = coherence / count;
    std::nth_element(contrasts.begin(), contrasts.begin() + static_cast<std::ptrdiff_t>(contrasts.size() / 2), contrasts.end());
    r.contrast = contrasts[contrasts.size() / 2];

    // Flat, blank matter on the print (a plaster): uniform blocks enclosed by contact on all four
    // sides, so that a sensor's uneven background around the print never counts.
    double flatNear = 0;
    for (int by = 0; by < gy; ++by)
        for (int bx = 0; bx < gx; ++bx) {
            std::size_t i = static_cast<std::size_t>(by * gx + bx);
            if (!flat[i]) continue;
            auto contactAlong = [&](int stepX, int stepY) {
                for (int k = 1; k < std::max(gx, gy); ++k) {
                    int x = bx + k * stepX, y = by + k * stepY;
                    if (x < 0 || y < 0 || x >= gx || y >= gy) return false;
                    if (mask[static_cast<std::size_t>(y * gx + x)]) return true;
                }
                return false;
            };
            if (contactAlong(-1, 0) && contactAlong(1, 0) && contactAlong(0, -1) && contactAlong(0, 1)) ++flatNear;
        }
    r.uniformPatch = flatNear / (count + flatNear);

    // Contrast on the two sides of the print: a tilted finger fades out on one side.
    double leftSum = 0, leftN = 0, rightSum = 0, rightN = 0;
    double mid = (left + right + 1) / 2.0;
    double quarter = std::max(1.0, (right - left + 1) / 4.0);
    for (int by = 0; by < gy; ++by)
        for (int bx = 0; bx < gx; ++bx) {
            std::size_t i = static_cast<std::size_t>(by * gx + bx);
            if (!mask[i]) continue;
            if (bx + 0.5 < mid - quarter) leftSum += blocks[i].stddev, ++leftN;
            else if (bx + 0.5 > mid + quarter) rightSum += blocks[i].stddev, ++rightN;
        }
    double leftContrast = leftN > 0 ? leftSum / leftN : 0, rightContrast = rightN > 0 ? rightSum / rightN : 0;
    r.sideAsymmetry = std::max(leftContrast, rightContrast) / std::max(1.0, std::min(leftContrast, rightContrast));
    bool fadedLeft = leftContrast < rightContrast;

    // How the print ends on its emptier side: a tilted finger fades out (the last blocks of contact
    // are faint), a finger placed off to the side ends at its own edge or at the sensor's.
    double edgeSum = 0, edgeRows = 0;
    bool emptyLeft = r.centreOffsetX > 0;
    for (int by = 0; by < gy; ++by) {
        int edge = -1;
        if (emptyLeft) {
            for (int bx = 0; bx < gx; ++bx)
                if (mask[static_cast<std::size_t>(by * gx + bx)]) { edge = bx; break; }
        } else {
            for (int bx = gx - 1; bx >= 0; --bx)
                if (mask[static_cast<std::size_t>(by * gx + bx)]) { edge = bx; break; }
        }
        if (edge < 0 || edge == 0 || edge == gx - 1) continue;  // rows cut by the sensor's border say nothing
        double sum = 0;
        for (int k = 0; k < 2; ++k) {
            int bx = emptyLeft ? edge + k : edge - k;
            if (bx >= 0 && bx < gx) sum += blocks[static_cast<std::size_t>(by * gx + bx)].stddev;
        }
        edgeSum += sum / 2;
        ++edgeRows;
    }
    r.edgeFade = edgeRows > 0 && r.contrast > 0 ? 1.0 - std::min(1.0, edgeSum / edgeRows / r.contrast) : 0;

    // Share of the print that is ridge (dark): moist fingers merge ridges and close the valleys.
    std::vector<int> printHistogram(256, 0);
    long printPixels = 0;
    for (int by = 0; by < gy; ++by)
        for (int bx = 0; bx < gx; ++bx) {
            if (!mask[static_cast<std::size_t>(by * gx + bx)]) continue;
            for (int y = by * b; y < (by + 1) * b; ++y)
                for (int x = bx * b; x < (bx + 1) * b; ++x) ++printHistogram[image.pixels[static_cast<std::size_t>(y) * W + x]];
            printPixels += static_cast<long>(b) * b;
        }
    int ridgeLevel = 0;
    for (long acc = 0; ridgeLevel < 255; ++ridgeLevel) {
        acc += printHistogram[static_cast<std::size_t>(ridgeLevel)];
        if (acc >= printPixels / 20) break;
    }
    int midpoint = (ridgeLevel + white) / 2;
    long darkPixels = 0;
    for (int v = 0; v < midpoint; ++v) darkPixels += printHistogram[static_cast<std::size_t>(v)];
    r.ridgeShare = printPixels ? static_cast<double>(darkPixels) / printPixels : 0;

    double topFraction = static_cast<double>(top) / gy, bottomFraction = static_cast<double>(bottom + 1) / gy;
    if (r.uniformPatch > kFlatPatchShare) r.verdict = Verdict::ForeignMatter;
    else if (r.darkness > kMoistDarkness || r.ridgeShare > kMoistRidgeShare ||
             (r.darkness > kMoistDarkness - 0.06 && r.ridgeShare > kMoistRidgeShare - 0.17))
        r.verdict = Verdict::TooMoist;
    else if (r.darkness < kDryDarkness && (r.contrast < kDryContrast || r.ridgeClarity < 0.3) &&
             r.sideAsymmetry < kFadeAsymmetry)
        r.verdict = Verdict::TooDry;
    else if (r.centreOffsetY < kTipOffset && bottomFraction < 0.7) r.verdict = Verdict::TipOnly;
    else if (r.centreOffsetY > kOffsetLimit && topFraction > 0.15) r.verdict = Verdict::TooLow;
    else if (std::abs(r.centreOffsetX) > kTiltOffset && r.sideAsymmetry >= kFadeAsymmetry && r.edgeFade > kEdgeFade)
        r.verdict = Verdict::NotFlat;  // shifted a little because one side does not touch
    else if (std::abs(r.centreOffsetX) > kOffsetLimit) r.verdict = Verdict::OffCenter;
    else if (r.sideAsymmetry >= kAsymmetryLimit || (r.sideAsymmetry >= kFadeAsymmetry + 0.1 && r.edgeFade > kEdgeFade + 0.1))
        r.verdict = Verdict::NotFlat;
    else if (r.contactArea < kLittleContactArea) r.verdict = Verdict::TooLittleContact;
    else r.verdict = Verdict::Good;
    if (r.verdict == Verdict::TooLow) r.move = Direction::Up;
    if (r.verdict == Verdict::OffCenter) r.move = r.centreOffsetX > 0 ? Direction::Left : Direction::Right;
    (void)fadedLeft;

    // Score: contact, centring, contrast and ridge clarity together; wrong presses stay low.
    double areaScore = std::min(1.0, r.contactArea / 0.55);
    double centring = std::max(0.0, 1.0 - 2.5 * std::hypot(r.centreOffsetX, r.centreOffsetY));
    double contrastScore = std::min(1.0, r.contrast / 40.0);
    double clarity = std::min(1.0, r.ridgeClarity / 0.6);
    double score = 100.0 * std::sqrt(areaScore) * (0.5 + 0.5 * centring) * (0.4 + 0.6 * contrastScore) * (0.4 + 0.6 * clarity);
    if (r.verdict != Verdict::Good) score = std::min(score, 40.0);
    r.score = static_cast<int>(std::lround(std::clamp(score, 0.0, 100.0)));
    return r;
}

} // namespace fpb::quality
