// Waiting in tests without fixed sleeps: poll a condition until it holds or a deadline passes.
#pragma once

#include <chrono>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>

namespace gantry::testing {

// True as soon as pred() holds; false if it still does not after `deadline`. The deadline is
// a ceiling for slow machines, never an expectation.
inline bool wait_until(const std::function<bool()>& pred,
                       std::chrono::milliseconds deadline = std::chrono::seconds(20)) {
  const auto end = std::chrono::steady_clock::now() + deadline;
  while (true) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace gantry::testing
