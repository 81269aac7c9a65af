// Internals shared by the scanner's .cpp files: the built-in rule families, the checks that
// confirm a candidate secret, path globs and fingerprints. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scan/scanner.h"

namespace gantry::scan::detail {

// The built-in rule families, joined by builtin_rules() in this order.
std::vector<Rule> cloud_rules();
std::vector<Rule> vcs_rules();
std::vector<Rule> service_rules();
std::vector<Rule> generic_rules();

// A rule whose whole match is a token with a literal prefix.
Rule token_rule(std::string id, std::string description, Severity severity, std::string pattern,
                std::vector<std::string> keywords, std::vector<std::string> tags,
                double min_entropy = 3.0);

// A rule for `NAME = value` where `name` (a regex, matched caseless) gives the context and
// `value` (a regex) is the secret: NAME, then up to 24 more name characters, an optional quote
// (and `]`, as in $config['key']), an optional type annotation (`: string`), one of
// = : := => ||= ??=, an optional fallback (`process.env.X || `), and an optional opening quote;
// or `"NAME", "value"` (setdefault, get with a default); or `NAME` at the end of a line and
// `value: ...` on the next (render.yaml env lists).
Rule assignment_rule(std::string id, std::string description, Severity severity, std::string name,
                     std::string value, std::vector<std::string> keywords,
                     std::vector<std::string> tags, double min_entropy = 3.0);

// The regex text assignment_rule() puts between a name and its value.
std::string_view assignment_operator();

// Checks beyond the pattern for a few built-in rules (Basic auth decodes to user:pass, a
// generic assignment is no code reference, a connection string password is no dev default).
// `after` is the text following the secret on its line. False: not a finding.
bool passes_rule_check(std::string_view rule_id, std::string_view secret, std::string_view after);

// Documentation example keys that are public and never valid (AKIAIOSFODNN7EXAMPLE, ...).
const std::vector<std::string>& known_example_secrets();

// A gitignore-style glob against a relative path with forward slashes: `*` and `?` stay in
// one path segment, `**` spans segments, a pattern without `/` matches the base name at any
// depth, a trailing `/` matches a folder and everything in it, a leading `/` anchors at root.
bool glob_match(std::string_view pattern, std::string_view path);

// The line holds an inline `gantry:allow` marker.
bool has_inline_allow(std::string_view line);

// Pattern text (pattern_text.cpp). A caseless rule's pattern lowercased outside escapes: the
// matcher confirms on a lowercased window, as std::regex::icase is ~10x slower.
std::string fold_pattern(std::string_view pattern);

// Every bounded repeat {m,n} widened to {m,}: what Hyperscan compiles (large bounded repeats make
// its compile slow); std::regex confirms with the exact bounds.
std::string widen_repeats(std::string_view pattern);

// Appends literals (2+ characters) one of which every match of `pattern` starts with; false
// when that cannot be read off the pattern. Confirmation runs std::regex only where one occurs:
// libstdc++'s regex_search tries every position, which costs most for rules that start with a
// long alternation of names.
bool leading_literals(std::string_view pattern, std::vector<std::string>& out);

// The literal an allowlist regex `^...$` stands for when it holds only literal and escaped
// characters (the documentation examples), so a string compare can replace it.
std::optional<std::string> exact_literal(std::string_view re);

// The compiled-rules cache (db_cache.cpp). One compiled pattern as the cache key sees it.
struct DbCacheEntry {
  std::string id;
  std::string pattern;  // as given to Hyperscan
  unsigned flags = 0;
};

// Hex hash of the entries in order, the Hyperscan version and this CPU's platform; "" on error.
std::string db_cache_key(const std::vector<DbCacheEntry>& entries);

// $XDG_CACHE_HOME/gantry/scan-<key>.hsdb (default ~/.cache/gantry); "" when GANTRY_SCAN_CACHE=off
// or there is no cache folder.
std::string db_cache_path(std::string_view key);

// The file's bytes; nullopt when it is missing or unreadable.
std::optional<std::string> db_cache_read(const std::string& path);

// Temp file (0600) + fsync + rename, creating the folder; false (and no file) on any failure.
bool db_cache_write(const std::string& path, std::string_view bytes);

// "rule_id:path:" + the first 16 hex digits of sha256(secret).
std::string fingerprint(std::string_view rule_id, std::string_view path, std::string_view secret);

}  // namespace gantry::scan::detail
