// SPDX-License-Identifier: GPL-2.0-or-later
// Presenting a finger at an access point: the probe (an image or a minutiae record) is compared
// with the project's matcher against every view of every enabled fingerprint credential; the best
// score at or above the threshold for the number of views the door holds opens the door for that
// credential's holder.
#include <cstring>
#include <map>

#include "door_simulator_impl.h"
#include "image/image_files.h"
#include "onvif/username_token.h"
#include "template/fingerprint_template.h"

namespace fpb::door {
namespace {

constexpr double kStrangerAdmittedPerPresentation = 1e-4;

bool isRecord(const std::vector<std::uint8_t>& bytes) {
    return bytes.size() >= 4 && std::memcmp(bytes.data(), "FMR\0", 4) == 0;
}

/// The finger views of a record in either format (ANSI is converted to ISO first).
std::vector<tmpl::Template> parseRecord(const std::vector<std::uint8_t>& bytes) {
    if (tmpl::looksLikeAnsi(bytes.data(), bytes.size())) return tmpl::parseIsoRecord(tmpl::ansiToIso(bytes));
    return tmpl::parseIsoRecord(bytes);
}

std::vector<tmpl::Template> probeViews(const std::vector<std::uint8_t>& probe) {
    try {
        if (isRecord(probe)) return parseRecord(probe);
        return {tmpl::extractTemplate(decodeImage(probe.data(), probe.size(), 500, "the presented finger"))};
    } catch (const std::exception& e) {
        throw DoorError(std::string("the presented finger cannot be used: ") + e.what() +
                        " (give a PNG, PGM or TIFF image of a finger, or an ISO/ANSI minutiae record)");
    }
}

} // namespace

AccessResult DoorControllerSimulator::present(const std::string& accessPointToken, const std::vector<std::uint8_t>& probe) {
    Impl& d = *impl_;
    bool knownAccessPoint = false;
    for (const auto& ap : d.accessPoints) knownAccessPoint |= ap.token == accessPointToken;
    if (!knownAccessPoint) {
        std::string known;
        for (const auto& ap : d.accessPoints) known += (known.empty() ? "" : ", ") + ap.token;
        throw DoorError("unknown access point '" + accessPointToken + "': use one of " + known);
    }
    std::vector<tmpl::Template> probes = probeViews(probe);

    tmpl::Identifier identifier;
    identifier.setThorough(false);  // an unknown finger is turned away at once, not after every entry is compared
    std::map<std::string, std::string> holderOf;
    for (const auto& credential : d.state.allCredentials()) {
        if (!credential.enabled) continue;
        for (const auto& id : credential.identifiers) {
            if (id.type != "pt:Fingerprint") continue;
            try {
                for (auto& view : parseRecord(id.value)) identifier.add(credential.token, std::move(view));
                holderOf[credential.token] = credential.holderReference;
            } catch (const tmpl::TemplateError&) {
                // Validated when stored; a record the matcher cannot read simply never matches.
            }
        }
    }

    AccessResult result;
    for (const auto& view : probes) {
        for (const auto& candidate : identifier.identify(view, 0, 1)) {
            if (candidate.score > result.score) {
                result.score = candidate.score;
                result.credentialToken = candidate.key;
            }
        }
    }
    // A stranger is let in at most once in 10,000 presentations, however many views the door
    // holds: each is another chance of a false match (the FMR 1e-4 threshold for a single one).
    result.granted = result.score >= tmpl::thresholdForSearch(identifier.size(), kStrangerAdmittedPerPresentation);
    if (result.granted) {
        result.event = kGrantedTopic;
        result.holder = holderOf[result.credentialToken];
    } else {
        result.event = kDeniedTopic;
        result.credentialToken.clear();
    }
    d.state.addEvent({0, onvif::utcTimestamp(d.deviceNow()), accessPointToken, result.event, result.holder,
                      result.credentialToken, result.score});
    return result;
}

} // namespace fpb::door
