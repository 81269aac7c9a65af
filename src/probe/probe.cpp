// run_probe's dispatch to the probe kinds, ProbeHandle, names, and shared error wording.
// Not thread-safe: runs on the caller's io_context thread.
#include "probe/probe.h"

#include <cctype>

#include "core/units.h"
#include "probe/probe_impl.h"

namespace gantry::probe {

const char* to_string(ProbeKind kind) {
  switch (kind) {
    case ProbeKind::Http:
      return "http";
    case ProbeKind::Tcp:
      return "tcp";
    case ProbeKind::Exec:
      return "exec";
  }
  return "http";
}

const char* to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::Success:
      return "success";
    case Outcome::Failure:
      return "failure";
    case Outcome::Timeout:
      return "timeout";
  }
  return "failure";
}

void ProbeHandle::cancel() {
  if (auto op = op_.lock()) op->cancel();
  op_.reset();
}

bool ProbeHandle::active() const {
  auto op = op_.lock();
  return op && !op->finished();
}

ProbeHandle run_probe(boost::asio::io_context& io, const ProbeConfig& config,
                      std::function<void(ProbeResult)> done) {
  std::shared_ptr<detail::ProbeOp> op;
  switch (config.kind) {
    case ProbeKind::Http:
      op = detail::start_http_probe(io, config, std::move(done));
      break;
    case ProbeKind::Tcp:
      op = detail::start_tcp_probe(io, config, std::move(done));
      break;
    case ProbeKind::Exec:
      op = detail::start_exec_probe(io, config, std::move(done));
      break;
  }
  return ProbeHandle(op);
}

namespace detail {

std::string timeout_detail(Duration timeout) {
  return "timed out after " + format_duration(timeout);
}

ProbeResult failure_result(std::string detail) {
  ProbeResult r;
  r.outcome = Outcome::Failure;
  r.detail = std::move(detail);
  return r;
}

ProbeResult timeout_result(Duration timeout) {
  ProbeResult r;
  r.outcome = Outcome::Timeout;
  r.detail = timeout_detail(timeout);
  return r;
}

std::string describe_network_error(const boost::system::error_code& ec) {
  namespace error = boost::asio::error;
  if (ec == error::connection_refused) return "connection refused";
  if (ec == error::connection_reset) return "connection reset";
  if (ec == error::eof || ec == boost::beast::http::error::end_of_stream) {
    return "connection closed before a complete response";
  }
  if (ec == error::host_unreachable) return "host unreachable";
  if (ec == error::network_unreachable) return "network unreachable";
  if (ec == error::host_not_found || ec == error::host_not_found_try_again) return "host not found";
  if (ec == boost::beast::http::error::body_limit) return "response body too large";
  std::string m = ec.message();
  if (!m.empty()) m[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(m[0])));
  return m;
}

}  // namespace detail
}  // namespace gantry::probe
