// SPDX-License-Identifier: GPL-2.0-or-later
#include "finger_sources.h"

#include <map>
#include <mutex>

#include "synthetic_finger.h"

namespace fpb::host {

namespace {

// Master fingers take a few hundred milliseconds to grow: keep them.
const synth::MasterFinger& master(int finger, int dpi) {
    static std::mutex mutex;
    static std::map<std::pair<int, int>, synth::MasterFinger> masters;
    std::lock_guard lock(mutex);
    auto key = std::make_pair(finger, dpi);
    auto it = masters.find(key);
    if (it == masters.end()) it = masters.emplace(key, synth::makeMasterFinger(static_cast<std::uint64_t>(finger), dpi)).first;
    return it->second;
}

int nextImpression() {
    static std::mutex mutex;
    static int counter = 0;
    std::lock_guard lock(mutex);
    return ++counter;
}

class SyntheticFingerSource : public emulation::FingerSource {
public:
    explicit SyntheticFingerSource(int finger) : finger_(finger) {}
    GreyImage nextImage(int width, int height, int dpi) override {
        synth::ImpressionOptions o;
        o.width = width;
        o.height = height;
        o.dpi = dpi;
        o.impressionSeed = static_cast<std::uint64_t>(nextImpression());
        return synth::makeImpression(master(finger_, dpi), o);
    }

private:
    int finger_;
};

} // namespace

std::shared_ptr<emulation::FingerSource> makeSyntheticFingerSource(int fingerSeed) {
    return std::make_shared<SyntheticFingerSource>(fingerSeed);
}

GreyImage syntheticPress(int finger, const std::string& mode, int width, int height, int dpi, std::string& problem) {
    synth::PressMode pressMode;
    if (!synth::parsePressMode(mode, pressMode)) {
        problem = "unknown press mode \"" + mode + "\"";
        return GreyImage();
    }
    synth::ImpressionOptions o;
    o.width = width;
    o.height = height;
    o.dpi = dpi;
    o.mode = pressMode;
    o.impressionSeed = static_cast<std::uint64_t>(nextImpression());
    return synth::makeImpression(master(finger, dpi), o);
}

std::vector<std::string> syntheticPressModes() {
    std::vector<std::string> modes;
    for (auto m : synth::allPressModes()) modes.push_back(synth::pressModeName(m));
    modes.push_back("hold_too_long");
    return modes;
}

} // namespace fpb::host
