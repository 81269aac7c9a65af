// GET /v1/notifications (docs/api.md): the notification outbox, newest first, optionally only
// one status. Runs on the control-plane thread, like every route.
#include <map>

#include "api/routes_impl.h"
#include "core/timestamp.h"

namespace gantry::api {

using nlohmann::json;

namespace {

constexpr int kDefaultLimit = 50;
constexpr int kMaxLimit = 1000;

json optional_time(const std::optional<std::int64_t>& ms) {
  return ms ? json(format_timestamp(*ms)) : json();
}

}  // namespace

HttpReply serve_notifications(daemon::Controller& controller, const Query& query) {
  if (auto ok = check_params(query, {"status", "limit"}); !ok) return error_reply(ok.error());
  auto limit = int_param(query, "limit", 1, kMaxLimit);
  if (!limit) return error_reply(limit.error());
  std::string status;
  if (auto it = query.find("status"); it != query.end()) {
    status = it->second;
    if (status != "pending" && status != "delivered" && status != "given_up") {
      return error_reply(
          400, "bad_request",
          "status: '" + status + "' is not valid; expected pending, delivered or given_up");
    }
  }
  const int want = limit->value_or(kDefaultLimit);
  store::Store& store = controller.store();
  // With a status, every item is read and filtered here (the outbox is small next to the
  // event stream, and this is a human's question, not a hot path).
  auto items = store.list_outbox(status.empty() ? want : 0);
  if (!items) return error_reply(items.error());

  std::map<std::int64_t, std::optional<store::DeploymentEvent>> events;  // by id, looked up once
  json out = json::array();
  for (const auto& item : *items) {
    if (!status.empty() && item.status != status) continue;
    if (static_cast<int>(out.size()) >= want) break;
    auto found = events.find(item.event_id);
    if (found == events.end()) {
      std::optional<store::DeploymentEvent> event;
      auto e = store.list_events_since(item.event_id - 1, 1);
      if (!e) return error_reply(e.error());
      if (!e->empty() && e->front().id == item.event_id) event = e->front();
      found = events.emplace(item.event_id, std::move(event)).first;
    }
    const auto& event = found->second;
    out.push_back(json{
        {"id", item.id},
        {"sink", item.sink},
        {"event_id", item.event_id},
        {"event_type", event ? json(event->type) : json()},
        {"deployment_id",
         event && !event->deployment_id.empty() ? json(event->deployment_id) : json()},
        {"status", item.status},
        {"attempts", item.attempts},
        {"last_error", item.last_error},
        {"created_at", format_timestamp(item.created_at_ms)},
        {"next_attempt_at",
         item.status == "pending" ? json(format_timestamp(item.next_attempt_at_ms)) : json()},
        {"done_at", optional_time(item.done_at_ms)},
    });
  }
  return json_reply(200, json{{"notifications", std::move(out)}});
}

}  // namespace gantry::api
