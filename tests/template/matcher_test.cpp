// SPDX-License-Identifier: GPL-2.0-or-later
// The prepared, indexed matcher against the plain all-pairs form: the same scores, always.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "reference_matcher.h"
#include "synthetic_finger.h"
#include "template/fingerprint_template.h"

using namespace fpb::tmpl;

namespace {

Template randomTemplate(std::mt19937& rng, int n) {
    Template t;
    t.width = 388;
    t.height = 374;
    std::uniform_int_distribution<int> x(10, 377), y(10, 363);
    std::uniform_real_distribution<double> a(0, 2 * 3.14159265358979);
    for (int i = 0; i < n; ++i) t.minutiae.push_back({x(rng), y(rng), a(rng), MinutiaType::Ending, 60});
    return t;
}

// The same finger pressed again: rotated, shifted, jittered, some minutiae lost, some spurious.
Template perturbed(const Template& t, std::mt19937& rng) {
    std::uniform_real_distribution<double> rot(-0.4, 0.4), shift(-30, 30), jitter(-3, 3), ajitter(-0.15, 0.15), u(0, 1);
    double r = rot(rng), c = std::cos(r), s = std::sin(r), sx = shift(rng), sy = shift(rng);
    Template out = t;
    out.minutiae.clear();
    for (const auto& m : t.minutiae) {
        if (u(rng) < 0.15) continue;
        double dx = m.x - 194, dy = m.y - 187;
        Minutia p = m;
        p.x = static_cast<int>(std::lround(194 + dx * c - dy * s + sx + jitter(rng)));
        p.y = static_cast<int>(std::lround(187 + dx * s + dy * c + sy + jitter(rng)));
        p.angle = std::fmod(m.angle + r + ajitter(rng) + 4 * 3.14159265358979, 2 * 3.14159265358979);
        out.minutiae.push_back(p);
    }
    for (int i = 0; i < 4; ++i) out.minutiae.push_back(randomTemplate(rng, 1).minutiae[0]);
    return out;
}

TEST(PreparedMatcher, SameScoresAsTheAllPairsFormOnRandomAndPerturbedTemplates) {
    std::mt19937 rng(7);
    int nonZero = 0, high = 0;
    for (int round = 0; round < 60; ++round) {
        Template a = randomTemplate(rng, 3 + round % 50);
        Template b = round % 2 ? perturbed(a, rng) : randomTemplate(rng, 3 + (round * 7) % 60);
        PreparedTemplate pa(a), pb(b);
        int expectedAB = reference::referenceCompare(a, b), expectedBA = reference::referenceCompare(b, a);
        EXPECT_EQ(compareTemplates(pa, pb), expectedAB) << "round " << round;
        EXPECT_EQ(compareTemplates(pb, pa), expectedBA) << "round " << round;
        EXPECT_EQ(compareTemplates(a, b), expectedAB);
        EXPECT_EQ(compareSymmetric(pa, pb), std::max(expectedAB, expectedBA));
        nonZero += expectedAB > 0;
        high += expectedAB >= kThresholdFmr1e3;
    }
    EXPECT_GT(nonZero, 30);
    EXPECT_GT(high, 5);  // the perturbed copies must really match, or the check proves little
}

TEST(PreparedMatcher, SameScoresAsTheAllPairsFormOnSyntheticPrints) {
    std::vector<Template> t;
    for (std::uint64_t finger : {31u, 32u})
        for (int imp = 1; imp <= 2; ++imp)
            t.push_back(extractTemplate(fpb::synth::generatePress(finger, imp, fpb::synth::PressMode::Good)));
    for (std::size_t i = 0; i < t.size(); ++i)
        for (std::size_t j = 0; j < t.size(); ++j) {
            if (i == j) continue;
            EXPECT_EQ(compareTemplates(PreparedTemplate(t[i]), PreparedTemplate(t[j])), reference::referenceCompare(t[i], t[j]));
        }
}

TEST(PreparedMatcher, DegenerateTemplates) {
    Template empty, two;
    two.minutiae = {{10, 10, 0.5, MinutiaType::Ending, 60}, {40, 10, 1.5, MinutiaType::Ending, 60}};
    std::mt19937 rng(3);
    Template some = randomTemplate(rng, 20);
    // Coordinates far outside the frame and stacked on one spot must not upset the indexes.
    Template odd = some;
    odd.minutiae.push_back({-500, 9000, 6.2, MinutiaType::Bifurcation, 10});
    for (int i = 0; i < 12; ++i) odd.minutiae.push_back({100, 100, 0.1 * i, MinutiaType::Ending, 60});
    for (const Template* a : {&empty, &two, &some, &odd})
        for (const Template* b : {&empty, &two, &some, &odd})
            EXPECT_EQ(compareTemplates(PreparedTemplate(*a), PreparedTemplate(*b)), reference::referenceCompare(*a, *b));
}

} // namespace
