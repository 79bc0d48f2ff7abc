// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace fpb::host {

class DatabaseError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// One prepared statement; binds by 1-based index, steps, reads columns.
class Statement {
public:
    Statement(sqlite3* db, const char* sql);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    Statement& bind(int index, const std::string& value);
    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, const std::vector<std::uint8_t>& blob);
    Statement& bindNull(int index);
    Statement& bind(int index, const std::optional<std::string>& value);
    /// True while there is a row.
    bool step();
    void run() { while (step()) {} }

    std::string text(int column) const;
    std::optional<std::string> optionalText(int column) const;
    std::int64_t integer(int column) const;
    std::vector<std::uint8_t> blob(int column) const;

private:
    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
};

/// The host's SQLite database (users, fingerprints, secrets, audit log, controllers). Components
/// bring their own numbered migrations; each runs once, in order, inside a transaction.
class Database {
public:
    struct Migration {
        int version;
        const char* sql;
    };

    explicit Database(const std::filesystem::path& file);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    /// Brings `component`'s schema up to its newest version. Refuses a database written by a newer
    /// fpb-host (schema version higher than this build knows).
    void migrate(const std::string& component, const std::vector<Migration>& migrations);
    int schemaVersion(const std::string& component);

    sqlite3* handle() { return db_; }
    std::recursive_mutex& mutex() { return mutex_; }
    void exec(const char* sql);

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    void transaction(const std::function<void()>& body);

private:
    sqlite3* db_ = nullptr;
    std::recursive_mutex mutex_;
    std::filesystem::path file_;
};

std::string utcNowIso8601();

} // namespace fpb::host
