// SPDX-License-Identifier: GPL-2.0-or-later
#include "web_server.h"

#include "controller_security.h"
#include "controller_store.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <cstring>
#include <optional>
#include <regex>
#include <thread>

#include "collect_service.h"
#include "reader_directory.h"
#include "self_signed_certificate.h"
#include "web_assets.h"

namespace fpb::host {

using nlohmann::json;

namespace {

std::string base64(const std::vector<std::uint8_t>& bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes.data(), static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

json userJson(UserStore& users, const User& u) {
    json fingers = json::array();
    for (const auto& f : users.fingerprintsOf(u.id))  // never the template
        fingers.push_back({{"finger", f.finger},
                           {"finger_name", UserStore::fingerName(f.finger)},
                           {"duress", f.duress},
                           {"quality", f.quality},
                           {"enrolled_at", f.createdAt},
                           {"consent_time", f.consentTime},
                           {"consent_operator", f.consentOperator}});
    return {{"id", u.id},
            {"name", u.name},
            {"type", u.type},
            {"valid_from", u.validFrom ? json(*u.validFrom) : json(nullptr)},
            {"valid_until", u.validUntil ? json(*u.validUntil) : json(nullptr)},
            {"fingerprints", fingers}};
}

json eventJson(const CollectEvent& e) {
    json j = {{"sequence", e.sequence},   {"kind", e.kind},         {"prompt_code", e.promptCode},
              {"text", e.text},           {"presses_done", e.pressesDone}, {"presses_needed", e.pressesNeeded},
              {"quality", e.quality},     {"accepted", e.accepted}, {"tone", e.tone},
              {"error_code", e.errorCode}, {"duplicate_user_id", e.duplicateUserId}};
    if (!e.imagePng.empty()) j["image"] = "data:image/png;base64," + base64(e.imagePng);
    return j;
}

void sendJson(httplib::Response& res, const json& body, int status = 200) {
    res.status = status;
    res.set_content(body.dump(), "application/json");
}

void sendError(httplib::Response& res, int status, const std::string& message) {
    sendJson(res, {{"error", message}}, status);
}


/// One entry of web_allowed_addresses: an IPv4 or IPv6 address, optionally with a prefix length.
struct AddressRange {
    int family = AF_INET;
    unsigned char bytes[16]{};
    int prefix = 0;

    static AddressRange parse(const std::string& text) {
        AddressRange r;
        std::string address = text;
        auto slash = text.find('/');
        if (slash != std::string::npos) address = text.substr(0, slash);
        if (inet_pton(AF_INET, address.c_str(), r.bytes) == 1) {
            r.family = AF_INET;
            r.prefix = 32;
        } else if (inet_pton(AF_INET6, address.c_str(), r.bytes) == 1) {
            r.family = AF_INET6;
            r.prefix = 128;
        } else {
            throw UserInputError("web_allowed_addresses: '" + text + "' is not an IP address or CIDR range");
        }
        if (slash != std::string::npos) {
            int bits = -1;
            try {
                bits = std::stoi(text.substr(slash + 1));
            } catch (...) {
            }
            if (bits < 0 || bits > r.prefix)
                throw UserInputError("web_allowed_addresses: '" + text + "' has an invalid prefix length");
            r.prefix = bits;
        }
        return r;
    }

    bool contains(const std::string& text) const {
        unsigned char other[16]{};
        std::string address = text;
        // An IPv4 client on an IPv6 socket shows as ::ffff:a.b.c.d.
        if (family == AF_INET && address.rfind("::ffff:", 0) == 0) address = address.substr(7);
        if (inet_pton(family, address.c_str(), other) != 1) return false;
        int full = prefix / 8, rest = prefix % 8;
        if (std::memcmp(bytes, other, static_cast<std::size_t>(full)) != 0) return false;
        if (rest == 0) return true;
        unsigned char mask = static_cast<unsigned char>(0xff << (8 - rest));
        return (bytes[full] & mask) == (other[full] & mask);
    }
};

std::string cookieValue(const httplib::Request& req, const std::string& name) {
    std::string header = req.get_header_value("Cookie");
    std::size_t pos = 0;
    while (pos < header.size()) {
        std::size_t end = header.find(';', pos);
        if (end == std::string::npos) end = header.size();
        std::string part = header.substr(pos, end - pos);
        part.erase(0, part.find_first_not_of(' '));
        if (part.rfind(name + "=", 0) == 0) return part.substr(name.size() + 1);
        pos = end + 1;
    }
    return "";
}

bool sameSecret(const std::string& a, const std::string& b) {
    return a.size() == b.size() && !a.empty() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

/// Which permission each API route needs. Anything under /api/ not listed needs an administrator.
struct RouteRule {
    const char* method;
    std::regex path;
    Permission permission;
};

const std::vector<RouteRule>& routeRules() {
    static const std::vector<RouteRule> rules = {
        {"GET", std::regex("/api/(status|users|users/[^/]+|devices|controllers|session|emulation)"), Permission::View},
        {"POST", std::regex("/api/password"), Permission::View},
        {"POST", std::regex("/api/users"), Permission::ManageUsers},
        {"DELETE", std::regex("/api/users/[^/]+(/fingers/[0-9]+)?"), Permission::ManageUsers},
        {"POST", std::regex("/api/collect(/[^/]+/(finish|cancel))?"), Permission::Enroll},
        {"GET", std::regex("/api/collect/[^/]+/events"), Permission::Enroll},
        {"POST", std::regex("/api/emulation/[0-9]+/[a-z_]+"), Permission::Enroll},
        {"POST", std::regex("/api/controllers/[^/]+/sync"), Permission::SyncControllers},
        {"GET", std::regex("/api/controllers/audit"), Permission::ManageControllers},
        {"POST", std::regex("/api/controllers/[^/]+/rotate-password"), Permission::ManageControllers},
        {"GET", std::regex("/api/operators"), Permission::ManageOperators},
        {"POST", std::regex("/api/operators(/[^/]+/(unlock|role))?"), Permission::ManageOperators},
        {"DELETE", std::regex("/api/operators/[^/]+"), Permission::ManageOperators},
        {"GET", std::regex("/api/audit(/export)?"), Permission::ReadAuditLog},
    };
    return rules;
}

Permission permissionFor(const std::string& method, const std::string& path) {
    for (const auto& rule : routeRules())
        if (method == rule.method && std::regex_match(path, rule.path)) return rule.permission;
    return Permission::ManageOperators;  // deny by default: only administrators reach unlisted routes
}

// The session of the request being handled: set by the pre-routing check, read by the handlers
// (httplib runs both on the same thread).
thread_local Session requestSession;
// A refusal decided before the request's body was read. httplib reads a body only for a matched
// route, and an unread body would be taken for the next request on a kept-alive connection, so
// requests with a body are refused by their handler (or the catch-all) instead.
thread_local std::optional<std::pair<int, json>> deferredRefusal;

bool hasBody(const httplib::Request& req) {
    return (req.has_header("Content-Length") && req.get_header_value("Content-Length") != "0") ||
           req.has_header("Transfer-Encoding");
}

nlohmann::json sessionJson(const Session& s) {
    json can = json::object();
    const std::pair<const char*, Permission> names[] = {
        {"enroll", Permission::Enroll},           {"manage_users", Permission::ManageUsers},
        {"sync_controllers", Permission::SyncControllers}, {"manage_controllers", Permission::ManageControllers},
        {"manage_operators", Permission::ManageOperators}, {"read_audit_log", Permission::ReadAuditLog}};
    for (const auto& [name, permission] : names) can[name] = roleAllows(s.role, permission);
    return {{"operator", s.operatorName}, {"role", roleName(s.role)}, {"csrf_token", s.csrfToken},
            {"password_expired", s.passwordExpired}, {"expires_at", isoTime(s.expiresAt)}, {"can", can}};
}

} // namespace

struct WebServer::Impl {
    HostContext& context;
    ReaderDirectory& readers;
    CollectService& collect;
    EmulationControls emulation;
    bool https;
    std::filesystem::path certificateFile;  // before the server: makeServer fills it in
    std::unique_ptr<httplib::Server> serverPtr;
    httplib::Server& server;
    std::thread thread;
    std::filesystem::path voiceDir;
    std::vector<AddressRange> allowed;

    static std::unique_ptr<httplib::Server> makeServer(HostContext& context, std::filesystem::path& certificateFile) {
        const auto& config = context.config();
        if (!config.webHttps) return std::make_unique<httplib::Server>();
        std::filesystem::path certificate = config.webCertificate, key = config.webPrivateKey;
        if (certificate.empty()) {
            // First run: a certificate of our own, kept in the data folder for the next runs.
            std::filesystem::create_directories(config.webTlsDir());
            std::filesystem::permissions(config.webTlsDir(), std::filesystem::perms::owner_all,
                                         std::filesystem::perm_options::replace);
            std::string names = "DNS:localhost,IP:127.0.0.1,IP:::1";
            if (config.webBind != "127.0.0.1" && config.webBind != "0.0.0.0" && config.webBind != "::")
                names += (config.webBind.find_first_not_of("0123456789.:") == std::string::npos ? ",IP:" : ",DNS:") +
                         config.webBind;
            auto files = tls::ensureSelfSigned(config.webTlsDir(), "web-", false, names);
            certificate = files.certificate;
            key = files.key;
        }
        auto server = std::make_unique<httplib::SSLServer>(certificate.c_str(), key.c_str());
        if (!server->is_valid())
            throw std::runtime_error("cannot use the web UI's certificate " + certificate.string() + " and key " +
                                     key.string() + ": check that both are PEM files that belong together, readable "
                                     "by this user (\"web_certificate\", \"web_private_key\" in the config)");
        certificateFile = certificate;
        return server;
    }

    Impl(HostContext& c, ReaderDirectory& r, CollectService& s)
        : context(c), readers(r), collect(s), https(c.config().webHttps), serverPtr(makeServer(c, certificateFile)),
          server(*serverPtr) {
        voiceDir = executableDir().parent_path() / "share" / "fpbridge" / "voice";
        for (const auto& entry : context.config().webAllowedAddresses) allowed.push_back(AddressRange::parse(entry));
    }

    const Session& who() const { return requestSession; }

    std::string sessionCookie(const std::string& token, int maxAge) const {
        return "fpb_session=" + token + "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(maxAge) +
               (https ? "; Secure" : "");
    }

    /// Every request passes here first: address allowlist, login, CSRF, role. Returns Handled
    /// (with the refusal already in `res`) to stop the request.
    httplib::Server::HandlerResponse check(const httplib::Request& req, httplib::Response& res) {
        using Outcome = httplib::Server::HandlerResponse;
        res.set_header("X-Content-Type-Options", "nosniff");
        res.set_header("X-Frame-Options", "DENY");
        res.set_header("Referrer-Policy", "no-referrer");
        res.set_header("Content-Security-Policy",
                       "default-src 'self'; img-src 'self' data:; media-src 'self'; frame-ancestors 'none'");
        if (https) res.set_header("Strict-Transport-Security", "max-age=31536000");
        requestSession = Session{};
        deferredRefusal.reset();
        auto refuse = [&](int status, json message) {
            if (hasBody(req)) {
                deferredRefusal.emplace(status, std::move(message));
                return Outcome::Unhandled;
            }
            sendJson(res, message, status);
            return Outcome::Handled;
        };

        if (std::none_of(allowed.begin(), allowed.end(), [&](const AddressRange& r) { return r.contains(req.remote_addr); })) {
            context.audit().record("anonymous", req.remote_addr, "web.address_refused", req.method + " " + req.path, "");
            return refuse(403, {{"error", "this computer's address (" + req.remote_addr +
                                              ") is not on the web UI's allowlist; an administrator adds it to "
                                              "\"web_allowed_addresses\" in the config"}});
        }
        if (req.path.rfind("/api/", 0) != 0) return Outcome::Unhandled;  // the page itself, styles, voice clips
        res.set_header("Cache-Control", "no-store");

        bool changes = req.method != "GET" && req.method != "HEAD";
        std::string origin = req.get_header_value("Origin");
        if (changes && !origin.empty() && origin != (https ? "https://" : "http://") + req.get_header_value("Host")) {
            context.audit().record("anonymous", req.remote_addr, "web.cross_site_refused", req.method + " " + req.path,
                                   "origin " + origin);
            return refuse(403, {{"error", "cross-site request refused (origin " + origin + "): use the fpbridge page itself"}});
        }
        if (req.path == "/api/login" || req.path == "/api/logout") return Outcome::Unhandled;

        auto session = context.accounts().resume(cookieValue(req, "fpb_session"));
        if (!session) {
            return refuse(401, {{"error", "log in first (sessions end after " +
                                              std::to_string(context.config().sessionIdleSeconds / 60) + " minutes unused)"},
                                {"login_required", true}});
        }
        requestSession = *session;
        if (changes && !sameSecret(req.get_header_value("X-CSRF-Token"), session->csrfToken)) {
            context.audit().record(session->operatorName, req.remote_addr, "web.csrf_refused", req.method + " " + req.path, "");
            return refuse(403, {{"error", "request refused: missing or wrong CSRF token (reload the page and try again)"}});
        }
        if (session->passwordExpired && req.path != "/api/session" && req.path != "/api/password") {
            return refuse(403, {{"error", "your password is older than " +
                                              std::to_string(context.config().passwordMaxAgeDays) +
                                              " days: change it before anything else"},
                                {"password_expired", true}});
        }
        Permission needed = permissionFor(req.method, req.path);
        if (!roleAllows(session->role, needed)) {
            context.audit().record(session->operatorName, req.remote_addr, "access.denied", req.method + " " + req.path,
                                   roleName(session->role));
            return refuse(403, {{"error", refusalFor(session->role, needed)}});
        }
        return Outcome::Unhandled;
    }

    void securityRoutes() {
        server.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
            try {
                return check(req, res);
            } catch (const std::exception& e) {
                spdlog::warn("web: checking {} {} failed: {}", req.method, req.path, e.what());
                sendError(res, 500, e.what());
                return httplib::Server::HandlerResponse::Handled;
            }
        });
        server.Post("/api/login", guarded([this](const httplib::Request& req, httplib::Response& res) {
            json body = json::parse(req.body);
            Session session;
            try {
                session = context.accounts().login(body.value("name", ""), body.value("password", ""), "web", req.remote_addr);
            } catch (const LoginRefused& e) {
                return sendError(res, 401, e.what());
            }
            res.set_header("Set-Cookie", sessionCookie(session.token, context.config().sessionLifetimeSeconds));
            sendJson(res, sessionJson(session));
        }));
        server.Post("/api/logout", guarded([this](const httplib::Request& req, httplib::Response& res) {
            context.accounts().logout(cookieValue(req, "fpb_session"), req.remote_addr);
            res.set_header("Set-Cookie", sessionCookie("", 0));
            sendJson(res, {{"logged_out", true}});
        }));
        server.Get("/api/session", guarded([this](const httplib::Request&, httplib::Response& res) {
            sendJson(res, sessionJson(who()));
        }));
        server.Post("/api/password", guarded([this](const httplib::Request& req, httplib::Response& res) {
            json body = json::parse(req.body);
            context.accounts().changePassword(who().operatorName, body.value("current", ""), body.value("new", ""),
                                              req.remote_addr);
            res.set_header("Set-Cookie", sessionCookie("", 0));
            sendJson(res, {{"changed", true}, {"login_again", true}});
        }));
        server.Get("/api/operators", guarded([this](const httplib::Request&, httplib::Response& res) {
            json out = json::array();
            auto now = unixNow();
            for (const auto& a : context.accounts().list())
                out.push_back({{"name", a.name}, {"role", roleName(a.role)}, {"password_changed_at", isoTime(a.passwordChangedAt)},
                               {"locked_until", a.lockedUntil > now ? isoTime(a.lockedUntil) : ""},
                               {"last_login_at", isoTime(a.lastLoginAt)}, {"last_login_address", a.lastLoginAddress}});
            sendJson(res, out);
        }));
        server.Post("/api/operators", guarded([this](const httplib::Request& req, httplib::Response& res) {
            json body = json::parse(req.body);
            std::string name = body.value("name", "");
            context.accounts().create(name, parseRole(body.value("role", "guest")), body.value("password", ""),
                                      who().operatorName, req.remote_addr);
            sendJson(res, {{"created", name}}, 201);
        }));
        server.Post(R"(/api/operators/([A-Za-z0-9._-]+)/unlock)", guarded([this](const httplib::Request& req, httplib::Response& res) {
            context.accounts().unlock(req.matches[1], who().operatorName, req.remote_addr);
            sendJson(res, {{"unlocked", std::string(req.matches[1])}});
        }));
        server.Post(R"(/api/operators/([A-Za-z0-9._-]+)/role)", guarded([this](const httplib::Request& req, httplib::Response& res) {
            json body = json::parse(req.body);
            context.accounts().setRole(req.matches[1], parseRole(body.value("role", "")), who().operatorName,
                                       req.remote_addr);
            sendJson(res, {{"role", body.value("role", "")}});
        }));
        server.Delete(R"(/api/operators/([A-Za-z0-9._-]+))", guarded([this](const httplib::Request& req, httplib::Response& res) {
            context.accounts().remove(req.matches[1], who().operatorName, req.remote_addr);
            sendJson(res, {{"removed", std::string(req.matches[1])}});
        }));
        server.Get("/api/audit", guarded([this](const httplib::Request& req, httplib::Response& res) {
            int limit = req.has_param("limit") ? std::clamp(std::stoi(req.get_param_value("limit")), 1, 10000) : 200;
            json out = json::array();
            for (const auto& e : context.audit().recent(limit, req.get_param_value("action"))) out.push_back(auditJson(e));
            sendJson(res, out);
        }));
        server.Get("/api/audit/export", guarded([this](const httplib::Request& req, httplib::Response& res) {
            std::string format = req.has_param("format") ? req.get_param_value("format") : "csv";
            if (format != "csv" && format != "json") throw UserInputError("format must be csv or json");
            auto entries = context.audit().all();
            context.audit().record(who().operatorName, req.remote_addr, "audit.exported", "web download",
                                   std::to_string(entries.size()) + " entries, " + format);
            res.set_header("Content-Disposition", "attachment; filename=\"fpbridge-audit-log." + format + "\"");
            if (format == "csv") {
                res.set_content(auditCsv(entries), "text/csv");
            } else {
                json out = json::array();
                for (const auto& e : entries) out.push_back(auditJson(e));
                res.set_content(out.dump(2), "application/json");
            }
        }));
        server.Get("/api/controllers/audit", guarded([this](const httplib::Request& req, httplib::Response& res) {
            auto audits = auditControllers(context, {}, ControllerAuditSettings::from(context.config()), who().operatorName,
                                           req.remote_addr);
            sendJson(res, auditJson(audits));
        }));
        server.Post(R"(/api/controllers/([A-Za-z0-9._-]+)/rotate-password)",
                    guarded([this](const httplib::Request& req, httplib::Response& res) {
                        rotateControllerPassword(context, req.matches[1], who().operatorName, req.remote_addr);
                        sendJson(res, {{"rotated", true}});
                    }));
    }

