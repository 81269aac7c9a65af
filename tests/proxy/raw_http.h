// Blocking raw-socket HTTP/1.1 for proxy tests: a Socket that reads messages exactly as sent
// (interim 1xx, chunked, until-close bodies) and writes raw bytes. One thread per Socket.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace gantry::proxy::testing {

// The longest any single read or write may block: a ceiling for slow machines (ASan), never
// an expectation. A test that hits it has found a hang.
inline constexpr std::chrono::seconds kIoCeiling{20};

inline bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

inline bool icontains(std::string_view haystack, std::string_view needle) {
  if (needle.size() > haystack.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    if (iequals(haystack.substr(i, needle.size()), needle)) return true;
  }
  return false;
}

// One HTTP/1.1 request or response as it arrived.
struct Message {
  std::string start_line;
  int status = 0;              // responses
  std::string method, target;  // requests
  std::string version;         // "HTTP/1.1"
  std::vector<std::pair<std::string, std::string>> headers;
  std::string head;             // the raw head, CRLFs included
  std::string body;             // decoded (chunk framing removed), when kept
  std::uint64_t body_size = 0;  // decoded size, kept or not
  bool chunked = false;
  bool complete = false;  // the body ended as framed (false: the peer closed early)

  // The first value of this header (case-insensitive), "" when absent.
  std::string header(std::string_view name) const {
    for (const auto& [n, v] : headers)
      if (iequals(n, name)) return v;
    return {};
  }
  bool has(std::string_view name) const { return count(name) > 0; }
  std::size_t count(std::string_view name) const {
    return static_cast<std::size_t>(std::count_if(
        headers.begin(), headers.end(), [&](const auto& h) { return iequals(h.first, name); }));
  }
  bool wants_close() const {
    const std::string c = header("Connection");
    return icontains(c, "close") || (version == "HTTP/1.0" && !icontains(c, "keep-alive"));
  }
};

// A connected TCP socket with blocking reads bounded by kIoCeiling and a read buffer, so
// pipelined messages are read one after the other.
class Socket {
 public:
  Socket() = default;
  explicit Socket(int fd) : fd_(fd) { set_timeouts(); }
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(Socket&& o) noexcept
      : fd_(std::exchange(o.fd_, -1)),
        buf_(std::move(o.buf_)),
        eof_(o.eof_),
        bytes_read_(o.bytes_read_),
        on_read_(std::move(o.on_read_)) {}
  Socket& operator=(Socket&& o) noexcept {
    if (this != &o) {
      if (fd_ >= 0) ::close(fd_);
      fd_ = std::exchange(o.fd_, -1);
      buf_ = std::move(o.buf_);
      eof_ = o.eof_;
      bytes_read_ = o.bytes_read_;
      on_read_ = std::move(o.on_read_);
    }
    return *this;
  }

