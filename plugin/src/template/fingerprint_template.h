// SPDX-License-Identifier: GPL-2.0-or-later
// Minutiae templates: extraction from images, ISO/IEC 19794-2:2005 and ANSI INCITS 378-2004
// records, comparison, the enrollment's views and 1:N identification.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "image/grey_image.h"

namespace fpb::tmpl {

enum class MinutiaType : std::uint8_t { Other = 0, Ending = 1, Bifurcation = 2 };

struct Minutia {
    int x = 0, y = 0;        ///< pixels at 500 dpi
    double angle = 0;        ///< radians, 0..2π, direction of the ridge leaving the minutia
    MinutiaType type = MinutiaType::Ending;
    int quality = 60;        ///< 0-100
};

/// One finger view: minutiae at 500 dpi in a width x height frame.
struct Template {
    int width = 0, height = 0;
    int resolutionDpi = 500;
    int fingerPosition = 0;  ///< ISO 1..10, 0 unknown
    int quality = 0;         ///< 0-100
    std::vector<Minutia> minutiae;
};

/// A malformed record or an unusable image; what() names what is wrong.
class TemplateError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Finds minutiae in an 8-bit grey image (any resolution; normalised to 500 dpi).
/// Throws TemplateError when the image holds too little fingerprint.
Template extractTemplate(const GreyImage& image);

// ---- records ------------------------------------------------------------------------------
std::vector<std::uint8_t> writeIsoRecord(const std::vector<Template>& views);
std::vector<std::uint8_t> writeIsoRecord(const Template& view);
/// Strict: rejects bad magic/version, length mismatch, out-of-range values, truncation.
std::vector<Template> parseIsoRecord(const std::uint8_t* data, std::size_t size);
std::vector<Template> parseIsoRecord(const std::vector<std::uint8_t>& record);
std::vector<std::uint8_t> isoToAnsi(const std::vector<std::uint8_t>& iso);
std::vector<std::uint8_t> ansiToIso(const std::vector<std::uint8_t>& ansi);
/// True when the bytes look like an ANSI INCITS 378 record rather than ISO (notes: offset 8).
bool looksLikeAnsi(const std::uint8_t* data, std::size_t size);

// ---- comparison -------------------------------------------------------------------------------
/// A template made ready for comparison once: a minutia cylinder code per minutia (the
/// neighbourhood within 70 px, in the minutia's own frame, as 8 x 8 cells x 6 direction
/// sections of bits, with a mask of the cells that lie inside the print), sorted by direction,
/// and the minutiae themselves for the global consolidation. Comparing two prepared
/// templates allocates nothing (per-thread scratch space is reused). Immutable, so thread-safe
/// to share.
class PreparedTemplate {
public:
    static constexpr int kSections = 6;
    struct Cylinder {
        std::uint64_t bits[kSections];  ///< one bit per cell, one word per direction section
        std::uint64_t valid;            ///< cells inside the print
        std::uint32_t minutia;
        std::int16_t angle;             ///< the minutia's direction in 1/65536 turn
        std::uint16_t validCount;
    };

