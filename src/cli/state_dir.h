// Where a daemon keeps its state: --state-dir, or .gantry next to the spec file.
#pragma once

#include <string>

namespace gantry::cli {

std::string resolve_state_dir(const std::string& state_dir_flag, const std::string& spec_file);

}  // namespace gantry::cli
