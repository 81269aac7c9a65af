// `gantry hooks install|uninstall`: git pre-commit and pre-push hooks that block commits and
// pushes holding credentials. Hooks carry a marker line; a hook without it is never replaced
// without --force (and is then kept beside ours, and restored by uninstall).
#include <git2.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/command.h"
#include "core/file.h"

namespace gantry::cli {
namespace {

namespace fs = std::filesystem;

constexpr const char* kMarker = "# gantry-hook v1";
constexpr const char* kBackupSuffix = ".before-gantry";

struct HooksOptions {
  std::string path = ".";
  bool force = false;
};

// Single quotes for sh: 'it'\''s'.
std::string sh_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string self_path() {
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "gantry";
}

// The lines every hook starts with: the marker, and which gantry to run.
std::string hook_preamble(const std::string& what) {
  return "#!/bin/sh\n" + std::string(kMarker) +
         ": installed by `gantry hooks install`; `gantry hooks uninstall` removes it.\n"
         "# " +
         what +
         "\n"
         "GANTRY=" +
         sh_quote(self_path()) +
         "\n"
         "if [ ! -x \"$GANTRY\" ]; then\n"
         "  if command -v gantry >/dev/null 2>&1; then\n"
         "    GANTRY=gantry\n"
         "  else\n"
         "    echo \"gantry hook: gantry is neither at $GANTRY nor on PATH\" >&2\n"
         "    exit 1\n"
         "  fi\n"
         "fi\n";
}

std::string pre_commit_hook() {
  return hook_preamble(
             "Blocks a commit whose staged changes hold a credential, or whose "
             "gantry.yaml fails lint.") +
         "if [ -f gantry.yaml ]; then\n"
         "  \"$GANTRY\" lint || {\n"
         "    echo \"gantry hook: commit blocked by gantry lint (git commit --no-verify skips "
         "hooks)\" >&2\n"
         "    exit 1\n"
         "  }\n"
         "fi\n"
         "\"$GANTRY\" scan --staged . || {\n"
         "  echo \"gantry hook: commit blocked: the staged changes hold a credential (see "
         "above)\" >&2\n"
         "  exit 1\n"
         "}\n";
}

// git feeds one line per pushed ref on stdin: <local ref> <local sha> <remote ref> <remote sha>.
std::string pre_push_hook() {
  return hook_preamble("Blocks a push whose new commits hold a credential.") +
         "status=0\n"
         "while read -r local_ref local_sha remote_ref remote_sha; do\n"
         "  case \"$local_sha\" in *[!0]*) ;; *) continue ;; esac  # a deleted ref\n"
         "  since=--since-remotes  # a new branch: the commits no remote-tracking ref has\n"
         "  case \"$remote_sha\" in\n"
         "    *[!0]*)\n"
         "      if git cat-file -e \"$remote_sha^{commit}\" 2>/dev/null; then\n"
         "        since=\"--since $remote_sha\"\n"
         "      fi ;;\n"
         "  esac\n"
         "  \"$GANTRY\" scan --git-history --rev \"$local_sha\" $since . || status=1\n"
         "done\n"
         "if [ \"$status\" -ne 0 ]; then\n"
         "  echo \"gantry hook: push blocked: the pushed commits hold a credential (see above)\" "
         ">&2\n"
         "fi\n"
         "exit \"$status\"\n";
}

Error git_failure(const std::string& what, const std::string& where) {
  const git_error* e = git_error_last();
  return make_error(ErrorCode::Invalid,
                    what + (e && e->message ? ": " + std::string(e->message) : ""), {where, 0, 0});
}

// The hooks folder: core.hooksPath when set (relative to the work tree), else .git/hooks.
Result<std::string> hooks_dir(const std::string& path) {
  git_libgit2_init();
  git_repository* repo = nullptr;
  if (git_repository_open_ext(&repo, path.c_str(), 0, nullptr) != 0) {
    return git_failure("not a git repository", path);
  }
  std::unique_ptr<git_repository, void (*)(git_repository*)> owned(repo, git_repository_free);
  std::string dir;
  git_config* cfg = nullptr;
  if (git_repository_config_snapshot(&cfg, repo) == 0) {
    git_buf buf = GIT_BUF_INIT;
    if (git_config_get_path(&buf, cfg, "core.hooksPath") == 0 && buf.ptr && *buf.ptr) {
      dir = buf.ptr;
    }
    git_buf_dispose(&buf);
    git_config_free(cfg);
  }
  if (dir.empty()) {
    dir = std::string(git_repository_commondir(repo)) + "hooks";
  } else if (dir.front() != '/') {
    const char* workdir = git_repository_workdir(repo);
    dir = std::string(workdir ? workdir : git_repository_path(repo)) + dir;
  }
  return fs::path(dir).lexically_normal().string();
}

bool is_ours(const std::string& file) {
  auto text = read_text_file(file, 1 << 20);
  return text && text->find(kMarker) != std::string::npos;
}

struct Hook {
  std::string name;
  std::string script;
};

int install(const HooksOptions& o) {
  auto dir = hooks_dir(o.path);
  if (!dir) return report_error(dir.error());
  const std::vector<Hook> hooks = {{"pre-commit", pre_commit_hook()},
                                   {"pre-push", pre_push_hook()}};
  // Decide for both before writing either: no half-installed state on a refusal.
  for (const auto& h : hooks) {
    const std::string file = *dir + "/" + h.name;
    if (fs::exists(file) && !is_ours(file) && !o.force) {
      return report_error(make_error(
          ErrorCode::Conflict,
          "a " + h.name +
              " hook that gantry did not install is there; run `gantry hooks install --force` "
              "to replace it (it is kept as " +
              h.name + kBackupSuffix + " and restored by `gantry hooks uninstall`)",
          {file, 0, 0}));
    }
  }
  std::error_code ec;
  fs::create_directories(*dir, ec);
  if (ec) {
    return report_error(make_error(ErrorCode::Io, "cannot create: " + ec.message(), {*dir, 0, 0}));
  }
  for (const auto& h : hooks) {
    const std::string file = *dir + "/" + h.name;
    if (fs::exists(file) && !is_ours(file)) {
      fs::rename(file, file + kBackupSuffix, ec);
      if (ec) {
        return report_error(
            make_error(ErrorCode::Io, "cannot keep the old hook: " + ec.message(), {file, 0, 0}));
      }
      std::cout << "kept the previous " << h.name << " hook as " << file << kBackupSuffix << "\n";
    }
    auto written = write_file_atomic(file, h.script);
    if (!written) return report_error(written.error());
    if (::chmod(file.c_str(), 0755) != 0) {
      return report_error(make_error(
          ErrorCode::Io, std::string("cannot make it executable: ") + std::strerror(errno),
          {file, 0, 0}));
    }
    std::cout << "installed " << file << "\n";
  }
  return kExitOk;
}

int uninstall(const HooksOptions& o) {
  auto dir = hooks_dir(o.path);
  if (!dir) return report_error(dir.error());
  for (const std::string name : {"pre-commit", "pre-push"}) {
    const std::string file = *dir + "/" + name;
    if (!fs::exists(file)) continue;
    if (!is_ours(file)) {
      std::cout << "left " << file << " alone: gantry did not install it\n";
      continue;
    }
    std::error_code ec;
    fs::remove(file, ec);
    if (ec) {
      return report_error(
          make_error(ErrorCode::Io, "cannot remove: " + ec.message(), {file, 0, 0}));
    }
    std::cout << "removed " << file << "\n";
    if (fs::exists(file + kBackupSuffix)) {
      fs::rename(file + kBackupSuffix, file, ec);
      if (!ec) std::cout << "restored the previous " << name << " hook\n";
    }
  }
  return kExitOk;
}

}  // namespace

void add_hooks_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<HooksOptions>();
  CLI::App* group = app.add_subcommand(
      "hooks", "Git hooks: block commits and pushes that hold credentials (gantry scan).");
  group->require_subcommand(1);
  group->footer(
      "pre-commit runs `gantry lint` (when there is a gantry.yaml) and `gantry scan --staged`;\n"
      "pre-push runs `gantry scan --git-history` on the commits being pushed. Both stop git\n"
      "on findings. core.hooksPath is respected. Unrelated to the rollout hooks of a spec.\n"
      "\n"
      "Exit status: 0 done, 2 not a git repository or a hook gantry did not install is in\n"
      "the way (use --force).");
  CLI::App* inst =
      group->add_subcommand("install", "Write .git/hooks/pre-commit and .git/hooks/pre-push");
  inst->add_option("PATH", options->path, "A folder inside the repository")->default_val(".");
  inst->add_flag("--force", options->force,
                 "Replace hooks gantry did not install (they are kept as *.before-gantry)");
  inst->callback([options, &exit_code] { exit_code = install(*options); });
  CLI::App* uninst = group->add_subcommand(
      "uninstall", "Remove gantry's hooks (and restore the ones --force replaced)");
  uninst->add_option("PATH", options->path, "A folder inside the repository")->default_val(".");
  uninst->callback([options, &exit_code] { exit_code = uninstall(*options); });
}

}  // namespace gantry::cli
