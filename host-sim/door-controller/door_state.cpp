// SPDX-License-Identifier: GPL-2.0-or-later
#include "door_state.h"

#include <sys/stat.h>

#include <cstdio>

namespace fpb::door {
namespace {

class Statement {
public:
    Statement(sqlite3* db, const char* sql) : db_(db) {
        if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK)
            throw DoorError(std::string("door state: statement failed to prepare: ") + sqlite3_errmsg(db));
    }
    ~Statement() { sqlite3_finalize(stmt_); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    Statement& bind(int index, const std::string& text) {
        sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
        return *this;
    }
    Statement& bind(int index, std::int64_t value) {
        sqlite3_bind_int64(stmt_, index, value);
        return *this;
    }
    Statement& bind(int index, const std::vector<std::uint8_t>& blob) {
        sqlite3_bind_blob(stmt_, index, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
        return *this;
    }
    bool step() {
        int rc = sqlite3_step(stmt_);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        throw DoorError(std::string("door state: database error: ") + sqlite3_errmsg(db_));
    }
    std::string text(int column) const {
        auto* t = sqlite3_column_text(stmt_, column);
        return t ? std::string(reinterpret_cast<const char*>(t), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)))
                 : std::string();
    }
    std::int64_t integer(int column) const { return sqlite3_column_int64(stmt_, column); }
    std::vector<std::uint8_t> blob(int column) const {
        auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, column));
        return p ? std::vector<std::uint8_t>(p, p + sqlite3_column_bytes(stmt_, column)) : std::vector<std::uint8_t>();
    }

private:
    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
};

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY, password TEXT NOT NULL, level TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS credentials (
  sequence INTEGER PRIMARY KEY,
  token TEXT NOT NULL UNIQUE,
  holder TEXT NOT NULL,
  description TEXT NOT NULL,
  enabled INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS identifiers (
  token TEXT NOT NULL REFERENCES credentials(token) ON DELETE CASCADE,
  type TEXT NOT NULL,
  format TEXT NOT NULL,
  exempted INTEGER NOT NULL,
  value BLOB NOT NULL,
  PRIMARY KEY (token, type));
CREATE INDEX IF NOT EXISTS identifiers_by_value ON identifiers(type, format, value);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  time TEXT NOT NULL,
  access_point TEXT NOT NULL,
  topic TEXT NOT NULL,
  holder TEXT NOT NULL,
  credential TEXT NOT NULL,
  score INTEGER NOT NULL);
)sql";

} // namespace

