// SPDX-License-Identifier: GPL-2.0-or-later
// The demo's door side: two simulated ONVIF door controllers, registered with the host, that
// receive the enrolled user from the plugin; then a finger is presented at each door.
#pragma once
#include <memory>
#include <ostream>

namespace fpb::host {

class HostContext;
struct DemoDoors;

/// Starts the controllers and records them in the host (before the plugins load). Null when the
/// door simulator is not built in.
std::shared_ptr<DemoDoors> startDemoDoors(HostContext& context, std::ostream& out);
/// Waits for the publication, then presents another impression of the enrolled finger (granted)
/// and a different finger (denied). False when either outcome is wrong.
bool presentFingersAtDoors(HostContext& context, DemoDoors& doors, std::uint64_t enrolledFingerSeed, std::ostream& out);

} // namespace fpb::host
