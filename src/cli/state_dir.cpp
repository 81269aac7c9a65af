// State dir resolution shared by `gantry up` and the commands that talk to the daemon.
#include "cli/state_dir.h"

#include <filesystem>

namespace gantry::cli {

std::string resolve_state_dir(const std::string& state_dir_flag, const std::string& spec_file) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!state_dir_flag.empty()) return fs::absolute(state_dir_flag, ec).lexically_normal().string();
  fs::path dir = fs::path(spec_file).parent_path();
  if (dir.empty()) dir = ".";
  return fs::absolute(dir / ".gantry", ec).lexically_normal().string();
}

}  // namespace gantry::cli
