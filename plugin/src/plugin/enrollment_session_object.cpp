// SPDX-License-Identifier: GPL-2.0-or-later
#include "enrollment_session_object.h"

#include <cstring>

#include "byte_buffer.h"
#include "plugin_services.h"

namespace fpb::plugin {

namespace {

class CollectingVisitor final : public ITemplateVisitor {
public:
    std::vector<enrollment::EnrolledFingerprint> out;
    std::int32_t visit(const FingerprintRecord* r) override {
        if (r && r->templateData)
            out.push_back({r->userId, static_cast<int>(r->finger),
                           std::vector<std::uint8_t>(r->templateData, r->templateData + r->templateSize)});
        return 0;
    }
};

} // namespace

EnrollmentSessionObject::EnrollmentSessionObject(std::shared_ptr<reader::UsbReader> reader,
                                                 const EnrollmentOptions& options, IEnrollmentListener* listener,
                                                 std::shared_ptr<PluginServices> services)
    : services_(std::move(services)), listener_(listener), userId_(options.userId), deviceId_(reader->id()),
      finger_(static_cast<int>(options.finger)), duress_(options.duress != 0) {
    enrollment::EnrollmentSettings settings;
    if (options.pressCount > 0) settings.presses = options.pressCount;
    if (options.pressTimeoutMs > 0) settings.pressTimeout = std::chrono::milliseconds(options.pressTimeoutMs);
    if (options.holdLimitMs > 0) settings.holdLimit = std::chrono::milliseconds(options.holdLimitMs);
    auto shared = services_;
    session_ = std::make_unique<enrollment::EnrollmentSession>(
        std::move(reader), settings, userId_, finger_, [this](const EnrollmentEvent& e) { emit(e); },
        [shared]() {
            CollectingVisitor visitor;
            std::lock_guard lock(shared->mutex());
            if (shared->host() && shared->host()->userRecords()) {
                Error error = Error::init();
                shared->host()->userRecords()->forEachEnrolledFingerprint(&visitor, &error);
            }
            return visitor.out;
        });
}

EnrollmentSessionObject::~EnrollmentSessionObject() {
    session_->cancel();
    if (thread_.joinable()) thread_.join();
}

void EnrollmentSessionObject::start() {
    addRef();  // the session thread holds a reference until it ends
    thread_ = std::thread([this] {
        session_->run();
        {
            std::lock_guard lock(mutex_);
            finished_ = true;
        }
        done_.notify_all();
        // Detach before dropping our own reference: the destructor may run on this thread.
        thread_.detach();
        releaseRef();
    });
}

void EnrollmentSessionObject::emit(const EnrollmentEvent& event) {
    try {
        if (event.kind == kEventPrompt || event.kind == kEventFailed || event.kind == kEventCompleted)
            services_->prompt(event.promptCode, event.text ? event.text : "", deviceId_, event.tone != 0);
        if (listener_) listener_->onEnrollmentEvent(&event);
    } catch (...) {
        // The host's listener must not throw; if it does, the session still goes on.
    }
}

void EnrollmentSessionObject::cancel() { session_->cancel(); }

std::int32_t EnrollmentSessionObject::state() {
    std::lock_guard lock(mutex_);
    if (committed_) return kSessionCommitted;
    return session_->state();
}

std::int32_t EnrollmentSessionObject::wait(std::uint32_t timeoutMs) {
    std::unique_lock lock(mutex_);
    done_.wait_for(lock, std::chrono::milliseconds(timeoutMs), [&] { return finished_; });
    return committed_ ? kSessionCommitted : session_->state();
}

std::int32_t EnrollmentSessionObject::commit(const char* consentTime, const char* consentOperator, Error* error) {
    std::lock_guard lock(mutex_);
    if (committed_) return setError(error, kErrorInvalidArgument, "this fingerprint was already saved");
    if (session_->state() != kSessionCompleted)
        return setError(error, kErrorInvalidArgument, "the enrollment has not completed: nothing to save");
    FingerprintRecord record{};
    record.size = sizeof record;
    std::snprintf(record.userId, sizeof record.userId, "%s", userId_.c_str());
    record.finger = static_cast<std::uint32_t>(finger_);
    record.duress = duress_ ? 1 : 0;
    record.quality = session_->quality();
    record.templateData = session_->isoTemplate().data();
    record.templateSize = static_cast<std::uint32_t>(session_->isoTemplate().size());
    std::snprintf(record.consentTime, sizeof record.consentTime, "%s", consentTime ? consentTime : "");
    std::snprintf(record.consentOperator, sizeof record.consentOperator, "%s", consentOperator ? consentOperator : "");
    std::int32_t rc;
    {
        std::lock_guard hostLock(services_->mutex());
        if (!services_->host() || !services_->host()->userRecords())
            return setError(error, kErrorUnsupported, "the host offers no user records to store the fingerprint in");
        rc = services_->host()->userRecords()->saveFingerprint(&record, error);
    }
    if (rc == kOk) committed_ = true;
    return rc;
}

std::int32_t EnrollmentSessionObject::getTemplate(IBuffer** out, std::int32_t* quality, Error* error) {
    if (out == nullptr) return setError(error, kErrorInvalidArgument, "out is null");
    *out = nullptr;
    std::lock_guard lock(mutex_);
    if (session_->state() != kSessionCompleted && !committed_)
        return setError(error, kErrorInvalidArgument, "the enrollment has not completed");
    *out = new ByteBuffer(session_->isoTemplate());
    if (quality) *quality = session_->quality();
    return kOk;
}

} // namespace fpb::plugin
