// SPDX-License-Identifier: GPL-2.0-or-later
// Accuracy on real fingerprints (FVC protocol, all impostor pairs) and on synthetic ones.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>

#include "image/image_files.h"
#include "synthetic_finger.h"
#include "template/error_rates.h"
#include "template/fingerprint_template.h"

namespace fs = std::filesystem;
using namespace fpb::tmpl;

namespace {

struct Rates {
    double eer = 1;
    double zeroFmr = 1;
    int failures = 0;
};

Rates evaluate(const fs::path& dir, int dpi) {
    std::vector<std::pair<std::string, PreparedTemplate>> all;
    Rates r;
    for (const auto& e : fs::directory_iterator(dir)) {
        if (e.path().extension() != ".tif") continue;
        try {
            all.emplace_back(e.path().stem().string().substr(0, 3), PreparedTemplate(extractTemplate(fpb::loadImage(e.path().string(), dpi))));
        } catch (const TemplateError&) {
            ++r.failures;
        }
    }
    std::vector<int> genuine, impostor;
    for (std::size_t i = 0; i < all.size(); ++i)
        for (std::size_t j = i + 1; j < all.size(); ++j) {
            int s = compareSymmetric(all[i].second, all[j].second);
            (all[i].first == all[j].first ? genuine : impostor).push_back(s);
        }
    const ScoreRates rates(genuine, impostor);
    r.eer = rates.equalErrorRate().eer;
    r.zeroFmr = rates.atFmr(0.0).fnmr;
    return r;
}

TEST(Accuracy, FvcDb1AndDb2) {
    fs::path db1 = fs::path(FPB_SHARED_DIR) / "fingerprints" / "FVC2002_DB1_B";
    if (!fs::is_directory(db1)) GTEST_SKIP() << "../shared/fingerprints is not present: the FVC evaluation needs it";
    Rates r1 = evaluate(db1, 500);
    Rates r2 = evaluate(fs::path(FPB_SHARED_DIR) / "fingerprints" / "FVC2002_DB2_B", 569);
    EXPECT_EQ(r1.failures, 0);
    EXPECT_EQ(r2.failures, 0);
    // The targets: EER at most 2.0% (DB1_B) and 1.3% (DB2_B), ZeroFMR at most 7% (DB1_B).
    // Measured (BENCHMARKS.md): DB1_B 1.39% and 3.2%, DB2_B 1.25%: one genuine pair (0.36%)
    // scoring lower can take DB2_B over its target, and then this test says so.
    EXPECT_LE(r1.eer, 0.02);
    EXPECT_LE(r1.zeroFmr, 0.07);
    EXPECT_LE(r2.eer, 0.013);
}

// 1:N: impression 2 of each DB1_B finger is enrolled among 20,000 made-up templates; each of the
// other 70 impressions must find its finger. The first stage must rank the mate within the
// shortlist (the benchmark, at 100,000, measures it within the best 180), so that the two stages
// return what exhaustive matching would.
TEST(Accuracy, EveryRealMateReachesTheShortlistOfALargeGallery) {
    fs::path db1 = fs::path(FPB_SHARED_DIR) / "fingerprints" / "FVC2002_DB1_B";
    if (!fs::is_directory(db1)) GTEST_SKIP() << "../shared/fingerprints is not present: the FVC evaluation needs it";
    std::vector<std::pair<std::string, Template>> mates, probes;
    std::vector<Template> bases;
    for (const auto& e : fs::directory_iterator(db1)) {
        if (e.path().extension() != ".tif") continue;
        const std::string stem = e.path().stem().string();
        Template t = extractTemplate(fpb::loadImage(e.path().string(), 500));
        bases.push_back(t);
        (stem.substr(4) == "2" ? mates : probes).emplace_back(stem.substr(0, 3), std::move(t));
    }
    ASSERT_EQ(mates.size(), 10u);
    Identifier id;
    for (auto& [finger, t] : mates) id.add(finger, t);
    std::vector<Template> made = generateGallery(bases, 20000, 7);
    for (std::size_t g = 0; g < made.size(); ++g) id.add("generated/" + std::to_string(g), std::move(made[g]));
    std::map<std::string, std::size_t> indexOf;
    for (std::size_t i = 0; i < mates.size(); ++i) indexOf[id.key(i)] = i;
    int found = 0;
    long worstRank = 0;
    for (const auto& [finger, probe] : probes) {
        auto scores = id.firstStageScores(probe);
        const std::size_t mate = indexOf.at(finger);
        const long ahead = std::count_if(scores.begin(), scores.end(), [&](std::uint16_t s) { return s > scores[mate]; });
        worstRank = std::max(worstRank, ahead);
        EXPECT_LT(static_cast<std::size_t>(ahead), id.shortlist()) << "probe of finger " << finger;
        // With the mate in the shortlist, the best found scores at least as high as the mate.
        auto best = id.identify(probe, 0, 1);
        ASSERT_FALSE(best.empty());
        EXPECT_GE(best[0].score, compareSymmetric(probe, mates[mate].second)) << "probe of finger " << finger;
        found += best[0].key == finger;
    }
    std::cout << "worst first-stage rank of a mate: " << worstRank << "; best candidate is the mate for " << found << " of "
              << probes.size() << " probes\n";
    // Measured: 69 of 70 (one probe of finger 106 scores 106 with its mate, below a made-up template's 134).
    EXPECT_GE(found, 68);
}

// The 1:N thresholds stand on measured false-match rates (measuredFalseMatchRates, from 400,000
// generated templates per finger). Here a fresh sample: each DB1_B finger's 8 presses against
// 10,000 templates generated from the other fingers only (0.8 million comparisons between
// different fingers). Every rate the sample can show (10 or more expected false matches) must
// hold within a factor of 2, or the thresholds no longer promise what they say. Then the duplicate
// check itself: each finger's enrollment (presses 1 to 3) searched at the threshold for the gallery
// finds no one, where the fixed FMR 1e-3 threshold would tell most of them they are enrolled, and
// once a second enrollment of the finger (presses 4 to 6) is in the gallery, it is found.
TEST(Accuracy, ThresholdsForLargeGalleriesHoldTheirFalseMatchRates) {
    fs::path db1 = fs::path(FPB_SHARED_DIR) / "fingerprints" / "FVC2002_DB1_B";
    if (!fs::is_directory(db1)) GTEST_SKIP() << "../shared/fingerprints is not present: the FVC evaluation needs it";
    std::map<std::string, std::vector<Template>> fingers;
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(db1))
        if (e.path().extension() == ".tif") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) fingers[f.stem().string().substr(0, 3)].push_back(extractTemplate(fpb::loadImage(f.string(), 500)));
    ASSERT_EQ(fingers.size(), 10u);
    constexpr std::size_t kGallery = 10000;
    const int duplicateThreshold = thresholdForSearch(kGallery, kDuplicateCheckFalseMatches);
    const auto& rates = measuredFalseMatchRates();
    std::vector<std::uint64_t> atOrAbove(rates.size(), 0);
    std::uint64_t comparisons = 0;
    int chanceMatchesAtFixedThreshold = 0, chanceMatchesAtGalleryThreshold = 0, duplicatesFound = 0;
    std::uint64_t seed = 100;
    for (const auto& [finger, presses] : fingers) {
        ASSERT_EQ(presses.size(), 8u);
        std::vector<Template> others;
        for (const auto& [other, list] : fingers)
            if (other != finger) others.insert(others.end(), list.begin(), list.end());
        Identifier id;
        std::vector<Template> made = generateGallery(others, kGallery, seed++);
        made.erase(std::remove_if(made.begin(), made.end(), [](const Template& t) { return t.minutiae.size() < 6; }), made.end());
        const std::vector<PreparedTemplate> entries(made.begin(), made.end());
        const std::vector<PreparedTemplate> probes(presses.begin(), presses.end());
        for (const auto& probe : probes)
            for (const auto& entry : entries) {
                const int score = compareTemplates(probe, entry);
                for (std::size_t r = 0; r < rates.size(); ++r) atOrAbove[r] += score >= rates[r].score;
            }
        comparisons += probes.size() * entries.size();
        for (std::size_t g = 0; g < made.size(); ++g) id.add("generated/" + std::to_string(g), std::move(made[g]));
        const Template enrollment = enrollmentViews({presses[0], presses[1], presses[2]}).front();
        chanceMatchesAtFixedThreshold += !id.identify(enrollment, kThresholdFmr1e3, 1).empty();
        auto found = id.identify(enrollment, duplicateThreshold, 1);
        chanceMatchesAtGalleryThreshold += !found.empty();
        if (!found.empty()) std::cout << "finger " << finger << ": chance match " << found[0].key << " at " << found[0].score << "\n";
        for (auto& view : enrollmentViews({presses[3], presses[4], presses[5]})) id.add(finger, std::move(view));
        found = id.identify(enrollment, duplicateThreshold, 1);
        duplicatesFound += !found.empty() && found[0].key == finger;
    }
    for (std::size_t r = 0; r < rates.size(); ++r) {
        const double expected = rates[r].fmr * static_cast<double>(comparisons);
        if (expected < 10) continue;
        const double measured = static_cast<double>(atOrAbove[r]) / static_cast<double>(comparisons);
        std::cout << "score " << rates[r].score << ": FMR " << measured << " here, " << rates[r].fmr << " in the table\n";
        EXPECT_LE(measured, 2 * rates[r].fmr) << "at score " << rates[r].score;
    }
    std::cout << "duplicate check over " << kGallery << " templates at " << duplicateThreshold << ": " << chanceMatchesAtGalleryThreshold
              << " of 10 new fingers told they are enrolled (at " << kThresholdFmr1e3 << ": " << chanceMatchesAtFixedThreshold
              << "); " << duplicatesFound << " of 10 second enrollments found\n";
    EXPECT_GE(chanceMatchesAtFixedThreshold, 5) << "the fixed threshold is expected to fail at this size: is the sample what it was?";
    EXPECT_LE(chanceMatchesAtGalleryThreshold, 1);
    EXPECT_GE(duplicatesFound, 9);
}

