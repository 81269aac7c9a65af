// The example app's HTTP server (and worker loop). Runs on an io_context; fault switches are
// atomics so /admin/set can change them while requests run.
#pragma once

#include "options.h"

namespace example {

// Runs until SIGTERM/SIGINT (unless ignored). Returns the process exit status.
int run_server(const Options& options);
int run_worker(const Options& options);

}  // namespace example
