// SPDX-License-Identifier: GPL-2.0-or-later
// 1:N identification in two stages (see Identifier in fingerprint_template.h).
//
// First stage, in three steps:
// 1. Every pair of minutiae 30 to 240 pixels apart is described by its length and the direction of
//    each minutia relative to the line joining them (invariant to rotation and translation),
//    quantised to 30 x 32 x 32 = 30,720 codes (7-pixel length steps), plus the index of the pair's
//    first minutia. An entry stores one order of each pair, the probe both.
// 2. Every entry: each code it shares with the probe votes for the rotation (the difference of the
//    two first minutiae's directions, 16 steps) and the translation (24-pixel cells) that take the
//    entry's first minutia onto the probe's. The score is the largest number of votes in a window
//    of 2 rotation steps x 2 x 2 cells, divided by the square root of the entry's code count.
//    Votes are added straight into the windows that hold them (the 16 rotation windows of a cell
//    as one vector of byte counters, each stopping at 255), so the peak is known when the entry's
//    last code is done (no search over the accumulator afterwards); a table of the probe's codes
//    picks the shared codes without a branch per code, which halved the time of this step.
// 3. The best kRefine entries are aligned on the votes of their peak window (mean rotation, then
//    mean translation) and scored by the number of their minutiae that land within kPairRadius and
//    30 degrees of a distinct probe minutia, squared over the entry's minutia count; they rank ahead
//    of the rest by that score. The minutiae within twice kPairRadius also give a least-squares
//    alignment, and the entry keeps the better count of the two: the votes' rotation comes from
//    minutia directions, a few degrees off, which 100 px away is more than kPairRadius (this
//    brought the mate's rank p95 over 560 probes from 1,976 to 485; BENCHMARKS.md).
// Votes alone ranked some mates behind thousands of impostors: a mate with few minutiae, or a
// press that overlaps the enrolled one little, shares few codes with the probe, while an impostor
// with a similar ridge flow shares many by chance. The count of minutiae that coincide after the
// alignment uses every minutia, not just the pairs whose three quantised values agree, and chance
// coincidences within 10 pixels are rare (numbers in BENCHMARKS.md).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <thread>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define FPB_WIDE_SCAN 1
#include <immintrin.h>
#else
#define FPB_WIDE_SCAN 0
#endif

#include "template/fingerprint_template.h"

namespace fpb::tmpl {

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kMinPair = 30, kMaxPair = 240, kPairBin = 7;
constexpr int kLengthBins = 30, kAngleBins = 32;
constexpr std::size_t kCodeSpace = static_cast<std::size_t>(kLengthBins) * kAngleBins * kAngleBins;
/// Rotation steps of the vote.
constexpr int kRotationSteps = 16;
static_assert(kRotationSteps == 16, "the vote keeps the rotation steps of a cell in one 16-byte vector");
/// Stored codes per entry at most (the shortest pairs are kept), which bounds the gallery memory
/// (3 bytes each: code and first minutia).
constexpr std::size_t kMaxCodes = 512;
/// The probe's codes at most (its shortest pairs, both orders): a probe of 80 minutiae has 5,600.
/// 1,600 once made the first stage some 15% faster, but since its vote became cheap the
/// difference is about 2%, and with 1,600 a mate scoring 424 fell from rank 0 to 6,546, which
/// a search at a high threshold must reach (BENCHMARKS.md).
constexpr std::size_t kMaxProbeCodes = 2400;
/// Translation cells of the vote, in pixels, and cells per side (translations within +-768 px).
constexpr float kTranslationCell = 24;
constexpr int kGrid = 64;
constexpr int kPlane = kGrid * kGrid;
/// Entries aligned and paired in step 3: the votes ranked every mate of the benchmark within the
/// best 3,600; aligning and pairing 8,000 takes 13 to 40 ms of a search (more for larger probes).
constexpr std::size_t kRefine = Identifier::kDeepShortlist;
/// Minutiae pair after the alignment within this distance (pixels) and kPairAngle (1/65536 turn).
constexpr float kPairRadius = 10;
constexpr int kPairAngle = 5461;  // 30 degrees

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


struct PairCode {
    double length;
    std::uint16_t code;
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
            out.push_back({d, static_cast<std::uint16_t>((lb * kAngleBins + ai) * kAngleBins + aj), static_cast<std::uint8_t>(i)});
            if (bothOrders)
                out.push_back({d, static_cast<std::uint16_t>((lb * kAngleBins + aj) * kAngleBins + ai), static_cast<std::uint8_t>(j)});
        }
}