TEST(Accuracy, SyntheticImpressionsOfOneFingerMatchAndOfOthersDoNot) {
    std::vector<Template> a, b;
    auto ma = fpb::synth::makeMasterFinger(11), mb = fpb::synth::makeMasterFinger(12);
    for (int i = 1; i <= 3; ++i) {
        fpb::synth::ImpressionOptions o;
        o.impressionSeed = static_cast<std::uint64_t>(i);
        a.push_back(extractTemplate(fpb::synth::makeImpression(ma, o)));
        b.push_back(extractTemplate(fpb::synth::makeImpression(mb, o)));
    }
    EXPECT_EQ(firstInconsistentPress(a), -1);
    std::vector<Template> mixed = {a[0], a[1], b[0]};
    EXPECT_EQ(firstInconsistentPress(mixed), 2);
    // Every press is a view, the one that agrees best with the others first.
    const auto views = enrollmentViews(a);
    ASSERT_EQ(views.size(), 3u);
    auto agreement = [&](const Template& t) {
        int total = 0;
        for (const auto& other : a) total += compareSymmetric(t, other);
        return total;
    };
    for (const auto& press : a) EXPECT_GE(agreement(views[0]), agreement(press));
    auto same = [](const Template& x, const Template& y) {
        return std::equal(x.minutiae.begin(), x.minutiae.end(), y.minutiae.begin(), y.minutiae.end(),
                          [](const Minutia& p, const Minutia& q) { return p.x == q.x && p.y == q.y && p.angle == q.angle; });
    };
    for (const auto& press : a)
        EXPECT_EQ(std::count_if(views.begin(), views.end(), [&](const Template& v) { return same(v, press); }), 1);
    Identifier id;
    for (auto& view : views) id.add("user-a/2", view);
    for (auto& view : enrollmentViews(b)) id.add("user-b/2", view);
    fpb::synth::ImpressionOptions o;
    o.impressionSeed = 9;
    auto found = id.identify(extractTemplate(fpb::synth::makeImpression(ma, o)), kThresholdFmr1e3);
    ASSERT_FALSE(found.empty());
    EXPECT_EQ(found[0].key, "user-a/2");
}

} // namespace
