// SPDX-License-Identifier: GPL-2.0-or-later
// Errors across the boundary: every call returns an fpb::Status code; calls that can fail also
// fill an fpb::Error (a fixed-size, size-prefixed struct) with a message an operator can act on:
// what went wrong and what to do. No exception ever crosses the boundary.
#pragma once

#include <cstdint>
#include <cstring>

namespace fpb {

enum Status : std::int32_t {
    kOk = 0,
    kErrorGeneric = 1,          ///< Anything not listed; treat unknown future codes like this one.
    kErrorInvalidArgument = 2,  ///< The caller passed something malformed.
    kErrorNotFound = 3,         ///< No such device, user, finger, secret, interface.
    kErrorBusy = 4,             ///< The device or object is in use (another program, another session).
    kErrorNoPermission = 5,     ///< The OS refused access (e.g. the reader's udev rule is missing).
    kErrorDisconnected = 6,     ///< The device went away (unplugged) during the call.
    kErrorTimeout = 7,          ///< Nothing happened in the allowed time.
    kErrorCancelled = 8,        ///< cancel() was called.
    kErrorProtocol = 9,         ///< The device answered something the protocol does not allow.
    kErrorUnsupported = 10,     ///< Not implemented by this plugin/device/host version.
    kErrorMoreData = 11,        ///< Output buffer too small; the required size was written back.
    kErrorIncompatible = 12,    ///< Version mismatch (SDK, firmware, template format).
    kErrorDuplicate = 13,       ///< Already exists (e.g. the finger is enrolled for another user).
    kErrorQuality = 14,         ///< The press was not good enough; the message says how to fix it.
    kErrorStorage = 15,         ///< The host could not store or read a record.
};

struct Error {
    std::uint32_t size;   ///< sizeof(Error) as the caller knows it; set by fpb::Error::init().
    std::int32_t code;    ///< An fpb::Status.
    char message[504];    ///< UTF-8, NUL-terminated, truncated if longer.

    static Error init() {
        Error e{};
        e.size = sizeof(Error);
        return e;
    }
};

/// Copies `src` into a fixed-size field of an SDK struct, always NUL-terminated (truncates).
template <std::size_t N>
inline void copyText(char (&dst)[N], const char* src) {
    std::strncpy(dst, src != nullptr ? src : "", N - 1);
    dst[N - 1] = '\0';
}

/// Fills `error` (may be null) and returns `code`: `return setError(err, kErrorBusy, "...")`.
inline std::int32_t setError(Error* error, std::int32_t code, const char* message) {
    if (error != nullptr && error->size >= sizeof(Error)) {
        error->code = code;
        std::strncpy(error->message, message != nullptr ? message : "", sizeof(error->message) - 1);
        error->message[sizeof(error->message) - 1] = '\0';
    }
    return code;
}

} // namespace fpb
