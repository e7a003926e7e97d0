#include "data/datagen_session.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <limits>

#include "core/error.hpp"
#include "data/dataset_writer.hpp"

namespace hamlet::data::detail {
namespace fs = std::filesystem;
namespace {

bool is_temporary(const fs::path& p) { return p.filename().string().find(".tmp.") != std::string::npos; }

// Leftovers of killed runs: temporary parts and temporary merged files. Safe under the lock.
void remove_stale_temporaries(const fs::path& output, const fs::path& parts) {
  const std::string prefix = output.filename().string() + ".tmp.";
  const fs::path dir = output.has_parent_path() ? output.parent_path() : fs::path(".");
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().starts_with(prefix)) fs::remove(e.path());
  for (const auto& e : fs::directory_iterator(parts))
    if (is_temporary(e.path())) fs::remove(e.path());
}

// Index of a finished part file "<index>.h5", if the name is one.
std::optional<std::int64_t> part_index(const fs::path& p) {
  const std::string name = p.filename().string();
  if (!name.ends_with(".h5") || is_temporary(p)) return std::nullopt;
  std::int64_t index = -1;
  auto [ptr, ec] = std::from_chars(name.data(), name.data() + name.size() - 3, index);
  if (ec != std::errc() || ptr != name.data() + name.size() - 3 || index < 0) return std::nullopt;
  return index;
}

// A stored entry must describe the same structure as the input, or indices no longer line up.
void check_same_structure(const Entry& e, const std::vector<Molecule>& molecules, const fs::path& where,
                          const fs::path& input) {
  auto fail = [&](const std::string& why) {
    throw Error(where.string(), 0,
                fmt::format("entry {} ({}) {} of {}: the input changed since this dataset was started; "
                            "use another --out",
                            e.index, e.source, why, input.string()));
  };
  if (e.index >= static_cast<std::int64_t>(molecules.size()))
    fail(fmt::format("is beyond the {} structures", molecules.size()));
  const Molecule& m = molecules[e.index];
  bool same = m.natoms() == e.natoms() && m.charge == e.charge && m.multiplicity == e.multiplicity;
  for (int a = 0; same && a < m.natoms(); ++a)
    same = m.atoms[a].Z == e.atomic_numbers[a] &&
           (m.atoms[a].position - e.positions.row(a).transpose()).norm() < 1e-8;
  if (!same) fail(fmt::format("differs from structure {}", e.index));
}

void check_settings(const DatasetReader& r, const DatasetMetadata& wanted) {
  const std::string diff = settings_difference(r.metadata(), wanted);
  if (!diff.empty())
    throw Error(r.path().string(), 0,
                "was generated with different settings (" + diff + "); use another --out or the same options");
}

}  // namespace

OutputLock::OutputLock(const fs::path& dir) : dir_(dir) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    if (fs::create_directories(dir)) {  // make the new folder's name durable, like the parts in it
      const fs::path parent = dir.has_parent_path() ? dir.parent_path() : fs::path(".");
      if (const int pfd = ::open(parent.c_str(), O_RDONLY | O_DIRECTORY); pfd >= 0) {
        ::fsync(pfd);
        ::close(pfd);
      }
    }
    fd_ = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
    if (fd_ < 0) throw Error(dir.string(), 0, "cannot open the parts folder");
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd_);
      fd_ = -1;
      throw Error(dir.string(), 0, "another hamlet datagen is writing this dataset (folder is locked)");
    }
    // The previous holder may have deleted the folder after we opened it: lock the live one.
    struct stat held {}, now {};
    if (::fstat(fd_, &held) == 0 && ::stat(dir.c_str(), &now) == 0 && held.st_ino == now.st_ino &&
        held.st_dev == now.st_dev)
      return;
    ::close(fd_);
    fd_ = -1;
  }
  throw Error(dir.string(), 0, "cannot lock the parts folder");
}

OutputLock::~OutputLock() {
  ::rmdir(dir_.c_str());  // only if empty: a run that stopped early leaves no trace
  if (fd_ >= 0) ::close(fd_);
}

