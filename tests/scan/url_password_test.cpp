// Connection strings with inline passwords, in every scheme, and the ones that are not.
#include <gtest/gtest.h>

#include <string>

#include "scan/scan.h"

namespace gantry::scan {
namespace {

std::string password_in(const std::string& url) {
  auto d = find_url_password(url);
  return d ? url.substr(d->offset, d->length) : std::string();
}

TEST(ScanUrlPassword, FindsThePasswordInEveryScheme) {
  const std::string pw = std::string("s3cr3t") + "-Pa55";
  for (const char* scheme :
       {"postgresql", "postgres", "mysql", "mariadb", "mongodb", "mongodb+srv", "redis", "rediss",
        "amqp", "amqps", "http", "https", "sqlserver", "smtp"}) {
    const std::string url = std::string(scheme) + "://app:" + pw + "@db.internal:5432/app";
    EXPECT_EQ(password_in(url), pw) << url;
  }
}

TEST(ScanUrlPassword, ReportsTheRuleAndScheme) {
  auto d = find_url_password("postgresql://shop:Hunter2-x@db/shop");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->rule_id, "url-password");
  EXPECT_NE(d->description.find("postgresql"), std::string::npos);
  EXPECT_EQ(d->offset, 18u);
  EXPECT_EQ(d->length, 9u);
}

TEST(ScanUrlPassword, FindsPasswordsWithAtSignsAndEmptyUsers) {
  EXPECT_EQ(password_in("redis://:p4ssw0rd-x@cache:6379/0"), "p4ssw0rd-x");
  EXPECT_EQ(password_in("mysql://root:p@ss@db:3306/app"), "p@ss");
  EXPECT_EQ(password_in("jdbc:postgresql://u:Zq9-xw@db/app"), "Zq9-xw");
  EXPECT_EQ(password_in("DSN=\"mongodb+srv://u:Zq9xw7@c0.mongodb.net/db\" other"), "Zq9xw7");
}

TEST(ScanUrlPassword, FindsALiteralPasswordNextToAnInterpolatedHost) {
  EXPECT_EQ(password_in("postgresql://app:Zq9-xw7@${DB_HOST}/app"), "Zq9-xw7");
}

TEST(ScanUrlPassword, IgnoresUrlsWithoutAPassword) {
  for (const char* url :
       {"postgresql://db.internal:5432/app", "postgresql://app@db/app", "https://example.com",
        "https://example.com/path?email=a@b.c", "redis://cache:6379/0", "http://127.0.0.1:8080",
        "s3://bucket/key", "ftpx://u:pw1234@host/", "not a url", ""}) {
    EXPECT_FALSE(find_url_password(url)) << url;
  }
}

TEST(ScanUrlPassword, IgnoresReferencesAndPlaceholders) {
  for (const char* url :
       {"postgresql://app:${DB_PASSWORD}@db/app", "postgresql://app:$DB_PASSWORD@db/app",
        "postgresql://app:<password>@db/app", "postgresql://app:changeme@db/app",
        "postgresql://app:password@db/app", "postgresql://app:****@db/app",
        "postgresql://app:xxxx@db/app", "postgresql://app:@db/app",
        "mysql://user:your-password-here@db/app"}) {
    EXPECT_FALSE(find_url_password(url)) << url;
  }
}

}  // namespace
}  // namespace gantry::scan
