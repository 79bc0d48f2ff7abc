// SPDX-License-Identifier: GPL-2.0-or-later
// Keeps each door controller's fingerprint credentials equal to the host's records.
//
// Every change goes through the durable outbox; one worker thread per controller drains it with
// retries (exponential backoff with jitter). A worker first connects (clock, services), checks that
// the controller takes pt:Fingerprint in a format we can write, then reconciles: it lists the
// controller's credentials, records what is really there and queues every user whose credential
// differs from the host's records. That reconcile runs after every start and after any request
// whose answer was lost, so a crash or an outage can neither lose nor duplicate a credential.
#pragma once
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "publisher/outbox.h"
#include "publisher/record_source.h"

namespace fpb::publisher {

struct PublisherOptions {
    std::chrono::milliseconds retryBase{1000};
    std::chrono::milliseconds retryMax{30000};
    std::size_t batchSize = 256;
    /// Requests in flight per controller (one connection each; a user's changes stay in order).
    /// Round trips, not CPU, bound a sync; most controllers serve a few connections at once.
    int connectionsPerController = 4;
};

struct ControllerStatus {
    std::string id, name, endpoint;
    bool reachable = false;
    std::time_t lastSync = 0;          ///< last completed reconcile (0 = never)
    std::size_t queuedChanges = 0;
    std::size_t publishedCredentials = 0;
    std::string formatType;
    std::string lastError;             ///< "" when the last round went well
};

struct SyncReport {
    std::size_t created = 0, modified = 0, deleted = 0, unchanged = 0, refused = 0;
    std::string error;                 ///< "" on success
};

using SyncProgress = std::function<void(std::size_t done, std::size_t total)>;

class ControllerPublisher {
public:
    ControllerPublisher(RecordSource& source, const std::string& outboxPath, PublisherOptions options = {});
    ~ControllerPublisher();
    ControllerPublisher(const ControllerPublisher&) = delete;
    ControllerPublisher& operator=(const ControllerPublisher&) = delete;

    void start();
    void stop();
    /// The host changed or deleted a user: queue the user for every controller.
    void userChanged(const std::string& userId);
    /// The host's controller list changed: start workers for new controllers, forget removed ones.
    void controllersChanged();
    std::vector<ControllerStatus> statuses();
    /// Compares the controller with the host records now and repairs every difference; blocks
    /// until done or `timeout`. Progress runs on the worker thread.
    SyncReport sync(const std::string& controllerId, const SyncProgress& progress, std::chrono::seconds timeout);
    /// True once every controller's queue is empty and reconciled (false at timeout).
    bool waitForIdle(std::chrono::milliseconds timeout);

private:
    struct Worker;
    void run(Worker& worker);
    void ensureSession(Worker& worker);
    void reconcile(Worker& worker, SyncReport* report);
    std::size_t drain(Worker& worker, SyncReport* report, const SyncProgress* progress, std::size_t total);
    void publishOne(Worker& worker, onvif::OnvifClient& client, const PendingChange& change, SyncReport* report);
    void publishBatch(Worker& worker, onvif::OnvifClient& client, const std::vector<PendingChange>& changes,
                      SyncReport* report, const SyncProgress* progress, std::size_t& done, std::size_t total);
    std::chrono::milliseconds backoff(int failures);

    RecordSource& source_;
    Outbox outbox_;
    PublisherOptions options_;
    std::mutex mutex_;
    std::map<std::string, std::unique_ptr<Worker>> workers_;
    bool started_ = false;
};

} // namespace fpb::publisher
