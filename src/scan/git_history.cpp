// scan_git_history and scan_staged via libgit2: collect the blobs to scan (each once) on the
// calling thread, then scan them on N threads, each with its own repository handle and scratch.
#include <git2.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "scan/sources.h"

namespace gantry::scan {
namespace {

constexpr std::size_t kSniffBytes = 8192;

void init_libgit2() {
  static std::once_flag once;
  std::call_once(once, [] { git_libgit2_init(); });  // never shut down: other threads may use it
}

Error git_failure(const std::string& what, const std::string& where = {}) {
  const git_error* e = git_error_last();
  return make_error(ErrorCode::Invalid,
                    what + (e && e->message ? ": " + std::string(e->message) : ""), {where, 0, 0});
}

template <class T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using RepoPtr = std::unique_ptr<git_repository, Deleter<git_repository, git_repository_free>>;
using WalkPtr = std::unique_ptr<git_revwalk, Deleter<git_revwalk, git_revwalk_free>>;
using CommitPtr = std::unique_ptr<git_commit, Deleter<git_commit, git_commit_free>>;
using TreePtr = std::unique_ptr<git_tree, Deleter<git_tree, git_tree_free>>;
using ObjectPtr = std::unique_ptr<git_object, Deleter<git_object, git_object_free>>;
using BlobPtr = std::unique_ptr<git_blob, Deleter<git_blob, git_blob_free>>;
using OdbPtr = std::unique_ptr<git_odb, Deleter<git_odb, git_odb_free>>;
using IndexPtr = std::unique_ptr<git_index, Deleter<git_index, git_index_free>>;
using DiffPtr = std::unique_ptr<git_diff, Deleter<git_diff, git_diff_free>>;
using RefPtr = std::unique_ptr<git_reference, Deleter<git_reference, git_reference_free>>;
using RefIterPtr = std::unique_ptr<git_reference_iterator,
                                   Deleter<git_reference_iterator, git_reference_iterator_free>>;

struct OidHash {
  std::size_t operator()(const git_oid& o) const {
    std::size_t h;
    std::memcpy(&h, o.id, sizeof h);
    return h;
  }
};
struct OidEq {
  bool operator()(const git_oid& a, const git_oid& b) const { return git_oid_equal(&a, &b); }
};
using OidSet = std::unordered_set<git_oid, OidHash, OidEq>;

std::string oid_hex(const git_oid& oid) {
  char buf[GIT_OID_HEXSZ + 1];
  git_oid_tostr(buf, sizeof buf, &oid);
  return buf;
}

Result<RepoPtr> open_repo(const std::string& path) {
  init_libgit2();
  git_repository* repo = nullptr;
  if (git_repository_open_ext(&repo, path.c_str(), 0, nullptr) != 0) {
    return git_failure("not a git repository (or cannot open it)", path);
  }
  return RepoPtr(repo);
}

struct CommitInfo {
  std::string id;
  std::string author;
  std::int64_t time = 0;
};

struct BlobTask {
  git_oid blob;
  std::string path;
  int commit = -1;  // index into the commit list; -1 for staged blobs
};

// Blob and tree ids already seen: a tree seen before holds only blobs seen before.
struct Seen {
  OidSet trees;
  OidSet blobs;
};

// Adds the blobs under `tree` not seen yet to `tasks` (or, with tasks == nullptr, only marks
// them seen: the trees of commits the walk excludes).
void collect_tree(git_repository* repo, const git_tree* tree, const std::string& prefix, int commit,
                  Seen& seen, std::vector<BlobTask>* tasks) {
  const std::size_t n = git_tree_entrycount(tree);
  for (std::size_t i = 0; i < n; ++i) {
    const git_tree_entry* e = git_tree_entry_byindex(tree, i);
    const git_oid* id = git_tree_entry_id(e);
    const git_filemode_t mode = git_tree_entry_filemode(e);
    if (mode == GIT_FILEMODE_TREE) {
      if (!seen.trees.insert(*id).second) continue;
      git_tree* sub = nullptr;
      if (git_tree_lookup(&sub, repo, id) != 0) continue;
      TreePtr owned(sub);
      collect_tree(repo, sub, prefix + git_tree_entry_name(e) + "/", commit, seen, tasks);
    } else if (mode == GIT_FILEMODE_BLOB || mode == GIT_FILEMODE_BLOB_EXECUTABLE) {
      if (!seen.blobs.insert(*id).second || !tasks) continue;
      tasks->push_back(BlobTask{*id, prefix + git_tree_entry_name(e), commit});
    }
    // Symlinks (their blob is a path) and submodules (a commit id) hold no file contents.
  }
}

Result<git_oid> resolve_commit(git_repository* repo, const std::string& rev,
                               const std::string& flag) {
  git_object* obj = nullptr;
  if (git_revparse_single(&obj, repo, rev.c_str()) != 0) {
    return git_failure(flag + " " + rev + ": not a revision in this repository");
  }
  ObjectPtr owned(obj);
  git_object* commit = nullptr;
  if (git_object_peel(&commit, obj, GIT_OBJECT_COMMIT) != 0) {
    return git_failure(flag + " " + rev + ": does not name a commit");
  }
  ObjectPtr owned_commit(commit);
  return *git_object_id(commit);
}

// The commits a glob of refs point to ("refs/*", "refs/remotes/*"), peeled; refs that do not
// lead to a commit (a tag of a blob) are left out.
std::vector<git_oid> ref_commits(git_repository* repo, const char* glob) {
  std::vector<git_oid> out;
  git_reference_iterator* it = nullptr;
  if (git_reference_iterator_glob_new(&it, repo, glob) != 0) return out;
  RefIterPtr owned(it);
  git_reference* ref = nullptr;
  while (git_reference_next(&ref, it) == 0) {
    RefPtr owned_ref(ref);
    git_object* obj = nullptr;
    if (git_reference_peel(&obj, ref, GIT_OBJECT_COMMIT) == 0) {
      out.push_back(*git_object_id(obj));
      git_object_free(obj);
    }
  }
  return out;
}

// Scans the blobs on `threads` threads; each opens its own handle on the repository.
Status scan_blobs(const Matcher& matcher, const std::string& git_dir,
                  const std::vector<BlobTask>& tasks, const std::vector<CommitInfo>& commits,
                  int threads, ScanResult& result) {
  threads = threads > 0 ? threads : static_cast<int>(std::thread::hardware_concurrency());
  threads = std::clamp(threads, 1, std::max(1, static_cast<int>(tasks.size())));
  std::atomic<std::size_t> next{0};
  std::mutex mu;
  Status failure;
  auto work = [&] {
    git_repository* raw = nullptr;
    if (git_repository_open(&raw, git_dir.c_str()) != 0) {
      std::lock_guard lock(mu);
      failure = git_failure("cannot open the repository", git_dir);
      return;
    }
    RepoPtr repo(raw);
    git_odb* raw_odb = nullptr;
    if (git_repository_odb(&raw_odb, repo.get()) != 0) return;
    OdbPtr odb(raw_odb);
    auto scratch = matcher.make_scratch();
    std::vector<Finding> findings;
    ScanStats stats;
    for (std::size_t i; (i = next.fetch_add(1)) < tasks.size();) {
      const BlobTask& task = tasks[i];
      std::size_t size = 0;
      git_object_t type{};
      if (git_odb_read_header(&size, &type, odb.get(), &task.blob) != 0) continue;
      if (size > matcher.config().max_file_bytes) {
        ++stats.skipped_large;
        continue;
      }
      git_blob* blob = nullptr;
      if (git_blob_lookup(&blob, repo.get(), &task.blob) != 0) continue;
      BlobPtr owned(blob);
      const std::string_view data(static_cast<const char*>(git_blob_rawcontent(blob)),
                                  static_cast<std::size_t>(git_blob_rawsize(blob)));
      if (std::memchr(data.data(), 0, std::min(data.size(), kSniffBytes)) != nullptr) {
        ++stats.skipped_binary;
        continue;
      }
      ++stats.files;
      ++stats.blobs;
      stats.bytes += data.size();
      const std::size_t first = findings.size();
      matcher.scan(data, task.path, *scratch, findings);
      if (task.commit < 0) continue;
      const CommitInfo& c = commits[static_cast<std::size_t>(task.commit)];
      for (std::size_t f = first; f < findings.size(); ++f) {
        findings[f].commit = c.id;
        findings[f].author = c.author;
        findings[f].commit_time = c.time;
      }
    }
    std::lock_guard lock(mu);
    result.stats.files += stats.files;
    result.stats.blobs += stats.blobs;
    result.stats.bytes += stats.bytes;
    result.stats.skipped_binary += stats.skipped_binary;
    result.stats.skipped_large += stats.skipped_large;
    result.findings.insert(result.findings.end(), std::make_move_iterator(findings.begin()),
                           std::make_move_iterator(findings.end()));
  };
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  if (!failure) return failure;
  sort_findings(result.findings);
  return {};
}

// Drops the tasks whose path is allowlisted or binary by name, counting them.
void filter_paths(const Matcher& matcher, std::vector<BlobTask>& tasks, ScanStats& stats) {
  std::erase_if(tasks, [&](const BlobTask& t) {
    if (matcher.path_allowed(t.path)) return ++stats.skipped_ignored, true;
    if (has_binary_extension(t.path)) return ++stats.skipped_binary, true;
    return false;
  });
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

Result<ScanResult> scan_git_history(const Matcher& matcher, const std::string& path,
                                    const HistoryOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  auto opened = open_repo(path);
  if (!opened) return opened.error();
  git_repository* repo = opened->get();

  git_revwalk* raw_walk = nullptr;
  if (git_revwalk_new(&raw_walk, repo) != 0) return git_failure("cannot walk the history", path);
  WalkPtr walk(raw_walk);
  git_revwalk_sorting(walk.get(), GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME | GIT_SORT_REVERSE);

  std::size_t tips = 0;
  if (options.all_refs) {
    for (const auto& oid : ref_commits(repo, "refs/*")) {
      if (git_revwalk_push(walk.get(), &oid) == 0) ++tips;
    }
    if (git_repository_head_unborn(repo) != 1 && git_revwalk_push_head(walk.get()) == 0) ++tips;
  } else if (options.revs.empty()) {
    if (git_repository_head_unborn(repo) == 1) {  // no commits yet: nothing to scan
      ScanResult empty;
      empty.stats.seconds = seconds_since(start);
      return empty;
    }
    if (git_revwalk_push_head(walk.get()) != 0) return git_failure("cannot read HEAD", path);
    ++tips;
  } else {
    for (const auto& rev : options.revs) {
      auto oid = resolve_commit(repo, rev, "--rev");
      if (!oid) return oid.error();
      if (git_revwalk_push(walk.get(), &*oid) != 0) return git_failure("cannot walk " + rev);
      ++tips;
    }
  }
  for (const auto& rev : options.since) {
    auto oid = resolve_commit(repo, rev, "--since");
    if (!oid) return oid.error();
    if (git_revwalk_hide(walk.get(), &*oid) != 0) return git_failure("cannot hide " + rev);
  }
  if (options.since_remotes) {
    for (const auto& oid : ref_commits(repo, "refs/remotes/*")) git_revwalk_hide(walk.get(), &oid);
  }

  // Oldest first (parents before children), so the first commit holding a blob is the one
  // that introduced it.
  std::vector<git_oid> order;
  OidSet walked;
  git_oid oid;
  while (tips > 0 && git_revwalk_next(&oid, walk.get()) == 0) {
    order.push_back(oid);
    walked.insert(oid);
  }

  Seen seen;
  std::vector<CommitInfo> commits;
  std::vector<BlobTask> tasks;
  commits.reserve(order.size());
  // Blobs of the commits just outside the walk (parents of walked commits, e.g. --since) are
  // known already: a change that only keeps them is not new.
  for (const auto& id : order) {
    git_commit* raw = nullptr;
    if (git_commit_lookup(&raw, repo, &id) != 0) continue;
    CommitPtr c(raw);
    for (unsigned p = 0; p < git_commit_parentcount(c.get()); ++p) {
      const git_oid* parent_id = git_commit_parent_id(c.get(), p);
      if (walked.count(*parent_id)) continue;
      git_commit* parent = nullptr;
      if (git_commit_lookup(&parent, repo, parent_id) != 0) continue;  // shallow clone
      CommitPtr owned_parent(parent);
      git_tree* tree = nullptr;
      if (git_commit_tree(&tree, parent) != 0) continue;
      TreePtr owned_tree(tree);
      collect_tree(repo, tree, "", -1, seen, nullptr);
    }
  }
  for (const auto& id : order) {
    git_commit* raw = nullptr;
    if (git_commit_lookup(&raw, repo, &id) != 0) continue;
    CommitPtr c(raw);
    const git_signature* a = git_commit_author(c.get());
    commits.push_back(CommitInfo{oid_hex(id),
                                 a ? std::string(a->name) + " <" + a->email + ">" : std::string(),
                                 a ? static_cast<std::int64_t>(a->when.time) : 0});
    git_tree* tree = nullptr;
    if (git_commit_tree(&tree, c.get()) != 0) continue;
    TreePtr owned_tree(tree);
    if (!seen.trees.insert(*git_tree_id(tree)).second) continue;
    collect_tree(repo, tree, "", static_cast<int>(commits.size() - 1), seen, &tasks);
  }

  ScanResult result;
  result.stats.commits = commits.size();
  filter_paths(matcher, tasks, result.stats);
  auto scanned =
      scan_blobs(matcher, git_repository_path(repo), tasks, commits, options.threads, result);
  if (!scanned) return scanned.error();
  result.stats.seconds = seconds_since(start);
  return result;
}

Result<ScanResult> scan_staged(const Matcher& matcher, const std::string& path, int threads) {
  const auto start = std::chrono::steady_clock::now();
  auto opened = open_repo(path);
  if (!opened) return opened.error();
  git_repository* repo = opened->get();

  git_index* raw_index = nullptr;
  if (git_repository_index(&raw_index, repo) != 0) return git_failure("cannot read the index");
  IndexPtr index(raw_index);

  TreePtr head_tree;  // none before the first commit: everything staged is new
  if (git_repository_head_unborn(repo) != 1) {
    git_object* obj = nullptr;
    if (git_revparse_single(&obj, repo, "HEAD^{tree}") != 0) return git_failure("cannot read HEAD");
    head_tree.reset(reinterpret_cast<git_tree*>(obj));
  }
  git_diff* raw_diff = nullptr;
  git_diff_options opts = GIT_DIFF_OPTIONS_INIT;
  if (git_diff_tree_to_index(&raw_diff, repo, head_tree.get(), index.get(), &opts) != 0) {
    return git_failure("cannot compare the index with HEAD");
  }
  DiffPtr diff(raw_diff);

  std::vector<BlobTask> tasks;
  OidSet seen;
  for (std::size_t i = 0; i < git_diff_num_deltas(diff.get()); ++i) {
    const git_diff_delta* d = git_diff_get_delta(diff.get(), i);
    if (d->status == GIT_DELTA_DELETED) continue;
    const auto mode = d->new_file.mode;
    if (mode != GIT_FILEMODE_BLOB && mode != GIT_FILEMODE_BLOB_EXECUTABLE) continue;
    if (!seen.insert(d->new_file.id).second) continue;
    tasks.push_back(BlobTask{d->new_file.id, d->new_file.path, -1});
  }
  ScanResult result;
  filter_paths(matcher, tasks, result.stats);
  auto scanned = scan_blobs(matcher, git_repository_path(repo), tasks, {}, threads, result);
  if (!scanned) return scanned.error();
  result.stats.seconds = seconds_since(start);
  return result;
}

}  // namespace gantry::scan