    PreparedTemplate() = default;
    explicit PreparedTemplate(const Template& t);
    std::size_t size() const { return points_.size(); }
    /// Heap bytes held (for memory accounting).
    std::size_t memoryBytes() const;
    /// The cylinders, sorted by direction (tests compare the ways of building them).
    const std::vector<Cylinder>& cylinders() const { return cylinders_; }

private:
    friend int compareTemplates(const PreparedTemplate& probe, const PreparedTemplate& candidate);
    struct Point {
        float x, y;
        std::int16_t angle;  ///< 1/65536 turn
        std::uint8_t quality;
    };
    std::vector<Point> points_;
    std::vector<Cylinder> cylinders_;   ///< only the minutiae with enough neighbourhood
};

/// Similarity 0..1000 (higher = more alike). Symmetric up to ties. Thread-safe.
int compareTemplates(const Template& probe, const Template& candidate);
/// The same score from prepared templates, without rebuilding their local structures.
int compareTemplates(const PreparedTemplate& probe, const PreparedTemplate& candidate);
/// max(compare(a, b), compare(b, a)): the score every decision in the plugin uses.
int compareSymmetric(const PreparedTemplate& a, const PreparedTemplate& b);
int compareSymmetric(const Template& a, const Template& b);

namespace detail {
/// Whether comparison and identification may use the processor's 512-bit vectors (AVX-512 with
/// its popcount instruction, and BMI2; allowed by default, used where the processor has them).
/// Both ways give the same cylinders and scores; the tests compare them. Returns wideVectorsInUse(). Not to be changed
/// while searches run.
bool allowWideVectors(bool allow);
/// Whether they are allowed and the processor has them.
bool wideVectorsInUse();
} // namespace detail

/// Decision thresholds as false-match rates per comparison: the lowest scores of
/// measuredFalseMatchRates() at or below 1e-3 and 1e-4 (FVC2002's own 2,880 impostor pairs per
/// set cannot show 1e-4; the generated comparisons behind the table can).
constexpr int kThresholdFmr1e3 = 115;
constexpr int kThresholdFmr1e4 = 135;
/// A comparison between different fingers scores at least `score` with this probability (per
/// comparison; measured far below what FVC's own impostor pairs can show, see thresholdForSearch).
struct FalseMatchRate {
    int score;
    double fmr;
};
/// The measured rates, scores rising and rates falling.
const std::vector<FalseMatchRate>& measuredFalseMatchRates();
/// The threshold for a 1:N search over `entries` templates that expects at most
/// `falseMatchesPerSearch` chance matches: the lowest measured score whose per-comparison rate,
/// times the entries, stays within it (never below kThresholdFmr1e3). A fixed threshold does not
/// do: at FMR 1e-3, 1,000 entries would give most searches a chance match. Past the last
/// measured rate (5.4e-7 at 205: beyond about 18,000 entries at 1%) it returns the last measured
/// score, and the chance matches then grow with the gallery (entries x 5.4e-7).
int thresholdForSearch(std::size_t entries, double falseMatchesPerSearch);
/// The duplicate check before an enrollment is saved: at most one new finger in 100 is told it is
/// already enrolled when it is not (up to about 18,000 enrolled views, 6,000 fingers of three
/// presses; see thresholdForSearch).
constexpr double kDuplicateCheckFalseMatches = 0.01;
/// Presses of one enrollment must agree at least this much (FMR 0.4% and 0.5%: a different finger is caught).
constexpr int kThresholdSameFinger = 105;
/// Enrollment: every press must match every other; returns the index of the first press that does
/// not, or -1 when all agree.
int firstInconsistentPress(const std::vector<Template>& presses, int threshold = kThresholdSameFinger);
/// The views one enrollment stores (one ISO record, a view per press): every press, the one that
/// agrees best with the others first. A search holds each view as an entry, so a probe meets the
/// best of them.
std::vector<Template> enrollmentViews(const std::vector<Template>& presses);

} // namespace fpb::tmpl

namespace fpb::tmpl {

/// 1:N search over enrolled templates, on every core. Keys are caller-chosen ("user/finger").
/// add/remove must not overlap identify; identify calls may overlap each other.
///
/// Two stages. The first scores every entry from a compact index of its minutia pairs (length and
/// the two minutiae's directions relative to the line joining them, as a 15-bit code, plus the
/// index of the pair's first minutia): each code it shares with the probe votes for a rotation and
/// a translation, and the largest cluster of agreeing votes is the score. The best few thousand
/// are then aligned on their cluster's votes, realigned on the minutiae that nearly coincide, and
/// ranked ahead of the rest by how many of their minutiae land on the probe's. The best `shortlist`
/// entries then get the exact comparison, which alone decides the scores returned; when none of
/// them is convincing or reaches the caller's threshold, the search goes on down the first stage's
/// order to kDeepShortlist, and in a thorough search (the default) a best still below
/// kSearchAllBelow (or the threshold) has every entry compared, unless the threshold is at least
/// kFirstStageReachesFrom (then the search goes to kReachDepth and no further).
/// A gallery no larger than the shortlist is compared exhaustively.
class Identifier {
public:
    struct Candidate {
        std::string key;
        int score = 0;
    };
    static constexpr std::size_t kDefaultShortlist = 600;
    /// A best exact score below this, where the best of 100,000 impostors often lies, sends the
    /// search deeper: a fast search (3.8% of the benchmark's genuine probes; BENCHMARKS.md).
    static constexpr int kDeepenBelow = 140;
    /// The same for a thorough search: chance impostors of a 100,000 gallery reach 124 to 183.
    static constexpr int kThoroughDeepenBelow = 170;
    /// A thorough search whose best is still below this compares every entry, so that a weak
    /// mate or the best chance impostor is the exhaustive search's (4% of the benchmark's
    /// genuine probes, and most fingers that are not enrolled: those take as long as the
    /// exhaustive search).
    static constexpr int kSearchAllBelow = 150;
    /// How deep: the entries the first stage aligns and pairs (beyond them its order is votes only).
    static constexpr std::size_t kDeepShortlist = 8000;
    /// Every mate (another press of the same finger) scoring at least this in the benchmark was
    /// within the first stage's best 2,709 (1,120 genuine pairs of both FVC sets over 100,010
    /// entries; all but two within 600), while mates scoring 185 to 192 lay as far as 38,601
    /// (BENCHMARKS.md). So a search for candidates at or above a threshold this high goes no
    /// deeper than kReachDepth: a new finger's duplicate check at a large site is about as quick as
    /// a known one's. A chance impostor scoring this high can lie anywhere in the first stage's
    /// order; the exhaustive search would report it as a (false) match, this one then does not.
    static constexpr int kFirstStageReachesFrom = 205;
    /// How deep such a search goes: nearly twice the farthest mate seen.
    static constexpr std::size_t kReachDepth = 5000;

