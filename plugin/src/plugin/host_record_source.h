// SPDX-License-Identifier: GPL-2.0-or-later
// The publisher's view of the host: user fingers from IUserRecords0, controllers from
// IControllerDirectory0 with passwords from ISecretStore0, logging and audit.
#pragma once
#include <memory>

#include "plugin_services.h"
#include "publisher/record_source.h"

namespace fpb::plugin {

class HostRecordSource final : public publisher::RecordSource {
public:
    explicit HostRecordSource(std::shared_ptr<PluginServices> services) : services_(std::move(services)) {}
    std::optional<std::vector<publisher::EnrolledFinger>> fingersOfUser(const std::string& userId) override;
    std::map<std::string, std::vector<publisher::EnrolledFinger>> enrolledUsers() override;
    std::vector<onvif::ControllerAddress> controllers() override;
    void log(int level, const std::string& message) override { services_->log(level, message); }
    void audit(const std::string& action, const std::string& subject, const std::string& detail) override {
        services_->audit(action, subject, detail);
    }

private:
    std::shared_ptr<PluginServices> services_;
};

} // namespace fpb::plugin
