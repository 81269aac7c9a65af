// `gantry init`: creates the vault's master key file (0600, in a 0700 directory) and keeps the
// state dir out of git (.gitignore). Single-threaded, like the CLI.
#include <git2.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>

#include "cli/command.h"
#include "cli/daemon_client.h"
#include "secrets/secrets.h"
#include "store/store.h"

namespace gantry::cli {

namespace {

namespace fs = std::filesystem;

struct Options {
  DaemonOptions daemon;
  std::string key_file;
  bool force = false;
};

// libgit2 for one command: init on construction, shutdown and free on destruction.
class GitRepo {
 public:
  explicit GitRepo(const fs::path& start) {
    git_libgit2_init();
    if (git_repository_open_ext(&repo_, start.c_str(), 0, nullptr) != 0) repo_ = nullptr;
  }
  ~GitRepo() {
    git_repository_free(repo_);
    git_libgit2_shutdown();
  }
  GitRepo(const GitRepo&) = delete;
  GitRepo& operator=(const GitRepo&) = delete;

  // The work tree's root, or nullopt outside a work tree (or in a bare repository).
  std::optional<fs::path> workdir() const {
    const char* dir = repo_ ? git_repository_workdir(repo_) : nullptr;
    if (!dir) return std::nullopt;
    return fs::path(dir).lexically_normal();
  }
  // rel is relative to the work tree; a directory ends with '/'.
  bool ignored(const std::string& rel) const {
    int ignored = 0;
    return repo_ && git_ignore_path_is_ignored(&ignored, repo_, rel.c_str()) == 0 && ignored;
  }

