// SPDX-License-Identifier: GPL-2.0-or-later
// fpb-door: the simulated ONVIF door controller (serve), and commands that read its state while it
// runs (present a finger, list events and credentials).
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <csignal>
#include <fstream>
#include <iostream>
#include <iterator>

#include "door_controller_simulator.h"

namespace fs = std::filesystem;
using namespace fpb::door;

namespace {

std::vector<std::string> splitList(const std::string& text, char separator) {
    std::vector<std::string> out;
    std::string item;
    for (char ch : text) {
        if (ch == separator) {
            if (!item.empty()) out.push_back(item);
            item.clear();
        } else {
            item += ch;
        }
    }
    if (!item.empty()) out.push_back(item);
    return out;
}

DoorUser parseUser(const std::string& text) {
    auto first = text.find(':');
    if (first == std::string::npos || first == 0)
        throw DoorError("--user '" + text + "' is not NAME:PASSWORD[:LEVEL]");
    DoorUser user;
    user.name = text.substr(0, first);
    std::string rest = text.substr(first + 1);
    // The level is the last field only when it is one of the levels: passwords may contain ':'.
    for (const char* level : {"Administrator", "Operator", "User"}) {
        std::string suffix = std::string(":") + level;
        if (rest.size() > suffix.size() && rest.compare(rest.size() - suffix.size(), suffix.size(), suffix) == 0) {
            user.level = level;
            rest.resize(rest.size() - suffix.size());
            break;
        }
    }
    if (rest.empty()) throw DoorError("--user '" + user.name + "' has an empty password");
    user.password = rest;
    return user;
}

/// "P" or "P@Operation" for the probability faults.
void parseProbability(const std::string& kind, const std::string& arg, double& probability, std::string& operation) {
    auto at = arg.find('@');
    std::string number = arg.substr(0, at);
    operation = at == std::string::npos ? std::string() : arg.substr(at + 1);
    char* end = nullptr;
    probability = std::strtod(number.c_str(), &end);
    if (number.empty() || *end != '\0' || probability < 0 || probability > 1)
        throw DoorError("--fault " + kind + "=" + arg + ": give a probability 0..1, optionally @Operation (e.g. 0.2@CreateCredential)");
}

void applyFault(const std::string& text, FaultInjection& faults) {
    auto eq = text.find('=');
    std::string kind = text.substr(0, eq);
    std::string arg = eq == std::string::npos ? std::string() : text.substr(eq + 1);
    auto needArg = [&](const char* what) {
        if (arg.empty()) throw DoorError("--fault " + kind + " needs " + what + " (" + kind + "=...)");
    };
    if (kind == "refuse") {
        faults.refuseConnections = true;
    } else if (kind == "delay") {
        needArg("milliseconds");
        faults.delayMs = std::atoi(arg.c_str());
    } else if (kind == "http-500") {
        needArg("a probability");
        parseProbability(kind, arg, faults.http500Probability, faults.http500Operation);
    } else if (kind == "soap-fault") {
        needArg("an operation name");
        faults.soapFaultOperation = arg;
    } else if (kind == "drop-response") {
        needArg("a probability");
        parseProbability(kind, arg, faults.dropResponseProbability, faults.dropResponseOperation);
    } else if (kind == "expired-cert") {
        faults.expiredCertificate = true;
    } else {
        throw DoorError("unknown fault '" + kind +
                        "': use refuse, delay=MS, http-500=P[@Op], soap-fault=Op, drop-response=P[@Op] or expired-cert");
    }
}

/// "HTTP:on:80" -> what GetNetworkProtocols reports (for security audits; it does not change what is served).
NetworkProtocolSetting parseProtocol(const std::string& text) {
    auto parts = splitList(text, ':');
    if (parts.size() < 2 || (parts[1] != "on" && parts[1] != "off"))
        throw DoorError("--protocol '" + text + "' is not NAME:on|off[:PORT,...] (e.g. HTTP:on:80)");
    NetworkProtocolSetting protocol{parts[0], parts[1] == "on", {}};
    if (parts.size() > 2)
        for (const auto& port : splitList(parts[2], ',')) protocol.ports.push_back(std::atoi(port.c_str()));
    return protocol;
}

void requireState(const fs::path& dir) {
    if (!fs::exists(dir / "door.sqlite"))
        throw DoorError("no door controller state in " + dir.string() + ": start one with fpb-door serve --state " + dir.string());
}

std::vector<std::uint8_t> readFile(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw DoorError("cannot read " + file.string() + ": give an image (PNG, PGM, TIFF) or a minutiae record");
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct ServeOptions {
    DoorSettings settings;
    std::vector<std::string> users, faults;
    std::vector<std::string> protocols;
    std::string auth = "either", identifierTypes, formatTypes, ipFilter;
    bool noTls = false;
};

int serve(ServeOptions& o) {
    DoorSettings& s = o.settings;
    s.tls = !o.noTls;
    s.authMode = parseAuthMode(o.auth);
    for (const auto& u : o.users) s.users.push_back(parseUser(u));
    for (const auto& f : o.faults) applyFault(f, s.faults);
    if (!o.identifierTypes.empty()) s.identifierTypes = splitList(o.identifierTypes, ',');
    if (!o.formatTypes.empty()) {
        s.fingerprintFormatTypes.clear();
        for (const auto& f : splitList(o.formatTypes, ','))
            s.fingerprintFormatTypes.push_back({f, "fingerprint minutiae record, format " + f});
    }
    for (const auto& p : o.protocols) s.networkProtocols.push_back(parseProtocol(p));
    if (!o.ipFilter.empty()) {
        auto parts = splitList(o.ipFilter, ':');
        if (parts.empty() || (parts[0] != "Allow" && parts[0] != "Deny"))
            throw DoorError("--ip-filter '" + o.ipFilter + "' is not Allow|Deny[:addr/prefix,...]");
        s.ipAddressFilter.type = parts[0];
        if (parts.size() > 1) s.ipAddressFilter.ipv4 = splitList(parts[1], ',');
    }

    // Signals are taken synchronously by this thread only; the server threads inherit the mask.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    DoorControllerSimulator simulator(s);
    simulator.start();
    std::cout << "fpb-door ready endpoint=" << simulator.endpoint() << " ca=" << simulator.caFile().string()
              << " sha256=" << simulator.certificateSha256() << std::endl;
    int received = 0;
    sigwait(&signals, &received);
    simulator.stop();
    return 0;
}

DoorSettings stateOnly(const fs::path& dir) {
    requireState(dir);
    DoorSettings s;
    s.stateDirectory = dir;
    return s;
}

} // namespace

int main(int argc, char** argv) {
    CLI::App app{"fpb-door: a simulated ONVIF door controller for fingerprint credentials"};
    app.require_subcommand(1);

    ServeOptions serveOptions;
    DoorSettings& s = serveOptions.settings;
    auto* serveCommand = app.add_subcommand("serve", "Serve the ONVIF device, credential, door and access control services");
    serveCommand->add_option("--state", s.stateDirectory, "State directory (door.sqlite, certificate, endpoint)")->required();
    serveCommand->add_option("--listen", s.listenAddress, "Address to listen on")->capture_default_str();
    serveCommand->add_option("--port", s.port, "TCP port, 0 = any free port")->capture_default_str();
    serveCommand->add_flag("--no-tls", serveOptions.noTls, "Plain HTTP instead of HTTPS");
    serveCommand->add_option("--user", serveOptions.users, "NAME:PASSWORD[:Administrator|Operator|User] (repeatable)");
    serveCommand->add_option("--auth", serveOptions.auth, "either, digest or wsse")->capture_default_str();
    serveCommand->add_option("--identifier-types", serveOptions.identifierTypes, "e.g. pt:Card,pt:PIN,pt:Fingerprint");
    serveCommand->add_option("--format-types", serveOptions.formatTypes,
                             "Fingerprint format types, e.g. ISO19794-2:2005,ANSI-INCITS-378-2004");
    serveCommand->add_option("--max-credentials", s.maxCredentials, "MaxCredentials capability")->capture_default_str();
    serveCommand->add_option("--max-limit", s.maxLimit, "MaxLimit capability (items per list call)")->capture_default_str();
    serveCommand->add_option("--clock-offset", s.clockOffsetSeconds, "Device clock minus real time, in seconds");
    serveCommand->add_option("--firmware", s.deviceInfo.firmwareVersion, "Firmware version reported")->capture_default_str();
    serveCommand->add_option("--serial", s.deviceInfo.serialNumber, "Serial number reported")->capture_default_str();
    serveCommand->add_option("--discovery-mode", s.discoveryMode, "Discoverable or NonDiscoverable")->capture_default_str();
    serveCommand->add_option("--ip-filter", serveOptions.ipFilter, "Allow|Deny[:192.168.0.0/16,...]");
    serveCommand->add_option("--protocol", serveOptions.protocols,
                             "NAME:on|off[:PORT,...] reported by GetNetworkProtocols (repeatable; default: what is served)");
    serveCommand->add_flag("--expired-cert", s.faults.expiredCertificate, "Serve a certificate that expired yesterday");
    serveCommand->add_option("--fault", serveOptions.faults,
                             "refuse | delay=MS | http-500=P[@Op] | soap-fault=Op | drop-response=P[@Op] | expired-cert");
    serveCommand->add_option("--capture-dir", s.captureDirectory, "Write every SOAP request to DIR/<seq>-<Operation>.xml");

    fs::path stateDir, probeFile;
    std::string accessPoint = DoorControllerSimulator::kDefaultAccessPoint;
    bool json = false;
    auto* presentCommand = app.add_subcommand("present", "Present a finger (image or minutiae record) at an access point");
    presentCommand->add_option("--state", stateDir, "State directory of the door controller")->required();
    presentCommand->add_option("--access-point", accessPoint, "Access point token")->capture_default_str();
    presentCommand->add_option("FILE", probeFile, "PNG/PGM/TIFF image or ISO/ANSI record")->required();
    auto* eventsCommand = app.add_subcommand("events", "Access events (granted, denied)");
    eventsCommand->add_option("--state", stateDir, "State directory of the door controller")->required();
    eventsCommand->add_flag("--json", json, "JSON output");
    auto* credentialsCommand = app.add_subcommand("credentials", "Stored credentials (never the identifier values)");
    credentialsCommand->add_option("--state", stateDir, "State directory of the door controller")->required();
    credentialsCommand->add_flag("--json", json, "JSON output");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }

