// From the spec's words to the runtime's, the probes' and the proxy's (internal to src/daemon):
// the lower modules do not know the spec, so the daemon translates. Pure; thread-safe.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "probe/probe.h"
#include "proxy/routing_table.h"
#include "runtime/restart_policy.h"
#include "spec/model.h"

namespace gantry::daemon {

probe::ProbeConfig to_probe_config(const spec::Probe& probe, int replica_port, bool deep);
runtime::RestartConfig to_restart_config(const spec::Restart& restart);

// A routable replica of a service, and the version it runs.
struct RouteReplica {
  std::string version;
  proxy::Replica replica;
};

// The weights to publish: what a rollout asked for ({} = all on the current version), less the
// versions that have no routable replica (their share goes to the largest that has one), so a
// request is never sent to a version with nobody to answer while another version could.
std::map<std::string, int> effective_weights(const std::map<std::string, int>& asked,
                                             const std::string& current_version,
                                             const std::set<std::string>& routable_versions);

// The service's route: each version of `weights` with its weight (they sum to 100), any other
// version that still has replicas at weight 0 (reachable through the override header); sticky
// policy from strategy.sticky (cookie wins over header), override header from the spec's proxy:
// section.
Result<proxy::ServiceRoute> to_service_route(const spec::Service& service,
                                             const spec::ProxySettings& proxy,
                                             const std::map<std::string, int>& weights,
                                             const std::vector<RouteReplica>& replicas);

using EnvList = std::vector<std::pair<std::string, std::string>>;

// Resolves the NAME of a secret://NAME reference to its value, or says why it cannot.
using SecretResolver = std::function<Result<std::string>(std::string_view name)>;

// The replica's complete environment: a few variables of the daemon's own (PATH, HOME, LANG,
// TZ), the service's env with secret://NAME references resolved by `resolve`, then PORT and
// GANTRY_*. A reference that does not resolve (or no resolver) is an error naming the variable
// and the secret: gantry never starts a replica with a value it could not resolve.
Result<EnvList> replica_env(const spec::Service& service, int index, int port,
                            const std::string& version, const SecretResolver& resolve);

// The secret names a service's env references (secret://NAME), sorted, once each.
std::vector<std::string> secret_references(const spec::Service& service);

// The command with ${VAR} expanded from the replica's environment (a shell command is left to
// the shell).
Result<std::vector<std::string>> replica_argv(const spec::Service& service, const EnvList& env);

// A stable digest of a service's resolved spec (FNV-1a 64, hex): same spec, same revision.
std::string spec_digest(const std::string& text);

}  // namespace gantry::daemon
