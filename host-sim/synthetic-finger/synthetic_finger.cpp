// SPDX-License-Identifier: GPL-2.0-or-later
#include "synthetic_finger.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <random>

namespace fpb::synth {

namespace {

constexpr double kPi = 3.14159265358979323846;

struct Singularities {
    std::vector<std::complex<double>> cores, deltas;
};

double clamp01(double v) { return v < 0 ? 0 : (v > 1 ? 1 : v); }

// A smooth random field in [-1, 1]: a few low-frequency sinusoids.
struct SmoothField {
    double a[4], fx[4], fy[4], ph[4];
    SmoothField(std::mt19937_64& rng, double scale) {
        std::uniform_real_distribution<double> u(0, 1);
        for (int i = 0; i < 4; ++i) {
            a[i] = 0.25 + 0.25 * u(rng);
            fx[i] = (u(rng) - 0.5) * 2 * kPi / scale;
            fy[i] = (u(rng) - 0.5) * 2 * kPi / scale;
            ph[i] = u(rng) * 2 * kPi;
        }
    }
    double at(double x, double y) const {
        double v = 0;
        for (int i = 0; i < 4; ++i) v += a[i] * std::sin(fx[i] * x + fy[i] * y + ph[i]);
        return std::max(-1.0, std::min(1.0, v));
    }
};

// Oriented Gabor kernels, one per quantised orientation, for a ridge period.
struct GaborBank {
    static constexpr int kAngles = 24;
    int radius;
    std::vector<std::vector<float>> kernels;
    GaborBank(double period) {
        radius = static_cast<int>(std::ceil(period * 0.75));
        double sigma = period * 0.45;
        int size = 2 * radius + 1;
        for (int k = 0; k < kAngles; ++k) {
            double theta = kPi * k / kAngles;  // ridge direction
            double c = std::cos(theta), s = std::sin(theta);
            std::vector<float> kernel(static_cast<std::size_t>(size * size));
            double sum = 0;
            for (int dy = -radius; dy <= radius; ++dy)
                for (int dx = -radius; dx <= radius; ++dx) {
                    double across = -dx * s + dy * c;  // distance across the ridges
                    double along = dx * c + dy * s;
                    double g = std::exp(-(across * across + along * along) / (2 * sigma * sigma)) *
                               std::cos(2 * kPi * across / period);
                    kernel[static_cast<std::size_t>((dy + radius) * size + dx + radius)] = static_cast<float>(g);
                    sum += std::abs(g);
                }
            for (auto& v : kernel) v = static_cast<float>(v / sum * 2.2);
            kernels.push_back(std::move(kernel));
        }
    }
};

double orientationAt(const Singularities& s, double x, double y, double rotation) {
    std::complex<double> z(x, y);
    double theta = rotation;
    for (const auto& c : s.cores) theta += 0.5 * std::arg(z - c);
    for (const auto& d : s.deltas) theta -= 0.5 * std::arg(z - d);
    return theta;
}

} // namespace

const std::vector<PressMode>& allPressModes() {
    static const std::vector<PressMode> modes = {PressMode::Good,          PressMode::NotFlat,  PressMode::TipOnly,
                                                 PressMode::TooLow,        PressMode::OffCenter, PressMode::ForeignMatter,
                                                 PressMode::TooMoist,      PressMode::TooDry};
    return modes;
}

const char* pressModeName(PressMode mode) {
    switch (mode) {
        case PressMode::Good: return "good";
        case PressMode::NotFlat: return "not_flat";
        case PressMode::TipOnly: return "tip_only";
        case PressMode::TooLow: return "too_low";
        case PressMode::OffCenter: return "off_center";
        case PressMode::ForeignMatter: return "foreign_matter";
        case PressMode::TooMoist: return "too_moist";
        case PressMode::TooDry: return "too_dry";
    }
    return "good";
}

bool parsePressMode(const std::string& name, PressMode& mode) {
    for (PressMode m : allPressModes())
        if (name == pressModeName(m)) {
            mode = m;
            return true;
        }
    return false;
}

MasterFinger makeMasterFinger(std::uint64_t fingerSeed, int dpi) {
    std::mt19937_64 rng(fingerSeed * 0x9E3779B97F4A7C15ull + 17);
    std::uniform_real_distribution<double> u(0, 1);
    double scale = dpi / 500.0;
    int width = static_cast<int>(520 * scale), height = static_cast<int>(560 * scale);
    double cx = width / 2.0, cy = height / 2.0;

    // Class: arch, left loop, right loop, whorl (roughly as common as in real fingers).
    Singularities s;
    int kind = static_cast<int>(fingerSeed % 10);
    double jitter = 25 * scale;
    auto at = [&](double x, double y) {
        return std::complex<double>(cx + x * scale + (u(rng) - 0.5) * jitter, cy + y * scale + (u(rng) - 0.5) * jitter);
    };
    if (kind < 1) {  // arch: a core/delta pair far below the print bends ridges gently
        s.cores.push_back(at(0, 330));
        s.deltas.push_back(at(0, 480));
    } else if (kind < 4) {
        s.cores.push_back(at(-10, -30));
        s.deltas.push_back(at(95, 120));
    } else if (kind < 7) {
        s.cores.push_back(at(10, -30));
        s.deltas.push_back(at(-95, 120));
    } else {
        s.cores.push_back(at(-12, -45));
        s.cores.push_back(at(12, 5));
        s.deltas.push_back(at(-115, 125));
        s.deltas.push_back(at(115, 125));
    }
    double rotation = kPi / 2 + (u(rng) - 0.5) * 0.3;

    double period = (8.5 + u(rng) * 1.5) * scale;
    GaborBank bank(period);
    int size = 2 * bank.radius + 1;

    // Orientation index per pixel.
    std::vector<std::uint8_t> angle(static_cast<std::size_t>(width * height));
    for (int y = 0; y < height; ++y)
        for (int x = 0; x < width; ++x) {
            double t = orientationAt(s, x, y, rotation);
            t = std::fmod(t, kPi);
            if (t < 0) t += kPi;
            angle[static_cast<std::size_t>(y * width + x)] =
                static_cast<std::uint8_t>(static_cast<int>(std::lround(t / kPi * GaborBank::kAngles)) % GaborBank::kAngles);
        }

    // Grow ridges from sparse random seeds with the oriented filters.
    std::vector<float> field(static_cast<std::size_t>(width * height), 0.f), next(field.size());
    for (auto& v : field) v = u(rng) < 0.02 ? (u(rng) < 0.5 ? -1.f : 1.f) : 0.f;
    for (int iteration = 0; iteration < 7; ++iteration) {
        for (int y = 0; y < height; ++y)
            for (int x = 0; x < width; ++x) {
                const auto& k = bank.kernels[angle[static_cast<std::size_t>(y * width + x)]];
                float acc = 0;
                for (int dy = -bank.radius; dy <= bank.radius; ++dy) {
                    int yy = y + dy;
                    if (yy < 0 || yy >= height) continue;
                    const float* row = &field[static_cast<std::size_t>(yy * width)];
                    const float* krow = &k[static_cast<std::size_t>((dy + bank.radius) * size + bank.radius)];
                    for (int dx = -bank.radius; dx <= bank.radius; ++dx) {
                        int xx = x + dx;
                        if (xx < 0 || xx >= width) continue;
                        acc += row[xx] * krow[dx];
                    }
                }
                next[static_cast<std::size_t>(y * width + x)] = std::max(-1.f, std::min(1.f, acc * 1.6f));
            }
        field.swap(next);
    }

    MasterFinger master;
    master.seed = fingerSeed;
    master.ridges = GreyImage(width, height, dpi, 255);
    master.centreX = static_cast<int>(cx);
    master.centreY = static_cast<int>(cy);
    for (std::size_t i = 0; i < field.size(); ++i)
        master.ridges.pixels[i] = static_cast<std::uint8_t>(std::lround(127.5 - 127.5 * field[i]));
    return master;
}

namespace {

double sampleBilinear(const GreyImage& img, double x, double y, double outside) {
    if (x < 0 || y < 0 || x > img.width - 1.001 || y > img.height - 1.001) return outside;
    int x0 = static_cast<int>(x), y0 = static_cast<int>(y);
    double fx = x - x0, fy = y - y0;
    double a = img.at(x0, y0), b = img.at(x0 + 1, y0), c = img.at(x0, y0 + 1), d = img.at(x0 + 1, y0 + 1);
    return (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy;
}

} // namespace

GreyImage makeImpression(const MasterFinger& master, const ImpressionOptions& o) {
    std::mt19937_64 rng(master.seed * 1000003ull + o.impressionSeed * 7919ull + static_cast<std::uint64_t>(o.mode) * 104729ull);
    std::uniform_real_distribution<double> u(0, 1);
    std::normal_distribution<double> noise(0, 1);
    double scale = o.dpi / 500.0;
    int W = o.width, H = o.height;

    // Placement of the print centre on the sensor, rotation, contact ellipse.
    double px = W / 2.0 + (u(rng) - 0.5) * 24 * scale;
    double py = H / 2.0 + (u(rng) - 0.5) * 24 * scale;
    double rot = (u(rng) - 0.5) * 16 * kPi / 180;
    double ax = (150 + u(rng) * 25) * scale;   // contact half-width
    double ay = (195 + u(rng) * 30) * scale;   // contact half-height
    double side = u(rng) < 0.5 ? -1 : 1;
    switch (o.mode) {
        case PressMode::TooLow: py = H / 2.0 + (120 + u(rng) * 40) * scale; break;
        case PressMode::OffCenter: px = W / 2.0 + side * (125 + u(rng) * 40) * scale; break;
        case PressMode::TipOnly:
            // Only the tip: a small contact high on the sensor.
            py = H * (0.18 + u(rng) * 0.06);
            ax = (105 + u(rng) * 25) * scale;
            ay = (70 + u(rng) * 20) * scale;
            break;
        default: break;
    }
    // The tip of the finger is narrower: contact shrinks towards the top.
    SmoothField warpX(rng, 260 * scale), warpY(rng, 260 * scale), dryness(rng, 14 * scale);
    double warpAmount = (3 + u(rng) * 5) * scale;
    double pressure = 0.85 + u(rng) * 0.3;
    double tiltDirection = side;

    double ridgeLevel = 45 + u(rng) * 25, valleyLevel = 215 + u(rng) * 20, background = 238 + u(rng) * 12;
    double blur = 0;
    if (o.mode == PressMode::TooMoist) {
        ridgeLevel = 15 + u(rng) * 15;
        valleyLevel = 95 + u(rng) * 30;
        blur = 1;
    } else if (o.mode == PressMode::TooDry) {
        ridgeLevel = 150 + u(rng) * 25;
        valleyLevel = 218 + u(rng) * 15;
    }
    // Bandage: a blank band across the print (its middle third or so).
    double patchX0 = 0, patchX1 = 0, patchY0 = 0, patchY1 = 0, patchLevel = 0;
    if (o.mode == PressMode::ForeignMatter) {
        double pw = (110 + u(rng) * 70) * scale, ph = (90 + u(rng) * 60) * scale;
        double qx = px + (u(rng) - 0.5) * 80 * scale, qy = py + (u(rng) - 0.5) * 80 * scale;
        patchX0 = qx - pw / 2;
        patchX1 = qx + pw / 2;
        patchY0 = qy - ph / 2;
        patchY1 = qy + ph / 2;
        patchLevel = 150 + u(rng) * 60;
    }

    GreyImage out(W, H, o.dpi, 255);
    double c = std::cos(rot), s = std::sin(rot);
    for (int y = 0; y < H; ++y)
        for (int x = 0; x < W; ++x) {
            double dx = x - px, dy = y - py;
            // Contact: an ellipse, narrower at the tip, with a soft edge.
            double rx = dx * c + dy * s, ry = -dx * s + dy * c;
            double widthHere = ax * (ry < 0 ? std::sqrt(clamp01(1 - 0.35 * (-ry / ay))) : 1.0);
            double e = (rx * rx) / (widthHere * widthHere) + (ry * ry) / (ay * ay);
            double contact = clamp01((1.0 - e) * 6);
            if (o.mode == PressMode::NotFlat) {
                // Tilted: pressure fades across the finger; one side does not touch at all.
                double t = tiltDirection * rx / ax;  // -1 .. 1 across the finger
                contact *= clamp01((0.15 - t) * 2.2);
            }
            double value = background + noise(rng) * 3;
            if (contact > 0.01) {
                double mxp = master.centreX + rx / scale * scale + warpAmount * warpX.at(x, y);
                double myp = master.centreY + ry + warpAmount * warpY.at(x, y);
                double r = sampleBilinear(master.ridges, mxp, myp, 255) / 255.0;  // 0 ridge .. 1 valley
                if (blur > 0) {
                    double r2 = sampleBilinear(master.ridges, mxp + 1.5, myp, 255) / 255.0;
                    double r3 = sampleBilinear(master.ridges, mxp, myp + 1.5, 255) / 255.0;
                    r = std::min(r, std::min(r2, r3));  // ridges spread: valleys close up
                }
                // Pressure: harder pressing widens ridges (lowers the ridge/valley threshold).
                double threshold = 0.5 + (pressure - 1) * 0.35;
                double ridgeness = clamp01(0.5 + (threshold - r) * 3.2);
                if (o.mode == PressMode::TooDry) {
                    double broken = dryness.at(x * 3.1, y * 2.7);
                    if (broken > 0.15 || u(rng) < 0.25) ridgeness *= 0.25;  // broken, patchy ridges
                }
                double print = valleyLevel + (ridgeLevel - valleyLevel) * ridgeness + noise(rng) * 6;
                value = background + (print - background) * contact;
            }
            if (o.mode == PressMode::ForeignMatter && x >= patchX0 && x <= patchX1 && y >= patchY0 && y <= patchY1)
                value = patchLevel + noise(rng) * 2;
            out.at(x, y) = static_cast<std::uint8_t>(std::lround(std::max(0.0, std::min(255.0, value))));
        }
    return out;
}

GreyImage generatePress(std::uint64_t fingerSeed, int impression, PressMode mode, int width, int height, int dpi) {
    MasterFinger master = makeMasterFinger(fingerSeed, dpi);
    ImpressionOptions options;
    options.width = width;
    options.height = height;
    options.dpi = dpi;
    options.mode = mode;
    options.impressionSeed = static_cast<std::uint64_t>(impression);
    return makeImpression(master, options);
}

GreyImage applyModeToImage(const GreyImage& image, PressMode mode, std::uint64_t seed) {
    std::mt19937_64 rng(seed * 2654435761ull + static_cast<std::uint64_t>(mode));
    std::uniform_real_distribution<double> u(0, 1);
    int W = image.width, H = image.height;
    // The sensor's empty background: the median of the image's outer frame.
    std::vector<std::uint8_t> frame;
    for (int x = 0; x < W; ++x) frame.push_back(image.at(x, 0)), frame.push_back(image.at(x, H - 1));
    for (int y = 0; y < H; ++y) frame.push_back(image.at(0, y)), frame.push_back(image.at(W - 1, y));
    std::nth_element(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(frame.size() / 2), frame.end());
    double white = std::max<double>(frame[frame.size() / 2], 150);
    GreyImage out(W, H, image.dpi, static_cast<std::uint8_t>(white));
    auto shifted = [&](double sx, double sy) {
        for (int y = 0; y < H; ++y)
            for (int x = 0; x < W; ++x) {
                int fx = static_cast<int>(x - sx), fy = static_cast<int>(y - sy);
                if (fx >= 0 && fx < W && fy >= 0 && fy < H) out.at(x, y) = image.at(fx, fy);
            }
    };
    double side = u(rng) < 0.5 ? -1 : 1;
    switch (mode) {
        case PressMode::Good: return image;
        case PressMode::TooLow: shifted(0, H * (0.33 + u(rng) * 0.07)); break;
        case PressMode::OffCenter: shifted(side * W * (0.34 + u(rng) * 0.07), 0); break;
        case PressMode::TipOnly: {
            // Only the top of the print remains, and it sits high on the sensor.
            int keep = static_cast<int>(H * (0.30 + u(rng) * 0.06));
            for (int y = 0; y < keep; ++y)
                for (int x = 0; x < W; ++x) out.at(x, y) = image.at(x, y);
            for (int y = keep; y < std::min(H, keep + 10); ++y)
                for (int x = 0; x < W; ++x) {
                    double f = (y - keep) / 10.0;
                    out.at(x, y) = static_cast<std::uint8_t>(image.at(x, y) * (1 - f) + white * f);
                }
            break;
        }
        case PressMode::NotFlat: {
            // Tilted: one side of the finger (here of the sensor's width) fades out of contact.
            for (int y = 0; y < H; ++y)
                for (int x = 0; x < W; ++x) {
                    double t = side * (x - W / 2.0) / (W / 2.0);
                    double contact = clamp01((0.1 - t) * 2.0);
                    out.at(x, y) = static_cast<std::uint8_t>(white + (image.at(x, y) - white) * contact);
                }
            break;
        }
        case PressMode::ForeignMatter: {
            out = image;
            double pw = W * (0.32 + u(rng) * 0.12), ph = H * (0.26 + u(rng) * 0.1);
            double qx = W / 2.0 + (u(rng) - 0.5) * W * 0.15, qy = H / 2.0 + (u(rng) - 0.5) * H * 0.15;
            int level = static_cast<int>(white - 45 - u(rng) * 50);  // a plaster: clearly darker than the sensor's background
            std::normal_distribution<double> n(0, 2);
            for (int y = static_cast<int>(qy - ph / 2); y < qy + ph / 2; ++y)
                for (int x = static_cast<int>(qx - pw / 2); x < qx + pw / 2; ++x)
                    if (x >= 0 && y >= 0 && x < W && y < H)
                        out.at(x, y) = static_cast<std::uint8_t>(std::max(0.0, std::min(255.0, level + n(rng))));
            break;
        }
        case PressMode::TooMoist: {
            // Ridges spread and merge: within the print (textured blocks) valleys fill in with the
            // darkness of the neighbouring ridges.
            constexpr int b = 16;
            for (int y = 0; y < H; ++y)
                for (int x = 0; x < W; ++x) {
                    int bx0 = (x / b) * b, by0 = (y / b) * b;
                    double sum = 0, sum2 = 0, n = 0;
                    for (int yy = by0; yy < std::min(H, by0 + b); yy += 2)
                        for (int xx = bx0; xx < std::min(W, bx0 + b); xx += 2) {
                            double v = image.at(xx, yy);
                            sum += v;
                            sum2 += v * v;
                            ++n;
                        }
                    double mean = sum / n, sd = std::sqrt(std::max(0.0, sum2 / n - mean * mean));
                    int m = 255;
                    for (int dy = -3; dy <= 3; ++dy)
                        for (int dx = -3; dx <= 3; ++dx) {
                            int xx = std::clamp(x + dx, 0, W - 1), yy = std::clamp(y + dy, 0, H - 1);
                            m = std::min<int>(m, image.at(xx, yy));
                        }
                    double v = image.at(x, y);
                    bool print = sd > 10 && mean < white - 8;
                    out.at(x, y) = static_cast<std::uint8_t>(print ? m * 0.35 + (v - m) * 0.15 : (v + m) / 2.0);
                }
            break;
        }
        case PressMode::TooDry: {
            SmoothField blotches(rng, 14);
            std::normal_distribution<double> n(0, 4);
            for (int y = 0; y < H; ++y)
                for (int x = 0; x < W; ++x) {
                    double v = image.at(x, y);
                    double faint = white - (white - v) * 0.28;
                    if (blotches.at(x * 3.1, y * 2.7) > 0.15 || u(rng) < 0.25) faint = white - (white - v) * 0.07;
                    out.at(x, y) = static_cast<std::uint8_t>(std::max(0.0, std::min(255.0, faint + n(rng))));
                }
            break;
        }
    }
    return out;
}

} // namespace fpb::synth
