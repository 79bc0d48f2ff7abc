// SPDX-License-Identifier: GPL-2.0-or-later
// Two-stage identification: the first stage must keep the right candidate in a short list, and
// the two stages must return what the exhaustive search returns.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "template/fingerprint_template.h"

using namespace fpb::tmpl;

namespace {

constexpr double kTwoPi = 6.28318530717958647692;

Template randomFinger(std::mt19937& rng, int n = 40) {
    Template t;
    t.width = 388;
    t.height = 374;
    std::uniform_int_distribution<int> x(20, 367), y(20, 353);
    std::uniform_real_distribution<double> a(0, kTwoPi);
    for (int i = 0; i < n; ++i) t.minutiae.push_back({x(rng), y(rng), a(rng), MinutiaType::Ending, 60});
    return t;
}

// Another press of the same finger: rotated, shifted, jittered, some minutiae lost, a few spurious.
Template pressAgain(const Template& t, std::mt19937& rng) {
    std::uniform_real_distribution<double> rot(-0.5, 0.5), shift(-25, 25), u(0, 1);
    std::normal_distribution<double> jitter(0, 1.5), ajitter(0, 0.06);
    double r = rot(rng), c = std::cos(r), s = std::sin(r), sx = shift(rng), sy = shift(rng);
    Template out = t;
    out.minutiae.clear();
    for (const auto& m : t.minutiae) {
        if (u(rng) < 0.2) continue;
        double dx = m.x - 194, dy = m.y - 187;
        Minutia p = m;
        p.x = static_cast<int>(std::lround(194 + dx * c - dy * s + sx + jitter(rng)));
        p.y = static_cast<int>(std::lround(187 + dx * s + dy * c + sy + jitter(rng)));
        p.angle = std::fmod(m.angle + r + ajitter(rng) + 2 * kTwoPi, kTwoPi);
        out.minutiae.push_back(p);
    }
    for (int i = 0; i < 3; ++i) out.minutiae.push_back(randomFinger(rng, 1).minutiae[0]);
    return out;
}

struct Gallery {
    Identifier id;
    std::vector<Template> fingers;
};

Gallery makeGallery(std::size_t n, std::mt19937& rng) {
    Gallery g;
    for (std::size_t i = 0; i < n; ++i) {
        g.fingers.push_back(randomFinger(rng, 30 + static_cast<int>(i % 25)));
        g.id.add("user-" + std::to_string(i), g.fingers.back());
    }
    return g;
}

TEST(Identifier, FirstStageKeepsTheRightCandidateInAShortList) {
    std::mt19937 rng(11);
    Gallery g = makeGallery(400, rng);
    g.id.setShortlist(8);  // 2% of the gallery gets the full comparison
    for (std::size_t f = 0; f < 400; f += 20) {
        Template probe = pressAgain(g.fingers[f], rng);
        // The mate ranks among the first few of the first stage...
        auto first = g.id.firstStageScores(probe);
        std::size_t rank = 0;
        for (std::size_t i = 0; i < first.size(); ++i) rank += first[i] > first[f];
        EXPECT_LT(rank, 8u) << "finger " << f;
        // ...so the two stages find it, with the exhaustive search's score.
        auto two = g.id.identify(probe, kThresholdFmr1e3, 3);
        auto all = g.id.identifyExhaustive(probe, kThresholdFmr1e3, 3);
        ASSERT_FALSE(all.empty()) << "finger " << f << ": the exact comparison should find this press";
        ASSERT_FALSE(two.empty()) << "finger " << f << ": the first stage dropped the right candidate";
        EXPECT_EQ(two[0].key, "user-" + std::to_string(f));
        EXPECT_EQ(two[0].key, all[0].key);
        EXPECT_EQ(two[0].score, all[0].score);
    }
}

TEST(Identifier, UnknownFingersFindNothingAndSmallGalleriesAreSearchedExhaustively) {
    std::mt19937 rng(12);
    Gallery g = makeGallery(60, rng);
    g.id.setShortlist(8);
    for (int k = 0; k < 5; ++k) EXPECT_TRUE(g.id.identify(randomFinger(rng), kThresholdFmr1e3).empty());
    g.id.setShortlist(100);  // larger than the gallery: no first stage at all
    Template probe = pressAgain(g.fingers[17], rng);
    auto two = g.id.identify(probe, 0, 60);
    auto all = g.id.identifyExhaustive(probe, 0, 60);
    ASSERT_EQ(two.size(), all.size());
    for (std::size_t i = 0; i < two.size(); ++i) {
        EXPECT_EQ(two[i].key, all[i].key);
        EXPECT_EQ(two[i].score, all[i].score);
    }
    EXPECT_EQ(two[0].key, "user-17");
}

// For an unknown finger: exhaustive's best must score below `below` (no convincing candidate),
// and identify must return exactly it. Returns that best.
Identifier::Candidate expectExhaustiveAnswer(const Identifier& id, const Template& probe, int below, int k) {
    auto all = id.identifyExhaustive(probe, 0, 1);
    auto two = id.identify(probe, 0, 1);
    if (all.empty() || two.empty()) {
        ADD_FAILURE() << "probe " << k << ": every search over a gallery returns its best at threshold 0";
        return {};
    }
    EXPECT_LT(all[0].score, below) << "probe " << k << " should have no convincing candidate";
    EXPECT_EQ(two[0].key, all[0].key) << "probe " << k;
    EXPECT_EQ(two[0].score, all[0].score) << "probe " << k;
    return all[0];
}

TEST(Identifier, NoConvincingCandidateSendsTheSearchDeeper) {
    // With nothing in the shortlist scoring kDeepenBelow, the search goes on down the first
    // stage's order; this gallery is smaller than that depth, so the answer must be exhaustive's,
    // which for unknown fingers is a chance impostor the first stage has no reason to rank high.
    std::mt19937 rng(14);
    Gallery g = makeGallery(400, rng);
    g.id.setShortlist(8);
    int differentFromShortlistOnly = 0;
    for (int k = 0; k < 10; ++k) {
        Template probe = randomFinger(rng, 35);
        const Identifier::Candidate all = expectExhaustiveAnswer(g.id, probe, Identifier::kDeepenBelow, k);
        // How often the shortlist alone would have missed it (so this test can fail).
        auto first = g.id.firstStageScores(probe);
        std::size_t rank = 0;
        const std::size_t best = std::stoul(all.key.substr(5));
        for (std::size_t i = 0; i < first.size(); ++i) rank += first[i] > first[best];
        differentFromShortlistOnly += rank >= 8;
    }
    EXPECT_GE(differentFromShortlistOnly, 3) << "the first stage alone should miss several of these chance impostors";
}

TEST(Identifier, AThoroughSearchComparesEveryEntryWhenTheBestIsStillWeak) {
    // A gallery twice as deep as the deeper search: unknown fingers' best (a chance impostor)
    // often lies beyond it in the first stage's order. The thorough search (the default) must
    // still return exhaustive's answer; the fast one (a door's) stops at the deeper search.
    std::mt19937 rng(15);
    Gallery g = makeGallery(2 * Identifier::kDeepShortlist, rng);
    g.id.setShortlist(8);
    ASSERT_TRUE(g.id.thorough());
    int fastDiffers = 0;
    for (int k = 0; k < 4; ++k) {
        Template probe = randomFinger(rng, 35);
        const Identifier::Candidate all = expectExhaustiveAnswer(g.id, probe, Identifier::kSearchAllBelow, k);
        g.id.setThorough(false);
        auto fast = g.id.identify(probe, 0, 1);
        g.id.setThorough(true);
        ASSERT_FALSE(fast.empty());
        fastDiffers += fast[0].key != all.key;
    }
    // So that this test can fail: without the full comparison some answers would differ.
    EXPECT_GE(fastDiffers, 1) << "the fast search should miss some of these chance impostors";
}

TEST(Identifier, AThresholdWithinTheFirstStagesReachSparesTheFullComparison) {
    // The duplicate check at a large site asks only for candidates at its threshold. From
    // kFirstStageReachesFrom up, mates lie within the first stage's kReachDepth, so an unknown
    // finger is not compared with everyone; below it, it still is.
    std::mt19937 rng(16);
    Gallery g = makeGallery(2 * Identifier::kDeepShortlist, rng);
    g.id.setShortlist(8);
    ASSERT_TRUE(g.id.thorough());
    const int reach = Identifier::kFirstStageReachesFrom;
    for (int k = 0; k < 2; ++k) {
        Template unknown = randomFinger(rng, 35);
        std::size_t compared = 0;
        EXPECT_TRUE(g.id.identify(unknown, reach, 1, &compared).empty()) << "probe " << k;
        EXPECT_EQ(compared, Identifier::kReachDepth) << "probe " << k << ": the first stage's reach, and no further";
        EXPECT_TRUE(g.id.identifyExhaustive(unknown, reach, 1).empty()) << "probe " << k;
        EXPECT_TRUE(g.id.identify(unknown, reach - 1, 1, &compared).empty()) << "probe " << k;
        EXPECT_EQ(compared, g.id.size()) << "probe " << k << ": below the reach, everyone";
    }
    // An enrolled finger is found in the shortlist, with exhaustive's answer.
    const std::size_t f = 4321;
    Template press = pressAgain(g.fingers[f], rng);
    std::size_t compared = 0;
    auto found = g.id.identify(press, reach, 1, &compared);
    auto all = g.id.identifyExhaustive(press, reach, 1);
    ASSERT_EQ(found.size(), 1u);
    ASSERT_EQ(all.size(), 1u);
    EXPECT_EQ(found[0].key, "user-" + std::to_string(f));
    EXPECT_EQ(found[0].key, all[0].key);
    EXPECT_EQ(found[0].score, all[0].score);
    EXPECT_EQ(compared, 8u);
}

TEST(Identifier, StoredEntriesKeepTheMinutiaeAndStayUnderTwoKilobytes) {
    std::mt19937 rng(13);
    Identifier id;
    Template t = randomFinger(rng, 60);
    id.add("someone/2", t);
    Template back = id.entry(0);
    ASSERT_EQ(back.minutiae.size(), t.minutiae.size());
    for (std::size_t i = 0; i < t.minutiae.size(); ++i) {
        EXPECT_EQ(back.minutiae[i].x, t.minutiae[i].x);
        EXPECT_EQ(back.minutiae[i].y, t.minutiae[i].y);
        EXPECT_NEAR(back.minutiae[i].angle, t.minutiae[i].angle, 1e-4);
    }
    Gallery g = makeGallery(500, rng);
    g.id.shrinkToFit();
    EXPECT_LT(g.id.memoryBytes() / g.id.size(), 2048u);
    g.id.clear();
    EXPECT_EQ(g.id.size(), 0u);
    EXPECT_TRUE(g.id.identify(t, 0).empty());
}

TEST(Identifier, OneThreadAndAllThreadsAgree) {
    std::mt19937 rng(14);
    Gallery g = makeGallery(300, rng);
    g.id.setShortlist(10);
    Template probe = pressAgain(g.fingers[123], rng);
    auto many = g.id.identify(probe, 0, 5);
    g.id.setThreads(1);
    auto one = g.id.identify(probe, 0, 5);
    ASSERT_EQ(one.size(), many.size());
    for (std::size_t i = 0; i < one.size(); ++i) EXPECT_EQ(one[i].key, many[i].key);
}

// The first stage scans an entry's codes with 512-bit vectors where the processor has them; its
// scores (and so every ranking) must be exactly the portable scan's, for entries of every length
// (the vector scan takes 16 codes at a time and the rest one by one).
TEST(Identifier, WideVectorsGiveThePortableFirstStage) {
    if (!detail::allowWideVectors(true)) GTEST_SKIP() << "this processor has no 512-bit vectors: only the portable first stage exists here";
    std::mt19937 rng(15);
    Gallery g;
    for (int i = 0; i < 300; ++i) {
        g.fingers.push_back(randomFinger(rng, 2 + i % 70));
        g.id.add("user-" + std::to_string(i), g.fingers.back());
    }
    for (int f : {5, 77, 150, 299}) {
        const Template probe = pressAgain(g.fingers[static_cast<std::size_t>(f)], rng);
        const auto wide = g.id.firstStageScores(probe);
        detail::allowWideVectors(false);
        const auto portable = g.id.firstStageScores(probe);
        detail::allowWideVectors(true);
        EXPECT_EQ(wide, portable) << "probe of finger " << f;
        EXPECT_GT(*std::max_element(wide.begin(), wide.end()), 0) << "the probe shares codes with its finger";
    }
}

} // namespace