// Keeps the `count` shortest pairs at most.
void keepShortest(std::vector<PairCode>& codes, std::size_t count) {
    if (codes.size() <= count) return;
    std::nth_element(codes.begin(), codes.begin() + static_cast<std::ptrdiff_t>(count), codes.end(),
                     [](const PairCode& a, const PairCode& b) { return a.length < b.length; });
    codes.resize(count);
}

// Orders entries by first-stage score, highest first (ties to the entry added first).
auto byScore(const std::vector<std::uint16_t>& scores) {
    return [&scores](std::uint32_t a, std::uint32_t b) { return scores[a] != scores[b] ? scores[a] > scores[b] : a < b; };
}

// The `count` entries with the highest scores (ties to the entry added first), in no order.
std::vector<std::uint32_t> bestEntries(const std::vector<std::uint16_t>& scores, std::size_t count) {
    std::vector<std::uint32_t> order(scores.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<std::uint32_t>(i);
    count = std::min(count, order.size());
    if (count == 0) return {};
    std::nth_element(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(count - 1), order.end(), byScore(scores));
    order.resize(count);
    return order;
}

// Adds a vote's mask to the 16 byte counters of each of four cells, each counter stopping at 255;
// true when one of them now exceeds `best` (only the two the vote counts in can).
inline bool addVote(std::uint8_t* const (&cells)[4], const std::uint8_t* mask, unsigned best) {
#if defined(__SSE2__)
    const __m128i m = _mm_loadu_si128(reinterpret_cast<const __m128i*>(mask));
    __m128i most = _mm_setzero_si128();
    for (std::uint8_t* cell : cells) {
        const __m128i sum = _mm_adds_epu8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(cell)), m);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(cell), sum);
        most = _mm_max_epu8(most, sum);
    }
    const __m128i over = _mm_subs_epu8(most, _mm_set1_epi8(static_cast<char>(best)));
    return _mm_movemask_epi8(_mm_cmpeq_epi8(over, _mm_setzero_si128())) != 0xffff;
#else
    bool over = false;
    for (std::uint8_t* cell : cells)
        for (int i = 0; i < 16; ++i) {
            cell[i] = static_cast<std::uint8_t>(std::min(255, cell[i] + mask[i]));
            over |= cell[i] > best;
        }
    return over;
#endif
}

