// SPDX-License-Identifier: GPL-2.0-or-later
// fpbridge SDK version. A host loads a plugin built against the same MAJOR version whose MINOR
// is not newer than the host's own: minors only add (new interface versions, new enum values,
// struct fields appended behind `size`), majors may break.
#pragma once

#define FPB_SDK_VERSION_MAJOR 1
#define FPB_SDK_VERSION_MINOR 1

namespace fpb {

struct SdkVersion {
    unsigned int major;
    unsigned int minor;
};

/// True when a plugin built against `plugin` may be loaded by a host built against `host`.
inline constexpr bool sdkCompatible(SdkVersion host, SdkVersion plugin) {
    return host.major == plugin.major && plugin.minor <= host.minor;
}

} // namespace fpb
