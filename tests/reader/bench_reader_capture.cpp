// SPDX-License-Identifier: GPL-2.0-or-later
// Protocol overhead: capturing an image through the reader protocol against a raw bulk read of
// the same number of bytes from the same emulated device, through the same libusb.
// It restarts itself under the umockdev preload when needed.
#include <benchmark/benchmark.h>
#include <libusb.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <thread>

#include "capture_answer.h"
#include "emulated_reader.h"
#include "reader/usb_reader.h"

namespace {

struct World {
    std::unique_ptr<fpb::emulation::EmulatedReaderBed> bed;
    libusb_context* context = nullptr;
    libusb_device* device = nullptr;

    World() {
        bed = std::make_unique<fpb::emulation::EmulatedReaderBed>();
        bed->addReader(fpb::emulation::ReaderConfig{}, nullptr);
        fpb::GreyImage finger(388, 374, 500);
        for (std::size_t i = 0; i < finger.pixels.size(); ++i) finger.pixels[i] = static_cast<std::uint8_t>(i * 31);
        bed->fingerDown(0, finger);
        libusb_init(&context);
        device = fpb::emulation::findEmulatedDevice(context);
    }
    ~World() {
        if (device) libusb_unref_device(device);
        libusb_exit(context);
    }
};

World& world() {
    static World w;
    return w;
}

void BM_CaptureThroughProtocol(benchmark::State& state) {
    fpb::reader::UsbReader reader(world().context, world().device);
    for (auto _ : state) benchmark::DoNotOptimize(reader.capture());
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * 388 * 374);
}

void BM_RawBulkReadSameBytes(benchmark::State& state) {
    libusb_device_handle* handle = nullptr;
    if (libusb_open(world().device, &handle) != 0 || libusb_claim_interface(handle, 0) != 0) {
        state.SkipWithError("cannot open the emulated reader");
        return;
    }
    const int total = 388 * 374;
    std::vector<std::uint8_t> buffer(256 * 1024);
    for (auto _ : state) {
        world().bed->queueRawResponse(0, total);
        int received = 0;
        while (received < total) {
            int got = 0;
            if (libusb_bulk_transfer(handle, 0x82, buffer.data(), static_cast<int>(buffer.size()), &got, 2000) != 0) {
                state.SkipWithError("raw bulk read failed");
                break;
            }
            received += got;
        }
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * total);
    libusb_release_interface(handle, 0);
    libusb_close(handle);
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[v.size() / 2];
}

