// SPDX-License-Identifier: GPL-2.0-or-later
// Host records held in memory, for tests and benchmarks of the publisher.
#pragma once
#include <mutex>
#include <random>

#include "publisher/record_source.h"
#include "template/fingerprint_template.h"

namespace fpb::test {

inline std::vector<std::uint8_t> randomTemplate(std::mt19937& random) {
    tmpl::Template t;
    t.width = 388;
    t.height = 374;
    std::uniform_int_distribution<int> count(28, 48), x(20, 368), y(20, 354);
    std::uniform_real_distribution<double> angle(0, 6.28);
    for (int i = 0, n = count(random); i < n; ++i) {
        tmpl::Minutia m;
        m.x = x(random);
        m.y = y(random);
        m.angle = angle(random);
        t.minutiae.push_back(m);
    }
    return tmpl::writeIsoRecord(t);
}

class InMemoryRecords final : public publisher::RecordSource {
public:
    void setFingers(const std::string& user, std::vector<publisher::EnrolledFinger> fingers) {
        std::lock_guard lock(mutex_);
        users_[user] = std::move(fingers);
    }
    void eraseUser(const std::string& user) {
        std::lock_guard lock(mutex_);
        users_.erase(user);
    }
    void setControllers(std::vector<onvif::ControllerAddress> controllers) {
        std::lock_guard lock(mutex_);
        controllers_ = std::move(controllers);
    }
    std::optional<std::vector<publisher::EnrolledFinger>> fingersOfUser(const std::string& userId) override {
        std::lock_guard lock(mutex_);
        auto it = users_.find(userId);
        if (it == users_.end()) return std::nullopt;
        return it->second;
    }
    std::map<std::string, std::vector<publisher::EnrolledFinger>> enrolledUsers() override {
        std::lock_guard lock(mutex_);
        std::map<std::string, std::vector<publisher::EnrolledFinger>> out;
        for (const auto& [id, fingers] : users_)
            if (!fingers.empty()) out[id] = fingers;
        return out;
    }
    std::vector<onvif::ControllerAddress> controllers() override {
        std::lock_guard lock(mutex_);
        return controllers_;
    }
    void log(int, const std::string& message) override {
        std::lock_guard lock(mutex_);
        logged.push_back(message);
    }
    void audit(const std::string&, const std::string&, const std::string&) override {}
    std::vector<std::string> logged;

private:
    std::mutex mutex_;
    std::map<std::string, std::vector<publisher::EnrolledFinger>> users_;
    std::vector<onvif::ControllerAddress> controllers_;
};

} // namespace fpb::test
