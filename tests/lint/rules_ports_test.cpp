// port-conflict and port-privileged.
#include <gtest/gtest.h>

#include "lint/spec_builder.h"

namespace gantry::lint {
namespace {

using namespace testing;

TEST(LintPorts, FlagsTwoServicesOnOnePortNamingBothAndTheOtherLine) {
  auto s = make_spec();
  add_service(s, "api", 10, 8080);
  add_service(s, "web", 20, 8080);
  auto found = lint_rule(s, "port-conflict");
  ASSERT_EQ(found.size(), 1u);
  const auto& f = found[0];
  EXPECT_EQ(f.severity, Severity::Error);
  EXPECT_EQ(f.message, "services.api.port: 8080 is also used by services.web (gantry.yaml:22)");
  EXPECT_EQ(f.key_path, "services.api.port");
  EXPECT_EQ(f.where, (Location{"gantry.yaml", 12, 5}));
  ASSERT_EQ(f.related.size(), 1u);
  EXPECT_EQ(f.related[0], (Location{"gantry.yaml", 22, 5}));
  EXPECT_FALSE(f.hint.empty());
}

TEST(LintPorts, AcceptsServicesOnDifferentPorts) {
  auto s = make_spec();
  add_service(s, "api", 10, 8080);
  add_service(s, "web", 20, 8081);
  add_service(s, "worker", 30);
  EXPECT_TRUE(lint_rule(s, "port-conflict").empty());
}

TEST(LintPorts, FlagsAPortEqualToAnotherServicesHostPort) {
  auto s = make_spec();
  add_service(s, "api", 10, 8000);
  auto& cache = add_service(s, "cache", 20);
  cache.host_ports = {6379, 8000};
  at(s, "services.cache.host_ports.1", 23, 9);
  auto found = lint_rule(s, "port-conflict");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_NE(found[0].message.find("services.cache (host port) (gantry.yaml:23)"), std::string::npos)
      << found[0].message;
}

TEST(LintPorts, AllowsAServiceToPublishItsOwnPortAsAHostPort) {
  auto s = make_spec();
  auto& api = add_service(s, "api", 10, 8000);
  api.host_ports = {8000};
  EXPECT_TRUE(lint_rule(s, "port-conflict").empty());
}

TEST(LintPorts, WarnsAboutPrivilegedPorts) {
  auto s = make_spec();
  add_service(s, "web", 10, 80);
  auto found = lint_rule(s, "port-privileged");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].severity, Severity::Warning);
  EXPECT_NE(found[0].message.find("80"), std::string::npos);
}

TEST(LintPorts, DoesNotWarnFromPort1024Up) {
  auto s = make_spec();
  add_service(s, "web", 10, 1024);
  EXPECT_TRUE(lint_rule(s, "port-privileged").empty());
}

}  // namespace
}  // namespace gantry::lint
