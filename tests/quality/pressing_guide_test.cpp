// SPDX-License-Identifier: GPL-2.0-or-later
// Every wrong way to press is recognised: on generated presses, and on real FVC2002 images with
// the mode applied. The full evaluation (200 presses per mode) is `fpb-tool quality-eval`.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <map>

#include "image/image_files.h"
#include "quality/press_quality.h"
#include "synthetic_finger.h"

namespace fs = std::filesystem;
using fpb::quality::Verdict;
using fpb::synth::PressMode;

namespace {

// The generator's mode names are the assessment's verdict names.
bool recognised(PressMode mode, Verdict verdict) {
    return std::string(fpb::synth::pressModeName(mode)) == fpb::quality::verdictName(verdict);
}

TEST(PressingGuide, GeneratedPressesOfEveryModeAreRecognised) {
    constexpr int kMasters = 8, kPerMode = 24;
    std::vector<fpb::synth::MasterFinger> masters;
    for (int m = 0; m < kMasters; ++m) masters.push_back(fpb::synth::makeMasterFinger(static_cast<std::uint64_t>(500 + m)));
    int calledGood = 0, calledGoodRight = 0;
    for (PressMode mode : fpb::synth::allPressModes()) {
        int right = 0;
        for (int i = 0; i < kPerMode; ++i) {
            fpb::synth::ImpressionOptions o;
            o.mode = mode;
            o.impressionSeed = static_cast<std::uint64_t>(100 + i);
            auto r = fpb::quality::assessPress(fpb::synth::makeImpression(masters[static_cast<std::size_t>(i % kMasters)], o));
            if (recognised(mode, r.verdict)) ++right;
            if (r.verdict == Verdict::Good) {
                ++calledGood;
                if (mode == PressMode::Good) ++calledGoodRight;
            }
            if (mode == PressMode::TooLow && r.verdict == Verdict::TooLow) EXPECT_EQ(r.promptCode(), fpb::kPromptMoveUp);
        }
        EXPECT_GE(right, kPerMode * 9 / 10) << fpb::synth::pressModeName(mode);
    }
    EXPECT_GE(calledGoodRight * 100, calledGood * 95) << "precision of good";
}

TEST(PressingGuide, DirectionsAndPromptsFollowTheVerdict) {
    auto master = fpb::synth::makeMasterFinger(77);
    for (int i = 1; i <= 6; ++i) {
        fpb::synth::ImpressionOptions o;
        o.mode = PressMode::OffCenter;
        o.impressionSeed = static_cast<std::uint64_t>(i);
        auto r = fpb::quality::assessPress(fpb::synth::makeImpression(master, o));
        ASSERT_EQ(r.verdict, Verdict::OffCenter);
        // A print to the right must be moved left, and the other way round.
        EXPECT_EQ(r.move, r.centreOffsetX > 0 ? fpb::quality::Direction::Left : fpb::quality::Direction::Right);
        EXPECT_EQ(r.promptCode(), r.centreOffsetX > 0 ? fpb::kPromptMoveLeft : fpb::kPromptMoveRight);
        EXPECT_LE(r.score, 40);
    }
    EXPECT_STREQ(fpb::quality::promptText(fpb::kPromptTooDry), "Your finger is too dry. Breathe on it or moisten it slightly, and press again.");
    EXPECT_STREQ(fpb::quality::promptText(fpb::kPromptMoveUp, "xx"), "Move your finger up.");  // falls back to English
    for (auto code : fpb::quality::catalogueCodes()) EXPECT_GT(std::strlen(fpb::quality::promptText(code)), 5u);
}

TEST(PressingGuide, EmptyAndBlankImagesAreNoFinger) {
    EXPECT_EQ(fpb::quality::assessPress(fpb::GreyImage()).verdict, Verdict::NoFinger);
    EXPECT_EQ(fpb::quality::assessPress(fpb::GreyImage(388, 374, 500, 240)).verdict, Verdict::NoFinger);
    EXPECT_EQ(fpb::quality::assessPress(fpb::GreyImage(10, 10, 500, 0)).verdict, Verdict::NoFinger);
}

TEST(PressingGuide, RealImagesUntouchedAndWithEachModeApplied) {
    fs::path dir = fs::path(FPB_SHARED_DIR) / "fingerprints" / "FVC2002_DB1_B";
    if (!fs::is_directory(dir)) GTEST_SKIP() << "../shared/fingerprints is not present: the real-image evaluation needs it";
    int total = 0, good = 0;
    std::map<PressMode, std::pair<int, int>> recall;  // right, total
    int seed = 0;
    for (const auto& e : fs::directory_iterator(dir)) {
        if (e.path().extension() != ".tif") continue;
        auto image = fpb::loadImage(e.path().string(), 500);
        ++total;
        if (fpb::quality::assessPress(image).verdict != Verdict::Good) continue;
        ++good;
        for (PressMode mode : fpb::synth::allPressModes()) {
            if (mode == PressMode::Good) continue;
            auto r = fpb::quality::assessPress(fpb::synth::applyModeToImage(image, mode, static_cast<std::uint64_t>(++seed)));
            recall[mode].second++;
            if (recognised(mode, r.verdict)) recall[mode].first++;
        }
    }
    ASSERT_EQ(total, 80);
    // The issue asks for 80% (64 of 80); measured 66 (BENCHMARKS.md lists the others and why).
    EXPECT_GE(good, 64);
    for (const auto& [mode, counts] : recall) {
        // Measured on both sets: 84-99% per mode (BENCHMARKS.md); this set alone must stay above 75%.
        EXPECT_GE(counts.first * 100, counts.second * 75) << fpb::synth::pressModeName(mode)
            << ": " << counts.first << " of " << counts.second;
    }
}

} // namespace
