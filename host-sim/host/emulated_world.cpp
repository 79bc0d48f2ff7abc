// SPDX-License-Identifier: GPL-2.0-or-later
#include "emulated_world.h"

#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "emulated_reader.h"
#include "finger_sources.h"

namespace fpb::host {

void addEmulationOptions(CLI::App& command, EmulationOptions& options) {
    command.add_flag("--emulated-reader", options.readers,
                     "Run against an emulated reader instead of hardware (repeat for more readers)");
    command.add_option("--finger-image", options.fingerImages,
                       "Image file(s) (PGM/PNG/TIFF) the emulated finger presses; default: synthetic fingers");
    command.add_option("--emulated-firmware", options.firmware, "Firmware version the emulated reader reports");
}

bool commandLineWantsEmulation(int argc, char** argv) {
    for (int i = 1; i < argc; ++i)
        if (std::strcmp(argv[i], "--emulated-reader") == 0 || std::strcmp(argv[i], "demo") == 0) return true;
    return false;
}

EmulatedWorld::EmulatedWorld(const EmulationOptions& options) : bed_(std::make_unique<emulation::EmulatedReaderBed>()) {
    for (int i = 0; i < options.readers; ++i) {
        emulation::ReaderConfig config;
        char serial[32];
        std::snprintf(serial, sizeof serial, "FPB2-%06d", 1001 + i);
        config.serial = serial;
        if (!options.firmware.empty()) {
            int major = 0, minor = 0, patch = 0;
            if (std::sscanf(options.firmware.c_str(), "%d.%d.%d", &major, &minor, &patch) < 2)
                throw std::runtime_error("--emulated-firmware must look like 1.4.2");
            config.firmwareMajor = major;
            config.firmwareMinor = minor;
            config.firmwarePatch = patch;
        }
        std::shared_ptr<emulation::FingerSource> source;
        if (!options.fingerImages.empty()) source = std::make_shared<emulation::ImageFileSource>(options.fingerImages);
        else source = makeSyntheticFingerSource(i + 1);
        bed_->addReader(config, source);
        fingers_.push_back(i + 1);
    }
}

EmulatedWorld::~EmulatedWorld() = default;

int EmulatedWorld::readerCount() const { return bed_->readerCount(); }

void EmulatedWorld::pressForCapture(int index) { bed_->queuePress(index, emulation::Press{GreyImage(), 1500, 100}); }

std::string EmulatedWorld::press(int index, const std::string& mode, int finger, int holdMs) {
    if (index < 0 || index >= readerCount()) return "no emulated reader " + std::to_string(index);
    bool holdTooLong = mode == "hold_too_long";
    emulation::Press press;
    press.holdMs = holdMs > 0 ? holdMs : (holdTooLong ? 6000 : 700);
    press.delayMs = 150;
    std::string problem;
    press.image = syntheticPress(finger > 0 ? finger : fingers_.at(static_cast<std::size_t>(index)),
                                 holdTooLong ? "good" : mode, bed_->config(index).sensorWidth,
                                 bed_->config(index).sensorHeight, bed_->config(index).resolutionDpi, problem);
    if (!problem.empty()) return problem;
    bed_->queuePress(index, press);
    return "";
}

std::string EmulatedWorld::describeJson() const {
    nlohmann::json out = nlohmann::json::array();
    for (int i = 0; i < bed_->readerCount(); ++i)
        out.push_back({{"index", i},
                       {"name", "Emulated reader " + std::to_string(i + 1) + " (" + bed_->config(i).serial + ")"},
                       {"device_id", bed_->deviceId(i)},
                       {"plugged", bed_->plugged(i)},
                       {"finger", fingers_.at(static_cast<std::size_t>(i))},
                       {"modes", syntheticPressModes()}});
    return out.dump();
}

std::string EmulatedWorld::act(int index, const std::string& action, const std::string& paramsJson) {
    if (index < 0 || index >= readerCount()) return "no emulated reader " + std::to_string(index);
    if (action == "unplug") {
        bed_->unplug(index);
        return "";
    }
    if (action == "plug") {
        bed_->replug(index);
        return "";
    }
    if (action == "press") {
        auto params = nlohmann::json::parse(paramsJson, nullptr, false);
        if (params.is_discarded() || !params.is_object()) return "press needs a JSON object {mode, finger}";
        return press(index, params.value("mode", "good"), params.value("finger", 0), params.value("hold_ms", 0));
    }
    return "unknown emulation action \"" + action + "\" (use press, unplug or plug)";
}

std::unique_ptr<EmulatedWorld> startEmulationIfAsked(const EmulationOptions& options) {
    if (options.readers <= 0) return nullptr;
    return std::make_unique<EmulatedWorld>(options);
}

} // namespace fpb::host
