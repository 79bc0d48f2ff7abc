// SPDX-License-Identifier: GPL-2.0-or-later
#include "secret_store.h"

namespace fpb::host {

namespace {
const std::vector<Database::Migration> kSecretMigrations = {
    {1, "CREATE TABLE secrets (ref TEXT PRIMARY KEY, sealed BLOB NOT NULL, updated_at TEXT NOT NULL);"},
};
} // namespace

SecretStore::SecretStore(Database& db, SealedBox box) : db_(db), box_(box) { db_.migrate("secrets", kSecretMigrations); }

void SecretStore::put(const std::string& ref, const std::string& value) {
    std::vector<std::uint8_t> plain(value.begin(), value.end());
    std::lock_guard lock(db_.mutex());
    Statement upsert(db_.handle(),
                     "INSERT INTO secrets(ref, sealed, updated_at) VALUES(?, ?, ?) ON CONFLICT(ref) DO UPDATE SET "
                     "sealed = excluded.sealed, updated_at = excluded.updated_at");
    upsert.bind(1, ref).bind(2, box_.seal(plain, "secret/" + ref)).bind(3, utcNowIso8601()).run();
}

std::optional<std::string> SecretStore::get(const std::string& ref) {
    std::lock_guard lock(db_.mutex());
    Statement q(db_.handle(), "SELECT sealed FROM secrets WHERE ref = ?");
    q.bind(1, ref);
    if (!q.step()) return std::nullopt;
    auto plain = box_.open(q.blob(0), "secret/" + ref);
    return std::string(plain.begin(), plain.end());
}

void SecretStore::erase(const std::string& ref) {
    std::lock_guard lock(db_.mutex());
    Statement del(db_.handle(), "DELETE FROM secrets WHERE ref = ?");
    del.bind(1, ref).run();
}

} // namespace fpb::host
