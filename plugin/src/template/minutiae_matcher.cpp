// SPDX-License-Identifier: GPL-2.0-or-later
// Comparison by minutia cylinder codes (after Cappelli, Ferrara and Maltoni, "Minutia Cylinder-Code:
// a new representation and matching technique for fingerprint recognition", IEEE TPAMI 2010; our
// own implementation of the published description, bit form).
//
// Each minutia gets a cylinder: the disc of radius kRadius around it, in the minutia's own frame
// (so invariant to translation and rotation), cut into kCells x kCells cells and kSections slices of
// relative direction. A cell's bit in a slice is set when neighbouring minutiae with that relative
// direction lie near the cell centre (Gaussian weights in space and direction, summed and
// thresholded). Cells outside the print (its minutiae's convex hull, widened) are masked, so a
// partial print is compared only where both prints have data.
//
// Local similarity of two cylinders: 1 - |a xor b| / (|a| + |b|) in the Euclidean sense (square
// roots of bit counts) over the cells valid in both, for minutiae whose directions differ by at
// most 1 rad. Global consolidation ("local similarity sort with relaxation"): the most
// similar one-to-one pairs are relaxed against each other: a pair keeps its similarity only as far
// as the other pairs agree with it in distance, relative direction and relative bearing. The score
// is the mean relaxed similarity of the 8 pairs that kept the most.
#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstddef>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#endif

#include "template/fingerprint_template.h"