    void add(const std::string& key, Template t);
    void clear();
    /// Releases spare capacity after the last add (the gallery is then at its smallest).
    void shrinkToFit();
    std::size_t size() const { return keys_.size(); }
    /// The best candidates scoring at least `threshold`, best first (two stages); a key added with
    /// several views (an enrollment's presses) is one candidate, scored by its best view.
    /// `exactComparisons`, when given, receives how many entries had the exact comparison.
    std::vector<Candidate> identify(const Template& probe, int threshold, std::size_t maxCandidates = 5,
                                    std::size_t* exactComparisons = nullptr) const;
    /// The same search with the exact comparison against every entry (the reference for the
    /// first stage, and its fallback for small galleries).
    std::vector<Candidate> identifyExhaustive(const Template& probe, int threshold, std::size_t maxCandidates = 5) const;
    /// First-stage scores of every entry, in the order added.
    std::vector<std::uint16_t> firstStageScores(const Template& probe) const;

    void setShortlist(std::size_t entries) { shortlist_ = entries; }
    std::size_t shortlist() const { return shortlist_; }
    /// Thorough (the default: the duplicate check before enrollment, where missing a match costs
    /// most) or fast (a door, where an unknown finger must be turned away at once).
    void setThorough(bool thorough) { thorough_ = thorough; }
    bool thorough() const { return thorough_; }
    /// Worker threads (0: one per core).
    void setThreads(unsigned threads) { threads_ = threads; }
    /// Bytes held for the gallery (keys, packed minutiae, first-stage codes, offsets).
    std::size_t memoryBytes() const;
    /// The stored form of entry i (minutiae as they are compared).
    Template entry(std::size_t i) const;
    const std::string& key(std::size_t i) const { return keys_[i]; }

    /// A minutia as the gallery stores it (8 bytes).
    struct Packed {
        std::int16_t x, y;
        std::uint16_t angle;  ///< 1/65536 turn
        std::uint8_t type, quality;
    };

private:
    unsigned workers(std::size_t jobs) const;
    /// Exact scores of the entries `which` against the probe, on every core.
    std::vector<int> exactScores(const PreparedTemplate& probe, const std::vector<std::uint32_t>& which) const;
    /// The best of `which` by `scores` (ties to the entry added first).
    std::vector<Candidate> best(const std::vector<std::uint32_t>& which, const std::vector<int>& scores, int threshold,
                                std::size_t maxCandidates) const;

    std::vector<std::string> keys_;
    std::vector<Packed> minutiae_;
    std::vector<std::uint32_t> minutiaStart_{0};
    std::vector<std::uint16_t> codes_;
    std::vector<std::uint8_t> firsts_;  ///< per code: the index of the pair's first minutia in its entry
    std::vector<std::uint32_t> codeStart_{0};
    std::size_t shortlist_ = kDefaultShortlist;
    unsigned threads_ = 0;
    bool thorough_ = true;
};

/// Benchmark galleries: `count` made-up templates derived from `bases` (real or synthetic
/// templates). Each takes the upper part of one base and the lower part of another, both
/// mirrored left to right (so that no base finger, which may be a probe's, is reproduced),
/// rotated and shifted, with minutiae jittered, some dropped and a few spurious ones added.
/// Deterministic from `seed`.
std::vector<Template> generateGallery(const std::vector<Template>& bases, std::size_t count, std::uint64_t seed);

} // namespace fpb::tmpl
