#include "core/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <system_error>

#include "core/error.hpp"

namespace hamlet {

AtomicFile::AtomicFile(std::filesystem::path path, bool binary) : path_(std::move(path)) {
  tmp_ = path_;
  tmp_ += ".tmp." + std::to_string(::getpid());
  if (path_.has_parent_path() && !std::filesystem::exists(path_.parent_path()))
    throw Error(path_.string(), 0, "output directory does not exist");
  out_.open(tmp_, binary ? std::ios::out | std::ios::binary | std::ios::trunc
                         : std::ios::out | std::ios::trunc);
  if (!out_) throw Error(path_.string(), 0, "cannot open for writing");
}

AtomicFile::~AtomicFile() {
  if (!committed_) {
    out_.close();
    std::error_code ec;
    std::filesystem::remove(tmp_, ec);
  }
}

void AtomicFile::commit() {
  out_.flush();
  if (!out_) throw Error(path_.string(), 0, "write failed (disk full?)");
  out_.close();
  // fsync so that a crash after rename never exposes an empty file.
  int fd = ::open(tmp_.c_str(), O_RDONLY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
  std::error_code ec;
  std::filesystem::rename(tmp_, path_, ec);
  if (ec) throw Error(path_.string(), 0, "cannot rename temporary file: " + ec.message());
  committed_ = true;
}

void write_file_atomically(const std::filesystem::path& path, const std::string& content) {
  AtomicFile f(path);
  f.stream() << content;
  f.commit();
}

}  // namespace hamlet
