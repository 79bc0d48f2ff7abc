// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <fpbridge/fpbridge.h>

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "reader_directory.h"
#include "user_store.h"

namespace fpb::host {

/// What the operator asked for when clicking Collect.
struct CollectRequest {
    std::string userId;
    int finger = 2;                 ///< ISO position, 2 = right index
    bool duress = false;
    std::string deviceId;           ///< empty: the only/first reader
    unsigned presses = 3;
    bool consentConfirmed = false;  ///< the operator confirmed the person's consent to the privacy notice
    std::string consentOperator;
};

/// One event of a Collect session, as the UI and the terminal show it.
struct CollectEvent {
    int sequence = 0;
    std::string kind;      ///< prompt | press | completed | failed | finished | cancelled
    int promptCode = 0;
    std::string text;
    int pressesDone = 0;
    int pressesNeeded = 0;
    int quality = -1;
    bool accepted = false;
    bool tone = false;
    std::vector<std::uint8_t> imagePng;  ///< press events: the captured image
    std::string duplicateUserId;
    int errorCode = 0;
};

/// A running Collect: the plugin's enrollment session on one reader, its events, and Finish/Cancel.
class CollectSession final : public IEnrollmentListener {
public:
    CollectSession(std::string id, CollectRequest request, PluginObject<IDevice0> device);
    ~CollectSession();

    const std::string& id() const { return id_; }
    const CollectRequest& request() const { return request_; }
    /// Starts the plugin's session. Throws std::runtime_error with the plugin's message.
    void start();
    /// Events after `afterSequence`, waiting up to `timeoutMs` for at least one.
    std::vector<CollectEvent> eventsAfter(int afterSequence, int timeoutMs);
    /// Blocks until the session ended (completed, failed, cancelled) or the timeout passed.
    std::int32_t waitDone(int timeoutMs);
    /// Finish: stores the fingerprint (through the plugin, which also queues it for the doors).
    void finish();
    void cancel();
    std::string state();

    void onEnrollmentEvent(const EnrollmentEvent* event) override;

private:
    void push(CollectEvent event);
    std::string id_;
    CollectRequest request_;
    std::string consentTime_;
    PluginObject<IDevice0> device_;
    PluginObject<IEnrollmentSession0> session_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<CollectEvent> events_;
    bool ended_ = false;
    bool finished_ = false;
};

/// Starts and tracks Collect sessions; checks the request against the user record first.
class CollectService {
public:
    CollectService(ReaderDirectory& readers, UserStore& users, int maxFingersPerUser);
    std::shared_ptr<CollectSession> start(const CollectRequest& request);
    std::shared_ptr<CollectSession> find(const std::string& id);
    void forget(const std::string& id);

private:
    ReaderDirectory& readers_;
    UserStore& users_;
    int maxFingers_;
    std::mutex mutex_;
    std::map<std::string, std::shared_ptr<CollectSession>> sessions_;
    int nextId_ = 1;
};

} // namespace fpb::host