class DoorState::Transaction {
public:
    explicit Transaction(const DoorState& state) : state_(state), lock_(state.mutex_) {
        state_.exec("BEGIN IMMEDIATE");
    }
    ~Transaction() {
        if (!committed_) sqlite3_exec(state_.db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    void commit() {
        state_.exec("COMMIT");
        committed_ = true;
    }

private:
    const DoorState& state_;
    std::lock_guard<std::recursive_mutex> lock_;
    bool committed_ = false;
};

DoorState::DoorState(const std::filesystem::path& stateDirectory) {
    std::error_code ec;
    std::filesystem::create_directories(stateDirectory, ec);
    if (ec)
        throw DoorError("cannot create the state directory " + stateDirectory.string() + ": " + ec.message() +
                        " (choose a writable --state directory)");
    auto file = stateDirectory / "door.sqlite";
    int rc = sqlite3_open_v2(file.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
    if (rc != SQLITE_OK) {
        std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
        sqlite3_close(db_);
        db_ = nullptr;
        throw DoorError("cannot open the door state " + file.string() + ": " + message);
    }
    chmod(file.c_str(), 0600);  // it holds the users' passwords
    sqlite3_busy_timeout(db_, 10000);
    exec("PRAGMA journal_mode = WAL");
    exec("PRAGMA synchronous = NORMAL");
    exec("PRAGMA foreign_keys = ON");
    exec(kSchema);
}

DoorState::~DoorState() { sqlite3_close(db_); }

void DoorState::exec(const char* sql) const {
    char* error = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
        std::string message = error ? error : "unknown error";
        sqlite3_free(error);
        throw DoorError("door state: " + message);
    }
}

std::vector<DoorUser> DoorState::users() const {
    std::lock_guard lock(mutex_);
    Statement s(db_, "SELECT name, password, level FROM users ORDER BY name");
    std::vector<DoorUser> out;
    while (s.step()) out.push_back({s.text(0), s.text(1), s.text(2)});
    return out;
}

std::optional<DoorUser> DoorState::user(const std::string& name) const {
    std::lock_guard lock(mutex_);
    Statement s(db_, "SELECT name, password, level FROM users WHERE name = ?");
    s.bind(1, name);
    if (!s.step()) return std::nullopt;
    return DoorUser{s.text(0), s.text(1), s.text(2)};
}

void DoorState::putUser(const DoorUser& user) {
    std::lock_guard lock(mutex_);
    Statement s(db_, "INSERT INTO users(name, password, level) VALUES(?, ?, ?) "
                     "ON CONFLICT(name) DO UPDATE SET password = excluded.password, level = excluded.level");
    s.bind(1, user.name).bind(2, user.password).bind(3, user.level).step();
}

std::size_t DoorState::credentialCount() const {
    std::lock_guard lock(mutex_);
    Statement s(db_, "SELECT COUNT(*) FROM credentials");
    s.step();
    return static_cast<std::size_t>(s.integer(0));
}

std::vector<StoredIdentifier> DoorState::identifiersOf(const std::string& token) const {
    Statement s(db_, "SELECT type, format, exempted, value FROM identifiers WHERE token = ? ORDER BY rowid");
    s.bind(1, token);
    std::vector<StoredIdentifier> out;
    while (s.step()) out.push_back({s.text(0), s.text(1), s.integer(2) != 0, s.blob(3)});
    return out;
}

std::optional<StoredCredential> DoorState::credential(const std::string& token) const {
    std::lock_guard lock(mutex_);
    Statement s(db_, "SELECT token, holder, description, enabled FROM credentials WHERE token = ?");
    s.bind(1, token);
    if (!s.step()) return std::nullopt;
    StoredCredential c{s.text(0), s.text(1), s.text(2), s.integer(3) != 0, {}};
    c.identifiers = identifiersOf(c.token);
    return c;
}

std::vector<StoredCredential> DoorState::credentialPage(std::int64_t fromSequence, std::size_t limit, std::int64_t& next) const {
    std::lock_guard lock(mutex_);
    Statement s(db_, "SELECT sequence, token, holder, description, enabled FROM credentials "
                     "WHERE sequence >= ? ORDER BY sequence LIMIT ?");
    s.bind(1, fromSequence).bind(2, static_cast<std::int64_t>(limit) + 1);
    std::vector<StoredCredential> out;
    next = 0;
    while (s.step()) {
        if (out.size() == limit) {
            next = s.integer(0);
            break;
        }
        out.push_back({s.text(1), s.text(2), s.text(3), s.integer(4) != 0, {}});
    }
    for (auto& c : out) c.identifiers = identifiersOf(c.token);
    return out;
}

std::vector<StoredCredential> DoorState::allCredentials() const {
    std::int64_t next = 0;
    return credentialPage(0, static_cast<std::size_t>(INT32_MAX), next);
}

std::optional<std::string> DoorState::findIdentifierOwner(const StoredIdentifier& identifier, const std::string& exceptToken) const {
    std::lock_guard lock(mutex_);
    Statement s(db_, "SELECT token FROM identifiers WHERE type = ? AND format = ? AND value = ? AND token <> ? LIMIT 1");
    s.bind(1, identifier.type).bind(2, identifier.formatType).bind(3, identifier.value).bind(4, exceptToken);
    if (!s.step()) return std::nullopt;
    return s.text(0);
}

std::int64_t DoorState::nextCounter(const char* name) {
    Statement s(db_, "INSERT INTO counters(name, value) VALUES(?, 1) "
                     "ON CONFLICT(name) DO UPDATE SET value = value + 1 RETURNING value");
    s.bind(1, std::string(name));
    s.step();
    return s.integer(0);
}

namespace {
void insertIdentifiers(sqlite3* db, const StoredCredential& credential) {
    for (const auto& id : credential.identifiers) {
        Statement s(db, "INSERT INTO identifiers(token, type, format, exempted, value) VALUES(?, ?, ?, ?, ?)");
        s.bind(1, credential.token).bind(2, id.type).bind(3, id.formatType)
            .bind(4, std::int64_t{id.exemptedFromAuthentication}).bind(5, id.value).step();
    }
}
} // namespace

std::string DoorState::createCredential(const StoredCredential& credential, std::size_t maxCredentials) {
    Transaction tx(*this);
    {
        Statement count(db_, "SELECT COUNT(*) FROM credentials");
        count.step();
        if (static_cast<std::size_t>(count.integer(0)) >= maxCredentials) return {};
    }
    // Tokens are never reused, even after a delete: a stale client reference cannot hit a new credential.
    char token[32];
    std::snprintf(token, sizeof token, "credential-%06lld", static_cast<long long>(nextCounter("credential-token")));
    StoredCredential stored = credential;
    stored.token = token;
    Statement s(db_, "INSERT INTO credentials(token, holder, description, enabled) VALUES(?, ?, ?, ?)");
    s.bind(1, stored.token).bind(2, stored.holderReference).bind(3, stored.description)
        .bind(4, std::int64_t{stored.enabled}).step();
    insertIdentifiers(db_, stored);
    tx.commit();
    return stored.token;
}

bool DoorState::replaceCredential(const StoredCredential& credential) {
    Transaction tx(*this);
    Statement s(db_, "UPDATE credentials SET holder = ?, description = ? WHERE token = ?");
    s.bind(1, credential.holderReference).bind(2, credential.description).bind(3, credential.token).step();
    if (sqlite3_changes(db_) == 0) return false;
    Statement drop(db_, "DELETE FROM identifiers WHERE token = ?");
    drop.bind(1, credential.token).step();
    insertIdentifiers(db_, credential);
    tx.commit();
    return true;
}

bool DoorState::deleteCredential(const std::string& token) {
    Transaction tx(*this);
    Statement s(db_, "DELETE FROM credentials WHERE token = ?");
    s.bind(1, token).step();
    bool found = sqlite3_changes(db_) > 0;
    tx.commit();
    return found;
}

void DoorState::countRequest(const std::string& operation) {
    std::lock_guard lock(mutex_);
    Statement s(db_, "INSERT INTO counters(name, value) VALUES(?, 1) ON CONFLICT(name) DO UPDATE SET value = value + 1");
    s.bind(1, "requests/" + operation).step();
}

std::vector<std::pair<std::string, std::int64_t>> DoorState::requestCounts() const {
    std::lock_guard lock(mutex_);
    Statement s(db_, "SELECT substr(name, 10), value FROM counters WHERE name LIKE 'requests/%' ORDER BY name");
    std::vector<std::pair<std::string, std::int64_t>> out;
    while (s.step()) out.emplace_back(s.text(0), s.integer(1));
    return out;
}

void DoorState::putSetting(const std::string& key, const std::string& value) {
    std::lock_guard lock(mutex_);
    Statement s(db_, "INSERT INTO settings(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    s.bind(1, key).bind(2, value).step();
}

std::optional<std::string> DoorState::setting(const std::string& key) const {
    std::lock_guard lock(mutex_);
    Statement s(db_, "SELECT value FROM settings WHERE key = ?");
    s.bind(1, key);
    if (!s.step()) return std::nullopt;
    return s.text(0);
}

void DoorState::addEvent(const DoorEvent& event) {
    std::lock_guard lock(mutex_);
    Statement s(db_, "INSERT INTO events(time, access_point, topic, holder, credential, score) VALUES(?, ?, ?, ?, ?, ?)");
    s.bind(1, event.time).bind(2, event.accessPoint).bind(3, event.topic).bind(4, event.holder)
        .bind(5, event.credentialToken).bind(6, std::int64_t{event.score}).step();
}

std::vector<DoorEvent> DoorState::events() const {
    std::lock_guard lock(mutex_);
    Statement s(db_, "SELECT id, time, access_point, topic, holder, credential, score FROM events ORDER BY id");
    std::vector<DoorEvent> out;
    while (s.step())
        out.push_back({s.integer(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5), static_cast<int>(s.integer(6))});
    return out;
}

} // namespace fpb::door
