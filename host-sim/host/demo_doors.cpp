// SPDX-License-Identifier: GPL-2.0-or-later
#include "demo_doors.h"

#include <openssl/rand.h>

#include <chrono>
#include <thread>

#include "controller_store.h"
#include "host_context.h"

#ifdef HAVE_FPB_DOOR_SIM
#include "door_controller_simulator.h"
#include "image/image_files.h"
#include "synthetic_finger.h"
#endif

namespace fpb::host {

struct DemoDoors {
#ifdef HAVE_FPB_DOOR_SIM
    std::vector<std::unique_ptr<door::DoorControllerSimulator>> doors;
#endif
};

#ifdef HAVE_FPB_DOOR_SIM
namespace {

// Each demo run gets fresh strong passwords: there is no default password anywhere.
std::string strongPassword() {
    static const char* alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    unsigned char bytes[20];
    RAND_bytes(bytes, sizeof bytes);
    std::string out = "Fp-";
    for (unsigned char b : bytes) out += alphabet[b % 56];
    return out + "-9";
}

} // namespace

std::shared_ptr<DemoDoors> startDemoDoors(HostContext& context, std::ostream& out) {
    auto demo = std::make_shared<DemoDoors>();
    ControllerStore store(context.database(), context.secrets());
    struct Spec {
        const char* id;
        const char* name;
        bool pinned;
    };
    for (const Spec& spec : {Spec{"door-a", "Front door", true}, Spec{"door-b", "Server room", false}}) {
        door::DoorSettings settings;
        settings.stateDirectory = context.config().dataDir / "demo-doors" / spec.id;
        std::string password = strongPassword();
        settings.users = {{"fpbridge", password, "Administrator"}};
        demo->doors.push_back(std::make_unique<door::DoorControllerSimulator>(settings));
        auto& simulator = *demo->doors.back();
        simulator.start();
        DoorController controller;
        controller.id = spec.id;
        controller.name = spec.name;
        controller.endpoint = simulator.endpoint();
        controller.username = "fpbridge";
        // One trusts a pinned certificate, the other its CA file: both ways a site can work.
        if (spec.pinned) controller.pinnedSha256 = simulator.certificateSha256();
        else controller.caFile = simulator.caFile().string();
        store.put(controller, password);
        out << "Door controller " << spec.id << " (" << spec.name << ") at " << simulator.endpoint() << ", TLS "
            << (spec.pinned ? "pinned " + simulator.certificateSha256().substr(0, 16) + "..." : "verified against its CA file")
            << "\n";
    }
    return demo;
}

bool presentFingersAtDoors(HostContext& context, DemoDoors& demo, std::uint64_t enrolledFingerSeed, std::ostream& out) {
    bool published = false;
    forEachControllerPublisher(context, [&](IControllerPublisher0& publisher) {
        published = publisher.waitUntilPublished(60000) == kOk;
        for (std::uint32_t i = 0, n = publisher.controllerStatusCount(); i < n; ++i) {
            ControllerStatus s{};
            s.size = sizeof s;
            Error error = Error::init();
            if (publisher.getControllerStatus(i, &s, &error) != kOk) continue;
            out << "  " << s.id << ": " << s.publishedCredentials << " credential(s), " << s.queuedChanges << " queued, format "
                << s.formatType << (s.lastError[0] ? std::string(", error: ") + s.lastError : "") << "\n";
        }
    });
    if (!published) {
        out << "The user did not reach the door controllers in time.\n";
        return false;
    }
    auto impression = [](std::uint64_t seed, int index) {
        return encodePng(synth::generatePress(seed, index, synth::PressMode::Good));
    };
    auto show = [&](const std::string& what, const door::AccessResult& r) {
        out << "  " << what << ": " << r.event << (r.holder.empty() ? "" : " holder " + r.holder) << " (score " << r.score
            << ")\n";
    };
    out << "\nAt the doors (each matches with the project's matcher against the credentials it holds):\n";
    auto granted = demo.doors[0]->present(door::DoorControllerSimulator::kDefaultAccessPoint, impression(enrolledFingerSeed, 9));
    show("Front door, the enrolled finger again", granted);
    auto denied = demo.doors[1]->present(door::DoorControllerSimulator::kDefaultAccessPoint, impression(enrolledFingerSeed + 1, 1));
    show("Server room, a finger nobody enrolled", denied);
    return granted.granted && !denied.granted;
}

#else

std::shared_ptr<DemoDoors> startDemoDoors(HostContext&, std::ostream&) { return nullptr; }
bool presentFingersAtDoors(HostContext&, DemoDoors&, std::uint64_t, std::ostream&) { return true; }

#endif

} // namespace fpb::host
