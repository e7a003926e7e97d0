// ZIP layout: PKWARE APPNOTE 6.3 (local headers 4.3.7, central directory 4.3.12, ZIP64 end
// records 4.3.14-15, ZIP64 extra field 4.5.3). Method 0 (stored), no data descriptors.
#include "io/npz.hpp"

#include <algorithm>
#include <array>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "io/npy.hpp"

namespace hamlet::io {
namespace {

constexpr std::uint32_t kMax32 = 0xffffffffu;
constexpr std::uint16_t kDosDate1980 = (0 << 9) | (1 << 5) | 1;  // 1980-01-01: numpy ignores times

void put16(std::string& b, std::uint16_t v) {
  b += static_cast<char>(v & 0xff);
  b += static_cast<char>(v >> 8);
}
void put32(std::string& b, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b += static_cast<char>((v >> (8 * i)) & 0xff);
}
void put64(std::string& b, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) b += static_cast<char>((v >> (8 * i)) & 0xff);
}

struct Member {
  std::string name;
  std::uint32_t crc = 0;
  std::uint64_t size = 0, offset = 0;
};

}  // namespace

std::uint32_t crc32(const void* data, size_t n, std::uint32_t crc) {
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  crc = ~crc;
  const auto* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < n; ++i) crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
  return ~crc;
}

struct NpzWriter::Impl {
  AtomicFile file;
  bool always_zip64;
  std::uint64_t written = 0;
  std::vector<Member> members;
  Impl(std::filesystem::path path, bool z64) : file(std::move(path), /*binary=*/true), always_zip64(z64) {}
  void write(const std::string& bytes) {
    file.stream().write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    written += bytes.size();
  }
};

NpzWriter::NpzWriter(std::filesystem::path path, bool always_zip64)
    : impl_(std::make_unique<Impl>(std::move(path), always_zip64)) {}
NpzWriter::~NpzWriter() = default;

void NpzWriter::add_member(const std::string& name, const std::string& npy) {
  Member m{name + ".npy", crc32(npy.data(), npy.size()), npy.size(), impl_->written};
  if (m.name.size() > 0xffff) throw Error("npz member name too long: " + name);
  const bool zip64 = impl_->always_zip64 || m.size >= kMax32;
  std::string h;
  put32(h, 0x04034b50);
  put16(h, zip64 ? 45 : 20);  // version needed: 4.5 for ZIP64, else 2.0
  put16(h, 0);                // flags
  put16(h, 0);                // stored
  put16(h, 0);
  put16(h, kDosDate1980);
  put32(h, m.crc);
  put32(h, zip64 ? kMax32 : static_cast<std::uint32_t>(m.size));  // compressed size
  put32(h, zip64 ? kMax32 : static_cast<std::uint32_t>(m.size));  // uncompressed size
  put16(h, static_cast<std::uint16_t>(m.name.size()));
  put16(h, zip64 ? 20 : 0);
  h += m.name;
  if (zip64) {
    put16(h, 0x0001);
    put16(h, 16);
    put64(h, m.size);
    put64(h, m.size);
  }
  impl_->write(h);
  impl_->write(npy);
  impl_->members.push_back(std::move(m));
}

void NpzWriter::add(const std::string& name, const Eigen::MatrixXd& m) {
  const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rm = m;
  add_member(name, npy_bytes("<f8", {static_cast<size_t>(m.rows()), static_cast<size_t>(m.cols())}, rm.data(),
                             sizeof(double) * static_cast<size_t>(rm.size())));
}

void NpzWriter::add(const std::string& name, const Eigen::VectorXd& v) {
  add_member(name, npy_bytes("<f8", {static_cast<size_t>(v.size())}, v.data(),
                             sizeof(double) * static_cast<size_t>(v.size())));
}

void NpzWriter::add(const std::string& name, const std::vector<std::int32_t>& v) {
  add_member(name, npy_bytes("<i4", {v.size()}, v.data(), sizeof(std::int32_t) * v.size()));
}

