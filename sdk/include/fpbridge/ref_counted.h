// SPDX-License-Identifier: GPL-2.0-or-later
// The frozen base of every object a plugin hands out. Objects are created and destroyed on the
// side that made them: the host never calls delete on a plugin object, it calls releaseRef().
// Interfaces grow by versions (IDevice1 : IDevice0); ask queryInterface() for the newest and
// accept nullptr. Only pure virtual, non-overloaded methods with C types: no STL, no exceptions,
// no RTTI across the boundary.
#pragma once

#include <cstdint>

namespace fpb {

class IRefCounted {
public:
    /// Returns this object viewed as interface `interfaceId` (e.g. "fpbridge.IDevice/0") with its
    /// reference count incremented, or nullptr. Threads: any; may overlap.
    virtual void* queryInterface(const char* interfaceId) = 0;
    /// Threads: any; may overlap. Returns the new count.
    virtual std::int32_t addRef() = 0;
    /// Destroys the object when the count reaches zero. Threads: any; may overlap.
    virtual std::int32_t releaseRef() = 0;

protected:
    ~IRefCounted() = default;  // never deleted through this pointer
};

/// An immutable byte buffer owned by its maker (templates, images).
class IBuffer : public IRefCounted {
public:
    static constexpr const char* kInterfaceId = "fpbridge.IBuffer/0";
    /// Threads: any; may overlap.
    virtual const std::uint8_t* data() const = 0;
    virtual std::uint32_t byteCount() const = 0;

protected:
    ~IBuffer() = default;
};

/// Holds one reference and releases it: a convenience that stays on the caller's side.
template <typename T>
class Ref {
public:
    Ref() = default;
    explicit Ref(T* adopt) : p_(adopt) {}
    Ref(const Ref& o) : p_(o.p_) { if (p_) p_->addRef(); }
    Ref(Ref&& o) noexcept : p_(o.p_) { o.p_ = nullptr; }
    Ref& operator=(Ref o) noexcept { T* t = p_; p_ = o.p_; o.p_ = t; return *this; }
    ~Ref() { if (p_) p_->releaseRef(); }
    T* get() const { return p_; }
    T* operator->() const { return p_; }
    explicit operator bool() const { return p_ != nullptr; }
    T* release() { T* t = p_; p_ = nullptr; return t; }
    T** put() { if (p_) { p_->releaseRef(); p_ = nullptr; } return &p_; }

private:
    T* p_ = nullptr;
};

} // namespace fpb
