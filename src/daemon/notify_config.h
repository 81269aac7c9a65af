// The notifier's configuration, from the spec: notify: sinks -> notify::SinkConfig; the daemon
// plugs in the vault's resolver (`gantry up`). Pure; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "notify/notify.h"
#include "spec/model.h"

namespace gantry::daemon {

std::vector<notify::SinkConfig> notify_sinks(const spec::Spec& spec);

// Everything but the callbacks the daemon wires (on_event_written, log). db_path is the
// daemon's database file.
notify::NotifierOptions notifier_options(const spec::Spec& spec, const std::string& db_path);

// Fails every secret://NAME with "no vault": the resolver until the daemon plugs in its own.
notify::SecretResolver vaultless_secret_resolver();

}  // namespace gantry::daemon
