// The secret scanner's public interface: rules, configuration (.gantry-scan.toml), the compiled
// multi-pattern matcher, findings, and the walkers that feed it (a directory tree, git history,
// the git index). A compiled Matcher is immutable and shared by threads; each thread scans with
// its own Scratch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace gantry::scan {

enum class Severity { Low, Medium, High, Critical };
std::string_view severity_name(Severity severity);  // "low" | "medium" | "high" | "critical"
std::optional<Severity> parse_severity(std::string_view text);

// One detection rule. `pattern` is written in the regex subset that both Hyperscan and
// std::regex (ECMAScript) accept: no backreferences, no lookaround, no possessive quantifiers.
struct Rule {
  std::string id;           // stable, kebab-case: "aws-access-key-id"
  std::string description;  // "AWS access key ID"
  Severity severity = Severity::High;
  std::string pattern;
  bool caseless = false;
  int secret_group = 0;               // capture group holding the secret (0 = the whole match)
  std::vector<std::string> keywords;  // lowercase literals; a file without one skips the rule
  double min_entropy = 0;             // Shannon bits per char the secret needs; 0 = no check
  std::vector<std::string> allow;     // regexes on the secret: a match is not a finding
  std::vector<std::string> tags;      // "cloud", "vcs", "chat", "payment", "ai", "key", ...
};

// The rules gantry ships (at least 60), in a stable order.
const std::vector<Rule>& builtin_rules();

// What is never a finding, whatever the rule.
struct Allowlist {
  std::vector<std::string> paths;      // gitignore-style globs: "tests/fixtures/**", "*.lock"
  std::vector<std::string> values;     // regexes on the secret
  std::vector<std::string> stopwords;  // a secret containing one (case-insensitive) is allowed
};

struct ScanConfig {
  std::vector<Rule> rules;  // builtin_rules() plus custom ones, minus disabled ones
  Allowlist allowlist;
  std::uint64_t max_file_bytes = 50ull * 1024 * 1024;  // larger files are skipped (and counted)
  std::string source;  // the .gantry-scan.toml it came from, "" for the defaults
};

// The built-in rules and allowlist.
ScanConfig default_config();

// Reads a .gantry-scan.toml on top of the defaults: [[rules]] (custom rules), disable = [ids],
// [allowlist] paths / regexes / stopwords, [[rules.allowlist]]-style per-rule allows. Errors
// carry file:line:col and say what would be valid.
Result<ScanConfig> load_config(const std::string& toml_path);

struct Finding {
  std::string rule_id;
  std::string description;
  Severity severity = Severity::High;
  std::string path;         // relative to the scan root (or the repository for git scans)
  int line = 0;             // 1-based
  int column = 0;           // 1-based, of the secret's first byte
  std::size_t offset = 0;   // of the secret within the scanned buffer
  std::size_t length = 0;   // of the secret
  std::string secret;       // in memory only: every output shows redact(secret) instead
  std::string fingerprint;  // "rule_id:path:sha256(secret)[0..16)": stable across line moves
  double entropy = 0;
  // Git history and staged scans only.
  std::string commit;            // the first commit (oldest) whose tree holds the blob
  std::string author;            // "Name <email>"
  std::int64_t commit_time = 0;  // seconds since the epoch
};

// All rules compiled into one Hyperscan database: a single pass finds candidates, confirmation
// (capture of the secret, entropy, placeholders, allowlists, inline `gantry:allow`) runs only
// on hits.
class Matcher {
 public:
  class Scratch;  // per-thread matching state
  static Result<std::shared_ptr<const Matcher>> compile(const ScanConfig& config);
  virtual ~Matcher() = default;

  virtual std::unique_ptr<Scratch, void (*)(Scratch*)> make_scratch() const = 0;

  // Appends the findings in `data` (the contents of `path`) to `out`, in offset order.
  virtual void scan(std::string_view data, std::string_view path, Scratch& scratch,
                    std::vector<Finding>& out) const = 0;

  // True when the path is allowlisted by the configuration.
  virtual bool path_allowed(std::string_view path) const = 0;

  virtual const ScanConfig& config() const = 0;

  // True when compile() loaded the Hyperscan database from the compiled-rules cache
  // ($XDG_CACHE_HOME/gantry/scan-<key>.hsdb) instead of compiling it.
  virtual bool from_cache() const { return false; }
};

// Shannon entropy of s in bits per character.
double shannon_entropy(std::string_view s);

}  // namespace gantry::scan
