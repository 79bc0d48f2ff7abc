# All third-party dependencies come from Debian 12 packages (packaging/install-deps.sh).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
pkg_check_modules(LIBUSB REQUIRED IMPORTED_TARGET libusb-1.0)
find_package(Boost 1.74 REQUIRED)
find_package(spdlog REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(ZLIB REQUIRED)
# Intel ISA-L: the reader protocol's CRC-32, about 9 times as fast as zlib's on an image.
pkg_check_modules(ISAL REQUIRED IMPORTED_TARGET libisal)
find_package(PNG REQUIRED)
find_package(TIFF REQUIRED)
pkg_check_modules(UMOCKDEV IMPORTED_TARGET umockdev-1.0)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
find_program(UMOCKDEV_WRAPPER umockdev-wrapper)
find_library(UMOCKDEV_PRELOAD_LIB NAMES libumockdev-preload.so.0
             PATHS /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib)
if(FPB_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
# gSOAP (ONVIF): soapcpp2 generates code from our own interface header; gsoapssl++ is the runtime
# with TLS. Generated code, plugins and the runtime must share its flags (struct soap's layout).
find_program(SOAPCPP2 soapcpp2 REQUIRED)
pkg_check_modules(GSOAPSSL REQUIRED IMPORTED_TARGET gsoapssl++)
set(FPB_GSOAP_SHARE /usr/share/gsoap CACHE PATH "gSOAP's import/ and plugin/ folders")
