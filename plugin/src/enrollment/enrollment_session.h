// SPDX-License-Identifier: GPL-2.0-or-later
// One enrollment on one reader: prompt, wait for the finger, capture, judge the press, extract,
// check it is the same finger, lift (buzzer when held too long), then keep every press as a view of
// the finger and search every enrolled fingerprint for a duplicate. Nothing is stored here: the caller stores on Finish.
#pragma once

#include <fpbridge/device.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "quality/press_quality.h"
#include "reader/usb_reader.h"
#include "template/fingerprint_template.h"

namespace fpb::enrollment {

struct EnrollmentSettings {
    unsigned presses = 3;
    std::chrono::milliseconds pressTimeout{20000};  ///< waiting for each press
    std::chrono::milliseconds holdLimit{2500};      ///< finger still on this long after "lift": buzzer
    std::chrono::milliseconds liftTimeout{15000};   ///< give up waiting for the finger to leave
    unsigned maxAttempts = 15;                      ///< presses in all, good or not
};

/// An enrolled fingerprint of some user, for the duplicate search.
struct EnrolledFingerprint {
    std::string userId;
    int finger = 0;
    std::vector<std::uint8_t> isoTemplate;
};

/// Where one press's time went after the image arrived (for the benchmark, which knows when the
/// emulated finger touched).
struct PressTiming {
    std::chrono::steady_clock::time_point imageAt, promptAt;  ///< image in hand; verdict prompt out
    double qualityMs = 0, extractionMs = 0, matchingMs = 0;
};

class EnrollmentSession {
public:
    using Emit = std::function<void(const EnrollmentEvent&)>;
    using EnrolledSource = std::function<std::vector<EnrolledFingerprint>()>;

    EnrollmentSession(std::shared_ptr<reader::UsbReader> reader, EnrollmentSettings settings, std::string userId,
                      int finger, Emit emit, EnrolledSource enrolled);

    /// Runs the whole session on the calling thread; returns the final state (SessionState).
    std::int32_t run();
    void cancel();

    std::int32_t state() const { return state_; }
    const std::vector<std::uint8_t>& isoTemplate() const { return template_; }
    int quality() const { return quality_; }
    std::vector<PressTiming> timings() const;

private:
    enum class PressOutcome { Accepted, Rejected };
    void prompt(PromptCode code, bool tone = false, const std::string& duplicateUser = "");
    void fail(std::int32_t status, PromptCode code, const std::string& text);
    void waitForLift();

    std::shared_ptr<reader::UsbReader> reader_;
    EnrollmentSettings settings_;
    std::string userId_;
    int finger_;
    Emit emit_;
    EnrolledSource enrolled_;
    std::atomic<std::int32_t> state_{kSessionRunning};
    std::atomic<bool> cancelled_{false};
    std::vector<tmpl::Template> presses_;
    std::vector<std::uint8_t> template_;
    int quality_ = 0;
    mutable std::mutex timingMutex_;
    std::vector<PressTiming> timings_;
};

} // namespace fpb::enrollment
