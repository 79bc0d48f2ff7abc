// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <fpbridge/fpbridge.h>

#include <mutex>
#include <string>

namespace fpb::plugin {

/// The host's services as the plugin's parts use them: null-safe, and never throwing back.
class PluginServices {
public:
    explicit PluginServices(IHostServices0* host) : host_(host) {}
    void detach() {
        std::lock_guard lock(mutex_);
        host_ = nullptr;
    }
    void log(std::int32_t level, const std::string& message) {
        std::lock_guard lock(mutex_);
        if (host_ && host_->logger()) host_->logger()->log(level, message.c_str());
    }
    void prompt(std::int32_t code, const std::string& text, const std::string& deviceId, bool tone) {
        std::lock_guard lock(mutex_);
        if (!host_ || !host_->promptSink()) return;
        Prompt p{sizeof(Prompt), code, text.c_str(), deviceId.c_str(), tone ? 1 : 0};
        host_->promptSink()->prompt(&p);
    }
    void audit(const std::string& action, const std::string& subject, const std::string& detail) {
        std::lock_guard lock(mutex_);
        if (host_ && host_->auditLog()) host_->auditLog()->record(action.c_str(), subject.c_str(), detail.c_str());
    }
    /// The raw host services (may be null after stop()); hold the lock while using them.
    IHostServices0* host() { return host_; }
    std::mutex& mutex() { return mutex_; }
    std::string minFirmware;

private:
    std::mutex mutex_;
    IHostServices0* host_;
};

} // namespace fpb::plugin
