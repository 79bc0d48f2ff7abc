// SPDX-License-Identifier: GPL-2.0-or-later
// A matcher's error rates from its genuine and impostor scores, as the FVC protocol defines them
// (Maio, Maltoni, Cappelli, Wayman and Jain, "FVC2000: Fingerprint Verification Competition",
// IEEE TPAMI 24(3), 2002). Scores are 0..1000, higher for more alike; at threshold t,
// FMR(t) is the share of impostor scores >= t and FNMR(t) the share of genuine scores < t.
#pragma once

#include <vector>

namespace fpb::tmpl {

struct ErrorRates {
    /// Equal error rate. Scores are discrete, so FMR and FNMR rarely meet: with t1 the highest
    /// threshold where FNMR <= FMR and t2 the lowest where FNMR >= FMR, the one of the two with
    /// the smaller FMR + FNMR gives the interval [eerLow, eerHigh] (its two rates), and the EER
    /// is the interval's middle.
    double eer = 0, eerLow = 0, eerHigh = 0;
    int eerThreshold = 0;
};

/// The FNMR at the lowest threshold whose FMR is at most `fmr`, and that threshold
/// (fmr 0: ZeroFMR; 0.01: FNMR at FMR 1%).
struct OperatingPoint {
    double fnmr = 1;
    int threshold = 1001;
};

class ScoreRates {
public:
    ScoreRates(const std::vector<int>& genuine, const std::vector<int>& impostor);
    double fmr(int threshold) const;
    double fnmr(int threshold) const;
    ErrorRates equalErrorRate() const;
    OperatingPoint atFmr(double fmr) const;

private:
    static constexpr int kThresholds = 1002;  // 0..1001: 1001 rejects every score
    std::vector<long> impostorsAtOrAbove_, genuineBelow_;
    double impostors_, genuine_;
};

} // namespace fpb::tmpl
