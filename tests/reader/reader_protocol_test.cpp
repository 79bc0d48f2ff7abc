// SPDX-License-Identifier: GPL-2.0-or-later
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include <zlib.h>

#include "capture_answer.h"
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

TEST(ReaderProtocol, Crc32AgreesWithZlibAtEveryLengthAndAlignment) {
    std::vector<std::uint8_t> bytes(5000);
    for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>((i * 2654435761u) >> 13);
    for (std::size_t start = 0; start < 16; ++start)
        for (std::size_t size = 0; size + start <= bytes.size(); size += size < 300 ? 1 : 97)
            ASSERT_EQ(crc32(bytes.data() + start, size), ::crc32(0, bytes.data() + start, static_cast<uInt>(size)))
                << start << " " << size;
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

TEST(ReaderProtocol, CrcOfAPartComesOutOfTheWholesAndTheOthers) {
    std::vector<std::uint8_t> bytes(70000);
    for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(i * 131 + (i >> 9));
    for (std::size_t split : {0u, 1u, 16u, 4096u, 69999u}) {
        std::uint32_t head = crc32(bytes.data(), split);
        std::uint32_t tail = crc32(bytes.data() + split, bytes.size() - split);
        std::uint32_t whole = crc32(bytes.data(), bytes.size());
        EXPECT_EQ(crc32Combine(head, tail, bytes.size() - split), whole) << split;
        EXPECT_EQ(crc32OfTail(whole, head, bytes.size() - split), tail) << split;
        EXPECT_EQ(crc32(bytes.data() + split, bytes.size() - split, head), whole) << split;  // continued
    }
}

/// A CAPTURE answer through the decoder, as the driver gets it (each frame's checked CRC filled in).
std::vector<Frame> captureAnswer(const std::vector<std::uint8_t>& pixels, int width, int height,
                                 std::uint32_t imageCrc) {
    auto stream = test_support::encodeCaptureAnswer(pixels, width, height, 9, imageCrc);
    FrameDecoder decoder;
    decoder.feed(stream.data(), stream.size());
    std::vector<Frame> decoded;
    while (auto f = decoder.next()) decoded.push_back(*f);
    return decoded;
}

TEST(ReaderProtocol, ImageAssemblerChecksGeometryOrderAndTheImageCrc) {
    const int width = 420, height = 400;  // two full chunks and part of a third
    std::vector<std::uint8_t> pixels(static_cast<std::size_t>(width) * height);
    for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<std::uint8_t>(i * 7 + i / 301);
    const std::uint32_t rightCrc = crc32(pixels.data(), pixels.size());

    auto frames = captureAnswer(pixels, width, height, rightCrc);
    ASSERT_EQ(frames.size(), 4u);
    ImageAssembler assembler(frames[0], width, height);
    for (std::size_t i = 1; i < frames.size(); ++i) {
        EXPECT_FALSE(assembler.complete());
        assembler.add(FrameView::of(frames[i]));
    }
    ASSERT_TRUE(assembler.complete());
    EXPECT_EQ(assembler.take().pixels, pixels);

    // Every frame intact, but the image is not the one the device announced.
    auto wrong = captureAnswer(pixels, width, height, rightCrc ^ 1);
    ImageAssembler mismatched(wrong[0], width, height);
    for (std::size_t i = 1; i < wrong.size(); ++i) mismatched.add(FrameView::of(wrong[i]));
    try {
        mismatched.take();
        FAIL() << "a wrong image CRC was accepted";
    } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), "the image failed its checksum");
    }

    ImageAssembler outOfOrder(frames[0], width, height);
    EXPECT_THROW(outOfOrder.add(FrameView::of(frames[2])), std::runtime_error);
    ImageAssembler early(frames[0], width, height);
    early.add(FrameView::of(frames[1]));
    EXPECT_THROW(early.take(), std::runtime_error);
    EXPECT_THROW(ImageAssembler(frames[0], height, width), std::runtime_error);  // not this sensor's size
}

TEST(ReaderProtocol, VersionsCompareNumerically) {
    EXPECT_LT(compareVersions("1.2.0", "1.10.0"), 0);
    EXPECT_EQ(compareVersions("1.2", "1.2.0"), 0);
    EXPECT_GT(compareVersions("2.0.0", "1.99.99"), 0);
}

} // namespace
