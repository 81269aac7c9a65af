// `gantry secrets set|list|get|rm|rotate|rekey`: the vault in the state dir (docs/secrets.md),
// used directly (no daemon needed); a running daemon is told to reload, or to deploy the
// services that use a rotated secret. Single-threaded, like the CLI.
#include <fcntl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include "cli/command.h"
#include "cli/daemon_client.h"
#include "core/strings.h"
#include "core/timestamp.h"
#include "secrets/secrets.h"
#include "store/store.h"

namespace gantry::cli {

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

struct Options {
  DaemonOptions daemon;
  std::string key_file;
  std::string name;
  std::string environment;
  std::string from_file;
  std::string format = "text";
  bool reveal = false;
  std::size_t generate = 0;     // --generate BYTES; 0 = not given
  CLI::App* command = nullptr;  // the subcommand that runs (its extras are refused)
};

std::string actor() { return "cli:uid=" + std::to_string(::getuid()); }

int exit_code_of(const Error& e) {
  return e.code == ErrorCode::Io || e.code == ErrorCode::Internal ? kExitFindings : kExitUsage;
}

int fail(const Error& e) {
  std::cerr << "gantry: " << e.str() << "\n";
  return exit_code_of(e);
}

std::string environment_label(const std::string& environment) {
  return environment.empty() ? "(all)" : environment;
}

std::string which(const std::string& name, const std::string& environment) {
  return "secret '" + name + "'" +
         (environment.empty() ? std::string(" (every environment)")
                              : " (environment '" + environment + "')");
}

// The vault of the state dir and the store it reads.
struct OpenVault {
  std::string state_dir;
  std::string key_file;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<secrets::Vault> vault;  // null when nothing is stored yet (no store file)
};

// Finds the key before anything is created; `create` makes the state dir and store when
// missing (set); otherwise a missing store leaves `vault` null (nothing stored yet).
Result<OpenVault> open_vault_of(const Options& o, bool create) {
  OpenVault out;
  out.state_dir = state_dir_of(o.daemon);
  out.key_file = o.key_file.empty() ? secrets::key_file_in(out.state_dir) : o.key_file;
  std::error_code ec;
  if (!secrets::master_key_from_env() && !fs::exists(out.key_file + ".new", ec)) {
    auto key = secrets::load_master_key(out.key_file);
    if (!key) return key.error();
  }
  const std::string path = store_path_in(out.state_dir);
  if (!fs::exists(path, ec)) {
    if (!create) return out;
    if (!fs::exists(out.state_dir, ec)) {
      fs::create_directories(out.state_dir, ec);
      if (ec) {
        return make_error(ErrorCode::Io, "cannot create the state dir: " + ec.message(),
                          Location{out.state_dir, 0, 0});
      }
      ::chmod(out.state_dir.c_str(), 0700);
    }
  }
  auto opened = store::open_sqlite(path);
  if (!opened) return opened.error();
  out.store = std::move(*opened);
  auto vault = secrets::open_vault(*out.store, out.key_file);
  if (!vault) return vault.error();
  out.vault = std::make_unique<secrets::Vault>(std::move(*vault));
  return out;
}

Error nothing_stored(const std::string& state_dir) {
  return make_error(ErrorCode::NotFound, "no secrets are stored in " + state_dir +
                                             " yet (`gantry secrets set NAME` stores one)");
}

Error value_error(const std::string& what) { return make_error(ErrorCode::Invalid, what); }

Result<std::string> check_size(std::string value, const std::string& from) {
  if (value.empty()) {
    return value_error("the value " + from + " is empty; an empty secret is refused");
  }
  if (value.size() > secrets::kMaxSecretBytes) {
    return value_error("the value " + from + " is larger than " +
                       std::to_string(secrets::kMaxSecretBytes) + " bytes (64 KiB), the limit");
  }
  return value;
}

// Reads up to the limit + 1 bytes, so that an oversized value is refused, not cut.
Result<std::string> read_fd(int fd, const std::string& from) {
  std::string data;
  char buf[16384];
  while (data.size() <= secrets::kMaxSecretBytes) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return make_error(ErrorCode::Io, "cannot read the value " + from);
    if (n == 0) break;
    data.append(buf, static_cast<std::size_t>(n));
  }
  return data;
}

