// Masking: replaces every occurrence of any of a set of strings (the live secret values and
// their encoded forms) with "***". Thread-safe: set() swaps an immutable snapshot that apply()
// reads under a short lock, so the daemon's threads share one SecretMask.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace gantry {

class SecretMask {
 public:
  static constexpr std::string_view kReplacement = "***";

  // Replaces the set of strings to hide (empty strings are ignored).
  void set(std::vector<std::string> forms);
  // The text with every listed string replaced; longer strings win where two overlap.
  std::string apply(std::string_view text) const;
  // Masks in place; returns true when anything was replaced.
  bool apply_in_place(std::string& text) const;
  bool empty() const;
  std::vector<std::string> forms() const;  // a copy, longest first

 private:
  struct Snapshot {
    std::vector<std::string> forms;  // longest first
  };
  std::shared_ptr<const Snapshot> snapshot() const;
  mutable std::mutex mutex_;
  std::shared_ptr<const Snapshot> snapshot_ = std::make_shared<Snapshot>();
};

// Masks text with one list of forms (longest first), without a SecretMask.
std::string mask_text(std::string_view text, const std::vector<std::string>& forms);

}  // namespace gantry
