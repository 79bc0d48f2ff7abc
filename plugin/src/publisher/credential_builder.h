// SPDX-License-Identifier: GPL-2.0-or-later
// Turns a user's enrolled fingers into the one ONVIF credential a controller keeps for them:
// holder reference = the host's user ID, one pt:Fingerprint identifier whose value is a multi-view
// template record (ONVIF allows one identifier per type) in the format the controller offered.
//
// Duress fingers are withheld: neither ONVIF nor ISO/IEC 19794-2 can mark a view as duress, so a
// controller would open the door for it silently and no alarm would be raised. They stay in the
// host (which can raise the alarm where it matches locally) and the status reports them.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "onvif/onvif_client.h"
#include "publisher/record_source.h"

namespace fpb::publisher {

inline constexpr const char* kFingerprintType = "pt:Fingerprint";
/// Marks credentials this publisher manages (drift repair never touches anyone else's).
inline constexpr const char* kManagedDescription = "Fingerprints published by fpbridge";

enum class TemplateFormat { Iso19794_2, Ansi378 };

struct FormatChoice {
    std::string formatType;   ///< the controller's own spelling, sent back as is
    TemplateFormat format = TemplateFormat::Iso19794_2;
};

/// ISO/IEC 19794-2 first, then ANSI INCITS 378; nullopt when the controller offers neither.
std::optional<FormatChoice> chooseFormat(const std::vector<onvif::FormatTypeInfo>& offered);

struct BuiltCredential {
    onvif::CredentialData credential;
    std::string digest;        ///< identifies the published value without keeping it
    int withheldDuressFingers = 0;
};

/// nullopt when the user has nothing to publish (no fingers, or duress fingers only).
/// Throws tmpl::TemplateError for a stored template that does not parse.
std::optional<BuiltCredential> buildCredential(const std::string& userId, const std::vector<EnrolledFinger>& fingers,
                                               const FormatChoice& format);

/// The digest of the fingerprint identifier of a credential as a controller lists it ("" if none).
std::string fingerprintDigest(const onvif::CredentialData& credential);

} // namespace fpb::publisher
