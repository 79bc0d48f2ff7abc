// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <fpbridge/fpbridge.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "enrollment/enrollment_session.h"

namespace fpb::plugin {

class PluginServices;

/// The SDK face of an enrollment: runs the session on its own thread, forwards its events to the
/// host's listener and prompt sink, and stores the result only on commit() (the operator's Finish).
class EnrollmentSessionObject final : public RefCountedObject<IEnrollmentSession0> {
public:
    EnrollmentSessionObject(std::shared_ptr<reader::UsbReader> reader, const EnrollmentOptions& options,
                            IEnrollmentListener* listener, std::shared_ptr<PluginServices> services);
    void start();

    void* queryInterface(const char* interfaceId) override { return offerInterface<IEnrollmentSession0>(interfaceId); }
    void cancel() override;
    std::int32_t state() override;
    std::int32_t wait(std::uint32_t timeoutMs) override;
    std::int32_t commit(const char* consentTime, const char* consentOperator, Error* error) override;
    std::int32_t getTemplate(IBuffer** out, std::int32_t* quality, Error* error) override;

    std::vector<enrollment::PressTiming> timings() const { return session_->timings(); }

private:
    ~EnrollmentSessionObject() override;
    void emit(const EnrollmentEvent& event);

    std::shared_ptr<PluginServices> services_;
    IEnrollmentListener* listener_;
    std::string userId_;
    std::string deviceId_;
    int finger_;
    bool duress_;
    std::unique_ptr<enrollment::EnrollmentSession> session_;
    std::thread thread_;
    std::mutex mutex_;
    std::condition_variable done_;
    bool finished_ = false;
    bool committed_ = false;
};

} // namespace fpb::plugin
