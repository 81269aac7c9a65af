// example-app: the service gantry's tests, demo and benchmarks run (see options.cpp for flags).
#include <cstdio>
#include <cstdlib>
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
  for (const auto& name : options.log_env) {
    const char* value = std::getenv(name.c_str());
    std::printf("%s=%s\n", name.c_str(), value ? value : "(unset)");
  }
  std::fflush(stdout);
  return options.worker ? example::run_worker(options) : example::run_server(options);
}
