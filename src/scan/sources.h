// What the scanner reads: a directory tree (parallel, .gitignore-aware), a git repository's
// history, and the git index (staged changes). Each call is self-contained and thread-safe;
// it runs its own worker threads and shares only the immutable Matcher.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "scan/scanner.h"

namespace gantry::scan {

struct ScanStats {
  std::uint64_t files = 0;            // files (or blobs) whose contents were scanned
  std::uint64_t bytes = 0;            // bytes scanned
  std::uint64_t skipped_binary = 0;   // a NUL byte in the first 8 KiB, or a binary extension
  std::uint64_t skipped_large = 0;    // over ScanConfig::max_file_bytes
  std::uint64_t skipped_ignored = 0;  // .gitignore'd entries and allowlisted paths
  std::uint64_t commits = 0;          // git history: commits walked
  std::uint64_t blobs = 0;            // git scans: distinct blobs scanned (each once)
  double seconds = 0;                 // wall time of the whole scan

  double mb_per_second() const {
    return seconds > 0 ? static_cast<double>(bytes) / 1e6 / seconds : 0;
  }
};

struct ScanResult {
  std::vector<Finding> findings;  // sorted by path, line, column, rule id
  ScanStats stats;
};

struct TreeOptions {
  int threads = 0;        // 0 = std::thread::hardware_concurrency()
  bool gitignore = true;  // honour .gitignore files and .git/info/exclude
};

// Scans every regular file under root (or root itself when it is a file). Symlinks are not
// followed, .git/ is always skipped. Finding paths are relative to root, with forward slashes.
Result<ScanResult> scan_tree(const Matcher& matcher, const std::string& root,
                             const TreeOptions& options = {});

struct HistoryOptions {
  std::vector<std::string> revs;   // tips to walk from; empty = HEAD
  std::vector<std::string> since;  // commits reachable from these are not scanned
  bool all_refs = false;           // walk from every ref instead of `revs`
  bool since_remotes = false;      // also skip commits reachable from refs/remotes/*
  int threads = 0;                 // 0 = hardware_concurrency
};

// Scans every blob of every commit reachable from the tips (and not from `since`), each blob
// once. A finding names the oldest walked commit whose tree holds the blob, its author and
// time; a blob found at several paths is reported at the first. `repo` may be any folder
// inside the work tree.
Result<ScanResult> scan_git_history(const Matcher& matcher, const std::string& repo,
                                    const HistoryOptions& options = {});

// Scans what `git commit` would record: the blobs in the index that differ from HEAD.
Result<ScanResult> scan_staged(const Matcher& matcher, const std::string& repo, int threads = 0);

// True for file names whose extension marks them as binary (images, archives, objects, ...).
bool has_binary_extension(std::string_view path);

// Sorts findings by path, line, column, rule id: the order every report uses.
void sort_findings(std::vector<Finding>& findings);

}  // namespace gantry::scan