    // Every handler runs inside this: bad input is 400 with the reason, anything else 500.
    template <typename Body>
    httplib::Server::Handler guarded(Body body) {
        return [this, body](const httplib::Request& req, httplib::Response& res) {
            if (deferredRefusal) return sendJson(res, deferredRefusal->second, deferredRefusal->first);
            try {
                body(req, res);
            } catch (const UserInputError& e) {
                sendError(res, 400, e.what());
            } catch (const json::exception& e) {
                sendError(res, 400, std::string("malformed request: ") + e.what());
            } catch (const std::exception& e) {
                spdlog::warn("web: {} {} failed: {}", req.method, req.path, e.what());
                sendError(res, 500, e.what());
            }
        };
    }

    void routes() {
        for (const auto& asset : webAssets()) {
            std::string path = asset.path == "/index.html" ? "/" : asset.path;
            std::string body(asset.data, asset.size);
            std::string type = asset.contentType;
            server.Get(path, [body, type](const httplib::Request&, httplib::Response& res) { res.set_content(body, type); });
        }

        server.Get("/api/status", guarded([this](const httplib::Request&, httplib::Response& res) {
            json plugins = json::array();
            for (const auto& p : context.plugins().loaded()) {
                json types = json::array();
                for (const auto& t : p->deviceTypes) types.push_back({{"id", t.id}, {"display_name", t.displayName}});
                plugins.push_back({{"id", p->manifest.id}, {"display_name", p->manifest.displayName},
                                   {"version", p->manifest.version}, {"device_types", types}});
            }
            json refused = json::array();
            for (const auto& r : context.plugins().refused()) refused.push_back({{"id", r.pluginId}, {"reason", r.reason}});
            sendJson(res, {{"plugins", plugins}, {"refused", refused}, {"emulation", static_cast<bool>(emulation.describe)},
                           {"privacy_notice", context.config().privacyNotice},
                           {"max_fingers_per_user", context.config().maxFingersPerUser}});
        }));

        server.Get("/api/controllers", guarded([this](const httplib::Request&, httplib::Response& res) {
            ControllerStore store(context.database(), context.secrets());
            json out = json::array();
            for (const auto& s : collectStatuses(context)) out.push_back(statusJson(s, store.find(s.id)));
            sendJson(res, out);
        }));
        server.Post(R"(/api/controllers/([A-Za-z0-9._-]+)/sync)", guarded([this](const httplib::Request& req, httplib::Response& res) {
            std::string id = req.matches[1];
            json report;
            forEachControllerPublisher(context, [&](IControllerPublisher0& publisher) {
                SyncReport r{};
                r.size = sizeof r;
                Error error = Error::init();
                auto rc = publisher.syncController(id.c_str(), nullptr, 120000, &r, &error);
                context.audit().record(who().operatorName, req.remote_addr, "controller.synced", "controller " + id,
                                       rc == kOk ? "ok" : error.message);
                report = {{"ok", rc == kOk}, {"error", rc == kOk ? "" : error.message}, {"created", r.created},
                          {"modified", r.modified}, {"deleted", r.deleted}, {"unchanged", r.unchanged}, {"refused", r.refused}};
            });
            sendJson(res, report);
        }));
        server.Get("/api/users", guarded([this](const httplib::Request&, httplib::Response& res) {
            json out = json::array();
            for (const auto& u : context.users().listUsers()) out.push_back(userJson(context.users(), u));
            sendJson(res, out);
        }));
        server.Post("/api/users", guarded([this](const httplib::Request& req, httplib::Response& res) {
            json body = json::parse(req.body);
            User u;
            u.id = body.value("id", "");
            u.name = body.value("name", "");
            u.type = body.value("type", "general");
            if (body.contains("valid_from") && body["valid_from"].is_string() && !body["valid_from"].get<std::string>().empty())
                u.validFrom = body["valid_from"].get<std::string>();
            if (body.contains("valid_until") && body["valid_until"].is_string() &&
                !body["valid_until"].get<std::string>().empty())
                u.validUntil = body["valid_until"].get<std::string>();
            context.users().addUser(u);
            context.audit().record(who().operatorName, req.remote_addr, "user.added", "user " + u.id, u.type);
            sendJson(res, userJson(context.users(), *context.users().findUser(u.id)), 201);
        }));
        server.Get(R"(/api/users/([A-Za-z0-9._-]+))", guarded([this](const httplib::Request& req, httplib::Response& res) {
            auto user = context.users().findUser(req.matches[1]);
            if (!user) return sendError(res, 404, "no user with id " + std::string(req.matches[1]));
            sendJson(res, userJson(context.users(), *user));
        }));
        server.Delete(R"(/api/users/([A-Za-z0-9._-]+))", guarded([this](const httplib::Request& req, httplib::Response& res) {
            std::string id = req.matches[1];
            if (!context.users().deleteUser(id)) return sendError(res, 404, "no user with id " + id);
            context.audit().record(who().operatorName, req.remote_addr, "user.deleted", "user " + id, "");
            context.notifyUserChanged(id, true);
            sendJson(res, {{"deleted", id}});
        }));
        server.Delete(R"(/api/users/([A-Za-z0-9._-]+)/fingers/(\d+))",
                      guarded([this](const httplib::Request& req, httplib::Response& res) {
                          std::string id = req.matches[1];
                          int finger = std::stoi(req.matches[2]);
                          int erased = context.users().deleteFingerprints(id, finger);
                          if (erased == 0) return sendError(res, 404, "user " + id + " has no such finger enrolled");
                          context.audit().record(who().operatorName, req.remote_addr, "fingerprint.deleted", "user " + id,
                                                 UserStore::fingerName(finger));
                          context.notifyUserChanged(id, false);
                          sendJson(res, {{"erased", erased}});
                      }));

        server.Get("/api/devices", guarded([this](const httplib::Request&, httplib::Response& res) {
            json out = json::array();
            for (const auto& r : readers.readers()) {
                std::string typeName = r.info.deviceType;
                for (const auto& t : r.plugin->deviceTypes)
                    if (typeName == t.id) typeName = t.displayName;
                out.push_back({{"id", r.info.id}, {"type", typeName}, {"model", r.info.model}, {"serial", r.info.serial},
                               {"firmware", r.info.firmware}, {"bus", r.info.usbBus}, {"port", r.info.usbPort}});
            }
            sendJson(res, out);
        }));

        server.Post("/api/collect", guarded([this](const httplib::Request& req, httplib::Response& res) {
            json body = json::parse(req.body);
            CollectRequest request;
            request.userId = body.value("user_id", "");
            request.finger = body.value("finger", 2);
            request.duress = body.value("duress", false);
            request.deviceId = body.value("device_id", "");
            request.presses = body.value("presses", 3u);
            request.consentConfirmed = body.value("consent_confirmed", false);
            request.consentOperator = who().operatorName;  // the logged-in operator, never a name the page sends
            auto session = collect.start(request);
            context.audit().record(who().operatorName, req.remote_addr, "collect.started", "user " + request.userId,
                                   std::string(UserStore::fingerName(request.finger)) + " on " + session->request().deviceId +
                                       ", consent confirmed");
            sendJson(res, {{"session", session->id()}, {"device_id", session->request().deviceId}}, 201);
        }));
        server.Get(R"(/api/collect/(\w+)/events)", [this](const httplib::Request& req, httplib::Response& res) {
            auto session = collect.find(req.matches[1]);
            if (!session) return sendError(res, 404, "no such Collect session");
            auto last = std::make_shared<int>(0);
            res.set_header("Cache-Control", "no-cache");
            res.set_chunked_content_provider("text/event-stream", [session, last](std::size_t, httplib::DataSink& sink) {
                auto events = session->eventsAfter(*last, 1000);
                if (events.empty()) return sink.write(": keep-alive\n\n", 14);
                for (const auto& e : events) {
                    *last = e.sequence;
                    std::string chunk = "id: " + std::to_string(e.sequence) + "\ndata: " + eventJson(e).dump() + "\n\n";
                    if (!sink.write(chunk.data(), chunk.size())) return false;
                    if (e.kind == "finished" || e.kind == "cancelled" || e.kind == "failed") {
                        sink.done();
                        return true;
                    }
                }
                return true;
            });
        });
        server.Post(R"(/api/collect/(\w+)/finish)", guarded([this](const httplib::Request& req, httplib::Response& res) {
            auto session = collect.find(req.matches[1]);
            if (!session) return sendError(res, 404, "no such Collect session");
            session->finish();
            context.audit().record(who().operatorName, req.remote_addr, "collect.finished",
                                   "user " + session->request().userId, UserStore::fingerName(session->request().finger));
            context.notifyUserChanged(session->request().userId, false);
            collect.forget(session->id());
            sendJson(res, {{"saved", true}});
        }));
        server.Post(R"(/api/collect/(\w+)/cancel)", guarded([this](const httplib::Request& req, httplib::Response& res) {
            auto session = collect.find(req.matches[1]);
            if (!session) return sendError(res, 404, "no such Collect session");
            session->cancel();
            session->waitDone(3000);
            collect.forget(session->id());
            sendJson(res, {{"cancelled", true}});
        }));

        server.Get(R"(/voice/(\d+)\.wav)", [this](const httplib::Request& req, httplib::Response& res) {
            std::ifstream in(voiceDir / (std::string(req.matches[1]) + ".wav"), std::ios::binary);
            if (!in) return sendError(res, 404, "no voice clip for this prompt");
            std::stringstream data;
            data << in.rdbuf();
            res.set_content(data.str(), "audio/wav");
        });

        server.Get("/api/emulation", guarded([this](const httplib::Request&, httplib::Response& res) {
            if (!emulation.describe) return sendJson(res, json::array());
            res.set_content(emulation.describe(), "application/json");
        }));
        server.Post(R"(/api/emulation/(\d+)/(\w+))", guarded([this](const httplib::Request& req, httplib::Response& res) {
            if (!emulation.act) return sendError(res, 404, "no emulated readers in this run");
            std::string problem = emulation.act(std::stoi(req.matches[1]), req.matches[2], req.body.empty() ? "{}" : req.body);
            if (!problem.empty()) return sendError(res, 400, problem);
            sendJson(res, {{"ok", true}});
        }));
        // Requests with a body that match no route: the deferred refusal, else "no such route".
        auto unmatched = [](const httplib::Request& req, httplib::Response& res) {
            if (deferredRefusal) return sendJson(res, deferredRefusal->second, deferredRefusal->first);
            sendError(res, 404, "no such request: " + req.method + " " + req.path);
        };
        server.Post(".*", unmatched);
        server.Put(".*", unmatched);
        server.Delete(".*", unmatched);
        server.Patch(".*", unmatched);
    }
};

WebServer::WebServer(HostContext& context, ReaderDirectory& readers, CollectService& collect)
    : impl_(std::make_unique<Impl>(context, readers, collect)) {
    impl_->securityRoutes();
    impl_->routes();
}

WebServer::~WebServer() { stop(); }

void WebServer::setEmulation(EmulationControls controls) { impl_->emulation = std::move(controls); }

std::string WebServer::scheme() const { return impl_->https ? "https" : "http"; }

std::filesystem::path WebServer::certificateFile() const { return impl_->certificateFile; }

int WebServer::start(const std::string& bindAddress, int port) {
    if (!impl_->server.bind_to_port(bindAddress.c_str(), port))
        throw std::runtime_error("cannot listen on " + bindAddress + ":" + std::to_string(port) +
                                 ": the port is in use or not allowed; choose another with \"web_port\" in the config "
                                 "file or --port");
    impl_->thread = std::thread([this] { impl_->server.listen_after_bind(); });
    return port;
}

void WebServer::stop() {
    if (impl_->thread.joinable()) {
        impl_->server.stop();
        impl_->thread.join();
    }
}

} // namespace fpb::host
