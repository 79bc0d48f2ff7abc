// SPDX-License-Identifier: GPL-2.0-or-later
// Each press of an enrollment on the emulated reader, from the touch (the finger landing on the
// emulated sensor) to the next prompt, with its parts: capture and USB transfer, quality,
// extraction, matching. Run under the umockdev preload
// (packaging/run-benchmarks.sh); reports medians over many presses.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <vector>

#include "collect_runner.h"
#include "emulated_reader.h"
#include "emulated_world.h"
#include "enrollment/enrollment_session.h"
#include "finger_sources.h"
#include "reader/usb_reader.h"
#include "host_context.h"

namespace fs = std::filesystem;
using namespace fpb;

namespace {
double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}
} // namespace

int main(int argc, char** argv) {
    for (int i = 1; i < argc; ++i)
        if (std::string(argv[i]).rfind("--benchmark_filter", 0) == 0) return 0;  // CTest smoke: nothing to time
    if (!emulation::ensureUmockdevPreload(argc, argv)) return 1;
    emulation::EmulatedReaderBed bed;
    bed.addReader(emulation::ReaderConfig{}, nullptr);
    libusb_context* ctx = nullptr;
    libusb_init(&ctx);
    libusb_device* device = emulation::findEmulatedDevice(ctx);
    auto reader = std::make_shared<reader::UsbReader>(device);
    std::vector<double> total, transfer, quality, extraction, matching;
    std::string problem;
    for (int round = 0; round < 8; ++round) {
        for (int i = 0; i < 3; ++i) {
            emulation::Press press;
            press.image = host::syntheticPress(30 + round, "good", 388, 374, 500, problem);
            press.delayMs = 20;
            press.holdMs = 300;
            bed.queuePress(0, press);
        }
        enrollment::EnrollmentSettings settings;
        // The touch of each press, as the emulated reader saw the finger land.
        std::vector<std::chrono::steady_clock::time_point> touches;
        enrollment::EnrollmentSession session(
            reader, settings, "bench", 2,
            [&](const EnrollmentEvent& e) {
                if (e.kind == kEventPressEvaluated) touches.push_back(bed.lastTouch(0));
            },
            nullptr);
        session.run();
        auto ms = [](auto from, auto to) { return std::chrono::duration<double, std::milli>(to - from).count(); };
        auto timings = session.timings();
        for (std::size_t i = 0; i < timings.size() && i < touches.size(); ++i) {
            const auto& t = timings[i];
            total.push_back(ms(touches[i], t.promptAt));
            transfer.push_back(ms(touches[i], t.imageAt));
            quality.push_back(t.qualityMs);
            extraction.push_back(t.extractionMs);
            matching.push_back(t.matchingMs);
        }
    }
    std::printf("presses: %zu\nmedian ms from the touch to the next prompt: %.1f\n  capture and transfer %.1f  quality %.1f  "
                "extraction %.1f  matching %.1f\n",
                total.size(), median(total), median(transfer), median(quality), median(extraction), median(matching));
    reader.reset();
    libusb_unref_device(device);
    libusb_exit(ctx);
    return 0;
}
