// SPDX-License-Identifier: GPL-2.0-or-later
#include "enrollment/enrollment_session.h"

#include <algorithm>

#include <fpbridge/error.h>

namespace fpb::enrollment {

namespace {
using Clock = std::chrono::steady_clock;
double msSince(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }
} // namespace

EnrollmentSession::EnrollmentSession(std::shared_ptr<reader::UsbReader> reader, EnrollmentSettings settings,
                                     std::string userId, int finger, Emit emit, EnrolledSource enrolled)
    : reader_(std::move(reader)), settings_(settings), userId_(std::move(userId)), finger_(finger), emit_(std::move(emit)),
      enrolled_(std::move(enrolled)) {}

void EnrollmentSession::cancel() {
    cancelled_ = true;
    reader_->cancel();
}

std::vector<PressTiming> EnrollmentSession::timings() const {
    std::lock_guard lock(timingMutex_);
    return timings_;
}

void EnrollmentSession::prompt(PromptCode code, bool tone, const std::string& duplicateUser) {
    EnrollmentEvent e{};
    e.size = sizeof e;
    e.kind = kEventPrompt;
    e.promptCode = code;
    e.text = quality::promptText(code);
    e.pressesDone = static_cast<std::uint32_t>(presses_.size());
    e.pressesNeeded = settings_.presses;
    e.quality = -1;
    e.tone = tone ? 1 : 0;
    e.duplicateUserId = duplicateUser.c_str();
    emit_(e);
}

void EnrollmentSession::fail(std::int32_t status, PromptCode code, const std::string& text) {
    EnrollmentEvent e{};
    e.size = sizeof e;
    e.kind = kEventFailed;
    e.promptCode = code;
    e.text = text.c_str();
    e.pressesDone = static_cast<std::uint32_t>(presses_.size());
    e.pressesNeeded = settings_.presses;
    e.quality = -1;
    e.errorCode = status;
    e.duplicateUserId = "";
    state_ = status == kErrorCancelled ? kSessionCancelled : kSessionFailed;
    emit_(e);
}

void EnrollmentSession::waitForLift() {
    // Mode 5 of the pressing guide: a finger left on the reader gets the buzzer and a prompt.
    auto started = Clock::now();
    bool warned = false;
    while (reader_->fingerPresent()) {
        auto held = Clock::now() - started;
        if (!warned && held >= settings_.holdLimit) {
            warned = true;
            try {
                reader_->beep(400);
            } catch (const reader::ReaderError&) {
            }
            prompt(kPromptHeldTooLong, true);
        }
        if (held >= settings_.liftTimeout)
            throw reader::ReaderError(kErrorTimeout, "the finger was not lifted from the reader");
        auto event = reader_->waitFingerEvent(std::chrono::milliseconds(warned ? 500 : 200));
        if (event == reader::kFingerOff) return;
    }
}

std::int32_t EnrollmentSession::run() {
    try {
        unsigned attempts = 0;
        while (presses_.size() < settings_.presses) {
            if (cancelled_) throw reader::ReaderError(kErrorCancelled, "cancelled");
            if (++attempts > settings_.maxAttempts) {
                fail(kErrorQuality, kPromptRetryGeneral,
                     "Too many unusable presses. Check the finger and the reader's surface, then start again.");
                return state_;
            }
            prompt(kPromptPlaceFinger);
            // The reader takes the image the moment the finger lands (capture on touch).
            std::optional<GreyImage> touched = reader_->captureOnTouch(settings_.pressTimeout);
            if (!touched) {
                fail(kErrorTimeout, kPromptTimedOut, quality::promptText(kPromptTimedOut));
                return state_;
            }
            GreyImage image = std::move(*touched);
            PressTiming timing;
            timing.imageAt = Clock::now();
            auto t = Clock::now();
            quality::QualityReport report = quality::assessPress(image);
            timing.qualityMs = msSince(t);
            bool accepted = report.verdict == quality::Verdict::Good;
            PromptCode verdictPrompt = report.promptCode();
            tmpl::Template extracted;
            if (accepted) {
                t = Clock::now();
                try {
                    extracted = tmpl::extractTemplate(image);
                } catch (const tmpl::TemplateError&) {
                    accepted = false;
                    verdictPrompt = kPromptRetryGeneral;
                }
                timing.extractionMs = msSince(t);
            }
            if (accepted && !presses_.empty()) {
                t = Clock::now();
                std::vector<tmpl::Template> all = presses_;
                all.push_back(extracted);
                if (tmpl::firstInconsistentPress(all) >= 0) {
                    accepted = false;
                    verdictPrompt = kPromptSameFingerAgain;
                }
                timing.matchingMs = msSince(t);
            }
            if (accepted) presses_.push_back(extracted);

            EnrollmentEvent e{};
            e.size = sizeof e;
            e.kind = kEventPressEvaluated;
            e.promptCode = verdictPrompt;
            e.text = quality::promptText(verdictPrompt);
            e.pressesDone = static_cast<std::uint32_t>(presses_.size());
            e.pressesNeeded = settings_.presses;
            e.quality = report.score;
            e.accepted = accepted ? 1 : 0;
            e.image = image.pixels.data();
            e.imageWidth = static_cast<std::uint32_t>(image.width);
            e.imageHeight = static_cast<std::uint32_t>(image.height);
            e.imageDpi = static_cast<std::uint32_t>(image.dpi);
            e.duplicateUserId = "";
            emit_(e);
            prompt(verdictPrompt);  // what went wrong and how to fix it, or "accepted"
            timing.promptAt = Clock::now();
            {
                std::lock_guard lock(timingMutex_);
                timings_.push_back(timing);
            }
            prompt(kPromptLiftFinger);
            waitForLift();
        }

        std::vector<tmpl::Template> views = tmpl::enrollmentViews(presses_);
        quality_ = 0;
        for (auto& view : views) {
            view.fingerPosition = finger_;
            quality_ = std::max(quality_, view.quality);
        }
        // 1:N duplicate search over every enrolled finger of every user (this finger of this user
        // is being replaced, so it does not count).
        tmpl::Identifier gallery;
        for (const auto& f : enrolled_ ? enrolled_() : std::vector<EnrolledFingerprint>{}) {
            if (f.userId == userId_ && f.finger == finger_) continue;
            try {
                for (auto& view : tmpl::parseIsoRecord(f.isoTemplate)) gallery.add(f.userId, view);
            } catch (const tmpl::TemplateError&) {
                // A damaged stored template cannot match; the host reports it elsewhere.
            }
        }
        // The threshold grows with the gallery: every enrolled view is another chance of a false
        // match. The press that agrees best searches; each enrolled finger offers its best view.
        auto duplicates = gallery.identify(views[0], tmpl::thresholdForSearch(gallery.size(), tmpl::kDuplicateCheckFalseMatches), 1);
        if (!duplicates.empty()) {
            std::string who = duplicates[0].key;
            prompt(kPromptAlreadyEnrolled, false, who);
            EnrollmentEvent e{};
            e.size = sizeof e;
            e.kind = kEventFailed;
            e.promptCode = kPromptAlreadyEnrolled;
            std::string text = "This finger is already enrolled for user " + who + ". Nothing was saved.";
            e.text = text.c_str();
            e.pressesDone = static_cast<std::uint32_t>(presses_.size());
            e.pressesNeeded = settings_.presses;
            e.quality = -1;
            e.errorCode = kErrorDuplicate;
            e.duplicateUserId = who.c_str();
            state_ = kSessionFailed;
            emit_(e);
            return state_;
        }
        template_ = tmpl::writeIsoRecord(views);
        state_ = kSessionCompleted;
        EnrollmentEvent done{};
        done.size = sizeof done;
        done.kind = kEventCompleted;
        done.promptCode = kPromptEnrollmentComplete;
        done.text = quality::promptText(kPromptEnrollmentComplete);
        done.pressesDone = static_cast<std::uint32_t>(presses_.size());
        done.pressesNeeded = settings_.presses;
        done.quality = quality_;
        done.duplicateUserId = "";
        emit_(done);
        return state_;
    } catch (const reader::ReaderError& e) {
        PromptCode code = e.status() == kErrorDisconnected ? kPromptReaderUnplugged
                          : e.status() == kErrorCancelled  ? kPromptCancelled
                          : e.status() == kErrorTimeout    ? kPromptTimedOut
                                                           : kPromptReaderError;
        std::string text = e.status() == kErrorCancelled ? std::string(quality::promptText(kPromptCancelled)) : e.what();
        fail(e.status(), code, text);
        return state_;
    } catch (const std::exception& e) {
        fail(kErrorGeneric, kPromptReaderError, e.what());
        return state_;
    }
}

} // namespace fpb::enrollment
