// SPDX-License-Identifier: GPL-2.0-or-later
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "template/fingerprint_template.h"

namespace fs = std::filesystem;
using namespace fpb::tmpl;

namespace {

Template sample(int n = 25) {
    Template t;
    t.width = 388;
    t.height = 374;
    t.fingerPosition = 2;
    t.quality = 77;
    for (int i = 0; i < n; ++i) {
        Minutia m;
        m.x = 10 + i * 13;
        m.y = 20 + i * 11;
        m.angle = i * 0.25;
        m.type = i % 2 ? MinutiaType::Bifurcation : MinutiaType::Ending;
        m.quality = 50 + i;
        t.minutiae.push_back(m);
    }
    return t;
}

std::string rejection(std::vector<std::uint8_t> bytes) {
    try {
        parseIsoRecord(bytes);
    } catch (const TemplateError& e) {
        return e.what();
    }
    ADD_FAILURE() << "accepted";
    return "";
}

TEST(IsoRecords, WriteAndParseRoundTripIncludingMultiView) {
    auto record = writeIsoRecord(sample());
    EXPECT_EQ(record.size(), 24u + 4 + 25 * 6 + 2);  // the notes' 180-byte example
    auto views = parseIsoRecord(record);
    ASSERT_EQ(views.size(), 1u);
    EXPECT_EQ(views[0].minutiae.size(), 25u);
    EXPECT_EQ(views[0].minutiae[3].x, sample().minutiae[3].x);
    EXPECT_EQ(views[0].minutiae[3].type, MinutiaType::Bifurcation);
    EXPECT_NEAR(views[0].minutiae[3].angle, sample().minutiae[3].angle, 2 * 3.1416 / 256);
    Template other = sample(10);
    other.fingerPosition = 7;
    auto multi = parseIsoRecord(writeIsoRecord(std::vector<Template>{sample(), other}));
    ASSERT_EQ(multi.size(), 2u);
    EXPECT_EQ(multi[1].fingerPosition, 7);
    EXPECT_EQ(multi[1].minutiae.size(), 10u);
}

// ISO/IEC 19794-2 numbers views per finger: an enrollment's three presses of finger 2 are views
// 0, 1 and 2 of it, and another finger starts again at 0.
TEST(IsoRecords, ViewsAreNumberedPerFinger) {
    Template index = sample(4), again = sample(5), thumb = sample(6), last = sample(7);
    thumb.fingerPosition = 1;
    auto record = writeIsoRecord(std::vector<Template>{index, again, thumb, last});
    std::vector<int> positions, numbers;
    std::size_t at = 24;  // the record header
    for (int v = 0; v < 4; ++v) {
        positions.push_back(record.at(at));
        numbers.push_back(record.at(at + 1) >> 4);
        at += 4 + 6 * record.at(at + 3) + 2;  // view header, minutiae, extended data length (0)
    }
    EXPECT_EQ(at, record.size());
    EXPECT_EQ(positions, (std::vector<int>{2, 2, 1, 2}));
    EXPECT_EQ(numbers, (std::vector<int>{0, 1, 0, 2}));
    ASSERT_EQ(parseIsoRecord(record).size(), 4u);
    std::vector<Template> tooMany(17, sample(3));
    EXPECT_THROW(writeIsoRecord(tooMany), TemplateError);
}

TEST(IsoRecords, MalformedRecordsAreRejectedWithTheReason) {
    auto good = writeIsoRecord(sample());
    auto badMagic = good;
    badMagic[0] = 'X';
    EXPECT_NE(rejection(badMagic).find("FMR"), std::string::npos);
    auto badVersion = good;
    badVersion[5] = '3';
    EXPECT_NE(rejection(badVersion).find("version"), std::string::npos);
    auto truncated = good;
    truncated.resize(100);
    EXPECT_NE(rejection(truncated).find("header says"), std::string::npos);
    auto lengthFixed = truncated;
    lengthFixed[11] = 100;
    lengthFixed[10] = 0;
    EXPECT_NE(rejection(lengthFixed).find("truncated"), std::string::npos);
    auto outside = good;
    outside[28] = 0x3F;  // first minutia x = 0x3Fxx, beyond 388
    EXPECT_NE(rejection(outside).find("outside"), std::string::npos);
    EXPECT_NE(rejection({}).find("shorter"), std::string::npos);
    auto noViews = good;
    noViews[22] = 0;
    EXPECT_NE(rejection(noViews).find("no finger view"), std::string::npos);
    // 1 pixel/cm would scale coordinates up 197 times on the way to 500 dpi (found by the fuzzer).
    auto tinyResolution = good;
    tinyResolution[18] = 0;
    tinyResolution[19] = 1;
    EXPECT_NE(rejection(tinyResolution).find("outside what fingerprint sensors use"), std::string::npos);
}

TEST(IsoRecords, AnsiConversionBothWays) {
    auto iso = writeIsoRecord(sample());
    auto ansi = isoToAnsi(iso);
    EXPECT_TRUE(looksLikeAnsi(ansi.data(), ansi.size()));
    EXPECT_FALSE(looksLikeAnsi(iso.data(), iso.size()));
    auto back = parseIsoRecord(ansiToIso(ansi));
    ASSERT_EQ(back[0].minutiae.size(), 25u);
    for (std::size_t i = 0; i < back[0].minutiae.size(); ++i)
        EXPECT_NEAR(back[0].minutiae[i].angle, sample().minutiae[i].angle, 2 * 2 * 3.1416 / 360 + 0.03);
}

TEST(IsoRecords, EveryCommercialSdkTemplateParses) {
    int parsed = 0;
    for (const char* set : {"FVC2002_DB1_B", "FVC2002_DB2_B"}) {
        fs::path dir = fs::path(FPB_SHARED_DIR) / "fingerprints" / set / "iso19794-2_secugen";
        if (!fs::is_directory(dir)) GTEST_SKIP() << "../shared/fingerprints is not present: no commercial templates to parse";
        for (const auto& e : fs::directory_iterator(dir)) {
            std::ifstream in(e.path(), std::ios::binary);
            std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
            EXPECT_NO_THROW(parseIsoRecord(bytes)) << e.path();
            ++parsed;
        }
    }
    EXPECT_EQ(parsed, 160);
}

} // namespace
