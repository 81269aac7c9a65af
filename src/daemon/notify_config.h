// The notifier's configuration, from the spec: notify: sinks -> notify::SinkConfig, and the
// secret resolver this build has (none yet: the vault is a later issue). Pure; thread-safe.
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

// Fails every secret://NAME with "secret://NAME needs the vault (gantry secrets), which this
// build does not have yet".
notify::SecretResolver vaultless_secret_resolver();

}  // namespace gantry::daemon