namespace fpb::tmpl {

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr int kCells = 8;  // per side: 64 cells, one 64-bit word per direction slice
constexpr int kSections = PreparedTemplate::kSections;

// Parameters. Cylinder: radius 70 px, 8 x 8 cells of 17.5 px, Gaussian spreads sigmaS in space and
// sigmaD in direction, a cell's bit set where the summed contributions exceed muPsi; cells count
// as inside the print within omega px of the minutiae's convex hull; a cylinder needs
// minValidCells of its disc inside and minNeighbours minutiae. Local similarity only where
// minMatchableCells of the disc are valid in both and the directions differ by at most maxAngle.
// Consolidation: the score averages the pairsAveraged relaxed pairs that kept the most of their
// similarity; relaxations rounds with weight wR; pair
// compatibility falls off as sigmoids of the distance difference (mu1, tau1), the relative
// direction difference (mu2, tau2) and the relative bearing differences (mu3, tau3).
// The published values, except muPsi (0.01 there, for 16 x 16 cells: 0.005 here, EER 6.4% -> 5.9%
// on DB1_B), maxAngle (pi/2 there: 1 rad here, the same accuracy with a third fewer pairs) and the
// pairs averaged: always 8 (there 4 for small templates, growing to 12 for large ones): with as few
// as 4, two small impostor templates reached high scores by chance (ZeroFMR DB1_B 14.6% -> 6.1%
// with the extractor of the time), and more than 8 for large templates lowered their genuine
// scores more than their impostor ones (BENCHMARKS.md).
// Scores are the mean relaxed similarity times `scale`, capped at 1000.
struct Params {
    double radius = 70, sigmaS = 28.0 / 3, sigmaD = 2 * kPi / 9, muPsi = 0.005, omega = 50;
    double minValidCells = 0.75, minMatchableCells = 0.6, maxAngle = 1.0;
    int minNeighbours = 2;
    int pairsAveraged = 8;
    int relaxations = 5;
    double wR = 0.5, mu1 = 5, tau1 = -1.6, mu2 = kPi / 12, tau2 = -30, mu3 = kPi / 12, tau3 = -30;
    double scale = 5000;
};

const Params& params() {
    static const Params p;
    return p;
}

inline double wrapAngle(double d) {
    while (d > kPi) d -= 2 * kPi;
    while (d < -kPi) d += 2 * kPi;
    return d;
}
// An angle in 1/65536 turn; differences wrap by themselves in 16 bits.
inline std::int16_t turn16(double a) {
    double v = wrapAngle(a) * (32768 / kPi);
    return static_cast<std::int16_t>(static_cast<int>(v + (v >= 0 ? 0.5 : -0.5)) & 0xffff);
}
// std::ceil and std::floor for values well inside the int range, without the library call or
// the long inline sequence the compiler makes for them without SSE4.1.
inline int ceilSmall(double x) {
    const int t = static_cast<int>(x);  // toward zero
    return t + (t < x);
}
inline int floorSmall(double x) {
    const int t = static_cast<int>(x);
    return t - (x < t);
}
// The cell coordinate a / step + (kCells - 1) / 2 (column or row of a cylinder coordinate a) by
// a multiplication, several times cheaper than the division; where the product lies too near a
// whole number for the two to be told apart (they differ by some 1e-15), the division decides,
// so the ceiling and floor are always those of the division.
inline double cellCoordinate(double a, double step, double invStep) {
    const double x = a * invStep + (kCells - 1) / 2.0;
    const double f = std::abs(x - static_cast<int>(x));
    return f < 1e-9 || f > 1 - 1e-9 ? a / step + (kCells - 1) / 2.0 : x;
}
// The cells whose centres lie within `limit` of (u, v) in u and in v: columns i0..i1, rows j0..j1.
struct CellWindow {
    int i0, i1, j0, j1;
};
__attribute__((always_inline)) inline CellWindow cellWindow(double u, double v, double limit, double step, double invStep) {
#if defined(__SSE2__)
    // cellCoordinate for u and v side by side, then ceiling and floor from the truncations.
    const __m128d uv = _mm_setr_pd(u, v), lim = _mm_set1_pd(limit), inv = _mm_set1_pd(invStep), mid = _mm_set1_pd((kCells - 1) / 2.0);
    const __m128d lo = _mm_add_pd(_mm_mul_pd(_mm_sub_pd(uv, lim), inv), mid), hi = _mm_add_pd(_mm_mul_pd(_mm_add_pd(uv, lim), inv), mid);
    const __m128i tlo = _mm_cvttpd_epi32(lo), thi = _mm_cvttpd_epi32(hi);
    const __m128d dlo = _mm_cvtepi32_pd(tlo), dhi = _mm_cvtepi32_pd(thi);
    const __m128d absMask = _mm_castsi128_pd(_mm_set1_epi64x(0x7fffffffffffffff)), e0 = _mm_set1_pd(1e-9), e1 = _mm_set1_pd(1 - 1e-9);
    const __m128d flo = _mm_and_pd(_mm_sub_pd(lo, dlo), absMask), fhi = _mm_and_pd(_mm_sub_pd(hi, dhi), absMask);
    const __m128d tooNear = _mm_or_pd(_mm_or_pd(_mm_cmplt_pd(flo, e0), _mm_cmpgt_pd(flo, e1)), _mm_or_pd(_mm_cmplt_pd(fhi, e0), _mm_cmpgt_pd(fhi, e1)));
    if (!_mm_movemask_pd(tooNear)) {
        const int up = _mm_movemask_pd(_mm_cmplt_pd(dlo, lo)), down = _mm_movemask_pd(_mm_cmplt_pd(hi, dhi));
        return {std::max(0, _mm_cvtsi128_si32(tlo) + (up & 1)), std::min(kCells - 1, _mm_cvtsi128_si32(thi) - (down & 1)),
                std::max(0, _mm_cvtsi128_si32(_mm_srli_si128(tlo, 4)) + (up >> 1)),
                std::min(kCells - 1, _mm_cvtsi128_si32(_mm_srli_si128(thi, 4)) - (down >> 1))};
    }
#endif
    return {std::max(0, ceilSmall(cellCoordinate(u - limit, step, invStep))), std::min(kCells - 1, floorSmall(cellCoordinate(u + limit, step, invStep))),
            std::max(0, ceilSmall(cellCoordinate(v - limit, step, invStep))), std::min(kCells - 1, floorSmall(cellCoordinate(v + limit, step, invStep)))};
}
inline int turnDiff(std::int16_t a, std::int16_t b) { return std::abs(static_cast<int>(static_cast<std::int16_t>(a - b))); }

// atan2 to within about 0.0015 rad (plenty next to the 1.4 degree steps of ISO angles), in 1/65536 turn.
inline std::int16_t fastAtan2Turn(double y, double x) {
    double ax = std::abs(x), ay = std::abs(y);
    double mx = std::max(ax, ay), mn = std::min(ax, ay);
    if (mx == 0) return 0;
    double a = mn / mx, s = a * a;
    double r = ((-0.0464964749 * s + 0.15931422) * s - 0.327622764) * s * a + a;
    if (ay > ax) r = kPi / 2 - r;
    if (x < 0) r = kPi - r;
    if (y < 0) r = -r;
    return turn16(r);
}

// Direction slice k is centred on -pi + (k + 1/2) 2pi / kSections, here in 1/65536 turn.
constexpr std::array<std::int16_t, kSections> kSectionCentres = [] {
    std::array<std::int16_t, kSections> c{};
    for (int k = 0; k < kSections; ++k) c[static_cast<std::size_t>(k)] = static_cast<std::int16_t>(-32768 + (2 * k + 1) * 32768 / kSections);
    return c;
}();

// Look-up tables that depend on the parameters only.
struct Tables {
    // Spatial Gaussian by squared distance in 1/4 px², up to (3 sigmaS)².
    std::vector<float> spatial;
    double spatialLimit2 = 0;
    std::size_t spatialZero = 0;  // an entry 0 after the table, for cells not to add to
    // Directional contribution by angle difference in 1/1024 turn (0..512).
    std::array<float, 513> directional{};
    // Relaxation compatibilities: distance difference in 1/8 px (0..800), angle differences in 1/65536 turn >> 4.
    std::vector<float> z1;
    std::array<float, 2049> z2{}, z3{};
    std::array<float, 400> sqrtTable{};
    std::array<float, kCells * kCells> cellU{}, cellV{};
    // The cell centres' u by column, padded with far columns for windows of 4 from any column.
    std::array<double, kCells + 3> columnU{};
    std::uint64_t circle = 0;
    int circleCells = 0;
    double cellReach = 0;  // farthest cell centre of the disc from its minutia
    // A cell's side, its inverse, and how far (in u and in v) a neighbour's window reaches.
    double cellStep = 0, inverseCellStep = 0, windowLimit = 0;
    Tables() {
        const auto& p = params();
        cellStep = 2 * p.radius / kCells;
        inverseCellStep = 1 / cellStep;
        windowLimit = 3 * p.sigmaS;
        spatialLimit2 = 9 * p.sigmaS * p.sigmaS;
        spatialZero = static_cast<std::size_t>(spatialLimit2 * 4) + 2;
        spatial.resize(spatialZero + 1);
        for (std::size_t i = 0; i < spatialZero; ++i)
            spatial[i] = static_cast<float>(std::exp(-(i / 4.0) / (2 * p.sigmaS * p.sigmaS)) / (p.sigmaS * std::sqrt(2 * kPi)));
        const double width = 2 * kPi / kSections;
        for (int i = 0; i <= 512; ++i) {
            double a = i * 2 * kPi / 1024;
            double v = 0.5 * (std::erf((a + width / 2) / (p.sigmaD * std::sqrt(2.0))) - std::erf((a - width / 2) / (p.sigmaD * std::sqrt(2.0))));
            directional[static_cast<std::size_t>(i)] = static_cast<float>(v);
        }
        auto z = [](double v, double mu, double tau) { return 1.0 / (1.0 + std::exp(-tau * (v - mu))); };
        z1.resize(801);
        for (int i = 0; i <= 800; ++i) z1[static_cast<std::size_t>(i)] = static_cast<float>(z(i / 8.0, p.mu1, p.tau1));
        for (int i = 0; i <= 2048; ++i) {
            double a = i * 16 * kPi / 32768;
            z2[static_cast<std::size_t>(i)] = static_cast<float>(z(a, p.mu2, p.tau2));
            z3[static_cast<std::size_t>(i)] = static_cast<float>(z(a, p.mu3, p.tau3));
        }
        for (std::size_t i = 0; i < sqrtTable.size(); ++i) sqrtTable[i] = static_cast<float>(std::sqrt(static_cast<double>(i)));
        const double step = 2 * p.radius / kCells;
        columnU.fill(1e4);
        for (int i = 0; i < kCells; ++i) columnU[static_cast<std::size_t>(i)] = static_cast<float>((i - (kCells - 1) / 2.0) * step);
        for (int j = 0; j < kCells; ++j)
            for (int i = 0; i < kCells; ++i) {
                double u = (i - (kCells - 1) / 2.0) * step, v = (j - (kCells - 1) / 2.0) * step;
                cellU[static_cast<std::size_t>(j * kCells + i)] = static_cast<float>(u);
                cellV[static_cast<std::size_t>(j * kCells + i)] = static_cast<float>(v);
                if (u * u + v * v <= p.radius * p.radius) {
                    circle |= std::uint64_t{1} << (j * kCells + i);
                    ++circleCells;
                    cellReach = std::max(cellReach, std::sqrt(u * u + v * v));
                }
            }
    }
};

const Tables& tables() {
    static const Tables t;
    return t;
}

inline int popcount64(std::uint64_t v) { return __builtin_popcountll(v); }

// Whether the processor's 512-bit vectors may be used where it has them (tests turn them off to
// check that both ways give the same scores).
std::atomic<bool> wideVectorsAllowed{true};

struct Pair {
    float similarity;
    std::uint16_t a, b;  // minutia indices
};

// Reused between comparisons on one thread, so a comparison allocates nothing once warm.
struct Scratch {
    std::vector<Pair> pairs;
    std::vector<Pair> chosen, sortedPairs;
    std::vector<std::uint16_t> keys, sortedKeys;
    std::vector<std::uint8_t> usedA, usedB;
    struct Rho {
        std::uint32_t t, k;
        float rho;
    };
    std::vector<Rho> rhoItems;
    std::vector<float> lambda, next, efficiency;
    std::vector<int> order;
    std::vector<float> ax, ay, bx, by, gap;
    std::vector<std::uint32_t> survivors;
    std::vector<std::int16_t> turn;
};
thread_local Scratch scratch;

// Convex hull (counter-clockwise, Andrew's monotone chain) of points sorted by x, then y, without
// repeats.
std::vector<std::array<double, 2>> convexHull(const std::vector<std::array<double, 2>>& pts) {
    if (pts.size() < 3) return pts;
    std::vector<std::array<double, 2>> h(2 * pts.size());
    auto cross = [](const std::array<double, 2>& o, const std::array<double, 2>& a, const std::array<double, 2>& b) {
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
    };
    std::size_t k = 0;
    for (std::size_t i = 0; i < pts.size(); ++i) {
        while (k >= 2 && cross(h[k - 2], h[k - 1], pts[i]) <= 0) --k;
        h[k++] = pts[i];
    }
    for (std::size_t i = pts.size() - 1, t = k + 1; i > 0; --i) {
        while (k >= t && cross(h[k - 2], h[k - 1], pts[i - 1]) <= 0) --k;
        h[k++] = pts[i - 1];
    }
    h.resize(k - 1);
    return h;
}

// The hull's edges as unit normals pointing out and offsets: a point lies inside the hull widened
// by `margin` (with mitred corners) when n . p - c <= margin for every edge.
struct HullEdges {
    std::vector<std::array<double, 3>> e;
    bool any = false;
    std::array<double, 2> single{};
    HullEdges(const std::vector<std::array<double, 2>>& hull) {
        const std::size_t n = hull.size();
        any = n > 0;
        if (n == 1) single = hull[0];
        if (n < 2) return;
        for (std::size_t i = 0; n > 2 && i < n; ++i) {
            const auto& a = hull[i];
            const auto& b = hull[(i + 1) % n];
            double ex = b[0] - a[0], ey = b[1] - a[1], len = std::hypot(ex, ey);
            if (len == 0) continue;
            double nx = ey / len, ny = -ex / len;  // outward for a counter-clockwise hull
            e.push_back({nx, ny, nx * a[0] + ny * a[1]});
        }
        if (n == 2) {
            // A segment: the widened hull is the segment's rectangle grown by the margin.
            const auto& a = hull[0];
            const auto& b = hull[1];
            double ex = b[0] - a[0], ey = b[1] - a[1], len = std::hypot(ex, ey);
            e.clear();
            if (len == 0) {
                single = a;
                return;
            }
            double ux = ex / len, uy = ey / len;
            e.push_back({-uy, ux, -uy * a[0] + ux * a[1]});
            e.push_back({uy, -ux, uy * a[0] - ux * a[1]});
            e.push_back({ux, uy, ux * b[0] + uy * b[1]});
            e.push_back({-ux, -uy, -ux * a[0] - uy * a[1]});
        }
    }
    bool contains(double x, double y, double margin) const {
        if (!any) return false;
        if (e.empty()) return std::hypot(x - single[0], y - single[1]) <= margin;
        for (const auto& q : e)
            if (q[0] * x + q[1] * y - q[2] > margin) return false;
        return true;
    }
    // The disc cells of a minutia at (x, y) with direction (c, s) whose centres pass contains().
    // An edge can only exclude a cell if the minutia lies within the cells' reach of the edge
    // (1e-6 px covers rounding), so the per-cell test, the same arithmetic as contains(), runs
    // for the few near edges only.
    std::uint64_t validCells(double x, double y, double c, double s, double margin, const Tables& T) const {
        if (!any) return 0;
        std::uint64_t cells = T.circle;
        std::array<double, kCells * kCells> cx, cy;  // cell centres in the print's frame
        auto place = [&] {
            for (std::size_t k = 0; k < cx.size(); ++k) {
                const double u = T.cellU[k], v = T.cellV[k];
                cx[k] = x + u * c - v * s;
                cy[k] = y + u * s + v * c;
            }
        };
        if (e.empty()) {
            place();
            for (std::uint64_t left = cells; left; left &= left - 1) {
                const int k = __builtin_ctzll(left);
                if (!contains(cx[static_cast<std::size_t>(k)], cy[static_cast<std::size_t>(k)], margin)) cells &= ~(std::uint64_t{1} << k);
            }
            return cells;
        }
        bool placed = false;
        for (const auto& q : e) {
            if (q[0] * x + q[1] * y - q[2] <= margin - T.cellReach - 1e-6) continue;
            if (!placed) place();
            placed = true;
#if defined(__SSE2__)
            // Two cells at a time, all of them: cheaper than a branch per cell.
            const __m128d n0 = _mm_set1_pd(q[0]), n1 = _mm_set1_pd(q[1]), n2 = _mm_set1_pd(q[2]), mg = _mm_set1_pd(margin);
            std::uint64_t out = 0;
            for (std::size_t k = 0; k < cx.size(); k += 2) {
                const __m128d f = _mm_sub_pd(_mm_add_pd(_mm_mul_pd(n0, _mm_loadu_pd(&cx[k])), _mm_mul_pd(n1, _mm_loadu_pd(&cy[k]))), n2);
                out |= static_cast<std::uint64_t>(_mm_movemask_pd(_mm_cmpgt_pd(f, mg))) << k;
            }
            cells &= ~out;
#else
            for (std::uint64_t left = cells; left; left &= left - 1) {
                const int k = __builtin_ctzll(left);
                if (q[0] * cx[static_cast<std::size_t>(k)] + q[1] * cy[static_cast<std::size_t>(k)] - q[2] > margin) cells &= ~(std::uint64_t{1} << k);
            }
#endif
        }
        return cells;
    }
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
    // The same with eight cells per 512-bit vector (the same arithmetic, lane by lane).
    __attribute__((target("avx512f"))) std::uint64_t validCellsWide(double x, double y, double c, double s, double margin, const Tables& T) const {
        if (e.empty()) return validCells(x, y, c, s, margin, T);
        std::uint64_t cells = T.circle;
        __m512d cx[kCells], cy[kCells];
        bool placed = false;
        for (const auto& q : e) {
            if (q[0] * x + q[1] * y - q[2] <= margin - T.cellReach - 1e-6) continue;
            if (!placed) {
                const __m512d vx = _mm512_set1_pd(x), vy = _mm512_set1_pd(y), vc = _mm512_set1_pd(c), vs = _mm512_set1_pd(s);
                for (int k = 0; k < kCells; ++k) {
                    const __m512d u = _mm512_cvtps_pd(_mm256_loadu_ps(&T.cellU[static_cast<std::size_t>(8 * k)]));
                    const __m512d v = _mm512_cvtps_pd(_mm256_loadu_ps(&T.cellV[static_cast<std::size_t>(8 * k)]));
                    cx[k] = _mm512_sub_pd(_mm512_add_pd(vx, _mm512_mul_pd(u, vc)), _mm512_mul_pd(v, vs));
                    cy[k] = _mm512_add_pd(_mm512_add_pd(vy, _mm512_mul_pd(u, vs)), _mm512_mul_pd(v, vc));
                }
                placed = true;
            }
            const __m512d n0 = _mm512_set1_pd(q[0]), n1 = _mm512_set1_pd(q[1]), n2 = _mm512_set1_pd(q[2]), mg = _mm512_set1_pd(margin);
            std::uint64_t out = 0;
            for (int k = 0; k < kCells; ++k) {
                const __m512d f = _mm512_sub_pd(_mm512_add_pd(_mm512_mul_pd(n0, cx[k]), _mm512_mul_pd(n1, cy[k])), n2);
                out |= std::uint64_t{static_cast<std::uint8_t>(_mm512_cmp_pd_mask(f, mg, _CMP_GT_OQ))} << (8 * k);
            }
            cells &= ~out;
        }
        return cells;
    }
#pragma GCC diagnostic pop
#endif
};

#if defined(__SSE2__)
// Lane l all ones where bit l of the index is set.
alignas(16) constexpr std::int32_t kLaneMasks[16][4] = {
    {0, 0, 0, 0},   {-1, 0, 0, 0},   {0, -1, 0, 0},   {-1, -1, 0, 0},   {0, 0, -1, 0},   {-1, 0, -1, 0},   {0, -1, -1, 0},   {-1, -1, -1, 0},
    {0, 0, 0, -1},  {-1, 0, 0, -1},  {0, -1, 0, -1},  {-1, -1, 0, -1},  {0, 0, -1, -1},  {-1, 0, -1, -1},  {0, -1, -1, -1},  {-1, -1, -1, -1}};
#endif

#if defined(__SSE2__)
// The spatial weights of four cells of a row (squared distances eu2[l] + ev2 from the neighbour),
// 0 for the lanes not set in `lanes` and beyond the spatial limit. Built in registers: four
// scalar stores read back as a vector stall the store forwarding.
__attribute__((always_inline)) inline __m128 spatialWeights(unsigned lanes, const double* eu2, double ev2, const Tables& T) {
    const __m128d ev = _mm_set1_pd(ev2), limit2 = _mm_set1_pd(T.spatialLimit2), four = _mm_set1_pd(4);
    const __m128d d01 = _mm_add_pd(_mm_loadu_pd(eu2), ev), d23 = _mm_add_pd(_mm_loadu_pd(eu2 + 2), ev);
    const __m128i index = _mm_unpacklo_epi64(_mm_cvttpd_epi32(_mm_mul_pd(d01, four)), _mm_cvttpd_epi32(_mm_mul_pd(d23, four)));
    const __m128 near = _mm_shuffle_ps(_mm_castpd_ps(_mm_cmple_pd(d01, limit2)), _mm_castpd_ps(_mm_cmple_pd(d23, limit2)), _MM_SHUFFLE(2, 0, 2, 0));
    const __m128i use = _mm_and_si128(_mm_castps_si128(near), _mm_load_si128(reinterpret_cast<const __m128i*>(kLaneMasks[lanes & 15])));
    const __m128i at = _mm_or_si128(_mm_and_si128(use, index), _mm_andnot_si128(use, _mm_set1_epi32(static_cast<int>(T.spatialZero))));
    const float* sp = T.spatial.data();
    return _mm_setr_ps(sp[_mm_cvtsi128_si32(at)], sp[_mm_cvtsi128_si32(_mm_shuffle_epi32(at, 1))], sp[_mm_cvtsi128_si32(_mm_shuffle_epi32(at, 2))],
                       sp[_mm_cvtsi128_si32(_mm_shuffle_epi32(at, 3))]);
}
#endif

// The sums of one cylinder, by section, row and column; rows padded from 8 to 12 columns so that
// a neighbour's window (at most 4 columns wide: 6 sigmaS < 4 cells) is one 4-wide operation from
// its first column. All zero between cylinders: threshold() clears the rows used.
struct CylinderSums {
    static constexpr int kStride = 12;
    alignas(16) float s[kSections][kCells][kStride] = {};
    unsigned rows = 0;  // rows added to since the last clear