DatagenSession::DatagenSession(const DatagenOptions& o) : options_(o), start_(std::chrono::steady_clock::now()) {
  molecules_ = read_structures(o.input);
  validate_structures(molecules_, o.settings);
  metadata_ = make_metadata(o.settings, molecules_);
  if (o.output.has_parent_path() && !fs::is_directory(o.output.parent_path()))
    throw Error(o.output.string(), 0, "output folder does not exist");
  if (fs::is_directory(o.output)) throw Error(o.output.string(), 0, "is a folder; --out names a file");

  parts_dir_ = parts_directory(o.output);
  lock_ = std::make_unique<OutputLock>(parts_dir_);
  remove_stale_temporaries(o.output, parts_dir_);
  std::vector<bool> done(molecules_.size(), false);
  if (fs::exists(o.output)) {
    existing_.emplace(o.output);
    check_settings(*existing_, metadata_);
    for (size_t i = 0; i < existing_->size(); ++i) {
      const Entry e = existing_->read(i, EntryParts::header);
      check_same_structure(e, molecules_, o.output, o.input);
      done[e.index] = true;
    }
  }
  for (const auto& file : fs::directory_iterator(parts_dir_)) {
    const auto index = part_index(file.path());
    if (!index) continue;
    if (*index < static_cast<std::int64_t>(molecules_.size()) && done[*index]) {
      fs::remove(file.path());  // merged before the previous run stopped
      continue;
    }
    std::optional<DatasetReader> part;
    try {
      part.emplace(file.path());
    } catch (const Error& e) {
      // Parts are renamed into place only when complete, so this is disk damage, not a crash.
      throw Error(std::string(e.what()) + " (delete this part file to recompute the structure)");
    }
    check_settings(*part, metadata_);
    if (part->size() != 1 || part->index(0) != *index)
      throw Error(file.path().string(), 0, "part file does not hold exactly entry " + std::to_string(*index));
    check_same_structure(part->read(0, EntryParts::header), molecules_, file.path(), o.input);
    done[*index] = true;
    parts_[*index] = file.path();
  }
  for (size_t i = 0; i < molecules_.size(); ++i)
    if (!done[i]) todo_.push_back(static_cast<std::int64_t>(i));
  summary_.total = molecules_.size();
  summary_.skipped = molecules_.size() - todo_.size();
  progress_ = std::make_unique<Progress>(todo_.size(), summary_.skipped, o.show_progress);
}

fs::path DatagenSession::part_path(std::int64_t index) const { return parts_dir_ / (entry_name(index) + ".h5"); }

void DatagenSession::finished(std::int64_t index, bool converged) {
  ++summary_.computed;
  if (!converged) ++summary_.not_converged;
  parts_[index] = part_path(index);
  progress_->advance();
}

void DatagenSession::failed(std::int64_t index, const std::string& cause) {
  const Molecule& m = molecules_.at(index);
  ++summary_.failed;
  summary_.failures.push_back(m.source + ": " + cause);
  progress_->note(fmt::format("structure {} ({}) failed: {}", index, m.source, cause));
  progress_->advance();
}

// New OUT = old OUT + finished parts, entries in index order, written beside OUT and renamed
// over it; only then are the parts deleted.
DatagenSummary DatagenSession::finish() {
  progress_->finish();
  if (!parts_.empty()) {
    DatasetMetadata meta = metadata_;
    if (existing_) meta.created = existing_->metadata().created;
    DatasetWriter writer(options_.output, meta);
    size_t next_existing = 0;
    auto copy_existing_below = [&](std::int64_t limit) {
      for (; existing_ && next_existing < existing_->size() && existing_->index(next_existing) < limit;
           ++next_existing)
        writer.copy_from(*existing_, next_existing);
    };
    for (const auto& [index, path] : parts_) {
      copy_existing_below(index);
      writer.copy_from(DatasetReader(path), 0);
    }
    copy_existing_below(std::numeric_limits<std::int64_t>::max());
    existing_.reset();  // release OUT before it is replaced
    writer.commit();
    for (const auto& [index, path] : parts_) fs::remove(path);
    parts_.clear();
  }
  summary_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  return summary_;
}

}  // namespace hamlet::data::detail
