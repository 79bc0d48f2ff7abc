// SPDX-License-Identifier: GPL-2.0-or-later
// The cylinder-code matcher: copies of one print match, different prints do not, odd input is safe.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

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

TEST(CylinderMatcher, PerturbedCopiesMatchAndRandomTemplatesDoNot) {
    std::mt19937 rng(7);
    int genuineHigh = 0, impostorHigh = 0;
    for (int round = 0; round < 60; ++round) {
        Template a = randomTemplate(rng, 25 + round % 40);
        Template b = round % 2 ? perturbed(a, rng) : randomTemplate(rng, 25 + (round * 7) % 40);
        PreparedTemplate pa(a), pb(b);
        int ab = compareTemplates(pa, pb), ba = compareTemplates(pb, pa);
        EXPECT_EQ(compareTemplates(a, b), ab) << "round " << round;
        EXPECT_EQ(compareSymmetric(pa, pb), ab);
        // Symmetric by construction; only ties between equal similarities may break otherwise.
        EXPECT_NEAR(ab, ba, 30) << "round " << round;
        (round % 2 ? genuineHigh : impostorHigh) += ab >= kThresholdFmr1e3;
    }
    EXPECT_GE(genuineHigh, 27);  // of 30 perturbed copies
    EXPECT_EQ(impostorHigh, 0);
}

TEST(CylinderMatcher, SyntheticPressesOfOneFingerScoreAboveOtherFingers) {
    std::vector<Template> t;
    for (std::uint64_t finger : {31u, 32u})
        for (int imp = 1; imp <= 2; ++imp)
            t.push_back(extractTemplate(fpb::synth::generatePress(finger, imp, fpb::synth::PressMode::Good)));
    int genuine = std::min(compareSymmetric(t[0], t[1]), compareSymmetric(t[2], t[3]));
    int impostor = 0;
    for (int i : {0, 1})
        for (int j : {2, 3}) impostor = std::max(impostor, compareSymmetric(t[static_cast<std::size_t>(i)], t[static_cast<std::size_t>(j)]));
    EXPECT_GT(genuine, impostor);
    EXPECT_LT(impostor, kThresholdFmr1e3);
    EXPECT_EQ(compareTemplates(t[0], t[0]), compareTemplates(PreparedTemplate(t[0]), PreparedTemplate(t[0])));
    EXPECT_GE(compareTemplates(t[0], t[0]), kThresholdFmr1e4);
}

// The comparison takes a 512-bit path where the processor has one; it must give exactly the
// portable path's scores (the identification's answers and the documented thresholds rest on them).
TEST(CylinderMatcher, WideVectorsGiveThePortableScores) {
    const bool wide = detail::allowWideVectors(true);
    if (!wide) GTEST_SKIP() << "this processor has no 512-bit vectors with popcount: only the portable comparison exists here";
    std::mt19937 rng(11);
    std::vector<Template> templates;
    for (int k = 0; k < 24; ++k) {
        Template a = randomTemplate(rng, 12 + 3 * k);
        templates.push_back(a);
        templates.push_back(perturbed(a, rng));
    }
    std::vector<PreparedTemplate> prepared(templates.begin(), templates.end());
    std::vector<int> wideScores, portableScores;
    for (const auto& a : prepared)
        for (const auto& b : prepared) wideScores.push_back(compareTemplates(a, b));
    detail::allowWideVectors(false);
    for (const auto& a : prepared)
        for (const auto& b : prepared) portableScores.push_back(compareTemplates(a, b));
    detail::allowWideVectors(true);
    EXPECT_EQ(wideScores, portableScores);
    // Not a vacuous comparison: genuine pairs score high.
    EXPECT_GT(*std::max_element(wideScores.begin(), wideScores.end()), kThresholdFmr1e4);
}

TEST(CylinderMatcher, WideVectorsBuildThePortableCylinders) {
    const bool wide = detail::allowWideVectors(true);
    if (!wide) GTEST_SKIP() << "this processor has no 512-bit vectors with popcount: only the portable cylinders exist here";
    std::mt19937 rng(17);
    std::size_t cylinders = 0, bitsSet = 0;
    for (int k = 0; k < 60; ++k) {
        // Small to large, and some squeezed together so that neighbours crowd the cells.
        Template t = randomTemplate(rng, 4 + 2 * k);
        if (k % 3 == 0)
            for (auto& m : t.minutiae) m.x /= 2, m.y /= 2;
        detail::allowWideVectors(true);
        const PreparedTemplate widePrepared(t);
        detail::allowWideVectors(false);
        const PreparedTemplate portablePrepared(t);
        detail::allowWideVectors(true);
        const auto& a = widePrepared.cylinders();
        const auto& b = portablePrepared.cylinders();
        ASSERT_EQ(a.size(), b.size()) << "template " << k;
        for (std::size_t c = 0; c < a.size(); ++c) {
            EXPECT_EQ(a[c].minutia, b[c].minutia) << "template " << k << ", cylinder " << c;
            EXPECT_EQ(a[c].valid, b[c].valid) << "template " << k << ", cylinder " << c;
            for (int q = 0; q < PreparedTemplate::kSections; ++q) {
                EXPECT_EQ(a[c].bits[q], b[c].bits[q]) << "template " << k << ", cylinder " << c << ", section " << q;
                bitsSet += static_cast<std::size_t>(__builtin_popcountll(a[c].bits[q]));
            }
        }
        cylinders += a.size();
    }
    // Not a vacuous comparison: there were cylinders, with cells set and clear.
    EXPECT_GT(cylinders, 500u);
    EXPECT_GT(bitsSet, cylinders * 20);
    EXPECT_LT(bitsSet, cylinders * 300);
}

TEST(CylinderMatcher, DegenerateTemplates) {
    Template empty, two;
    two.minutiae = {{10, 10, 0.5, MinutiaType::Ending, 60}, {40, 10, 1.5, MinutiaType::Ending, 60}};
    std::mt19937 rng(3);
    Template some = randomTemplate(rng, 20);
    // Coordinates far outside the frame and stacked on one spot must not upset the cylinders.
    Template odd = some;
    odd.minutiae.push_back({-500, 9000, 6.2, MinutiaType::Bifurcation, 10});
    for (int i = 0; i < 12; ++i) odd.minutiae.push_back({100, 100, 0.1 * i, MinutiaType::Ending, 60});
    for (const Template* a : {&empty, &two, &some, &odd})
        for (const Template* b : {&empty, &two, &some, &odd}) {
            int s = compareTemplates(PreparedTemplate(*a), PreparedTemplate(*b));
            EXPECT_GE(s, 0);
            EXPECT_LE(s, 1000);
            if (a == &empty || b == &empty || a == &two || b == &two) {
                EXPECT_LT(s, kThresholdFmr1e3);
            }
        }
}

} // namespace
