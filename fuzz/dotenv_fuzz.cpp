// libFuzzer target for the dotenv parser: any bytes must give entries or one located error,
// never a crash, and the entries must keep the parser's promises.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "spec/dotenv.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = gantry::spec::parse_dotenv(text, "fuzz.env");
  if (!parsed) {
    // Every error points into the input.
    if (parsed.error().where.file != "fuzz.env" || parsed.error().where.line < 1) std::abort();
    return 0;
  }
  std::set<std::string> keys;
  int last_line = 0;
  for (const auto& entry : parsed->entries) {
    if (entry.key.empty() || !keys.insert(entry.key).second) std::abort();  // unique, non-empty
    if (entry.where.line < last_line) std::abort();                         // in file order
    last_line = entry.where.line;
    if (parsed->find(entry.key) != &entry) std::abort();
  }
  return 0;
}
