// SPDX-License-Identifier: GPL-2.0-or-later
// Readers: their description, an open device, single captures and enrollment sessions.
#pragma once

#include <cstdint>

#include "error.h"
#include "prompts.h"
#include "ref_counted.h"

namespace fpb {

struct DeviceInfo {
    std::uint32_t size;
    char id[64];               ///< stable while plugged: e.g. "usb:001:004"
    char deviceType[64];       ///< the plugin's device type id
    char model[64];
    char serial[64];
    char firmware[32];         ///< "major.minor.patch"
    std::uint16_t usbVendorId;
    std::uint16_t usbProductId;
    std::uint8_t usbBus;
    std::uint8_t usbPort;
    std::uint16_t reserved;
    std::uint32_t sensorWidth;   ///< pixels, as the device reports it
    std::uint32_t sensorHeight;
    std::uint32_t resolutionDpi;
};

/// Host-implemented. Called from the plugin's hotplug thread; calls never overlap.
class IDeviceListener {
public:
    virtual void onDeviceArrived(const DeviceInfo* device) = 0;
    virtual void onDeviceRemoved(const char* deviceId) = 0;

protected:
    ~IDeviceListener() = default;
};

/// A captured 8-bit grey image, row-major, width*height bytes.
struct ImageInfo {
    std::uint32_t size;
    std::uint32_t width;
    std::uint32_t height;
    std::uint32_t resolutionDpi;
    std::int32_t quality;      ///< 0..100
    std::int32_t promptCode;   ///< the verdict on this press as a PromptCode (kPromptPressAccepted = good)
};

struct CaptureOptions {
    std::uint32_t size;
    std::uint32_t timeoutMs;   ///< wait for a finger at most this long; 0 = plugin default
};

struct EnrollmentOptions {
    std::uint32_t size;
    std::uint32_t pressCount;      ///< good presses needed; 0 = plugin default (3)
    std::uint32_t finger;          ///< ISO finger position 1..10
    std::int32_t duress;
    std::uint32_t pressTimeoutMs;  ///< wait for each press at most this long; 0 = default
    std::uint32_t holdLimitMs;     ///< finger left on longer than this: buzzer (mode 5); 0 = default
    char userId[64];
};

enum EnrollmentEventKind : std::int32_t {
    kEventPrompt = 1,          ///< tell the person something (promptCode, text)
    kEventPressEvaluated = 2,  ///< a press was captured and judged (image, quality, accepted)
    kEventCompleted = 3,       ///< all presses taken, the template made, duplicate check passed
    kEventFailed = 4,          ///< the session ended without a template (errorCode, text)
};

struct EnrollmentEvent {
    std::uint32_t size;
    std::int32_t kind;             ///< EnrollmentEventKind
    std::int32_t promptCode;       ///< PromptCode
    const char* text;              ///< UTF-8 message for the person or operator
    std::uint32_t pressesDone;     ///< good presses so far
    std::uint32_t pressesNeeded;
    std::int32_t quality;          ///< 0..100 for kEventPressEvaluated, else -1
    std::int32_t accepted;         ///< kEventPressEvaluated: non-zero when the press counted
    std::int32_t tone;             ///< the buzzer sounded
    const std::uint8_t* image;     ///< kEventPressEvaluated: the press, valid during the call only
    std::uint32_t imageWidth;
    std::uint32_t imageHeight;
    std::uint32_t imageDpi;
    std::int32_t errorCode;        ///< kEventFailed: an fpb::Status
    const char* duplicateUserId;   ///< kPromptAlreadyEnrolled: the user who has this finger
};

/// Host-implemented. Called from the plugin's session thread; events of one session never overlap
/// and arrive in order. Must return quickly.
class IEnrollmentListener {
public:
    virtual void onEnrollmentEvent(const EnrollmentEvent* event) = 0;

protected:
    ~IEnrollmentListener() = default;
};

enum SessionState : std::int32_t {
    kSessionRunning = 1, kSessionCompleted = 2, kSessionFailed = 3, kSessionCancelled = 4,
    kSessionCommitted = 5,
};

class IEnrollmentSession0 : public IRefCounted {
public:
    static constexpr const char* kInterfaceId = "fpbridge.IEnrollmentSession/0";
    /// Ends the session soon; a kEventFailed with kErrorCancelled follows. Threads: any; may overlap.
    virtual void cancel() = 0;
    virtual std::int32_t state() = 0;
    /// Blocks until the session leaves kSessionRunning or `timeoutMs` passes; returns state().
    virtual std::int32_t wait(std::uint32_t timeoutMs) = 0;
    /// Finish: stores the enrollment's template with the user record (IUserRecords0::saveFingerprint)
    /// and queues it for the door controllers. Only in kSessionCompleted. Nothing is stored before.
    virtual std::int32_t commit(const char* consentTime, const char* consentOperator, Error* error) = 0;
    /// The enrollment's ISO/IEC 19794-2 record: one view of the finger per press, the press that
    /// agrees best with the others first (kSessionCompleted or kSessionCommitted).
    virtual std::int32_t getTemplate(IBuffer** out, std::int32_t* quality, Error* error) = 0;

protected:
    ~IEnrollmentSession0() = default;
};

/// An open reader. Calls on one device never overlap unless marked; a second open of the same
/// reader fails with kErrorBusy.
class IDevice0 : public IRefCounted {
public:
    static constexpr const char* kInterfaceId = "fpbridge.IDevice/0";
    virtual std::int32_t getInfo(DeviceInfo* out, Error* error) = 0;
    /// Waits for a finger, captures one image and judges it. Blocks. Threads: any.
    virtual std::int32_t capture(const CaptureOptions* options, IBuffer** pixels, ImageInfo* info,
                                 Error* error) = 0;
    /// Starts an enrollment on the plugin's own thread and returns at once. One session per device.
    virtual std::int32_t startEnrollment(const EnrollmentOptions* options, IEnrollmentListener* listener,
                                         IEnrollmentSession0** out, Error* error) = 0;

protected:
    ~IDevice0() = default;
};

struct MatchResult {
    std::uint32_t size;
    std::int32_t score;        ///< higher is more similar; comparable with thresholds below
    std::int32_t matched;      ///< score >= the threshold asked for
    std::int32_t threshold;    ///< the threshold used
};

/// Template services on request (queryInterface on the plugin). Threads: any; may overlap.
class IMatcher0 : public IRefCounted {
public:
    static constexpr const char* kInterfaceId = "fpbridge.IMatcher/0";
    /// Extracts an ISO/IEC 19794-2 template from an 8-bit grey image.
    virtual std::int32_t createTemplate(const std::uint8_t* pixels, std::uint32_t width, std::uint32_t height,
                                        std::uint32_t resolutionDpi, IBuffer** isoTemplate, Error* error) = 0;
    /// Compares two ISO/IEC 19794-2 templates. falseMatchRate selects the threshold:
    /// 3 = FMR 1e-3, 4 = FMR 1e-4 (default when 0).
    virtual std::int32_t match(const std::uint8_t* a, std::uint32_t aSize, const std::uint8_t* b,
                               std::uint32_t bSize, std::int32_t falseMatchRate, MatchResult* out,
                               Error* error) = 0;

protected:
    ~IMatcher0() = default;
};

} // namespace fpb
