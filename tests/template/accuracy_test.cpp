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
