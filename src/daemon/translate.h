// From the spec's words to the runtime's and the probes' (internal to src/daemon): the lower
// modules do not know the spec, so the daemon translates. Pure; thread-safe.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "probe/probe.h"
#include "runtime/restart_policy.h"
#include "spec/model.h"

namespace gantry::daemon {

probe::ProbeConfig to_probe_config(const spec::Probe& probe, int replica_port, bool deep);
runtime::RestartConfig to_restart_config(const spec::Restart& restart);

using EnvList = std::vector<std::pair<std::string, std::string>>;

// The replica's complete environment: a few variables of the daemon's own (PATH, HOME, LANG,
// TZ), the service's env, then PORT and GANTRY_*. A secret:// reference is an error until the
// vault exists: gantry never starts a replica with a value it could not resolve.
Result<EnvList> replica_env(const spec::Service& service, int index, int port,
                            const std::string& version);

// The command with ${VAR} expanded from the replica's environment (a shell command is left to
// the shell).
Result<std::vector<std::string>> replica_argv(const spec::Service& service, const EnvList& env);

// A stable digest of a service's resolved spec (FNV-1a 64, hex): same spec, same revision.
std::string spec_digest(const std::string& text);

}  // namespace gantry::daemon
