// SPDX-License-Identifier: GPL-2.0-or-later
// Press-quality assessment of one 388x374 image (the target: at most 5 ms median on one core),
// against a baseline in the same run: one pass that only sums the pixels.
#include <benchmark/benchmark.h>

#include "quality/press_quality.h"
#include "synthetic_finger.h"

namespace {

const fpb::GreyImage& press() {
    static const fpb::GreyImage image = fpb::synth::generatePress(42, 1, fpb::synth::PressMode::Good);
    return image;
}

void BM_BaselineSumPixels(benchmark::State& state) {
    for (auto _ : state) {
        unsigned long sum = 0;
        for (auto p : press().pixels) sum += p;
        benchmark::DoNotOptimize(sum);
    }
}

void BM_AssessPress388x374(benchmark::State& state) {
    for (auto _ : state) benchmark::DoNotOptimize(fpb::quality::assessPress(press()));
}

BENCHMARK(BM_BaselineSumPixels)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_AssessPress388x374)->Unit(benchmark::kMicrosecond);

} // namespace

BENCHMARK_MAIN();
