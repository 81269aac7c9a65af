// serve_dashboard_asset: the dashboard's files built into the binary, their headers, and that
// the built-in copy is the one in src/api/dashboard (so editing a file rebuilds it).
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "api/routes_impl.h"

namespace gantry::api {
namespace {

std::string header(const HttpReply& reply, const std::string& name) {
  for (const auto& [k, v] : reply.headers) {
    if (k == name) return v;
  }
  return "";
}

std::string source_file(const std::string& name) {
  std::ifstream in(std::string(GANTRY_SOURCE_DIR) + "/src/api/dashboard/" + name, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

TEST(DashboardRoute, ServesTheIndexAtTheRootAndByName) {
  for (const char* path : {"/", "/index.html", "/?x=1"}) {
    auto reply = serve_dashboard_asset(path);
    ASSERT_TRUE(reply) << path;
    EXPECT_EQ(reply->status, 200);
    EXPECT_EQ(reply->content_type, "text/html; charset=utf-8");
    EXPECT_EQ(reply->body, source_file("index.html"));
  }
}

TEST(DashboardRoute, ServesEachAssetWithItsContentType) {
  const std::pair<const char*, const char*> files[] = {
      {"app.js", "text/javascript; charset=utf-8"},
      {"charts.js", "text/javascript; charset=utf-8"},
      {"style.css", "text/css; charset=utf-8"},
      {"favicon.svg", "image/svg+xml"},
  };
  for (const auto& [name, type] : files) {
    auto reply = serve_dashboard_asset(std::string("/assets/") + name);
    ASSERT_TRUE(reply) << name;
    EXPECT_EQ(reply->content_type, type) << name;
    EXPECT_EQ(reply->body, source_file(name)) << name << ": the binary has a stale copy";
  }
}

TEST(DashboardRoute, SetsCachingAndSecurityHeaders) {
  auto reply = serve_dashboard_asset("/assets/app.js");
  ASSERT_TRUE(reply);
  EXPECT_EQ(header(*reply, "Cache-Control"), "no-cache");
  EXPECT_EQ(header(*reply, "X-Content-Type-Options"), "nosniff");
  const std::string csp = header(*reply, "Content-Security-Policy");
  EXPECT_EQ(csp.rfind("default-src 'self'", 0), 0u) << csp;
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << csp;
  const std::string etag = header(*reply, "ETag");
  EXPECT_TRUE(std::regex_match(etag, std::regex("\"[0-9a-f]{32}\""))) << etag;
}

TEST(DashboardRoute, EtagChangesWithTheContentOnly) {
  auto a = serve_dashboard_asset("/assets/app.js");
  auto again = serve_dashboard_asset("/assets/app.js");
  auto b = serve_dashboard_asset("/assets/style.css");
  ASSERT_TRUE(a && again && b);
  EXPECT_EQ(header(*a, "ETag"), header(*again, "ETag"));
  EXPECT_NE(header(*a, "ETag"), header(*b, "ETag"));
}

TEST(DashboardRoute, AnswersNothingForOtherPaths) {
  for (const char* path :
       {"/v1/status", "/metrics", "/assets/", "/assets/nope.js", "/assets/../index.html",
        "/assets/sub/app.js", "/assets/embedded_impl.h", "/index.htm", "", "/app.js"}) {
    EXPECT_FALSE(serve_dashboard_asset(path)) << path;
  }
}

// The CSP forbids inline scripts: the page must load everything it uses from /assets/.
TEST(DashboardRoute, PageReferencesOnlyServedFilesAndNoInlineScript) {
  const std::string index = serve_dashboard_asset("/")->body;
  const std::regex script_tag("<script([^>]*)>([^<]*)</script>");
  int scripts = 0;
  for (std::sregex_iterator it(index.begin(), index.end(), script_tag), end; it != end; ++it) {
    ++scripts;
    EXPECT_NE((*it)[1].str().find("src="), std::string::npos) << "inline script: " << it->str();
    EXPECT_TRUE((*it)[2].str().empty()) << it->str();
  }
  EXPECT_GE(scripts, 1);
  EXPECT_EQ(index.find(" style=\""), std::string::npos) << "inline styles are refused by the CSP";
  EXPECT_FALSE(std::regex_search(index, std::regex("\\son[a-z]+=\""))) << "inline handler";
  std::set<std::string> referenced;
  const std::regex asset_ref("(?:src|href)=\"(/assets/[^\"]+)\"");
  for (std::sregex_iterator it(index.begin(), index.end(), asset_ref), end; it != end; ++it) {
    referenced.insert((*it)[1]);
  }
  // ES module imports between the scripts: import ... from './x.js'
  const std::regex import_ref("from '\\./([a-z_]+\\.js)'");
  for (const char* js : {"app.js", "views.js", "charts.js", "api.js", "format.js"}) {
    const std::string text = serve_dashboard_asset(std::string("/assets/") + js)->body;
    for (std::sregex_iterator it(text.begin(), text.end(), import_ref), end; it != end; ++it) {
      referenced.insert("/assets/" + (*it)[1].str());
    }
  }
  EXPECT_GE(referenced.size(), 5u);
  for (const auto& path : referenced) EXPECT_TRUE(serve_dashboard_asset(path)) << path;
}

}  // namespace
}  // namespace gantry::api
