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

/// One door controller as the plugin's publisher sees it.
struct ControllerStatus {
    std::uint32_t size;
    char id[64];
    std::int32_t reachable;          ///< non-zero: the last attempt reached the controller
    std::int64_t lastSyncTime;       ///< Unix time of the last completed round, 0 = never
    std::uint32_t queuedChanges;     ///< users still to be published (the outbox)
    std::uint32_t publishedCredentials;
    char formatType[64];             ///< the template format negotiated with the controller
    char lastError[512];             ///< "" when the last round went well; names the cause and the fix
};

struct SyncReport {
    std::uint32_t size;
    std::uint32_t created, modified, deleted, unchanged, refused;
};

/// Host-implemented progress callback for a sync. Called on a plugin thread; must return quickly.
class ISyncProgress {
public:
    virtual void progress(std::uint32_t done, std::uint32_t total) = 0;

protected:
    ~ISyncProgress() = default;
};

/// Optional (SDK 1.1), asked for with queryInterface(): a plugin that publishes the host's users to
/// door controllers (the controllers come from IControllerDirectory0, their passwords from
/// ISecretStore0). Threads: any; calls may overlap.
class IControllerPublisher0 : public IRefCounted {
public:
    static constexpr const char* kInterfaceId = "fpbridge.IControllerPublisher/0";
    /// The host's controller list changed (added, removed, new password or certificate).
    virtual void controllersChanged() = 0;
    virtual std::uint32_t controllerStatusCount() = 0;
    virtual std::int32_t getControllerStatus(std::uint32_t index, ControllerStatus* out, Error* error) = 0;
    /// Compares the controller with the host's records now and repairs every difference. Blocks
    /// until done (kOk) or timeoutMs (kErrorTimeout; the sync goes on in the background).
    /// `progress` may be null.
    virtual std::int32_t syncController(const char* controllerId, ISyncProgress* progress, std::uint32_t timeoutMs,
                                        SyncReport* out, Error* error) = 0;
    /// kOk once every queued change reached its controller, else kErrorTimeout.
    virtual std::int32_t waitUntilPublished(std::uint32_t timeoutMs) = 0;

protected:
    ~IControllerPublisher0() = default;
};

} // namespace fpb

/// The entry function every plugin exports (extern "C", name given in the manifest, by
/// convention "fpbridge_plugin_entry"). Must not throw. Returns kOk and a plugin object with one
/// reference, or an error code with `error` filled. Refuses (kErrorIncompatible) a host whose SDK
/// major differs or whose minor is older than the plugin's.
extern "C" typedef std::int32_t (*FpbPluginEntryFn)(const fpb::HostInfo* host, fpb::IPlugin0** out,
                                                     fpb::Error* error);

#define FPB_PLUGIN_ENTRY_SYMBOL "fpbridge_plugin_entry"