 private:
  git_repository* repo_ = nullptr;
};

// The folder's path without a trailing separator; "" stays "".
fs::path clean(const fs::path& p) {
  std::string s = p.lexically_normal().string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

bool inside(const fs::path& path, const fs::path& root) {
  const auto rel = clean(path).lexically_relative(clean(root));
  return !rel.empty() && *rel.begin() != "..";
}

// The .gitignore nearest to `path` inside the work tree (its folder first, then up); when
// there is none, one beside it.
fs::path nearest_gitignore(const fs::path& path, const fs::path& workdir) {
  std::error_code ec;
  for (fs::path dir = clean(path).parent_path();
       inside(dir, workdir) || clean(dir) == clean(workdir); dir = dir.parent_path()) {
    if (fs::exists(dir / ".gitignore", ec)) return dir / ".gitignore";
    if (clean(dir) == clean(workdir)) break;
  }
  return clean(path).parent_path() / ".gitignore";
}

// Adds a line ignoring `path` (a folder when is_dir) to the nearest .gitignore, unless git
// ignores it already. Prints what it did; errors are warnings (the key exists by now).
void ignore_in_git(const GitRepo& repo, const fs::path& workdir, const fs::path& path,
                   bool is_dir) {
  if (!inside(path, workdir)) return;
  const std::string rel = clean(path).lexically_relative(workdir).string();
  if (repo.ignored(rel + (is_dir ? "/" : ""))) return;
  const fs::path gitignore = nearest_gitignore(path, workdir);
  const std::string from_it = clean(path).lexically_relative(gitignore.parent_path()).string();
  // A direct child as the issue writes it (".gantry/"); a deeper one anchored to its folder.
  std::string line = from_it.find('/') == std::string::npos ? from_it : "/" + from_it;
  if (is_dir) line += "/";
  std::string had;
  {
    std::ifstream in(gitignore);
    had.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::ofstream out(gitignore, std::ios::app);
  if (!had.empty() && had.back() != '\n') out << "\n";
  out << (is_dir ? "# gantry: the state dir (master key, store); never commit it\n"
                 : "# gantry: the vault's master key; never commit it\n")
      << line << "\n";
  out.close();
  if (!out) {
    std::cerr << "gantry: warning: could not add " << line << " to " << gitignore.string()
              << ": add it yourself so the key is never committed\n";
    return;
  }
  std::cout << "gantry: added " << line << " to " << gitignore.string()
            << " (git must never see the key or the store)\n";
}

void keep_out_of_git(const std::string& state_dir, const std::string& key_file) {
  std::error_code ec;
  GitRepo repo(fs::is_directory(state_dir, ec) ? fs::path(state_dir)
                                               : fs::path(key_file).parent_path());
  const auto workdir = repo.workdir();
  if (!workdir) return;
  ignore_in_git(repo, *workdir, state_dir, true);
  if (!inside(key_file, state_dir)) ignore_in_git(repo, *workdir, key_file, false);
}

// --force: only while the vault holds nothing that the old key opens.
Status check_force(const std::string& state_dir, const std::string& key_file) {
  std::error_code ec;
  const std::string path = store_path_in(state_dir);
  if (!fs::exists(path, ec)) return {};
  auto store = store::open_sqlite(path);
  if (!store) return store.error();
  auto all = (*store)->all_secrets();
  if (!all) return all.error();
  if (all->empty()) return {};
  return make_error(ErrorCode::Conflict,
                    "--force: " + std::to_string(all->size()) +
                        " secret versions are stored under the key in " + key_file +
                        "; replacing it would lose them (`gantry secrets rekey` makes a new key "
                        "and re-encrypts them)");
}

int run_init(const Options& o) {
  const std::string state_dir = state_dir_of(o.daemon);
  std::error_code ec;
  const std::string key_file = o.key_file.empty()
                                   ? secrets::key_file_in(state_dir)
                                   : fs::absolute(o.key_file, ec).lexically_normal().string();
  if (fs::exists(fs::symlink_status(key_file, ec))) {
    if (!o.force) {
      return report_error(make_error(
          ErrorCode::Conflict,
          "a master key exists already; gantry init never replaces one (`gantry secrets rekey` "
          "makes a new key and re-encrypts every secret; --force replaces the key only while "
          "no secret is stored)",
          Location{key_file, 0, 0}));
    }
    if (auto ok = check_force(state_dir, key_file); !ok) return report_error(ok.error());
    if (::unlink(key_file.c_str()) != 0) {
      return report_error(
          make_error(ErrorCode::Io, "cannot remove the old key file", Location{key_file, 0, 0}));
    }
  }
  const bool in_state_dir = clean(fs::path(key_file).parent_path()) == clean(state_dir);
  auto key = secrets::create_key_file(key_file);
  if (!key) {
    std::cerr << "gantry: " << key.error().str() << "\n";
    return key.error().code == ErrorCode::Io ? kExitFindings : kExitUsage;
  }
  if (in_state_dir) ::chmod(state_dir.c_str(), 0700);  // as `gantry up` makes it
  std::cout << "gantry: created the master key " << key_file << " (key id " << key->id()
            << ", mode 0600)\n"
            << "gantry: back it up now, e.g. in your password manager: without it nobody can "
               "decrypt the secrets stored in "
            << store_path_in(state_dir) << "\n";
  if (secrets::master_key_from_env()) {
    std::cout << "gantry: note: GANTRY_MASTER_KEY is set, and takes precedence over this key "
                 "file while it is\n";
  }
  keep_out_of_git(state_dir, key_file);
  return kExitOk;
}

}  // namespace

void add_init_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "init",
      "Create the vault's master key (STATE_DIR/master.key, mode 0600) and add the state dir "
      "to .gitignore inside a git work tree. Never replaces an existing key. Exit 0, 2 when a "
      "key exists, 1 on an I/O error.");
  add_daemon_options(cmd, o->daemon);
  cmd->add_option("--key-file", o->key_file,
                  "Where to write the key (default: STATE_DIR/master.key)")
      ->type_name("FILE");
  cmd->add_flag("--force", o->force,
                "Replace an existing key file, but only while no secret is stored under it");
  cmd->callback([o, &exit_code] { exit_code = run_init(*o); });
}

}  // namespace gantry::cli
