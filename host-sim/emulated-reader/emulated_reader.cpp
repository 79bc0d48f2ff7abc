// SPDX-License-Identifier: GPL-2.0-or-later
#include "emulated_reader.h"

#include <dlfcn.h>
#include <libusb.h>
#include <link.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <stdexcept>

#include "image/image_files.h"
#include "reader_model.h"

namespace fpb::emulation {

namespace {

std::string hex(const std::vector<std::uint8_t>& bytes) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (auto b : bytes) {
        out += digits[b >> 4];
        out += digits[b & 15];
    }
    return out;
}

std::vector<std::uint8_t> readerDescriptors(const ReaderConfig& c) {
    return {
        // device: USB 2.0, class per interface, EP0 64 bytes, VID/PID, bcdDevice = firmware, strings 1/2/3, 1 config
        0x12, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x40, static_cast<std::uint8_t>(c.vendorId),
        static_cast<std::uint8_t>(c.vendorId >> 8), static_cast<std::uint8_t>(c.productId),
        static_cast<std::uint8_t>(c.productId >> 8), static_cast<std::uint8_t>(c.firmwareMinor),
        static_cast<std::uint8_t>(c.firmwareMajor), 0x01, 0x02, 0x03, 0x01,
        // configuration 1: 1 interface, bus powered, 100 mA
        0x09, 0x02, 0x27, 0x00, 0x01, 0x01, 0x00, 0x80, 0x32,
        // interface 0: vendor specific, 3 endpoints
        0x09, 0x04, 0x00, 0x00, 0x03, 0xFF, 0x00, 0x00, 0x00,
        // EP 0x01 bulk OUT 512, EP 0x82 bulk IN 512, EP 0x83 interrupt IN 8 bytes every 10 ms
        0x07, 0x05, 0x01, 0x02, 0x00, 0x02, 0x00,
        0x07, 0x05, 0x82, 0x02, 0x00, 0x02, 0x00,
        0x07, 0x05, 0x83, 0x03, 0x08, 0x00, 0x0A,
    };
}

const std::vector<std::uint8_t> kRootHubDescriptors = {
    0x12, 0x01, 0x00, 0x02, 0x09, 0x00, 0x01, 0x40, 0x6b, 0x1d, 0x02, 0x00, 0x06, 0x05, 0x03, 0x02, 0x01, 0x01,
    0x09, 0x02, 0x19, 0x00, 0x01, 0x01, 0x00, 0xe0, 0x00,
    0x09, 0x04, 0x00, 0x00, 0x01, 0x09, 0x00, 0x00, 0x00,
    0x07, 0x05, 0x81, 0x03, 0x04, 0x00, 0x0c,
};

char devnodeName[32];

std::string devnode(int devnum) {
    std::snprintf(devnodeName, sizeof devnodeName, "/dev/bus/usb/001/%03d", devnum);
    return devnodeName;
}

gboolean onIoctl(UMockdevIoctlBase*, UMockdevIoctlClient* client, gpointer model) {
    return static_cast<ReaderModel*>(model)->handleIoctl(client);
}

} // namespace

GreyImage fitToSensor(const GreyImage& image, int width, int height, int dpi) {
    if (image.width == width && image.height == height) {
        GreyImage same = image;
        same.dpi = dpi;
        return same;
    }
    GreyImage out(width, height, dpi, 255);
    int dx = (width - image.width) / 2;
    int dy = (height - image.height) / 2;
    for (int y = 0; y < height; ++y) {
        int sy = y - dy;
        if (sy < 0 || sy >= image.height) continue;
        for (int x = 0; x < width; ++x) {
            int sx = x - dx;
            if (sx >= 0 && sx < image.width) out.at(x, y) = image.at(sx, sy);
        }
    }
    return out;
}

ImageFileSource::ImageFileSource(std::vector<std::string> files) : files_(std::move(files)) {
    if (files_.empty()) throw std::invalid_argument("an image finger source needs at least one image file");
}

