// SPDX-License-Identifier: GPL-2.0-or-later
#include "controller_store.h"

#include <cctype>
#include <ctime>
#include <filesystem>
#include <stdexcept>

#include "host_context.h"

namespace fpb::host {
namespace {

std::string credentialRefOf(const std::string& id) {
    DoorController c;
    c.id = id;
    return c.credentialRef();
}

const std::vector<Database::Migration> kControllerMigrations = {
    {1, "CREATE TABLE controllers (id TEXT PRIMARY KEY, name TEXT NOT NULL, endpoint TEXT NOT NULL,"
        " username TEXT NOT NULL, ca_file TEXT NOT NULL, pinned_sha256 TEXT NOT NULL,"
        " allow_plain_http INTEGER NOT NULL, added_at TEXT NOT NULL, password_changed_at TEXT NOT NULL);"},
};

std::string normalisedPin(const std::string& pin) {
    std::string out;
    for (char c : pin) {
        if (c == ':' || c == ' ') continue;
        if (!std::isxdigit(static_cast<unsigned char>(c)))
            throw std::invalid_argument("the pinned SHA-256 '" + pin + "' is not hexadecimal: give the 64 hex digits of "
                                        "the controller certificate's SHA-256 fingerprint");
        out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    if (!out.empty() && out.size() != 64)
        throw std::invalid_argument("the pinned SHA-256 has " + std::to_string(out.size()) +
                                    " hex digits; a SHA-256 fingerprint has 64");
    return out;
}

void validate(DoorController& c) {
    auto idOk = !c.id.empty() && c.id.size() <= 63;
    for (char ch : c.id) idOk = idOk && (std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_' || ch == '.');
    if (!idOk) throw std::invalid_argument("controller id '" + c.id + "': use 1-63 letters, digits, '.', '_' or '-'");
    bool https = c.endpoint.rfind("https://", 0) == 0;
    bool http = c.endpoint.rfind("http://", 0) == 0;
    if (!https && !http)
        throw std::invalid_argument("endpoint '" + c.endpoint +
                                    "' is not an http(s) URL: give the device service address, e.g. "
                                    "https://10.0.0.5/onvif/device_service");
    if (http && !c.allowPlainHttp)
        throw std::invalid_argument("endpoint '" + c.endpoint +
                                    "' uses plain HTTP, which sends passwords and fingerprint templates unencrypted. "
                                    "Use the controller's https:// address, or add --allow-plain-http if its network is isolated");
    if (c.endpoint.size() > 255) throw std::invalid_argument("endpoint is longer than 255 characters");
    if (c.username.empty()) throw std::invalid_argument("a user name for the controller is required (--username)");
    c.pinnedSha256 = normalisedPin(c.pinnedSha256);
    if (!c.caFile.empty()) {
        std::error_code ec;
        auto absolute = std::filesystem::absolute(c.caFile, ec);
        if (!std::filesystem::is_regular_file(absolute, ec))
            throw std::invalid_argument("CA file '" + c.caFile + "' does not exist: give the PEM file of the CA that signed "
                                        "the controller's certificate");
        c.caFile = absolute.string();
    }
    if (c.name.empty()) c.name = c.id;
}

} // namespace

ControllerStore::ControllerStore(Database& db, SecretStore& secrets) : db_(db), secrets_(secrets) {
    db_.migrate("controllers", kControllerMigrations);
}

void ControllerStore::put(const DoorController& input, const std::optional<std::string>& password) {
    DoorController c = input;
    validate(c);
    auto existing = find(c.id);
    if (!existing && (!password || password->empty()))
        throw std::invalid_argument("controller '" + c.id + "' needs a password (--password-stdin or --password-file); "
                                    "fpbridge has no default password");
    db_.transaction([&] {
        std::string now = utcNowIso8601();
        Statement upsert(db_.handle(),
                         "INSERT INTO controllers(id, name, endpoint, username, ca_file, pinned_sha256, allow_plain_http,"
                         " added_at, password_changed_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)"
                         " ON CONFLICT(id) DO UPDATE SET name = ?2, endpoint = ?3, username = ?4, ca_file = ?5,"
                         " pinned_sha256 = ?6, allow_plain_http = ?7");
        upsert.bind(1, c.id).bind(2, c.name).bind(3, c.endpoint).bind(4, c.username).bind(5, c.caFile)
            .bind(6, c.pinnedSha256).bind(7, static_cast<std::int64_t>(c.allowPlainHttp ? 1 : 0)).bind(8, now).run();
        if (password && !password->empty()) {
            secrets_.put(c.credentialRef(), *password);
            Statement(db_.handle(), "UPDATE controllers SET password_changed_at = ?2 WHERE id = ?1").bind(1, c.id).bind(2, now).run();
        }
    });
}

bool ControllerStore::remove(const std::string& id) {
    bool removed = false;
    db_.transaction([&] {
        Statement del(db_.handle(), "DELETE FROM controllers WHERE id = ?");
        del.bind(1, id).run();
        removed = sqlite3_changes(db_.handle()) > 0;
        secrets_.erase(credentialRefOf(id));
    });
    return removed;
}

std::vector<DoorController> ControllerStore::list() {
    std::lock_guard lock(db_.mutex());
    Statement q(db_.handle(), "SELECT id, name, endpoint, username, ca_file, pinned_sha256, allow_plain_http, added_at,"
                              " password_changed_at FROM controllers ORDER BY id");
    std::vector<DoorController> out;
    while (q.step())
        out.push_back({q.text(0), q.text(1), q.text(2), q.text(3), q.text(4), q.text(5), q.integer(6) != 0, q.text(7), q.text(8)});
    return out;
}

std::optional<DoorController> ControllerStore::find(const std::string& id) {
    for (auto& c : list())
        if (c.id == id) return c;
    return std::nullopt;
}

std::optional<std::string> ControllerStore::password(const std::string& id) {
    return secrets_.get(credentialRefOf(id));
}

namespace {

/// The store as plugins see it: a fresh read on every call, so changes show at once.
class StoredControllerDirectory final : public IControllerDirectory0 {
public:
    explicit StoredControllerDirectory(std::unique_ptr<ControllerStore> store) : owned_(std::move(store)), store_(*owned_) {}
    std::uint32_t controllerCount() override {
        try {
            return static_cast<std::uint32_t>(store_.list().size());
        } catch (...) {
            return 0;
        }
    }
    std::int32_t getController(std::uint32_t index, ControllerInfo* out, Error* error) override {
        try {
            if (!out || out->size < sizeof(ControllerInfo)) return setError(error, kErrorInvalidArgument, "bad ControllerInfo");
            auto all = store_.list();
            if (index >= all.size()) return setError(error, kErrorNotFound, "no controller at this index");
            const auto& c = all[index];
            copyText(out->id, c.id.c_str());
            copyText(out->name, c.name.c_str());
            copyText(out->endpoint, c.endpoint.c_str());
            copyText(out->username, c.username.c_str());
            copyText(out->credentialRef, c.credentialRef().c_str());
            copyText(out->caFile, c.caFile.c_str());
            copyText(out->pinnedSha256, c.pinnedSha256.c_str());
            out->allowPlainHttp = c.allowPlainHttp ? 1 : 0;
            return kOk;
        } catch (const std::exception& e) {
            return setError(error, kErrorStorage, e.what());
        }
    }

private:
    std::unique_ptr<ControllerStore> owned_;
    ControllerStore& store_;
};

IControllerDirectory0* createDirectory(HostContext& context) {
    return new StoredControllerDirectory(std::make_unique<ControllerStore>(context.database(), context.secrets()));
}

void destroyDirectory(IControllerDirectory0* directory) { delete static_cast<StoredControllerDirectory*>(directory); }

ControllerDirectoryProvider storedProvider{createDirectory, destroyDirectory};

struct ProviderRegistration {
    ProviderRegistration() { controllerDirectoryProvider() = &storedProvider; }
} providerRegistration;

} // namespace

std::string timeText(std::int64_t t) {
    if (t == 0) return "never";
    std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

nlohmann::json statusJson(const ControllerStatus& s, const std::optional<DoorController>& c) {
    return {{"id", s.id},
            {"name", c ? c->name : s.id},
            {"endpoint", c ? c->endpoint : ""},
            {"state", s.lastError[0] ? (s.reachable ? "error" : "unreachable") : (s.lastSyncTime ? "in step" : "not yet synced")},
            {"reachable", s.reachable != 0},
            {"last_sync", s.lastSyncTime ? nlohmann::json(timeText(s.lastSyncTime)) : nlohmann::json(nullptr)},
            {"queued", s.queuedChanges},
            {"published", s.publishedCredentials},
            {"format_type", s.formatType},
            {"last_error", s.lastError}};
}

std::vector<ControllerStatus> collectStatuses(HostContext& context) {
    std::vector<ControllerStatus> out;
    forEachControllerPublisher(context, [&](IControllerPublisher0& publisher) {
        for (std::uint32_t i = 0, n = publisher.controllerStatusCount(); i < n; ++i) {
            ControllerStatus s{};
            s.size = sizeof s;
            Error error = Error::init();
            if (publisher.getControllerStatus(i, &s, &error) == kOk) out.push_back(s);
        }
    });
    return out;
}

void forEachControllerPublisher(HostContext& context, const std::function<void(IControllerPublisher0&)>& body) {
    for (const auto& plugin : context.plugins().loaded()) {
        auto* publisher = static_cast<IControllerPublisher0*>(plugin->plugin->queryInterface(IControllerPublisher0::kInterfaceId));
        if (!publisher) continue;
        try {
            body(*publisher);
        } catch (...) {
            publisher->releaseRef();
            throw;
        }
        publisher->releaseRef();
    }
}

} // namespace fpb::host
