// The JSON-lines event log (docs/events.md): every event of the store's stream, one JSON
// object a line, appended by its own thread from its own store connection, rotated by size.
// Its position is a store cursor ("events.jsonl") moved after each flushed batch, so a crash
// repeats at most one batch and loses nothing. poke() and the destructor are thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/mask.h"
#include "core/result.h"

namespace gantry::telemetry {

struct EventLogOptions {
  std::string database;  // the daemon's SQLite file
  std::string file;      // the log; rotated ones are file.1 (newest) .. file.keep
  std::uint64_t max_size = 10 * 1024 * 1024;
  int keep = 5;
  // Live secret values written as *** (an event stored before its value became a secret).
  std::shared_ptr<const SecretMask> secret_mask;
};

class EventLog {
 public:
  // Opens its own store connection and the file (created 0600), then starts its thread.
  static Result<std::unique_ptr<EventLog>> start(EventLogOptions options);
  ~EventLog();  // writes what is pending, then joins the thread
  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;

  // New events are in the store: write them soon.
  void poke();
  // Writes everything the store holds now, on the caller's thread; tests and shutdown use it.
  Status flush();

  struct State;  // internal

 private:
  explicit EventLog(std::unique_ptr<State> state);
  void run();
  std::unique_ptr<State> state_;
  std::thread thread_;
};

}  // namespace gantry::telemetry
