// High-entropy literals: generated secrets fire; identifiers, hosts, paths, words do not.
#include <gtest/gtest.h>

#include <string>

#include "scan/scan.h"

namespace gantry::scan {
namespace {

TEST(ScanEntropy, FlagsGeneratedSecrets) {
  for (std::string s :
       {std::string("q8Zt") + "Lw3vN9xKp2Rb7YcE",
        std::string("a9f3c2e1") + "7b4d6e8f0a1c3e5b7d9f1a2c",
        std::string("Zm9vYmFy") + "LzEyMz0rQWJj/x", std::string("k3j5h6g7") + "f8d9s0a1q2w3",
        std::string("wJalrXUtnF") + "EMI/K7MDENG/bPxRfiCYzQ1KEY8",
        std::string("3Fz_-9aQ") + "x7LmP2vR0k"}) {
    EXPECT_TRUE(is_high_entropy(s)) << s;
  }
}

// Decision: UUIDs count. Several providers issue UUID-shaped API keys (Heroku, Sentry
// DSN keys, many internal services); lint only asks about values under secret-like names.
TEST(ScanEntropy, CountsUuidsAsHighEntropy) {
  EXPECT_TRUE(is_high_entropy(std::string("9b9947b9-3f17-40a8-") + "bdd7-cceac2ef609d"));
}

TEST(ScanEntropy, IgnoresRealisticNonSecrets) {
  for (const char* s : {"true",
                        "false",
                        "8080",
                        "1234567890123456789",
                        "info",
                        "production-us-east-1",
                        "k8s-cluster-prod-01",
                        "postgres-primary.internal",
                        "https://api.example.com/v1/token",
                        "/run/secrets/db_password",
                        "./config/production.yaml",
                        "ghcr.io/acme/api:v1.2.3",
                        "2023-10-05T12:00:00Z",
                        "registry.example.com:5000",
                        "MyCompanyName2023",
                        "application/json",
                        "correcthorsebatterystaple",
                        "my-super-secret-password",
                        "DEBUG,INFO,WARNING",
                        "eu-west-1.compute.internal",
                        "a b c d e f g h i j k l m n",
                        "X-Auth-Token-Header",
                        "changeme-changeme-123",
                        "xxxxxxxxxxxxxxxxxxxx",
                        ""}) {
    EXPECT_FALSE(is_high_entropy(s)) << s;
  }
}

TEST(ScanEntropy, NeedsSixteenCharacters) {
  EXPECT_FALSE(is_high_entropy("q8ZtLw3vN9xKp2R"));
  EXPECT_TRUE(is_high_entropy(std::string("q8ZtLw3v") + "N9xKp2Rb"));
}

}  // namespace
}  // namespace gantry::scan
