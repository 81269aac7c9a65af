// The conformance suite every Store backend must pass. A backend's test file instantiates
// it with INSTANTIATE_TEST_SUITE_P(Backend, StoreConformance, Values(factory)).
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "store/store.h"

namespace gantry::store::testing {

// Makes a fresh, empty store; `reopen` on the same factory opens the same database again.
struct StoreFactory {
  std::string name;
  std::function<std::unique_ptr<Store>(const std::string& dir)> open;
};

inline void PrintTo(const StoreFactory& f, std::ostream* os) { *os << f.name; }

class StoreConformance : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/gantry-store-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    store_ = GetParam().open(dir_);
    ASSERT_NE(store_, nullptr);
  }
  void TearDown() override {
    store_.reset();
    std::system(("rm -rf '" + dir_ + "'").c_str());
  }
  std::unique_ptr<Store> reopen() {
    store_.reset();
    return GetParam().open(dir_);
  }

  static Revision revision(const std::string& service, int number) {
    return Revision{service + "-r" + std::to_string(number),
                    service,
                    "production",
                    number,
                    "v" + std::to_string(number),
                    "{\"replicas\":2}",
                    "hash" + std::to_string(number),
                    1000 + number,
                    ""};
  }
  static Deployment deployment(const std::string& id, const Revision& rev) {
    Deployment d;
    d.id = id;
    d.service = rev.service;
    d.environment = rev.environment;
    d.revision_id = rev.id;
    d.strategy = "canary";
    d.version = rev.version;
    d.commit_sha = "abc123";
    d.triggered_by = "cli:test";
    d.started_at_ms = rev.created_at_ms;
    return d;
  }

  std::string dir_;
  std::unique_ptr<Store> store_;
};

}  // namespace gantry::store::testing
