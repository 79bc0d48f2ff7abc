// SPDX-License-Identifier: GPL-2.0-or-later
// 1:N identification in two stages (see Identifier in fingerprint_template.h).
//
// First stage: every pair of minutiae 30 to 240 pixels apart is described by its length and the
// direction of each minutia relative to the line joining them (invariant to rotation and
// translation), quantised to 21 x 32 x 32 = 21,504 codes, plus the direction of the line itself
// in 16 steps. The probe keeps, per code, the set of line directions it has that code at (a 16-bit
// mask). For an entry, each shared code votes for the rotation between the two lines; the score is
// the best pair of adjacent rotation steps, divided by the square root of the entry's code count.
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
constexpr double kMinPair = 30, kMaxPair = 240, kPairBin = 10;
constexpr int kLengthBins = 21, kAngleBins = 32;
constexpr std::size_t kCodeSpace = static_cast<std::size_t>(kLengthBins) * kAngleBins * kAngleBins;
constexpr int kLineSteps = 16;
/// Stored codes per entry at most (the shortest pairs are kept), which bounds the gallery memory.
constexpr std::size_t kMaxCodes = 448;

inline int angleBin(double a) {
    // a: any angle; the bin of a mod 2π.
    double t = a / (2 * kPi);
    t -= std::floor(t);
    return std::min(kAngleBins - 1, static_cast<int>(t * kAngleBins));
}

struct PairCode {
    double length;
    std::uint16_t code;
    std::uint8_t line;  ///< direction of the line from the first minutia to the second, 0..15
};

// Codes of every pair within range; both orders of each pair when `bothOrders` (the probe), one
// order otherwise (an entry: the probe holds both, so either matches).
template <class GetX, class GetY, class GetA>
void pairCodes(std::size_t n, GetX gx, GetY gy, GetA ga, bool bothOrders, std::vector<PairCode>& out) {
    out.clear();
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = i + 1; j < n; ++j) {
            double dx = gx(j) - gx(i), dy = gy(j) - gy(i);
            double d = std::sqrt(dx * dx + dy * dy);
            if (d < kMinPair || d >= kMaxPair) continue;
            int lb = std::min(kLengthBins - 1, static_cast<int>((d - kMinPair) / kPairBin));
            double line = std::atan2(dy, dx);
            int ai = angleBin(line - ga(i)), aj = angleBin(line + kPi - ga(j));
            int step = angleBin(line) * kLineSteps / kAngleBins;
            out.push_back({d, static_cast<std::uint16_t>((lb * kAngleBins + ai) * kAngleBins + aj), static_cast<std::uint8_t>(step)});
            if (bothOrders)
                out.push_back({d, static_cast<std::uint16_t>((lb * kAngleBins + aj) * kAngleBins + ai),
                               static_cast<std::uint8_t>((step + kLineSteps / 2) % kLineSteps)});
        }
}

constexpr double kTurn16 = 65536 / (2 * kPi);

std::uint16_t packAngle(double a) {
    double t = a / (2 * kPi);
    t -= std::floor(t);
    return static_cast<std::uint16_t>(static_cast<long>(std::lround(t * 65536)) & 0xffff);
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
        lines_.push_back(c.line);
    }
    codeStart_.push_back(static_cast<std::uint32_t>(codes_.size()));
}

void Identifier::clear() {
    keys_.clear();
    minutiae_.clear();
    minutiaStart_.assign(1, 0);
    codes_.clear();
    lines_.clear();
    codeStart_.assign(1, 0);
}

void Identifier::shrinkToFit() {
    keys_.shrink_to_fit();
    minutiae_.shrink_to_fit();
    minutiaStart_.shrink_to_fit();
    codes_.shrink_to_fit();
    lines_.shrink_to_fit();
    codeStart_.shrink_to_fit();
}

std::size_t Identifier::memoryBytes() const {
    std::size_t keys = keys_.capacity() * sizeof(std::string);
    for (const auto& k : keys_)
        if (k.size() >= sizeof(std::string) / 2) keys += k.capacity() + 1;  // beyond the in-place buffer
    return keys + minutiae_.capacity() * sizeof(Packed) + codes_.capacity() * sizeof(std::uint16_t) + lines_.capacity() +
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
    auto work = [&](std::size_t from, std::size_t to) {
        for (std::size_t e = from; e < to; ++e) {
            std::array<std::uint16_t, kLineSteps> votes{};
            for (std::uint32_t k = codeStart_[e]; k < codeStart_[e + 1]; ++k) {
                unsigned m = lines[codes_[k]];
                if (m == 0) continue;
                // Rotation steps from this entry's line to each of the probe's lines with the code.
                unsigned r = lines_[k];
                m = ((m >> r) | (m << (kLineSteps - r))) & 0xffffu;
                while (m) {
                    ++votes[static_cast<std::size_t>(__builtin_ctz(m))];
                    m &= m - 1;
                }
            }
            unsigned best = 0;
            for (int r = 0; r < kLineSteps; ++r)
                best = std::max<unsigned>(best, votes[static_cast<std::size_t>(r)] + votes[static_cast<std::size_t>((r + 1) % kLineSteps)]);
            // Scaled so that the quotient keeps its resolution in 16 bits.
            double n = codeStart_[e + 1] - codeStart_[e];
            scores[e] = static_cast<std::uint16_t>(std::min(65535.0, 256.0 * best / std::sqrt(n + 1)));
        }
    };
    unsigned w = workers(size() / 64);
    std::vector<std::thread> threads;
    for (unsigned t = 1; t < w; ++t) threads.emplace_back(work, size() * t / w, size() * (t + 1) / w);
    work(0, size() / w);
    for (auto& t : threads) t.join();
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
    std::vector<std::thread> threads;
    for (unsigned t = 1; t < w; ++t) threads.emplace_back(work, t);
    work(0);
    for (auto& t : threads) t.join();
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
