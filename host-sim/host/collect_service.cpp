// SPDX-License-Identifier: GPL-2.0-or-later
#include "collect_service.h"

#include <chrono>
#include <stdexcept>

#include "database.h"
#include "image/image_files.h"

namespace fpb::host {

CollectSession::CollectSession(std::string id, CollectRequest request, PluginObject<IDevice0> device)
    : id_(std::move(id)), request_(std::move(request)), device_(std::move(device)) {}

CollectSession::~CollectSession() {
    if (session_) {
        session_->cancel();
        session_->wait(5000);
    }
}

void CollectSession::start() {
    consentTime_ = utcNowIso8601();
    EnrollmentOptions options{};
    options.size = sizeof options;
    options.pressCount = request_.presses;
    options.finger = static_cast<std::uint32_t>(request_.finger);
    options.duress = request_.duress ? 1 : 0;
    std::snprintf(options.userId, sizeof options.userId, "%s", request_.userId.c_str());
    IEnrollmentSession0* session = nullptr;
    Error error = Error::init();
    if (device_->startEnrollment(&options, this, &session, &error) != kOk || session == nullptr)
        throw std::runtime_error(std::string("Collect could not start: ") + error.message);
    session_ = PluginObject<IEnrollmentSession0>(device_.library(), session);
}

void CollectSession::onEnrollmentEvent(const EnrollmentEvent* e) {
    if (e == nullptr) return;
    CollectEvent event;
    static const char* kinds[] = {"", "prompt", "press", "completed", "failed"};
    event.kind = (e->kind >= 1 && e->kind <= 4) ? kinds[e->kind] : "prompt";
    event.promptCode = e->promptCode;
    event.text = e->text ? e->text : "";
    event.pressesDone = static_cast<int>(e->pressesDone);
    event.pressesNeeded = static_cast<int>(e->pressesNeeded);
    event.quality = e->quality;
    event.accepted = e->accepted != 0;
    event.tone = e->tone != 0;
    event.errorCode = e->errorCode;
    event.duplicateUserId = e->duplicateUserId ? e->duplicateUserId : "";
    if (e->kind == kEventPressEvaluated && e->image != nullptr && e->imageWidth > 0 && e->imageHeight > 0) {
        try {
            GreyImage image(static_cast<int>(e->imageWidth), static_cast<int>(e->imageHeight),
                            static_cast<int>(e->imageDpi));
            image.pixels.assign(e->image, e->image + static_cast<std::size_t>(e->imageWidth) * e->imageHeight);
            event.imagePng = encodePng(image);
        } catch (...) {
            // The press still counts; the UI just shows no picture.
        }
    }
    push(std::move(event));
}

void CollectSession::push(CollectEvent event) {
    std::lock_guard lock(mutex_);
    event.sequence = static_cast<int>(events_.size()) + 1;
    if (event.kind == "completed" || event.kind == "failed" || event.kind == "cancelled") ended_ = true;
    events_.push_back(std::move(event));
    changed_.notify_all();
}

std::vector<CollectEvent> CollectSession::eventsAfter(int afterSequence, int timeoutMs) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, std::chrono::milliseconds(timeoutMs),
                      [&] { return static_cast<int>(events_.size()) > afterSequence; });
    std::vector<CollectEvent> out;
    for (std::size_t i = static_cast<std::size_t>(std::max(afterSequence, 0)); i < events_.size(); ++i)
        out.push_back(events_[i]);
    return out;
}

std::int32_t CollectSession::waitDone(int timeoutMs) {
    return session_ ? session_->wait(static_cast<std::uint32_t>(timeoutMs)) : kSessionFailed;
}

std::string CollectSession::state() {
    if (!session_) return "starting";
    switch (session_->state()) {
        case kSessionRunning: return "running";
        case kSessionCompleted: return "completed";
        case kSessionFailed: return "failed";
        case kSessionCancelled: return "cancelled";
        case kSessionCommitted: return "finished";
        default: return "unknown";
    }
}

void CollectSession::finish() {
    if (!session_) throw UserInputError("the Collect session has not started");
    if (session_->state() != kSessionCompleted)
        throw UserInputError("Finish is possible only after all presses succeeded (the session is " + state() + ")");
    Error error = Error::init();
    if (session_->commit(consentTime_.c_str(), request_.consentOperator.c_str(), &error) != kOk)
        throw UserInputError(std::string("the fingerprint was not saved: ") + error.message);
    CollectEvent done;
    done.kind = "finished";
    done.text = "Fingerprint saved with the user record";
    push(done);
}

void CollectSession::cancel() {
    if (session_) session_->cancel();
}

CollectService::CollectService(ReaderDirectory& readers, UserStore& users, int maxFingersPerUser)
    : readers_(readers), users_(users), maxFingers_(maxFingersPerUser) {}

std::shared_ptr<CollectSession> CollectService::start(const CollectRequest& request) {
    if (!request.consentConfirmed)
        throw UserInputError("the person's consent was not confirmed: show them the privacy notice and confirm first");
    if (request.consentOperator.empty()) throw UserInputError("the operator confirming the consent is not named");
    auto user = users_.findUser(request.userId);
    if (!user) throw UserInputError("no user with id " + request.userId + ": add the user first");
    if (request.finger < 1 || request.finger > 10)
        throw UserInputError("finger position must be 1-10 (1 right thumb ... 10 left little)");
    if (request.presses < 1 || request.presses > 10) throw UserInputError("presses must be between 1 and 10");
    auto fingers = users_.fingerprintsOf(request.userId);
    bool replacing = false;
    for (const auto& f : fingers) {
        if (f.finger == request.finger) replacing = true;
        else if (request.duress && f.duress)
            throw UserInputError("user " + request.userId + " already has a duress finger (" + UserStore::fingerName(f.finger) +
                                 "); only one is allowed");
    }
    if (!replacing && static_cast<int>(fingers.size()) >= maxFingers_)
        throw UserInputError("user " + request.userId + " already has " + std::to_string(fingers.size()) +
                             " fingerprints, the most allowed; delete one first");

    std::string deviceId = request.deviceId;
    if (deviceId.empty()) {
        auto present = readers_.readers();
        if (present.empty()) throw std::runtime_error("no fingerprint reader is connected: plug one in and try again");
        deviceId = present.front().id();
    }
    {
        // Sessions that ended (finished, failed, abandoned by a closed browser) give their reader back.
        std::lock_guard lock(mutex_);
        for (auto it = sessions_.begin(); it != sessions_.end();)
            it = it->second->state() != "running" ? sessions_.erase(it) : std::next(it);
    }
    auto device = readers_.open(deviceId);
    std::string id;
    {
        std::lock_guard lock(mutex_);
        id = "c" + std::to_string(nextId_++);
    }
    CollectRequest resolved = request;
    resolved.deviceId = deviceId;
    auto session = std::make_shared<CollectSession>(id, resolved, std::move(device));
    session->start();
    std::lock_guard lock(mutex_);
    sessions_[id] = session;
    return session;
}

std::shared_ptr<CollectSession> CollectService::find(const std::string& id) {
    std::lock_guard lock(mutex_);
    auto it = sessions_.find(id);
    return it == sessions_.end() ? nullptr : it->second;
}

void CollectService::forget(const std::string& id) {
    std::lock_guard lock(mutex_);
    sessions_.erase(id);
}

} // namespace fpb::host