    // Adds a neighbour with direction weights gd (each four times over) to row r's cells c0 + l
    // for the lanes l set in `lanes` whose squared distance eu2[l] + ev2 is within the spatial
    // limit. Lanes with nothing to add add 0, which leaves a sum (never negative) as it was.
    void addRow(int r, int c0, unsigned lanes, const double* eu2, double ev2, const float* gd, const Tables& T) {
        rows |= 1u << r;
#if defined(__SSE2__)
        const __m128 g = spatialWeights(lanes, eu2, ev2, T);
        // (Loops over the sections unrolled here and below: their control costs about as much as their work.)
#pragma GCC unroll 6
        for (int q = 0; q < kSections; ++q) {
            float* out = &s[q][r][c0];
            _mm_storeu_ps(out, _mm_add_ps(_mm_loadu_ps(out), _mm_mul_ps(g, _mm_load_ps(gd + 4 * q))));
        }
#else
        float g[4];
        for (int l = 0; l < 4; ++l) {
            double d2 = eu2[l] + ev2;
            g[l] = T.spatial[(lanes >> l & 1) && d2 <= T.spatialLimit2 ? static_cast<std::size_t>(d2 * 4) : T.spatialZero];
        }
        for (int q = 0; q < kSections; ++q) {
            float* out = &s[q][r][c0];
            for (int l = 0; l < 4; ++l) out[l] += g[l] * gd[4 * q];
        }
#endif
    }

