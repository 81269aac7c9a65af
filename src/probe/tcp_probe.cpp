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

class TcpProbe final : public SocketProbe<TcpProbe>, public std::enable_shared_from_this<TcpProbe> {
 public:
  using SocketProbe::SocketProbe;

  void start() { resolve_then_connect(config_.tcp.host, config_.tcp.port); }

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
};

}  // namespace

std::shared_ptr<ProbeOp> start_tcp_probe(asio::io_context& io, const ProbeConfig& config,
                                         Done done) {
  auto op = std::make_shared<TcpProbe>(io, config, std::move(done));
  op->start();
  return op;
}

}  // namespace gantry::probe::detail
