// SPDX-License-Identifier: GPL-2.0-or-later
// The emulated USB fingerprint reader: a device model behind real libusb, on umockdev's ioctl
// handler, implementing plugin/docs/reader-protocol.md. Tests and fpb-host use it instead of hardware.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "image/grey_image.h"

struct libusb_context;
struct libusb_device;

namespace fpb::emulation {

/// Where the emulated finger's images come from (image files, the synthetic-finger generator).
class FingerSource {
public:
    virtual ~FingerSource() = default;
    /// The image for the next press, already at the sensor's size.
    virtual GreyImage nextImage(int width, int height, int dpi) = 0;
};

/// Image files (PGM, PNG, TIFF) used in turn; each is centred on a white sensor-sized canvas
/// (cropped when larger), so an image of the sensor's size comes out byte for byte.
class ImageFileSource : public FingerSource {
public:
    explicit ImageFileSource(std::vector<std::string> files);
    GreyImage nextImage(int width, int height, int dpi) override;

private:
    std::vector<std::string> files_;
    std::size_t next_ = 0;
};

/// Fits an image onto a sensor-sized canvas (centred, white padding, cropped when larger).
GreyImage fitToSensor(const GreyImage& image, int width, int height, int dpi);

struct ReaderConfig {
    std::string model = "USB Fingerprint Reader (V2)";
    std::string serial = "FPB2-000001";
    int firmwareMajor = 1, firmwareMinor = 4, firmwarePatch = 2;
    int sensorWidth = 388;
    int sensorHeight = 374;
    int resolutionDpi = 500;
    std::uint16_t vendorId = 0x1209;
    std::uint16_t productId = 0xF1B2;
};

/// One-shot or persistent misbehaviour, to prove the driver copes.
struct Faults {
    bool corruptNextCrc = false;         ///< next response frame: wrong CRC
    bool truncateNextFrame = false;      ///< next response frame: cut short, nothing after
    bool oversizeNextFrame = false;      ///< next response frame: length beyond the protocol limit
    bool corruptNextImageCrc = false;    ///< next image: every frame intact, the image CRC in its header wrong
    bool stallNextIn = false;            ///< next bulk IN transfer: endpoint stall
    bool claimedElsewhere = false;       ///< claiming the interface fails (another program has it)
    int responseDelayMs = 0;             ///< every response becomes available only after this delay
    long unplugAfterResponseBytes = -1;  ///< unplug once this many more response bytes were sent
};

/// A queued press of the emulated finger.
struct Press {
    GreyImage image;       ///< empty: take the next image from the finger source
    int holdMs = 600;      ///< how long the finger stays on
    int delayMs = 150;     ///< pause after the host starts listening before the finger lands
};

class ReaderModel;

/// A umockdev testbed with emulated readers. Create it BEFORE anything calls libusb_init in this
/// process (the process must run under the umockdev preload: see ensureUmockdevPreload()).
class EmulatedReaderBed {
public:
    EmulatedReaderBed();
    ~EmulatedReaderBed();
    EmulatedReaderBed(const EmulatedReaderBed&) = delete;
    EmulatedReaderBed& operator=(const EmulatedReaderBed&) = delete;

    /// Plugs in a new reader; returns its index.
    int addReader(const ReaderConfig& config, std::shared_ptr<FingerSource> source);
    int readerCount() const;
    /// Unplug / plug again (a new device address, like the kernel gives).
    void unplug(int index);
    void replug(int index);
    bool plugged(int index) const;
    /// "usb:BBB:DDD" of the reader now (changes on replug).
    std::string deviceId(int index) const;

    /// The emulated person: queue presses (played when the host listens for a finger), or put
    /// the finger down / lift it directly.
    void queuePress(int index, Press press);
    void fingerDown(int index, GreyImage image);  ///< a sensor-sized image moved in is not copied
    void fingerUp(int index);
    std::size_t queuedPresses(int index) const;
    int beeps(int index) const;  ///< how many BEEP commands the reader received
    /// When the finger last landed on the reader (steady clock), for timing from the touch.
    std::chrono::steady_clock::time_point lastTouch(int index) const;
    void setFaults(int index, const Faults& faults);
    void setFingerSource(int index, std::shared_ptr<FingerSource> source);
    const ReaderConfig& config(int index) const;

    /// For the benchmark: the host has a bulk IN transfer waiting on the reader and nothing left
    /// to reap (and, with `andCaptureWaiting`, a CAPTURE waits for the touch).
    bool inTransferWaiting(int index, bool andCaptureWaiting = false) const;
    /// Raw IN reads for the benchmark: queue `bytes` of plain data (each byte `fill`) on the response endpoint.
    void queueRawResponse(int index, std::size_t bytes, std::uint8_t fill = 0xA5);

private:
    struct Slot;
    void attach(Slot& slot);
    void remove(Slot& slot);
    void watch();
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// Call first thing in main() of a program that wants emulated readers: when the process does not
/// run under the umockdev preload, re-executes itself with it (so no one types a wrapper). Returns
/// false (with a message on stderr) when umockdev is not installed.
bool ensureUmockdevPreload(int argc, char** argv);
/// True when the umockdev preload library is loaded in this process.
bool umockdevPreloaded();
/// The emulated reader with this configuration's vendor and product IDs as `context` sees it,
/// referenced (the caller unrefs it), or nullptr. Create `context` after the testbed.
libusb_device* findEmulatedDevice(libusb_context* context, const ReaderConfig& config = {});

} // namespace fpb::emulation
