// The daemon's event bus: every structured event (docs/events.md) is written to the store
// first, then handed, in id order, to the subscribers in this process (SSE streams, the
// notifier's wake-up). The store is the truth: the bus announces what the store holds past the
// last id it announced, so events written in a caller's own transaction, or by another thread
// on its own connection, reach subscribers through catch_up(). Not thread-safe: every call
// runs on the control-plane thread; subscribers run there too and must not block.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "store/store.h"

namespace gantry::telemetry {

using Event = store::DeploymentEvent;

class EventBus {
 public:
  // Subscribers hear of events after the newest one the store holds now.
  explicit EventBus(store::Store& store);
  EventBus(const EventBus&) = delete;
  EventBus& operator=(const EventBus&) = delete;

  // Writes the event (at_ms = now when 0), then tells the subscribers of it (and of any event
  // written before it that they have not heard of). Returns it with its id. A store error is
  // returned and nobody is told.
  Result<Event> publish(Event event);
  // Tells the subscribers of every event the store holds past the last one announced: call it
  // after writing events in your own transaction.
  void catch_up();
  std::int64_t last_announced() const { return last_announced_; }

  using Subscriber = std::function<void(const Event&)>;
  std::uint64_t subscribe(Subscriber subscriber);
  void unsubscribe(std::uint64_t id);  // unknown ids are ignored
  std::size_t subscriber_count() const { return subscribers_.size(); }

  store::Store& store() { return *store_; }

 private:
  store::Store* store_;
  std::int64_t last_announced_ = 0;
  bool announcing_ = false;  // a subscriber that publishes does not re-enter the loop
  bool reread_ = false;      // ... but makes the loop read the store once more
  std::map<std::uint64_t, Subscriber> subscribers_;
  std::uint64_t next_id_ = 1;
};

// "*" matches every type, "rollback.*" every type that starts with "rollback.", anything else
// only itself.
bool type_matches(std::string_view pattern, std::string_view type);

// The event as one JSON object: {"id","at","type","deployment","service","environment",
// "version","data"}; "at" is RFC 3339 UTC with milliseconds. data_json that is not JSON is
// carried as a string.
std::string event_json(const Event& event);

// Filters of a reader of the stream (SSE, `gantry events`): every one that is set must match.
struct EventFilter {
  std::string deployment;
  std::string service;
  std::string environment;
  std::vector<std::string> types;  // patterns (type_matches); empty = all
  bool matches(const Event& event) const;
};

}  // namespace gantry::telemetry
