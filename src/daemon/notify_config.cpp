// Translating the spec's notify: list into the notifier's sinks (notify_config.h). Pure;
// thread-safe.
#include "daemon/notify_config.h"

namespace gantry::daemon {

std::vector<notify::SinkConfig> notify_sinks(const spec::Spec& spec) {
  std::vector<notify::SinkConfig> out;
  for (const auto& n : spec.notify) {
    notify::SinkConfig s;
    s.name = n.name;
    s.kind = n.kind == spec::NotifySink::Kind::Slack ? notify::SinkKind::Slack
                                                     : notify::SinkKind::Webhook;
    s.url = n.url.value;
    s.secret = n.secret.value;
    for (const auto& [name, value] : n.headers) s.headers[name] = value.value;
    s.events = n.events;
    s.environments = n.environments;
    s.channel = n.channel;
    s.max_age = n.max_age;
    s.backoff.initial = n.backoff_initial;
    s.backoff.max = n.backoff_max;
    s.timeout = n.timeout;
    out.push_back(std::move(s));
  }
  return out;
}

notify::NotifierOptions notifier_options(const spec::Spec& spec, const std::string& db_path) {
  notify::NotifierOptions o;
  o.db_path = db_path;
  o.project = spec.project;
  o.environment = spec.environment;
  o.sinks = notify_sinks(spec);
  o.resolve_secret = vaultless_secret_resolver();
  return o;
}

notify::SecretResolver vaultless_secret_resolver() {
  return [](std::string_view name) -> Result<std::string> {
    return make_error(ErrorCode::Unsupported,
                      "secret://" + std::string(name) + " cannot be resolved: no vault");
  };
}

}  // namespace gantry::daemon
