// SPDX-License-Identifier: GPL-2.0-or-later
#include <gtest/gtest.h>

#include <sys/resource.h>

#include <filesystem>
#include <fstream>

#include "image/image_files.h"

namespace fs = std::filesystem;

namespace {

fpb::GreyImage sample() {
    fpb::GreyImage image(37, 23, 569);
    for (std::size_t i = 0; i < image.pixels.size(); ++i) image.pixels[i] = static_cast<std::uint8_t>(i * 7);
    return image;
}

std::string expectError(const std::vector<std::uint8_t>& bytes) {
    try {
        fpb::decodeImage(bytes.data(), bytes.size(), 500, "test.img");
    } catch (const fpb::ImageError& e) {
        return e.what();
    }
    ADD_FAILURE() << "accepted";
    return "";
}

TEST(ImageFiles, PngAndPgmRoundTripWithResolution) {
    fs::path dir = fs::temp_directory_path() / ("fpb-img-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    fpb::savePng(sample(), (dir / "a.png").string());
    auto png = fpb::loadImage((dir / "a.png").string());
    EXPECT_EQ(png.pixels, sample().pixels);
    EXPECT_EQ(png.dpi, 569);
    fpb::savePgm(sample(), (dir / "a.pgm").string());
    auto pgm = fpb::loadImage((dir / "a.pgm").string(), 500);
    EXPECT_EQ(pgm.pixels, sample().pixels);
    EXPECT_EQ(pgm.width, 37);
    fs::remove_all(dir);
}

TEST(ImageFiles, GarbageGetsAClearErrorNeverACrash) {
    EXPECT_NE(expectError({}).find("empty"), std::string::npos);
    EXPECT_NE(expectError({'h', 'e', 'l', 'l', 'o'}).find("not a PGM, PNG or TIFF"), std::string::npos);
    EXPECT_NE(expectError({'P', '5', ' ', '1', '0'}).find("truncated"), std::string::npos);
    std::string pgm = "P5\n10 10\n255\n" + std::string(50, 'x');
    EXPECT_NE(expectError(std::vector<std::uint8_t>(pgm.begin(), pgm.end())).find("truncated (50 of 100 bytes)"), std::string::npos);
    std::string huge = "P5\n99999 2\n255\n";
    EXPECT_NE(expectError(std::vector<std::uint8_t>(huge.begin(), huge.end())).find("limit"), std::string::npos);
    auto png = fpb::encodePng(sample());
    png.resize(png.size() / 2);
    EXPECT_NE(expectError(png).find("PNG"), std::string::npos);
    std::vector<std::uint8_t> tiff = {'I', 'I', '*', 0, 8, 0, 0, 0, 0xff, 0xff};
    EXPECT_NE(expectError(tiff).find("TIFF"), std::string::npos);
    EXPECT_THROW(fpb::loadImage("/nonexistent/finger.png"), fpb::ImageError);
}

// A 134-byte TIFF (found by the fuzzer, a mutation of its generated 4x2 seed) whose header makes
// libtiff ask for 1.8 GB for one strip: refused with a clear error, and the process never grows
// anywhere near that.
TEST(ImageFiles, DamagedTiffCannotMakeTheDecoderAllocateGigabytes) {
    const std::vector<std::uint8_t> bytes = {
        0x49, 0x49, 0x2a, 0x00, 0x08, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x01, 0x03, 0x00, 0x01, 0x00,
        0x00, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x01, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x0a,
        0x00, 0x00, 0x02, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x03, 0x01,
        0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0xb9, 0x00, 0x00, 0x00, 0x06, 0x01, 0x03, 0x00, 0x01, 0x00,
        0x00, 0x00, 0x01, 0x00, 0x00, 0x08, 0x11, 0x01, 0x04, 0x00, 0x01, 0x00, 0x00, 0x00, 0x7a, 0x00,
        0x00, 0x00, 0x15, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x41, 0x00, 0x00, 0x16, 0x00,
        0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x17, 0x01, 0x04, 0x00, 0x01, 0x00, 0x00, 0x00, 0x08, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
        0x02, 0x03, 0x04, 0x05, 0x06, 0x07
    };
    const std::string error = expectError(bytes);
    EXPECT_NE(error.find("TIFF pixel data cannot be read"), std::string::npos) << error;
    EXPECT_NE(error.find("save the fingerprint again"), std::string::npos) << error;
    rusage usage{};
    ASSERT_EQ(getrusage(RUSAGE_SELF, &usage), 0);
    EXPECT_LT(usage.ru_maxrss, 512L * 1024) << "peak resident memory, KB";
}

TEST(ImageFiles, ReadsTheRealFvcTiffs) {
    fs::path file = fs::path(FPB_SHARED_DIR) / "fingerprints" / "FVC2002_DB2_B" / "101_1.tif";
    if (!fs::exists(file)) GTEST_SKIP() << "../shared/fingerprints is not present";
    auto image = fpb::loadImage(file.string(), 569);
    EXPECT_EQ(image.width, 296);
    EXPECT_EQ(image.height, 560);
    EXPECT_EQ(image.dpi, 569);
}

} // namespace
