// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <libusb.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "reader/usb_reader.h"

namespace fpb::reader {

struct UsbId {
    std::uint16_t vendorId = 0;
    std::uint16_t productId = 0;
};

/// A reader present on the bus, as enumeration found it.
struct ReaderInfo {
    std::string id;  ///< "usb:BBB:DDD"
    std::uint16_t vendorId = 0;
    std::uint16_t productId = 0;
    std::uint8_t bus = 0;
    std::uint8_t port = 0;
    DeviceIdentity identity;
    std::string problem;  ///< non-empty when the reader is present but could not be read (e.g. permission)
};

/// Finds the readers (by the manifest's vendor/product ids), follows arrivals and removals
/// (libusb hotplug, or polling where the platform has none) and opens readers.
class ReaderManager {
public:
    struct Callbacks {
        std::function<void(const ReaderInfo&)> arrived;
        std::function<void(const std::string& id)> removed;
    };

    ReaderManager(std::vector<UsbId> ids, Callbacks callbacks, ReaderTimeouts timeouts = {});
    ~ReaderManager();

    /// Initialises libusb and reports the readers present now (synchronously). Throws ReaderError.
    void start();
    void stop();

    std::vector<ReaderInfo> readers();
    /// Opens a reader; throws ReaderError (not present, busy, no permission, unplugged).
    std::unique_ptr<UsbReader> open(const std::string& id);
    bool usesHotplug() const { return hotplug_; }

private:
    static int LIBUSB_CALL hotplugCallback(libusb_context*, libusb_device*, libusb_hotplug_event, void*);
    bool matches(libusb_device* device) const;
    void deviceArrived(libusb_device* device);
    void deviceLeft(libusb_device* device);
    void eventLoop();
    void workerLoop();
    void pollOnce();

    std::vector<UsbId> ids_;
    Callbacks callbacks_;
    ReaderTimeouts timeouts_;
    libusb_context* context_ = nullptr;
    libusb_hotplug_callback_handle hotplugHandle_ = 0;
    bool hotplug_ = false;
    std::atomic<int> stopping_{0};
    std::thread eventThread_;
    std::thread workerThread_;

    std::mutex mutex_;
    std::condition_variable work_;
    struct Pending {
        libusb_device* device;
        bool arrived;
    };
    std::deque<Pending> pending_;
    struct Present {
        libusb_device* device;
        ReaderInfo info;
    };
    std::map<std::string, Present> present_;
};

} // namespace fpb::reader
