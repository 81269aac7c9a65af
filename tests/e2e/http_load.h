// HTTP/1.1 through gantry's proxy for e2e tests: a blocking client connection and a steady load
// of client threads that count answers, failures, replicas and versions. Thread-safe: Load's
// counters may be read while its threads run; an HttpConnection belongs to one thread.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace gantry::testing {

struct Response {
  int status = 0;
  std::string status_line;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// A minimal blocking HTTP/1.1 client connection to 127.0.0.1:port (keep-alive unless asked).
class HttpConnection {
 public:
  explicit HttpConnection(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
      error_ = std::string("socket: ") + std::strerror(errno);
      return;
    }
    timeval tv{10, 0};  // a hang is a failure, not a stuck test
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      connect_errno_ = errno;
      error_ = std::string("connect: ") + std::strerror(errno);
      close();
    }
  }
  ~HttpConnection() { close(); }
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  bool open() const { return fd_ >= 0; }
  int connect_errno() const { return connect_errno_; }
  const std::string& error() const { return error_; }

  // One GET; nullopt on any transport error (error() says which).
  std::optional<Response> get(const std::string& path, bool close_after = false) {
    if (fd_ < 0) return std::nullopt;
    const std::string request = "GET " + path + " HTTP/1.1\r\nHost: gantry-e2e\r\n" +
                                (close_after ? "Connection: close\r\n" : "") + "\r\n";
    if (::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(request.size())) {
      return fail(std::string("send: ") + std::strerror(errno));
    }
    std::size_t head_end;
    while ((head_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill()) return std::nullopt;
    }
    Response r;
    const std::string head = buffer_.substr(0, head_end);
    buffer_.erase(0, head_end + 4);
    std::size_t line_end = head.find("\r\n");
    const std::string status_line = head.substr(0, line_end);
    if (status_line.rfind("HTTP/1.1 ", 0) != 0 || status_line.size() < 12) {
      return fail("bad status line: " + status_line);
    }
    r.status = std::atoi(status_line.c_str() + 9);
    r.status_line = status_line;
    while (line_end != std::string::npos) {
      const std::size_t start = line_end + 2;
      line_end = head.find("\r\n", start);
      const std::string line =
          head.substr(start, line_end == std::string::npos ? std::string::npos : line_end - start);
      const auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      r.headers[name] = value;
    }
    const std::size_t length = std::strtoul(r.header("content-length").c_str(), nullptr, 10);
    while (buffer_.size() < length) {
      if (!fill()) return std::nullopt;
    }
    r.body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    if (close_after || r.header("connection") == "close") close();
    return r;
  }

 private:
  bool fill() {
    char buf[16384];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n > 0) {
      buffer_.append(buf, static_cast<std::size_t>(n));
      return true;
    }
    fail(n == 0 ? std::string("connection closed before a whole response")
                : std::string("recv: ") + std::strerror(errno));
    return false;
  }
  std::nullopt_t fail(std::string why) {
    error_ = std::move(why);
    close();
    return std::nullopt;
  }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  int fd_ = -1;
  int connect_errno_ = 0;
  std::string buffer_;
  std::string error_;
};

// Steady load through the proxy: keep-alive clients and clients that open a connection per
// request, each counting answers and failures (anything but a 200 from the app). It stops at
// finish() or after `at_most`, whichever comes first, so a test that fails half-way cannot leave
// it running.
class Load {
 public:
  Load(int port, int keep_alive_clients, int fresh_clients,
       std::chrono::seconds at_most = std::chrono::seconds(90))
      : until_(std::chrono::steady_clock::now() + at_most) {
    for (int i = 0; i < keep_alive_clients + fresh_clients; ++i) {
      const bool keep_alive = i < keep_alive_clients;
      threads_.emplace_back([this, port, keep_alive] { run(port, keep_alive); });
    }
  }
  ~Load() { finish(); }

  void finish() {
    stop_ = true;
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }
  long ok() const { return ok_; }
  long failed() const { return failed_; }
  std::vector<std::string> errors() {
    std::lock_guard<std::mutex> lock(mutex_);
    return errors_;
  }
  // The X-Replica values of answers since the last call.
  std::set<std::string> take_replicas() {
    std::lock_guard<std::mutex> lock(mutex_);
    return std::exchange(replicas_, {});
  }
  // How many answers each version (X-Version) gave since the last call.
  std::map<std::string, long> take_versions() {
    std::lock_guard<std::mutex> lock(mutex_);
    return std::exchange(versions_, {});
  }

 private:
  void run(int port, bool keep_alive) {
    std::unique_ptr<HttpConnection> conn;
    while (!stop_ && std::chrono::steady_clock::now() < until_) {
      if (!conn || !conn->open()) conn = std::make_unique<HttpConnection>(port);
      std::string error;
      auto r = conn->get("/", !keep_alive);
      if (!r) {
        error = conn->error();
      } else if (r->status != 200 || r->body.rfind("hello from", 0) != 0) {
        error = r->status_line + ": " + r->body;
      }
      std::lock_guard<std::mutex> lock(mutex_);
      if (error.empty()) {
        ++ok_;
        replicas_.insert(r->header("x-replica"));
        ++versions_[r->header("x-version")];
      } else {
        ++failed_;
        if (errors_.size() < 20)
          errors_.push_back((keep_alive ? "keep-alive: " : "fresh: ") + error);
        conn.reset();
      }
      // Pace the clients a little: a 2-core machine also runs the daemon, proxy and replicas.
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }

  std::atomic<bool> stop_{false};
  std::atomic<long> ok_{0}, failed_{0};
  std::mutex mutex_;
  std::vector<std::string> errors_;
  std::set<std::string> replicas_;
  std::map<std::string, long> versions_;
  std::chrono::steady_clock::time_point until_;
  std::vector<std::thread> threads_;
};

}  // namespace gantry::testing