// The positions k in [from, end) of the entry codes the probe has too (`present[code]` is 1),
// in order, written to `out` (room for end - from + kSharedSlack); returns how many. Without a
// branch per code, which half the time would be mispredicted.
constexpr std::size_t kSharedSlack = 16, kPresentPadding = 4;
std::size_t sharedCodesPortable(const std::uint16_t* codes, std::uint32_t from, std::uint32_t end, const std::uint8_t* present, std::uint32_t* out) {
    std::size_t count = 0;
    for (std::uint32_t k = from; k < end; ++k) {
        out[count] = k;
        count += present[codes[k]];
    }
    return count;
}
#if FPB_WIDE_SCAN
#pragma GCC diagnostic push
// GCC 12's own vector headers leave lanes "undefined" on purpose in the conversions.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
// Sixteen codes at a time: their flags fetched in one gather (4 bytes from each code's flag, hence
// the table's padding), the positions of the flagged ones packed together and stored at once.
__attribute__((target("avx512f"))) std::size_t sharedCodesWide(const std::uint16_t* codes, std::uint32_t from, std::uint32_t end,
                                                               const std::uint8_t* present, std::uint32_t* out) {
    std::size_t count = 0;
    std::uint32_t k = from;
    const __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), flag = _mm512_set1_epi32(0xff);
    for (; k + 16 <= end; k += 16) {
        const __m512i code = _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(codes + k)));
        const __mmask16 has = _mm512_test_epi32_mask(_mm512_i32gather_epi32(code, present, 1), flag);
        _mm512_storeu_si512(out + count, _mm512_maskz_compress_epi32(has, _mm512_add_epi32(_mm512_set1_epi32(static_cast<int>(k)), lanes)));
        count += static_cast<std::size_t>(__builtin_popcount(has));
    }
    return count + sharedCodesPortable(codes, k, end, present, out + count);
}
#pragma GCC diagnostic pop
#else
constexpr auto sharedCodesWide = sharedCodesPortable;
#endif

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
    keepShortest(codes, kMaxCodes);
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
    t.minutiae.reserve(minutiaStart_[i + 1] - minutiaStart_[i]);
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
    keepShortest(pc, kMaxProbeCodes);
    // The probe's codes as a table of flags, and its pairs by code (the first minutia of each).
    std::vector<std::uint8_t> present(kCodeSpace + kPresentPadding, 0);
    const auto findShared = detail::wideVectorsInUse() ? sharedCodesWide : sharedCodesPortable;
    std::vector<std::uint32_t> start(kCodeSpace + 1, 0);
    for (const auto& c : pc) {
        present[c.code] = 1;
        ++start[c.code + 1u];
    }
    for (std::size_t c = 0; c < kCodeSpace; ++c) start[c + 1] += start[c];
    std::vector<std::uint8_t> probeFirst(pc.size());
    {
        std::vector<std::uint32_t> fill(start.begin(), start.end() - 1);
        for (const auto& c : pc) probeFirst[fill[c.code]++] = c.first;
    }
    struct ProbeMinutia {
        float x, y;
        std::uint16_t angle;
    };
    std::vector<ProbeMinutia> pm(M.size());
    for (std::size_t i = 0; i < M.size(); ++i) pm[i] = {static_cast<float>(M[i].x), static_cast<float>(M[i].y), packAngle(M[i].angle)};
    // For pairing: each cell of a grid of kPairRadius lists the probe minutiae within twice
    // kPairRadius of the cell (the farthest pairing reaches), so that an entry minutia looks at
    // one list instead of a window of cells (pairing was a quarter of this stage, the window's
    // cells most of it). The grid covers the probe's minutiae and that reach around them; a point
    // off the grid has no probe minutia within reach.
    float minX = pm.empty() ? 0 : pm[0].x, minY = pm.empty() ? 0 : pm[0].y, maxX = minX, maxY = minY;
    for (const auto& q : pm) {
        minX = std::min(minX, q.x), maxX = std::max(maxX, q.x);
        minY = std::min(minY, q.y), maxY = std::max(maxY, q.y);
    }
    constexpr float kReach = 2 * kPairRadius;
    const float gridX = minX - kReach, gridY = minY - kReach;
    // Coarser cells for a probe spread over more than 2,500 px (a template with absurd coordinates).
    const float gridCell = std::max(kPairRadius, (std::max(maxX - minX, maxY - minY) + 2 * kReach) / 255);
    const float inverseCell = 1 / gridCell;
    const int cellsX = static_cast<int>((maxX + kReach - gridX) / gridCell) + 1, cellsY = static_cast<int>((maxY + kReach - gridY) / gridCell) + 1;
    std::vector<std::uint32_t> reachStart(static_cast<std::size_t>(cellsX) * static_cast<std::size_t>(cellsY) + 1, 0);
    std::vector<std::uint16_t> reachMinutiae;
    {
        // A minutia is listed in the cells whose rectangle lies within kReach of it (and a
        // little more, so that a point rounded into the next cell still finds everything).
        const float listReach = kReach + 0.05f;
        auto forCellsInReach = [&](const ProbeMinutia& q, auto&& use) {
            const int x0 = std::max(0, static_cast<int>((q.x - listReach - gridX) * inverseCell) - 1);
            const int x1 = std::min(cellsX - 1, static_cast<int>((q.x + listReach - gridX) * inverseCell) + 1);
            const int y0 = std::max(0, static_cast<int>((q.y - listReach - gridY) * inverseCell) - 1);
            const int y1 = std::min(cellsY - 1, static_cast<int>((q.y + listReach - gridY) * inverseCell) + 1);
            for (int cy = y0; cy <= y1; ++cy)
                for (int cx = x0; cx <= x1; ++cx) {
                    const float left = gridX + static_cast<float>(cx) * gridCell, top = gridY + static_cast<float>(cy) * gridCell;
                    const float dx = std::max({0.f, left - q.x, q.x - (left + gridCell)}), dy = std::max({0.f, top - q.y, q.y - (top + gridCell)});
                    if (dx * dx + dy * dy <= listReach * listReach) use(static_cast<std::size_t>(cy * cellsX + cx));
                }
        };
        for (const auto& q : pm) forCellsInReach(q, [&](std::size_t cell) { ++reachStart[cell + 1]; });
        for (std::size_t c = 1; c < reachStart.size(); ++c) reachStart[c] += reachStart[c - 1];
        reachMinutiae.resize(reachStart.back());
        std::vector<std::uint32_t> fill(reachStart.begin(), reachStart.end() - 1);
        for (std::size_t i = 0; i < pm.size(); ++i)
            forCellsInReach(pm[i], [&](std::size_t cell) { reachMinutiae[fill[cell]++] = static_cast<std::uint16_t>(i); });
    }
    // Cosine and sine of a rotation in 1/256 turns (1.4 degrees, finer than the angles' noise).
    static const auto trig = [] {
        std::array<std::array<float, 2>, 256> t{};
        for (std::size_t i = 0; i < t.size(); ++i)
            t[i] = {static_cast<float>(std::cos((i + 0.5) * 2 * kPi / 256)), static_cast<float>(std::sin((i + 0.5) * 2 * kPi / 256))};
        return t;
    }();
    // The accumulator is translation cell (y, x) x rotation step, the step varying fastest so that
    // the windows a vote falls in share cache lines. A window covers 2 x 2 cells x 2 steps and is
    // named by its lowest cell and step; a vote for (y, x, r) falls in the windows of (y or y - 1,
    // x or x - 1, r or r - 1 mod 16).
    const float inv = 1.0f / kTranslationCell;
    auto cellOf = [](int y, int x, unsigned r) { return static_cast<std::uint32_t>((y * kGrid + x) * kRotationSteps) + r; };
    // Calls vote(y, x, rotation step, entry minutia, probe minutia, rotation) for every code entry e
    // shares with the probe whose translation lies on the grid.
    auto forEachVote = [&](std::size_t e, std::vector<std::uint32_t>& shared, auto&& vote) {
        const Packed* em = minutiae_.data() + minutiaStart_[e];
        const std::uint32_t from = codeStart_[e], end = codeStart_[e + 1];
        shared.resize(end - from + kSharedSlack);
        const std::uint32_t* out = shared.data();
        const std::size_t count = findShared(codes_.data(), from, end, present.data(), shared.data());
        for (std::size_t i = 0; i < count; ++i) {
            const std::uint32_t k = out[i];
            const unsigned code = codes_[k];
            const Packed& a = em[firsts_[k]];
            const float ax = a.x, ay = a.y;
            for (std::uint32_t t = start[code]; t < start[code + 1]; ++t) {
                const ProbeMinutia& q = pm[probeFirst[t]];
                const std::uint16_t rot = static_cast<std::uint16_t>(q.angle - a.angle);
                const auto& cs = trig[rot >> 8];
                const float fx = (q.x - (cs[0] * ax - cs[1] * ay)) * inv + kGrid / 2;
                const float fy = (q.y - (cs[1] * ax + cs[0] * ay)) * inv + kGrid / 2;
                if (!(fx >= 1 && fy >= 1 && fx < kGrid && fy < kGrid)) continue;
                vote(static_cast<int>(fy), static_cast<int>(fx), static_cast<unsigned>(rot >> 12), firsts_[k], probeFirst[t], cs);
            }
        }
    };

    std::vector<std::uint16_t> scores(size());
    std::vector<std::uint32_t> peak(size());  // the window with the most votes
    // A vote at step r falls in the windows of steps r and r - 1 of four cells: one saturating
    // byte add of a 16-byte mask to each cell instead of eight counter updates, and a comparison
    // with the peak per cell instead of per window. A window's count stops at 255, which only
    // entries far ahead of the rest reach.
    static const auto stepMasks = [] {
        std::array<std::array<std::uint8_t, kRotationSteps>, kRotationSteps> m{};
        for (unsigned r = 0; r < kRotationSteps; ++r) m[r][r] = m[r][(r + kRotationSteps - 1) % kRotationSteps] = 1;
        return m;
    }();
    auto vote = [&](std::size_t from, std::size_t to) {
        // Per cell (y, x), the counts of its 16 windows (one per lowest rotation step).
        std::vector<std::array<std::uint8_t, kRotationSteps>> windows(kPlane);
        std::vector<std::uint32_t> touched, shared;
        std::uint8_t* w = windows[0].data();
        constexpr std::uint32_t kRow = kGrid * kRotationSteps, kStep = kRotationSteps;
        for (std::size_t e = from; e < to; ++e) {
            // The minutiae of an entry two ahead, fetched now: the votes read them in no order,
            // which the processor's own prefetching does not follow (about a tenth of this step's
            // time went to waiting for them).
            if (e + 2 < to) {
                const char* ahead = reinterpret_cast<const char*>(minutiae_.data() + minutiaStart_[e + 2]);
                const char* aheadEnd = reinterpret_cast<const char*>(minutiae_.data() + minutiaStart_[e + 3]);
                for (; ahead < aheadEnd; ahead += 64) __builtin_prefetch(ahead);
            }
            touched.clear();
            unsigned best = 0;
            std::uint32_t at = 0;
            forEachVote(e, shared, [&](int y, int x, unsigned r, unsigned, unsigned, const std::array<float, 2>&) {
                const std::uint32_t c = cellOf(y, x, 0);
                touched.push_back(c);
                std::uint8_t* const cells[4] = {w + c, w + c - kStep, w + c - kRow, w + c - kRow - kStep};
                if (addVote(cells, stepMasks[r].data(), best))
                    // The peak is the first window to reach the highest count (in the order of
                    // the cells, then of the steps, the vote is added in).
                    for (std::uint32_t cell : {c, c - kStep, c - kRow, c - kRow - kStep})
                        for (unsigned step : {r, (r + kRotationSteps - 1) % kRotationSteps})
                            if (w[cell + step] > best) best = w[cell + step], at = cell + step;
            });
            for (std::uint32_t c : touched)
                for (std::uint32_t cell : {c, c - kStep, c - kRow, c - kRow - kStep}) std::memset(w + cell, 0, kRotationSteps);
            const double n = codeStart_[e + 1] - codeStart_[e];
            // Scaled so that the quotient keeps its resolution in 15 bits (the upper half of the range
            // is for the entries of step 3).
            scores[e] = static_cast<std::uint16_t>(std::min(32767.0, 128.0 * best / std::sqrt(n + 1)));
            peak[e] = at;
        }
    };
    const unsigned w = workers(size() / 64);
    runOnThreads(w, [&](unsigned t) { vote(size() * t / w, size() * (t + 1) / w); });

    const std::vector<std::uint32_t> order = bestEntries(scores, kRefine);
    const std::size_t refine = order.size();
    if (refine == 0) return scores;
    std::vector<std::uint16_t> paired(refine);
    auto pair = [&](std::size_t from, std::size_t to) {
        std::vector<std::pair<std::uint8_t, std::uint8_t>> pairs;
        std::vector<std::uint32_t> shared;
        std::vector<std::uint8_t> used(M.size()), usedWider(M.size());
        std::vector<std::pair<std::uint16_t, std::uint16_t>> matched;  // entry minutia, probe minutia
        for (std::size_t q = from; q < to; ++q) {
            const std::size_t e = order[q];
            const Packed* em = minutiae_.data() + minutiaStart_[e];
            const int y0 = static_cast<int>(peak[e] / (kGrid * kRotationSteps)), x0 = static_cast<int>(peak[e] / kRotationSteps % kGrid);
            const unsigned r0 = peak[e] % kRotationSteps;
            // The votes inside the peak window: their mean rotation, then the mean translation.
            double sumCos = 0, sumSin = 0;
            pairs.clear();
            forEachVote(e, shared, [&](int y, int x, unsigned r, unsigned entryMinutia, unsigned probeMinutia, const std::array<float, 2>& cs) {
                if (y - y0 > 1 || y < y0 || x - x0 > 1 || x < x0 || ((r - r0) & (kRotationSteps - 1)) > 1) return;
                sumCos += cs[0];
                sumSin += cs[1];
                pairs.emplace_back(entryMinutia, probeMinutia);
            });
            if (pairs.empty()) {
                paired[q] = 0;
                continue;
            }
            const double angle = std::atan2(sumSin, sumCos), c = std::cos(angle), s = std::sin(angle);
            double tx = 0, ty = 0;
            for (auto [ei, pi] : pairs) {
                tx += pm[pi].x - (c * em[ei].x - s * em[ei].y);
                ty += pm[pi].y - (s * em[ei].x + c * em[ei].y);
            }
            tx /= static_cast<double>(pairs.size());
            ty /= static_cast<double>(pairs.size());
            const std::size_t n = minutiaStart_[e + 1] - minutiaStart_[e];
            // Each entry minutia takes the nearest free probe minutia within kPairRadius; returns
            // how many do. With `wider`, the same pairing within twice that is done in the same pass
            // (it looks at the same probe minutiae) and its pairs go to `matched`.
            auto pairUp = [&](double rotation, double shiftX, double shiftY, bool wider) {
                int close = 0;
                const double rc = std::cos(rotation), rs = std::sin(rotation);
                const std::uint16_t turn = packAngle(rotation);
                const float radius = wider ? 2 * kPairRadius : kPairRadius;
                std::fill(used.begin(), used.end(), 0);
                if (wider) std::fill(usedWider.begin(), usedWider.end(), 0);
                matched.clear();
                for (std::size_t i = 0; i < n; ++i) {
                    const float x = static_cast<float>(rc * em[i].x - rs * em[i].y + shiftX), y = static_cast<float>(rs * em[i].x + rc * em[i].y + shiftY);
                    const std::uint16_t a = static_cast<std::uint16_t>(em[i].angle + turn);
                    int nearest = -1, nearestWider = -1;
                    float reach = kPairRadius * kPairRadius, reachWider = radius * radius;
                    const float fx = (x - gridX) * inverseCell, fy = (y - gridY) * inverseCell;
                    if (!(fx >= 0 && fy >= 0 && fx < static_cast<float>(cellsX) && fy < static_cast<float>(cellsY))) continue;
                    const std::size_t cell = static_cast<std::size_t>(static_cast<int>(fy) * cellsX + static_cast<int>(fx));
                    for (std::uint32_t t = reachStart[cell]; t < reachStart[cell + 1]; ++t) {
                        const int j = reachMinutiae[t];
                        const float dx = pm[j].x - x, dy = pm[j].y - y, d2 = dx * dx + dy * dy;
                        // Past both reaches (each shrinks as its pairing finds nearer ones).
                        if ((d2 > reach && d2 > reachWider) || std::abs(static_cast<int>(static_cast<std::int16_t>(pm[j].angle - a))) > kPairAngle) continue;
                        // The nearest; of equally near ones the last, as a scan in order would.
                        if (!used[j] && (d2 < reach || (d2 == reach && j > nearest))) reach = d2, nearest = j;
                        if (wider && !usedWider[j] && (d2 < reachWider || (d2 == reachWider && j > nearestWider))) reachWider = d2, nearestWider = j;
                    }
                    if (nearest >= 0) {
                        used[static_cast<std::size_t>(nearest)] = 1;
                        ++close;
                    }
                    if (nearestWider >= 0) {
                        usedWider[static_cast<std::size_t>(nearestWider)] = 1;
                        matched.emplace_back(static_cast<std::uint16_t>(i), static_cast<std::uint16_t>(nearestWider));
                    }
                }
                return close;
            };
            // The rotation of the votes comes from minutia directions, off by several degrees, which
            // at 100 px is more than kPairRadius: the pairs found within twice that give the
            // least-squares rigid alignment, and the entry counts the better of the two.
            int count = pairUp(angle, tx, ty, true);
            if (matched.size() >= 2) {
                double ex = 0, ey = 0, px = 0, py = 0;
                for (auto [ei, pi] : matched) ex += em[ei].x, ey += em[ei].y, px += pm[pi].x, py += pm[pi].y;
                const double k = static_cast<double>(matched.size());
                ex /= k, ey /= k, px /= k, py /= k;
                double dot = 0, cross = 0;
                for (auto [ei, pi] : matched) {
                    const double ux = em[ei].x - ex, uy = em[ei].y - ey, vx = pm[pi].x - px, vy = pm[pi].y - py;
                    dot += ux * vx + uy * vy;
                    cross += ux * vy - uy * vx;
                }
                const double fit = std::atan2(cross, dot), fc = std::cos(fit), fs = std::sin(fit);
                count = std::max(count, pairUp(fit, px - (fc * ex - fs * ey), py - (fs * ex + fc * ey), false));
            }
            paired[q] = static_cast<std::uint16_t>(std::min(32767.0, 100.0 * count * count / static_cast<double>(n)));
        }
    };
    const unsigned w2 = workers(refine / 16);
    runOnThreads(w2, [&](unsigned t) { pair(refine * t / w2, refine * (t + 1) / w2); });
    for (std::size_t q = 0; q < refine; ++q) scores[order[q]] = static_cast<std::uint16_t>(32768u + paired[q]);
    return scores;
}

