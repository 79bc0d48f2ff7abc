// SPDX-License-Identifier: GPL-2.0-or-later
// The straightforward form of the matcher (local structures rebuilt and every minutia pair
// compared on each call), kept only so that tests can check that the prepared, indexed matcher
// gives exactly the same scores.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "template/fingerprint_template.h"

namespace fpb::tmpl::reference {

namespace detail {

constexpr double kPi = 3.14159265358979323846;
constexpr int kNeighbours = 5;
constexpr int kAlignments = 24;

// |a - b| folded into 0..pi. Inputs stay within a few turns, so two folds are enough and much
// cheaper than std::remainder, which dominated the comparison time.
inline double wrapAngle(double d) {
    while (d > kPi) d -= 2 * kPi;
    while (d < -kPi) d += 2 * kPi;
    return d;
}
inline double angleDiff(double a, double b) { return std::abs(wrapAngle(a - b)); }

struct Neighbour {
    double distance, bearing, direction;
};

struct Local {
    std::array<Neighbour, kNeighbours> n{};
    int count = 0;
};

inline std::vector<Local> localStructures(const Template& t) {
    std::vector<Local> out(t.minutiae.size());
    std::vector<std::pair<double, std::size_t>> byDistance;
    for (std::size_t i = 0; i < t.minutiae.size(); ++i) {
        const auto& m = t.minutiae[i];
        byDistance.clear();
        for (std::size_t j = 0; j < t.minutiae.size(); ++j)
            if (j != i) byDistance.emplace_back(std::hypot(t.minutiae[j].x - m.x, t.minutiae[j].y - m.y), j);
        std::size_t k = std::min<std::size_t>(kNeighbours, byDistance.size());
        std::partial_sort(byDistance.begin(), byDistance.begin() + static_cast<std::ptrdiff_t>(k), byDistance.end());
        for (std::size_t q = 0; q < k; ++q) {
            const auto& o = t.minutiae[byDistance[q].second];
            double bearing = wrapAngle(std::atan2(o.y - m.y, o.x - m.x) - m.angle);
            out[i].n[q] = {byDistance[q].first, bearing, wrapAngle(o.angle - m.angle)};
        }
        out[i].count = static_cast<int>(k);
    }
    return out;
}

inline double localSimilarity(const Local& a, const Local& b) {
    double total = 0;
    for (int i = 0; i < a.count; ++i) {
        double best = 0;
        for (int j = 0; j < b.count; ++j) {
            double dd = std::abs(a.n[i].distance - b.n[j].distance);
            double db = angleDiff(a.n[i].bearing, b.n[j].bearing);
            double dr = angleDiff(a.n[i].direction, b.n[j].direction);
            if (dd > 10 || db > 0.35 || dr > 0.4) continue;
            best = std::max(best, 1.0 - (dd / 10 + db / 0.35 + dr / 0.4) / 3);
        }
        total += best;
    }
    return a.count ? total / a.count : 0;
}

} // namespace detail

using namespace detail;

inline int referenceCompare(const Template& probe, const Template& candidate) {
    const auto& A = probe.minutiae;
    const auto& B = candidate.minutiae;
    if (A.size() < 3 || B.size() < 3) return 0;
    auto la = localStructures(probe), lb = localStructures(candidate);

    struct Pair {
        double similarity;
        std::size_t i, j;
    };
    std::vector<Pair> pairs;
    pairs.reserve(A.size() * B.size() / 4);
    for (std::size_t i = 0; i < A.size(); ++i)
        for (std::size_t j = 0; j < B.size(); ++j) {
            double s = localSimilarity(la[i], lb[j]);
            if (s > 0.25) pairs.push_back({s, i, j});
        }
    if (pairs.empty()) return 0;
    std::size_t top = std::min<std::size_t>(kAlignments, pairs.size());
    std::partial_sort(pairs.begin(), pairs.begin() + static_cast<std::ptrdiff_t>(top), pairs.end(),
                      [](const Pair& x, const Pair& y) { return x.similarity > y.similarity; });

    int bestMatched = 0;
    double bestQuality = 0;
    std::vector<std::uint8_t> used(B.size());
    for (std::size_t p = 0; p < top; ++p) {
        const Minutia& a0 = A[pairs[p].i];
        const Minutia& b0 = B[pairs[p].j];
        double rot = b0.angle - a0.angle, c = std::cos(rot), s = std::sin(rot);
        std::fill(used.begin(), used.end(), 0);
        int matched = 0;
        double quality = 0;
        for (const auto& a : A) {
            double dx = a.x - a0.x, dy = a.y - a0.y;
            double tx = b0.x + dx * c - dy * s, ty = b0.y + dx * s + dy * c;
            double ta = a.angle + rot;
            int best = -1;
            double bestD = 1e9;
            for (std::size_t j = 0; j < B.size(); ++j) {
                if (used[j]) continue;
                double ex = B[j].x - tx, ey = B[j].y - ty;
                if (std::abs(ex) >= 14 || std::abs(ey) >= 14) continue;
                double d = std::sqrt(ex * ex + ey * ey);
                if (d < 14 && angleDiff(B[j].angle, ta) < 0.45 && d < bestD) {
                    bestD = d;
                    best = static_cast<int>(j);
                }
            }
            if (best >= 0) {
                used[static_cast<std::size_t>(best)] = 1;
                ++matched;
                quality += 1.0 - bestD / 28;
            }
        }
        // Normalise by the minutiae that lie where the two prints overlap, so a partial overlap
        // with everything paired scores as well as a full one.
        int minX = 1 << 30, minY = 1 << 30, maxX = -1, maxY = -1;
        for (const auto& b : B) {
            minX = std::min(minX, b.x);
            minY = std::min(minY, b.y);
            maxX = std::max(maxX, b.x);
            maxY = std::max(maxY, b.y);
        }
        int aInside = 0;
        double ax0 = 1e9, ay0 = 1e9, ax1 = -1e9, ay1 = -1e9;
        for (const auto& a : A) {
            double dx = a.x - a0.x, dy = a.y - a0.y;
            double tx = b0.x + dx * c - dy * s, ty = b0.y + dx * s + dy * c;
            if (tx >= minX - 8 && tx <= maxX + 8 && ty >= minY - 8 && ty <= maxY + 8) ++aInside;
            ax0 = std::min(ax0, tx);
            ay0 = std::min(ay0, ty);
            ax1 = std::max(ax1, tx);
            ay1 = std::max(ay1, ty);
        }
        int bInside = 0;
        for (const auto& b : B)
            if (b.x >= ax0 - 8 && b.x <= ax1 + 8 && b.y >= ay0 - 8 && b.y <= ay1 + 8) ++bInside;
        double na = std::max(aInside, 18), nb = std::max(bInside, 18);
        double score = quality * quality / (na * nb);
        if (score > bestQuality) {
            bestQuality = score;
            bestMatched = matched;
        }
    }
    (void)bestMatched;
    double score = 1000.0 * bestQuality;
    return static_cast<int>(std::lround(std::min(1000.0, score)));
}

} // namespace fpb::tmpl::reference