namespace {

// Degenerate probes and entries: empty, one minutia, far off the frame, more minutiae than a
// byte can index. The search must neither crash nor invent a match.
TEST(Identifier, DegenerateProbesAndEntriesAreHandled) {
    std::mt19937 rng(14);
    Identifier id;
    id.setShortlist(4);
    id.add("empty", Template{});
    Template one;
    one.minutiae.push_back({100, 100, 1.0, MinutiaType::Ending, 60});
    id.add("one", one);
    Template far = randomFinger(rng, 40);
    for (auto& m : far.minutiae) m.x += 30000, m.y -= 30000;
    id.add("far", far);
    Template many = randomFinger(rng, 300);
    id.add("many", many);
    for (int i = 0; i < 40; ++i) id.add("user-" + std::to_string(i), randomFinger(rng));
    for (const Template& probe : {Template{}, one, far, many}) {
        auto scores = id.firstStageScores(probe);
        EXPECT_EQ(scores.size(), id.size());
        auto found = id.identify(probe, kThresholdFmr1e3, 3);
        EXPECT_LE(found.size(), 3u);
    }
    EXPECT_TRUE(id.identify(Template{}, kThresholdFmr1e3).empty());
    // A far-off entry still finds itself: the vote is on differences, wherever the print lies.
    auto self = id.identify(far, kThresholdFmr1e3, 1);
    ASSERT_FALSE(self.empty());
    EXPECT_EQ(self[0].key, "far");
}

// The first stage's pairing counts an entry minutia that lies within 10 px of a probe minutia,
// wherever the two fall on the pairing's grid: copies of the probe with every minutia moved 7.5 px
// (6.8 to 8.2 once rounded; across cell borders, in every direction) pair every minutia, like the
// probe itself (moved further, the alignment's own error takes some beyond 10 px); moved 14 px,
// fewer pair.
TEST(Identifier, FirstStagePairsAcrossGridCells) {
    std::mt19937 rng(23);
    // Minutiae at least 40 px apart, so that a moved minutia has only its own counterpart near.
    Template probe;
    std::uniform_int_distribution<int> x(30, 600), y(30, 600);
    std::uniform_real_distribution<double> a(0, kTwoPi);
    while (probe.minutiae.size() < 36) {
        Minutia m{x(rng), y(rng), a(rng), MinutiaType::Ending, 60};
        bool spaced = true;
        for (const auto& o : probe.minutiae) spaced &= std::hypot(m.x - o.x, m.y - o.y) >= 40;
        if (spaced) probe.minutiae.push_back(m);
    }
    auto moved = [&](double distance, std::uint32_t seed) {
        std::mt19937 r(seed);
        Template t = probe;
        for (auto& m : t.minutiae) {
            const double d = a(r);
            m.x += static_cast<int>(std::lround(distance * std::cos(d)));
            m.y += static_cast<int>(std::lround(distance * std::sin(d)));
        }
        return t;
    };
    Identifier id;
    id.add("itself", probe);
    for (std::uint32_t k = 0; k < 6; ++k) id.add("near-" + std::to_string(k), moved(7.5, k));
    for (std::uint32_t k = 0; k < 3; ++k) id.add("far-" + std::to_string(k), moved(14.2, 100 + k));
    for (int k = 0; k < 30; ++k) id.add("other-" + std::to_string(k), randomFinger(rng));
    const std::vector<std::uint16_t> scores = id.firstStageScores(probe);
    // Aligned and paired entries score 32768 + 100 count^2 / n: here all 36 of 36.
    const std::uint16_t allPaired = 32768 + 100 * 36;
    EXPECT_EQ(scores[0], allPaired);
    for (std::size_t k = 1; k <= 6; ++k) EXPECT_EQ(scores[k], allPaired) << "near copy " << k - 1;
    for (std::size_t k = 7; k <= 9; ++k) EXPECT_LT(scores[k], allPaired) << "far copy " << k - 7;
}

} // namespace

