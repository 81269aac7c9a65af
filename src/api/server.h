// The daemon's HTTP/JSON API on a unix socket (docs/api.md). Runs on the control-plane
// io_context thread and calls the Controller there; not thread-safe. Destroy it before the
// io_context and the Controller.
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
  // Listens on socket_path (mode 0600; a stale socket file there is removed first) and serves
  // HTTP/1.1 with keep-alive. on_stop_requested runs once POST /v1/stop's 202 is written.
  static Result<std::unique_ptr<ApiServer>> start(boost::asio::io_context& io,
                                                  daemon::Controller& controller,
                                                  const std::string& socket_path,
                                                  std::function<void()> on_stop_requested);

  // Stops accepting, closes open connections and removes the socket file.
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  const std::string& socket_path() const;

  struct Listener;  // internal

 private:
  explicit ApiServer(std::shared_ptr<Listener> listener);
  std::shared_ptr<Listener> listener_;
};

}  // namespace gantry::api
