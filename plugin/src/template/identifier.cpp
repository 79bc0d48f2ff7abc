// SPDX-License-Identifier: GPL-2.0-or-later
// 1:N identification in two stages (see Identifier in fingerprint_template.h).
//
// First stage: every pair of minutiae 30 to 240 pixels apart is described by its length and the
// direction of each minutia relative to the line joining them (invariant to rotation and
// translation), quantised to 30 x 32 x 32 = 30,720 codes (7-pixel length steps ranked mates
// better than 10-pixel ones), plus the index of the pair's first minutia. The probe keeps, per
// code, the set of directions of its first minutiae with that code in 16 steps (a 16-bit mask).
// For an entry, each shared code votes for the rotation between the two first minutiae; the score
// is the best pair of adjacent rotation steps, divided by the square root of the entry's code
// count. (The line's own direction, stored before, is the first minutia's plus the quantised
// angle between them, so the minutia index replaces it at no extra memory and also gives the
// position that the translation check below needs.)
// The best kRecheck entries by that score then get a second look: the votes of their best rotation
// (widened by a step on each side) are gathered by the translation that takes the entry's first
// minutia onto the probe's, and the largest cluster of agreeing translations, divided by the same
// square root, ranks them ahead of the rest. The rotation vote alone also rewards impostors whose
// ridge flow resembles the probe's (their pairs agree in length and angles and in rotation, but
// not in place), which is what pushed most missed mates out of the shortlist.
// Long pairs carry the global layout of the print, which is what the exact comparison rewards, and
// the rotation vote keeps impostors' chance agreements (spread over all rotations) low. Short
// neighbour-only codes, cylinder-like neighbourhood bit codes, codes without the rotation vote and
// codes spread to adjacent bins all ranked the right candidate worse (numbers in BENCHMARKS.md).
#include <algorithm>
#include <array>
#include <cmath>
#include <thread>

#include "template/fingerprint_template.h"

namespace fpb::tmpl {

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kMinPair = 30, kMaxPair = 240, kPairBin = 7;
constexpr int kLengthBins = 30, kAngleBins = 32;
constexpr std::size_t kCodeSpace = static_cast<std::size_t>(kLengthBins) * kAngleBins * kAngleBins;
constexpr int kLineSteps = 16;
/// Stored codes per entry at most (the shortest pairs are kept), which bounds the gallery memory
/// (3 bytes each: code and first minutia).
constexpr std::size_t kMaxCodes = 512;
/// Entries given the translation check; the mates it rescues ranked up to about 4,000 by rotation
/// alone, and the check costs several times the rotation vote per entry.
constexpr std::size_t kRecheck = 5000;
/// Translation cells of the check, in pixels; a cluster is the best 2 x 2 cells.
constexpr float kTranslationCell = 24;
constexpr int kGrid = 64;

inline int angleBin(double a) {
    // a: any angle; the bin of a mod 2π.
    double t = a / (2 * kPi);
    t -= std::floor(t);
    return std::min(kAngleBins - 1, static_cast<int>(t * kAngleBins));
}

constexpr double kTurn16 = 65536 / (2 * kPi);

std::uint16_t packAngle(double a) {
    double t = a / (2 * kPi);
    t -= std::floor(t);
    return static_cast<std::uint16_t>(static_cast<long>(std::lround(t * 65536)) & 0xffff);
}

/// A minutia's direction in rotation steps: the rotation between two templates, in steps, is the
/// difference of two paired minutiae's steps (both stages), so no line direction need be stored.
inline unsigned minutiaStep(std::uint16_t packed) { return packed >> 12; }
static_assert(kLineSteps == 16, "minutiaStep keeps the top 4 bits of a 16-bit angle");

struct PairCode {
    double length;
    std::uint16_t code;
    std::uint8_t line;   ///< direction of the first minutia, 0..15 (see minutiaStep)
    std::uint8_t first;  ///< index of the first minutia
};

// Codes of every pair within range; both orders of each pair when `bothOrders` (the probe), one
// order otherwise (an entry: the probe holds both, so either matches).
template <class GetX, class GetY, class GetA>
void pairCodes(std::size_t n, GetX gx, GetY gy, GetA ga, bool bothOrders, std::vector<PairCode>& out) {
    out.clear();
    n = std::min<std::size_t>(n, 256);  // minutia indices are kept in a byte
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = i + 1; j < n; ++j) {
            double dx = gx(j) - gx(i), dy = gy(j) - gy(i);
            double d = std::sqrt(dx * dx + dy * dy);
            if (d < kMinPair || d >= kMaxPair) continue;
            int lb = std::min(kLengthBins - 1, static_cast<int>((d - kMinPair) / kPairBin));
            double line = std::atan2(dy, dx);
            int ai = angleBin(line - ga(i)), aj = angleBin(line + kPi - ga(j));
            out.push_back({d, static_cast<std::uint16_t>((lb * kAngleBins + ai) * kAngleBins + aj),
                           static_cast<std::uint8_t>(minutiaStep(packAngle(ga(i)))), static_cast<std::uint8_t>(i)});
            if (bothOrders)
                out.push_back({d, static_cast<std::uint16_t>((lb * kAngleBins + aj) * kAngleBins + ai),
                               static_cast<std::uint8_t>(minutiaStep(packAngle(ga(j)))), static_cast<std::uint8_t>(j)});
        }
}

} // namespace

