// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "host_context.h"

namespace fpb::host {

class ReaderDirectory;
class CollectService;

/// Hooks for the emulated world, present only when fpb-host runs with emulated readers.
struct EmulationControls {
    /// JSON array describing the emulated readers and what can be done with them.
    std::function<std::string()> describe;
    /// Performs an action ("press", "unplug", "plug") on reader `index` with JSON parameters;
    /// returns an error message, or "" on success.
    std::function<std::string(int index, const std::string& action, const std::string& paramsJson)> act;
};

/// The operator's browser UI and its JSON API, served by an embedded HTTP server.
class WebServer {
public:
    WebServer(HostContext& context, ReaderDirectory& readers, CollectService& collect);
    ~WebServer();
    void setEmulation(EmulationControls controls);
    /// Binds and serves on a background thread; throws std::runtime_error when the port is taken.
    int start(const std::string& bindAddress, int port);
    void stop();
    /// "https" (the default) or "http" (when "web_https" is false).
    std::string scheme() const;
    /// The certificate the UI presents (generated on first run unless the config names one).
    std::filesystem::path certificateFile() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace fpb::host
