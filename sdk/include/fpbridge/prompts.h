// SPDX-License-Identifier: GPL-2.0-or-later
// Stable prompt codes: what the person at the reader is told to do. Codes never change meaning;
// new ones are only appended. A host that meets a code it does not know shows the message text
// that comes with it (and treats it as kPromptRetryGeneral for logic).
#pragma once

#include <cstdint>

namespace fpb {

enum PromptCode : std::int32_t {
    kPromptNone = 0,
    kPromptPlaceFinger = 1,        ///< "Place your finger on the reader"
    kPromptLiftFinger = 2,         ///< "Lift your finger"
    kPromptPressAccepted = 3,      ///< a good press was counted
    kPromptSameFingerAgain = 4,    ///< the press did not match the earlier presses
    kPromptRetryGeneral = 5,       ///< try again (unknown reason)
    // The pressing guide's wrong modes, one code each.
    kPromptNotFlat = 10,           ///< mode 1: "Press the centre of your finger flat on the reader"
    kPromptTipOnly = 11,           ///< mode 2: "Put more of your finger on the reader, not just the tip"
    kPromptMoveUp = 12,            ///< mode 3: finger too low: "Move your finger up"
    kPromptMoveLeft = 13,          ///< mode 4: off to the right: "Move your finger to the left"
    kPromptMoveRight = 14,         ///< mode 4: off to the left: "Move your finger to the right"
    kPromptHeldTooLong = 15,       ///< mode 5: buzzer, "Lift your finger now"
    kPromptForeignMatter = 16,     ///< mode 6: "Remove anything covering your finger"
    kPromptTooMoist = 17,          ///< mode 7: "Your finger is too moist, dry it and press again"
    kPromptTooDry = 18,            ///< mode 8: "Your finger is too dry, ..."
    kPromptNoFinger = 19,          ///< nothing on the reader
    kPromptTooLittleContact = 20,  ///< "Press a little harder"
    kPromptMoveDown = 21,          ///< finger too high
    // Outcomes.
    kPromptEnrollmentComplete = 40,
    kPromptAlreadyEnrolled = 41,   ///< the 1:N duplicate check found this finger
    kPromptReaderUnplugged = 42,
    kPromptTimedOut = 43,
    kPromptCancelled = 44,
    kPromptReaderError = 45,
};

/// A prompt to show on screen and speak. `text` is in the host's language when the plugin has a
/// translation, else English. `tone` is non-zero when the reader's buzzer sounded with it.
struct Prompt {
    std::uint32_t size;
    std::int32_t code;        ///< PromptCode
    const char* text;         ///< UTF-8; valid only during the call
    const char* deviceId;     ///< the reader concerned, or ""
    std::int32_t tone;
};

} // namespace fpb
