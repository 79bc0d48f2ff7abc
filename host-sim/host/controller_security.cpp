// SPDX-License-Identifier: GPL-2.0-or-later
// fpb-host controllers audit [ID] and controllers rotate-password ID: the reader manual's
// cybersecurity recommendations, checked against each controller over ONVIF device management.
#include <openssl/rand.h>

#include <algorithm>
#include <ctime>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>

#include "controller_security.h"
#include "controller_store.h"
#include "host_context.h"
#include "host_main.h"
#include "onvif/onvif_client.h"

namespace fpb::host {
namespace {

struct SecurityArgs {
    std::vector<std::string> ids;
    std::string id;
    bool due = false;
    bool json = false;
    std::string minFirmware;
    int rotationDays = 0;
};

std::vector<int> versionParts(const std::string& v) {
    std::vector<int> parts;
    int current = 0;
    bool digits = false;
    for (char c : v) {
        if (c >= '0' && c <= '9') {
            current = current * 10 + (c - '0');
            digits = true;
        } else if (digits) {
            parts.push_back(current);
            current = 0;
            digits = false;
        }
    }
    if (digits) parts.push_back(current);
    return parts;
}

onvif::ControllerAddress addressOf(const DoorController& c, const std::string& password) {
    onvif::ControllerAddress a;
    a.id = c.id;
    a.name = c.name;
    a.endpoint = c.endpoint;
    a.username = c.username;
    a.password = password;
    a.caFile = c.caFile;
    a.pinnedSha256 = c.pinnedSha256;
    a.allowPlainHttp = c.allowPlainHttp;
    // The audit reports the skew itself instead of refusing to look.
    a.maxClockSkewSeconds = 365 * 24 * 3600;
    return a;
}

std::int64_t ageDays(const std::string& isoTime) {
    std::time_t then = 0;
    std::tm tm{};
    if (strptime(isoTime.c_str(), "%Y-%m-%dT%H:%M:%S", &tm) == nullptr) return 0;
    then = timegm(&tm);
    return (std::time(nullptr) - then) / 86400;
}

std::vector<ControllerFinding> auditController(const DoorController& c, const std::string& password,
                                               const ControllerAuditSettings& args) {
    std::vector<ControllerFinding> out;
    auto add = [&](std::string check, std::string recommendation, bool ok, bool failIfNot, std::string detail) {
        out.push_back({std::move(check), std::move(recommendation), ok ? "pass" : (failIfNot ? "fail" : "warning"),
                       std::move(detail)});
    };
    bool https = c.endpoint.rfind("https://", 0) == 0;
    add("connection", "Use HTTPS", https, true,
        https ? "fpbridge talks to it over HTTPS" : "fpbridge talks to it over plain HTTP: give its https:// address");

    onvif::OnvifClient client(addressOf(c, password));
    client.connect();
    long skew = client.clockOffsetSeconds();
    add("clock", "Keep the clocks of all devices in step (NTP)", std::labs(skew) <= args.maxSkewSeconds,
        std::labs(skew) > 300, "its clock differs from this computer's by " + std::to_string(skew) + " s");

    auto info = client.deviceInformation();
    auto have = versionParts(info.firmwareVersion), want = versionParts(args.minFirmware);
    add("firmware", "Keep reader, controller and recorder firmware up to date", have >= want, true,
        info.model + " firmware " + info.firmwareVersion + " (minimum " + args.minFirmware + ")");

    bool httpOn = false, httpsOn = false, defaultPorts = false;
    std::string ports;
    for (const auto& p : client.networkProtocols()) {
        if (!p.enabled) continue;
        if (p.name == "HTTP") httpOn = true;
        if (p.name == "HTTPS") httpsOn = true;
        for (int port : p.ports) {
            ports += (ports.empty() ? "" : ", ") + p.name + " " + std::to_string(port);
            if (port < 1025) defaultPorts = true;
        }
    }
    add("https", "Use HTTPS", httpsOn, true, httpsOn ? "HTTPS is on" : "HTTPS is off: turn it on");
    add("http", "Use HTTPS; forward only the ports you need", !httpOn, true,
        httpOn ? "plain HTTP is on: turn it off once HTTPS works" : "plain HTTP is off");
    add("ports", "Move HTTP/TCP services off their default ports (use 1025-65535)", !defaultPorts, false,
        ports.empty() ? "no service ports reported" : ports);

    auto filter = client.ipAddressFilter();
    bool filtering = filter.type == "Allow" && (!filter.ipv4.empty() || !filter.ipv6.empty());
    std::string listed;
    for (const auto& a : filter.ipv4) listed += (listed.empty() ? "" : ", ") + a;
    add("ip-filter", "Turn on the IP filter and allow only the addresses that need access", filtering, true,
        filtering ? "allows only " + listed : "the IP filter does not restrict access (" + filter.type + ")");

    auto discovery = client.discoveryMode();
    add("discovery", "Turn off UPnP, SNMP and multicast discovery when unused", discovery == "NonDiscoverable", false,
        "discovery mode " + discovery);

    static const char* weakNames[] = {"admin", "administrator", "root", "user", "guest", "default", "onvif", "888888",
                                      "666666", "operator", "service", "test"};
    std::string weak;
    for (const auto& u : client.users())
        for (const char* name : weakNames)
            if (u.username == name) weak += (weak.empty() ? "" : ", ") + u.username;
    add("accounts", "Use a different, non-default user name for the security system", weak.empty(), false,
        weak.empty() ? "no default account names" : "default or guessable account names: " + weak);

    auto age = ageDays(c.passwordChangedAt);
    add("password-age", "Change passwords regularly (every " + std::to_string(args.rotationDays) + " days)",
        age <= args.rotationDays, false,
        "the password fpbridge uses is " + std::to_string(age) + " days old (fpb-host controllers rotate-password " + c.id + ")");
    return out;
}

} // namespace

std::vector<ControllerAudit> auditControllers(HostContext& context, const std::vector<std::string>& ids,
                                              const ControllerAuditSettings& settings, const std::string& actor,
                                              const std::string& address) {
    ControllerStore store(context.database(), context.secrets());
    std::vector<ControllerAudit> out;
    for (const auto& c : store.list()) {
        if (!ids.empty() && std::find(ids.begin(), ids.end(), c.id) == ids.end()) continue;
        ControllerAudit audit{c.id, c.name, {}, ""};
        try {
            audit.findings = auditController(c, store.password(c.id).value_or(""), settings);
        } catch (const onvif::OnvifError& e) {
            audit.error = e.what();
        }
        out.push_back(std::move(audit));
    }
    if (out.empty()) throw UserInputError("no such controller; see `fpb-host controllers list`");
    bool failed = std::any_of(out.begin(), out.end(), [](const ControllerAudit& a) { return !a.passed(); });
    context.audit().record(actor, address, "controller.audited",
                           std::to_string(out.size()) + " controller(s)", failed ? "findings failed" : "all passed");
    return out;
}

bool ControllerAudit::passed() const {
    return error.empty() && std::none_of(findings.begin(), findings.end(),
                                         [](const ControllerFinding& f) { return f.result == "fail"; });
}

nlohmann::json auditJson(const std::vector<ControllerAudit>& audits) {
    nlohmann::json report = nlohmann::json::array();
    for (const auto& a : audits) {
        nlohmann::json entry = {{"id", a.id}, {"name", a.name}, {"findings", nlohmann::json::array()}};
        for (const auto& f : a.findings)
            entry["findings"].push_back(
                {{"check", f.check}, {"recommendation", f.recommendation}, {"result", f.result}, {"detail", f.detail}});
        if (!a.error.empty()) entry["error"] = a.error;
        report.push_back(entry);
    }
    return report;
}

ControllerAuditSettings ControllerAuditSettings::from(const HostConfig& config) {
    ControllerAuditSettings s;
    s.rotationDays = config.controllerPasswordRotationDays;
    return s;
}

void rotateControllerPassword(HostContext& context, const std::string& id, const std::string& actor,
                              const std::string& address) {
    ControllerStore store(context.database(), context.secrets());
    auto controller = store.find(id);
    if (!controller) throw UserInputError("no controller with id " + id + "; see `fpb-host controllers list`");
    std::string oldPassword = store.password(id).value_or("");
    onvif::OnvifClient client(addressOf(*controller, oldPassword));
    client.connect();
    std::string level = "Administrator";
    for (const auto& u : client.users())
        if (u.username == controller->username) level = u.level;
    std::string newPassword = generateStrongPassword();
    client.setUserPassword(controller->username, level, newPassword);
    // Verify with a fresh login before keeping it; on any failure put the old one back.
    try {
        onvif::OnvifClient check(addressOf(*controller, newPassword));
        check.connect();
        check.deviceInformation();
        store.put(*controller, newPassword);
    } catch (const std::exception& e) {
        try {
            onvif::OnvifClient undo(addressOf(*controller, newPassword));
            undo.connect();
            undo.setUserPassword(controller->username, level, oldPassword);
        } catch (...) {
            // The new password never worked: the controller still has the old one.
        }
        context.audit().record(actor, address, "controller.password.rotation_failed",
                               "controller " + id, e.what());
        throw std::runtime_error("the new password of controller " + id +
                                 " could not be verified, so the old one was kept: " + e.what());
    }
    context.audit().record(actor, address, "controller.password.rotated", "controller " + id, "");
    forEachControllerPublisher(context, [](IControllerPublisher0& p) { p.controllersChanged(); });
}

int rotateDueControllerPasswords(HostContext& context, std::ostream& out, const std::string& actor,
                                 const std::string& address) {
    ControllerStore store(context.database(), context.secrets());
    int failures = 0;
    for (const auto& c : store.list()) {
        auto age = ageDays(c.passwordChangedAt);
        if (age < context.config().controllerPasswordRotationDays) continue;
        try {
            rotateControllerPassword(context, c.id, actor, address);
            out << "Rotated the password of controller " << c.id << " (it was " << age << " days old)\n";
        } catch (const std::exception& e) {
            ++failures;
            out << "Could not rotate the password of controller " << c.id << ": " << e.what() << "\n";
        }
    }
    return failures;
}

void installControllerSecurityCommands(CLI::App* controllers, HostContext& context) {
    static SecurityArgs args;

    auto* audit = controllers->add_subcommand("audit", "Check each controller against the cybersecurity recommendations");
    setCommandAccess("controllers audit", {true, Permission::ManageControllers});
    audit->add_option("ID", args.ids, "Controller ids (default: all)");
    audit->add_option("--min-firmware", args.minFirmware, "Oldest acceptable controller firmware (default 1.0.0)");
    audit->add_option("--rotation-days", args.rotationDays,
                      "Password rotation period (default: controller_password_rotation_days from the config, 90)");
    audit->add_flag("--json", args.json, "Print JSON");
    audit->callback([&context] {
        auto settings = ControllerAuditSettings::from(context.config());
        if (!args.minFirmware.empty()) settings.minFirmware = args.minFirmware;
        if (args.rotationDays > 0) settings.rotationDays = args.rotationDays;
        auto audits = auditControllers(context, args.ids, settings, context.actor, context.actorAddress);
        if (args.json) {
            std::cout << auditJson(audits).dump(2) << "\n";
        } else {
            for (const auto& a : audits) {
                std::cout << a.id << " (" << a.name << ")\n";
                if (!a.error.empty()) std::cout << "  cannot audit: " << a.error << "\n";
                for (const auto& f : a.findings)
                    std::cout << "  " << std::left << std::setw(8) << f.result << std::setw(14) << f.check << f.detail
                              << "\n           (" << f.recommendation << ")\n";
            }
        }
        if (std::any_of(audits.begin(), audits.end(), [](const ControllerAudit& a) { return !a.passed(); }))
            commandExitStatus() = kExitFailure;
    });

    auto* rotate = controllers->add_subcommand(
        "rotate-password", "Set a new generated password on the controller (SetUser), verify it, store it encrypted");
    setCommandAccess("controllers rotate-password", {true, Permission::ManageControllers});
    rotate->add_option("ID", args.id, "Controller id");
    rotate->add_flag("--due", args.due,
                     "Every controller whose password is older than controller_password_rotation_days (the schedule "
                     "`fpb-host serve` also runs daily)");
    rotate->callback([&context] {
        if (args.due == !args.id.empty()) throw UserInputError("give a controller ID or --due (one of them)");
        if (args.due) {
            if (rotateDueControllerPasswords(context, std::cout, context.actor, context.actorAddress) > 0) commandExitStatus() = kExitFailure;
            return;
        }
        rotateControllerPassword(context, args.id, context.actor, context.actorAddress);
        std::cout << "Rotated the password of controller " << args.id
                  << "; the new one is stored encrypted and was verified by logging in with it\n";
    });
}

} // namespace fpb::host
