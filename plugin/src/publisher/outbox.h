// SPDX-License-Identifier: GPL-2.0-or-later
// The durable outbox: per controller, which users still need publishing, and what we believe each
// controller holds (credential token and a digest of the published value; never the template).
// One SQLite file in the plugin's data directory, WAL, every change in a transaction, so a killed
// process loses nothing: an entry leaves the outbox only after the controller confirmed it.
#pragma once
#include <cstdint>
#include <ctime>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

struct sqlite3;

namespace fpb::publisher {

struct PendingChange {
    std::string controllerId;
    std::string userId;
    std::int64_t generation = 0;   ///< bumped by every newer change for the same user
    int attempts = 0;
};

struct PublishedCredential {
    std::string token;
    std::string digest;
};

struct ControllerRecord {
    bool needsReconcile = true;
    std::time_t lastSync = 0;
    std::string lastError;
    bool reachable = false;
    std::string formatType;
    int failures = 0;
    std::time_t dueAt = 0;         ///< backoff: no attempt before this time
};

class Outbox {
public:
    /// Opens or creates the outbox; throws std::runtime_error naming the file and the cause.
    explicit Outbox(const std::string& path);
    ~Outbox();
    Outbox(const Outbox&) = delete;
    Outbox& operator=(const Outbox&) = delete;

    /// Queues "bring this user up to date" for each controller; a newer change supersedes an older one.
    void enqueue(const std::vector<std::string>& controllerIds, const std::string& userId);
    void enqueueMany(const std::string& controllerId, const std::vector<std::string>& userIds);
    /// Changes due now for one controller, oldest first.
    std::vector<PendingChange> due(const std::string& controllerId, std::time_t now, std::size_t limit);
    /// Records what the controller now holds for the user (nullopt: nothing) and removes the change
    /// unless a newer one arrived meanwhile, in one transaction.
    void completeWith(const PendingChange& change, const std::optional<PublishedCredential>& credential);
    /// Keeps the change, to be tried again at `retryAt`.
    void postpone(const PendingChange& change, std::time_t retryAt, const std::string& error);
    std::size_t pendingCount(const std::string& controllerId);
    std::optional<std::time_t> nextDue(const std::string& controllerId);

    /// Replaces everything we believe about one controller (after reading its credential list).
    void replacePublished(const std::string& controllerId,
                          const std::vector<std::pair<std::string, PublishedCredential>>& byUser);
    std::size_t publishedCount(const std::string& controllerId);
    /// Everything we believe one controller holds, by user.
    std::map<std::string, PublishedCredential> publishedOf(const std::string& controllerId);

    ControllerRecord controller(const std::string& controllerId);
    void saveController(const std::string& controllerId, const ControllerRecord& record);
    /// Every controller the outbox knows (to forget removed ones).
    std::vector<std::string> knownControllers();
    void forgetController(const std::string& controllerId);

private:
    void exec(const char* sql);
    sqlite3* db_ = nullptr;
    std::mutex mutex_;
    std::string path_;
};

} // namespace fpb::publisher
