// A real HTTP receiver for notification tests: listens on 127.0.0.1 (port 0, or a given one),
// reads each request (head + Content-Length body), records it and answers with the status the
// test's function picks. One connection at a time, closed after each answer. Thread-safe.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sodium.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace gantry::testing {

struct ReceivedRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // names lowercased
  std::string body;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

class Receiver {
 public:
  // answer(request, n) -> the HTTP status for the n-th request (0-based).
  using Answer = std::function<int(const ReceivedRequest&, int n)>;

  explicit Receiver(Answer answer, int port = 0) : answer_(std::move(answer)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<unsigned short>(port));
    socklen_t len = sizeof a;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd_, 16) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      ::close(fd_);
      fd_ = -1;
      return;
    }
    port_ = ntohs(a.sin_port);
    if (::pipe2(wake_, O_CLOEXEC) != 0) return;
    thread_ = std::thread([this] { serve(); });
  }

  ~Receiver() {
    if (thread_.joinable()) {
      (void)!::write(wake_[1], "x", 1);
      thread_.join();
    }
    if (fd_ >= 0) ::close(fd_);
    for (int fd : wake_) {
      if (fd >= 0) ::close(fd);
    }
  }

  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;

  int port() const { return port_; }
  std::string url(const std::string& path = "/hook") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

  std::vector<ReceivedRequest> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  std::size_t count() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_.size();
  }

 private:
  void serve() {
    while (true) {
      pollfd fds[2] = {{fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) continue;
      if (fds[1].revents) return;
      if (!(fds[0].revents & POLLIN)) continue;
      const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      handle(c);
      ::close(c);
    }
  }

  // Reads until the head and the body are in; false on a broken or stopped connection.
  bool read_request(int c, ReceivedRequest& req) {
    std::string data;
    char buf[8192];
    std::size_t head_end = std::string::npos;
    std::size_t want = 0;
    while (true) {
      if (head_end != std::string::npos && data.size() >= head_end + 4 + want) break;
      pollfd fds[2] = {{c, POLLIN, 0}, {wake_[0], POLLIN, 0}};
      if (::poll(fds, 2, 10000) <= 0 || fds[1].revents) return false;
      const ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) return false;
      data.append(buf, static_cast<std::size_t>(n));
      if (head_end == std::string::npos) {
        head_end = data.find("\r\n\r\n");
        if (head_end == std::string::npos) continue;
        parse_head(data.substr(0, head_end), req);
        want = std::strtoul(req.header("content-length").c_str(), nullptr, 10);
      }
    }
    req.body = data.substr(head_end + 4, want);
    return true;
  }

  static void parse_head(const std::string& head, ReceivedRequest& req) {
    std::size_t start = 0;
    bool first = true;
    while (start <= head.size()) {
      std::size_t end = head.find("\r\n", start);
      if (end == std::string::npos) end = head.size();
      const std::string line = head.substr(start, end - start);
      if (first) {
        const auto sp1 = line.find(' ');
        const auto sp2 = line.find(' ', sp1 + 1);
        req.method = line.substr(0, sp1);
        req.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
        first = false;
      } else if (const auto colon = line.find(':'); colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        std::string value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.erase(0, 1);
        req.headers[name] = value;
      }
      start = end + 2;
    }
  }

  void handle(int c) {
    ReceivedRequest req;
    if (!read_request(c, req)) return;
    int n = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      n = static_cast<int>(requests_.size());
      requests_.push_back(req);
    }
    const int status = answer_(req, n);
    const std::string body = status >= 200 && status < 300 ? "ok" : "not now";
    const std::string reply = "HTTP/1.1 " + std::to_string(status) +
                              " X\r\nContent-Length: " + std::to_string(body.size()) +
                              "\r\nConnection: close\r\n\r\n" + body;
    (void)!::send(c, reply.data(), reply.size(), MSG_NOSIGNAL);
  }

  Answer answer_;
  int fd_ = -1;
  int port_ = 0;
  int wake_[2] = {-1, -1};
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<ReceivedRequest> requests_;
};

// What a receiver computes itself: HMAC-SHA256(key, timestamp "." body), hex, against the
// request's X-Gantry-Signature (docs/notifications.md), compared in constant time.
inline bool signature_valid(const ReceivedRequest& r, const std::string& key) {
  const std::string header = r.header("x-gantry-signature");
  if (header.rfind("sha256=", 0) != 0) return false;
  const std::string message = r.header("x-gantry-timestamp") + "." + r.body;
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(message.data()),
                                message.size());
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_final(&st, mac);
  unsigned char got[crypto_auth_hmacsha256_BYTES];
  const std::string hex = header.substr(7);
  std::size_t len = 0;
  if (hex.size() != 2 * sizeof got ||
      sodium_hex2bin(got, sizeof got, hex.data(), hex.size(), nullptr, &len, nullptr) != 0 ||
      len != sizeof got) {
    return false;
  }
  return sodium_memcmp(mac, got, sizeof mac) == 0;
}

}  // namespace gantry::testing