    try {
        if (*serveCommand) return serve(serveOptions);
        if (*presentCommand) {
            DoorControllerSimulator door(stateOnly(stateDir));
            AccessResult r = door.present(accessPoint, readFile(probeFile));
            std::cout << nlohmann::json{{"granted", r.granted}, {"event", r.event}, {"holder", r.holder},
                                        {"credential", r.credentialToken}, {"score", r.score}}.dump()
                      << std::endl;
            return r.granted ? 0 : 1;
        }
        if (*eventsCommand) {
            DoorControllerSimulator door(stateOnly(stateDir));
            nlohmann::json out = nlohmann::json::array();
            for (const auto& e : door.events()) {
                if (json)
                    out.push_back({{"id", e.id}, {"time", e.time}, {"access_point", e.accessPoint}, {"event", e.topic},
                                   {"holder", e.holder}, {"credential", e.credentialToken}, {"score", e.score}});
                else
                    std::cout << e.time << "  " << e.accessPoint << "  " << e.topic << "  holder=" << e.holder
                              << " credential=" << e.credentialToken << " score=" << e.score << "\n";
            }
            if (json) std::cout << out.dump(2) << std::endl;
            return 0;
        }
        if (*credentialsCommand) {
            DoorControllerSimulator door(stateOnly(stateDir));
            nlohmann::json out = nlohmann::json::array();
            for (const auto& c : door.credentials()) {
                nlohmann::json identifiers = nlohmann::json::array();
                for (const auto& id : c.identifiers)  // sizes only: identifier values are secrets
                    identifiers.push_back({{"type", id.type}, {"format", id.formatType}, {"value_bytes", id.value.size()}});
                if (json) {
                    out.push_back({{"token", c.token}, {"holder", c.holderReference}, {"enabled", c.enabled},
                                   {"identifiers", identifiers}});
                } else {
                    std::cout << c.token << "  holder=" << c.holderReference << (c.enabled ? "" : " (disabled)");
                    for (const auto& id : c.identifiers)
                        std::cout << "  " << id.type << "/" << id.formatType << " " << id.value.size() << " bytes";
                    std::cout << "\n";
                }
            }
            if (json) std::cout << out.dump(2) << std::endl;
            return 0;
        }
    } catch (const std::exception& e) {
        std::cerr << "fpb-door: " << e.what() << std::endl;
        return 2;
    }
    return 2;
}
