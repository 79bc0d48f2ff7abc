// SPDX-License-Identifier: GPL-2.0-or-later
// The SDK's ABI promises, checked at compile time and run time.
#include <fpbridge/fpbridge.h>
#include <gtest/gtest.h>

#include <type_traits>

namespace {

// Structs cross the boundary by pointer with a size prefix: they must stay standard-layout and
// trivially copyable, with `size` first.
template <typename T>
constexpr bool abiStruct() {
    return std::is_standard_layout_v<T> && std::is_trivially_copyable_v<T> && offsetof(T, size) == 0;
}
static_assert(abiStruct<fpb::Error>());
static_assert(abiStruct<fpb::HostInfo>());
static_assert(abiStruct<fpb::PluginInfo>());
static_assert(abiStruct<fpb::DeviceTypeInfo>());
static_assert(abiStruct<fpb::DeviceInfo>());
static_assert(abiStruct<fpb::ImageInfo>());
static_assert(abiStruct<fpb::CaptureOptions>());
static_assert(abiStruct<fpb::EnrollmentOptions>());
static_assert(abiStruct<fpb::EnrollmentEvent>());
static_assert(abiStruct<fpb::MatchResult>());
static_assert(abiStruct<fpb::UserInfo>());
static_assert(abiStruct<fpb::FingerprintRecord>());
static_assert(abiStruct<fpb::ControllerInfo>());
static_assert(abiStruct<fpb::Prompt>());

// Interfaces are deleted only by their maker: no public destructor.
static_assert(!std::is_destructible_v<fpb::IPlugin0>);
static_assert(!std::is_destructible_v<fpb::IDevice0>);
static_assert(!std::is_destructible_v<fpb::IEnrollmentSession0>);
static_assert(!std::is_destructible_v<fpb::IHostServices0>);

TEST(SdkVersion, SameMajorAndNoNewerMinorIsCompatible) {
    EXPECT_TRUE(fpb::sdkCompatible({1, 3}, {1, 3}));
    EXPECT_TRUE(fpb::sdkCompatible({1, 3}, {1, 0}));
    EXPECT_FALSE(fpb::sdkCompatible({1, 3}, {1, 4}));
    EXPECT_FALSE(fpb::sdkCompatible({1, 0}, {2, 0}));
    EXPECT_FALSE(fpb::sdkCompatible({2, 0}, {1, 0}));
}

TEST(SdkError, MessagesAreTruncatedSafelyAndSizeIsRespected) {
    fpb::Error e = fpb::Error::init();
    std::string longText(2000, 'x');
    EXPECT_EQ(fpb::setError(&e, fpb::kErrorBusy, longText.c_str()), fpb::kErrorBusy);
    EXPECT_EQ(e.code, fpb::kErrorBusy);
    EXPECT_EQ(std::strlen(e.message), sizeof(e.message) - 1);
    fpb::Error tooOld{};
    tooOld.size = 8;  // a caller that knows a smaller struct: nothing is written past it
    fpb::setError(&tooOld, fpb::kErrorBusy, "x");
    EXPECT_EQ(tooOld.code, 0);
    EXPECT_EQ(fpb::setError(nullptr, fpb::kErrorTimeout, "ignored"), fpb::kErrorTimeout);
}

class Counted final : public fpb::RefCountedObject<fpb::IBuffer> {
public:
    explicit Counted(bool* destroyed) : destroyed_(destroyed) {}
    ~Counted() override { *destroyed_ = true; }
    void* queryInterface(const char* id) override { return offerInterface<fpb::IBuffer>(id); }
    const std::uint8_t* data() const override { return nullptr; }
    std::uint32_t byteCount() const override { return 0; }

private:
    bool* destroyed_;
};

TEST(SdkRefCounting, ObjectsDieWithTheirLastReferenceAndQueryInterfaceAddsOne) {
    bool destroyed = false;
    auto* object = new Counted(&destroyed);
    void* asBuffer = object->queryInterface(fpb::IBuffer::kInterfaceId);
    EXPECT_EQ(asBuffer, static_cast<fpb::IBuffer*>(object));
    EXPECT_EQ(object->queryInterface("fpbridge.IUnknownThing/9"), nullptr);
    EXPECT_EQ(object->releaseRef(), 1);
    EXPECT_FALSE(destroyed);
    { fpb::Ref<fpb::IBuffer> ref(object); }
    EXPECT_TRUE(destroyed);
}

} // namespace
