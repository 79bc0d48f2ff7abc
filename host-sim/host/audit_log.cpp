// SPDX-License-Identifier: GPL-2.0-or-later
#include "audit_log.h"

namespace fpb::host {

namespace {
const std::vector<Database::Migration> kAuditMigrations = {
    {1, R"sql(
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  address TEXT NOT NULL DEFAULT '',
  action TEXT NOT NULL,
  subject TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT ''
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
)sql"},
};
} // namespace

AuditLog::AuditLog(Database& db) : db_(db) { db_.migrate("audit", kAuditMigrations); }

void AuditLog::record(const std::string& actor, const std::string& address, const std::string& action,
                      const std::string& subject, const std::string& detail) {
    std::lock_guard lock(db_.mutex());
    Statement insert(db_.handle(),
                     "INSERT INTO audit_log(at, actor, address, action, subject, detail) VALUES(?, ?, ?, ?, ?, ?)");
    insert.bind(1, utcNowIso8601()).bind(2, actor).bind(3, address).bind(4, action).bind(5, subject).bind(6, detail).run();
}

std::vector<AuditEntry> AuditLog::recent(int limit, const std::string& actionPrefix) {
    std::lock_guard lock(db_.mutex());
    Statement q(db_.handle(),
                "SELECT id, at, actor, address, action, subject, detail FROM audit_log "
                "WHERE substr(action, 1, length(?1)) = ?1 ORDER BY id DESC LIMIT ?2");
    q.bind(1, actionPrefix).bind(2, static_cast<std::int64_t>(limit));
    std::vector<AuditEntry> out;
    while (q.step()) out.push_back({q.integer(0), q.text(1), q.text(2), q.text(3), q.text(4), q.text(5), q.text(6)});
    return out;
}

std::vector<AuditEntry> AuditLog::all() {
    std::lock_guard lock(db_.mutex());
    Statement q(db_.handle(), "SELECT id, at, actor, address, action, subject, detail FROM audit_log ORDER BY id");
    std::vector<AuditEntry> out;
    while (q.step()) out.push_back({q.integer(0), q.text(1), q.text(2), q.text(3), q.text(4), q.text(5), q.text(6)});
    return out;
}

std::string auditCsv(const std::vector<AuditEntry>& entries) {
    auto field = [](const std::string& value) {
        std::string out = "\"";
        if (!value.empty() && std::string("=+-@").find(value.front()) != std::string::npos) out += '\'';
        for (char c : value) out += c == '"' ? std::string("\"\"") : std::string(1, c);
        return out + "\"";
    };
    std::string text = "id,at,actor,address,action,subject,detail\n";
    for (const auto& e : entries)
        text += std::to_string(e.id) + "," + field(e.at) + "," + field(e.actor) + "," + field(e.address) + "," +
                field(e.action) + "," + field(e.subject) + "," + field(e.detail) + "\n";
    return text;
}

nlohmann::json auditJson(const AuditEntry& e) {
    return {{"id", e.id},         {"at", e.at},           {"actor", e.actor}, {"address", e.address},
            {"action", e.action}, {"subject", e.subject}, {"detail", e.detail}};
}

} // namespace fpb::host
