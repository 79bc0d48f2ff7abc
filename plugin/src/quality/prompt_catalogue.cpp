// SPDX-License-Identifier: GPL-2.0-or-later
// The message catalogue: one short, spoken-style sentence per prompt code. Translations are
// further columns of the same table (code, language, text), so adding a language is data only.
#include <cstring>

#include "quality/press_quality.h"

namespace fpb::quality {

namespace {

struct Message {
    PromptCode code;
    const char* language;
    const char* text;
};

const Message kMessages[] = {
    {kPromptPlaceFinger, "en", "Place your finger flat on the reader."},
    {kPromptLiftFinger, "en", "Lift your finger."},
    {kPromptPressAccepted, "en", "Good. That press was accepted."},
    {kPromptSameFingerAgain, "en", "That was a different finger. Press the same finger again."},
    {kPromptRetryGeneral, "en", "Please press again."},
    {kPromptNotFlat, "en", "Press the centre of your finger flat on the reader."},
    {kPromptTipOnly, "en", "Not just the tip. Put the flat of your finger on the reader."},
    {kPromptMoveUp, "en", "Move your finger up."},
    {kPromptMoveLeft, "en", "Move your finger to the left."},
    {kPromptMoveRight, "en", "Move your finger to the right."},
    {kPromptHeldTooLong, "en", "Lift your finger now."},
    {kPromptForeignMatter, "en", "Remove anything covering your finger, such as a plaster, and press again."},
    {kPromptTooMoist, "en", "Your finger is too moist. Dry it and press again."},
    {kPromptTooDry, "en", "Your finger is too dry. Breathe on it or moisten it slightly, and press again."},
    {kPromptNoFinger, "en", "No finger was found. Place your finger on the reader."},
    {kPromptTooLittleContact, "en", "Press a little harder, with more of your finger."},
    {kPromptMoveDown, "en", "Move your finger down."},
    {kPromptEnrollmentComplete, "en", "Thank you. Your fingerprint has been recorded."},
    {kPromptAlreadyEnrolled, "en", "This finger is already enrolled for another person."},
    {kPromptReaderUnplugged, "en", "The reader was disconnected. Plug it in again."},
    {kPromptTimedOut, "en", "No finger was placed in time."},
    {kPromptCancelled, "en", "Enrollment was cancelled."},
    {kPromptReaderError, "en", "The reader has a problem. Please try again."},
};

} // namespace

const char* promptText(PromptCode code, const char* language) {
    const char* english = nullptr;
    for (const auto& m : kMessages) {
        if (m.code != code) continue;
        if (language != nullptr && std::strcmp(m.language, language) == 0) return m.text;
        if (std::strcmp(m.language, "en") == 0) english = m.text;
    }
    return english != nullptr ? english : "Please press again.";
}

const std::vector<PromptCode>& catalogueCodes() {
    static const std::vector<PromptCode> codes = [] {
        std::vector<PromptCode> out;
        for (const auto& m : kMessages)
            if (std::strcmp(m.language, "en") == 0) out.push_back(m.code);
        return out;
    }();
    return codes;
}

} // namespace fpb::quality
