// The JSON-lines event log: a thread that tails the store from a cursor into a rotated file.
#include "telemetry/event_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>

#include "store/store.h"
#include "telemetry/events.h"

namespace gantry::telemetry {

namespace {

constexpr const char* kCursor = "events.jsonl";
constexpr int kBatch = 1000;
// Also look every so often: events written by another process (a second daemon, a test).
constexpr auto kIdleLook = std::chrono::seconds(1);

Error io_error(const std::string& path, const std::string& what) {
  return make_error(ErrorCode::Io, what + ": " + std::strerror(errno), Location{path, 0, 0});
}

}  // namespace

struct EventLog::State {
  EventLogOptions options;
  std::unique_ptr<store::Store> store;
  int fd = -1;
  std::uint64_t size = 0;
  std::mutex drain_mu;  // one drain at a time (the thread, or flush())
  std::mutex mu;        // guards poked and stopping only: poke() never waits for disk
  std::condition_variable wake;
  bool poked = false;
  bool stopping = false;

  ~State() {
    if (fd >= 0) ::close(fd);
  }

  Status open_file() {
    fd = ::open(options.file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) return io_error(options.file, "cannot open the event log");
    struct stat st {};
    if (::fstat(fd, &st) != 0) return io_error(options.file, "cannot stat the event log");
    size = static_cast<std::uint64_t>(st.st_size);
    return {};
  }

  // file.keep is dropped, file.N becomes file.N+1, file becomes file.1, a new file starts.
  Status rotate() {
    if (::fsync(fd) != 0) return io_error(options.file, "cannot sync the event log");
    ::close(fd);
    fd = -1;
    const std::string& base = options.file;
    std::remove((base + "." + std::to_string(options.keep)).c_str());
    for (int i = options.keep - 1; i >= 1; --i) {
      const std::string from = base + "." + std::to_string(i);
      if (::access(from.c_str(), F_OK) == 0) {
        std::rename(from.c_str(), (base + "." + std::to_string(i + 1)).c_str());
      }
    }
    if (std::rename(base.c_str(), (base + ".1").c_str()) != 0) {
      return io_error(base, "cannot rotate the event log");
    }
    return open_file();
  }

  Status write_all(const std::string& text) {
    std::size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        return io_error(options.file, "cannot write the event log");
      }
      done += static_cast<std::size_t>(n);
    }
    size += text.size();
    return {};
  }

  // Writes what the store holds past the cursor, batch by batch, moving the cursor after each.
  Status drain() {
    auto cursor = store->get_cursor(kCursor);
    if (!cursor) return cursor.error();
    std::int64_t at = *cursor;
    while (true) {
      auto batch = store->list_events_since(at, kBatch);
      if (!batch) return batch.error();
      if (batch->empty()) return {};
      std::string chunk;
      for (const auto& e : *batch) {
        std::string line = event_json(e);
        if (options.secret_mask) options.secret_mask->apply_in_place(line);
        line.push_back('\n');
        // What is in the file plus what waits in chunk: a fresh file fills up from chunk alone.
        const std::uint64_t pending = size + chunk.size();
        if (pending > 0 && pending + line.size() > options.max_size) {
          if (auto st = write_all(chunk); !st) return st;
          chunk.clear();
          if (auto st = rotate(); !st) return st;
        }
        chunk += line;
        at = e.id;
      }
      if (auto st = write_all(chunk); !st) return st;
      if (::fdatasync(fd) != 0) return io_error(options.file, "cannot sync the event log");
      if (auto st = store->set_cursor(kCursor, at); !st) return st;
      if (batch->size() < static_cast<std::size_t>(kBatch)) return {};
    }
  }
};

Result<std::unique_ptr<EventLog>> EventLog::start(EventLogOptions options) {
  if (options.keep < 1) options.keep = 1;
  auto state = std::make_unique<State>();
  state->options = std::move(options);
  auto store = store::open_sqlite(state->options.database);
  if (!store) return store.error();
  state->store = std::move(*store);
  if (auto st = state->open_file(); !st) return st.error();
  auto log = std::unique_ptr<EventLog>(new EventLog(std::move(state)));
  log->thread_ = std::thread([raw = log.get()] { raw->run(); });
  return log;
}

EventLog::EventLog(std::unique_ptr<State> state) : state_(std::move(state)) {}

EventLog::~EventLog() {
  {
    std::lock_guard lock(state_->mu);
    state_->stopping = true;
  }
  state_->wake.notify_all();
  if (thread_.joinable()) thread_.join();
}

void EventLog::poke() {
  {
    std::lock_guard lock(state_->mu);
    state_->poked = true;
  }
  state_->wake.notify_all();
}

Status EventLog::flush() {
  std::lock_guard lock(state_->drain_mu);
  return state_->drain();
}

void EventLog::run() {
  std::string last_error;
  while (true) {
    bool stopping = false;
    {
      std::unique_lock lock(state_->mu);
      state_->wake.wait_for(lock, kIdleLook, [&] { return state_->poked || state_->stopping; });
      state_->poked = false;
      stopping = state_->stopping;
    }
    Status st;
    {
      std::lock_guard lock(state_->drain_mu);
      st = state_->drain();
    }
    if (!st) {
      // Said once per distinct error: a full disk must not flood the daemon's output.
      if (st.error().message != last_error) {
        std::cerr << "gantry: event log: " << st.error().str() << std::endl;
        last_error = st.error().message;
      }
    } else {
      last_error.clear();
    }
    if (stopping) return;
  }
}

}  // namespace gantry::telemetry