    // Word q of `bits` gets bit k where cell k's sum in section q exceeds `threshold`.
    void threshold(float threshold, std::uint64_t* bits) {
        for (; rows; rows &= rows - 1) {
            const int r = __builtin_ctz(rows);
#pragma GCC unroll 6
            for (int q = 0; q < kSections; ++q) {
                float* row = s[q][r];
#if defined(__SSE2__)
                const __m128 th = _mm_set1_ps(threshold);
                const unsigned m = static_cast<unsigned>(_mm_movemask_ps(_mm_cmpgt_ps(_mm_load_ps(row), th)) |
                                                         _mm_movemask_ps(_mm_cmpgt_ps(_mm_load_ps(row + 4), th)) << 4);
#else
                unsigned m = 0;
                for (int c = 0; c < kCells; ++c) m |= static_cast<unsigned>(row[c] > threshold) << c;
#endif
                bits[q] |= std::uint64_t{m} << (r * kCells);
                std::fill(row, row + kStride, 0.f);
            }
        }
    }
};

// One cylinder's neighbours: their positions and directions, and the cylinder's minutia `i` with
// its direction's cosine and sine and its cells inside the print.
struct CylinderInput {
    const double* xs;
    const double* ys;
    const std::int16_t* angles;
    const std::uint32_t* near;
    std::size_t nearCount;
    std::size_t i;
    double c, s;
    std::uint64_t valid;
};

// Neighbour near[q] in the minutia's frame: its cell window (empty when it reaches no cell), its
// offsets from the first column's centres squared (four columns from i0; those past i1 are left
// out by `columns`), and its direction relative to the minutia's.
struct NeighbourInFrame {
    double u, v;
    CellWindow w;
    unsigned columns;
    double eu2[4];
    std::int16_t rel;
    bool empty() const { return w.i0 > w.i1 || w.j0 > w.j1; }
};
__attribute__((always_inline)) inline NeighbourInFrame neighbourInFrame(const CylinderInput& in, std::size_t q, const Tables& T) {
    const std::uint32_t j = in.near[q];
    NeighbourInFrame f;
    const double dx = in.xs[j] - in.xs[in.i], dy = in.ys[j] - in.ys[in.i];
    f.u = dx * in.c + dy * in.s;
    f.v = -dx * in.s + dy * in.c;
    f.w = cellWindow(f.u, f.v, T.windowLimit, T.cellStep, T.inverseCellStep);
    if (f.empty()) return f;
    f.rel = static_cast<std::int16_t>(in.angles[j] - in.angles[in.i]);
    f.columns = (2u << f.w.i1) - (1u << f.w.i0);
    for (int l = 0; l < 4; ++l) {
        const double eu = T.columnU[static_cast<std::size_t>(f.w.i0 + l)] - f.u;
        f.eu2[l] = eu * eu;
    }
    return f;
}

// The directional weight's table index for each section: turnDiff(rel, centre) >> 6.
__attribute__((always_inline)) inline void directionalIndexes(std::int16_t rel, std::uint16_t* at) {
#if defined(__SSE2__)
    // All six centres at once (|-32768| comes out as 32768, unsigned).
    static_assert(kSections == 6, "the centres fill six lanes");
    const __m128i centres = _mm_setr_epi16(kSectionCentres[0], kSectionCentres[1], kSectionCentres[2], kSectionCentres[3], kSectionCentres[4],
                                           kSectionCentres[5], 0, 0);
    const __m128i d = _mm_sub_epi16(_mm_set1_epi16(rel), centres), sign = _mm_srai_epi16(d, 15);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(at), _mm_srli_epi16(_mm_sub_epi16(_mm_xor_si128(d, sign), sign), 6));
#else
    for (std::size_t k = 0; k < kSections; ++k) at[k] = static_cast<std::uint16_t>(turnDiff(rel, kSectionCentres[k]) >> 6);
#endif
}

