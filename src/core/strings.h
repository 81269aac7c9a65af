// Small string helpers shared by modules. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace gantry {

std::string_view trim(std::string_view s);
std::vector<std::string> split(std::string_view s, char sep);
std::string join(const std::vector<std::string>& parts, std::string_view sep);
std::string to_lower(std::string_view s);
std::string to_upper(std::string_view s);

// Damerau-Levenshtein (optimal string alignment) distance.
std::size_t edit_distance(std::string_view a, std::string_view b);
// The candidate closest to `word` if it is close enough to be a likely typo, else "".
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);
// ", did you mean 'x'?" or "" — to append to an error message.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

// Splits a shell-like command line into words: quotes and backslashes as POSIX sh does for
// plain words (no expansion). Used to read start commands.
std::vector<std::string> split_command_line(std::string_view line);
// Quotes a word for display in a shell command line only when it needs it.
std::string shell_quote(std::string_view word);

// A value as shown in a message: in double quotes, on one line (\n escaped), cut to max_chars
// with "..." when longer (0 = no limit).
std::string quote_for_display(std::string_view value, std::size_t max_chars = 0);

// Percent-encodes every byte but the unreserved ones (ASCII letters, digits, - _ . ~) and
// those in also_plain ("/:" for a URI path): "a b/c" -> "a%20b%2Fc".
std::string percent_encode(std::string_view s, std::string_view also_plain = {});

// Shannon entropy in bits per character.
double shannon_entropy(std::string_view s);

// True when every byte is printable UTF-8 text (no NUL, few control characters).
bool looks_like_text(std::string_view data);

}  // namespace gantry
