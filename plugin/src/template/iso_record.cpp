// SPDX-License-Identifier: GPL-2.0-or-later
// ISO/IEC 19794-2:2005 finger minutiae records (big-endian) and ANSI INCITS 378-2004 conversion.
#include <algorithm>
#include <array>
#include <cmath>
#include <string>

#include "template/fingerprint_template.h"

namespace fpb::tmpl {

namespace {

constexpr double kPi = 3.14159265358979323846;

void put16(std::vector<std::uint8_t>& v, std::uint32_t x) {
    v.push_back(static_cast<std::uint8_t>(x >> 8));
    v.push_back(static_cast<std::uint8_t>(x));
}
void put32(std::vector<std::uint8_t>& v, std::uint32_t x) {
    put16(v, x >> 16);
    put16(v, x & 0xFFFF);
}
std::uint32_t get16(const std::uint8_t* p) { return static_cast<std::uint32_t>(p[0] << 8 | p[1]); }
std::uint32_t get32(const std::uint8_t* p) { return get16(p) << 16 | get16(p + 2); }

[[noreturn]] void reject(const std::string& why) { throw TemplateError("invalid ISO/IEC 19794-2 record: " + why); }

int pixelsPerCm(int dpi) { return static_cast<int>(std::lround(dpi / 2.54)); }

} // namespace

std::vector<std::uint8_t> writeIsoRecord(const Template& view) { return writeIsoRecord(std::vector<Template>{view}); }

std::vector<std::uint8_t> writeIsoRecord(const std::vector<Template>& views) {
    if (views.empty() || views.size() > 255) throw TemplateError("a record holds 1 to 255 finger views");
    std::vector<std::uint8_t> out = {'F', 'M', 'R', 0, ' ', '2', '0', 0};
    put32(out, 0);  // length, filled in below
    put16(out, 0);  // compliance 0, capture equipment 0
    put16(out, static_cast<std::uint32_t>(views[0].width));
    put16(out, static_cast<std::uint32_t>(views[0].height));
    put16(out, static_cast<std::uint32_t>(pixelsPerCm(views[0].resolutionDpi)));
    put16(out, static_cast<std::uint32_t>(pixelsPerCm(views[0].resolutionDpi)));
    out.push_back(static_cast<std::uint8_t>(views.size()));
    out.push_back(0);
    std::array<int, 11> viewsOfFinger{};  // views are numbered per finger position, from 0
    for (const auto& v : views) {
        if (v.minutiae.size() > 255) throw TemplateError("a finger view holds at most 255 minutiae");
        const int position = std::clamp(v.fingerPosition, 0, 10);
        if (viewsOfFinger[static_cast<std::size_t>(position)] > 15) throw TemplateError("a record holds at most 16 views of one finger");
        out.push_back(static_cast<std::uint8_t>(position));
        out.push_back(static_cast<std::uint8_t>(viewsOfFinger[static_cast<std::size_t>(position)]++ << 4));  // live-scan plain
        out.push_back(static_cast<std::uint8_t>(std::clamp(v.quality, 0, 100)));
        out.push_back(static_cast<std::uint8_t>(v.minutiae.size()));
        for (const auto& m : v.minutiae) {
            std::uint32_t type = m.type == MinutiaType::Ending ? 1 : m.type == MinutiaType::Bifurcation ? 2 : 0;
            put16(out, type << 14 | (static_cast<std::uint32_t>(std::clamp(m.x, 0, 0x3FFF))));
            put16(out, static_cast<std::uint32_t>(std::clamp(m.y, 0, 0x3FFF)));
            out.push_back(static_cast<std::uint8_t>(static_cast<int>(std::lround(m.angle / (2 * kPi) * 256)) & 0xFF));
            out.push_back(static_cast<std::uint8_t>(std::clamp(m.quality, 0, 100)));
        }
        put16(out, 0);  // no extended data
    }
    std::uint32_t length = static_cast<std::uint32_t>(out.size());
    out[8] = static_cast<std::uint8_t>(length >> 24);
    out[9] = static_cast<std::uint8_t>(length >> 16);
    out[10] = static_cast<std::uint8_t>(length >> 8);
    out[11] = static_cast<std::uint8_t>(length);
    return out;
}

std::vector<Template> parseIsoRecord(const std::vector<std::uint8_t>& record) { return parseIsoRecord(record.data(), record.size()); }

std::vector<Template> parseIsoRecord(const std::uint8_t* p, std::size_t size) {
    if (p == nullptr || size < 24) reject("shorter than its 24-byte header (" + std::to_string(size) + " bytes)");
    if (p[0] != 'F' || p[1] != 'M' || p[2] != 'R' || p[3] != 0) reject("it does not start with \"FMR\"");
    if (p[4] != ' ' || p[5] != '2' || p[6] != '0' || p[7] != 0)
        reject("version is not \" 20\" (2005); the 2011 edition and ANSI records need conversion first");
    std::uint32_t length = get32(p + 8);
    if (length != size)
        reject("the header says " + std::to_string(length) + " bytes but the record has " + std::to_string(size));
    int width = static_cast<int>(get16(p + 14)), height = static_cast<int>(get16(p + 16));
    int resX = static_cast<int>(get16(p + 18)), resY = static_cast<int>(get16(p + 20));
    if (width == 0 || height == 0) reject("image size is zero");
    if (resX == 0 || resY == 0) reject("resolution is zero");
    // Fingerprint sensors work between about 250 and 1000 dpi; far outside that, normalising to
    // 500 dpi would blow coordinates up (or squash them) beyond any finger.
    for (int res : {resX, resY})
        if (res < 39 || res > 788)
            reject("resolution " + std::to_string(res) + " pixels/cm is outside what fingerprint sensors use (100-2000 dpi)");
    int views = p[22];
    if (views == 0) reject("it holds no finger view");
    std::size_t pos = 24;
    std::vector<Template> out;
    for (int v = 0; v < views; ++v) {
        if (size - pos < 4) reject("truncated in the header of finger view " + std::to_string(v + 1));
        Template t;
        t.width = width;
        t.height = height;
        t.resolutionDpi = static_cast<int>(std::lround(resX * 2.54));
        t.fingerPosition = p[pos];
        if (t.fingerPosition > 10) reject("finger position " + std::to_string(t.fingerPosition) + " is out of range (0-10)");
        t.quality = p[pos + 2];
        if (t.quality > 100) reject("finger quality " + std::to_string(t.quality) + " is over 100");
        int count = p[pos + 3];
        pos += 4;
        if (size - pos < static_cast<std::size_t>(count) * 6 + 2)
            reject("truncated in the minutiae of finger view " + std::to_string(v + 1));
        for (int i = 0; i < count; ++i, pos += 6) {
            Minutia m;
            std::uint32_t a = get16(p + pos), b = get16(p + pos + 2);
            std::uint32_t type = a >> 14;
            if (type == 3) reject("minutia " + std::to_string(i + 1) + " has the reserved type 11");
            m.type = type == 1 ? MinutiaType::Ending : type == 2 ? MinutiaType::Bifurcation : MinutiaType::Other;
            m.x = static_cast<int>(a & 0x3FFF);
            m.y = static_cast<int>(b & 0x3FFF);
            if (m.x >= width || m.y >= height)
                reject("minutia " + std::to_string(i + 1) + " at (" + std::to_string(m.x) + "," + std::to_string(m.y) +
                       ") lies outside the " + std::to_string(width) + "x" + std::to_string(height) + " image");
            m.angle = p[pos + 4] * 2 * kPi / 256;
            m.quality = p[pos + 5];
            if (m.quality > 100) reject("minutia " + std::to_string(i + 1) + " quality is over 100");
            t.minutiae.push_back(m);
        }
        std::uint32_t extended = get16(p + pos);
        pos += 2;
        if (size - pos < extended) reject("extended data of finger view " + std::to_string(v + 1) + " is truncated");
        pos += extended;
        // Normalise coordinates to 500 dpi for comparison.
        if (std::abs(t.resolutionDpi - 500) > 10) {
            double f = 500.0 / t.resolutionDpi;
            for (auto& m : t.minutiae) {
                m.x = static_cast<int>(std::lround(m.x * f));
                m.y = static_cast<int>(std::lround(m.y * f));
            }
            t.width = static_cast<int>(std::lround(t.width * f));
            t.height = static_cast<int>(std::lround(t.height * f));
            t.resolutionDpi = 500;
        }
        out.push_back(std::move(t));
    }
    if (pos != size) reject(std::to_string(size - pos) + " unexpected bytes after the last finger view");
    return out;
}

bool looksLikeAnsi(const std::uint8_t* p, std::size_t size) {
    if (size < 12 || p[0] != 'F' || p[1] != 'M' || p[2] != 'R') return false;
    std::uint32_t at8 = get16(p + 8);
    if (at8 >= 26) return true;
    if (at8 >= 1) return false;
    return get16(p + 10) < 24;
}

std::vector<std::uint8_t> isoToAnsi(const std::vector<std::uint8_t>& iso) {
    auto views = parseIsoRecord(iso);
    std::vector<std::uint8_t> body;
    std::vector<std::uint8_t> out = {'F', 'M', 'R', 0, ' ', '2', '0', 0};
    std::vector<std::uint8_t> after;  // everything after the length field
    put32(after, 0);                  // CBEFF product id
    put16(after, 0);                  // equipment
    put16(after, get16(iso.data() + 14));
    put16(after, get16(iso.data() + 16));
    put16(after, get16(iso.data() + 18));
    put16(after, get16(iso.data() + 20));
    after.push_back(static_cast<std::uint8_t>(views.size()));
    after.push_back(0);
    std::size_t pos = 24;
    for (std::size_t v = 0; v < views.size(); ++v) {
        int count = iso[pos + 3];
        after.insert(after.end(), iso.begin() + static_cast<std::ptrdiff_t>(pos), iso.begin() + static_cast<std::ptrdiff_t>(pos + 4));
        pos += 4;
        for (int i = 0; i < count; ++i, pos += 6) {
            after.insert(after.end(), iso.begin() + static_cast<std::ptrdiff_t>(pos), iso.begin() + static_cast<std::ptrdiff_t>(pos + 4));
            int degrees = static_cast<int>(std::lround(iso[pos + 4] * 360.0 / 256));
            after.push_back(static_cast<std::uint8_t>(std::min(179, static_cast<int>(std::lround(degrees / 2.0)))));
            after.push_back(iso[pos + 5]);
        }
        std::uint32_t extended = get16(iso.data() + pos);
        after.insert(after.end(), iso.begin() + static_cast<std::ptrdiff_t>(pos),
                     iso.begin() + static_cast<std::ptrdiff_t>(pos + 2 + extended));
        pos += 2 + extended;
    }
    std::size_t total = 8 + 2 + after.size();
    if (total <= 0xFFFF) {
        put16(out, static_cast<std::uint32_t>(total));
    } else {
        total += 4;
        put16(out, 0);
        put32(out, static_cast<std::uint32_t>(total));
    }
    out.insert(out.end(), after.begin(), after.end());
    return out;
}

std::vector<std::uint8_t> ansiToIso(const std::vector<std::uint8_t>& ansi) {
    const std::uint8_t* p = ansi.data();
    std::size_t size = ansi.size();
    if (size < 26 || p[0] != 'F' || p[1] != 'M' || p[2] != 'R' || p[3] != 0)
        throw TemplateError("invalid ANSI INCITS 378 record: it does not start with \"FMR\"");
    std::size_t pos = 8;
    std::uint32_t length = get16(p + 8);
    pos = 10;
    if (length == 0) {
        if (size < 30) throw TemplateError("invalid ANSI INCITS 378 record: truncated header");
        length = get32(p + 10);
        pos = 14;
    }
    if (length != size) throw TemplateError("invalid ANSI INCITS 378 record: length field does not match the data");
    pos += 4 + 2;  // CBEFF product id, equipment
    if (size - pos < 10) throw TemplateError("invalid ANSI INCITS 378 record: truncated header");
    std::vector<std::uint8_t> out = {'F', 'M', 'R', 0, ' ', '2', '0', 0};
    put32(out, 0);
    put16(out, 0);
    out.insert(out.end(), p + pos, p + pos + 10);  // width, height, resolutions, views, reserved
    int views = p[pos + 8];
    pos += 10;
    for (int v = 0; v < views; ++v) {
        if (size - pos < 4) throw TemplateError("invalid ANSI INCITS 378 record: truncated finger view");
        int count = p[pos + 3];
        out.insert(out.end(), p + pos, p + pos + 4);
        pos += 4;
        if (size - pos < static_cast<std::size_t>(count) * 6 + 2) throw TemplateError("invalid ANSI INCITS 378 record: truncated minutiae");
        for (int i = 0; i < count; ++i, pos += 6) {
            out.insert(out.end(), p + pos, p + pos + 4);
            out.push_back(static_cast<std::uint8_t>(static_cast<int>(std::lround(p[pos + 4] * 2 * 256.0 / 360)) & 0xFF));
            out.push_back(p[pos + 5]);
        }
        std::uint32_t extended = get16(p + pos);
        if (size - pos < 2 + extended) throw TemplateError("invalid ANSI INCITS 378 record: truncated extended data");
        out.insert(out.end(), p + pos, p + pos + 2 + extended);
        pos += 2 + extended;
    }
    std::uint32_t total = static_cast<std::uint32_t>(out.size());
    for (int i = 0; i < 4; ++i) out[8 + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(total >> (24 - 8 * i));
    parseIsoRecord(out);  // the result must itself be valid
    return out;
}

} // namespace fpb::tmpl
