// The compiled-rules cache: a serialized Hyperscan database per rule set, platform and Hyperscan
// version in $XDG_CACHE_HOME/gantry (or ~/.cache/gantry). Thread-safe (no shared state); every
// failure means "no cache", never an error.
#include <fcntl.h>
#include <hs.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/file.h"
#include "scan/rules_impl.h"

namespace gantry::scan::detail {
namespace {

// Creates every missing folder of `dir` (mode 0700); false when it cannot.
bool make_dirs(const std::string& dir) {
  for (std::size_t at = 1; at <= dir.size(); ++at) {
    if (at < dir.size() && dir[at] != '/') continue;
    const std::string part = dir.substr(0, at);
    if (::mkdir(part.c_str(), 0700) != 0 && errno != EEXIST) return false;
  }
  struct stat st {};
  return ::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string cache_dir() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && xdg[0] == '/') {
    return std::string(xdg) + "/gantry";
  }
  if (const char* home = std::getenv("HOME"); home && home[0] == '/') {
    return std::string(home) + "/.cache/gantry";
  }
  return {};
}

}  // namespace

std::string db_cache_key(const std::vector<DbCacheEntry>& entries) {
  if (sodium_init() < 0) return {};
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, 32);
  auto add = [&](std::string_view s) {
    // Length-prefixed, so that ("ab","c") and ("a","bc") differ.
    const std::uint64_t n = s.size();
    crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(&n), sizeof n);
    crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(s.data()), s.size());
  };
  add("gantry-scan-hsdb-1");
  add(hs_version());
  hs_platform_info_t platform{};
  if (hs_populate_platform(&platform) != HS_SUCCESS) return {};
  add(std::string_view(reinterpret_cast<const char*>(&platform), sizeof platform));
  for (const auto& e : entries) {
    add(e.id);
    add(e.pattern);
    add(std::to_string(e.flags));
  }
  unsigned char digest[32];
  crypto_generichash_final(&st, digest, sizeof digest);
  char hex[sizeof digest * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return std::string(hex, 32);  // 128 bits name the file
}

std::string db_cache_path(std::string_view key) {
  if (key.empty()) return {};
  if (const char* off = std::getenv("GANTRY_SCAN_CACHE"); off && std::strcmp(off, "off") == 0) {
    return {};
  }
  const std::string dir = cache_dir();
  if (dir.empty()) return {};
  return dir + "/scan-" + std::string(key) + ".hsdb";
}

std::optional<std::string> db_cache_read(const std::string& path) {
  if (path.empty()) return std::nullopt;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct stat st {};
  std::string out;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
      st.st_size < 256 * 1024 * 1024) {
    out.resize(static_cast<std::size_t>(st.st_size));
    std::size_t got = 0;
    while (got < out.size()) {
      const ssize_t r = ::read(fd, out.data() + got, out.size() - got);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) break;
      got += static_cast<std::size_t>(r);
    }
    out.resize(got);
  }
  ::close(fd);
  if (out.empty()) return std::nullopt;
  return out;
}

bool db_cache_write(const std::string& path, std::string_view bytes) {
  if (path.empty()) return false;
  const auto slash = path.rfind('/');
  if (slash == std::string::npos || !make_dirs(path.substr(0, slash))) return false;
  return write_file_atomic(path, bytes, 0600).ok();  // the cache is the user's alone
}

}  // namespace gantry::scan::detail
