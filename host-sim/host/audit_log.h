// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "database.h"

namespace fpb::host {

struct AuditEntry {
    std::int64_t id = 0;
    std::string at;
    std::string actor;   ///< operator name, "plugin:<id>", or "system"
    std::string address; ///< client IP address when known
    std::string action;  ///< e.g. "user.added", "fingerprint.enrolled", "login.failed"
    std::string subject;
    std::string detail;
};

/// Append-only audit trail in the user-record database: triggers refuse UPDATE and DELETE.
/// Never write templates or passwords into it.
class AuditLog {
public:
    explicit AuditLog(Database& db);
    void record(const std::string& actor, const std::string& address, const std::string& action,
                const std::string& subject, const std::string& detail);
    /// Newest first; only actions starting with `actionPrefix` when given.
    std::vector<AuditEntry> recent(int limit = 200, const std::string& actionPrefix = "");
    /// Every entry, oldest first (for export).
    std::vector<AuditEntry> all();

private:
    Database& db_;
};

/// The entries as CSV (a header row, every field quoted; cells a spreadsheet would run as a
/// formula are defused with a leading quote) and as JSON objects, for export.
std::string auditCsv(const std::vector<AuditEntry>& entries);
nlohmann::json auditJson(const AuditEntry& entry);

} // namespace fpb::host
