// SPDX-License-Identifier: GPL-2.0-or-later
// fpb-host devices [--json] | capture --out FILE.png   (through the plugins, as the host suite would)
#include <iostream>
#include <nlohmann/json.hpp>

#include "emulated_world.h"
#include "host_context.h"
#include "host_main.h"
#include "image/image_files.h"
#include "reader_directory.h"

namespace fpb::host {

namespace {

struct DeviceArgs {
    bool json = false;
    std::string out;
    std::string device;
    int timeoutMs = 10000;
    EmulationOptions emulation;
};

nlohmann::json deviceJson(const ReaderEntry& r) {
    return {{"id", r.info.id},
            {"model", r.info.model},
            {"serial", r.info.serial},
            {"firmware", r.info.firmware},
            {"bus", r.info.usbBus},
            {"port", r.info.usbPort},
            {"vendor_id", r.info.usbVendorId},
            {"product_id", r.info.usbProductId},
            {"sensor_width", r.info.sensorWidth},
            {"sensor_height", r.info.sensorHeight},
            {"resolution_dpi", r.info.resolutionDpi},
            {"plugin", r.plugin->manifest.id}};
}

void installDeviceCommands(CLI::App& app, HostContext& context) {
    static DeviceArgs args;
    auto* devices = app.add_subcommand("devices", "List fingerprint readers (model, serial, firmware, bus/port)");
    setCommandAccess("devices", {true, Permission::View});
    devices->add_flag("--json", args.json, "Print a JSON array");
    addEmulationOptions(*devices, args.emulation);
    devices->callback([&context] {
        auto world = startEmulationIfAsked(args.emulation);
        ReaderDirectory readers(context.plugins());
        if (world) readers.waitForReaders(world->readerCount(), 5000);
        auto list = readers.readers();
        if (args.json) {
            nlohmann::json out = nlohmann::json::array();
            for (const auto& r : list) out.push_back(deviceJson(r));
            std::cout << out.dump(2) << "\n";
            return;
        }
        std::cout << "Readers: " << list.size() << "\n";
        for (const auto& r : list)
            std::cout << "  " << r.info.id << "  " << r.info.model << "  serial " << r.info.serial << "  firmware "
                      << r.info.firmware << "  bus " << int(r.info.usbBus) << " port " << int(r.info.usbPort) << "  "
                      << r.info.sensorWidth << "x" << r.info.sensorHeight << " @ " << r.info.resolutionDpi << " dpi\n";
        if (list.empty())
            std::cout << "  (none: plug a reader in; if it is plugged in, check the udev rule "
                         "packaging/udev/60-fpbridge-reader.rules is installed)\n";
    });

    auto* capture = app.add_subcommand("capture", "Capture one fingerprint image from a reader and save it as PNG");
    setCommandAccess("capture", {true, Permission::Enroll});
    capture->add_option("--out", args.out, "PNG file to write")->required();
    capture->add_option("--device", args.device, "Reader id (default: the first reader)");
    capture->add_option("--timeout-ms", args.timeoutMs, "How long to wait for a finger")->capture_default_str();
    addEmulationOptions(*capture, args.emulation);
    capture->callback([&context] {
        auto world = startEmulationIfAsked(args.emulation);
        ReaderDirectory readers(context.plugins());
        if (world) readers.waitForReaders(world->readerCount(), 5000);
        std::string id = args.device;
        if (id.empty()) {
            auto list = readers.readers();
            if (list.empty()) throw std::runtime_error("no fingerprint reader is connected: plug one in and try again");
            id = list.front().id();
        }
        auto device = readers.open(id);
        if (world) world->pressForCapture(0);
        std::cout << "Place your finger on the reader...\n" << std::flush;
        CaptureOptions options{sizeof(CaptureOptions), static_cast<std::uint32_t>(args.timeoutMs)};
        IBuffer* pixels = nullptr;
        ImageInfo info{};
        info.size = sizeof info;
        Error error = Error::init();
        if (device->capture(&options, &pixels, &info, &error) != kOk || pixels == nullptr)
            throw std::runtime_error(std::string("capture failed: ") + error.message);
        Ref<IBuffer> held(pixels);
        GreyImage image(static_cast<int>(info.width), static_cast<int>(info.height), static_cast<int>(info.resolutionDpi));
        image.pixels.assign(pixels->data(), pixels->data() + pixels->byteCount());
        savePng(image, args.out);
        // A fingerprint image leaving the system is an export of biometric data: it is audited.
        context.audit().record(context.actor, context.actorAddress, "fingerprint.image_exported", args.out,
                               "captured on " + id);
        std::cout << "Saved " << info.width << "x" << info.height << " image at " << info.resolutionDpi << " dpi to "
                  << args.out << " (quality " << info.quality << ")\n";
    });
}

} // namespace

FPB_HOST_COMMANDS(installDeviceCommands);

} // namespace fpb::host
