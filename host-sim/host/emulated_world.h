// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

namespace fpb::emulation {
class EmulatedReaderBed;
}

namespace fpb::host {

/// --emulated-reader (repeat for more readers) and where their finger images come from.
struct EmulationOptions {
    int readers = 0;
    std::vector<std::string> fingerImages;
    std::string firmware;  ///< e.g. "1.1.0" to try the minimum-firmware check
};

void addEmulationOptions(CLI::App& command, EmulationOptions& options);
/// True when the command line asks for emulated readers (checked before parsing, to re-execute
/// under the umockdev preload first).
bool commandLineWantsEmulation(int argc, char** argv);

/// Emulated readers for this run of fpb-host, plus the controls the web UI's emulation panel uses.
class EmulatedWorld {
public:
    explicit EmulatedWorld(const EmulationOptions& options);
    ~EmulatedWorld();
    int readerCount() const;
    /// Queues one good press on reader `index` (e.g. for `capture`).
    void pressForCapture(int index);
    /// Queues a press: mode is "good" or a wrong-press mode name, or "hold_too_long".
    /// Returns an error message or "".
    std::string press(int index, const std::string& mode, int finger, int holdMs);
    std::string describeJson() const;
    /// Web UI actions: "press" (JSON {mode, finger}), "unplug", "plug". Returns an error message or "".
    std::string act(int index, const std::string& action, const std::string& paramsJson);
    emulation::EmulatedReaderBed& bed() { return *bed_; }

private:
    std::unique_ptr<emulation::EmulatedReaderBed> bed_;
    std::vector<int> fingers_;
};

std::unique_ptr<EmulatedWorld> startEmulationIfAsked(const EmulationOptions& options);

} // namespace fpb::host
