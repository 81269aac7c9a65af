// SecretMask: every occurrence of every form, longest first, shared across threads.
#include "core/mask.h"

#include <gtest/gtest.h>

#include <thread>

namespace gantry {
namespace {

TEST(SecretMask, ReplacesEveryOccurrenceOfEveryForm) {
  SecretMask mask;
  mask.set({"abcd1234", "zz-top-secret"});
  EXPECT_EQ(mask.apply("a=abcd1234 b=zz-top-secret c=abcd1234!"), "a=*** b=*** c=***!");
  EXPECT_EQ(mask.apply("nothing here"), "nothing here");
}

TEST(SecretMask, LongerFormsWinWhereTwoOverlap) {
  SecretMask mask;
  mask.set({"secret", "secret-and-more"});
  EXPECT_EQ(mask.apply("x secret-and-more y secret"), "x *** y ***");
}

TEST(SecretMask, EmptyMaskLeavesTextAloneAndIgnoresEmptyForms) {
  SecretMask mask;
  EXPECT_TRUE(mask.empty());
  mask.set({"", ""});
  EXPECT_TRUE(mask.empty());
  std::string text = "plain";
  EXPECT_FALSE(mask.apply_in_place(text));
  EXPECT_EQ(text, "plain");
}

TEST(SecretMask, ApplyInPlaceSaysWhetherItReplaced) {
  SecretMask mask;
  mask.set({"k3y-value"});
  std::string text = "{\"error\":\"bad k3y-value\"}";
  EXPECT_TRUE(mask.apply_in_place(text));
  EXPECT_EQ(text, "{\"error\":\"bad ***\"}");
}

TEST(SecretMask, ReadersOnOtherThreadsSeeOneSnapshotOrTheOther) {
  SecretMask mask;
  mask.set({"first-value"});
  std::thread reader([&] {
    for (int i = 0; i < 2000; ++i) {
      const std::string out = mask.apply("first-value second-value");
      EXPECT_TRUE(out == "*** second-value" || out == "first-value ***") << out;
    }
  });
  for (int i = 0; i < 200; ++i) mask.set({i % 2 ? "first-value" : "second-value"});
  reader.join();
}

}  // namespace
}  // namespace gantry