// Sums the neighbours' Gaussian contributions to the cylinder's cells and sets `bits` where they
// exceed the threshold: the portable way, four cells of one section at a time.
void sumCylinderPortable(const CylinderInput& in, CylinderSums& sums, std::uint64_t* bits) {
    const auto& T = tables();
    for (std::size_t q = 0; q < in.nearCount; ++q) {
        const NeighbourInFrame f = neighbourInFrame(in, q, T);
        if (f.empty()) continue;
        alignas(16) std::uint16_t at[8];
        directionalIndexes(f.rel, at);
        alignas(16) float gd[kSections * 4];
#pragma GCC unroll 6
        for (std::size_t k = 0; k < kSections; ++k) std::fill(gd + 4 * k, gd + 4 * k + 4, T.directional[at[k]]);
        // (A row without valid cells in the window adds 0: cheaper than a branch that mispredicts.)
        for (int cj = f.w.j0; cj <= f.w.j1; ++cj) {
            const unsigned live = static_cast<unsigned>(in.valid >> (cj * kCells)) & f.columns;
            const double ev = T.cellV[static_cast<std::size_t>(cj * kCells)] - f.v;
            sums.addRow(cj, f.w.i0, live >> f.w.i0, f.eu2, ev * ev, gd, T);
        }
    }
    sums.threshold(static_cast<float>(params().muPsi), bits);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
// The same sums laid out by row, column and section (six of eight lanes used), so that one 512-bit
// vector holds all sections of two cells: a neighbour's row of four cells is two multiply-adds
// where the portable way needs six. Each cell's sum sees the same products added in the same
// order, so the bits are the same (multiply and add stay separate: no fused multiply-add).
struct WideCylinderSums {
    static constexpr int kStride = 12, kLanes = 8;
    alignas(64) float s[kCells][kStride][kLanes] = {};
    unsigned rows = 0;
};
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
__attribute__((target("avx512f,bmi2"))) void sumCylinderWide(const CylinderInput& in, WideCylinderSums& sums, std::uint64_t* bits) {
    const auto& T = tables();
    const __m512i firstTwo = _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
    const __m512i lastTwo = _mm512_setr_epi32(2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
    const __m512i twice = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7);
    for (std::size_t q = 0; q < in.nearCount; ++q) {
        const NeighbourInFrame f = neighbourInFrame(in, q, T);
        if (f.empty()) continue;
        alignas(16) std::uint16_t at[8];
        directionalIndexes(f.rel, at);
        const __m512 gd = _mm512_permutexvar_ps(twice, _mm512_castps256_ps512(_mm256_setr_ps(T.directional[at[0]], T.directional[at[1]], T.directional[at[2]],
                                                                                          T.directional[at[3]], T.directional[at[4]], T.directional[at[5]], 0.f, 0.f)));
        for (int cj = f.w.j0; cj <= f.w.j1; ++cj) {
            sums.rows |= 1u << cj;
            const unsigned lanes = (static_cast<unsigned>(in.valid >> (cj * kCells)) & f.columns) >> f.w.i0;
            const double ev = T.cellV[static_cast<std::size_t>(cj * kCells)] - f.v;
            const __m512 g4 = _mm512_castps128_ps512(spatialWeights(lanes, f.eu2, ev * ev, T));
            float* out = &sums.s[cj][f.w.i0][0];
            _mm512_storeu_ps(out, _mm512_add_ps(_mm512_loadu_ps(out), _mm512_mul_ps(_mm512_permutexvar_ps(firstTwo, g4), gd)));
            _mm512_storeu_ps(out + 16, _mm512_add_ps(_mm512_loadu_ps(out + 16), _mm512_mul_ps(_mm512_permutexvar_ps(lastTwo, g4), gd)));
        }
    }
    // Thresholds: one mask bit per cell and section (bit 8 column + section), gathered into each
    // section's word; the rows used are cleared for the next cylinder.
    const __m512 th = _mm512_set1_ps(static_cast<float>(params().muPsi));
    for (; sums.rows; sums.rows &= sums.rows - 1) {
        const int r = __builtin_ctz(sums.rows);
        float* row = &sums.s[r][0][0];
        std::uint64_t above = 0;
        for (int k = 0; k < 4; ++k)
            above |= std::uint64_t{_cvtmask16_u32(_mm512_cmp_ps_mask(_mm512_load_ps(row + 16 * k), th, _CMP_GT_OQ))} << (16 * k);
        for (int sec = 0; sec < kSections; ++sec) bits[sec] |= _pext_u64(above, 0x0101010101010101ull << sec) << (r * kCells);
        // (Six stores written out: as a loop the compiler makes a string instruction of them, far slower.)
        const __m512 zero = _mm512_setzero_ps();
        static_assert(WideCylinderSums::kStride * WideCylinderSums::kLanes == 6 * 16, "a row is six vectors");
        _mm512_store_ps(row, zero), _mm512_store_ps(row + 16, zero), _mm512_store_ps(row + 32, zero);
        _mm512_store_ps(row + 48, zero), _mm512_store_ps(row + 64, zero), _mm512_store_ps(row + 80, zero);
    }
}
#pragma GCC diagnostic pop
#else
struct WideCylinderSums {};
void sumCylinderWide(const CylinderInput& in, WideCylinderSums&, std::uint64_t* bits) {
    CylinderSums sums;
    sumCylinderPortable(in, sums, bits);
}
#endif

} // namespace