std::vector<int> Identifier::exactScores(const PreparedTemplate& probe, const std::vector<std::uint32_t>& which) const {
    std::vector<int> scores(which.size(), 0);
    const unsigned w = workers(which.size());
    runOnThreads(w, [&](unsigned t) {
        for (std::size_t k = t; k < which.size(); k += w) scores[k] = compareSymmetric(probe, PreparedTemplate(entry(which[k])));
    });
    return scores;
}

std::vector<Identifier::Candidate> Identifier::best(const std::vector<std::uint32_t>& which, const std::vector<int>& scores, int threshold,
                                                    std::size_t maxCandidates) const {
    std::vector<std::size_t> order;
    for (std::size_t k = 0; k < which.size(); ++k)
        if (scores[k] >= threshold) order.push_back(k);
    // Best first; equal scores in the order the entries were added, so both stages agree on ties.
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return scores[a] != scores[b] ? scores[a] > scores[b] : which[a] < which[b];
    });
    // A key holds one entry per view (an enrollment's presses): it is a candidate once, with its best view.
    std::vector<Candidate> out;
    for (std::size_t k : order) {
        if (out.size() == maxCandidates) break;
        const std::string& key = keys_[which[k]];
        if (std::none_of(out.begin(), out.end(), [&](const Candidate& c) { return c.key == key; })) out.push_back({key, scores[k]});
    }
    return out;
}

