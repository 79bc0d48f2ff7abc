// SPDX-License-Identifier: GPL-2.0-or-later
#include <gtest/gtest.h>

#include <cstring>

#include "reader/reader_protocol.h"

using namespace fpb::reader;

namespace {

Frame sample(std::uint16_t seq, std::size_t payload) {
    Frame f;
    f.code = 0x81;
    f.sequence = seq;
    for (std::size_t i = 0; i < payload; ++i) f.payload.push_back(static_cast<std::uint8_t>(i * 3));
    return f;
}

TEST(ReaderProtocol, Crc32MatchesTheStandardCheckValue) {
    const char* text = "123456789";
    EXPECT_EQ(crc32(reinterpret_cast<const std::uint8_t*>(text), 9), 0xCBF43926u);
}

TEST(ReaderProtocol, FramesRoundTripAcrossArbitrarySplits) {
    std::vector<std::uint8_t> stream;
    for (std::uint16_t s = 1; s <= 3; ++s) {
        auto bytes = encodeFrame(sample(s, s * 100));
        stream.insert(stream.end(), bytes.begin(), bytes.end());
    }
    for (std::size_t split : {1u, 7u, 13u, 512u}) {
        FrameDecoder decoder;
        std::vector<Frame> frames;
        for (std::size_t i = 0; i < stream.size(); i += split) {
            decoder.feed(stream.data() + i, std::min(split, stream.size() - i));
            while (auto f = decoder.next()) frames.push_back(*f);
        }
        ASSERT_EQ(frames.size(), 3u) << split;
        EXPECT_EQ(frames[2].sequence, 3);
        EXPECT_EQ(frames[2].payload, sample(3, 300).payload);
        EXPECT_EQ(decoder.discardedBytes(), 0u);
    }
}

TEST(ReaderProtocol, DecoderResynchronisesAfterGarbageAndCorruptFrames) {
    auto good = encodeFrame(sample(7, 20));
    auto bad = encodeFrame(sample(6, 20));
    bad[15] ^= 0xFF;  // payload damaged: CRC fails
    std::vector<std::uint8_t> stream = {0x00, 0x46, 0x99, 0x46, 0x42};
    stream.insert(stream.end(), bad.begin(), bad.end());
    stream.insert(stream.end(), good.begin(), good.end());
    FrameDecoder decoder;
    decoder.feed(stream.data(), stream.size());
    auto frame = decoder.next();
    ASSERT_TRUE(frame);
    EXPECT_EQ(frame->sequence, 7);
    EXPECT_GT(decoder.discardedBytes(), 0u);
    EXPECT_FALSE(decoder.next());
}

TEST(ReaderProtocol, OversizedLengthIsSkippedNotAllocated) {
    auto frame = encodeFrame(sample(1, 4));
    writeU32(&frame[8], 0xFFFFFFF0u);
    FrameDecoder decoder;
    decoder.feed(frame.data(), frame.size());
    EXPECT_FALSE(decoder.next());
    EXPECT_EQ(decoder.lastProblem(), "frame length over the protocol limit");
}

TEST(ReaderProtocol, IdentityIsValidated) {
    std::vector<std::uint8_t> info(80, 0);
    std::memcpy(info.data(), "Model", 5);
    writeU16(&info[68], 388);
    writeU16(&info[70], 374);
    writeU16(&info[72], 500);
    writeU16(&info[74], 8);
    info[64] = 1;
    info[65] = 2;
    info[66] = 3;
    auto id = decodeIdentity(info);
    EXPECT_EQ(id.model, "Model");
    EXPECT_EQ(id.firmware(), "1.2.3");
    writeU16(&info[68], 0);
    EXPECT_THROW(decodeIdentity(info), std::runtime_error);
    EXPECT_THROW(decodeIdentity(std::vector<std::uint8_t>(10)), std::runtime_error);
}

TEST(ReaderProtocol, VersionsCompareNumerically) {
    EXPECT_LT(compareVersions("1.2.0", "1.10.0"), 0);
    EXPECT_EQ(compareVersions("1.2", "1.2.0"), 0);
    EXPECT_GT(compareVersions("2.0.0", "1.99.99"), 0);
}

} // namespace