PreparedTemplate::PreparedTemplate(const Template& t) {
    const auto& p = params();
    const auto& T = tables();
    const auto& M = t.minutiae;
    const std::size_t n = std::min<std::size_t>(M.size(), 65535);
    points_.resize(n);
    for (std::size_t i = 0; i < n; ++i)
        points_[i] = {static_cast<float>(M[i].x), static_cast<float>(M[i].y), turn16(M[i].angle),
                      static_cast<std::uint8_t>(std::clamp(M[i].quality, 0, 100))};

    // The minutiae's positions sorted by x, then y, and without repeats, for the hull: as 64-bit
    // keys (the signed coordinates offset to unsigned), much cheaper to sort than pairs.
    std::vector<std::uint64_t> keys(n);
    for (std::size_t i = 0; i < n; ++i)
        keys[i] = std::uint64_t{static_cast<std::uint32_t>(M[i].x) ^ 0x80000000u} << 32 | (static_cast<std::uint32_t>(M[i].y) ^ 0x80000000u);
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    std::vector<std::array<double, 2>> pts(keys.size());
    for (std::size_t i = 0; i < keys.size(); ++i)
        pts[i] = {static_cast<double>(static_cast<std::int32_t>(static_cast<std::uint32_t>(keys[i] >> 32) ^ 0x80000000u)),
                  static_cast<double>(static_cast<std::int32_t>(static_cast<std::uint32_t>(keys[i]) ^ 0x80000000u))};
    const HullEdges hull(convexHull(pts));
    const double reach = p.radius + 3 * p.sigmaS;
    const bool wide = detail::wideVectorsInUse();
    CylinderSums sums;
    WideCylinderSums wideSums;
    std::vector<double> xs(n), ys(n);
    std::vector<std::int16_t> angles(n);
    for (std::size_t i = 0; i < n; ++i) {
        xs[i] = M[i].x;
        ys[i] = M[i].y;
        angles[i] = points_[i].angle;
    }
    std::vector<std::uint32_t> near(n);
    cylinders_.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        const auto& m = M[i];
        const double c = std::cos(m.angle), s = std::sin(m.angle);
        Cylinder cyl{};
        cyl.minutia = static_cast<std::uint32_t>(i);
        cyl.angle = points_[i].angle;
        // A minutia deep inside the print has every cell inside (all cell centres lie within
        // the radius); only those near the edge need the test per cell.
        const bool allInside = hull.contains(m.x, m.y, p.omega - p.radius);
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
        cyl.valid = allInside ? T.circle : wide ? hull.validCellsWide(m.x, m.y, c, s, p.omega, T) : hull.validCells(m.x, m.y, c, s, p.omega, T);
#else
        cyl.valid = allInside ? T.circle : hull.validCells(m.x, m.y, c, s, p.omega, T);
#endif
        cyl.validCount = static_cast<std::uint16_t>(popcount64(cyl.valid));
        if (cyl.validCount < p.minValidCells * T.circleCells) continue;
        // Every minutia within reach counts as a neighbour, whether or not it adds to a cell;
        // listed first so that a rejected cylinder costs no sums (loops without branches, on
        // either side of the minutia itself).
        std::size_t nearCount = 0;
        auto scan = [&](std::size_t from, std::size_t to) {
            std::size_t j = from;
#if defined(__SSE2__)
            // Two at a time.
            const __m128d xi = _mm_set1_pd(xs[i]), yi = _mm_set1_pd(ys[i]), r2 = _mm_set1_pd(reach * reach);
            for (; j + 2 <= to; j += 2) {
                const __m128d dx = _mm_sub_pd(_mm_loadu_pd(&xs[j]), xi), dy = _mm_sub_pd(_mm_loadu_pd(&ys[j]), yi);
                const int in = _mm_movemask_pd(_mm_cmple_pd(_mm_add_pd(_mm_mul_pd(dx, dx), _mm_mul_pd(dy, dy)), r2));
                near[nearCount] = static_cast<std::uint32_t>(j);
                nearCount += static_cast<std::size_t>(in & 1);
                near[nearCount] = static_cast<std::uint32_t>(j + 1);
                nearCount += static_cast<std::size_t>(in >> 1);
            }
#endif
            for (; j < to; ++j) {
                const double dx = xs[j] - xs[i], dy = ys[j] - ys[i];
                near[nearCount] = static_cast<std::uint32_t>(j);
                nearCount += dx * dx + dy * dy <= reach * reach;
            }
        };
        scan(0, i);
        scan(i + 1, n);
        if (nearCount < static_cast<std::size_t>(p.minNeighbours)) continue;
        const CylinderInput in{xs.data(), ys.data(), angles.data(), near.data(), nearCount, i, c, s, cyl.valid};
        if (wide)
            sumCylinderWide(in, wideSums, cyl.bits);
        else
            sumCylinderPortable(in, sums, cyl.bits);
        cylinders_.push_back(cyl);
    }
    // By direction, for the comparison's direction window; equal directions in minutia order.
    // Keys of direction and position sorted, then the cylinders copied in that order: cheaper
    // than a stable sort of the cylinders themselves.
    std::vector<std::uint32_t> order(cylinders_.size());
    for (std::size_t k = 0; k < order.size(); ++k)
        order[k] = static_cast<std::uint32_t>(cylinders_[k].angle + 32768) << 16 | static_cast<std::uint32_t>(k);
    std::sort(order.begin(), order.end());
    std::vector<Cylinder> sorted(order.size());
    for (std::size_t k = 0; k < order.size(); ++k) sorted[k] = cylinders_[order[k] & 0xffff];
    std::copy(sorted.begin(), sorted.end(), cylinders_.begin());
}

std::size_t PreparedTemplate::memoryBytes() const {
    return points_.capacity() * sizeof(Point) + cylinders_.capacity() * sizeof(Cylinder);
}

