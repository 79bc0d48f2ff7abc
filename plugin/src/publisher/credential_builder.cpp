// SPDX-License-Identifier: GPL-2.0-or-later
#include "publisher/credential_builder.h"

#include <openssl/sha.h>

#include <algorithm>
#include <cctype>

#include "template/fingerprint_template.h"

namespace fpb::publisher {
namespace {

std::string squeezed(const std::string& text) {
    std::string out;
    for (char c : text)
        if (std::isalnum(static_cast<unsigned char>(c))) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string sha256Hex(const std::string& formatType, const std::vector<std::uint8_t>& value) {
    std::vector<std::uint8_t> input(formatType.begin(), formatType.end());
    input.push_back(0);
    input.insert(input.end(), value.begin(), value.end());
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(input.data(), input.size(), digest);
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (unsigned char b : digest) {
        out += hex[b >> 4];
        out += hex[b & 15];
    }
    return out;
}

} // namespace

std::optional<FormatChoice> chooseFormat(const std::vector<onvif::FormatTypeInfo>& offered) {
    for (const auto& info : offered)
        if (squeezed(info.formatType).find("19794") != std::string::npos) return FormatChoice{info.formatType, TemplateFormat::Iso19794_2};
    for (const auto& info : offered) {
        auto s = squeezed(info.formatType);
        if (s.find("378") != std::string::npos && (s.find("ansi") != std::string::npos || s.find("incits") != std::string::npos))
            return FormatChoice{info.formatType, TemplateFormat::Ansi378};
    }
    return std::nullopt;
}

std::optional<BuiltCredential> buildCredential(const std::string& userId, const std::vector<EnrolledFinger>& fingers,
                                               const FormatChoice& format) {
    BuiltCredential built;
    std::vector<EnrolledFinger> sorted(fingers);
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.finger < b.finger; });
    std::vector<tmpl::Template> views;
    for (const auto& finger : sorted) {
        if (finger.duress) {
            ++built.withheldDuressFingers;
            continue;
        }
        for (auto view : tmpl::parseIsoRecord(finger.isoRecord)) {
            view.fingerPosition = finger.finger;
            views.push_back(std::move(view));
        }
    }
    if (views.empty()) return std::nullopt;
    auto record = tmpl::writeIsoRecord(views);
    if (format.format == TemplateFormat::Ansi378) record = tmpl::isoToAnsi(record);
    built.credential.holderReference = userId;
    built.credential.description = kManagedDescription;
    built.credential.identifiers.push_back({kFingerprintType, format.formatType, false, record});
    built.digest = sha256Hex(format.formatType, record);
    return built;
}

std::string fingerprintDigest(const onvif::CredentialData& credential) {
    for (const auto& identifier : credential.identifiers)
        if (identifier.typeName == kFingerprintType) return sha256Hex(identifier.formatType, identifier.value);
    return {};
}

} // namespace fpb::publisher
