// Timestamping and size-based rotation of replica output; reading it back.
#include "runtime/log_pump.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <ctime>
#include <deque>
#include <fstream>

#include "core/mask.h"

namespace gantry::runtime {
namespace {

constexpr std::size_t kMaxLine = 64 * 1024;

std::string timestamp(std::chrono::system_clock::time_point t) {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

class RotatingFile {
 public:
  explicit RotatingFile(const LogOptions& o) : o_(o) {}
  ~RotatingFile() {
    if (fd_ >= 0) ::close(fd_);
  }

  bool open() {
    fd_ = ::open(o_.path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd_ < 0) return false;
    struct stat st {};
    size_ = ::fstat(fd_, &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
    return true;
  }

  bool write(const std::string& data) {
    if (size_ > 0 && size_ + data.size() > o_.max_bytes && !rotate()) return false;
    std::size_t off = 0;
    while (off < data.size()) {
      const ssize_t n = ::write(fd_, data.data() + off, data.size() - off);
      if (n < 0) {
        if (errno == EINTR) continue;
        return false;
      }
      off += static_cast<std::size_t>(n);
    }
    size_ += data.size();
    return true;
  }

 private:
  bool rotate() {
    ::close(fd_);
    fd_ = -1;
    if (o_.keep <= 0) {
      ::unlink(o_.path.c_str());
    } else {
      ::unlink((o_.path + "." + std::to_string(o_.keep)).c_str());
      for (int i = o_.keep - 1; i >= 1; --i) {
        ::rename((o_.path + "." + std::to_string(i)).c_str(),
                 (o_.path + "." + std::to_string(i + 1)).c_str());
      }
      ::rename(o_.path.c_str(), (o_.path + ".1").c_str());
    }
    return open();
  }

  LogOptions o_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

}  // namespace

int run_log_pump(int out_fd, int err_fd, const LogOptions& options) {
  RotatingFile file(options);
  if (!file.open()) {
    std::fprintf(stderr, "log pump: cannot open %s\n", options.path.c_str());
    return 1;
  }
  struct Stream {
    int fd;
    const char* label;
    std::string partial;
  };
  Stream streams[2] = {{out_fd, "out", {}}, {err_fd, "err", {}}};
  auto emit = [&](Stream& s, std::string_view line) {
    std::string rec = timestamp(std::chrono::system_clock::now()) + " " + s.label + " | ";
    if (options.mask.empty()) {
      rec.append(line);
    } else {
      rec += mask_text(line, options.mask);
    }
    rec += '\n';
    return file.write(rec);
  };
  char buf[65536];
  bool ok = true;
  while (streams[0].fd >= 0 || streams[1].fd >= 0) {
    pollfd fds[2];
    for (int i = 0; i < 2; ++i) fds[i] = {streams[i].fd, POLLIN, 0};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      Stream& s = streams[i];
      if (s.fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t n = ::read(s.fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        if (!s.partial.empty()) ok = emit(s, s.partial) && ok;
        s.partial.clear();
        ::close(s.fd);
        s.fd = -1;
        continue;
      }
      s.partial.append(buf, static_cast<std::size_t>(n));
      std::size_t start = 0;
      while (true) {
        const auto nl = s.partial.find('\n', start);
        if (nl == std::string::npos) break;
        ok = emit(s, std::string_view(s.partial).substr(start, nl - start)) && ok;
        start = nl + 1;
      }
      s.partial.erase(0, start);
      while (s.partial.size() >= kMaxLine) {  // a line with no end: cut it into pieces
        ok = emit(s, std::string_view(s.partial).substr(0, kMaxLine)) && ok;
        s.partial.erase(0, kMaxLine);
      }
    }
  }
  return ok ? 0 : 1;
}

std::vector<std::string> read_mask(int fd) {
  std::string data;
  char buf[8192];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    data.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::vector<std::string> forms;
  std::string form;
  for (std::size_t i = 0; i < data.size(); ++i) {
    if (data[i] == '\n') {
      if (!form.empty()) forms.push_back(std::move(form));
      form.clear();
      continue;
    }
    if (i + 1 >= data.size()) break;
    const int hi = nibble(data[i]), lo = nibble(data[i + 1]);
    if (hi < 0 || lo < 0) break;
    form += static_cast<char>(hi * 16 + lo);
    ++i;
  }
  // Longest first, as mask_text expects.
  std::sort(forms.begin(), forms.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  return forms;
}

bool parse_log_line(std::string_view line, LogLine& out) {
  // 2026-11-25T13:45:01.123Z out | text
  if (line.size() < 30 || line[4] != '-' || line[10] != 'T' || line[23] != 'Z') return false;
  std::tm tm{};
  int ms = 0;
  if (std::sscanf(std::string(line.substr(0, 24)).c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ",
                  &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec,
                  &ms) != 7) {
    return false;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  const std::string_view rest = line.substr(25);
  if (rest.size() < 6 || rest.substr(3, 3) != " | ") return false;
  out.at = std::chrono::system_clock::from_time_t(::timegm(&tm)) + std::chrono::milliseconds(ms);
  out.stream = std::string(rest.substr(0, 3));
  out.text = std::string(rest.substr(6));
  return true;
}

Result<std::vector<LogLine>> read_log(const std::string& path,
                                      std::chrono::system_clock::time_point since,
                                      std::size_t max_lines) {
  std::vector<std::string> files;
  for (int i = 32; i >= 1; --i) {  // oldest rotated file first
    const std::string p = path + "." + std::to_string(i);
    if (::access(p.c_str(), R_OK) == 0) files.push_back(p);
  }
  files.push_back(path);
  std::deque<LogLine> lines;
  bool any = false;
  for (const auto& f : files) {
    std::ifstream in(f);
    if (!in) continue;
    any = true;
    std::string raw;
    LogLine line;
    while (std::getline(in, raw)) {
      if (!parse_log_line(raw, line) || line.at < since) continue;
      lines.push_back(line);
      if (lines.size() > max_lines) lines.pop_front();
    }
  }
  if (!any) return make_error(ErrorCode::NotFound, "no log file yet", Location{path, 0, 0});
  return std::vector<LogLine>(lines.begin(), lines.end());
}

}  // namespace gantry::runtime