namespace {

// An enrollment's presses are views under one key: the key is one candidate, at its best view's score.
TEST(Identifier, AKeyWithSeveralViewsIsOneCandidateAtItsBestView) {
    std::mt19937 rng(21);
    Template finger = randomFinger(rng), other = randomFinger(rng);
    std::vector<Template> views{pressAgain(finger, rng), pressAgain(finger, rng), pressAgain(finger, rng)};
    Identifier id;
    for (const auto& v : views) id.add("user-a/2", v);
    id.add("user-b/2", other);
    const Template probe = pressAgain(finger, rng);
    int bestView = 0;
    for (const auto& v : views) bestView = std::max(bestView, compareTemplates(probe, v));
    for (const auto& found : {id.identify(probe, 0, 2), id.identifyExhaustive(probe, 0, 2)}) {
        ASSERT_EQ(found.size(), 2u);
        EXPECT_EQ(found[0].key, "user-a/2");
        EXPECT_EQ(found[0].score, bestView);
        EXPECT_EQ(found[1].key, "user-b/2");
    }
}

// 1:N thresholds: the lowest measured score whose rate, times the gallery, stays within the
// target; rising with the gallery; the per-comparison thresholds are the table's own.
TEST(SearchThresholds, RiseWithTheGalleryAlongTheMeasuredRates) {
    const auto& rates = measuredFalseMatchRates();
    ASSERT_GE(rates.size(), 5u);
    for (std::size_t r = 1; r < rates.size(); ++r) {
        EXPECT_GT(rates[r].score, rates[r - 1].score);
        EXPECT_LE(rates[r].fmr, rates[r - 1].fmr);
        EXPECT_GT(rates[r].fmr, 0);
    }
    auto firstRowWithin = [&](double fmr) {
        for (const auto& r : rates)
            if (r.fmr <= fmr) return r.score;
        return -1;
    };
    EXPECT_EQ(kThresholdFmr1e3, firstRowWithin(1e-3));
    EXPECT_EQ(kThresholdFmr1e4, firstRowWithin(1e-4));
    EXPECT_EQ(thresholdForSearch(0, 0.01), kThresholdFmr1e3);  // an empty gallery counts as one
    EXPECT_EQ(thresholdForSearch(1, 1e-4), kThresholdFmr1e4);
    int previous = 0;
    for (std::size_t entries : {1ul, 10ul, 100ul, 1000ul, 10000ul, 30000ul, 100000ul, 1000000ul, 100000000ul}) {
        const int t = thresholdForSearch(entries, kDuplicateCheckFalseMatches);
        EXPECT_GE(t, previous) << entries << " entries";
        previous = t;
        const auto at = std::find_if(rates.begin(), rates.end(), [&](const FalseMatchRate& r) { return r.score == t; });
        ASSERT_NE(at, rates.end()) << "a threshold is always a measured score";
        const double perComparison = kDuplicateCheckFalseMatches / static_cast<double>(entries);
        if (at->fmr <= perComparison) {
            // Within the target, and the row before it is not (unless the floor decided).
            if (at != rates.begin() && t > kThresholdFmr1e3) {
                EXPECT_GT((at - 1)->fmr, perComparison) << entries << " entries";
            }
        } else {
            EXPECT_EQ(t, rates.back().score) << "only past the last measured rate may the target be missed";
        }
    }
    EXPECT_GT(thresholdForSearch(1000, kDuplicateCheckFalseMatches), kThresholdFmr1e4);
    EXPECT_EQ(thresholdForSearch(100000000, kDuplicateCheckFalseMatches), rates.back().score);
}

} // namespace
