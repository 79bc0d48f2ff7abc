// SPDX-License-Identifier: GPL-2.0-or-later
#include "host_logging.h"

#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace fpb::host {

void setUpLogging(const std::filesystem::path& logDir, const std::string& level) {
    std::vector<spdlog::sink_ptr> sinks;
    auto console = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    console->set_level(spdlog::level::err);  // the console is for the command's own output
    sinks.push_back(console);
    std::error_code ec;
    std::filesystem::create_directories(logDir, ec);
    if (!ec) {
        try {
            auto file = std::make_shared<spdlog::sinks::rotating_file_sink_mt>((logDir / "fpb-host.log").string(),
                                                                                5 * 1024 * 1024, 5);
            sinks.push_back(file);
        } catch (const spdlog::spdlog_ex&) {
            // A read-only data dir must not stop the host; the console still works.
        }
    }
    auto logger = std::make_shared<spdlog::logger>("fpb-host", sinks.begin(), sinks.end());
    logger->set_level(spdlog::level::from_str(level));
    logger->flush_on(spdlog::level::info);
    spdlog::set_default_logger(logger);
    if (const char* verbose = std::getenv("FPB_VERBOSE"); verbose != nullptr && *verbose == '1')
        console->set_level(logger->level());
}

} // namespace fpb::host
