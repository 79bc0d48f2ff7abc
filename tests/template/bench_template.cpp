// SPDX-License-Identifier: GPL-2.0-or-later
// Extraction of one 388x374 press, one full comparison and 1:N identification, against baselines
// in the same run (a plain pass over the pixels; the comparison with preparation inside it; the
// exhaustive search).
#include <benchmark/benchmark.h>

#include <map>
#include <memory>

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
// Candidates for the comparisons: 64 different templates (the second press, and made-up ones from
// both presses), compared in turn, so that the processor cannot learn one comparison's branches
// (repeating a single pair measured 72 µs per comparison against about 180 µs in turn).
const std::vector<fpb::tmpl::Template>& candidates() {
    static const std::vector<fpb::tmpl::Template> c = [] {
        std::vector<fpb::tmpl::Template> bases = {fpb::tmpl::extractTemplate(press(0)), fpb::tmpl::extractTemplate(press(1))};
        auto out = fpb::tmpl::generateGallery(bases, 63, 5);
        out.insert(out.begin(), bases[1]);
        return out;
    }();
    return c;
}
const std::vector<fpb::tmpl::PreparedTemplate>& preparedCandidates() {
    static const std::vector<fpb::tmpl::PreparedTemplate> c(candidates().begin(), candidates().end());
    return c;
}

// Preparing both templates inside every comparison (what compareTemplates(Template, Template) does).
void BM_CompareTemplates(benchmark::State& state) {
    auto a = fpb::tmpl::extractTemplate(press(0));
    const auto& c = candidates();
    std::size_t k = 0;
    for (auto _ : state) benchmark::DoNotOptimize(fpb::tmpl::compareTemplates(a, c[k++ % c.size()]));
}
// A full 1:1 comparison of pre-processed templates (one direction; the 50,000/s figure).
void BM_ComparePrepared(benchmark::State& state) {
    fpb::tmpl::PreparedTemplate a(fpb::tmpl::extractTemplate(press(0)));
    const auto& c = preparedCandidates();
    std::size_t k = 0;
    for (auto _ : state) benchmark::DoNotOptimize(fpb::tmpl::compareTemplates(a, c[k++ % c.size()]));
}
// The score every decision uses (compareSymmetric: the cylinder score is symmetric, so one pass).
void BM_ComparePreparedSymmetric(benchmark::State& state) {
    fpb::tmpl::PreparedTemplate a(fpb::tmpl::extractTemplate(press(0)));
    const auto& c = preparedCandidates();
    std::size_t k = 0;
    for (auto _ : state) benchmark::DoNotOptimize(fpb::tmpl::compareSymmetric(a, c[k++ % c.size()]));
}
void BM_PrepareTemplate(benchmark::State& state) {
    auto a = fpb::tmpl::extractTemplate(press(0));
    for (auto _ : state) benchmark::DoNotOptimize(fpb::tmpl::PreparedTemplate(a));
}

// A gallery of `size` generated templates (from a few synthetic presses) holding the first press
// of finger 21; the probe is its second press.
const fpb::tmpl::Identifier& gallery(std::size_t size) {
    static std::map<std::size_t, std::unique_ptr<fpb::tmpl::Identifier>> cache;
    auto& slot = cache[size];
    if (!slot) {
        std::vector<fpb::tmpl::Template> bases;
        for (int f = 0; f < 3; ++f)
            bases.push_back(fpb::tmpl::extractTemplate(fpb::synth::generatePress(static_cast<std::uint64_t>(40 + f), 1, fpb::synth::PressMode::Good)));
        auto generated = fpb::tmpl::generateGallery(bases, size, 1);
        slot = std::make_unique<fpb::tmpl::Identifier>();
        for (std::size_t i = 0; i < generated.size(); ++i) {
            if (i == size / 2) slot->add("finger-21", fpb::tmpl::extractTemplate(press(0)));
            slot->add("generated/" + std::to_string(i), std::move(generated[i]));
        }
        slot->shrinkToFit();
    }
    return *slot;
}
void BM_IdentifyTwoStage(benchmark::State& state) {
    const auto& id = gallery(static_cast<std::size_t>(state.range(0)));
    auto probe = fpb::tmpl::extractTemplate(press(1));
    for (auto _ : state) {
        auto found = id.identify(probe, 0, 1);
        if (found.empty() || found[0].key != "finger-21") state.SkipWithError("the mate was not found");
        benchmark::DoNotOptimize(found);
    }
    state.counters["bytes_per_template"] = static_cast<double>(id.memoryBytes()) / static_cast<double>(id.size());
}
void BM_IdentifyExhaustive(benchmark::State& state) {
    const auto& id = gallery(static_cast<std::size_t>(state.range(0)));
    auto probe = fpb::tmpl::extractTemplate(press(1));
    for (auto _ : state) benchmark::DoNotOptimize(id.identifyExhaustive(probe, 0, 1));
}

BENCHMARK(BM_BaselinePixelPass)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Extract388x374)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CompareTemplates)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ComparePrepared)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ComparePreparedSymmetric)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_PrepareTemplate)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_IdentifyTwoStage)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_IdentifyExhaustive)->Arg(10000)->Unit(benchmark::kMillisecond)->UseRealTime();

} // namespace

BENCHMARK_MAIN();
