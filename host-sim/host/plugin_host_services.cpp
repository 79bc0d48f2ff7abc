// SPDX-License-Identifier: GPL-2.0-or-later
#include "plugin_host_services.h"

#include <spdlog/spdlog.h>

#include <cstring>

namespace fpb::host {

namespace {

void copyField(char* dst, std::size_t size, const std::string& src) {
    std::strncpy(dst, src.c_str(), size - 1);
    dst[size - 1] = '\0';
}

template <typename Body>
std::int32_t guarded(Error* error, Body&& body) {
    try {
        return body();
    } catch (const UserInputError& e) {
        return setError(error, kErrorInvalidArgument, e.what());
    } catch (const std::exception& e) {
        return setError(error, kErrorStorage, e.what());
    } catch (...) {
        return setError(error, kErrorGeneric, "unexpected error in the host");
    }
}

FingerprintRecord toRecord(const Fingerprint& fp) {
    FingerprintRecord r{};
    r.size = sizeof r;
    copyField(r.userId, sizeof r.userId, fp.userId);
    r.finger = static_cast<std::uint32_t>(fp.finger);
    r.duress = fp.duress ? 1 : 0;
    r.quality = fp.quality;
    r.templateData = fp.isoTemplate.data();
    r.templateSize = static_cast<std::uint32_t>(fp.isoTemplate.size());
    copyField(r.consentTime, sizeof r.consentTime, fp.consentTime);
    copyField(r.consentOperator, sizeof r.consentOperator, fp.consentOperator);
    return r;
}

} // namespace

PluginHostServices::PluginHostServices(std::string pluginId, std::string dataDir, UserStore& users,
                                       SecretStore& secrets, AuditLog& audit, IControllerDirectory0* controllers)
    : pluginId_(std::move(pluginId)), dataDir_(std::move(dataDir)), users_(users), secrets_(secrets), audit_(audit),
      controllers_(controllers) {}

void PluginHostServices::setPromptHandler(PromptHandler handler) {
    std::lock_guard lock(handlerMutex_);
    promptHandler_ = std::move(handler);
}

void PluginHostServices::setChangeHandler(ChangeHandler handler) {
    std::lock_guard lock(handlerMutex_);
    changeHandler_ = std::move(handler);
}

std::int32_t PluginHostServices::getUser(const char* userId, UserInfo* out, Error* error) {
    return guarded(error, [&]() -> std::int32_t {
        if (userId == nullptr || out == nullptr || out->size < sizeof(UserInfo))
            return setError(error, kErrorInvalidArgument, "getUser: null argument or UserInfo.size too small");
        auto user = users_.findUser(userId);
        if (!user) return setError(error, kErrorNotFound, (std::string("no user with id ") + userId).c_str());
        copyField(out->id, sizeof out->id, user->id);
        copyField(out->name, sizeof out->name, user->name);
        copyField(out->type, sizeof out->type, user->type);
        copyField(out->validFrom, sizeof out->validFrom, user->validFrom.value_or(""));
        copyField(out->validUntil, sizeof out->validUntil, user->validUntil.value_or(""));
        out->fingerCount = static_cast<std::uint32_t>(users_.fingerprintsOf(user->id).size());
        return kOk;
    });
}

std::int32_t PluginHostServices::forEachEnrolledFingerprint(ITemplateVisitor* visitor, Error* error) {
    return guarded(error, [&]() -> std::int32_t {
        if (visitor == nullptr) return setError(error, kErrorInvalidArgument, "visitor is null");
        for (const auto& fp : users_.allFingerprints()) {
            FingerprintRecord r = toRecord(fp);
            if (visitor->visit(&r) != 0) break;
        }
        return kOk;
    });
}

std::int32_t PluginHostServices::forEachFingerprintOfUser(const char* userId, ITemplateVisitor* visitor, Error* error) {
    return guarded(error, [&]() -> std::int32_t {
        if (visitor == nullptr || userId == nullptr) return setError(error, kErrorInvalidArgument, "null argument");
        for (const auto& fp : users_.fingerprintsOf(userId)) {
            FingerprintRecord r = toRecord(fp);
            if (visitor->visit(&r) != 0) break;
        }
        return kOk;
    });
}

std::int32_t PluginHostServices::saveFingerprint(const FingerprintRecord* record, Error* error) {
    std::int32_t rc = guarded(error, [&]() -> std::int32_t {
        if (record == nullptr || record->size < sizeof(FingerprintRecord) || record->templateData == nullptr)
            return setError(error, kErrorInvalidArgument, "saveFingerprint: incomplete record");
        Fingerprint fp;
        fp.userId = record->userId;
        fp.finger = static_cast<int>(record->finger);
        fp.duress = record->duress != 0;
        fp.quality = record->quality;
        fp.isoTemplate.assign(record->templateData, record->templateData + record->templateSize);
        fp.consentTime = record->consentTime;
        fp.consentOperator = record->consentOperator;
        users_.saveFingerprint(fp);
        audit_.record("plugin:" + pluginId_, "", "fingerprint.enrolled", "user " + fp.userId,
                      std::string("finger ") + UserStore::fingerName(fp.finger) + (fp.duress ? " (duress)" : "") +
                          ", quality " + std::to_string(fp.quality) + ", consent by " + fp.consentOperator);
        return kOk;
    });
    if (rc == kOk) {
        std::lock_guard lock(handlerMutex_);
        if (changeHandler_) changeHandler_(record->userId);
    }
    return rc;
}

std::int32_t PluginHostServices::deleteFingerprints(const char* userId, std::uint32_t finger, Error* error) {
    return guarded(error, [&]() -> std::int32_t {
        if (userId == nullptr) return setError(error, kErrorInvalidArgument, "userId is null");
        int erased = users_.deleteFingerprints(userId, static_cast<int>(finger));
        audit_.record("plugin:" + pluginId_, "", "fingerprint.deleted", std::string("user ") + userId,
                      std::to_string(erased) + " finger(s)");
        return kOk;
    });
}

std::int32_t PluginHostServices::getSecret(const char* ref, char* buffer, std::uint32_t* length, Error* error) {
    return guarded(error, [&]() -> std::int32_t {
        if (ref == nullptr || length == nullptr) return setError(error, kErrorInvalidArgument, "null argument");
        auto secret = secrets_.get(ref);
        if (!secret) return setError(error, kErrorNotFound, (std::string("no secret stored under ") + ref).c_str());
        std::uint32_t capacity = *length;
        *length = static_cast<std::uint32_t>(secret->size());
        if (buffer == nullptr || capacity < secret->size())
            return setError(error, kErrorMoreData, "buffer too small for the secret; *length holds the size needed");
        std::memcpy(buffer, secret->data(), secret->size());
        return kOk;
    });
}

std::int32_t PluginHostServices::setSecret(const char* ref, const char* value, std::uint32_t length, Error* error) {
    return guarded(error, [&]() -> std::int32_t {
        if (ref == nullptr || value == nullptr) return setError(error, kErrorInvalidArgument, "null argument");
        secrets_.put(ref, std::string(value, length));
        return kOk;
    });
}

void PluginHostServices::record(const char* action, const char* subject, const char* detail) {
    try {
        audit_.record("plugin:" + pluginId_, "", action ? action : "", subject ? subject : "", detail ? detail : "");
    } catch (const std::exception& e) {
        spdlog::error("audit log write failed for plugin {}: {}", pluginId_, e.what());
    }
}

void PluginHostServices::log(std::int32_t level, const char* message) {
    static const spdlog::level::level_enum levels[] = {spdlog::level::trace, spdlog::level::debug, spdlog::level::info,
                                                       spdlog::level::warn, spdlog::level::err};
    auto lvl = (level >= 0 && level <= 4) ? levels[level] : spdlog::level::info;
    spdlog::log(lvl, "[{}] {}", pluginId_, message ? message : "");
}

void PluginHostServices::prompt(const Prompt* prompt) {
    if (prompt == nullptr) return;
    PromptHandler handler;
    {
        std::lock_guard lock(handlerMutex_);
        handler = promptHandler_;
    }
    try {
        if (handler) handler(*prompt);
    } catch (...) {
        // A failing front-end must not break the plugin's session.
    }
}

} // namespace fpb::host
