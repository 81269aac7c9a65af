// GET /v1/events as Server-Sent Events: the backlog from the store, then live events from the
// daemon's event bus, written in order with a bounded queue. Control-plane thread only.
#include <algorithm>
#include <array>
#include <deque>
#include <iostream>

#include "api/server_impl.h"
#include "daemon/controller.h"

namespace gantry::api {

namespace asio = boost::asio;

namespace {

constexpr auto kPingEvery = std::chrono::seconds(15);
// A client that reads slower than events come is dropped past this much unsent data; it
// reconnects with Last-Event-ID and loses nothing.
constexpr std::size_t kMaxQueued = 8 * 1024 * 1024;
constexpr int kBacklogBatch = 500;

std::string frame(const telemetry::Event& e) {
  return "id: " + std::to_string(e.id) + "\nevent: " + e.type +
         "\ndata: " + telemetry::event_json(e) + "\n\n";
}

class EventStream final : public Connection, public std::enable_shared_from_this<EventStream> {
 public:
  EventStream(StreamSocket socket, daemon::Controller& controller, telemetry::EventFilter filter,
              std::int64_t after)
      : socket_(std::move(socket)),
        ping_(socket_.get_executor()),
        controller_(controller),
        filter_(std::move(filter)),
        last_sent_(after) {}

  ~EventStream() override { unsubscribe(); }

  void start() {
    queue(
        "HTTP/1.1 200 OK\r\nServer: gantry\r\nContent-Type: text/event-stream\r\n"
        "Cache-Control: no-cache\r\nX-Accel-Buffering: no\r\nConnection: close\r\n\r\n"
        "retry: 1000\n\n");
    // Backlog and subscription happen in one turn of the loop: nothing is written between them.
    auto& bus = controller_.events();
    const std::int64_t upto = bus.last_announced();
    // An id from another database (the state dir was reset) would hide every new event.
    if (last_sent_ > upto) last_sent_ = upto;
    while (last_sent_ < upto) {
      auto batch = controller_.store().list_events_since(last_sent_, kBacklogBatch);
      if (!batch || batch->empty()) break;
      for (const auto& e : *batch) {
        if (e.id > upto) break;
        send(e);
      }
      if (batch->back().id >= upto) break;
    }
    last_sent_ = std::max(last_sent_, upto);
    std::weak_ptr<EventStream> weak = weak_from_this();
    subscription_ = bus.subscribe([weak](const telemetry::Event& e) {
      if (auto self = weak.lock()) self->send(e);
    });
    subscribed_ = true;
    watch_close();
    schedule_ping();
  }

  void close() override {
    if (closed_) return;
    closed_ = true;
    unsubscribe();
    boost::system::error_code ec;
    ping_.cancel();
    socket_.shutdown(StreamSocket::shutdown_both, ec);
    socket_.close(ec);
  }

 private:
  void unsubscribe() {
    if (!subscribed_) return;
    subscribed_ = false;
    controller_.events().unsubscribe(subscription_);
  }

  void send(const telemetry::Event& e) {
    if (e.id <= last_sent_) return;
    last_sent_ = std::max(last_sent_, e.id);
    if (filter_.matches(e)) queue(controller_.secret_mask().apply(frame(e)));
  }

  void queue(std::string chunk) {
    if (closed_) return;
    queued_bytes_ += chunk.size();
    if (queued_bytes_ > kMaxQueued) return close();
    out_.push_back(std::move(chunk));
    if (!writing_) write_next();
  }

  void write_next() {
    if (out_.empty() || closed_) {
      writing_ = false;
      return;
    }
    writing_ = true;
    asio::async_write(socket_, asio::buffer(out_.front()),
                      [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                        if (ec) return self->close();
                        self->queued_bytes_ -= self->out_.front().size();
                        self->out_.pop_front();
                        self->write_next();
                      });
  }

  // The client sends nothing more; a read that ends means it left.
  void watch_close() {
    socket_.async_read_some(asio::buffer(scratch_),
                            [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                              if (ec) return self->close();
                              self->watch_close();
                            });
  }

  void schedule_ping() {
    ping_.expires_after(kPingEvery);
    ping_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      auto self = weak.lock();
      if (ec || !self || self->closed_) return;
      self->queue(": ping\n\n");
      self->schedule_ping();
    });
  }

  StreamSocket socket_;
  asio::steady_timer ping_;
  daemon::Controller& controller_;
  telemetry::EventFilter filter_;
  std::int64_t last_sent_;
  std::uint64_t subscription_ = 0;
  bool subscribed_ = false;
  bool closed_ = false;
  bool writing_ = false;
  std::deque<std::string> out_;
  std::size_t queued_bytes_ = 0;
  std::array<char, 512> scratch_{};
};

}  // namespace

std::shared_ptr<Connection> start_event_stream(StreamSocket socket, daemon::Controller& controller,
                                               telemetry::EventFilter filter, std::int64_t after) {
  auto stream =
      std::make_shared<EventStream>(std::move(socket), controller, std::move(filter), after);
  stream->start();
  return stream;
}

}  // namespace gantry::api