void NpzWriter::add(const std::string& name, const std::vector<std::int64_t>& v) {
  add_member(name, npy_bytes("<i8", {v.size()}, v.data(), sizeof(std::int64_t) * v.size()));
}

void NpzWriter::add_text(const std::string& name, const std::string& ascii) {
  // numpy's '<U' strings are UTF-32LE code points.
  std::vector<std::uint32_t> points;
  for (unsigned char c : ascii) {
    if (c >= 0x80) throw Error("npz text member '" + name + "' must be ASCII");
    points.push_back(c);
  }
  const std::string descr = "<U" + std::to_string(std::max<size_t>(points.size(), 1));
  if (points.empty()) points.push_back(0);
  add_member(name, npy_bytes(descr, {}, points.data(), 4 * points.size()));
}

void NpzWriter::commit() {
  const std::uint64_t cd_offset = impl_->written;
  std::string cd;
  for (const Member& m : impl_->members) {
    const bool big_size = impl_->always_zip64 || m.size >= kMax32;
    const bool big_offset = impl_->always_zip64 || m.offset >= kMax32;
    std::string extra;
    if (big_size || big_offset) {  // the ZIP64 extra holds only the fields that overflowed
      std::string fields;
      if (big_size) {
        put64(fields, m.size);
        put64(fields, m.size);
      }
      if (big_offset) put64(fields, m.offset);
      put16(extra, 0x0001);
      put16(extra, static_cast<std::uint16_t>(fields.size()));
      extra += fields;
    }
    const std::uint16_t version = extra.empty() ? 20 : 45;
    put32(cd, 0x02014b50);
    put16(cd, version);  // made by (MS-DOS attributes)
    put16(cd, version);  // needed
    put16(cd, 0);
    put16(cd, 0);
    put16(cd, 0);
    put16(cd, kDosDate1980);
    put32(cd, m.crc);
    put32(cd, big_size ? kMax32 : static_cast<std::uint32_t>(m.size));
    put32(cd, big_size ? kMax32 : static_cast<std::uint32_t>(m.size));
    put16(cd, static_cast<std::uint16_t>(m.name.size()));
    put16(cd, static_cast<std::uint16_t>(extra.size()));
    put16(cd, 0);  // comment
    put16(cd, 0);  // disk
    put16(cd, 0);  // internal attributes
    put32(cd, 0);  // external attributes
    put32(cd, big_offset ? kMax32 : static_cast<std::uint32_t>(m.offset));
    cd += m.name;
    cd += extra;
  }
  impl_->write(cd);
  const std::uint64_t count = impl_->members.size();
  const bool zip64 = impl_->always_zip64 || count >= 0xffff || cd.size() >= kMax32 || cd_offset >= kMax32;
  std::string end;
  if (zip64) {
    const std::uint64_t record_offset = impl_->written;
    put32(end, 0x06064b50);  // ZIP64 end of central directory record
    put64(end, 44);          // size of the rest of the record
    put16(end, 45);
    put16(end, 45);
    put32(end, 0);
    put32(end, 0);
    put64(end, count);
    put64(end, count);
    put64(end, cd.size());
    put64(end, cd_offset);
    put32(end, 0x07064b50);  // ZIP64 end of central directory locator
    put32(end, 0);
    put64(end, record_offset);
    put32(end, 1);
  }
  put32(end, 0x06054b50);
  put16(end, 0);
  put16(end, 0);
  put16(end, zip64 ? 0xffff : static_cast<std::uint16_t>(count));
  put16(end, zip64 ? 0xffff : static_cast<std::uint16_t>(count));
  put32(end, zip64 ? kMax32 : static_cast<std::uint32_t>(cd.size()));
  put32(end, zip64 ? kMax32 : static_cast<std::uint32_t>(cd_offset));
  put16(end, 0);
  impl_->write(end);
  impl_->file.commit();
}

}  // namespace hamlet::io
