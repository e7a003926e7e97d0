#include "model/training_domain.hpp"

#include <algorithm>
#include <limits>
#include <string>

#include "core/elements.hpp"
#include "core/error.hpp"

namespace hamlet::model {
namespace {

void check_shapes(const std::vector<int>& Z, const Eigen::Matrix<double, Eigen::Dynamic, 3>& positions,
                  const std::vector<int>& ao, const Eigen::MatrixXd& correction) {
  const size_t n = Z.size();
  if (static_cast<size_t>(positions.rows()) != n || ao.size() != n + 1 || correction.rows() != ao.back() ||
      correction.cols() != ao.back())
    throw Error("training domain: atoms, positions, AO offsets and matrix do not match");
}

// Calls visit(a, b, norm) for every on-site block (a == b) and every off-site block a < b
// within the cutoff.
template <class Visit>
void for_each_block(double cutoff, const std::vector<int>& Z, const Eigen::Matrix<double, Eigen::Dynamic, 3>& pos,
                    const std::vector<int>& ao, const Eigen::MatrixXd& M, Visit visit) {
  const int n = static_cast<int>(Z.size());
  for (int a = 0; a < n; ++a)
    for (int b = a; b < n; ++b) {
      if (a != b && (pos.row(a) - pos.row(b)).norm() > cutoff) continue;
      visit(a, b, M.block(ao[a], ao[b], ao[a + 1] - ao[a], ao[b + 1] - ao[b]).norm());
    }
}

std::pair<int, int> ordered(int za, int zb) { return {std::min(za, zb), std::max(za, zb)}; }

}  // namespace

void TrainingDomain::add(const std::vector<int>& Z, const Eigen::Matrix<double, Eigen::Dynamic, 3>& positions,
                         const std::vector<int>& ao, const Eigen::MatrixXd& correction) {
  check_shapes(Z, positions, ao, correction);
  for_each_block(cutoff, Z, positions, ao, correction, [&](int a, int b, double norm) {
    double& bound = a == b ? onsite[Z[a]] : offsite[ordered(Z[a], Z[b])];
    bound = std::max(bound, norm);
  });
}

Extrapolation extrapolation(const TrainingDomain& domain, const std::vector<int>& Z,
                            const Eigen::Matrix<double, Eigen::Dynamic, 3>& positions, const std::vector<int>& ao,
                            const Eigen::MatrixXd& correction) {
  Extrapolation worst;
  if (domain.empty()) return worst;
  check_shapes(Z, positions, ao, correction);
  for_each_block(domain.cutoff, Z, positions, ao, correction, [&](int a, int b, double norm) {
    double bound = 0.0;
    if (a == b) {
      const auto it = domain.onsite.find(Z[a]);
      if (it == domain.onsite.end()) return;
      bound = it->second;
    } else {
      const auto it = domain.offsite.find(ordered(Z[a], Z[b]));
      if (it == domain.offsite.end()) return;
      bound = it->second;
    }
    // A zero bound (an always-zero block) is exceeded by any nonzero prediction.
    const double ratio = bound > 0.0 ? norm / bound : (norm > 0.0 ? std::numeric_limits<double>::infinity() : 0.0);
    if (ratio <= worst.ratio) return;
    worst.ratio = ratio;
    worst.block = a == b ? "atom " + std::to_string(a + 1) + " (" + std::string(element_symbol(Z[a])) + ")"
                         : "atoms " + std::to_string(a + 1) + "-" + std::to_string(b + 1) + " (" +
                               std::string(element_symbol(Z[a])) + "-" + std::string(element_symbol(Z[b])) + ")";
  });
  return worst;
}

Extrapolation extrapolation(const TrainingDomain& domain, const Molecule& molecule,
                            const std::vector<int>& atom_ao_begin, const Eigen::MatrixXd& F,
                            const Eigen::MatrixXd& H_sap) {
  if (domain.empty()) return {};
  std::vector<int> Z;
  Eigen::Matrix<double, Eigen::Dynamic, 3> positions(molecule.natoms(), 3);
  for (int i = 0; i < molecule.natoms(); ++i) {
    Z.push_back(molecule.atoms[i].Z);
    positions.row(i) = molecule.atoms[i].position.transpose();
  }
  if (domain.relative_to_sap && H_sap.size() == 0) return {};  // cannot judge without H_SAP
  return extrapolation(domain, Z, positions, atom_ao_begin,
                       domain.relative_to_sap ? Eigen::MatrixXd(F - H_sap) : F);
}

nlohmann::json training_domain_to_json(const TrainingDomain& d) {
  nlohmann::json on = nlohmann::json::object(), off = nlohmann::json::object();
  for (const auto& [z, bound] : d.onsite) on[std::to_string(z)] = bound;
  for (const auto& [zz, bound] : d.offsite) off[std::to_string(zz.first) + "-" + std::to_string(zz.second)] = bound;
  return {{"cutoff_bohr", d.cutoff},
          {"relative_to", d.relative_to_sap ? "F - H_SAP" : "F"},
          {"onsite", on},
          {"offsite", off}};
}

TrainingDomain training_domain_from_json(const nlohmann::json& j) {
  TrainingDomain d;
  d.cutoff = j.at("cutoff_bohr").get<double>();
  const std::string relative = j.at("relative_to").get<std::string>();
  if (relative != "F - H_SAP" && relative != "F")
    throw Error("training domain: relative_to must be 'F - H_SAP' or 'F', not '" + relative + "'");
  d.relative_to_sap = relative == "F - H_SAP";
  for (const auto& [key, value] : j.at("onsite").items()) d.onsite[std::stoi(key)] = value.get<double>();
  for (const auto& [key, value] : j.at("offsite").items()) {
    const auto dash = key.find('-');
    if (dash == std::string::npos) throw Error("training domain: element pair '" + key + "' is not 'Za-Zb'");
    d.offsite[ordered(std::stoi(key.substr(0, dash)), std::stoi(key.substr(dash + 1)))] = value.get<double>();
  }
  return d;
}

}  // namespace hamlet::model
