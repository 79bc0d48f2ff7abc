// SPDX-License-Identifier: GPL-2.0-or-later
#include "web_server.h"

#include "controller_store.h"

#include <httplib.h>
#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "collect_service.h"
#include "reader_directory.h"
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

} // namespace

struct WebServer::Impl {
    HostContext& context;
    ReaderDirectory& readers;
    CollectService& collect;
    EmulationControls emulation;
    httplib::Server server;
    std::thread thread;
    std::filesystem::path voiceDir;

    Impl(HostContext& c, ReaderDirectory& r, CollectService& s) : context(c), readers(r), collect(s) {
        voiceDir = executableDir().parent_path() / "share" / "fpbridge" / "voice";
    }

    // Every handler runs inside this: bad input is 400 with the reason, anything else 500.
    template <typename Body>
    httplib::Server::Handler guarded(Body body) {
        return [this, body](const httplib::Request& req, httplib::Response& res) {
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
                context.audit().record(context.actor, context.actorAddress, "controller.synced", "controller " + id,
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
            context.audit().record(context.actor, req.remote_addr, "user.added", "user " + u.id, u.type);
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
            context.audit().record(context.actor, req.remote_addr, "user.deleted", "user " + id, "");
            context.notifyUserChanged(id, true);
            sendJson(res, {{"deleted", id}});
        }));
        server.Delete(R"(/api/users/([A-Za-z0-9._-]+)/fingers/(\d+))",
                      guarded([this](const httplib::Request& req, httplib::Response& res) {
                          std::string id = req.matches[1];
                          int finger = std::stoi(req.matches[2]);
                          int erased = context.users().deleteFingerprints(id, finger);
                          if (erased == 0) return sendError(res, 404, "user " + id + " has no such finger enrolled");
                          context.audit().record(context.actor, req.remote_addr, "fingerprint.deleted", "user " + id,
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
            request.consentOperator = body.value("operator", context.actor);
            auto session = collect.start(request);
            context.audit().record(request.consentOperator, req.remote_addr, "collect.started", "user " + request.userId,
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
            context.audit().record(session->request().consentOperator, req.remote_addr, "collect.finished",
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
    }
};

WebServer::WebServer(HostContext& context, ReaderDirectory& readers, CollectService& collect)
    : impl_(std::make_unique<Impl>(context, readers, collect)) {
    impl_->routes();
}

WebServer::~WebServer() { stop(); }

void WebServer::setEmulation(EmulationControls controls) { impl_->emulation = std::move(controls); }

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
