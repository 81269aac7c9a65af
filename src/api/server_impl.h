// What the API server's connections share (internal to src/api): the socket type every
// listener's connections use, and the close hook the listener calls at shutdown.
// Control-plane thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/asio.h"
#include "telemetry/events.h"

namespace gantry::daemon {
class Controller;
}

namespace gantry::api {

// Unix and TCP connections alike (asio converts both into this).
using StreamSocket = boost::asio::generic::stream_protocol::socket;

class Connection {
 public:
  virtual ~Connection() = default;
  virtual void close() = 0;
};

// Turns a connection into a Server-Sent Events stream of the daemon's events (docs/api.md,
// GET /v1/events): the events after `after` that pass `filter`, then live ones, with a comment
// line every 15 s so proxies keep it open. Ends when the client leaves or close() is called.
std::shared_ptr<Connection> start_event_stream(StreamSocket socket, daemon::Controller& controller,
                                               telemetry::EventFilter filter, std::int64_t after);

}  // namespace gantry::api
