#include "core/file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace gantry {
namespace {

class FileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/gantry-file-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
  std::string write(const std::string& name, const std::string& content) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }
  std::string dir_;
};

TEST_F(FileTest, ReadsATextFile) {
  auto r = read_text_file(write("a.yaml", "project: x\n"));
  ASSERT_TRUE(r) << r.error().str();
  EXPECT_EQ(*r, "project: x\n");
}

TEST_F(FileTest, RefusesMissingFilesDirectoriesBinaryAndHugeFiles) {
  auto missing = read_text_file(dir_ + "/nope.yaml");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::NotFound);
  EXPECT_EQ(missing.error().str(), dir_ + "/nope.yaml: no such file");

  auto directory = read_text_file(dir_);
  ASSERT_FALSE(directory);
  EXPECT_NE(directory.error().message.find("is a directory"), std::string::npos);

  auto binary = read_text_file(write("b.bin", std::string("\x7f"
                                                          "ELF\0\0\0",
                                                          7)));
  ASSERT_FALSE(binary);
  EXPECT_NE(binary.error().message.find("binary"), std::string::npos);

  auto big = read_text_file(write("big.yaml", std::string(2048, 'a')), 1024);
  ASSERT_FALSE(big);
  EXPECT_NE(big.error().message.find("limit"), std::string::npos);
}

TEST_F(FileTest, WritesAtomicallyAndReplaces) {
  const std::string path = dir_ + "/out.yaml";
  ASSERT_TRUE(write_file_atomic(path, "one\n"));
  ASSERT_TRUE(write_file_atomic(path, "two\n"));
  EXPECT_EQ(*read_text_file(path), "two\n");
  auto bad = write_file_atomic(dir_ + "/no/such/dir/x", "x");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::Io);
}

}  // namespace
}  // namespace gantry