  // Connects to 127.0.0.1:port; an unconnected Socket (ok() false) on failure.
  static Socket connect(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return {};
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd);
      return {};
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return Socket(fd);
  }

  bool ok() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  std::uint64_t bytes_read() const { return bytes_read_; }
  // Called with every chunk of bytes received (the upstream's tap).
  void on_read(std::function<void(std::string_view)> f) { on_read_ = std::move(f); }
  // Bytes received and not yet taken by a read_* call.
  const std::string& buffered() const { return buf_; }
  // Drops the buffered bytes; returns how many there were.
  std::size_t discard_buffered() {
    const std::size_t n = buf_.size();
    buf_.clear();
    return n;
  }

  // True once every byte sent on this connection has been read by the application at the
  // other end (both ends must be in this network namespace): the client's unacknowledged
  // queue and the peer socket's receive queue, from /proc/net/tcp, are both empty. Polls up to
  // the ceiling. Lets a test make sure the peer saw a partial message before sending the rest.
  bool wait_until_peer_has_read() const {
    sockaddr_in self{}, peer{};
    socklen_t len = sizeof self;
    if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&self), &len) != 0) return false;
    len = sizeof peer;
    if (::getpeername(fd_, reinterpret_cast<sockaddr*>(&peer), &len) != 0) return false;
    const auto key = [](const sockaddr_in& a) {
      char out[16];
      std::snprintf(out, sizeof out, "%08X:%04X", a.sin_addr.s_addr, ntohs(a.sin_port));
      return std::string(out);
    };
    const std::string mine = key(self), theirs = key(peer);
    const auto deadline = std::chrono::steady_clock::now() + kIoCeiling;
    while (std::chrono::steady_clock::now() < deadline) {
      bool sent = false, read = false;
      std::ifstream tcp("/proc/net/tcp");
      std::string line;
      while (std::getline(tcp, line)) {
        std::istringstream fields(line);
        std::string slot, local, remote, state, queues;
        if (!(fields >> slot >> local >> remote >> state >> queues)) continue;
        const auto colon = queues.find(':');
        if (colon == std::string::npos) continue;
        const unsigned long tx = std::strtoul(queues.substr(0, colon).c_str(), nullptr, 16);
        const unsigned long rx = std::strtoul(queues.substr(colon + 1).c_str(), nullptr, 16);
        if (local == mine && remote == theirs) sent = tx == 0;
        if (local == theirs && remote == mine) read = rx == 0;
      }
      if (sent && read) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return false;
  }

  bool send_all(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }
  void shutdown_write() { ::shutdown(fd_, SHUT_WR); }
  void shutdown_both() { ::shutdown(fd_, SHUT_RDWR); }

  // Receives more bytes into the buffer; false on EOF, reset or the I/O ceiling.
  bool fill() {
    if (eof_ || fd_ < 0) return false;
    char chunk[64 * 1024];
    while (true) {
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        eof_ = true;
        timed_out_ = n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
        return false;
      }
      bytes_read_ += static_cast<std::uint64_t>(n);
      if (on_read_) on_read_(std::string_view(chunk, static_cast<std::size_t>(n)));
      buf_.append(chunk, static_cast<std::size_t>(n));
      return true;
    }
  }
  // True when the last failed read hit the ceiling rather than EOF or a reset.
  bool timed_out() const { return timed_out_; }

  // Reads until `needle` has arrived; everything up to and including it is taken and
  // returned. nullopt (buffer kept) when the connection ended first.
  std::optional<std::string> read_until(std::string_view needle) {
    std::size_t searched = 0;
    while (true) {
      const auto at = buf_.find(needle, searched > needle.size() ? searched - needle.size() : 0);
      if (at != std::string::npos) {
        std::string out = buf_.substr(0, at + needle.size());
        buf_.erase(0, at + needle.size());
        return out;
      }
      searched = buf_.size();
      if (!fill()) return std::nullopt;
    }
  }
  // Reads until the peer closes; returns everything received. timed_out() says whether it
  // ended at the ceiling rather than by a close (EOF or reset).
  std::string read_until_closed() {
    while (fill()) {
    }
    std::string out = std::move(buf_);
    buf_.clear();
    return out;
  }
  // True when the peer closed the connection (EOF or reset) before the ceiling.
  bool wait_closed() {
    read_until_closed();
    return !timed_out_;
  }

  // The next response (a 1xx one included). `head_request`: the request was HEAD, so no body.
  std::optional<Message> read_response(bool head_request = false, bool keep_body = true) {
    auto m = read_head(false);
    if (!m) return std::nullopt;
    const bool no_body = head_request || m->status < 200 || m->status == 204 || m->status == 304;
    if (no_body) {
      m->complete = true;
      return m;
    }
    read_body(*m, /*until_close_allowed=*/true, keep_body);
    return m;
  }
  // The first response that is not interim (1xx other than 101), skipping interim ones. A
  // status outside 100..599 counts as final, so a malformed answer is seen, not waited past.
  std::optional<Message> read_final_response(bool head_request = false) {
    while (true) {
      auto m = read_response(head_request);
      if (!m || m->status < 100 || m->status >= 200 || m->status == 101) return m;
    }
  }

  // The next request head (start line and headers), body not read.
  std::optional<Message> read_request_head() { return read_head(true); }
  // The body of a request whose head was read; false when the peer closed before its end.
  bool read_request_body(Message& m, bool keep_body = true) {
    return read_body(m, /*until_close_allowed=*/false, keep_body);
  }

 private:
  void set_timeouts() {
    timeval tv{};
    tv.tv_sec = kIoCeiling.count();
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  }

  std::optional<Message> read_head(bool request) {
    auto head = read_until("\r\n\r\n");
    if (!head) return std::nullopt;
    Message m;
    m.head = *head;
    std::string_view rest(m.head);
    auto line_end = rest.find("\r\n");
    m.start_line = std::string(rest.substr(0, line_end));
    rest.remove_prefix(line_end + 2);
    const std::string_view start(m.start_line);
    const auto sp1 = start.find(' ');
    const auto sp2 = sp1 == std::string_view::npos ? sp1 : start.find(' ', sp1 + 1);
    if (request) {
      m.method = std::string(start.substr(0, sp1));
      if (sp1 != std::string_view::npos)
        m.target = std::string(start.substr(sp1 + 1, sp2 - sp1 - 1));
      if (sp2 != std::string_view::npos) m.version = std::string(start.substr(sp2 + 1));
    } else {
      m.version = std::string(start.substr(0, sp1));
      if (sp1 != std::string_view::npos)
        m.status = std::atoi(std::string(start.substr(sp1 + 1, 3)).c_str());
    }
    while ((line_end = rest.find("\r\n")) != 0 && line_end != std::string_view::npos) {
      const std::string_view line = rest.substr(0, line_end);
      rest.remove_prefix(line_end + 2);
      const auto colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
        value.remove_prefix(1);
      while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
        value.remove_suffix(1);
      m.headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
    }
    m.chunked = icontains(m.header("Transfer-Encoding"), "chunked");
    return m;
  }

  // Takes up to n buffered-or-received bytes into `sink` (when keep).
  bool take(std::uint64_t n, Message& m, bool keep) {
    while (n > 0) {
      if (buf_.empty() && !fill()) return false;
      const std::size_t k = static_cast<std::size_t>(std::min<std::uint64_t>(n, buf_.size()));
      if (keep) m.body.append(buf_, 0, k);
      m.body_size += k;
      buf_.erase(0, k);
      n -= k;
    }
    return true;
  }

  bool read_body(Message& m, bool until_close_allowed, bool keep) {
    if (m.chunked) {
      while (true) {
        auto line = read_until("\r\n");
        if (!line) return false;
        const std::uint64_t size = std::strtoull(line->c_str(), nullptr, 16);
        if (size == 0) {
          while (true) {  // trailers, then the empty line
            auto trailer = read_until("\r\n");
            if (!trailer) return false;
            if (*trailer == "\r\n") break;
          }
          m.complete = true;
          return true;
        }
        if (!take(size, m, keep) || !read_until("\r\n")) return false;
      }
    }
    const std::string length = m.header("Content-Length");
    if (!length.empty()) {
      m.complete = take(std::strtoull(length.c_str(), nullptr, 10), m, keep);
      return m.complete;
    }
    if (!until_close_allowed) {
      m.complete = true;  // a request without Content-Length or chunked has no body
      return true;
    }
    while (true) {
      if (!buf_.empty()) take(buf_.size(), m, keep);
      if (!fill()) break;
    }
    m.complete = !timed_out_;
    return m.complete;
  }

  int fd_ = -1;
  std::string buf_;
  bool eof_ = false;
  bool timed_out_ = false;
  std::uint64_t bytes_read_ = 0;
  std::function<void(std::string_view)> on_read_;
};

// Writes a complete response with a Content-Length body and X-Version: `version`.
inline bool write_response(Socket& s, int status, std::string_view body,
                           std::string_view version = "up", std::string_view extra_headers = {},
                           bool close = false) {
  std::string out =
      "HTTP/1.1 " + std::to_string(status) + " X\r\nX-Version: " + std::string(version) +
      "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + std::string(extra_headers) +
      (close ? "Connection: close\r\n" : "") + "\r\n" + std::string(body);
  return s.send_all(out);
}

// A port on 127.0.0.1 that nothing listens on: bound, then released.
inline int closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace gantry::proxy::testing
