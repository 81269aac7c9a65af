// Test helpers for commands run the way a user's shell runs them: writing a file (and its
// folders), and a shell command in a folder with git isolated from the machine's configuration
// (no system config, HOME = the folder, a fixed author and committer). Single-threaded use.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace gantry::testing {

inline void write_file_in_place(const std::string& path, const std::string& content) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

// Runs cmd with /bin/sh in dir (stdin /dev/null); returns its exit status (-1 when it could not
// run or was killed) and, in *out, its stdout and stderr together.
inline int shell_in(const std::string& dir, const std::string& cmd, std::string* out = nullptr) {
  const std::string full = "cd '" + dir + "' && export GIT_CONFIG_NOSYSTEM=1 HOME='" + dir +
                           "' GIT_AUTHOR_NAME=Ada GIT_AUTHOR_EMAIL=ada@example.com "
                           "GIT_COMMITTER_NAME=Ada GIT_COMMITTER_EMAIL=ada@example.com "
                           "NO_COLOR=1 && (" +
                           cmd + ") 2>&1 </dev/null";
  FILE* p = ::popen(full.c_str(), "r");
  if (!p) return -1;
  std::string text;
  std::array<char, 4096> buf;
  for (std::size_t n; (n = std::fread(buf.data(), 1, buf.size(), p)) > 0;) {
    text.append(buf.data(), n);
  }
  const int status = ::pclose(p);
  if (out) *out = text;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace gantry::testing