double millisecondsSince(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

int rawRead(libusb_device_handle* handle, std::vector<std::uint8_t>& buffer, int total) {
    int received = 0;
    while (received < total) {
        int got = 0;
        if (libusb_bulk_transfer(handle, 0x82, buffer.data(), static_cast<int>(buffer.size()), &got, 2000) != 0) return -1;
        received += got;
    }
    return received;
}

// The raw reads' own handle on the emulated reader, in a libusb context of its own (see below).
struct RawHandle {
    libusb_context* context = nullptr;
    libusb_device_handle* handle = nullptr;
    RawHandle() {
        libusb_init(&context);
        if (libusb_device* device = fpb::emulation::findEmulatedDevice(context)) {
            if (libusb_open(device, &handle) != 0) handle = nullptr;
            libusb_unref_device(device);
        }
        if (handle != nullptr && libusb_claim_interface(handle, 0) != 0) {
            libusb_close(handle);
            handle = nullptr;
        }
    }
    ~RawHandle() {
        if (handle) {
            libusb_release_interface(handle, 0);
            libusb_close(handle);
        }
        libusb_exit(context);
    }
    RawHandle(const RawHandle&) = delete;
    RawHandle& operator=(const RawHandle&) = delete;
};

// The ratio, measured robustly on a shared machine: every iteration does the raw read (the
// baseline, exactly as BM_RawBulkReadSameBytes) and then a capture, one right after the other,
// so both see the same load; the counters are the medians over the iterations and their ratio.
// The other counters split the difference up (all in the same iterations, same load):
//   raw_changing_ms: the raw read when each read's bytes differ from the previous one's (umockdev
//     writes the host's buffer back only when it changed; the baseline's bytes never do, a
//     capture's always do: new sequence number and CRCs);
//   command_out_ms: a 16-byte OUT transfer alone (a non-frame, which the device ignores);
//   sequential_capture_ms: a capture by the driver without pipelining (UsbReader without the
//     context: command, then answer), in a third context of its own.
//
// The raw reads use a libusb context of their own: libusb polls every open device file of a
// context and reaps each one that polls ready, and umockdev's device files always poll ready, so
// with both handles in one context each side would also pay an empty reap on the other's file.
void BM_CaptureVsRawPaired(benchmark::State& state) {
    world();  // the testbed exists before the contexts (or they see no device)
    RawHandle raw;
    libusb_context* sequentialContext = nullptr;
    libusb_init(&sequentialContext);
    libusb_device* sequentialDevice = fpb::emulation::findEmulatedDevice(sequentialContext);
    if (raw.handle == nullptr || sequentialDevice == nullptr) {
        state.SkipWithError("cannot open the emulated reader");
    } else {
        libusb_device_handle* handle = raw.handle;
        fpb::reader::UsbReader reader(world().context, world().device);
        fpb::reader::UsbReader sequentialReader(sequentialDevice);
        const int total = 388 * 374;
        std::vector<std::uint8_t> buffer(256 * 1024);
        std::vector<double> raw, rawChanging, commandOut, capture, sequentialCapture;
        std::uint8_t fill = 0;
        for (auto _ : state) {
            auto start = std::chrono::steady_clock::now();
            world().bed->queueRawResponse(0, total);
            if (rawRead(handle, buffer, total) != total) {
                state.SkipWithError("raw bulk read failed");
                break;
            }
            raw.push_back(millisecondsSince(start));

            start = std::chrono::steady_clock::now();
            benchmark::DoNotOptimize(reader.capture());
            capture.push_back(millisecondsSince(start));

            start = std::chrono::steady_clock::now();
            benchmark::DoNotOptimize(sequentialReader.capture());
            sequentialCapture.push_back(millisecondsSince(start));

            start = std::chrono::steady_clock::now();
            world().bed->queueRawResponse(0, total, fill++);
            if (rawRead(handle, buffer, total) != total) {
                state.SkipWithError("raw bulk read failed");
                break;
            }
            rawChanging.push_back(millisecondsSince(start));
            // Leave the baseline's buffer as the baseline always finds it (its own bytes).
            world().bed->queueRawResponse(0, total);
            rawRead(handle, buffer, total);

            std::uint8_t notAFrame[16] = {};
            int sent = 0;
            start = std::chrono::steady_clock::now();
            libusb_bulk_transfer(handle, 0x01, notAFrame, sizeof notAFrame, &sent, 1000);
            commandOut.push_back(millisecondsSince(start));
        }
        state.counters["raw_ms"] = median(raw);
        state.counters["capture_ms"] = median(capture);
        state.counters["sequential_capture_ms"] = median(sequentialCapture);
        state.counters["ratio"] = median(raw) > 0 ? median(capture) / median(raw) : 0;
        state.counters["raw_changing_ms"] = median(rawChanging);
        state.counters["command_out_ms"] = median(commandOut);
    }
    if (sequentialDevice) libusb_unref_device(sequentialDevice);
    libusb_exit(sequentialContext);
}

// Capture on touch, the way enrollment captures (reader-protocol.md, 3.2): the CAPTURE with its
// wait is already in the device and the answer's IN transfer queued when the finger lands, so
// what the protocol adds is measured from the touch to the decoded image. The baseline is the
// same raw bulk read of the same bytes as BM_CaptureVsRawPaired's, also measured from the moment
// its data exists (its IN transfer queued before the bytes are), in the same iterations:
//   raw_ms: raw read, same bytes every time (the baseline); raw_changing_ms: bytes that differ
//   from the previous read's (as a capture's always do: new sequence number and CRCs);
//   touch_ms: from fingerDown() (the emulated sensor's readout, CRCs and framing included) to the
//   image checked and in hand; ratio = touch_ms / raw_ms; device_ms: the part fingerDown() took.
// The waiting side runs on a second thread; the timer starts only once the device holds its IN
// transfer (and, for the capture, the waiting CAPTURE) and the host has reaped everything else,
// so no submission or reaping of an earlier transfer is timed on either side.
void BM_TouchToImageVsRawPaired(benchmark::State& state) {
    using Clock = std::chrono::steady_clock;
    world();
    RawHandle raw;
    if (raw.handle == nullptr) {
        state.SkipWithError("cannot open the emulated reader");
        return;
    }
    {
        libusb_device_handle* handle = raw.handle;
        fpb::reader::UsbReader reader(world().context, world().device);
        const int total = 388 * 374;
        fpb::GreyImage finger(388, 374, 500);
        for (std::size_t i = 0; i < finger.pixels.size(); ++i) finger.pixels[i] = static_cast<std::uint8_t>(i * 31);
        std::vector<std::uint8_t> buffer(256 * 1024);
        std::vector<double> raw, rawChanging, touch, deviceMs;
        // Then a millisecond more: a finger lands long after the command went out (a person is
        // slower), and the waiting side is back in libusb's event loop by then.
        auto waitUntil = [](auto condition) {
            while (!condition()) std::this_thread::yield();
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        };
        auto timedRaw = [&](std::uint8_t fill) {
            Clock::time_point end;
            std::thread reading([&] {
                if (rawRead(handle, buffer, total) == total) end = Clock::now();
            });
            waitUntil([&] { return world().bed->inTransferWaiting(0); });
            auto start = Clock::now();
            world().bed->queueRawResponse(0, total, fill);
            reading.join();
            return end == Clock::time_point{} ? -1.0 : std::chrono::duration<double, std::milli>(end - start).count();
        };
        world().bed->fingerUp(0);
        for (auto _ : state) {
            double r = timedRaw(0xA5);
            double rc = timedRaw(0x5A);  // differs from the 0xA5 just read
            timedRaw(0xA5);  // leave the baseline's buffer as the baseline always finds it

            Clock::time_point end;
            bool same = false;
            std::thread capturing([&] {
                auto image = reader.captureOnTouch(std::chrono::seconds(5));
                end = Clock::now();
                same = image && image->pixels == finger.pixels;
            });
            fpb::GreyImage landing = finger;  // copied before the clock starts: the sensor's readout is moved in
            waitUntil([&] { return world().bed->inTransferWaiting(0, true); });
            auto start = Clock::now();
            world().bed->fingerDown(0, std::move(landing));
            deviceMs.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
            capturing.join();
            world().bed->fingerUp(0);
            if (r < 0 || rc < 0 || !same) {
                state.SkipWithError("a read or a capture failed");
                break;
            }
            raw.push_back(r);
            rawChanging.push_back(rc);
            touch.push_back(std::chrono::duration<double, std::milli>(end - start).count());
        }
        state.counters["raw_ms"] = median(raw);
        state.counters["raw_changing_ms"] = median(rawChanging);
        state.counters["touch_ms"] = median(touch);
        state.counters["device_ms"] = median(deviceMs);
        state.counters["ratio"] = median(raw) > 0 ? median(touch) / median(raw) : 0;
        world().bed->fingerDown(0, finger);  // as the other benchmarks expect (the same pattern)
    }
}

// The host's CPU work in a capture without USB: cutting the answer (header and chunk frames, as
// the device sends them) out of the byte stream with their CRCs, copying the chunks into the image
// and checking the image CRC (derived from the frame CRCs).
void BM_CaptureAnswerDecodeOnly(benchmark::State& state) {
    using namespace fpb::reader;
    const int width = 388, height = 374;
    const std::size_t total = static_cast<std::size_t>(width) * height;
    std::vector<std::uint8_t> pixels(total);
    for (std::size_t i = 0; i < total; ++i) pixels[i] = static_cast<std::uint8_t>(i * 31);
    auto stream = test_support::encodeCaptureAnswer(pixels, width, height, 7, crc32(pixels.data(), total));
    FrameDecoder decoder;
    for (auto _ : state) {
        decoder.feed(stream.data(), stream.size());
        ImageAssembler image(*decoder.next(), width, height);  // the driver's own assembly and checks
        while (auto frame = decoder.nextView()) image.add(*frame);
        benchmark::DoNotOptimize(image.take());
    }
}

// One small command and its answer: what a single emulated round trip costs.
void BM_SmallCommandRoundTrip(benchmark::State& state) {
    fpb::reader::UsbReader reader(world().context, world().device);
    for (auto _ : state) benchmark::DoNotOptimize(reader.fingerPresent());
}

BENCHMARK(BM_SmallCommandRoundTrip)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_RawBulkReadSameBytes)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_CaptureThroughProtocol)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_CaptureVsRawPaired)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(100);
BENCHMARK(BM_TouchToImageVsRawPaired)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(100);
BENCHMARK(BM_CaptureAnswerDecodeOnly)->Unit(benchmark::kMicrosecond);

} // namespace

int main(int argc, char** argv) {
    // Like every program using the emulated reader: restart under the umockdev preload itself.
    if (!fpb::emulation::ensureUmockdevPreload(argc, argv)) return 1;
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
