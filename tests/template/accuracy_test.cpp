// SPDX-License-Identifier: GPL-2.0-or-later
// Accuracy on real fingerprints (FVC protocol, all impostor pairs) and on synthetic ones.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "image/image_files.h"
#include "synthetic_finger.h"
#include "template/fingerprint_template.h"

namespace fs = std::filesystem;
using namespace fpb::tmpl;

namespace {

struct Rates {
    double eer = 1;
    double zeroFmr = 1;  ///< genuine pairs scoring no higher than the best impostor
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
    double best = 2;
    for (int t = 0; t <= 1000; ++t) {
        double fmr = std::count_if(impostor.begin(), impostor.end(), [&](int s) { return s >= t; }) / double(impostor.size());
        double fnmr = std::count_if(genuine.begin(), genuine.end(), [&](int s) { return s < t; }) / double(genuine.size());
        if (std::abs(fmr - fnmr) < best) {
            best = std::abs(fmr - fnmr);
            r.eer = (fmr + fnmr) / 2;
        }
    }
    const int bestImpostor = *std::max_element(impostor.begin(), impostor.end());
    r.zeroFmr = std::count_if(genuine.begin(), genuine.end(), [&](int s) { return s <= bestImpostor; }) / double(genuine.size());
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
    // Measured (BENCHMARKS.md): DB1_B 1.4% and 3.2%, DB2_B 1.3%. One genuine pair is 0.36%, so
    // DB2_B is allowed two pairs more than its target before the test fails.
    EXPECT_LE(r1.eer, 0.02);
    EXPECT_LE(r1.zeroFmr, 0.07);
    EXPECT_LE(r2.eer, 0.02);
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
    Identifier id;
    id.add("user-a/2", mergePresses(a));
    id.add("user-b/2", mergePresses(b));
    fpb::synth::ImpressionOptions o;
    o.impressionSeed = 9;
    auto found = id.identify(extractTemplate(fpb::synth::makeImpression(ma, o)), kThresholdFmr1e3);
    ASSERT_FALSE(found.empty());
    EXPECT_EQ(found[0].key, "user-a/2");
}

} // namespace
