// GET /v1/events: the daemon's event stream, as a JSON page or as Server-Sent Events.
#include <algorithm>
#include <charconv>
#include <vector>

#include "api/json_views_impl.h"
#include "api/routes_impl.h"
#include "core/strings.h"

namespace gantry::api {

using nlohmann::json;

namespace {

constexpr int kDefaultPage = 500;
constexpr int kMaxPage = 5000;

Result<std::int64_t> event_id(std::string_view name, const std::string& text) {
  std::int64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || id < 0) {
    return make_error(ErrorCode::Invalid,
                      std::string(name) + ": '" + text +
                          "' is not valid; expected an event id (a whole number, 0 or more)");
  }
  return id;
}

// The id after which the last `n` events that pass `filter` start: windows read backwards.
Result<std::int64_t> start_of_tail(store::Store& store, const telemetry::EventFilter& filter,
                                   int n) {
  auto last = store.last_event_id();
  if (!last) return last.error();
  std::int64_t upto = *last;
  if (n == 0) return upto;
  std::vector<std::int64_t> ids;  // matching ids, newest window first
  while (upto > 0) {
    const std::int64_t from = std::max<std::int64_t>(0, upto - kMaxPage);
    auto window = store.list_events_since(from, static_cast<int>(upto - from));
    if (!window) return window.error();
    std::vector<std::int64_t> here;
    for (const auto& e : *window) {
      if (filter.matches(e)) here.push_back(e.id);
    }
    ids.insert(ids.begin(), here.begin(), here.end());
    if (static_cast<int>(ids.size()) >= n) return ids[ids.size() - n] - 1;
    upto = from;
  }
  return 0;
}

bool wants_stream(const Request& request) {
  auto it = request.headers.find("accept");
  return it != request.headers.end() && it->second.find("text/event-stream") != std::string::npos;
}

}  // namespace

HttpReply serve_events(daemon::Controller& controller, const Request& request, const Query& query) {
  if (auto ok = check_params(
          query, {"deployment", "service", "environment", "type", "after", "limit", "tail"});
      !ok) {
    return error_reply(ok.error());
  }
  telemetry::EventFilter filter;
  if (auto it = query.find("deployment"); it != query.end()) filter.deployment = it->second;
  if (auto it = query.find("service"); it != query.end()) filter.service = it->second;
  if (auto it = query.find("environment"); it != query.end()) filter.environment = it->second;
  if (auto it = query.find("type"); it != query.end()) {
    for (const auto& t : split(it->second, ',')) {
      if (!trim(t).empty()) filter.types.emplace_back(trim(t));
    }
  }
  std::int64_t after = 0;
  if (auto a = query.find("after"); a != query.end()) {
    auto id = event_id("after", a->second);
    if (!id) return error_reply(id.error());
    after = *id;
  }
  if (!filter.deployment.empty()) {
    auto deployment = controller.store().get_deployment(filter.deployment);
    if (!deployment) return error_reply(deployment.error());
    if (!deployment->has_value()) {
      return error_reply(404, "not_found", "no deployment '" + filter.deployment + "'");
    }
  }
  auto tail = int_param(query, "tail", 0, kMaxPage);
  if (!tail) return error_reply(tail.error());
  if (tail->has_value()) {
    if (query.count("after")) {
      return error_reply(400, "bad_request", "give after or tail, not both");
    }
    auto start = start_of_tail(controller.store(), filter, **tail);
    if (!start) return error_reply(start.error());
    after = *start;
  }
  if (wants_stream(request)) {
    // EventSource resumes with Last-Event-ID; ?after= is for a first connection.
    if (auto h = request.headers.find("last-event-id"); h != request.headers.end()) {
      auto id = event_id("Last-Event-ID", std::string(trim(h->second)));
      if (!id) return error_reply(id.error());
      after = *id;
    }
    HttpReply reply;
    reply.stream = std::move(filter);
    reply.stream_after = after;
    return reply;
  }
  auto limit = int_param(query, "limit", 1, kMaxPage);
  if (!limit) return error_reply(limit.error());
  const auto page = static_cast<std::size_t>(limit->value_or(kDefaultPage));
  json out = json::array();
  std::int64_t next = after;
  bool more = false;
  // Read in batches, keeping those that pass, until a page is full or the stream ends.
  while (true) {
    auto events = filter.deployment.empty()
                      ? controller.store().list_events_since(next, kMaxPage)
                      : controller.store().list_events(filter.deployment, next);
    if (!events) return error_reply(events.error());
    for (const auto& e : *events) {
      if (out.size() == page) {
        more = true;
        break;
      }
      next = e.id;
      if (filter.matches(e)) out.push_back(to_json(e));
    }
    if (more || !filter.deployment.empty() || events->size() < static_cast<std::size_t>(kMaxPage)) {
      break;
    }
  }
  return json_reply(200, json{{"events", std::move(out)}, {"next", next}, {"more", more}});
}

}  // namespace gantry::api
