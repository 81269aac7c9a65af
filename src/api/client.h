// A synchronous client of the daemon's API over its unix socket, for the CLI. Each call uses
// its own connection and io_context; thread-safe (no shared state).
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/units.h"

namespace gantry::api {

struct ApiResponse {
  int status = 0;
  std::string body;
};

// Sends one request and reads the whole response. No socket file, or nobody listening on it,
// is ErrorCode::NotFound (no daemon); a timeout or a broken connection is ErrorCode::Io.
Result<ApiResponse> call(const std::string& socket_path, std::string_view method,
                         std::string_view target, std::string_view body = {},
                         Duration timeout = std::chrono::seconds(30));

// One Server-Sent Event as the daemon sends it.
struct StreamedEvent {
  std::string id;
  std::string type;
  std::string data;  // the event's JSON
};

// GET target with Accept: text/event-stream, then on_event for every event until the daemon
// closes the stream (Ok), on_event returns false (Ok), or the connection fails (Io). A refusal
// (4xx/5xx) is an error carrying the daemon's message. No socket: NotFound, as call().
Status stream_events(const std::string& socket_path, std::string_view target,
                     const std::function<bool(const StreamedEvent&)>& on_event);

}  // namespace gantry::api
