// SPDX-License-Identifier: GPL-2.0-or-later
#include "publisher/outbox.h"

#include <sqlite3.h>

#include <stdexcept>

namespace fpb::publisher {
namespace {

// A prepared statement that finalises itself; errors become exceptions naming the statement.
class Statement {
public:
    Statement(sqlite3* db, const char* sql) : db_(db) {
        if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK)
            throw std::runtime_error(std::string("outbox: cannot prepare statement: ") + sqlite3_errmsg(db));
    }
    ~Statement() { sqlite3_finalize(stmt_); }
    Statement& bind(int i, const std::string& v) {
        sqlite3_bind_text(stmt_, i, v.c_str(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
        return *this;
    }
    Statement& bind(int i, std::int64_t v) {
        sqlite3_bind_int64(stmt_, i, v);
        return *this;
    }
    void reset() { sqlite3_reset(stmt_); }
    bool step() {
        int rc = sqlite3_step(stmt_);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        throw std::runtime_error(std::string("outbox: ") + sqlite3_errmsg(db_));
    }
    std::string text(int i) {
        auto* p = sqlite3_column_text(stmt_, i);
        return p ? reinterpret_cast<const char*>(p) : "";
    }
    std::int64_t integer(int i) { return sqlite3_column_int64(stmt_, i); }
    bool isNull(int i) { return sqlite3_column_type(stmt_, i) == SQLITE_NULL; }

private:
    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
};

} // namespace

Outbox::Outbox(const std::string& path) : path_(path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr) !=
        SQLITE_OK) {
        std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
        sqlite3_close(db_);
        db_ = nullptr;
        throw std::runtime_error("cannot open the publisher's outbox " + path + ": " + why +
                                 ". Check that the plugin's data folder exists and is writable");
    }
    sqlite3_busy_timeout(db_, 5000);
    exec("PRAGMA journal_mode=WAL");
    // NORMAL in WAL mode survives a killed process; after a power cut the reconcile at start-up
    // reads back what the controllers hold, so no fsync per change is needed.
    exec("PRAGMA synchronous=NORMAL");
    exec("CREATE TABLE IF NOT EXISTS pending("
         " controller_id TEXT NOT NULL, user_id TEXT NOT NULL, generation INTEGER NOT NULL,"
         " attempts INTEGER NOT NULL DEFAULT 0, due_at INTEGER NOT NULL, queued_at INTEGER NOT NULL,"
         " last_error TEXT, PRIMARY KEY(controller_id, user_id))");
    exec("CREATE INDEX IF NOT EXISTS pending_due ON pending(controller_id, due_at)");
    exec("CREATE TABLE IF NOT EXISTS published("
         " controller_id TEXT NOT NULL, user_id TEXT NOT NULL, token TEXT NOT NULL, digest TEXT NOT NULL,"
         " PRIMARY KEY(controller_id, user_id))");
    exec("CREATE TABLE IF NOT EXISTS controller_state("
         " controller_id TEXT PRIMARY KEY, needs_reconcile INTEGER NOT NULL, last_sync INTEGER NOT NULL,"
         " last_error TEXT NOT NULL, reachable INTEGER NOT NULL, format_type TEXT NOT NULL,"
         " failures INTEGER NOT NULL, due_at INTEGER NOT NULL)");
}

Outbox::~Outbox() { sqlite3_close(db_); }

void Outbox::exec(const char* sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
        std::string why = message ? message : "unknown";
        sqlite3_free(message);
        throw std::runtime_error("outbox " + path_ + ": " + why);
    }
}

void Outbox::enqueue(const std::vector<std::string>& controllerIds, const std::string& userId) {
    std::lock_guard lock(mutex_);
    exec("BEGIN IMMEDIATE");
    try {
        std::int64_t now = std::time(nullptr);
        for (const auto& id : controllerIds)
            Statement(db_, "INSERT INTO pending(controller_id, user_id, generation, due_at, queued_at) VALUES(?1, ?2, 1, ?3, ?3)"
                           " ON CONFLICT(controller_id, user_id) DO UPDATE SET generation = generation + 1,"
                           " due_at = MIN(due_at, ?3), attempts = 0")
                .bind(1, id).bind(2, userId).bind(3, now).step();
        exec("COMMIT");
    } catch (...) {
        exec("ROLLBACK");
        throw;
    }
}