GreyImage ImageFileSource::nextImage(int width, int height, int dpi) {
    const std::string& file = files_[next_++ % files_.size()];
    return fitToSensor(loadImage(file, dpi), width, height, dpi);
}

struct EmulatedReaderBed::Slot {
    std::unique_ptr<ReaderModel> model;
    UMockdevIoctlBase* handler = nullptr;
    int port = 0;
    int devnum = 0;
    bool plugged = false;
    std::string syspath() const { return "/sys/devices/usb1/1-" + std::to_string(port); }
};

struct EmulatedReaderBed::Impl {
    UMockdevTestbed* testbed = nullptr;
    std::vector<std::unique_ptr<Slot>> slots;
    int nextDevnum = 2;
    mutable std::recursive_mutex mutex;
    std::atomic<bool> stop{false};
    std::thread watcher;
};

EmulatedReaderBed::EmulatedReaderBed() : impl_(std::make_unique<Impl>()) {
    if (!umockdevPreloaded())
        throw std::runtime_error("the emulated reader needs the umockdev preload library in this process; start the "
                                 "program through ensureUmockdevPreload() or umockdev-wrapper");
    impl_->testbed = umockdev_testbed_new();
    std::string root = "P: /devices/usb1\nN: bus/usb/001/001\nE: SUBSYSTEM=usb\nE: DEVTYPE=usb_device\nE: DRIVER=usb\nE: DEVNAME=/dev/bus/usb/001/001\n"
                       "E: BUSNUM=001\nE: DEVNUM=001\nA: busnum=1\\n\nA: devnum=1\\n\nA: speed=480\\n\n"
                       "A: bConfigurationValue=1\\n\nH: descriptors=" +
                       hex(kRootHubDescriptors) + "\n";
    GError* error = nullptr;
    if (!umockdev_testbed_add_from_string(impl_->testbed, root.c_str(), &error)) {
        std::string message = error ? error->message : "unknown";
        g_clear_error(&error);
        throw std::runtime_error("cannot create the emulated USB bus: " + message);
    }
    impl_->watcher = std::thread([this] { watch(); });
}

EmulatedReaderBed::~EmulatedReaderBed() {
    impl_->stop = true;
    if (impl_->watcher.joinable()) impl_->watcher.join();
    std::lock_guard lock(impl_->mutex);
    for (auto& slot : impl_->slots) {
        if (slot->handler) {
            umockdev_testbed_detach_ioctl(impl_->testbed, devnode(slot->devnum).c_str(), nullptr);
            g_object_unref(slot->handler);
        }
    }
    g_object_unref(impl_->testbed);
    impl_->slots.clear();
}

