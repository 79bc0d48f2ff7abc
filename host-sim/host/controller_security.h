// SPDX-License-Identifier: GPL-2.0-or-later
// Controller security: the audit against the cybersecurity recommendations, and password rotation
// (on demand and by schedule). Used by `controllers audit|rotate-password` and the web UI.
#pragma once
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "host_config.h"

namespace fpb::host {

class HostContext;

struct ControllerAuditSettings {
    std::string minFirmware = "1.0.0";
    int rotationDays = 90;
    int maxSkewSeconds = 60;
    static ControllerAuditSettings from(const HostConfig& config);
};

struct ControllerFinding {
    std::string check, recommendation, result, detail;  // result: pass, warning, fail
};

struct ControllerAudit {
    std::string id, name;
    std::vector<ControllerFinding> findings;
    std::string error;  ///< why the controller could not be audited
    bool passed() const;
};

/// Audits the controllers in `ids` (all when empty) over ONVIF device management; records it in the audit log.
std::vector<ControllerAudit> auditControllers(HostContext& context, const std::vector<std::string>& ids,
                                              const ControllerAuditSettings& settings, const std::string& actor,
                                              const std::string& address);
nlohmann::json auditJson(const std::vector<ControllerAudit>& audits);

/// Generates a strong password, sets it with SetUser, verifies it by logging in, stores it
/// encrypted; on any failure the controller keeps (or gets back) the old one. Throws with the reason.
void rotateControllerPassword(HostContext& context, const std::string& id, const std::string& actor,
                              const std::string& address);
/// Rotates every controller whose stored password is older than the configured period; reports to
/// `out`; returns how many failed.
int rotateDueControllerPasswords(HostContext& context, std::ostream& out, const std::string& actor,
                                 const std::string& address);

void installControllerSecurityCommands(CLI::App* controllers, HostContext& context);

} // namespace fpb::host
