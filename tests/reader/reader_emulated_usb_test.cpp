// SPDX-License-Identifier: GPL-2.0-or-later
// The driver through real libusb against the emulated reader (umockdev): enumeration, capture,
// several readers, hotplug, unplug mid-capture, every injected fault, timeouts.
#include <gtest/gtest.h>

#include <fpbridge/error.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <thread>

#include "emulated_reader.h"
#include "image/image_files.h"
#include "reader/reader_manager.h"

using namespace std::chrono_literals;
using fpb::GreyImage;
using fpb::emulation::EmulatedReaderBed;
using fpb::emulation::Faults;
using fpb::emulation::ReaderConfig;
using fpb::reader::ReaderError;
using fpb::reader::ReaderManager;

namespace {

GreyImage patternImage(int width, int height, int seed) {
    GreyImage image(width, height, 500);
    for (int y = 0; y < height; ++y)
        for (int x = 0; x < width; ++x) image.at(x, y) = static_cast<std::uint8_t>((x * 7 + y * 13 + seed * 31) % 251);
    return image;
}

class Events {
public:
    void arrived(const std::string& id) {
        std::lock_guard lock(m_);
        arrivals_.push_back(id);
        cv_.notify_all();
    }
    void removed(const std::string& id) {
        std::lock_guard lock(m_);
        removals_.push_back(id);
        cv_.notify_all();
    }
    bool waitArrivals(std::size_t n, std::chrono::milliseconds t = 5s) {
        std::unique_lock lock(m_);
        return cv_.wait_for(lock, t, [&] { return arrivals_.size() >= n; });
    }
    bool waitRemovals(std::size_t n, std::chrono::milliseconds t = 5s) {
        std::unique_lock lock(m_);
        return cv_.wait_for(lock, t, [&] { return removals_.size() >= n; });
    }
    std::vector<std::string> arrivals() {
        std::lock_guard lock(m_);
        return arrivals_;
    }

private:
    std::mutex m_;
    std::condition_variable cv_;
    std::vector<std::string> arrivals_, removals_;
};

class EmulatedUsb : public ::testing::Test {
protected:
    void SetUp() override {
        bed_ = std::make_unique<EmulatedReaderBed>();
    }
    void TearDown() override {
        if (manager_) manager_->stop();
        manager_.reset();
        bed_.reset();
    }
    void startManager(fpb::reader::ReaderTimeouts timeouts = {}) {
        manager_ = std::make_unique<ReaderManager>(
            std::vector<fpb::reader::UsbId>{{0x1209, 0xF1B2}},
            ReaderManager::Callbacks{[this](const fpb::reader::ReaderInfo& i) { events_.arrived(i.id); },
                                     [this](const std::string& id) { events_.removed(id); }},
            timeouts);
        manager_->start();
    }
    std::unique_ptr<EmulatedReaderBed> bed_;
    std::unique_ptr<ReaderManager> manager_;
    Events events_;
};

TEST_F(EmulatedUsb, EnumeratesTheReaderWithItsInfoFromTheDevice) {
    ReaderConfig config;
    config.serial = "FPB2-4711";
    config.sensorWidth = 300;
    config.sensorHeight = 400;
    config.firmwareMinor = 7;
    bed_->addReader(config, nullptr);
    startManager();
    auto readers = manager_->readers();
    ASSERT_EQ(readers.size(), 1u);
    const auto& r = readers[0];
    EXPECT_TRUE(r.problem.empty()) << r.problem;
    EXPECT_EQ(r.identity.model, "USB Fingerprint Reader (V2)");
    EXPECT_EQ(r.identity.serial, "FPB2-4711");
    EXPECT_EQ(r.identity.firmware(), "1.7.2");
    EXPECT_EQ(r.identity.sensorWidth, 300);
    EXPECT_EQ(r.identity.sensorHeight, 400);
    EXPECT_EQ(r.identity.resolutionDpi, 500);
    EXPECT_EQ(r.bus, 1);
    EXPECT_EQ(r.port, 1);
    EXPECT_EQ(r.id, bed_->deviceId(0));
}

TEST_F(EmulatedUsb, CapturedImageEqualsTheSourceByteForByte) {
    bed_->addReader(ReaderConfig{}, nullptr);
    startManager();
    auto reader = manager_->open(bed_->deviceId(0));
    GreyImage source = patternImage(388, 374, 3);
    bed_->fingerDown(0, source);
    EXPECT_TRUE(reader->fingerPresent());
    GreyImage captured = reader->capture();
    EXPECT_EQ(captured.width, 388);
    EXPECT_EQ(captured.height, 374);
    EXPECT_EQ(captured.dpi, 500);
    EXPECT_EQ(captured.pixels, source.pixels);
    bed_->fingerUp(0);
    EXPECT_FALSE(reader->fingerPresent());
    try {
        reader->capture();
        FAIL() << "capture without a finger succeeded";
    } catch (const ReaderError& e) {
        EXPECT_EQ(e.status(), fpb::kErrorQuality);
        EXPECT_NE(std::string(e.what()).find("no finger"), std::string::npos);
    }
}

TEST_F(EmulatedUsb, CapturesARealFingerprintFileByteForByte) {
    std::filesystem::path file = std::filesystem::path(FPB_SHARED_DIR) / "fingerprints" / "FVC2002_DB1_B" / "101_1.tif";
    if (!std::filesystem::exists(file)) GTEST_SKIP() << "../shared/fingerprints is not present: the real-image check needs it";
    auto source = std::make_shared<fpb::emulation::ImageFileSource>(std::vector<std::string>{file.string()});
    bed_->addReader(ReaderConfig{}, source);
    startManager();
    auto reader = manager_->open(bed_->deviceId(0));
    bed_->queuePress(0, fpb::emulation::Press{GreyImage(), 2000, 0});
    auto event = reader->waitFingerEvent(3s);
    ASSERT_TRUE(event);
    EXPECT_EQ(*event, fpb::reader::kFingerOn);
    GreyImage captured = reader->capture();
    EXPECT_EQ(captured.pixels, fpb::loadImage(file.string()).pixels);
}

TEST_F(EmulatedUsb, TwoReadersAtOnceEachCaptureTheirOwnFinger) {
    ReaderConfig a, b;
    a.serial = "FPB2-A";
    b.serial = "FPB2-B";
    bed_->addReader(a, nullptr);
    bed_->addReader(b, nullptr);
    startManager();
    ASSERT_EQ(manager_->readers().size(), 2u);
    auto ra = manager_->open(bed_->deviceId(0));
    auto rb = manager_->open(bed_->deviceId(1));
    EXPECT_EQ(ra->identity().serial, "FPB2-A");
    EXPECT_EQ(rb->identity().serial, "FPB2-B");
    bed_->fingerDown(0, patternImage(388, 374, 1));
    bed_->fingerDown(1, patternImage(388, 374, 2));
    auto fa = std::async(std::launch::async, [&] { return ra->capture(); });
    auto fb = std::async(std::launch::async, [&] { return rb->capture(); });
    EXPECT_EQ(fa.get().pixels, patternImage(388, 374, 1).pixels);
    EXPECT_EQ(fb.get().pixels, patternImage(388, 374, 2).pixels);
}

TEST_F(EmulatedUsb, AnImageLargerThanThePipelinedTransferArrivesByteForByte) {
    // The driver queues at most 1 MiB ahead of the command: the rest comes by further reads.
    ReaderConfig big;
    big.sensorWidth = 1100;
    big.sensorHeight = 1000;
    bed_->addReader(big, nullptr);
    startManager();
    auto reader = manager_->open(bed_->deviceId(0));
    bed_->fingerDown(0, patternImage(1100, 1000, 6));
    GreyImage captured = reader->capture();
    EXPECT_EQ(captured.width, 1100);
    EXPECT_EQ(captured.pixels, patternImage(1100, 1000, 6).pixels);
    EXPECT_TRUE(reader->fingerPresent());
}

// A second program's handle on the same reader (here: raw reads through another libusb context)
// gets only its own transfers back, and the driver's pipelined captures are not disturbed.
TEST_F(EmulatedUsb, TwoHandlesOnOneReaderEachGetTheirOwnTransfers) {
    bed_->addReader(ReaderConfig{}, nullptr);
    startManager();
    auto reader = manager_->open(bed_->deviceId(0));
    bed_->fingerDown(0, patternImage(388, 374, 7));
    libusb_context* other = nullptr;
    ASSERT_EQ(libusb_init(&other), 0);
    libusb_device* device = fpb::emulation::findEmulatedDevice(other);
    ASSERT_NE(device, nullptr);
    libusb_device_handle* handle = nullptr;
    ASSERT_EQ(libusb_open(device, &handle), 0);
    libusb_unref_device(device);
    std::vector<std::uint8_t> buffer(4096);
    for (int round = 0; round < 3; ++round) {
        bed_->queueRawResponse(0, 1000, static_cast<std::uint8_t>(round));
        int got = 0;
        ASSERT_EQ(libusb_bulk_transfer(handle, 0x82, buffer.data(), static_cast<int>(buffer.size()), &got, 1000), 0);
        EXPECT_EQ(got, 1000);
        EXPECT_EQ(buffer[999], round);
        EXPECT_EQ(reader->capture().pixels, patternImage(388, 374, 7).pixels);
    }
    libusb_close(handle);
    libusb_exit(other);
}

// Without the context the driver does not pipeline: the same results, one transfer after the other.
TEST_F(EmulatedUsb, TheSequentialPathWithoutAContextCapturesTheSame) {
    bed_->addReader(ReaderConfig{}, nullptr);
    bed_->fingerDown(0, patternImage(388, 374, 8));
    libusb_context* context = nullptr;
    ASSERT_EQ(libusb_init(&context), 0);
    libusb_device* device = fpb::emulation::findEmulatedDevice(context);
    ASSERT_NE(device, nullptr);
    {
        fpb::reader::UsbReader reader(device);
        EXPECT_EQ(reader.identity().serial, "FPB2-000001");
        EXPECT_TRUE(reader.fingerPresent());
        EXPECT_EQ(reader.capture().pixels, patternImage(388, 374, 8).pixels);
    }
    libusb_unref_device(device);
    libusb_exit(context);
}

TEST_F(EmulatedUsb, HotplugReportsArrivalRemovalAndReArrival) {
    startManager();
    EXPECT_TRUE(manager_->readers().empty());
    bed_->addReader(ReaderConfig{}, nullptr);
    ASSERT_TRUE(events_.waitArrivals(1)) << "no arrival (hotplug: " << manager_->usesHotplug() << ")";
    EXPECT_EQ(manager_->readers().size(), 1u);
    bed_->unplug(0);
    ASSERT_TRUE(events_.waitRemovals(1));
    EXPECT_TRUE(manager_->readers().empty());
    bed_->replug(0);
    ASSERT_TRUE(events_.waitArrivals(2));
    auto reader = manager_->open(bed_->deviceId(0));
    bed_->fingerDown(0, patternImage(388, 374, 5));
    EXPECT_EQ(reader->capture().pixels, patternImage(388, 374, 5).pixels);
}

TEST_F(EmulatedUsb, UnplugDuringCaptureIsReportedWithinASecondAndTheNextPlugWorks) {
    bed_->addReader(ReaderConfig{}, nullptr);
    startManager();
    auto reader = manager_->open(bed_->deviceId(0));
    bed_->fingerDown(0, patternImage(388, 374, 1));
    Faults faults;
    faults.unplugAfterResponseBytes = 40000;  // in the middle of the image
    bed_->setFaults(0, faults);
    auto started = std::chrono::steady_clock::now();
    try {
        reader->capture();
        FAIL() << "capture survived an unplug";
    } catch (const ReaderError& e) {
        EXPECT_EQ(e.status(), fpb::kErrorDisconnected) << e.what();
        EXPECT_NE(std::string(e.what()).find("unplugged"), std::string::npos);
    }
    EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
    ASSERT_TRUE(events_.waitRemovals(1));
    reader.reset();
    bed_->replug(0);
    ASSERT_TRUE(events_.waitArrivals(2));
    auto again = manager_->open(bed_->deviceId(0));
    bed_->fingerDown(0, patternImage(388, 374, 2));
    EXPECT_EQ(again->capture().pixels, patternImage(388, 374, 2).pixels);
}

TEST_F(EmulatedUsb, UnplugWhileWaitingForAFingerEndsTheWait) {
    bed_->addReader(ReaderConfig{}, nullptr);
    startManager();
    auto reader = manager_->open(bed_->deviceId(0));
    auto waiting = std::async(std::launch::async, [&] { return reader->waitFingerEvent(10s); });
    std::this_thread::sleep_for(200ms);
    auto unplugged = std::chrono::steady_clock::now();
    bed_->unplug(0);
    EXPECT_THROW(waiting.get(), ReaderError);
    EXPECT_LT(std::chrono::steady_clock::now() - unplugged, 1s);
}

struct FaultCase {
    const char* name;
    Faults faults;
    const char* messagePart;
};

TEST_F(EmulatedUsb, EveryInjectedProtocolFaultGivesItsErrorAndTheDriverRecovers) {
    bed_->addReader(ReaderConfig{}, nullptr);
    startManager();
    auto reader = manager_->open(bed_->deviceId(0));
    bed_->fingerDown(0, patternImage(388, 374, 9));
    Faults crc, shortFrame, oversize, stall;
    crc.corruptNextCrc = true;
    shortFrame.truncateNextFrame = true;
    oversize.oversizeNextFrame = true;
    stall.stallNextIn = true;
    const FaultCase cases[] = {
        {"corrupt CRC", crc, "damaged frame (frame CRC mismatch)"},
        {"short frame", shortFrame, "incomplete frame"},
        {"oversized frame", oversize, "frame length over the protocol limit"},
        {"endpoint stall", stall, "stalled its endpoint"},
    };
    for (const auto& c : cases) {
        bed_->setFaults(0, c.faults);
        try {
            reader->fingerPresent();
            ADD_FAILURE() << c.name << ": no error";
        } catch (const ReaderError& e) {
            EXPECT_EQ(e.status(), fpb::kErrorProtocol) << c.name << ": " << e.what();
            EXPECT_NE(std::string(e.what()).find(c.messagePart), std::string::npos) << c.name << ": " << e.what();
        }
        // Recovered: the next commands and a whole capture work.
        EXPECT_TRUE(reader->fingerPresent()) << c.name;
        EXPECT_EQ(reader->capture().pixels, patternImage(388, 374, 9).pixels) << c.name;
    }
}

TEST_F(EmulatedUsb, FaultsInsideAnImageAreCaughtAndTheNextCaptureWorks) {
    bed_->addReader(ReaderConfig{}, nullptr);
    startManager();
    auto reader = manager_->open(bed_->deviceId(0));
    bed_->fingerDown(0, patternImage(388, 374, 4));
    Faults crc;
    crc.corruptNextCrc = true;
    bed_->setFaults(0, crc);
    EXPECT_THROW(reader->capture(), ReaderError);  // the header frame is damaged
    EXPECT_EQ(reader->capture().pixels, patternImage(388, 374, 4).pixels);
    // Every frame intact, but the image is not what the header announced.
    Faults imageCrc;
    imageCrc.corruptNextImageCrc = true;
    bed_->setFaults(0, imageCrc);
    try {
        reader->capture();
        FAIL() << "an image with the wrong CRC was accepted";
    } catch (const ReaderError& e) {
        EXPECT_EQ(e.status(), fpb::kErrorProtocol);
        EXPECT_NE(std::string(e.what()).find("failed its checksum"), std::string::npos) << e.what();
    }
    EXPECT_EQ(reader->capture().pixels, patternImage(388, 374, 4).pixels);
}

TEST_F(EmulatedUsb, SlowResponsesWithinTheTimeoutWorkAndBeyondItTimeOutCleanly) {
    bed_->addReader(ReaderConfig{}, nullptr);
    fpb::reader::ReaderTimeouts timeouts;
    timeouts.command = 300ms;
    startManager(timeouts);
    auto reader = manager_->open(bed_->deviceId(0));
    Faults slow;
    slow.responseDelayMs = 100;
    bed_->setFaults(0, slow);
    EXPECT_FALSE(reader->fingerPresent());
    slow.responseDelayMs = 800;
    bed_->setFaults(0, slow);
    auto started = std::chrono::steady_clock::now();
    try {
        reader->fingerPresent();
        FAIL() << "no timeout";
    } catch (const ReaderError& e) {
        EXPECT_EQ(e.status(), fpb::kErrorTimeout) << e.what();
        EXPECT_NE(std::string(e.what()).find("did not answer"), std::string::npos);
    }
    EXPECT_LT(std::chrono::steady_clock::now() - started, 1500ms);
    bed_->setFaults(0, Faults{});
    std::this_thread::sleep_for(900ms);  // let the late answer arrive; the driver must drop it
    EXPECT_FALSE(reader->fingerPresent());
}

TEST_F(EmulatedUsb, AReaderClaimedByAnotherProgramIsReportedBusy) {
    bed_->addReader(ReaderConfig{}, nullptr);
    startManager();
    Faults busy;
    busy.claimedElsewhere = true;
    bed_->setFaults(0, busy);
    try {
        manager_->open(bed_->deviceId(0));
        FAIL() << "opened a busy reader";
    } catch (const ReaderError& e) {
        EXPECT_EQ(e.status(), fpb::kErrorBusy);
        EXPECT_NE(std::string(e.what()).find("in use by another program"), std::string::npos);
    }
}

TEST_F(EmulatedUsb, FingerEventsAndCancelFromAnotherThread) {
    bed_->addReader(ReaderConfig{}, nullptr);
    startManager();
    auto reader = manager_->open(bed_->deviceId(0));
    EXPECT_FALSE(reader->waitFingerEvent(150ms));  // timeout: nothing happened
    bed_->fingerDown(0, patternImage(388, 374, 1));
    EXPECT_EQ(reader->waitFingerEvent(1s), fpb::reader::kFingerOn);
    bed_->fingerUp(0);
    EXPECT_EQ(reader->waitFingerEvent(1s), fpb::reader::kFingerOff);
    auto waiting = std::async(std::launch::async, [&] { return reader->waitFingerEvent(10s); });
    std::this_thread::sleep_for(100ms);
    reader->cancel();
    try {
        waiting.get();
        FAIL() << "cancel did not end the wait";
    } catch (const ReaderError& e) {
        EXPECT_EQ(e.status(), fpb::kErrorCancelled);
    }
    reader->clearCancel();
    reader->beep(200);
    EXPECT_EQ(bed_->beeps(0), 1);
}

// Capture on touch (reader-protocol.md, 3.2): the command waits in the device; the image is taken
// as the finger lands, byte for byte; no finger within the wait is "none", not an error; and the
// reader answers nothing but CANCEL and RESET meanwhile.
TEST_F(EmulatedUsb, CaptureOnTouchTakesTheImageTheMomentTheFingerLands) {
    bed_->addReader(ReaderConfig{}, nullptr);
    startManager();
    auto reader = manager_->open(bed_->deviceId(0));
    auto started = std::chrono::steady_clock::now();
    auto touched = std::async(std::launch::async, [&] { return reader->captureOnTouch(5s); });
    std::this_thread::sleep_for(300ms);
    ASSERT_EQ(touched.wait_for(0ms), std::future_status::timeout) << "answered before the finger landed";
    bed_->fingerDown(0, patternImage(388, 374, 11));
    auto image = touched.get();
    ASSERT_TRUE(image);
    EXPECT_EQ(image->pixels, patternImage(388, 374, 11).pixels);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
    // A finger already on the sensor: at once.
    bed_->fingerDown(0, patternImage(388, 374, 12));
    auto now = reader->captureOnTouch(5s);
    ASSERT_TRUE(now);
    EXPECT_EQ(now->pixels, patternImage(388, 374, 12).pixels);
    // No finger within the wait: none, after the wait and not long after.
    bed_->fingerUp(0);
    started = std::chrono::steady_clock::now();
    EXPECT_FALSE(reader->captureOnTouch(400ms));
    auto waited = std::chrono::steady_clock::now() - started;
    EXPECT_GE(waited, 400ms);
    EXPECT_LT(waited, 1500ms);
    EXPECT_FALSE(reader->fingerPresent());  // the reader is free again
}

TEST_F(EmulatedUsb, CaptureOnTouchPlaysAQueuedPressAndWorksWithoutAContextToo) {
    bed_->addReader(ReaderConfig{}, nullptr);
    libusb_context* context = nullptr;
    ASSERT_EQ(libusb_init(&context), 0);
    libusb_device* device = fpb::emulation::findEmulatedDevice(context);
    ASSERT_NE(device, nullptr);
    {
        fpb::reader::UsbReader reader(device);  // sequential: command, then answer in slices
        fpb::emulation::Press press;
        press.image = patternImage(388, 374, 13);
        press.delayMs = 200;
        bed_->queuePress(0, press);
        auto image = reader.captureOnTouch(5s);
        ASSERT_TRUE(image);
        EXPECT_EQ(image->pixels, patternImage(388, 374, 13).pixels);
    }
    libusb_unref_device(device);
    libusb_exit(context);
}

TEST_F(EmulatedUsb, CancelEndsACaptureWaitingForTheTouchAndTheReaderWorksAfter) {
    bed_->addReader(ReaderConfig{}, nullptr);
    startManager();
    auto reader = manager_->open(bed_->deviceId(0));
    auto touched = std::async(std::launch::async, [&] { return reader->captureOnTouch(20s); });
    std::this_thread::sleep_for(200ms);
    auto cancelled = std::chrono::steady_clock::now();
    reader->cancel();
    try {
        touched.get();
        FAIL() << "cancel did not end the wait";
    } catch (const ReaderError& e) {
        EXPECT_EQ(e.status(), fpb::kErrorCancelled) << e.what();
    }
    EXPECT_LT(std::chrono::steady_clock::now() - cancelled, 1s);
    reader->clearCancel();
    // The device no longer waits: a finger now is not captured behind the driver's back, and the
    // next commands and captures work.
    bed_->fingerDown(0, patternImage(388, 374, 14));
    EXPECT_TRUE(reader->fingerPresent());
    EXPECT_EQ(reader->capture().pixels, patternImage(388, 374, 14).pixels);
}

TEST_F(EmulatedUsb, UnplugWhileACaptureWaitsForTheTouchIsReportedWithinASecond) {
    bed_->addReader(ReaderConfig{}, nullptr);
    startManager();
    auto reader = manager_->open(bed_->deviceId(0));
    auto touched = std::async(std::launch::async, [&] { return reader->captureOnTouch(20s); });
    std::this_thread::sleep_for(200ms);
    auto unplugged = std::chrono::steady_clock::now();
    bed_->unplug(0);
    try {
        touched.get();
        FAIL() << "the wait survived an unplug";
    } catch (const ReaderError& e) {
        EXPECT_EQ(e.status(), fpb::kErrorDisconnected) << e.what();
    }
    EXPECT_LT(std::chrono::steady_clock::now() - unplugged, 1s);
}

// The device side of the rules on CANCEL and BUSY (reader-protocol.md 3.2), through raw libusb on
// a handle of its own: the driver serialises its own commands and never tries these.
TEST_F(EmulatedUsb, TheReaderAnswersBusyWhileACaptureWaitsAndEndsACancelledImageAsSpecified) {
    bed_->addReader(ReaderConfig{}, nullptr);
    libusb_context* context = nullptr;
    ASSERT_EQ(libusb_init(&context), 0);
    libusb_device* device = fpb::emulation::findEmulatedDevice(context);
    ASSERT_NE(device, nullptr);
    libusb_device_handle* handle = nullptr;
    ASSERT_EQ(libusb_open(device, &handle), 0);
    libusb_unref_device(device);
    auto command = [&](std::uint8_t code, std::uint16_t seq, std::vector<std::uint8_t> payload) {
        fpb::reader::Frame f;
        f.code = code;
        f.sequence = seq;
        f.payload = std::move(payload);
        auto bytes = fpb::reader::encodeFrame(f);
        int sent = 0;
        ASSERT_EQ(libusb_bulk_transfer(handle, 0x01, bytes.data(), static_cast<int>(bytes.size()), &sent, 1000), 0);
    };
    auto answer = [&]() {
        std::vector<std::uint8_t> buffer(512);
        int got = 0;
        EXPECT_EQ(libusb_bulk_transfer(handle, 0x82, buffer.data(), static_cast<int>(buffer.size()), &got, 1000), 0);
        fpb::reader::FrameDecoder decoder;
        decoder.feed(buffer.data(), static_cast<std::size_t>(got));
        auto frame = decoder.next();
        return frame ? *frame : fpb::reader::Frame{};
    };
    command(fpb::reader::kCapture, 1, {0x10, 0x27});  // wait 10 s
    command(fpb::reader::kGetFingerStatus, 2, {});
    auto busy = answer();
    EXPECT_EQ(busy.sequence, 2);
    EXPECT_EQ(busy.status, fpb::reader::kStatusBusy);
    command(fpb::reader::kCapture, 3, {0x00, 0x00});  // a wait of 0 is not valid
    EXPECT_EQ(answer().status, fpb::reader::kStatusBusy);  // (still busy first)
    command(fpb::reader::kCancel, 4, {});
    auto ended = answer();
    EXPECT_EQ(ended.sequence, 1);
    EXPECT_EQ(ended.code, fpb::reader::kCapture | fpb::reader::kResponseFlag);
    EXPECT_EQ(ended.status, fpb::reader::kStatusCancelled);
    command(fpb::reader::kCapture, 5, {0x00, 0x00});
    EXPECT_EQ(answer().status, fpb::reader::kStatusBadLength);

    // Section 3.2: a CANCEL between chunks ends the capture after the chunk on the wire, with a
    // final 0x90 frame of status CANCELLED, then the CANCEL's own answer.
    bed_->fingerDown(0, patternImage(388, 374, 15));
    command(fpb::reader::kCapture, 6, {});
    std::vector<std::uint8_t> stream(1000);
    int got = 0;
    ASSERT_EQ(libusb_bulk_transfer(handle, 0x82, stream.data(), 1000, &got, 1000), 0);
    ASSERT_EQ(got, 1000);  // the header frame and the start of the first chunk
    command(fpb::reader::kCancel, 7, {});
    std::vector<std::uint8_t> rest(256 * 1024);
    ASSERT_EQ(libusb_bulk_transfer(handle, 0x82, rest.data(), static_cast<int>(rest.size()), &got, 1000), 0);
    stream.insert(stream.end(), rest.begin(), rest.begin() + got);
    fpb::reader::FrameDecoder decoder;
    decoder.feed(stream.data(), stream.size());
    std::vector<fpb::reader::Frame> frames;
    while (auto f = decoder.next()) frames.push_back(*f);
    ASSERT_EQ(frames.size(), 4u);
    EXPECT_EQ(frames[0].code, fpb::reader::kCapture | fpb::reader::kResponseFlag);
    EXPECT_EQ(frames[1].code, fpb::reader::kImageChunk);  // the chunk that was on the wire, whole
    EXPECT_EQ(frames[1].payload.size(), 4u + 65532u);
    EXPECT_EQ(frames[2].code, fpb::reader::kImageChunk);
    EXPECT_EQ(frames[2].sequence, 6);
    EXPECT_EQ(frames[2].status, fpb::reader::kStatusCancelled);
    EXPECT_EQ(frames[3].code, fpb::reader::kCancel | fpb::reader::kResponseFlag);
    EXPECT_EQ(frames[3].sequence, 7);
    EXPECT_EQ(decoder.discardedBytes(), 0u);
    libusb_close(handle);
    libusb_exit(context);
}

} // namespace