void EmulatedReaderBed::watch() {
    // A fault can unplug a reader from inside a transfer; the device node is removed from here.
    while (!impl_->stop) {
        {
            std::lock_guard lock(impl_->mutex);
            for (auto& slot : impl_->slots)
                if (slot->plugged && slot->model->wantsRemoval()) remove(*slot);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

void EmulatedReaderBed::attach(Slot& slot) {
    slot.devnum = impl_->nextDevnum++;
    std::string node = devnode(slot.devnum);
    slot.handler = umockdev_ioctl_base_new();
    g_signal_connect_after(slot.handler, "handle-ioctl", G_CALLBACK(onIoctl), slot.model.get());
    GError* error = nullptr;
    if (!umockdev_testbed_attach_ioctl(impl_->testbed, node.c_str(), slot.handler, &error)) {
        std::string message = error ? error->message : "unknown";
        g_clear_error(&error);
        throw std::runtime_error("cannot attach the emulated reader to " + node + ": " + message);
    }
    const ReaderConfig& c = slot.model->config();
    char ids[64];
    std::snprintf(ids, sizeof ids, "%04x", c.vendorId);
    std::string vid = ids;
    std::snprintf(ids, sizeof ids, "%04x", c.productId);
    std::string pid = ids;
    std::string d = hex(readerDescriptors(c));
    char num[8];
    std::snprintf(num, sizeof num, "%03d", slot.devnum);
    std::string text = "P: /devices/usb1/1-" + std::to_string(slot.port) + "\nN: bus/usb/001/" + num +
                       "\nE: SUBSYSTEM=usb\nE: DEVTYPE=usb_device\nE: DRIVER=usb\nE: DEVNAME=" + node +
                       "\nE: BUSNUM=001\nE: DEVNUM=" + num + "\nE: PRODUCT=" + vid + "/" + pid +
                       "/100\nA: busnum=1\\n\nA: devnum=" + std::to_string(slot.devnum) +
                       "\\n\nA: speed=480\\n\nA: bConfigurationValue=1\\n\nA: idVendor=" + vid + "\\n\nA: idProduct=" +
                       pid + "\\n\nA: serial=" + c.serial + "\\n\nH: descriptors=" + d + "\n";
    if (!umockdev_testbed_add_from_string(impl_->testbed, text.c_str(), &error)) {
        std::string message = error ? error->message : "unknown";
        g_clear_error(&error);
        throw std::runtime_error("cannot add the emulated reader: " + message);
    }
    slot.plugged = true;
}

void EmulatedReaderBed::remove(Slot& slot) {
    if (!slot.plugged) return;
    slot.model->unplug();
    // umockdev 0.17 sends no remove event by itself.
    umockdev_testbed_uevent(impl_->testbed, slot.syspath().c_str(), "remove");
    umockdev_testbed_remove_device(impl_->testbed, slot.syspath().c_str());
    umockdev_testbed_detach_ioctl(impl_->testbed, devnode(slot.devnum).c_str(), nullptr);
    g_object_unref(slot.handler);
    slot.handler = nullptr;
    slot.plugged = false;
}

int EmulatedReaderBed::addReader(const ReaderConfig& config, std::shared_ptr<FingerSource> source) {
    std::lock_guard lock(impl_->mutex);
    auto slot = std::make_unique<Slot>();
    slot->model = std::make_unique<ReaderModel>(config, std::move(source));
    slot->port = static_cast<int>(impl_->slots.size()) + 1;
    attach(*slot);
    impl_->slots.push_back(std::move(slot));
    return static_cast<int>(impl_->slots.size()) - 1;
}

int EmulatedReaderBed::readerCount() const {
    std::lock_guard lock(impl_->mutex);
    return static_cast<int>(impl_->slots.size());
}

void EmulatedReaderBed::unplug(int index) {
    std::lock_guard lock(impl_->mutex);
    remove(*impl_->slots.at(static_cast<std::size_t>(index)));
}

void EmulatedReaderBed::replug(int index) {
    std::lock_guard lock(impl_->mutex);
    Slot& slot = *impl_->slots.at(static_cast<std::size_t>(index));
    if (slot.plugged) return;
    slot.model->replugged();
    attach(slot);
}

bool EmulatedReaderBed::plugged(int index) const {
    std::lock_guard lock(impl_->mutex);
    return impl_->slots.at(static_cast<std::size_t>(index))->plugged;
}

std::string EmulatedReaderBed::deviceId(int index) const {
    std::lock_guard lock(impl_->mutex);
    char id[32];
    std::snprintf(id, sizeof id, "usb:001:%03d", impl_->slots.at(static_cast<std::size_t>(index))->devnum);
    return id;
}

#define FPB_MODEL(index) (impl_->slots.at(static_cast<std::size_t>(index))->model)

void EmulatedReaderBed::queuePress(int index, Press press) {
    std::lock_guard lock(impl_->mutex);
    FPB_MODEL(index)->queuePress(std::move(press));
}
void EmulatedReaderBed::fingerDown(int index, GreyImage image) {
    std::lock_guard lock(impl_->mutex);
    FPB_MODEL(index)->fingerDown(std::move(image));
}
void EmulatedReaderBed::fingerUp(int index) {
    std::lock_guard lock(impl_->mutex);
    FPB_MODEL(index)->fingerUp();
}
std::size_t EmulatedReaderBed::queuedPresses(int index) const {
    std::lock_guard lock(impl_->mutex);
    return FPB_MODEL(index)->queuedPresses();
}
int EmulatedReaderBed::beeps(int index) const {
    std::lock_guard lock(impl_->mutex);
    return FPB_MODEL(index)->beeps();
}
std::chrono::steady_clock::time_point EmulatedReaderBed::lastTouch(int index) const {
    std::lock_guard lock(impl_->mutex);
    return FPB_MODEL(index)->lastTouch();
}
void EmulatedReaderBed::setFaults(int index, const Faults& faults) {
    std::lock_guard lock(impl_->mutex);
    FPB_MODEL(index)->setFaults(faults);
}
void EmulatedReaderBed::setFingerSource(int index, std::shared_ptr<FingerSource> source) {
    std::lock_guard lock(impl_->mutex);
    FPB_MODEL(index)->setSource(std::move(source));
}
const ReaderConfig& EmulatedReaderBed::config(int index) const {
    std::lock_guard lock(impl_->mutex);
    return FPB_MODEL(index)->config();
}
bool EmulatedReaderBed::inTransferWaiting(int index, bool andCaptureWaiting) const {
    std::lock_guard lock(impl_->mutex);
    return FPB_MODEL(index)->inTransferWaiting(andCaptureWaiting);
}
void EmulatedReaderBed::queueRawResponse(int index, std::size_t bytes, std::uint8_t fill) {
    std::lock_guard lock(impl_->mutex);
    FPB_MODEL(index)->queueRawResponse(bytes, fill);
}

bool umockdevPreloaded() {
    bool found = false;
    dl_iterate_phdr(
        [](dl_phdr_info* info, size_t, void* flag) {
            if (info->dlpi_name != nullptr && std::strstr(info->dlpi_name, "libumockdev-preload") != nullptr)
                *static_cast<bool*>(flag) = true;
            return 0;
        },
        &found);
    return found;
}

libusb_device* findEmulatedDevice(libusb_context* context, const ReaderConfig& config) {
    libusb_device** list = nullptr;
    libusb_device* found = nullptr;
    const ssize_t n = libusb_get_device_list(context, &list);
    for (ssize_t i = 0; i < n && found == nullptr; ++i) {
        libusb_device_descriptor d{};
        if (libusb_get_device_descriptor(list[i], &d) == 0 && d.idVendor == config.vendorId && d.idProduct == config.productId)
            found = libusb_ref_device(list[i]);
    }
    if (n >= 0) libusb_free_device_list(list, 1);
    return found;
}

bool ensureUmockdevPreload(int argc, char** argv) {
    (void)argc;
    if (umockdevPreloaded()) return true;
    if (std::getenv("FPB_UMOCKDEV_REEXEC") != nullptr) {
        std::cerr << "error: the umockdev preload library did not load; install the Debian package umockdev "
                     "(bash packaging/install-deps.sh)\n";
        return false;
    }
    const char* preload = "libumockdev-preload.so.0";
    void* probe = dlopen(preload, RTLD_LAZY | RTLD_NOLOAD);
    (void)probe;
    std::string value = preload;
    if (const char* existing = std::getenv("LD_PRELOAD"); existing != nullptr && *existing != '\0')
        value = std::string(existing) + ":" + preload;  // keep e.g. the sanitizer runtime first
    setenv("LD_PRELOAD", value.c_str(), 1);
    setenv("FPB_UMOCKDEV_REEXEC", "1", 1);
    std::string asan = std::getenv("ASAN_OPTIONS") ? std::getenv("ASAN_OPTIONS") : "";
    setenv("ASAN_OPTIONS", (asan.empty() ? "" : asan + ":").append("verify_asan_link_order=0").c_str(), 1);
    execv("/proc/self/exe", argv);
    std::cerr << "error: could not restart under the umockdev preload: " << std::strerror(errno) << "\n";
    return false;
}

} // namespace fpb::emulation