void Outbox::enqueueMany(const std::string& controllerId, const std::vector<std::string>& userIds) {
    std::lock_guard lock(mutex_);
    exec("BEGIN IMMEDIATE");
    try {
        std::int64_t now = std::time(nullptr);
        Statement insert(db_, "INSERT INTO pending(controller_id, user_id, generation, due_at, queued_at) VALUES(?1, ?2, 1, ?3, ?3)"
                              " ON CONFLICT(controller_id, user_id) DO UPDATE SET due_at = MIN(due_at, ?3)");
        for (const auto& user : userIds) {
            insert.bind(1, controllerId).bind(2, user).bind(3, now).step();
            insert.reset();
        }
        exec("COMMIT");
    } catch (...) {
        exec("ROLLBACK");
        throw;
    }
}

std::vector<PendingChange> Outbox::due(const std::string& controllerId, std::time_t now, std::size_t limit) {
    std::lock_guard lock(mutex_);
    Statement q(db_, "SELECT user_id, generation, attempts FROM pending WHERE controller_id = ?1 AND due_at <= ?2"
                     " ORDER BY due_at, queued_at LIMIT ?3");
    q.bind(1, controllerId).bind(2, static_cast<std::int64_t>(now)).bind(3, static_cast<std::int64_t>(limit));
    std::vector<PendingChange> out;
    while (q.step()) out.push_back({controllerId, q.text(0), q.integer(1), static_cast<int>(q.integer(2))});
    return out;
}

void Outbox::completeWith(const PendingChange& change, const std::optional<PublishedCredential>& credential) {
    std::lock_guard lock(mutex_);
    exec("BEGIN IMMEDIATE");
    try {
        if (credential)
            Statement(db_, "INSERT INTO published(controller_id, user_id, token, digest) VALUES(?1, ?2, ?3, ?4)"
                           " ON CONFLICT(controller_id, user_id) DO UPDATE SET token = ?3, digest = ?4")
                .bind(1, change.controllerId).bind(2, change.userId).bind(3, credential->token).bind(4, credential->digest).step();
        else
            Statement(db_, "DELETE FROM published WHERE controller_id = ?1 AND user_id = ?2")
                .bind(1, change.controllerId).bind(2, change.userId).step();
        Statement(db_, "DELETE FROM pending WHERE controller_id = ?1 AND user_id = ?2 AND generation = ?3")
            .bind(1, change.controllerId).bind(2, change.userId).bind(3, change.generation).step();
        exec("COMMIT");
    } catch (...) {
        exec("ROLLBACK");
        throw;
    }
}

std::map<std::string, PublishedCredential> Outbox::publishedOf(const std::string& controllerId) {
    std::lock_guard lock(mutex_);
    Statement q(db_, "SELECT user_id, token, digest FROM published WHERE controller_id = ?1");
    q.bind(1, controllerId);
    std::map<std::string, PublishedCredential> out;
    while (q.step()) out[q.text(0)] = PublishedCredential{q.text(1), q.text(2)};
    return out;
}

void Outbox::postpone(const PendingChange& change, std::time_t retryAt, const std::string& error) {
    std::lock_guard lock(mutex_);
    Statement(db_, "UPDATE pending SET attempts = attempts + 1, due_at = ?3, last_error = ?4"
                   " WHERE controller_id = ?1 AND user_id = ?2 AND generation = ?5")
        .bind(1, change.controllerId).bind(2, change.userId).bind(3, static_cast<std::int64_t>(retryAt))
        .bind(4, error).bind(5, change.generation).step();
}

