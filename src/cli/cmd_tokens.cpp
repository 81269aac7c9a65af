// `gantry tokens create|list|revoke`: bearer tokens for the daemon's TCP API and dashboard
// (docs/api.md "Authentication"). Managed over the owner-only unix socket.
#include <unistd.h>

#include <iostream>

#include "cli/command.h"
#include "cli/daemon_client.h"

namespace gantry::cli {

namespace {

using nlohmann::json;

struct Options {
  DaemonOptions daemon;
  std::string name;
  std::string scope = "read";
  std::string format = "text";
};

std::string actor() { return "cli:uid=" + std::to_string(::getuid()); }

int create(const Options& o) {
  json body;
  const json request{{"name", o.name}, {"scope", o.scope}, {"by", actor()}};
  if (int rc = call_daemon(state_dir_of(o.daemon), "POST", "/v1/tokens", body,
                           std::chrono::seconds(30), request.dump());
      rc != 0) {
    return rc;
  }
  if (o.format == "json") {
    std::cout << body.dump(2) << std::endl;
    return kExitOk;
  }
  // The token alone on stdout (scripts: TOKEN=$(gantry tokens create ci)); the rest on stderr.
  std::cout << body.value("token", "") << std::endl;
  std::cerr << "gantry: token '" << body.value("name", "") << "' (" << body.value("scope", "")
            << " scope) created; it is shown only now: keep it somewhere safe" << std::endl;
  return kExitOk;
}

int list(const Options& o) {
  json body;
  if (int rc = call_daemon(state_dir_of(o.daemon), "GET", "/v1/tokens", body); rc != 0) return rc;
  if (o.format == "json") {
    std::cout << body.dump(2) << std::endl;
    return kExitOk;
  }
  const auto& tokens = body["tokens"];
  if (tokens.empty()) {
    std::cout << "No tokens yet ('gantry tokens create NAME --scope read|admin' makes one).\n";
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows = {{"NAME", "ID", "SCOPE", "CREATED", "BY", "STATE"}};
  for (const auto& t : tokens) {
    const bool revoked = t["revoked_at"].is_string();
    rows.push_back(
        {t.value("name", ""), t.value("id", ""), t.value("scope", ""),
         short_timestamp(t.value("created_at", "")), t.value("created_by", ""),
         revoked ? "revoked " + short_timestamp(t["revoked_at"].get<std::string>()) : "active"});
  }
  for (const auto& line : format_table(rows)) std::cout << line << "\n";
  return kExitOk;
}

int revoke(const Options& o) {
  json body;
  if (int rc =
          call_daemon(state_dir_of(o.daemon), "DELETE", "/v1/tokens/" + url_encode(o.name), body);
      rc != 0) {
    return rc;
  }
  std::cout << "gantry: token '" << o.name << "' revoked" << std::endl;
  return kExitOk;
}

}  // namespace

void add_tokens_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "tokens",
      "Manage the bearer tokens of the daemon's TCP API and dashboard (api: {listen: ...} in the "
      "spec). Only a hash of each token is kept. Exit 0, 2 on bad input or when no daemon runs.");
  cmd->require_subcommand(1);
  CLI::App* c = cmd->add_subcommand(
      "create", "Make a token and print it (once): read scope may GET, admin may do everything");
  add_daemon_options(c, options->daemon);
  c->add_option("name", options->name, "A name for it (letters, digits, - _ .)")
      ->required()
      ->type_name("NAME");
  c->add_option("--scope", options->scope, "read (default) or admin")
      ->check(CLI::IsMember({"read", "admin"}));
  c->add_option("--format", options->format, "text (the token alone) or json")
      ->check(CLI::IsMember({"text", "json"}));
  c->callback([options, &exit_code] { exit_code = create(*options); });

  CLI::App* l = cmd->add_subcommand("list", "List the tokens: names, scopes, state; never secrets");
  add_daemon_options(l, options->daemon);
  l->add_option("--format", options->format, "text or json")
      ->check(CLI::IsMember({"text", "json"}));
  l->callback([options, &exit_code] { exit_code = list(*options); });

  CLI::App* r = cmd->add_subcommand("revoke", "Revoke a token by name or id; it stops working now");
  add_daemon_options(r, options->daemon);
  r->add_option("name", options->name, "The token's name or id")->required()->type_name("NAME");
  r->callback([options, &exit_code] { exit_code = revoke(*options); });
}

}  // namespace gantry::cli
