// The gantry command line: parses argv, runs one subcommand, returns the exit status.
// Exit statuses: 0 ok, 1 findings (lint, env check, diff with differences), 2 usage or input
// errors. Not thread-safe (writes stdout/stderr).
#pragma once

namespace gantry::cli {

int run(int argc, char** argv);

}  // namespace gantry::cli