std::size_t Outbox::pendingCount(const std::string& controllerId) {
    std::lock_guard lock(mutex_);
    Statement q(db_, "SELECT COUNT(*) FROM pending WHERE controller_id = ?1");
    q.bind(1, controllerId).step();
    return static_cast<std::size_t>(q.integer(0));
}

std::optional<std::time_t> Outbox::nextDue(const std::string& controllerId) {
    std::lock_guard lock(mutex_);
    Statement q(db_, "SELECT MIN(due_at) FROM pending WHERE controller_id = ?1");
    q.bind(1, controllerId).step();
    if (q.isNull(0)) return std::nullopt;
    return static_cast<std::time_t>(q.integer(0));
}

void Outbox::replacePublished(const std::string& controllerId,
                              const std::vector<std::pair<std::string, PublishedCredential>>& byUser) {
    std::lock_guard lock(mutex_);
    exec("BEGIN IMMEDIATE");
    try {
        Statement(db_, "DELETE FROM published WHERE controller_id = ?1").bind(1, controllerId).step();
        for (const auto& [user, credential] : byUser)
            Statement(db_, "INSERT OR REPLACE INTO published(controller_id, user_id, token, digest) VALUES(?1, ?2, ?3, ?4)")
                .bind(1, controllerId).bind(2, user).bind(3, credential.token).bind(4, credential.digest).step();
        exec("COMMIT");
    } catch (...) {
        exec("ROLLBACK");
        throw;
    }
}

std::size_t Outbox::publishedCount(const std::string& controllerId) {
    std::lock_guard lock(mutex_);
    Statement q(db_, "SELECT COUNT(*) FROM published WHERE controller_id = ?1");
    q.bind(1, controllerId).step();
    return static_cast<std::size_t>(q.integer(0));
}

ControllerRecord Outbox::controller(const std::string& controllerId) {
    std::lock_guard lock(mutex_);
    Statement q(db_, "SELECT needs_reconcile, last_sync, last_error, reachable, format_type, failures, due_at"
                     " FROM controller_state WHERE controller_id = ?1");
    q.bind(1, controllerId);
    ControllerRecord r;
    if (!q.step()) return r;
    r.needsReconcile = q.integer(0) != 0;
    r.lastSync = static_cast<std::time_t>(q.integer(1));
    r.lastError = q.text(2);
    r.reachable = q.integer(3) != 0;
    r.formatType = q.text(4);
    r.failures = static_cast<int>(q.integer(5));
    r.dueAt = static_cast<std::time_t>(q.integer(6));
    return r;
}

void Outbox::saveController(const std::string& controllerId, const ControllerRecord& r) {
    std::lock_guard lock(mutex_);
    Statement(db_, "INSERT OR REPLACE INTO controller_state(controller_id, needs_reconcile, last_sync, last_error,"
                   " reachable, format_type, failures, due_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")
        .bind(1, controllerId).bind(2, r.needsReconcile ? 1 : 0).bind(3, static_cast<std::int64_t>(r.lastSync))
        .bind(4, r.lastError).bind(5, r.reachable ? 1 : 0).bind(6, r.formatType).bind(7, r.failures)
        .bind(8, static_cast<std::int64_t>(r.dueAt)).step();
}

std::vector<std::string> Outbox::knownControllers() {
    std::lock_guard lock(mutex_);
    Statement q(db_, "SELECT controller_id FROM controller_state UNION SELECT DISTINCT controller_id FROM pending"
                     " UNION SELECT DISTINCT controller_id FROM published");
    std::vector<std::string> out;
    while (q.step()) out.push_back(q.text(0));
    return out;
}

void Outbox::forgetController(const std::string& controllerId) {
    std::lock_guard lock(mutex_);
    exec("BEGIN IMMEDIATE");
    for (const char* sql : {"DELETE FROM pending WHERE controller_id = ?1", "DELETE FROM published WHERE controller_id = ?1",
                            "DELETE FROM controller_state WHERE controller_id = ?1"})
        Statement(db_, sql).bind(1, controllerId).step();
    exec("COMMIT");
}

} // namespace fpb::publisher
