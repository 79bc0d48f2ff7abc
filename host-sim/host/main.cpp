// SPDX-License-Identifier: GPL-2.0-or-later
// fpb-host: the stand-in for the access-control host suite.
#include <spdlog/spdlog.h>

#include <iostream>

#include "host_context.h"
#include "host_logging.h"
#include "host_main.h"

int main(int argc, char** argv) { return fpb::host::runHost(argc, argv); }