// A line typed at the terminal with echo off.
Result<std::string> prompt_hidden(const std::string& name) {
  std::cerr << "Value for " << name << " (input hidden, then Enter): " << std::flush;
  termios saved{};
  const bool tty = ::tcgetattr(STDIN_FILENO, &saved) == 0;
  if (tty) {
    termios quiet = saved;
    quiet.c_lflag &= static_cast<tcflag_t>(~ECHO);
    quiet.c_lflag |= ECHONL;
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::string line;
  std::getline(std::cin, line);
  if (tty) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return check_size(std::move(line), "typed");
}

// The value: --from-file (bytes as they are), else stdin (one trailing newline dropped), else
// a hidden prompt when stdin is a terminal.
Result<std::string> read_value(const Options& o) {
  if (!o.from_file.empty()) {
    const int fd = ::open(o.from_file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      return make_error(errno == ENOENT ? ErrorCode::NotFound : ErrorCode::Io,
                        "--from-file: cannot open it", Location{o.from_file, 0, 0});
    }
    auto data = read_fd(fd, "in " + o.from_file);
    ::close(fd);
    if (!data) return data.error();
    return check_size(std::move(*data), "in " + o.from_file);
  }
  if (::isatty(STDIN_FILENO) == 1) return prompt_hidden(o.name);
  auto data = read_fd(STDIN_FILENO, "on stdin");
  if (!data) return data.error();
  if (!data->empty() && data->back() == '\n') data->pop_back();
  return check_size(std::move(*data), "on stdin");
}

// Tells a running daemon to reload the vault's key and mask; quiet when none runs.
int tell_daemon_to_reload(const std::string& state_dir) {
  if (!daemon_running(state_dir)) return kExitOk;
  json answer;
  if (int rc = call_daemon(state_dir, "POST", "/v1/secrets/reload", answer); rc != 0) {
    std::cerr << "gantry: the vault is changed, but the running daemon did not reload it (it "
                 "will when it next starts)\n";
    return kExitFindings;
  }
  std::cout << "gantry: the running daemon reloaded its secrets\n";
  return kExitOk;
}

// Extra words after NAME would be a value typed on the command line: refused, never echoed.
bool refuse_extras(const Options& o) {
  if (o.command == nullptr || o.command->remaining_size() == 0) return false;
  std::cerr << "gantry: secrets " << o.command->get_name()
            << " takes no value argument (it would stay in your shell history and in `ps`): "
               "pipe it on stdin, type it at the prompt, or use --from-file FILE\n";
  return true;
}

int set(const Options& o) {
  if (refuse_extras(o)) return kExitUsage;
  if (auto ok = secrets::check_secret_name(o.name); !ok) return fail(ok.error());
  auto v = open_vault_of(o, true);
  if (!v) return fail(v.error());
  auto value = read_value(o);
  if (!value) return fail(value.error());
  auto version = v->vault->set(o.name, o.environment, *value, actor());
  std::fill(value->begin(), value->end(), '\0');
  if (!version) return fail(version.error());
  std::cout << "gantry: " << which(o.name, o.environment) << " set: version " << *version
            << " (key id " << v->vault->key().id() << ")\n";
  return tell_daemon_to_reload(v->state_dir);
}

json info_json(const secrets::SecretInfo& s) {
  return json{{"name", s.name},
              {"environment", s.environment},
              {"version", s.version},
              {"created_at", format_timestamp(s.created_at_ms)},
              {"created_by", s.created_by}};
}

int list(const Options& o) {
  std::vector<secrets::SecretInfo> found;
  auto v = open_vault_of(o, false);
  if (v && !v->vault) {
    // Nothing stored yet.
  } else if (v) {
    auto listed = v->vault->list(o.environment.empty() ? std::nullopt
                                                       : std::optional<std::string>(o.environment));
    if (!listed) return fail(listed.error());
    found = std::move(*listed);
  } else {
    return fail(v.error());
  }
  if (o.format == "json") {
    json out = {{"secrets", json::array()}};
    for (const auto& s : found) out["secrets"].push_back(info_json(s));
    std::cout << out.dump(2) << std::endl;
    return kExitOk;
  }
  if (found.empty()) {
    std::cout << "No secrets" << (o.environment.empty() ? "" : " for " + o.environment)
              << " yet (`gantry secrets set NAME` stores one; the value comes from stdin).\n";
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows = {
      {"NAME", "ENVIRONMENT", "VERSION", "UPDATED", "BY"}};
  for (const auto& s : found) {
    rows.push_back({s.name, environment_label(s.environment), std::to_string(s.version),
                    short_timestamp(format_timestamp(s.created_at_ms)), s.created_by});
  }
  for (const auto& line : format_table(rows)) std::cout << line << "\n";
  return kExitOk;
}

int get(const Options& o) {
  auto v = open_vault_of(o, false);
  if (!v) return fail(v.error());
  if (!v->vault) return fail(nothing_stored(v->state_dir));
  auto versions = v->vault->versions(o.name, o.environment);
  if (!versions) return fail(versions.error());
  if (versions->empty()) {
    return fail(make_error(ErrorCode::NotFound, "no " + which(o.name, o.environment) +
                                                    " (`gantry secrets list` shows them)"));
  }
  const auto& latest = versions->front();
  std::optional<std::string> value;
  if (o.reveal) {
    auto revealed = v->vault->reveal(o.name, o.environment, actor());
    if (!revealed) return fail(revealed.error());
    value = std::move(*revealed);
  }
  if (o.format == "json") {
    json out = info_json(latest);
    out["versions"] = versions->size();
    if (value) out["value"] = *value;
    std::string text;
    try {
      text = out.dump(2);
    } catch (const json::exception&) {  // JSON strings are UTF-8; a binary value is not
      return fail(
          value_error("the value is not UTF-8 text, so JSON cannot hold it: use "
                      "--reveal without --format json"));
    }
    std::cout << text << std::endl;
    return kExitOk;
  }
  if (value) {
    // The value and a newline: `get --reveal | gantry secrets set OTHER` copies it exactly.
    std::cout << *value << "\n" << std::flush;
    return kExitOk;
  }
  const std::vector<std::vector<std::string>> rows = {
      {"name", latest.name},
      {"environment", environment_label(latest.environment)},
      {"version", std::to_string(latest.version) + " (" + std::to_string(versions->size()) +
                      (versions->size() == 1 ? " version)" : " versions)")},
      {"updated",
       short_timestamp(format_timestamp(latest.created_at_ms)) + " by " + latest.created_by},
      {"value", "hidden; --reveal prints it (and is recorded in the audit log)"}};
  for (const auto& line : format_table(rows)) std::cout << line << "\n";
  return kExitOk;
}

int remove(const Options& o) {
  auto v = open_vault_of(o, false);
  if (!v) return fail(v.error());
  if (!v->vault) return fail(nothing_stored(v->state_dir));
  const auto versions = v->vault->versions(o.name, o.environment);
  if (auto st = v->vault->remove(o.name, o.environment, actor()); !st) return fail(st.error());
  const std::size_t n = versions ? versions->size() : 0;
  std::cout << "gantry: " << which(o.name, o.environment) << " removed (" << n
            << (n == 1 ? " version)\n" : " versions)\n");
  return tell_daemon_to_reload(v->state_dir);
}

int rotate(const Options& o) {
  if (refuse_extras(o)) return kExitUsage;
  if (o.generate > 0 && !o.from_file.empty()) {
    return fail(value_error("--generate and --from-file: give one of them"));
  }
  auto v = open_vault_of(o, false);
  if (!v) return fail(v.error());
  if (!v->vault) return fail(nothing_stored(v->state_dir));
  if (auto latest = v->vault->versions(o.name, o.environment); latest && latest->empty()) {
    return fail(make_error(ErrorCode::NotFound, "no " + which(o.name, o.environment) +
                                                    " to rotate (`gantry secrets set " + o.name +
                                                    "` stores it)"));
  }
  auto value =
      o.generate > 0 ? Result<std::string>(secrets::random_value(o.generate)) : read_value(o);
  if (!value) return fail(value.error());
  auto version = v->vault->rotate(o.name, o.environment, *value, actor());
  std::fill(value->begin(), value->end(), '\0');
  if (!version) return fail(version.error());
  std::cout << "gantry: " << which(o.name, o.environment) << " rotated: version " << *version;
  if (o.generate > 0) {
    std::cout << " (" << o.generate << " random bytes, base64url; `gantry secrets get " << o.name
              << (o.environment.empty() ? "" : " --env " + o.environment)
              << " --reveal` prints it)";
  }
  std::cout << "\n";
  if (!daemon_running(v->state_dir)) {
    std::cout << "gantry: no daemon is running for " << v->state_dir << ": services pick version "
              << *version << " up when they next start\n";
    return kExitOk;
  }
  const json request{{"name", o.name}, {"environment", o.environment}, {"version", *version}};
  json answer;
  if (int rc = call_daemon(v->state_dir, "POST", "/v1/secrets/rotated", answer,
                           std::chrono::seconds(30), request.dump());
      rc != 0) {
    std::cerr << "gantry: version " << *version
              << " is stored, but the daemon did not deploy it to the services that use it\n";
    return kExitFindings;
  }
  // Each referencing service gets a deployment of a new revision (its own strategy).
  std::vector<std::string> started;
  for (const auto& d : answer.value("deployments", json::array())) {
    started.push_back(d.value("service", "") + " (" + d.value("id", "") + ", " +
                      d.value("strategy", "") + ")");
  }
  const json skipped = answer.value("skipped", json::array());
  if (started.empty() && skipped.empty()) {
    std::cout << "gantry: the daemon reloaded it; no running service uses it\n";
  }
  if (!started.empty()) {
    std::cout << "gantry: deploying version " << *version
              << " to the services that use it: " << join(started, ", ")
              << "; follow with: gantry show ID\n";
  }
  for (const auto& s : skipped) {
    std::cerr << "gantry: " << s.value("service", "")
              << " still runs the old version: " << s.value("reason", "") << "\n";
  }
  if (!skipped.empty()) return kExitFindings;
  return kExitOk;
}

int rekey(const Options& o) {
  auto v = open_vault_of(o, false);
  if (!v) return fail(v.error());
  if (!v->vault) return fail(nothing_stored(v->state_dir));
  auto all = v->store->all_secrets();
  if (!all) return fail(all.error());
  const std::string old_id = v->vault->key().id();
  const secrets::MasterKey next = secrets::MasterKey::generate();
  if (auto st = secrets::rekey_vault(*v->vault, next, v->key_file, actor()); !st) {
    return fail(st.error());
  }
  const std::string counts =
      std::to_string(all->size()) + (all->size() == 1 ? " secret version" : " secret versions");
  if (secrets::master_key_from_env()) {
    // The new key exists nowhere else: on stdout alone (NEW=$(gantry secrets rekey)).
    std::cout << next.encoded() << std::endl;
    std::cerr << "gantry: re-encrypted " << counts << " under the new key printed above (key id "
              << next.id() << ", was " << old_id
              << "). It is shown only now: set GANTRY_MASTER_KEY to it wherever the old key "
                 "is used (and restart the daemon with it); the old key no longer opens the "
                 "vault\n";
    return kExitOk;
  }
  std::cout << "gantry: re-encrypted " << counts << " under a new master key (key id " << next.id()
            << ", was " << old_id << ") in " << v->key_file << "\n"
            << "gantry: back the new key up now; a backup of the old key no longer opens the "
               "vault\n";
  return tell_daemon_to_reload(v->state_dir);
}

void add_common(CLI::App* c, Options& o) {
  add_daemon_options(c, o.daemon);
  c->add_option("--key-file", o.key_file,
                "The master key file (default: STATE_DIR/master.key; GANTRY_MASTER_KEY wins)")
      ->type_name("FILE");
}

void add_name_and_env(CLI::App* c, Options& o) {
  c->add_option("name", o.name, "The secret's name (letters, digits, . _ -)")
      ->required()
      ->type_name("NAME");
  c->add_option("--env", o.environment,
                "The environment it is for (default: every environment; an environment's own "
                "secret wins over that one)")
      ->type_name("ENV");
}

}  // namespace

void add_secrets_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "secrets",
      "Manage the vault: secrets encrypted with the master key in the state dir "
      "(docs/secrets.md). Values come from stdin, a hidden prompt or --from-file, never from "
      "an argument. Exit 0; 2 on bad input, a missing or wrong key, or an unknown secret; 1 "
      "when the store fails or a running daemon could not be told.");
  cmd->require_subcommand(1);

  CLI::App* s = cmd->add_subcommand(
      "set",
      "Store a new version of a secret. The value is read from stdin (one trailing newline "
      "dropped: `echo v | gantry secrets set X` stores \"v\"), from a hidden prompt when stdin "
      "is a terminal, or from --from-file (bytes exactly). At most 64 KiB; empty is refused.");
  add_common(s, *o);
  add_name_and_env(s, *o);
  s->add_option("--from-file", o->from_file, "Read the value from this file, bytes as they are")
      ->type_name("FILE");
  s->allow_extras();
  s->callback([o, s, &exit_code] {
    o->command = s;
    exit_code = set(*o);
  });

  CLI::App* l = cmd->add_subcommand(
      "list",
      "List the secrets: name, environment, latest version, when and by whom; never values");
  add_common(l, *o);
  l->add_option("--env", o->environment, "Only the secrets of this environment")->type_name("ENV");
  l->add_option("--format", o->format, "text or json")->check(CLI::IsMember({"text", "json"}));
  l->callback([o, &exit_code] { exit_code = list(*o); });

  CLI::App* g = cmd->add_subcommand(
      "get", "Show a secret's metadata; with --reveal print its value (recorded in the audit log)");
  add_common(g, *o);
  add_name_and_env(g, *o);
  g->add_flag("--reveal", o->reveal, "Print the latest value (followed by a newline)");
  g->add_option("--format", o->format, "text or json")->check(CLI::IsMember({"text", "json"}));
  g->callback([o, &exit_code] { exit_code = get(*o); });

  CLI::App* r = cmd->add_subcommand("rm", "Delete a secret: every version of it");
  add_common(r, *o);
  add_name_and_env(r, *o);
  r->callback([o, &exit_code] { exit_code = remove(*o); });

  CLI::App* t = cmd->add_subcommand(
      "rotate",
      "Store a new version of an existing secret (value from stdin, the prompt, --from-file, "
      "or --generate BYTES random bytes as base64url); a running daemon deploys every service "
      "that uses it onto the new version (a new revision, the service's own strategy). Exit 1 "
      "when a service could not be deployed (it keeps the old value)");
  add_common(t, *o);
  add_name_and_env(t, *o);
  t->add_option("--from-file", o->from_file, "Read the value from this file, bytes as they are")
      ->type_name("FILE");
  t->add_option("--generate", o->generate, "Generate BYTES random bytes (16 to 4096) as the value")
      ->check(CLI::Range(16, 4096))
      ->type_name("BYTES");
  t->allow_extras();
  t->callback([o, t, &exit_code] {
    o->command = t;
    exit_code = rotate(*o);
  });

  CLI::App* k = cmd->add_subcommand(
      "rekey",
      "Make a new master key and re-encrypt every secret under it in one transaction; the key "
      "file is replaced (with GANTRY_MASTER_KEY set, the new key is printed instead)");
  add_common(k, *o);
  k->callback([o, &exit_code] { exit_code = rekey(*o); });
}

}  // namespace gantry::cli
