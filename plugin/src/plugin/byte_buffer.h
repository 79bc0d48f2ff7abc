// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <fpbridge/fpbridge.h>

#include <vector>

namespace fpb::plugin {

/// An IBuffer owning its bytes (templates, images handed to the host).
class ByteBuffer final : public RefCountedObject<IBuffer> {
public:
    explicit ByteBuffer(std::vector<std::uint8_t> bytes) : bytes_(std::move(bytes)) {}
    void* queryInterface(const char* id) override { return offerInterface<IBuffer>(id); }
    const std::uint8_t* data() const override { return bytes_.data(); }
    std::uint32_t byteCount() const override { return static_cast<std::uint32_t>(bytes_.size()); }

private:
    std::vector<std::uint8_t> bytes_;
};

} // namespace fpb::plugin