void Identifier::add(const std::string& key, Template t) {
    keys_.push_back(key);
    const std::size_t first = minutiae_.size();
    for (const auto& m : t.minutiae)
        minutiae_.push_back({static_cast<std::int16_t>(std::clamp(m.x, -32768, 32767)), static_cast<std::int16_t>(std::clamp(m.y, -32768, 32767)),
                             packAngle(m.angle), static_cast<std::uint8_t>(m.type), static_cast<std::uint8_t>(std::clamp(m.quality, 0, 255))});
    minutiaStart_.push_back(static_cast<std::uint32_t>(minutiae_.size()));
    const Packed* p = minutiae_.data() + first;
    std::vector<PairCode> codes;
    pairCodes(
        t.minutiae.size(), [&](std::size_t i) { return double(p[i].x); }, [&](std::size_t i) { return double(p[i].y); },
        [&](std::size_t i) { return p[i].angle / kTurn16; }, false, codes);
    if (codes.size() > kMaxCodes) {
        std::nth_element(codes.begin(), codes.begin() + kMaxCodes, codes.end(),
                         [](const PairCode& a, const PairCode& b) { return a.length < b.length; });
        codes.resize(kMaxCodes);
    }
    for (const auto& c : codes) {
        codes_.push_back(c.code);
        firsts_.push_back(c.first);
    }
    codeStart_.push_back(static_cast<std::uint32_t>(codes_.size()));
}

void Identifier::clear() {
    keys_.clear();
    minutiae_.clear();
    minutiaStart_.assign(1, 0);
    codes_.clear();
    firsts_.clear();
    codeStart_.assign(1, 0);
}

void Identifier::shrinkToFit() {
    keys_.shrink_to_fit();
    minutiae_.shrink_to_fit();
    minutiaStart_.shrink_to_fit();
    codes_.shrink_to_fit();
    firsts_.shrink_to_fit();
    codeStart_.shrink_to_fit();
}

std::size_t Identifier::memoryBytes() const {
    std::size_t keys = keys_.capacity() * sizeof(std::string);
    for (const auto& k : keys_)
        if (k.size() >= sizeof(std::string) / 2) keys += k.capacity() + 1;  // beyond the in-place buffer
    return keys + minutiae_.capacity() * sizeof(Packed) + codes_.capacity() * sizeof(std::uint16_t) + firsts_.capacity() +
           (minutiaStart_.capacity() + codeStart_.capacity()) * sizeof(std::uint32_t);
}

Template Identifier::entry(std::size_t i) const {
    Template t;
    for (std::uint32_t k = minutiaStart_[i]; k < minutiaStart_[i + 1]; ++k) {
        const Packed& p = minutiae_[k];
        t.minutiae.push_back({p.x, p.y, p.angle / kTurn16, static_cast<MinutiaType>(p.type), p.quality});
    }
    return t;
}

namespace {
// Runs work(0) .. work(count - 1) at once, work(0) on this thread.
template <class Work>
void runOnThreads(unsigned count, const Work& work) {
    std::vector<std::thread> threads;
    for (unsigned t = 1; t < count; ++t) threads.emplace_back(work, t);
    work(0);
    for (auto& t : threads) t.join();
}
} // namespace

unsigned Identifier::workers(std::size_t jobs) const {
    unsigned cores = threads_ ? threads_ : std::max(1u, std::thread::hardware_concurrency());
    return std::max(1u, std::min<unsigned>(cores, static_cast<unsigned>(jobs / 16 + 1)));
}

