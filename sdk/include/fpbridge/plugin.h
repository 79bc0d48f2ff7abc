// SPDX-License-Identifier: GPL-2.0-or-later
// The plugin entry point and the plugin object.
//
// Loading: the host reads the manifest, checks the library's SHA-256 and that the entry symbol is
// exported, then loads the library and calls the entry function once. The plugin object and every
// object it hands out keep the library loaded: the host unloads only after the last releaseRef().
#pragma once

#include <cstdint>

#include "device.h"
#include "error.h"
#include "host_services.h"
#include "ref_counted.h"
#include "version.h"

namespace fpb {

struct HostInfo {
    std::uint32_t size;
    SdkVersion sdk;            ///< the SDK version the host was built with
    const char* hostName;      ///< e.g. "fpb-host 0.1.0"
    const char* manifestJson;  ///< the plugin's own manifest as the host read it (USB ids, minimum firmware)
    const char* pluginDir;     ///< the folder the plugin was loaded from (UTF-8)
};

struct PluginInfo {
    std::uint32_t size;
    char id[64];               ///< reverse-DNS id, equal to the manifest's
    char displayName[128];
    char vendor[64];
    char version[32];
    SdkVersion sdk;            ///< the SDK version the plugin was built with
};

struct DeviceTypeInfo {
    std::uint32_t size;
    char id[64];
    char displayName[128];     ///< what the operator picks, e.g. "USB Fingerprint Reader (V2)"
};

/// Threads: the host calls start(), stop() and setDeviceListener() from one thread (its main
/// thread), never overlapping anything else on the plugin. Other methods: any thread, may overlap.
class IPlugin0 : public IRefCounted {
public:
    static constexpr const char* kInterfaceId = "fpbridge.IPlugin/0";
    virtual std::int32_t getInfo(PluginInfo* out) = 0;
    /// Starts hotplug monitoring and background work. `services` stays valid until stop() returns.
    virtual std::int32_t start(IHostServices0* services, Error* error) = 0;
    /// Stops background work; no listener is called after stop() returns.
    virtual void stop() = 0;
    virtual std::uint32_t deviceTypeCount() = 0;
    virtual std::int32_t getDeviceType(std::uint32_t index, DeviceTypeInfo* out) = 0;
    /// Arrival/removal notifications; nullptr to stop them. Readers already present are reported
    /// as arrivals at once.
    virtual void setDeviceListener(IDeviceListener* listener) = 0;
    /// A snapshot of the readers present now.
    virtual std::uint32_t deviceCount() = 0;
    virtual std::int32_t getDevice(std::uint32_t index, DeviceInfo* out, Error* error) = 0;
    virtual std::int32_t openDevice(const char* deviceId, IDevice0** out, Error* error) = 0;

protected:
    ~IPlugin0() = default;
};

/// Optional, asked for with queryInterface(): the host tells the plugin when a user or any of
/// their fingers changed or was deleted (e.g. by an operator in the host's own UI), so that the
/// plugin can follow the host's records (publish to door controllers, erase). Threads: any;
/// calls may overlap; must return quickly (queue the work).
class IUserRecordObserver0 : public IRefCounted {
public:
    static constexpr const char* kInterfaceId = "fpbridge.IUserRecordObserver/0";
    /// `deleted` non-zero: the user no longer exists in the host.
    virtual void userChanged(const char* userId, std::int32_t deleted) = 0;

protected:
    ~IUserRecordObserver0() = default;
};

} // namespace fpb

/// The entry function every plugin exports (extern "C", name given in the manifest, by
/// convention "fpbridge_plugin_entry"). Must not throw. Returns kOk and a plugin object with one
/// reference, or an error code with `error` filled. Refuses (kErrorIncompatible) a host whose SDK
/// major differs or whose minor is older than the plugin's.
extern "C" typedef std::int32_t (*FpbPluginEntryFn)(const fpb::HostInfo* host, fpb::IPlugin0** out,
                                                     fpb::Error* error);

#define FPB_PLUGIN_ENTRY_SYMBOL "fpbridge_plugin_entry"
