// GET / and /assets/<file>: the web dashboard's files, built into the binary by
// cmake/dashboard.cmake (docs/dashboard.md). Stateless over immutable data: any thread.
#include <string>

#include "api/dashboard/embedded_impl.h"
#include "api/routes_impl.h"

namespace gantry::api {

namespace {

// The page loads nothing but its own files: no inline script or style, no other origin, and
// it may not be framed (clickjacking of the promote / abort buttons).
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

std::string_view content_type_of(std::string_view name) {
  const auto dot = name.rfind('.');
  const std::string_view ext = dot == std::string_view::npos ? "" : name.substr(dot + 1);
  if (ext == "html") return "text/html; charset=utf-8";
  if (ext == "js") return "text/javascript; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "png") return "image/png";
  if (ext == "ico") return "image/x-icon";
  if (ext == "json") return "application/json";
  if (ext == "txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

const dashboard::EmbeddedFile* find_file(std::string_view name) {
  for (const auto& file : dashboard::embedded_files()) {
    if (file.name == name) return &file;
  }
  return nullptr;
}

}  // namespace

std::optional<HttpReply> serve_dashboard_asset(std::string_view path) {
  path = path.substr(0, path.find_first_of("?#"));
  std::string_view name;
  if (path == "/" || path == "/index.html") {
    name = "index.html";
  } else if (path.starts_with("/assets/")) {
    name = path.substr(8);
  } else {
    return std::nullopt;
  }
  // Files sit in one flat folder: a name with a slash (or "..") is none of them.
  if (name.empty() || name.find('/') != std::string_view::npos) return std::nullopt;
  const dashboard::EmbeddedFile* file = find_file(name);
  if (file == nullptr) return std::nullopt;

  HttpReply reply;
  reply.status = 200;
  reply.body.assign(reinterpret_cast<const char*>(file->data), file->size);
  reply.content_type = std::string(content_type_of(name));
  // The content's digest: the same bytes have the same tag in every build.
  reply.headers = {
      {"ETag", "\"" + std::string(file->sha256.substr(0, 32)) + "\""},
      // Revalidate every time: a new gantry binary brings new files under the same names.
      {"Cache-Control", "no-cache"},
      {"Content-Security-Policy", std::string(kContentSecurityPolicy)},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
  };
  return reply;
}

}  // namespace gantry::api
