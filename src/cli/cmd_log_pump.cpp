// `gantry __log-pump`: the per-replica log writer the runtime starts (hidden from --help).
#include "cli/command.h"
#include "runtime/log_pump.h"

namespace gantry::cli {

void add_log_pump_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("__log-pump",
                                 "Internal: copy a replica's stdout (fd 3) and stderr (fd 4) to "
                                 "its log file, timestamped, rotating by size");
  cmd->group("");  // not listed in --help: users never run it
  auto options = std::make_shared<runtime::LogOptions>();
  cmd->add_option("--file", options->path, "Log file")->required();
  cmd->add_option("--max-bytes", options->max_bytes, "Rotate past this size")
      ->default_val(10485760);
  cmd->add_option("--keep", options->keep, "Rotated files to keep")->default_val(3);
  auto mask_fd = std::make_shared<int>(-1);
  cmd->add_option("--mask-fd", *mask_fd,
                  "Read the strings to write as *** from this fd (hex, one per line) first");
  cmd->callback([options, mask_fd, &exit_code] {
    if (*mask_fd >= 0) options->mask = runtime::read_mask(*mask_fd);
    exit_code = runtime::run_log_pump(3, 4, *options);
  });
}

}  // namespace gantry::cli
