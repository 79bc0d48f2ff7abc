// SPDX-License-Identifier: GPL-2.0-or-later
#include "host_record_source.h"

#include <stdexcept>

namespace fpb::plugin {
namespace {

class Collector final : public ITemplateVisitor {
public:
    std::map<std::string, std::vector<publisher::EnrolledFinger>> byUser;
    std::int32_t visit(const FingerprintRecord* record) override {
        if (!record || !record->templateData) return 0;
        publisher::EnrolledFinger finger;
        finger.finger = static_cast<int>(record->finger);
        finger.duress = record->duress != 0;
        finger.isoRecord.assign(record->templateData, record->templateData + record->templateSize);
        byUser[record->userId].push_back(std::move(finger));
        return 0;
    }
};

[[noreturn]] void hostFailed(const char* what, const Error& error) {
    throw std::runtime_error(std::string(what) + ": " + error.message);
}

} // namespace

std::optional<std::vector<publisher::EnrolledFinger>> HostRecordSource::fingersOfUser(const std::string& userId) {
    std::lock_guard lock(services_->mutex());
    auto* host = services_->host();
    if (!host || !host->userRecords()) throw std::runtime_error("the host's user records are not available");
    UserInfo user{};
    user.size = sizeof user;
    Error error = Error::init();
    std::int32_t rc = host->userRecords()->getUser(userId.c_str(), &user, &error);
    if (rc == kErrorNotFound) return std::nullopt;
    if (rc != kOk) hostFailed("reading a user record", error);
    Collector collector;
    if (host->userRecords()->forEachFingerprintOfUser(userId.c_str(), &collector, &error) != kOk)
        hostFailed("reading a user's fingerprints", error);
    return std::move(collector.byUser[userId]);
}

std::map<std::string, std::vector<publisher::EnrolledFinger>> HostRecordSource::enrolledUsers() {
    std::lock_guard lock(services_->mutex());
    auto* host = services_->host();
    if (!host || !host->userRecords()) throw std::runtime_error("the host's user records are not available");
    Collector collector;
    Error error = Error::init();
    if (host->userRecords()->forEachEnrolledFingerprint(&collector, &error) != kOk)
        hostFailed("reading the enrolled fingerprints", error);
    return std::move(collector.byUser);
}

std::vector<onvif::ControllerAddress> HostRecordSource::controllers() {
    std::lock_guard lock(services_->mutex());
    std::vector<onvif::ControllerAddress> out;
    auto* host = services_->host();
    if (!host || !host->controllerDirectory()) return out;
    auto* directory = host->controllerDirectory();
    for (std::uint32_t i = 0, n = directory->controllerCount(); i < n; ++i) {
        ControllerInfo info{};
        info.size = sizeof info;
        Error error = Error::init();
        if (directory->getController(i, &info, &error) != kOk) continue;
        onvif::ControllerAddress address;
        address.id = info.id;
        address.name = info.name;
        address.endpoint = info.endpoint;
        address.username = info.username;
        address.caFile = info.caFile;
        address.pinnedSha256 = info.pinnedSha256;
        address.allowPlainHttp = info.allowPlainHttp != 0;
        if (info.credentialRef[0] && host->secretStore()) {
            std::string secret(256, '\0');
            auto length = static_cast<std::uint32_t>(secret.size());
            std::int32_t rc = host->secretStore()->getSecret(info.credentialRef, secret.data(), &length, &error);
            if (rc == kErrorMoreData) {
                secret.resize(length);
                rc = host->secretStore()->getSecret(info.credentialRef, secret.data(), &length, &error);
            }
            if (rc == kOk) {
                secret.resize(length);
                address.password = std::move(secret);
            }
        }
        out.push_back(std::move(address));
    }
    return out;
}

} // namespace fpb::plugin