std::vector<std::uint16_t> Identifier::firstStageScores(const Template& probe) const {
    std::vector<PairCode> pc;
    const auto& M = probe.minutiae;
    pairCodes(
        M.size(), [&](std::size_t i) { return double(M[i].x); }, [&](std::size_t i) { return double(M[i].y); },
        [&](std::size_t i) { return M[i].angle; }, true, pc);
    std::vector<std::uint16_t> lines(kCodeSpace, 0);
    for (const auto& c : pc) lines[c.code] = static_cast<std::uint16_t>(lines[c.code] | 1u << c.line);
    std::vector<std::uint16_t> scores(size());
    std::vector<std::uint8_t> bestStep(size());  // first step of the best pair of rotation steps
    auto work = [&](std::size_t from, std::size_t to) {
        for (std::size_t e = from; e < to; ++e) {
            const Packed* em = minutiae_.data() + minutiaStart_[e];
            std::array<std::uint16_t, kLineSteps> votes{};
            for (std::uint32_t k = codeStart_[e]; k < codeStart_[e + 1]; ++k) {
                unsigned m = lines[codes_[k]];
                if (m == 0) continue;
                // Rotation steps from this entry's first minutia to each of the probe's with the code.
                unsigned r = minutiaStep(em[firsts_[k]].angle);
                m = ((m >> r) | (m << (kLineSteps - r))) & 0xffffu;
                while (m) {
                    ++votes[static_cast<std::size_t>(__builtin_ctz(m))];
                    m &= m - 1;
                }
            }
            unsigned best = 0, at = 0;
            for (unsigned r = 0; r < kLineSteps; ++r) {
                unsigned v = votes[r] + votes[(r + 1) % kLineSteps];
                if (v > best) best = v, at = r;
            }
            bestStep[e] = static_cast<std::uint8_t>(at);
            // Scaled so that the quotient keeps its resolution in 16 bits.
            double n = codeStart_[e + 1] - codeStart_[e];
            scores[e] = static_cast<std::uint16_t>(std::min(65535.0, 256.0 * best / std::sqrt(n + 1)));
        }
    };
    const unsigned w = workers(size() / 64);
    runOnThreads(w, [&](unsigned t) { work(size() * t / w, size() * (t + 1) / w); });
    const std::size_t recheck = std::min(size(), kRecheck);
    if (recheck == 0) return scores;

    // The probe's pairs by code: line step and first minutia of each.
    std::vector<std::uint32_t> start(kCodeSpace + 1, 0);
    for (const auto& c : pc) ++start[c.code + 1u];
    for (std::size_t c = 0; c < kCodeSpace; ++c) start[c + 1] += start[c];
    std::vector<std::uint16_t> probePair(pc.size());  // line step << 8 | first minutia
    {
        std::vector<std::uint32_t> fill(start.begin(), start.end() - 1);
        for (const auto& c : pc) probePair[fill[c.code]++] = static_cast<std::uint16_t>(c.line << 8 | c.first);
    }
    std::vector<std::uint16_t> probeAngle(M.size());
    for (std::size_t i = 0; i < M.size(); ++i) probeAngle[i] = packAngle(M[i].angle);
    // Cosine and sine of a rotation in 1/256 turns (1.4 degrees, finer than the angles' noise).
    static const auto trig = [] {
        std::array<std::array<float, 2>, 256> t{};
        for (std::size_t i = 0; i < t.size(); ++i)
            t[i] = {static_cast<float>(std::cos((i + 0.5) * 2 * kPi / 256)), static_cast<float>(std::sin((i + 0.5) * 2 * kPi / 256))};
        return t;
    }();
    std::vector<std::uint32_t> order(size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<std::uint32_t>(i);
    std::nth_element(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(recheck - 1), order.end(),
                     [&](std::uint32_t a, std::uint32_t b) { return scores[a] != scores[b] ? scores[a] > scores[b] : a < b; });
    order.resize(recheck);
    std::vector<std::uint16_t> second(recheck);
    auto check = [&](std::size_t from, std::size_t to) {
        std::vector<std::uint16_t> grid(kGrid * kGrid, 0);
        std::vector<std::uint16_t> touched;
        const float inv = 1.0f / kTranslationCell;
        for (std::size_t q = from; q < to; ++q) {
            const std::size_t e = order[q];
            const Packed* em = minutiae_.data() + minutiaStart_[e];
            // The best pair of rotation steps and one more on each side.
            const unsigned w0 = (bestStep[e] + kLineSteps - 1) % kLineSteps;
            const unsigned window = ((0xfu << w0) | (0xfu << w0 >> kLineSteps)) & 0xffffu;
            touched.clear();
            for (std::uint32_t k = codeStart_[e]; k < codeStart_[e + 1]; ++k) {
                const unsigned code = codes_[k];
                const Packed& a = em[firsts_[k]];
                const unsigned el = minutiaStep(a.angle);
                unsigned m = lines[code];
                m = ((m >> el) | (m << (kLineSteps - el))) & 0xffffu;
                if ((m & window) == 0) continue;
                for (std::uint32_t t = start[code]; t < start[code + 1]; ++t) {
                    const unsigned pl = probePair[t] >> 8, pf = probePair[t] & 0xffu;
                    if (!((window >> ((pl - el) & (kLineSteps - 1))) & 1u)) continue;
                    // Rotation from the two minutiae's own directions; the translation that then
                    // takes the entry's minutia onto the probe's.
                    const auto& cs = trig[static_cast<std::uint16_t>(probeAngle[pf] - a.angle) >> 8];
                    const float tx = static_cast<float>(M[pf].x) - (cs[0] * a.x - cs[1] * a.y);
                    const float ty = static_cast<float>(M[pf].y) - (cs[1] * a.x + cs[0] * a.y);
                    const float fx = tx * inv + kGrid / 2, fy = ty * inv + kGrid / 2;
                    if (!(fx >= 0 && fy >= 0 && fx < kGrid && fy < kGrid)) continue;
                    const int c = static_cast<int>(fy) * kGrid + static_cast<int>(fx);
                    if (grid[static_cast<std::size_t>(c)]++ == 0) touched.push_back(static_cast<std::uint16_t>(c));
                }
            }
            unsigned best = 0;
            for (std::uint16_t c : touched) {
                const int x = c % kGrid, y = c / kGrid;
                for (int y0 = std::max(0, y - 1); y0 <= std::min(y, kGrid - 2); ++y0)
                    for (int x0 = std::max(0, x - 1); x0 <= std::min(x, kGrid - 2); ++x0) {
                        const std::size_t at = static_cast<std::size_t>(y0 * kGrid + x0);
                        best = std::max<unsigned>(best, grid[at] + grid[at + 1] + grid[at + kGrid] + grid[at + kGrid + 1]);
                    }
            }
            for (std::uint16_t c : touched) grid[c] = 0;
            double n = codeStart_[e + 1] - codeStart_[e];
            second[q] = static_cast<std::uint16_t>(std::min(32767.0, 128.0 * best / std::sqrt(n + 1)));
        }
    };
    const unsigned w2 = workers(recheck / 16);
    runOnThreads(w2, [&](unsigned t) { check(recheck * t / w2, recheck * (t + 1) / w2); });
    // The checked entries rank ahead of the rest (upper half of the range), by the check.
    for (auto& v : scores) v = static_cast<std::uint16_t>(v >> 1);
    for (std::size_t q = 0; q < recheck; ++q) scores[order[q]] = static_cast<std::uint16_t>(32768u + second[q]);
    return scores;
}

std::vector<Identifier::Candidate> Identifier::rank(const Template& probe, const std::vector<std::uint32_t>& which, int threshold,
                                                    std::size_t maxCandidates) const {
    const PreparedTemplate prepared(probe);
    std::vector<int> scores(which.size(), 0);
    unsigned w = workers(which.size());
    auto work = [&](unsigned t) {
        for (std::size_t k = t; k < which.size(); k += w) scores[k] = compareSymmetric(prepared, PreparedTemplate(entry(which[k])));
    };
    runOnThreads(w, work);
    std::vector<std::size_t> order;
    for (std::size_t k = 0; k < which.size(); ++k)
        if (scores[k] >= threshold) order.push_back(k);
    // Best first; equal scores in the order the entries were added, so both stages agree on ties.
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return scores[a] != scores[b] ? scores[a] > scores[b] : which[a] < which[b];
    });
    if (order.size() > maxCandidates) order.resize(maxCandidates);
    std::vector<Candidate> out;
    for (std::size_t k : order) out.push_back({keys_[which[k]], scores[k]});
    return out;
}

std::vector<Identifier::Candidate> Identifier::identifyExhaustive(const Template& probe, int threshold, std::size_t maxCandidates) const {
    std::vector<std::uint32_t> all(size());
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = static_cast<std::uint32_t>(i);
    return rank(probe, all, threshold, maxCandidates);
}

std::vector<Identifier::Candidate> Identifier::identify(const Template& probe, int threshold, std::size_t maxCandidates) const {
    if (size() <= shortlist_) return identifyExhaustive(probe, threshold, maxCandidates);
    std::vector<std::uint16_t> first = firstStageScores(probe);
    std::vector<std::uint32_t> order(size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<std::uint32_t>(i);
    std::nth_element(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(shortlist_), order.end(),
                     [&](std::uint32_t a, std::uint32_t b) { return first[a] != first[b] ? first[a] > first[b] : a < b; });
    order.resize(shortlist_);
    return rank(probe, order, threshold, maxCandidates);
}

} // namespace fpb::tmpl
