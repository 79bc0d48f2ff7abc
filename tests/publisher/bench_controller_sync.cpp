// SPDX-License-Identifier: GPL-2.0-or-later
// A full sync of N users to M simulated controllers over TLS on loopback (the publisher with its
// outbox, one worker per controller), against the ceiling: the same number of empty gSOAP round
// trips (GetSystemDateAndTime) over the same TLS connections, M clients in parallel.
// Reproduce: build/default/bench/bench_controller_sync --benchmark_filter=/10000/8
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "door_controller_simulator.h"
#include "in_memory_records.h"
#include "onvif/onvif_client.h"
#include "publisher/controller_publisher.h"

namespace fpb {
namespace {

namespace fs = std::filesystem;

struct World {
    fs::path dir;
    std::vector<std::unique_ptr<door::DoorControllerSimulator>> doors;
    std::vector<onvif::ControllerAddress> addresses;

    World(int controllers, const std::string& tag) {
        dir = fs::temp_directory_path() / ("fpb-bench-sync-" + std::to_string(::getpid()) + "-" + tag);
        fs::remove_all(dir);
        for (int i = 0; i < controllers; ++i) {
            door::DoorSettings s;
            s.stateDirectory = dir / ("door-" + std::to_string(i));
            s.users = {{"admin", "Door-Pass-1", "Administrator"}};
            doors.push_back(std::make_unique<door::DoorControllerSimulator>(s));
            doors.back()->start();
            onvif::ControllerAddress a;
            a.id = "door-" + std::to_string(i);
            a.endpoint = doors.back()->endpoint();
            a.username = "admin";
            a.password = "Door-Pass-1";
            a.pinnedSha256 = doors.back()->certificateSha256();
            addresses.push_back(a);
        }
    }
    ~World() {
        doors.clear();
        fs::remove_all(dir);
    }
};

void FullSync(benchmark::State& state) {
    const int users = static_cast<int>(state.range(0));
    const int controllers = static_cast<int>(state.range(1));
    for (auto _ : state) {
        state.PauseTiming();
        World world(controllers, "sync");
        test::InMemoryRecords records;
        std::mt19937 random(3);
        for (int i = 0; i < users; ++i)
            records.setFingers("user-" + std::to_string(i), {{2, false, test::randomTemplate(random)}});
        records.setControllers(world.addresses);
        publisher::ControllerPublisher publisher(records, (world.dir / "outbox.sqlite").string());
        state.ResumeTiming();
        publisher.start();
        if (!publisher.waitForIdle(std::chrono::minutes(10))) state.SkipWithError("the sync did not finish");
        state.PauseTiming();
        for (auto& door : world.doors)
            if (door->credentials().size() != static_cast<std::size_t>(users)) state.SkipWithError("a credential is missing");
        publisher.stop();
        state.ResumeTiming();
    }
    state.counters["credentials"] = static_cast<double>(users) * controllers;
    state.counters["credentials_per_s"] =
        benchmark::Counter(static_cast<double>(users) * controllers, benchmark::Counter::kIsIterationInvariantRate);
}

void EmptyRoundTrips(benchmark::State& state) {
    const int calls = static_cast<int>(state.range(0));
    const int controllers = static_cast<int>(state.range(1));
    for (auto _ : state) {
        state.PauseTiming();
        World world(controllers, "ceiling");
        std::vector<std::unique_ptr<onvif::OnvifClient>> clients;
        for (auto& a : world.addresses) {
            clients.push_back(std::make_unique<onvif::OnvifClient>(a));
            clients.back()->connect();
        }
        state.ResumeTiming();
        std::vector<std::thread> threads;
        for (auto& client : clients)
            threads.emplace_back([&client, calls] {
                for (int i = 0; i < calls; ++i) client->systemDateAndTime();
            });
        for (auto& t : threads) t.join();
        state.PauseTiming();
        clients.clear();
        state.ResumeTiming();
    }
    state.counters["calls_per_s"] =
        benchmark::Counter(static_cast<double>(calls) * controllers, benchmark::Counter::kIsIterationInvariantRate);
}

BENCHMARK(EmptyRoundTrips)->Args({200, 2})->Args({2000, 4})->Args({10000, 8})->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(FullSync)->Args({200, 2})->Args({2000, 4})->Args({10000, 8})->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);

} // namespace
} // namespace fpb

BENCHMARK_MAIN();
