// TestUpstream: a tiny threaded HTTP/1.1 server on 127.0.0.1:0 whose replies a test scripts
// (answer, hang up, hang), recording what reached it. Records are locked; any thread may read.
#pragma once

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "proxy/raw_http.h"

namespace gantry::proxy::testing {

// What a TestUpstream connection does after answering (or not) one request.
enum class Reply {
  KeepAlive,  // read the next request on this connection
  Close,      // close the connection now
  Hang,       // never answer; hold the connection until the peer or the upstream closes it
};

// Called with each complete request; writes the response itself (or nothing).
using Handler = std::function<Reply(const Message& request, Socket& connection)>;

// Answers every request 200 with body "<version> <target>" and X-Version: <version>.
inline Handler answer_ok(std::string version = "up") {
  return [version](const Message& req, Socket& s) {
    const bool close = req.wants_close();
    write_response(s, 200, version + " " + req.target, version, {}, close);
    return close ? Reply::Close : Reply::KeepAlive;
  };
}

// A tiny HTTP/1.1 server on 127.0.0.1:0: one thread per connection, blocking sockets. Sends
// 100 Continue itself when a request expects it. Records every complete request (bodies only
// when `keep_bodies`), the connections accepted and all bytes received.
class TestUpstream {
 public:
  explicit TestUpstream(Handler handler = answer_ok(), bool keep_bodies = true)
      : handler_(std::move(handler)), keep_bodies_(keep_bodies) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd_, 512) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      return;
    }
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~TestUpstream() { stop(); }
  TestUpstream(const TestUpstream&) = delete;
  TestUpstream& operator=(const TestUpstream&) = delete;

  int port() const { return port_; }
  int connections() const { return connections_.load(); }
  std::uint64_t bytes_received() const { return bytes_.load(); }
  std::size_t request_count() const {
    std::lock_guard lock(mu_);
    return requests_.size();
  }
  std::vector<Message> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  // Every byte received on any connection, up to 4 MiB (for "never reached" checks).
  std::string raw() const {
    std::lock_guard lock(mu_);
    return raw_;
  }

  // Closes the listener and every connection, and joins the threads.
  void stop() {
    if (stopping_.exchange(true)) return;
    if (listen_fd_ >= 0) ::shutdown(listen_fd_, SHUT_RDWR);
    if (acceptor_.joinable()) acceptor_.join();
    {
      std::lock_guard lock(mu_);
      for (int fd : open_) ::shutdown(fd, SHUT_RDWR);
    }
    for (auto& t : threads_) t.join();
    if (listen_fd_ >= 0) ::close(listen_fd_);
    listen_fd_ = -1;
  }

 private:
  void accept_loop() {
    while (!stopping_) {
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        return;
      }
      ++connections_;
      std::lock_guard lock(mu_);
      if (stopping_) {
        ::close(fd);
        return;
      }
      open_.insert(fd);
      threads_.emplace_back([this, fd] { serve(fd); });
    }
  }

  void serve(int fd) {
    Socket s(fd);
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    s.on_read([this](std::string_view bytes) {
      bytes_ += bytes.size();
      std::lock_guard lock(mu_);
      if (raw_.size() < kRawCap) raw_.append(bytes.substr(0, kRawCap - raw_.size()));
    });
    while (!stopping_) {
      auto req = s.read_request_head();
      if (!req) break;
      if (icontains(req->header("Expect"), "100-continue") &&
          !s.send_all("HTTP/1.1 100 Continue\r\n\r\n")) {
        break;
      }
      if (!s.read_request_body(*req, keep_bodies_)) break;
      {
        std::lock_guard lock(mu_);
        requests_.push_back(*req);
      }
      const Reply reply = handler_(*req, s);
      if (reply == Reply::Close) break;
      if (reply == Reply::Hang) {
        hold(fd);
        break;
      }
    }
    std::lock_guard lock(mu_);
    open_.erase(fd);
    // Socket's destructor closes fd after this scope; erase first so stop() never shuts down
    // a descriptor number the OS has already reused.
    ::shutdown(fd, SHUT_RDWR);
  }

  // Holds the connection, discarding input, until the peer closes it or stop().
  void hold(int fd) {
    while (!stopping_) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      char sink[4096];
      const ssize_t n = ::recv(fd, sink, sizeof sink, 0);
      if (n <= 0) return;
      bytes_ += static_cast<std::uint64_t>(n);
    }
  }

  static constexpr std::size_t kRawCap = 4 * 1024 * 1024;
  Handler handler_;
  bool keep_bodies_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::thread acceptor_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::atomic<std::uint64_t> bytes_{0};
  mutable std::mutex mu_;
  std::set<int> open_;
  std::vector<std::thread> threads_;
  std::vector<Message> requests_;
  std::string raw_;
};

}  // namespace gantry::proxy::testing
