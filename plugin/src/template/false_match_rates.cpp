// SPDX-License-Identifier: GPL-2.0-or-later
// The matcher's false-match rates far into the tail, and the 1:N thresholds they give.
#include <algorithm>

#include "template/fingerprint_template.h"

namespace fpb::tmpl {

const std::vector<FalseMatchRate>& measuredFalseMatchRates() {
    // `fpb-tool eval-tail DIR --gallery 400000` on FVC2002 DB1_B and DB2_B (BENCHMARKS.md, "False
    // matches in large galleries"): each finger's 8 presses and 6 three-press enrollments against
    // 400,000 templates generated from the other fingers (56 million comparisons per set). Every
    // 5 points, the highest of the four rates (presses and enrollments, both sets; DB1_B's few
    // small prints make its tail the heavier), while it rests on at least 10 false matches.
    static const std::vector<FalseMatchRate> rates{
        {100, 0.00488},
        {105, 0.0024},
        {110, 0.00124},
        {115, 0.000667},
        {120, 0.000368},
        {125, 0.000209},
        {130, 0.000121},
        {135, 6.87e-05},
        {140, 4.33e-05},
        {145, 2.91e-05},
        {150, 1.97e-05},
        {155, 1.41e-05},
        {160, 1e-05},
        {165, 7.25e-06},
        {170, 5.38e-06},
        {175, 4.29e-06},
        {180, 3e-06},
        {185, 2.04e-06},
        {190, 1.75e-06},
        {195, 1.29e-06},
        {200, 1e-06},
        {205, 5.42e-07},
    };
    return rates;
}

int thresholdForSearch(std::size_t entries, double falseMatchesPerSearch) {
    const auto& rates = measuredFalseMatchRates();
    const double perComparison = falseMatchesPerSearch / static_cast<double>(std::max<std::size_t>(entries, 1));
    for (const auto& r : rates)
        if (r.fmr <= perComparison) return std::max(kThresholdFmr1e3, r.score);
    return std::max(kThresholdFmr1e3, rates.back().score);
}

} // namespace fpb::tmpl
