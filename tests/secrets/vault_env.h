// Shared by the vault tests: GANTRY_MASTER_KEY unset (or set) for one test, restored after.
#pragma once

#include <stdlib.h>

#include <optional>
#include <string>

namespace gantry::secrets::testing {

class ScopedMasterKeyEnv {
 public:
  explicit ScopedMasterKeyEnv(const std::optional<std::string>& value = std::nullopt) {
    if (const char* had = ::getenv("GANTRY_MASTER_KEY")) saved_ = had;
    if (value) {
      ::setenv("GANTRY_MASTER_KEY", value->c_str(), 1);
    } else {
      ::unsetenv("GANTRY_MASTER_KEY");
    }
  }
  ~ScopedMasterKeyEnv() {
    if (saved_) {
      ::setenv("GANTRY_MASTER_KEY", saved_->c_str(), 1);
    } else {
      ::unsetenv("GANTRY_MASTER_KEY");
    }
  }
  ScopedMasterKeyEnv(const ScopedMasterKeyEnv&) = delete;
  ScopedMasterKeyEnv& operator=(const ScopedMasterKeyEnv&) = delete;

 private:
  std::optional<std::string> saved_;
};

}  // namespace gantry::secrets::testing
