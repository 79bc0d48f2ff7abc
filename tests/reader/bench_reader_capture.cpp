// SPDX-License-Identifier: GPL-2.0-or-later
// Protocol overhead: capturing an image through the reader protocol against a raw bulk read of
// the same number of bytes from the same emulated device, through the same libusb.
// It restarts itself under the umockdev preload when needed.
#include <benchmark/benchmark.h>
#include <libusb.h>

#include <memory>

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
        libusb_device** list = nullptr;
        ssize_t n = libusb_get_device_list(context, &list);
        for (ssize_t i = 0; i < n; ++i) {
            libusb_device_descriptor d{};
            libusb_get_device_descriptor(list[i], &d);
            if (d.idVendor == 0x1209) device = libusb_ref_device(list[i]);
        }
        libusb_free_device_list(list, 1);
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

// One small command and its answer: what a single emulated round trip costs.
void BM_SmallCommandRoundTrip(benchmark::State& state) {
    fpb::reader::UsbReader reader(world().context, world().device);
    for (auto _ : state) benchmark::DoNotOptimize(reader.fingerPresent());
}

BENCHMARK(BM_SmallCommandRoundTrip)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_RawBulkReadSameBytes)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_CaptureThroughProtocol)->Unit(benchmark::kMillisecond)->UseRealTime();

} // namespace

int main(int argc, char** argv) {
    // Like every program using the emulated reader: restart under the umockdev preload itself.
    if (!fpb::emulation::ensureUmockdevPreload(argc, argv)) return 1;
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
