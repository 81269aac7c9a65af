// example-app: the service gantry's tests, demo and benchmarks run (see options.cpp for flags).
#include <cstdio>
#include <string>

#include "options.h"
#include "server.h"

int main(int argc, char** argv) {
  example::Options options;
  std::string error;
  if (!example::parse_options(argc, argv, options, error)) {
    if (error == "help") {
      std::fputs(example::kUsage, stdout);
      return 0;
    }
    std::fprintf(stderr, "example-app: %s\nRun 'example-app --help' for usage.\n", error.c_str());
    return 2;
  }
  return options.worker ? example::run_worker(options) : example::run_server(options);
}