namespace {

// Local similarities of every two cylinders whose minutiae point within maxAngle16 of each other,
// the positive ones written to `out` (room for all pairs), their count returned. Cylinders are
// sorted by direction, so each probe cylinder visits only the window of candidate cylinders
// within the gate (no branch on the direction per pair: a third of the pairs pass it, and
// mispredicting the rest cost more than the pairs).
// Compiled three times: with 512-bit vectors and their popcount instruction, with the scalar
// popcount instruction (each chosen at run time where the processor has it), and portable.
// (No lambdas inside: they would not inherit the target of the function around them.)
#define FPB_CYLINDER_PASS_BODY(COUNT_BITS)                                                                           \
    const std::size_t nb = CB.size();                                                                                \
    std::size_t count = 0;                                                                                           \
    for (const auto& a : CA) {                                                                                       \
        const int lo = a.angle - maxAngle16, hi = a.angle + maxAngle16;                                              \
        /* Up to three windows of candidate directions: [lo, hi] and its parts wrapped around. */                    \
        const int from[3] = {lo < -32768 ? lo + 65536 : 1, std::max(lo, -32768), hi > 32767 ? -32768 : 1};          \
        const int to[3] = {lo < -32768 ? 32767 : 0, std::min(hi, 32767), hi > 32767 ? hi - 65536 : 0};              \
        for (int w = 0; w < 3; ++w) {                                                                                \
            if (from[w] > to[w]) continue;                                                                           \
            std::size_t j = 0, end = nb;                                                                             \
            while (j < end) {                                                                                        \
                std::size_t mid = (j + end) / 2;                                                                     \
                if (CB[mid].angle < from[w]) j = mid + 1; else end = mid;                                            \
            }                                                                                                        \
            for (; j < nb && CB[j].angle <= to[w]; ++j) {                                                            \
                const auto& b = CB[j];                                                                               \
                const std::uint64_t mask = a.valid & b.valid;                                                        \
                if (__builtin_popcountll(mask) < minMatchable) continue;                                             \
                int na = 0, nb2 = 0, nx = 0;                                                                         \
                COUNT_BITS(a, b, mask, na, nb2, nx);                                                                 \
                if (na + nb2 == 0) continue;                                                                         \
                float sim = 1.f - sqrtTable[nx] / (sqrtTable[na] + sqrtTable[nb2]);                                  \
                out[count] = {sim, static_cast<std::uint16_t>(a.minutia), static_cast<std::uint16_t>(b.minutia)};        \
                count += sim > 0;                                                                                    \
            }                                                                                                        \
        }                                                                                                            \
    }                                                                                                                \
    return count;

// na, nb, nx: the set bits of a's and b's sections within `mask`, and of their difference.
#define FPB_COUNT_BITS_SCALAR(a, b, mask, na, nb, nx)                                                                \
    for (int q = 0; q < kSections; ++q) {                                                                            \
        std::uint64_t x = a.bits[q] & mask, y = b.bits[q] & mask;                                                    \
        na += __builtin_popcountll(x);                                                                               \
        nb += __builtin_popcountll(y);                                                                               \
        nx += __builtin_popcountll(x ^ y);                                                                           \
    }
// The same with a cylinder as one 64-byte vector (its six sections in the first six lanes): the
// three counts of each lane packed 16 bits apart, so one horizontal sum gives all three.
#define FPB_COUNT_BITS_WIDE(a, b, mask, na, nb, nx)                                                                  \
    {                                                                                                                \
        const __m512i m = _mm512_maskz_set1_epi64(0x3f, static_cast<long long>(mask));                               \
        const __m512i x = _mm512_and_si512(_mm512_loadu_si512(&a), m), y = _mm512_and_si512(_mm512_loadu_si512(&b), m); \
        const __m512i packed = _mm512_add_epi64(                                                                     \
            _mm512_add_epi64(_mm512_popcnt_epi64(x), _mm512_slli_epi64(_mm512_popcnt_epi64(y), 16)),                 \
            _mm512_slli_epi64(_mm512_popcnt_epi64(_mm512_xor_si512(x, y)), 32));                                     \
        const long long sum = _mm512_reduce_add_epi64(packed);                                                       \
        na = static_cast<int>(sum & 0xffff);                                                                         \
        nb = static_cast<int>(sum >> 16 & 0xffff);                                                                   \
        nx = static_cast<int>(sum >> 32 & 0xffff);                                                                   \
    }
static_assert(sizeof(PreparedTemplate::Cylinder) == 64 && offsetof(PreparedTemplate::Cylinder, bits) == 0,
              "a cylinder is one 64-byte vector, its sections first");

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#pragma GCC diagnostic push
// GCC 12's own vector headers leave a lane "undefined" on purpose in the horizontal sum.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
__attribute__((target("avx512f,avx512vpopcntdq,popcnt"))) std::size_t cylinderPassWide(
    const std::vector<PreparedTemplate::Cylinder>& CA, const std::vector<PreparedTemplate::Cylinder>& CB, int maxAngle16, int minMatchable,
    const float* sqrtTable, Pair* out) {
    FPB_CYLINDER_PASS_BODY(FPB_COUNT_BITS_WIDE)
}
#pragma GCC diagnostic pop
__attribute__((target("popcnt"))) std::size_t cylinderPassPopcnt(const std::vector<PreparedTemplate::Cylinder>& CA,
                                                          const std::vector<PreparedTemplate::Cylinder>& CB, int maxAngle16,
                                                          int minMatchable, const float* sqrtTable, Pair* out) {
    FPB_CYLINDER_PASS_BODY(FPB_COUNT_BITS_SCALAR)
}
#endif
std::size_t cylinderPassPortable(const std::vector<PreparedTemplate::Cylinder>& CA, const std::vector<PreparedTemplate::Cylinder>& CB,
                          int maxAngle16, int minMatchable, const float* sqrtTable, Pair* out) {
    FPB_CYLINDER_PASS_BODY(FPB_COUNT_BITS_SCALAR)
}
#undef FPB_CYLINDER_PASS_BODY
#undef FPB_COUNT_BITS_SCALAR
#undef FPB_COUNT_BITS_WIDE

std::size_t cylinderPass(const std::vector<PreparedTemplate::Cylinder>& CA, const std::vector<PreparedTemplate::Cylinder>& CB, int maxAngle16,
                  int minMatchable, const float* sqrtTable, Pair* out) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    if (detail::wideVectorsInUse()) return cylinderPassWide(CA, CB, maxAngle16, minMatchable, sqrtTable, out);
    static const bool hasPopcnt = __builtin_cpu_supports("popcnt");
    if (hasPopcnt) return cylinderPassPopcnt(CA, CB, maxAngle16, minMatchable, sqrtTable, out);
#endif
    return cylinderPassPortable(CA, CB, maxAngle16, minMatchable, sqrtTable, out);
}

} // namespace

bool detail::wideVectorsInUse() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    static const bool has = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vpopcntdq") && __builtin_cpu_supports("bmi2");
    return has && wideVectorsAllowed.load(std::memory_order_relaxed);
#else
    return false;
#endif
}

bool detail::allowWideVectors(bool allow) {
    wideVectorsAllowed.store(allow);
    return wideVectorsInUse();
}

