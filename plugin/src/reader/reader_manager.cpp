// SPDX-License-Identifier: GPL-2.0-or-later
#include "reader/reader_manager.h"

#include <fpbridge/error.h>

#include <chrono>
#include <set>

namespace fpb::reader {

ReaderManager::ReaderManager(std::vector<UsbId> ids, Callbacks callbacks, ReaderTimeouts timeouts)
    : ids_(std::move(ids)), callbacks_(std::move(callbacks)), timeouts_(timeouts) {}

ReaderManager::~ReaderManager() { stop(); }

bool ReaderManager::matches(libusb_device* device) const {
    libusb_device_descriptor desc{};
    if (libusb_get_device_descriptor(device, &desc) != 0) return false;
    for (const auto& id : ids_)
        if (desc.idVendor == id.vendorId && desc.idProduct == id.productId) return true;
    return false;
}

int LIBUSB_CALL ReaderManager::hotplugCallback(libusb_context*, libusb_device* device, libusb_hotplug_event event,
                                               void* self) {
    // No transfers here (libusb forbids them in hotplug callbacks): queue the work.
    auto* manager = static_cast<ReaderManager*>(self);
    std::lock_guard lock(manager->mutex_);
    manager->pending_.push_back({libusb_ref_device(device), event == LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED});
    manager->work_.notify_all();
    return 0;
}

void ReaderManager::start() {
    int rc = libusb_init(&context_);
    if (rc != 0)
        throw ReaderError(kErrorGeneric, std::string("USB is not available (libusb: ") + libusb_strerror(rc) + ")");
    hotplug_ = libusb_has_capability(LIBUSB_CAP_HAS_HOTPLUG) != 0;
    if (hotplug_) {
        rc = libusb_hotplug_register_callback(context_,
                                              static_cast<libusb_hotplug_event>(LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED |
                                                                                LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT),
                                              LIBUSB_HOTPLUG_NO_FLAGS, LIBUSB_HOTPLUG_MATCH_ANY, LIBUSB_HOTPLUG_MATCH_ANY,
                                              LIBUSB_HOTPLUG_MATCH_ANY, &ReaderManager::hotplugCallback, this,
                                              &hotplugHandle_);
        hotplug_ = rc == 0;
    }
    // The readers present now, reported before start() returns.
    libusb_device** list = nullptr;
    ssize_t count = libusb_get_device_list(context_, &list);
    for (ssize_t i = 0; i < count; ++i)
        if (matches(list[i])) deviceArrived(list[i]);
    if (list) libusb_free_device_list(list, 1);
    // Hotplug may report the devices enumerated above again; deviceArrived() ignores known ids.
    workerThread_ = std::thread([this] { workerLoop(); });
    eventThread_ = std::thread([this] { eventLoop(); });
}

void ReaderManager::stop() {
    if (!context_) return;
    stopping_ = 1;
    {
        std::lock_guard lock(mutex_);
        work_.notify_all();
    }
    if (hotplug_) libusb_hotplug_deregister_callback(context_, hotplugHandle_);  // wakes the event loop
    if (eventThread_.joinable()) eventThread_.join();
    if (workerThread_.joinable()) workerThread_.join();
    {
        std::lock_guard lock(mutex_);
        for (auto& p : pending_) libusb_unref_device(p.device);
        pending_.clear();
        for (auto& [id, present] : present_) libusb_unref_device(present.device);
        present_.clear();
    }
    libusb_exit(context_);
    context_ = nullptr;
}

void ReaderManager::eventLoop() {
    auto lastPoll = std::chrono::steady_clock::now();
    while (!stopping_) {
        timeval tv{0, 100000};
        libusb_handle_events_timeout_completed(context_, &tv, reinterpret_cast<int*>(&stopping_));
        if (!hotplug_ && std::chrono::steady_clock::now() - lastPoll > std::chrono::milliseconds(500)) {
            pollOnce();
            lastPoll = std::chrono::steady_clock::now();
        }
    }
}

void ReaderManager::pollOnce() {
    libusb_device** list = nullptr;
    ssize_t count = libusb_get_device_list(context_, &list);
    std::set<std::string> seen;
    std::lock_guard lock(mutex_);
    for (ssize_t i = 0; i < count; ++i) {
        if (!matches(list[i])) continue;
        std::string id = readerId(list[i]);
        seen.insert(id);
        if (!present_.count(id)) pending_.push_back({libusb_ref_device(list[i]), true});
    }
    for (auto& [id, present] : present_)
        if (!seen.count(id)) pending_.push_back({libusb_ref_device(present.device), false});
    if (list) libusb_free_device_list(list, 1);
    work_.notify_all();
}

void ReaderManager::workerLoop() {
    for (;;) {
        Pending next{};
        {
            std::unique_lock lock(mutex_);
            work_.wait(lock, [&] { return stopping_ || !pending_.empty(); });
            if (stopping_) return;
            next = pending_.front();
            pending_.pop_front();
        }
        if (next.arrived) {
            if (matches(next.device)) deviceArrived(next.device);
        } else {
            deviceLeft(next.device);
        }
        libusb_unref_device(next.device);
    }
}

void ReaderManager::deviceArrived(libusb_device* device) {
    ReaderInfo info;
    info.id = readerId(device);
    {
        std::lock_guard lock(mutex_);
        if (present_.count(info.id)) return;
    }
    libusb_device_descriptor desc{};
    libusb_get_device_descriptor(device, &desc);
    info.vendorId = desc.idVendor;
    info.productId = desc.idProduct;
    info.bus = libusb_get_bus_number(device);
    info.port = libusb_get_port_number(device);
    try {
        UsbReader reader(device, timeouts_);
        info.identity = reader.identity();
    } catch (const ReaderError& e) {
        // Present but unreadable (permission, busy): list it with the reason so the operator can fix it.
        info.problem = e.what();
    }
    {
        std::lock_guard lock(mutex_);
        present_[info.id] = Present{libusb_ref_device(device), info};
    }
    if (callbacks_.arrived) callbacks_.arrived(info);
}

void ReaderManager::deviceLeft(libusb_device* device) {
    std::string id = readerId(device);
    {
        std::lock_guard lock(mutex_);
        auto it = present_.find(id);
        if (it == present_.end()) return;
        libusb_unref_device(it->second.device);
        present_.erase(it);
    }
    if (callbacks_.removed) callbacks_.removed(id);
}

std::vector<ReaderInfo> ReaderManager::readers() {
    std::lock_guard lock(mutex_);
    std::vector<ReaderInfo> out;
    for (const auto& [id, present] : present_) out.push_back(present.info);
    return out;
}

std::unique_ptr<UsbReader> ReaderManager::open(const std::string& id) {
    libusb_device* device = nullptr;
    {
        std::lock_guard lock(mutex_);
        auto it = present_.find(id);
        if (it == present_.end())
            throw ReaderError(kErrorNotFound, "no fingerprint reader " + id + " is connected; plug it in and try again");
        device = libusb_ref_device(it->second.device);
    }
    try {
        auto reader = std::make_unique<UsbReader>(context_, device, timeouts_);
        libusb_unref_device(device);
        return reader;
    } catch (...) {
        libusb_unref_device(device);
        throw;
    }
}

} // namespace fpb::reader
