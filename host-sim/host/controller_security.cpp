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
    bool json = false;
    std::string minFirmware = "1.0.0";
    int rotationDays = 90;
    int maxSkewSeconds = 60;
};

struct Finding {
    std::string check, recommendation, result, detail;  // result: pass, warning, fail
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

std::vector<Finding> auditController(const DoorController& c, const std::string& password, const SecurityArgs& args) {
    std::vector<Finding> out;
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

// A password the recommendations accept: 20 characters of upper and lower case letters, digits and
// special characters, no run or repeat.
std::string generatePassword() {
    static const std::string upper = "ABCDEFGHJKLMNPQRSTUVWXYZ", lower = "abcdefghijkmnopqrstuvwxyz", digits = "23456789",
                             special = "-_.!#%+=";
    const std::string* sets[] = {&upper, &lower, &digits, &special};
    std::string out;
    unsigned char bytes[40];
    RAND_bytes(bytes, sizeof bytes);
    for (int i = 0; out.size() < 20 && i < 40; ++i) {
        const std::string& set = *sets[i % 4];
        char c = set[bytes[i] % set.size()];
        if (!out.empty() && (out.back() == c || out.back() + 1 == c)) continue;
        out += c;
    }
    return out;
}

} // namespace

void installControllerSecurityCommands(CLI::App* controllers, HostContext& context) {
    static SecurityArgs args;

    auto* audit = controllers->add_subcommand("audit", "Check each controller against the cybersecurity recommendations");
    audit->add_option("ID", args.ids, "Controller ids (default: all)");
    audit->add_option("--min-firmware", args.minFirmware, "Oldest acceptable controller firmware")->capture_default_str();
    audit->add_option("--rotation-days", args.rotationDays, "Password rotation period")->capture_default_str();
    audit->add_flag("--json", args.json, "Print JSON");
    audit->callback([&context] {
        ControllerStore store(context.database(), context.secrets());
        std::vector<DoorController> targets;
        for (const auto& c : store.list())
            if (args.ids.empty() || std::find(args.ids.begin(), args.ids.end(), c.id) != args.ids.end()) targets.push_back(c);
        if (targets.empty()) throw UserInputError("no such controller; see `fpb-host controllers list`");
        nlohmann::json report = nlohmann::json::array();
        bool failed = false;
        for (const auto& c : targets) {
            nlohmann::json entry = {{"id", c.id}, {"name", c.name}, {"findings", nlohmann::json::array()}};
            try {
                for (const auto& f : auditController(c, store.password(c.id).value_or(""), args)) {
                    failed = failed || f.result == "fail";
                    entry["findings"].push_back(
                        {{"check", f.check}, {"recommendation", f.recommendation}, {"result", f.result}, {"detail", f.detail}});
                }
            } catch (const onvif::OnvifError& e) {
                failed = true;
                entry["error"] = e.what();
            }
            report.push_back(entry);
        }
        context.audit().record(context.actor, context.actorAddress, "controller.audited",
                               std::to_string(targets.size()) + " controller(s)", failed ? "findings failed" : "all passed");
        if (args.json) {
            std::cout << report.dump(2) << "\n";
        } else {
            for (const auto& entry : report) {
                std::cout << entry["id"].get<std::string>() << " (" << entry["name"].get<std::string>() << ")\n";
                if (entry.contains("error")) std::cout << "  cannot audit: " << entry["error"].get<std::string>() << "\n";
                for (const auto& f : entry["findings"])
                    std::cout << "  " << std::left << std::setw(8) << f["result"].get<std::string>() << std::setw(14)
                              << f["check"].get<std::string>() << f["detail"].get<std::string>() << "\n           ("
                              << f["recommendation"].get<std::string>() << ")\n";
            }
        }
        if (failed) commandExitStatus() = kExitFailure;
    });

    auto* rotate = controllers->add_subcommand(
        "rotate-password", "Set a new generated password on the controller (SetUser), verify it, store it encrypted");
    rotate->add_option("ID", args.id, "Controller id")->required();
    rotate->callback([&context] {
        ControllerStore store(context.database(), context.secrets());
        auto controller = store.find(args.id);
        if (!controller) throw UserInputError("no controller with id " + args.id + "; see `fpb-host controllers list`");
        std::string oldPassword = store.password(args.id).value_or("");
        onvif::OnvifClient client(addressOf(*controller, oldPassword));
        client.connect();
        std::string level = "Administrator";
        for (const auto& u : client.users())
            if (u.username == controller->username) level = u.level;
        std::string newPassword = generatePassword();
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
            context.audit().record(context.actor, context.actorAddress, "controller.password.rotation_failed",
                                   "controller " + args.id, e.what());
            throw std::runtime_error("the new password of controller " + args.id +
                                     " could not be verified, so the old one was kept: " + e.what());
        }
        context.audit().record(context.actor, context.actorAddress, "controller.password.rotated", "controller " + args.id, "");
        forEachControllerPublisher(context, [](IControllerPublisher0& p) { p.controllersChanged(); });
        std::cout << "Rotated the password of user '" << controller->username << "' on controller " << args.id
                  << "; the new one is stored encrypted and was verified by logging in with it\n";
    });
}

} // namespace fpb::host
