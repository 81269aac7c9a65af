// TCP probes: success when a connection to host:port is accepted before the deadline.
// Not thread-safe: runs on the caller's io_context thread.
#include <string>
#include <vector>

#include "probe/probe_impl.h"

namespace gantry::probe::detail {
namespace {

namespace beast = boost::beast;
using tcp = asio::ip::tcp;

ProbeResult failure(std::string detail) { return failure_result(std::move(detail)); }

class TcpProbe final : public ProbeOp, public std::enable_shared_from_this<TcpProbe> {
 public:
  TcpProbe(asio::io_context& io, const ProbeConfig& config, Done done)
      : ProbeOp(io, config, std::move(done)), stream_(io), resolver_(io), guard_(io) {}

  void start() {
    const auto& t = config_.tcp;
    if (t.port <= 0 || t.port > 65535) {
      return finish_later(shared_from_this(), failure("no port to probe"));
    }
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(t.host, ec);
    if (!ec) return connect({tcp::endpoint(address, static_cast<unsigned short>(t.port))});
    guard_.expires_at(deadline());
    guard_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || self->finished()) return;
      self->resolve_timed_out_ = true;
      self->resolver_.cancel();
    });
    resolver_.async_resolve(
        t.host, std::to_string(t.port),
        [self = shared_from_this()](boost::system::error_code ec, tcp::resolver::results_type rs) {
          self->guard_.cancel();
          if (self->finished()) return;
          if (self->resolve_timed_out_) return self->finish(timeout_result(self->config_.timeout));
          if (ec) return self->finish(failure(describe_network_error(ec)));
          std::vector<tcp::endpoint> endpoints;
          for (const auto& r : rs) endpoints.push_back(r.endpoint());
          self->connect(std::move(endpoints));
        });
  }

 private:
  void abort() override {
    boost::system::error_code ignored;
    resolver_.cancel();
    guard_.cancel();
    stream_.cancel();
    stream_.socket().close(ignored);
  }

  void connect(std::vector<tcp::endpoint> endpoints) {
    stream_.expires_at(deadline());
    stream_.async_connect(
        endpoints, [self = shared_from_this()](boost::system::error_code ec, const tcp::endpoint&) {
          if (self->finished()) return;
          boost::system::error_code ignored;
          self->stream_.socket().close(ignored);
          if (ec == beast::error::timeout)
            return self->finish(timeout_result(self->config_.timeout));
          if (ec) return self->finish(failure(describe_network_error(ec)));
          ProbeResult r;
          r.outcome = Outcome::Success;
          r.detail = "connected";
          self->finish(std::move(r));
        });
  }

  beast::tcp_stream stream_;
  tcp::resolver resolver_;
  asio::steady_timer guard_;
  bool resolve_timed_out_ = false;
};

}  // namespace

std::shared_ptr<ProbeOp> start_tcp_probe(asio::io_context& io, const ProbeConfig& config,
                                         Done done) {
  auto op = std::make_shared<TcpProbe>(io, config, std::move(done));
  op->start();
  return op;
}

}  // namespace gantry::probe::detail
