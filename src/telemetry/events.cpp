// The event bus (events.h): store first, then subscribers, in id order.
#include "telemetry/events.h"

#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>

#include "core/timestamp.h"

namespace gantry::telemetry {

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Big enough that a burst is one query, small enough that a backlog cannot grow memory.
constexpr int kCatchUpBatch = 500;

}  // namespace

EventBus::EventBus(store::Store& store) : store_(&store) {
  auto last = store_->last_event_id();
  if (last) last_announced_ = *last;
}

Result<Event> EventBus::publish(Event event) {
  if (event.at_ms == 0) event.at_ms = now_ms();
  auto written = store_->append_event(event);
  if (!written) return written.error();
  catch_up();
  return written;
}

void EventBus::catch_up() {
  if (announcing_) {
    reread_ = true;  // the outer loop reads what was just written, once its batch is told
    return;
  }
  announcing_ = true;
  while (true) {
    reread_ = false;
    auto batch = store_->list_events_since(last_announced_, kCatchUpBatch);
    if (!batch) {
      std::cerr << "gantry: cannot read the event stream: " << batch.error().message << std::endl;
      break;
    }
    for (const auto& e : *batch) {
      last_announced_ = e.id;
      // A subscriber may unsubscribe itself (or another) while it is told: copy the ids first.
      std::vector<std::uint64_t> ids;
      ids.reserve(subscribers_.size());
      for (const auto& [id, fn] : subscribers_) ids.push_back(id);
      for (auto id : ids) {
        auto it = subscribers_.find(id);
        if (it != subscribers_.end()) it->second(e);
      }
    }
    if (batch->size() < static_cast<std::size_t>(kCatchUpBatch) && !reread_) break;
  }
  announcing_ = false;
}

std::uint64_t EventBus::subscribe(Subscriber subscriber) {
  const auto id = next_id_++;
  subscribers_.emplace(id, std::move(subscriber));
  return id;
}

void EventBus::unsubscribe(std::uint64_t id) { subscribers_.erase(id); }

bool type_matches(std::string_view pattern, std::string_view type) {
  if (pattern == "*") return true;
  if (pattern.size() >= 2 && pattern.substr(pattern.size() - 2) == ".*") {
    const auto prefix = pattern.substr(0, pattern.size() - 1);  // keeps the dot
    return type.size() > prefix.size() && type.substr(0, prefix.size()) == prefix;
  }
  return pattern == type;
}

bool EventFilter::matches(const Event& e) const {
  if (!deployment.empty() && e.deployment_id != deployment) return false;
  if (!service.empty() && e.service != service) return false;
  if (!environment.empty() && e.environment != environment) return false;
  if (types.empty()) return true;
  for (const auto& t : types) {
    if (type_matches(t, e.type)) return true;
  }
  return false;
}

std::string event_json(const Event& e) {
  using nlohmann::json;
  json data;
  try {
    data = json::parse(e.data_json.empty() ? std::string("{}") : e.data_json);
  } catch (const json::parse_error&) {
    data = e.data_json;
  }
  json out{{"id", e.id},           {"at", format_timestamp(e.at_ms)},
           {"type", e.type},       {"deployment", e.deployment_id},
           {"service", e.service}, {"environment", e.environment},
           {"version", e.version}, {"data", std::move(data)}};
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace gantry::telemetry
