// SPDX-License-Identifier: GPL-2.0-or-later
// Error rates as the FVC protocol defines them, on scores worked out by hand.
#include <gtest/gtest.h>

#include "template/error_rates.h"

using namespace fpb::tmpl;

namespace {

TEST(ErrorRates, RatesAtAThreshold) {
    const ScoreRates r({10, 20, 30, 40}, {5, 10, 15, 20, 25});
    EXPECT_DOUBLE_EQ(r.fnmr(20), 0.25);  // 10 below 20
    EXPECT_DOUBLE_EQ(r.fmr(20), 0.4);    // 20 and 25 at or above
    EXPECT_DOUBLE_EQ(r.fnmr(0), 0);
    EXPECT_DOUBLE_EQ(r.fmr(1001), 0);
    EXPECT_DOUBLE_EQ(r.fnmr(1001), 1);
}

// 10 genuine and 20 impostor scores whose rates never meet: at 50 FNMR 0.1 <= FMR 0.2, at 51
// FNMR 0.3 >= FMR 0.1. FMR + FNMR is 0.3 at t1 = 50 and 0.4 at t2 = 51, so the EER interval is
// t1's [0.1, 0.2] and the EER 0.15.
TEST(ErrorRates, EqualErrorRateIsTheMiddleOfTheFvcInterval) {
    std::vector<int> genuine{40, 50, 50, 60, 60, 60, 70, 70, 80, 90};
    std::vector<int> impostor(20, 10);
    impostor[0] = 55, impostor[1] = 51, impostor[2] = 50, impostor[3] = 50;  // FMR(50) 0.2, FMR(51) 0.1
    const ErrorRates e = ScoreRates(genuine, impostor).equalErrorRate();
    EXPECT_EQ(e.eerThreshold, 50);
    EXPECT_DOUBLE_EQ(e.eerLow, 0.1);
    EXPECT_DOUBLE_EQ(e.eerHigh, 0.2);
    EXPECT_DOUBLE_EQ(e.eer, 0.15);
}

// Where the two thresholds around the crossing differ in FMR + FNMR, the FVC rule takes the
// smaller sum even when the other threshold has the smaller gap between the two rates: at 30
// FNMR 0.1 <= FMR 0.35 (sum 0.45, gap 0.25); at 31 FNMR 0.5 >= FMR 0.3 (sum 0.8, gap 0.2).
// The EER is 0.225 (t1), not 0.4 (the middle at the smallest gap).
TEST(ErrorRates, TheFvcRuleTakesTheSmallerSumNotTheSmallerGap) {
    std::vector<int> genuine{20, 30, 30, 30, 30, 40, 40, 40, 40, 40};
    std::vector<int> impostor(20, 5);
    for (int k = 0; k < 6; ++k) impostor[static_cast<std::size_t>(k)] = 31;  // FMR(31) 0.3
    impostor[6] = 30;                                                       // FMR(30) 0.35
    const ErrorRates e = ScoreRates(genuine, impostor).equalErrorRate();
    EXPECT_EQ(e.eerThreshold, 30);
    EXPECT_DOUBLE_EQ(e.eerLow, 0.1);
    EXPECT_DOUBLE_EQ(e.eerHigh, 0.35);
    EXPECT_DOUBLE_EQ(e.eer, 0.225);
}

TEST(ErrorRates, OperatingPointsAtAChosenFmr) {
    std::vector<int> genuine{100, 110, 120, 130};
    std::vector<int> impostor{60, 70, 80, 90, 115};
    const ScoreRates r(genuine, impostor);
    // ZeroFMR: the lowest threshold above every impostor (116) rejects the genuine 100 and 110.
    const OperatingPoint zero = r.atFmr(0);
    EXPECT_EQ(zero.threshold, 116);
    EXPECT_DOUBLE_EQ(zero.fnmr, 0.5);
    // FMR at most 20%: threshold 91 (only 115 at or above), which rejects nothing.
    const OperatingPoint fifth = r.atFmr(0.2);
    EXPECT_EQ(fifth.threshold, 91);
    EXPECT_DOUBLE_EQ(fifth.fnmr, 0);
}

TEST(ErrorRates, NoScoresGiveNoErrors) {
    const ScoreRates r({}, {});
    EXPECT_DOUBLE_EQ(r.equalErrorRate().eer, 0);
    EXPECT_DOUBLE_EQ(r.atFmr(0).fnmr, 0);
}

} // namespace
