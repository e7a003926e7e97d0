#include "data/export_npz.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "data/dataset_reader.hpp"
#include "data/dataset_writer.hpp"
#include "data/progress.hpp"
#include "io/npz.hpp"

namespace hamlet::data {

AoOrder export_order_from_name(const std::string& name) {
  if (name == "pyscf") return AoOrder::pyscf;
  if (name == "psi4") return AoOrder::psi4;
  if (name == "hamlet") return AoOrder::hamlet;
  throw Error("unknown AO order '" + name + "' (pyscf, psi4, hamlet)");
}

std::int64_t export_npz(const ExportOptions& o) {
  const DatasetReader reader(o.dataset);
  const auto& meta = reader.metadata();
  std::vector<size_t> positions;
  if (o.converged_only) {
    positions = reader.training_entries();
  } else {
    for (size_t i = 0; i < reader.size(); ++i) positions.push_back(i);
  }
  const char* order_name = o.order == AoOrder::pyscf ? "pyscf" : o.order == AoOrder::psi4 ? "psi4" : "hamlet";
  io::NpzWriter npz(o.npz);
  npz.add_text("ao_order", fmt::format("{}: {}", order_name,
                                       o.order == AoOrder::pyscf  ? "p = x,y,z; l>=2 m=-l..l"
                                       : o.order == AoOrder::psi4 ? "m = 0,+1,-1,+2,-2,... (p = z,x,y)"
                                                                  : "m = -l..l (p = y,z,x)"));
  npz.add_text("units", "atomic: bohr, hartree");
  npz.add_text("basis", meta.settings.basis);
  npz.add_text("method", meta.settings.method);
  npz.add_text("origin", meta.origin);
  std::vector<std::int64_t> indices;
  Progress progress(positions.size(), 0, o.show_progress);
  for (size_t i : positions) {
    const Entry e = reader.read(i);
    const BasisSet basis = reader.basis(e);
    const std::string key = entry_name(e.index) + "/";
    auto matrix = [&](const std::string& name, const Eigen::MatrixXd& m) {
      npz.add(key + name, to_ao_order(m, basis, o.order));
    };
    auto vector = [&](const std::string& name, const Eigen::VectorXd& v) { npz.add(key + name, v); };
    npz.add(key + "atomic_numbers", std::vector<std::int32_t>(e.atomic_numbers.begin(), e.atomic_numbers.end()));
    npz.add(key + "positions", Eigen::MatrixXd(e.positions));
    matrix("S", e.S);
    matrix("H_core", e.H_core);
    if (e.H_sap.size() > 0) matrix("H_sap", e.H_sap);
    matrix("D", e.density);
    if (e.restricted) {
      matrix("F", e.fock.at(0));
      vector("orbital_energies", e.orbital_energies.at(0));
    } else {
      const char* spin[2] = {"_alpha", "_beta"};
      for (int s = 0; s < 2; ++s) {
        matrix(std::string("F") + spin[s], e.fock.at(s));
        matrix(std::string("D") + spin[s], e.spin_density.at(s));
        vector(std::string("orbital_energies") + spin[s], e.orbital_energies.at(s));
      }
    }
    vector("energy", Eigen::VectorXd::Constant(1, e.energy));
    npz.add(key + "converged", std::vector<std::int32_t>{e.converged ? 1 : 0});
    indices.push_back(e.index);
    progress.advance();
  }
  npz.add("index", indices);
  npz.commit();
  progress.finish();
  return static_cast<std::int64_t>(indices.size());
}

}  // namespace hamlet::data
