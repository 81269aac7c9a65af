// GET /metrics: the daemon's numbers in the Prometheus text format (docs/metrics.md).
#include "api/routes_impl.h"
#include "daemon/metrics.h"

#ifndef GANTRY_VERSION
#define GANTRY_VERSION "unknown"  // the build sets it (CMakeLists.txt)
#endif

namespace gantry::api {

HttpReply serve_metrics(daemon::Controller& controller) {
  daemon::MetricsOptions options;
  options.build_version = GANTRY_VERSION;
  auto text = daemon::render_metrics(controller, options);
  if (!text) return error_reply(text.error());
  HttpReply reply;
  reply.body = std::move(*text);
  reply.content_type = "text/plain; version=0.0.4; charset=utf-8";
  return reply;
}

}  // namespace gantry::api
