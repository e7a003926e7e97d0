#include "data/datagen.hpp"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <thread>

#include "basis/basis_library.hpp"
#include "chem/xyz.hpp"
#include "core/error.hpp"
#include "data/datagen_session.hpp"
#include "data/dataset_writer.hpp"
#include "scf/kohn_sham.hpp"
#include "xc/functional.hpp"

namespace hamlet::data {
namespace fs = std::filesystem;
namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

namespace detail {

DatagenSummary run_with_threads(const DatagenOptions& o) {
  DatagenSession session(o);
  const auto& todo = session.todo();
  const int jobs = std::max(1, std::min<int>(o.jobs, static_cast<int>(std::max<size_t>(todo.size(), 1))));
  const int threads = o.threads > 0 ? o.threads : omp_get_max_threads();
  const int threads_per_job = std::max(1, threads / jobs);
  std::mutex mutex;  // guards session and fatal
  std::exception_ptr fatal;
  std::atomic<size_t> next{0};
  std::atomic<bool> stop{false};

  auto worker = [&] {
    omp_set_num_threads(threads_per_job);  // this thread's OpenMP teams only
    for (size_t k; !stop && (k = next++) < todo.size();) {
      const std::int64_t index = todo[k];
      const auto start = std::chrono::steady_clock::now();
      std::optional<scf::ScfRun> run;
      try {
        run = scf::run_scf(session.molecules()[index], o.settings);
      } catch (const std::exception& e) {
        std::lock_guard lock(mutex);
        session.failed(index, e.what());
        continue;
      }
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      try {
        write_single_entry_dataset(session.part_path(index), session.metadata(),
                                   make_entry(*run, index, o.settings.method, seconds));
      } catch (...) {  // cannot store results (disk full?): stop, keep what is stored
        std::lock_guard lock(mutex);
        if (!fatal) fatal = std::current_exception();
        stop = true;
        return;
      }
      std::lock_guard lock(mutex);
      session.finished(index, run->result.converged);
    }
  };
  std::vector<std::thread> pool;
  for (int j = 0; j < jobs; ++j) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  if (fatal) std::rethrow_exception(fatal);
  return session.finish();
}

}  // namespace detail

fs::path parts_directory(const fs::path& output) {
  fs::path p = output;
  p += ".parts";
  return p;
}

std::vector<Molecule> read_structures(const fs::path& input) {
  if (fs::is_regular_file(input)) return read_xyz_frames(input);
  if (!fs::is_directory(input)) throw Error(input.string(), 0, "no such file or folder");
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(input))
    if (e.is_regular_file() && lower(e.path().extension().string()) == ".xyz") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  if (files.empty()) throw Error(input.string(), 0, "folder holds no .xyz files");
  std::vector<Molecule> all;
  for (const auto& f : files) {
    auto frames = read_xyz_frames(f);
    all.insert(all.end(), std::make_move_iterator(frames.begin()), std::make_move_iterator(frames.end()));
  }
  return all;
}

void validate_structures(const std::vector<Molecule>& molecules, const scf::ScfSettings& settings) {
  const std::string method = lower(settings.method);
  if (method != "hf" && xc::Functional::from_name(method).exact_exchange().range_separated())
    throw Error("method '" + settings.method + "' is range-separated; not supported yet");
  const std::string guess = lower(settings.guess);
  if (guess != "sap" && guess != "core") throw Error("unknown guess '" + settings.guess + "' (core, sap)");
  scf::check_sap_method(lower(settings.sap_method));
  const std::string aux = settings.auxiliary_basis.empty() ? default_jkfit_basis(settings.basis)
                                                          : settings.auxiliary_basis;
  for (const auto& m : molecules) {
    try {
      m.check_spin();
      make_basis(m, basis_library(settings.basis));
      if (settings.density_fitting) make_basis(m, basis_library(aux));
    } catch (const Error& e) {
      throw Error(m.source + ": " + e.what());
    }
  }
}

DatagenSummary run_datagen(const DatagenOptions& o) {
#ifdef HAMLET_WITH_MPI
  if (detail::launched_by_mpirun()) return detail::run_with_mpi(o);
#endif
  return detail::run_with_threads(o);
}

}  // namespace hamlet::data
