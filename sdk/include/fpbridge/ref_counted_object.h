// SPDX-License-Identifier: GPL-2.0-or-later
// Plugin-side helper: implements addRef/releaseRef for an object that offers one or more SDK
// interfaces. It stays inside the plugin (never crosses the boundary), so STL use is fine here.
#pragma once

#include <atomic>
#include <cstring>

#include "ref_counted.h"

namespace fpb {

/// Derive from RefCountedObject<IDevice0, ...> and implement queryInterface() with
/// offerInterface<IDevice0>(interfaceId) chains. Objects start with one reference (the creator's).
template <typename... Interfaces>
class RefCountedObject : public Interfaces... {
public:
    std::int32_t addRef() override { return refs_.fetch_add(1, std::memory_order_relaxed) + 1; }
    std::int32_t releaseRef() override {
        std::int32_t left = refs_.fetch_sub(1, std::memory_order_acq_rel) - 1;
        if (left == 0) delete this;
        return left;
    }

protected:
    virtual ~RefCountedObject() = default;

    /// Returns `this` as I (with a new reference) when interfaceId names I, else nullptr.
    template <typename I>
    void* offerInterface(const char* interfaceId) {
        if (interfaceId == nullptr || std::strcmp(interfaceId, I::kInterfaceId) != 0) return nullptr;
        addRef();
        return static_cast<I*>(this);
    }

private:
    std::atomic<std::int32_t> refs_{1};
};

} // namespace fpb