int compareTemplates(const PreparedTemplate& probe, const PreparedTemplate& candidate) {
    const auto& p = params();
    const auto& T = tables();
    const auto& CA = probe.cylinders_;
    const auto& CB = candidate.cylinders_;
    const std::size_t nA = probe.points_.size(), nB = candidate.points_.size();
    if (CA.empty() || CB.empty()) return 0;
    Scratch& s = scratch;

    // Local similarities.
    const int maxAngle16 = static_cast<int>(p.maxAngle * 32768 / kPi);
    const int minMatchable = static_cast<int>(std::ceil(p.minMatchableCells * T.circleCells));
    // Room for every pair there can be (the pass writes without a branch); the vector only grows,
    // so it is not cleared for each comparison.
    if (s.pairs.size() < CA.size() * CB.size()) s.pairs.resize(CA.size() * CB.size());
    const std::size_t pairCount = cylinderPass(CA, CB, maxAngle16, minMatchable, T.sqrtTable.data(), s.pairs.data());
    if (pairCount == 0) return 0;

    // Greedy one-to-one pairs in the order of similarity (quantised to 1/65536), ties in the
    // order the pairs were made: a two-pass radix sort, stable.
    const std::size_t nR = std::min(nA, nB);
    const int nP = p.pairsAveraged;
    {
        const std::size_t m = pairCount;
        s.keys.resize(m);
        for (std::size_t q = 0; q < m; ++q)
            s.keys[q] = static_cast<std::uint16_t>(65535 - static_cast<int>(s.pairs[q].similarity * 65535.f + 0.5f));
        s.sortedPairs.resize(m);
        s.sortedKeys.resize(m);
        std::array<std::uint32_t, 257> count{};
        for (std::size_t q = 0; q < m; ++q) ++count[(s.keys[q] & 0xff) + 1u];
        for (std::size_t c = 1; c < count.size(); ++c) count[c] += count[c - 1];
        for (std::size_t q = 0; q < m; ++q) {
            std::uint32_t at = count[s.keys[q] & 0xff]++;
            s.sortedPairs[at] = s.pairs[q];
            s.sortedKeys[at] = s.keys[q];
        }
        count.fill(0);
        for (std::size_t q = 0; q < m; ++q) ++count[(s.sortedKeys[q] >> 8) + 1u];
        for (std::size_t c = 1; c < count.size(); ++c) count[c] += count[c - 1];
        for (std::size_t q = 0; q < m; ++q) s.pairs[count[s.sortedKeys[q] >> 8]++] = s.sortedPairs[q];
    }
    s.usedA.assign(nA, 0);
    s.usedB.assign(nB, 0);
    s.chosen.resize(nR);
    std::size_t n = 0;
    {
        // Raw pointers: through the vectors the compiler reloads them on every pair.
        std::uint8_t* usedA = s.usedA.data();
        std::uint8_t* usedB = s.usedB.data();
        Pair* chosen = s.chosen.data();
        const Pair* pairs = s.pairs.data();
        for (std::size_t q = 0; q < pairCount && n < nR; ++q) {
            const Pair pr = pairs[q];
            if (usedA[pr.a] | usedB[pr.b]) continue;
            usedA[pr.a] = usedB[pr.b] = 1;
            chosen[n++] = pr;
        }
    }
    s.chosen.resize(n);
    if (n < 2) return 0;

    // Relaxation.
    const auto& PA = probe.points_;
    const auto& PB = candidate.points_;
    // Compatibilities, kept sparse: most pairs of pairs disagree in distance, which makes the
    // product negligible (below kRhoFloor; leaving those out moves scores by less than rounding).
    constexpr float kRhoFloor = 1e-4f;
    // The distance term alone rules out most pairs of pairs. It is computed first for a whole row
    // from the pairs' coordinates (a loop without branches) and only the survivors are
    // looked up further: table look-ups and a branch for every pair of pairs cost more.
    const float maxDistanceGap = static_cast<float>(p.mu1 + std::log(1 / kRhoFloor - 1) / -p.tau1);
    s.ax.resize(n); s.ay.resize(n); s.bx.resize(n); s.by.resize(n); s.gap.resize(n); s.survivors.resize(n); s.turn.resize(n);
    for (std::size_t t = 0; t < n; ++t) {
        const auto& pa = PA[s.chosen[t].a];
        const auto& pb = PB[s.chosen[t].b];
        s.ax[t] = pa.x; s.ay[t] = pa.y; s.bx[t] = pb.x; s.by[t] = pb.y;
        s.turn[t] = static_cast<std::int16_t>(pa.angle - pb.angle);
    }
    s.rhoItems.clear();
    s.rhoItems.reserve(n * (n - 1) / 2);
    for (std::size_t t = 0; t < n; ++t) {
        const float ax = s.ax[t], ay = s.ay[t], bx = s.bx[t], by = s.by[t];
        for (std::size_t k = t + 1; k < n; ++k) {
            const float dax = s.ax[k] - ax, day = s.ay[k] - ay, dbx = s.bx[k] - bx, dby = s.by[k] - by;
            s.gap[k] = std::abs(std::sqrt(dax * dax + day * day) - std::sqrt(dbx * dbx + dby * dby));
        }
        std::size_t count = 0;
        for (std::size_t k = t + 1; k < n; ++k) {
            s.survivors[count] = static_cast<std::uint32_t>(k);
            count += s.gap[k] < maxDistanceGap;
        }
        for (std::size_t q = 0; q < count; ++q) {
            const std::size_t k = s.survivors[q];
            float r = T.z1[static_cast<std::size_t>(std::min(800.f, s.gap[k] * 8))];
            if (r < kRhoFloor) continue;
            // Relative direction: how much each pair turns its minutia, compared.
            r *= T.z2[static_cast<std::size_t>(turnDiff(s.turn[t], s.turn[k]) >> 4)];
            if (r < kRhoFloor) continue;
            // Relative bearings: the line between the two minutiae seen from each one's direction.
            // Their differences in the two prints are the line's turn from one print to the other
            // less each pair's own turn, so one angle serves both ends.
            const float dax = s.ax[k] - ax, day = s.ay[k] - ay, dbx = s.bx[k] - bx, dby = s.by[k] - by;
            const std::int16_t lineTurn = fastAtan2Turn(dbx * day - dby * dax, dax * dbx + day * dby);
            r *= T.z3[static_cast<std::size_t>(turnDiff(lineTurn, s.turn[t]) >> 4)];
            if (r < kRhoFloor) continue;
            r *= T.z3[static_cast<std::size_t>(turnDiff(lineTurn, s.turn[k]) >> 4)];
            if (r < kRhoFloor) continue;
            s.rhoItems.push_back({static_cast<std::uint32_t>(t), static_cast<std::uint32_t>(k), r});  // capacity reserved
        }
    }
    s.lambda.resize(n);
    s.next.resize(n);
    for (std::size_t t = 0; t < n; ++t) s.lambda[t] = s.chosen[t].similarity;
    const float w = static_cast<float>(p.wR), rest = static_cast<float>((1 - p.wR) / static_cast<double>(n - 1));
    for (int it = 0; it < p.relaxations; ++it) {
        std::fill(s.next.begin(), s.next.end(), 0.f);
        for (const auto& e : s.rhoItems) {
            s.next[e.t] += e.rho * s.lambda[e.k];
            s.next[e.k] += e.rho * s.lambda[e.t];
        }
        for (std::size_t t = 0; t < n; ++t) s.next[t] = w * s.lambda[t] + rest * s.next[t];
        std::swap(s.lambda, s.next);
    }
    s.order.resize(n);
    s.efficiency.resize(n);
    for (std::size_t t = 0; t < n; ++t) {
        s.order[t] = static_cast<int>(t);
        s.efficiency[t] = s.lambda[t] / s.chosen[t].similarity;
    }
    const std::size_t take = std::min<std::size_t>(n, static_cast<std::size_t>(nP));
    std::partial_sort(s.order.begin(), s.order.begin() + static_cast<std::ptrdiff_t>(take), s.order.end(), [&](int x, int y) {
        float ex = s.efficiency[static_cast<std::size_t>(x)], ey = s.efficiency[static_cast<std::size_t>(y)];
        return ex != ey ? ex > ey : x < y;
    });
    double total = 0;
    for (std::size_t q = 0; q < take; ++q) total += s.lambda[static_cast<std::size_t>(s.order[q])];
    double score = p.scale * total / static_cast<double>(nP);
    return static_cast<int>(std::lround(std::clamp(score, 0.0, 1000.0)));
}

int compareTemplates(const Template& probe, const Template& candidate) {
    return compareTemplates(PreparedTemplate(probe), PreparedTemplate(candidate));
}

// The cylinder similarities and the relaxation are symmetric; only ties between equal
// similarities can break differently in the two directions.
int compareSymmetric(const PreparedTemplate& a, const PreparedTemplate& b) { return compareTemplates(a, b); }

int compareSymmetric(const Template& a, const Template& b) { return compareSymmetric(PreparedTemplate(a), PreparedTemplate(b)); }

int firstInconsistentPress(const std::vector<Template>& presses, int threshold) {
    std::vector<PreparedTemplate> prepared(presses.begin(), presses.end());
    for (std::size_t i = 1; i < presses.size(); ++i) {
        int best = 0;
        for (std::size_t j = 0; j < i; ++j) best = std::max(best, compareTemplates(prepared[i], prepared[j]));
        if (best < threshold) return static_cast<int>(i);
    }
    return -1;
}

std::vector<Template> enrollmentViews(const std::vector<Template>& presses) {
    if (presses.empty()) throw TemplateError("no presses to make the enrollment's views from");
    // Every press is kept as a view of the finger, and a comparison takes the best view: a later
    // touch rarely lands where any one press did. The press that agrees best with the others
    // goes first; the duplicate check searches with it. (A union of the presses' minutiae was
    // measured and not kept: BENCHMARKS.md, "Enrollment: every press a view".)
    std::vector<PreparedTemplate> prepared(presses.begin(), presses.end());
    std::vector<int> agreement(presses.size(), 0);
    for (std::size_t i = 0; i < presses.size(); ++i)
        for (std::size_t j = 0; j < presses.size(); ++j)
            if (i != j) agreement[i] += compareTemplates(prepared[i], prepared[j]);
    std::vector<std::size_t> order(presses.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return agreement[a] > agreement[b]; });
    std::vector<Template> views;
    for (std::size_t i : order) views.push_back(presses[i]);
    return views;
}

} // namespace fpb::tmpl
