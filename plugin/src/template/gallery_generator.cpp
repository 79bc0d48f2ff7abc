// SPDX-License-Identifier: GPL-2.0-or-later
// Made-up galleries for identification benchmarks (see generateGallery in fingerprint_template.h).
#include <algorithm>
#include <cmath>
#include <random>

#include "template/fingerprint_template.h"

namespace fpb::tmpl {

namespace {

constexpr double kTwoPi = 6.28318530717958647692;

struct Frame {
    double cx, cy;  // centre of the minutiae
    int minY, maxY;
};

Frame frameOf(const Template& t) {
    Frame f{0, 0, 1 << 30, -(1 << 30)};
    for (const auto& m : t.minutiae) {
        f.cx += m.x;
        f.cy += m.y;
        f.minY = std::min(f.minY, m.y);
        f.maxY = std::max(f.maxY, m.y);
    }
    if (!t.minutiae.empty()) {
        f.cx /= static_cast<double>(t.minutiae.size());
        f.cy /= static_cast<double>(t.minutiae.size());
    }
    return f;
}

} // namespace

std::vector<Template> generateGallery(const std::vector<Template>& bases, std::size_t count, std::uint64_t seed) {
    std::vector<Template> out;
    if (bases.empty()) return out;
    out.reserve(count);
    std::vector<Frame> frames;
    for (const auto& b : bases) frames.push_back(frameOf(b));
    for (std::size_t k = 0; k < count; ++k) {
        std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ULL + k);
        std::uniform_int_distribution<std::size_t> pick(0, bases.size() - 1);
        std::uniform_real_distribution<double> u(0, 1);
        std::normal_distribution<double> jitter(0, 1.5), ajitter(0, 0.06);
        const std::size_t upper = pick(rng), lower = pick(rng);
        // Where the two parts meet, as a fraction of the upper base's height.
        const double cut = 0.35 + 0.3 * u(rng);
        const double rot = (u(rng) - 0.5) * 0.6, c = std::cos(rot), s = std::sin(rot);
        const double shiftX = (u(rng) - 0.5) * 40, shiftY = (u(rng) - 0.5) * 40;
        const double drop = 0.05 + 0.2 * u(rng);
        Template t;
        t.width = bases[upper].width > 0 ? bases[upper].width : 388;
        t.height = bases[upper].height > 0 ? bases[upper].height : 374;
        t.quality = 60;
        const double cutY = frames[upper].minY + cut * (frames[upper].maxY - frames[upper].minY);
        // The lower part is placed so that its own cut line meets the upper one.
        const double lowerCutY = frames[lower].minY + cut * (frames[lower].maxY - frames[lower].minY);
        const double lowerDx = frames[upper].cx - frames[lower].cx, lowerDy = cutY - lowerCutY;
        auto place = [&](const Template& b, bool isUpper, double dx, double dy) {
            for (const auto& m : b.minutiae) {
                if (isUpper != (m.y + (isUpper ? 0 : dy) < cutY)) continue;
                if (u(rng) < drop) continue;
                // Mirror left to right about the frame centre, then rotate about it and shift.
                double x = t.width - 1 - (m.x + dx), y = m.y + dy;
                double a = kTwoPi / 2 - m.angle;
                double rx = x - t.width / 2.0, ry = y - t.height / 2.0;
                Minutia p = m;
                p.x = static_cast<int>(std::lround(t.width / 2.0 + rx * c - ry * s + shiftX + jitter(rng)));
                p.y = static_cast<int>(std::lround(t.height / 2.0 + rx * s + ry * c + shiftY + jitter(rng)));
                p.angle = std::fmod(a + rot + ajitter(rng) + 2 * kTwoPi, kTwoPi);
                if (p.x < 0 || p.y < 0 || p.x >= t.width || p.y >= t.height) continue;
                t.minutiae.push_back(p);
            }
        };
        place(bases[upper], true, 0, 0);
        place(bases[lower], false, lowerDx, lowerDy);
        // A few spurious minutiae near the others.
        const int spurious = static_cast<int>(u(rng) * 5);
        for (int i = 0; i < spurious && !t.minutiae.empty(); ++i) {
            Minutia m = t.minutiae[static_cast<std::size_t>(u(rng) * static_cast<double>(t.minutiae.size())) % t.minutiae.size()];
            m.x = std::clamp(m.x + static_cast<int>((u(rng) - 0.5) * 80), 0, t.width - 1);
            m.y = std::clamp(m.y + static_cast<int>((u(rng) - 0.5) * 80), 0, t.height - 1);
            m.angle = u(rng) * kTwoPi;
            m.quality = 20;
            t.minutiae.push_back(m);
        }
        out.push_back(std::move(t));
    }
    return out;
}

} // namespace fpb::tmpl
