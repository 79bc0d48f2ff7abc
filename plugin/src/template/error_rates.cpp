// SPDX-License-Identifier: GPL-2.0-or-later
#include "template/error_rates.h"

#include <algorithm>

namespace fpb::tmpl {

ScoreRates::ScoreRates(const std::vector<int>& genuine, const std::vector<int>& impostor)
    : impostorsAtOrAbove_(kThresholds + 1, 0), genuineBelow_(kThresholds + 1, 0), impostors_(static_cast<double>(impostor.size())),
      genuine_(static_cast<double>(genuine.size())) {
    // Counts by score, then running sums: FMR and FNMR at every threshold in one pass each.
    std::vector<long> impostorAt(kThresholds, 0), genuineAt(kThresholds, 0);
    for (int s : impostor) ++impostorAt[static_cast<std::size_t>(std::clamp(s, 0, kThresholds - 1))];
    for (int s : genuine) ++genuineAt[static_cast<std::size_t>(std::clamp(s, 0, kThresholds - 1))];
    for (int t = kThresholds - 1; t >= 0; --t)
        impostorsAtOrAbove_[static_cast<std::size_t>(t)] = impostorsAtOrAbove_[static_cast<std::size_t>(t) + 1] + impostorAt[static_cast<std::size_t>(t)];
    for (int t = 1; t <= kThresholds; ++t)
        genuineBelow_[static_cast<std::size_t>(t)] = genuineBelow_[static_cast<std::size_t>(t) - 1] + genuineAt[static_cast<std::size_t>(t) - 1];
}

double ScoreRates::fmr(int threshold) const {
    if (impostors_ == 0) return 0;
    return static_cast<double>(impostorsAtOrAbove_[static_cast<std::size_t>(std::clamp(threshold, 0, kThresholds))]) / impostors_;
}

double ScoreRates::fnmr(int threshold) const {
    if (genuine_ == 0) return 0;
    return static_cast<double>(genuineBelow_[static_cast<std::size_t>(std::clamp(threshold, 0, kThresholds))]) / genuine_;
}

ErrorRates ScoreRates::equalErrorRate() const {
    // FNMR rises and FMR falls with the threshold, so t1 <= t2 and both exist (at threshold 0
    // FNMR is 0; at 1001 FMR is 0).
    int t1 = 0, t2 = kThresholds - 1;
    for (int t = 0; t < kThresholds; ++t)
        if (fnmr(t) <= fmr(t)) t1 = t;
    for (int t = kThresholds - 1; t >= 0; --t)
        if (fnmr(t) >= fmr(t)) t2 = t;
    ErrorRates r;
    if (fnmr(t1) + fmr(t1) <= fmr(t2) + fnmr(t2))
        r.eerLow = fnmr(t1), r.eerHigh = fmr(t1), r.eerThreshold = t1;
    else
        r.eerLow = fmr(t2), r.eerHigh = fnmr(t2), r.eerThreshold = t2;
    r.eer = (r.eerLow + r.eerHigh) / 2;
    return r;
}

OperatingPoint ScoreRates::atFmr(double target) const {
    for (int t = 0; t < kThresholds; ++t)
        if (fmr(t) <= target) return {fnmr(t), t};
    return {};
}

} // namespace fpb::tmpl
