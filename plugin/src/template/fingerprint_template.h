// SPDX-License-Identifier: GPL-2.0-or-later
// Minutiae templates: extraction from images, ISO/IEC 19794-2:2005 and ANSI INCITS 378-2004
// records, comparison, enrollment merge and 1:N identification.
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
/// A template made ready for comparison once: each minutia's local structure (its nearest
/// neighbours, invariant to rotation and translation), an index of those neighbour edges by
/// length and bearing, and a grid of the minutiae by position. Comparing two prepared templates
/// allocates nothing (per-thread scratch space is reused). Immutable, so thread-safe to share.
class PreparedTemplate {
public:
    static constexpr int kNeighbours = 5;
    struct Point {
        double x, y, angle;
    };
    struct Neighbour {
        double distance, bearing, direction;
    };
    struct Local {
        Neighbour n[kNeighbours];
        int count;
    };

    PreparedTemplate() = default;
    explicit PreparedTemplate(const Template& t);
    std::size_t size() const { return points_.size(); }
    /// Heap bytes held (for memory accounting).
    std::size_t memoryBytes() const;

private:
    friend int compareTemplates(const PreparedTemplate& probe, const PreparedTemplate& candidate);
    std::vector<Point> points_;
    std::vector<Local> local_;
    // Neighbour edges bucketed by distance and bearing, with coarse copies of their features
    // (angles in 1/65536 turn) for a cheap first test.
    struct Edge {
        float distance;
        std::int16_t bearing, direction;
        std::uint32_t code;  ///< minutia << 3 | neighbour
    };
    std::vector<std::uint32_t> edgeStart_;
    std::vector<Edge> edges_;
    // Minutiae bucketed on a square grid over their bounding box.
    int minX_ = 0, minY_ = 0, maxX_ = -1, maxY_ = -1;
    int gridW_ = 0, gridH_ = 0;
    std::vector<std::uint32_t> cellStart_;
    std::vector<std::uint32_t> cellItems_;
};

/// Similarity 0..1000 (higher = more alike). Symmetric up to rounding. Thread-safe.
int compareTemplates(const Template& probe, const Template& candidate);
/// The same score from prepared templates, without rebuilding their local structures.
int compareTemplates(const PreparedTemplate& probe, const PreparedTemplate& candidate);
/// max(compare(a, b), compare(b, a)): the score every decision in the plugin uses.
int compareSymmetric(const PreparedTemplate& a, const PreparedTemplate& b);
int compareSymmetric(const Template& a, const Template& b);

/// Decision thresholds measured as false-match rates on impostor comparisons (BENCHMARKS.md).
constexpr int kThresholdFmr1e3 = 150;
constexpr int kThresholdFmr1e4 = 170;
/// Presses of one enrollment must agree at least this much (about FMR 1e-2: a different finger is caught).
constexpr int kThresholdSameFinger = 80;

/// Enrollment: every press must match every other; returns the index of the first press that does
/// not, or -1 when all agree.
int firstInconsistentPress(const std::vector<Template>& presses, int threshold = kThresholdSameFinger);
/// Merges the presses of one enrollment into one template (minutiae seen in more than one press win).
Template mergePresses(const std::vector<Template>& presses);

} // namespace fpb::tmpl

namespace fpb::tmpl {

/// 1:N search over enrolled templates, on every core. Keys are caller-chosen ("user/finger").
/// add/remove must not overlap identify; identify calls may overlap each other.
class Identifier {
public:
    struct Candidate {
        std::string key;
        int score = 0;
    };
    void add(const std::string& key, Template t);
    void clear();
    std::size_t size() const { return entries_.size(); }
    /// The best candidates scoring at least `threshold`, best first.
    std::vector<Candidate> identify(const Template& probe, int threshold, std::size_t maxCandidates = 5) const;

private:
    std::vector<std::pair<std::string, Template>> entries_;
};

} // namespace fpb::tmpl
