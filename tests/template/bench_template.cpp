// SPDX-License-Identifier: GPL-2.0-or-later
// Extraction of one 388x374 press and one full comparison, against a baseline in the same run
// (a plain pass over the pixels).
#include <benchmark/benchmark.h>

#include "synthetic_finger.h"
#include "template/fingerprint_template.h"

namespace {

const fpb::GreyImage& press(int i) {
    static const fpb::GreyImage a = fpb::synth::generatePress(21, 1, fpb::synth::PressMode::Good);
    static const fpb::GreyImage b = fpb::synth::generatePress(21, 2, fpb::synth::PressMode::Good);
    return i == 0 ? a : b;
}

void BM_BaselinePixelPass(benchmark::State& state) {
    for (auto _ : state) {
        unsigned long s = 0;
        for (auto p : press(0).pixels) s += p;
        benchmark::DoNotOptimize(s);
    }
}
void BM_Extract388x374(benchmark::State& state) {
    for (auto _ : state) benchmark::DoNotOptimize(fpb::tmpl::extractTemplate(press(0)));
}
// Preparing both templates inside every comparison (what compareTemplates(Template, Template) does).
void BM_CompareTemplates(benchmark::State& state) {
    auto a = fpb::tmpl::extractTemplate(press(0)), b = fpb::tmpl::extractTemplate(press(1));
    for (auto _ : state) benchmark::DoNotOptimize(fpb::tmpl::compareTemplates(a, b));
}
// A full 1:1 comparison of pre-processed templates (one direction; the 50,000/s figure).
void BM_ComparePrepared(benchmark::State& state) {
    fpb::tmpl::PreparedTemplate a(fpb::tmpl::extractTemplate(press(0))), b(fpb::tmpl::extractTemplate(press(1)));
    for (auto _ : state) benchmark::DoNotOptimize(fpb::tmpl::compareTemplates(a, b));
}
// Both directions, max of the two: the score every decision uses.
void BM_ComparePreparedSymmetric(benchmark::State& state) {
    fpb::tmpl::PreparedTemplate a(fpb::tmpl::extractTemplate(press(0))), b(fpb::tmpl::extractTemplate(press(1)));
    for (auto _ : state) benchmark::DoNotOptimize(fpb::tmpl::compareSymmetric(a, b));
}
void BM_PrepareTemplate(benchmark::State& state) {
    auto a = fpb::tmpl::extractTemplate(press(0));
    for (auto _ : state) benchmark::DoNotOptimize(fpb::tmpl::PreparedTemplate(a));
}

BENCHMARK(BM_BaselinePixelPass)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Extract388x374)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CompareTemplates)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ComparePrepared)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ComparePreparedSymmetric)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_PrepareTemplate)->Unit(benchmark::kMicrosecond);

} // namespace

BENCHMARK_MAIN();
