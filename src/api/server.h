// The daemon's HTTP/JSON API (docs/api.md): on a unix socket (owner-only, trusted), and, when
// the spec asks, on a TCP address with bearer tokens (the dashboard too), or a TCP address that
// serves only /metrics. Runs on the control-plane io_context thread and calls the Controller
// there; not thread-safe. Destroy it before the io_context and the Controller.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/result.h"

namespace boost::asio {
class io_context;
}

namespace gantry::daemon {
class Controller;
}

namespace gantry::api {

class ApiServer {
 public:
  enum class Mode {
    Unix,     // the whole API, no authentication: the socket file is mode 0600
    Api,      // TCP: the whole API and the dashboard, with bearer tokens
    Metrics,  // TCP: GET /metrics only, no authentication (for scrapers)
  };

  // Listens on socket_path (mode 0600; a stale socket file there is removed first) and serves
  // HTTP/1.1 with keep-alive. on_stop_requested runs once POST /v1/stop's 202 is written.
  static Result<std::unique_ptr<ApiServer>> start(boost::asio::io_context& io,
                                                  daemon::Controller& controller,
                                                  const std::string& socket_path,
                                                  std::function<void()> on_stop_requested);

  // Listens on a TCP address "HOST:PORT" (an IP literal; "[::1]:PORT" for IPv6; port 0 picks a
  // free one) in mode Api or Metrics.
  static Result<std::unique_ptr<ApiServer>> listen_tcp(boost::asio::io_context& io,
                                                       daemon::Controller& controller,
                                                       const std::string& address, Mode mode,
                                                       std::function<void()> on_stop_requested);

  // Stops accepting, closes open connections and removes the socket file.
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  const std::string& socket_path() const;
  // Where it listens: the socket path, or "127.0.0.1:PORT" with the port actually bound.
  std::string address() const;

  struct Listener;  // internal

 private:
  explicit ApiServer(std::shared_ptr<Listener> listener);
  std::shared_ptr<Listener> listener_;
};

}  // namespace gantry::api
