// When a commit was made, read from the git repository that holds a folder (`git show`): the
// start of DORA's lead time when `gantry deploy --commit SHA` gives no --commit-time. Internal
// to src/daemon. Thread-safe; blocks the calling thread for at most `timeout` (git answers from
// the local repository in milliseconds).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "core/result.h"
#include "core/units.h"

namespace gantry::daemon {

inline constexpr Duration kGitTimeout{std::chrono::seconds(2)};

// The committer time of `commit` (a SHA, a tag, a branch) in the repository holding `dir`, in
// ms since the epoch. NotFound when dir is in no repository or it has no such commit, with
// git's reason; never throws. Runs `git -C DIR show -s --format=%ct COMMIT^{commit} --` (argv,
// no shell); past the timeout git is killed.
Result<std::int64_t> git_commit_time(const std::string& dir, const std::string& commit,
                                     Duration timeout = kGitTimeout);

}  // namespace gantry::daemon
