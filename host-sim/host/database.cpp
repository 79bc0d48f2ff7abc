// SPDX-License-Identifier: GPL-2.0-or-later
#include "database.h"

#include <sys/stat.h>

#include <chrono>
#include <ctime>

namespace fpb::host {

Statement::Statement(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK)
        throw DatabaseError(std::string("database statement failed to prepare: ") + sqlite3_errmsg(db));
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::bind(int index, const std::string& value) {
    sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
    return *this;
}
Statement& Statement::bind(int index, std::int64_t value) {
    sqlite3_bind_int64(stmt_, index, value);
    return *this;
}
Statement& Statement::bind(int index, const std::vector<std::uint8_t>& blob) {
    sqlite3_bind_blob(stmt_, index, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
    return *this;
}
Statement& Statement::bindNull(int index) {
    sqlite3_bind_null(stmt_, index);
    return *this;
}
Statement& Statement::bind(int index, const std::optional<std::string>& value) {
    return value ? bind(index, *value) : bindNull(index);
}

bool Statement::step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw DatabaseError(std::string("database error: ") + sqlite3_errmsg(db_));
}

std::string Statement::text(int column) const {
    const unsigned char* t = sqlite3_column_text(stmt_, column);
    return t ? std::string(reinterpret_cast<const char*>(t), sqlite3_column_bytes(stmt_, column)) : std::string();
}
std::optional<std::string> Statement::optionalText(int column) const {
    if (sqlite3_column_type(stmt_, column) == SQLITE_NULL) return std::nullopt;
    return text(column);
}
std::int64_t Statement::integer(int column) const { return sqlite3_column_int64(stmt_, column); }
std::vector<std::uint8_t> Statement::blob(int column) const {
    const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, column));
    return p ? std::vector<std::uint8_t>(p, p + sqlite3_column_bytes(stmt_, column)) : std::vector<std::uint8_t>();
}

Database::Database(const std::filesystem::path& file) : file_(file) {
    std::error_code ec;
    std::filesystem::create_directories(file.parent_path(), ec);
    // Biometric data lives here: only the owner may read the file, even before the first write.
    mode_t old = ::umask(077);
    int rc = sqlite3_open_v2(file.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                             nullptr);
    ::umask(old);
    if (rc != SQLITE_OK) {
        std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
        sqlite3_close(db_);
        db_ = nullptr;
        throw DatabaseError("cannot open database " + file.string() + ": " + msg +
                            "; check that the data directory exists and is writable (--data-dir / FPB_DATA_DIR)");
    }
    sqlite3_busy_timeout(db_, 10000);
    exec("PRAGMA foreign_keys = ON");
    // Deleted rows are overwritten with zeros, so erased templates do not linger in free pages.
    exec("PRAGMA secure_delete = ON");
    exec("PRAGMA journal_mode = WAL");
    exec("PRAGMA synchronous = FULL");
    exec("CREATE TABLE IF NOT EXISTS schema_versions (component TEXT PRIMARY KEY, version INTEGER NOT NULL)");
}

Database::~Database() {
    if (db_) {
        sqlite3_exec(db_, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr);
        sqlite3_close_v2(db_);
    }
}

void Database::exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
        std::string msg = err ? err : "unknown";
        sqlite3_free(err);
        throw DatabaseError("database error: " + msg);
    }
}

void Database::transaction(const std::function<void()>& body) {
    std::lock_guard lock(mutex_);
    if (!sqlite3_get_autocommit(db_)) {  // already inside one (same thread: the mutex is ours): join it
        body();
        return;
    }
    exec("BEGIN IMMEDIATE");
    try {
        body();
        exec("COMMIT");
    } catch (...) {
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
}

int Database::schemaVersion(const std::string& component) {
    std::lock_guard lock(mutex_);
    Statement q(db_, "SELECT version FROM schema_versions WHERE component = ?");
    q.bind(1, component);
    return q.step() ? static_cast<int>(q.integer(0)) : 0;
}

void Database::migrate(const std::string& component, const std::vector<Migration>& migrations) {
    std::lock_guard lock(mutex_);
    int current = schemaVersion(component);
    int newest = migrations.empty() ? 0 : migrations.back().version;
    if (current > newest)
        throw DatabaseError("database " + file_.string() + " has " + component + " schema version " +
                            std::to_string(current) + ", newer than this fpb-host knows (" + std::to_string(newest) +
                            "); upgrade fpb-host or use a different --data-dir");
    for (const auto& m : migrations) {
        if (m.version <= current) continue;
        transaction([&] {
            exec(m.sql);
            Statement up(db_, "INSERT INTO schema_versions(component, version) VALUES(?, ?) "
                              "ON CONFLICT(component) DO UPDATE SET version = excluded.version");
            up.bind(1, component).bind(2, static_cast<std::int64_t>(m.version)).run();
        });
    }
}

std::string utcNowIso8601() {
    std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

} // namespace fpb::host
