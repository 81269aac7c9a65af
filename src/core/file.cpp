// Input file reading with clear errors; atomic writes (temp + fsync + rename).
#include "core/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/strings.h"
#include "core/units.h"

namespace gantry {

Result<std::string> read_text_file(const std::string& path, std::uint64_t max_bytes) {
  const Location at{path, 0, 0};
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return make_error(ErrorCode::NotFound, "no such file", at);
    return make_error(ErrorCode::Io, std::string("cannot read: ") + std::strerror(errno), at);
  }
  if (S_ISDIR(st.st_mode)) {
    return make_error(ErrorCode::Invalid, "is a directory, expected a file", at);
  }
  if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode) && !S_ISCHR(st.st_mode)) {
    return make_error(ErrorCode::Invalid, "is not a regular file", at);
  }
  if (S_ISREG(st.st_mode) && static_cast<std::uint64_t>(st.st_size) > max_bytes) {
    return make_error(ErrorCode::Invalid,
                      "file is " + format_size(static_cast<std::uint64_t>(st.st_size)) +
                          " bytes, larger than the " + format_size(max_bytes) +
                          " limit for input files",
                      at);
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return make_error(ErrorCode::Io, std::string("cannot open: ") + std::strerror(errno), at);
  std::string data;
  char buf[65536];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int e = errno;
      ::close(fd);
      return make_error(ErrorCode::Io, std::string("cannot read: ") + std::strerror(e), at);
    }
    if (n == 0) break;
    data.append(buf, static_cast<std::size_t>(n));
    if (data.size() > max_bytes) {
      ::close(fd);
      return make_error(ErrorCode::Invalid,
                        "input is larger than the " + format_size(max_bytes) + " limit", at);
    }
  }
  ::close(fd);
  if (!looks_like_text(data)) {
    return make_error(ErrorCode::Invalid, "looks like binary data, expected a text file", at);
  }
  return data;
}

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) {
      errno = EIO;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

Status write_file_atomic(const std::string& path, std::string_view content, unsigned mode) {
  const Location at{path, 0, 0};
  std::string tmp = path + ".tmp.XXXXXX";
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0)
    return make_error(ErrorCode::Io, std::string("cannot create: ") + std::strerror(errno), at);
  if (!write_all(fd, content)) {
    const int e = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    return make_error(ErrorCode::Io, std::string("cannot write: ") + std::strerror(e), at);
  }
  ::fchmod(fd, static_cast<mode_t>(mode));
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    return make_error(ErrorCode::Io, std::string("cannot sync: ") + std::strerror(errno), at);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int e = errno;
    ::unlink(tmp.c_str());
    return make_error(ErrorCode::Io, std::string("cannot rename into place: ") + std::strerror(e),
                      at);
  }
  return {};
}

}  // namespace gantry