std::vector<Identifier::Candidate> Identifier::identifyExhaustive(const Template& probe, int threshold, std::size_t maxCandidates) const {
    std::vector<std::uint32_t> all(size());
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = static_cast<std::uint32_t>(i);
    return best(all, exactScores(PreparedTemplate(probe), all), threshold, maxCandidates);
}

std::vector<Identifier::Candidate> Identifier::identify(const Template& probe, int threshold, std::size_t maxCandidates,
                                                        std::size_t* exactComparisons) const {
    if (size() <= shortlist_) {
        if (exactComparisons) *exactComparisons = size();
        return identifyExhaustive(probe, threshold, maxCandidates);
    }
    const std::vector<std::uint16_t> first = firstStageScores(probe);
    // The best entries of the first stage, as deep as a search may go: at a threshold within the
    // first stage's reach, only as deep as mates scoring that much were found.
    const bool withinReach = threshold >= kFirstStageReachesFrom;
    std::vector<std::uint32_t> which = bestEntries(first, std::max(shortlist_, withinReach ? kReachDepth : kDeepShortlist));
    // The shortlist ahead of the rest (each part in no order: the final sort decides).
    const std::size_t shortlist = std::min(shortlist_, which.size());
    std::nth_element(which.begin(), which.begin() + static_cast<std::ptrdiff_t>(shortlist), which.end(), byScore(first));
    const PreparedTemplate prepared(probe);
    std::vector<std::uint32_t> compared(which.begin(), which.begin() + static_cast<std::ptrdiff_t>(shortlist));
    std::vector<int> scores = exactScores(prepared, compared);
    auto bestScore = [&] { return scores.empty() ? 0 : *std::max_element(scores.begin(), scores.end()); };
    auto compareToo = [&](const std::vector<std::uint32_t>& more) {
        const std::vector<int> moreScores = exactScores(prepared, more);
        compared.insert(compared.end(), more.begin(), more.end());
        scores.insert(scores.end(), moreScores.begin(), moreScores.end());
    };
    // No candidate yet is an answer: deeper while none is convincing or none reaches the threshold.
    if (bestScore() < std::max(thorough_ ? kThoroughDeepenBelow : kDeepenBelow, threshold) && which.size() > shortlist)
        compareToo(std::vector<std::uint32_t>(which.begin() + static_cast<std::ptrdiff_t>(shortlist), which.end()));
    // Beyond the first stage's reach lie no mates scoring kFirstStageReachesFrom (only chance impostors).
    if (thorough_ && !withinReach && bestScore() < std::max(kSearchAllBelow, threshold) && compared.size() < size()) {
        std::vector<bool> done(size(), false);
        for (std::uint32_t e : compared) done[e] = true;
        std::vector<std::uint32_t> rest;
        for (std::uint32_t e = 0; e < size(); ++e)
            if (!done[e]) rest.push_back(e);
        compareToo(rest);
    }
    if (exactComparisons) *exactComparisons = compared.size();
    return best(compared, scores, threshold, maxCandidates);
}

} // namespace fpb::tmpl
