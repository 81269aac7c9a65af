// .gitignore semantics for the tree walker (internal to src/scan): glob matching with `**`,
// one ignore file's patterns, and the chain of files that apply in a folder. Immutable after
// construction; shared read-only by the walker threads.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gantry::scan {

// Matches a gitignore glob against a slash-separated path: `*` and `?` never match `/`,
// `[a-z]` / `[!a-z]` classes, `\` escapes, `**/` = zero or more folders, a trailing `/**` =
// everything inside, `**` elsewhere = `*`.
bool glob_match(std::string_view pattern, std::string_view path);

struct IgnorePattern {
  std::string glob;       // without the leading `!`, leading `/` and trailing `/`
  bool negated = false;   // `!pattern`: re-includes
  bool dir_only = false;  // `pattern/`: matches folders only
  bool anchored = false;  // contains a `/`: relative to the ignore file's folder
};

// The patterns of one .gitignore (or .git/info/exclude) living in folder `base`.
class IgnoreFile {
 public:
  // base: the folder relative to the scan root, "" for the root itself, "a/b" otherwise.
  static IgnoreFile parse(std::string_view text, std::string base = "");

  // The last pattern matching rel_path (relative to the scan root) decides: true = ignored,
  // false = re-included by `!`; nullopt when no pattern matches or the path is outside base.
  std::optional<bool> decide(std::string_view rel_path, bool is_dir) const;

  bool empty() const { return patterns_.empty(); }
  const std::vector<IgnorePattern>& patterns() const { return patterns_; }

 private:
  std::string base_;
  std::vector<IgnorePattern> patterns_;
};

// The ignore files that apply inside one folder: its own, then its parents' up to the root
// (and .git/info/exclude below the root's). The deepest file with a matching pattern wins.
class IgnoreChain {
 public:
  IgnoreChain(std::shared_ptr<const IgnoreChain> parent, IgnoreFile file)
      : parent_(std::move(parent)), file_(std::move(file)) {}

  bool ignored(std::string_view rel_path, bool is_dir) const;

 private:
  std::shared_ptr<const IgnoreChain> parent_;
  IgnoreFile file_;
};

}  // namespace gantry::scan
