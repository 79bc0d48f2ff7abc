// SPDX-License-Identifier: GPL-2.0-or-later
// The door controller's persistent state in <state dir>/door.sqlite (WAL): users, credentials
// with their identifiers, counters, settings and access events. Every change is one committed
// transaction, so a request is either fully applied or not at all. Several processes may use
// the same file (fpb-door serve and fpb-door present/events/credentials).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "door_controller_simulator.h"

namespace fpb::door {

class DoorState {
public:
    explicit DoorState(const std::filesystem::path& stateDirectory);
    ~DoorState();
    DoorState(const DoorState&) = delete;
    DoorState& operator=(const DoorState&) = delete;

    // ---- users
    std::vector<DoorUser> users() const;
    std::optional<DoorUser> user(const std::string& name) const;
    void putUser(const DoorUser& user);

    // ---- credentials (ordered by creation for paging)
    std::size_t credentialCount() const;
    std::optional<StoredCredential> credential(const std::string& token) const;
    /// Up to `limit` credentials whose creation sequence is at least `fromSequence`; `next` is the
    /// sequence to continue from, or 0 when none are left.
    std::vector<StoredCredential> credentialPage(std::int64_t fromSequence, std::size_t limit, std::int64_t& next) const;
    std::vector<StoredCredential> allCredentials() const;
    /// The token of a credential other than `exceptToken` holding the same identifier type, format and value.
    std::optional<std::string> findIdentifierOwner(const StoredIdentifier& identifier, const std::string& exceptToken) const;
    /// Allocates the token, stores the credential; returns the token. Returns empty when the
    /// store already holds `maxCredentials` (checked in the same transaction).
    std::string createCredential(const StoredCredential& credential, std::size_t maxCredentials);
    /// False when the token is unknown.
    bool replaceCredential(const StoredCredential& credential);
    bool deleteCredential(const std::string& token);

    // ---- counters, settings, events
    void countRequest(const std::string& operation);
    std::vector<std::pair<std::string, std::int64_t>> requestCounts() const;
    void putSetting(const std::string& key, const std::string& value);
    std::optional<std::string> setting(const std::string& key) const;
    void addEvent(const DoorEvent& event);
    std::vector<DoorEvent> events() const;

private:
    class Transaction;
    void exec(const char* sql) const;
    std::vector<StoredIdentifier> identifiersOf(const std::string& token) const;
    std::int64_t nextCounter(const char* name);

    sqlite3* db_ = nullptr;
    mutable std::recursive_mutex mutex_;
};

} // namespace fpb::door
