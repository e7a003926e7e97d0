#pragma once
// Shared by the import and export tests: two small molecules with HF/def2-SVP SCF results, and
// QH9 / MD17 files holding their Fock matrices (formats: public_formats.hpp).
#include "core/units.hpp"
#include "public_formats.hpp"
#include "scf/driver.hpp"

namespace hamlet::test {

struct Reference {
  std::vector<int> Z;
  std::vector<double> pos_angstrom;
  scf::ScfRun run;  // HF/def2-SVP, SAP guess at grid level 2 (the importer's default)
};

// Water and ammonia (N: negative contraction coefficients in def2-SVP, as in PySCF and Psi4).
inline const std::vector<Reference>& references() {
  static const std::vector<Reference> refs = [] {
    std::vector<Reference> out;
    const std::vector<std::pair<std::vector<int>, std::vector<double>>> mols = {
        {{8, 1, 1}, {0, 0, 0.117790, 0, 0.755453, -0.471161, 0, -0.755453, -0.471161}},
        {{7, 1, 1, 1}, {0, 0, 0.1, 0, 0.94, -0.27, 0.814, -0.47, -0.27, -0.814, -0.47, -0.27}}};
    for (const auto& [Z, pos] : mols) {
      Molecule mol;
      for (size_t a = 0; a < Z.size(); ++a)
        mol.atoms.push_back({Z[a], Eigen::Vector3d(pos[3 * a], pos[3 * a + 1], pos[3 * a + 2]) * units::kAngstromToBohr});
      scf::ScfSettings settings;
      settings.basis = "def2-svp";
      settings.method = "hf";
      out.push_back({Z, pos, scf::run_scf(mol, settings)});
    }
    return out;
  }();
  return refs;
}

inline void write_qh9(const std::filesystem::path& file, bool dynamic) {
  TestDb db(file);
  create_qh9_table(db, dynamic);
  std::int64_t id = 17;
  for (const auto& r : references()) {
    const Eigen::MatrixXd ham = to_file_order(r.run.result.fock[0], file_positions(r.Z, false));
    std::vector<double> pos = r.pos_angstrom;
    if (dynamic)
      for (double& x : pos) x *= units::kAngstromToBohr;  // QH9Dynamic stores PySCF's Bohr coordinates
    const auto Z = raw_bytes(std::vector<std::int32_t>(r.Z.begin(), r.Z.end()));
    const auto N = TestDb::int_of(static_cast<std::int64_t>(r.Z.size()));
    if (dynamic)
      db.insert("INSERT INTO data VALUES (?, ?, ?, ?, ?, 0.1, -76.0, -75.9, 50.0, ?, ?)",
                {TestDb::blob_of(raw_bytes(std::vector<std::int64_t>{id})), TestDb::int_of(3), N,
                 TestDb::blob_of(Z), TestDb::blob_of(raw_bytes(pos)),
                 TestDb::blob_of(raw_bytes(row_major(ham))), TestDb::int_of(id == 17)});
    else
      db.insert("INSERT INTO data (id, N, Z, pos, Ham) VALUES (?, ?, ?, ?, ?)",
                {TestDb::int_of(id), N, TestDb::blob_of(Z), TestDb::blob_of(raw_bytes(pos)),
                 TestDb::blob_of(raw_bytes(row_major(ham)))});
    ++id;
  }
}

enum class AseEncoding { binary, json, schnetpack };

// overlap_in_pyscf_order: store the overlap in the wrong AO order (the check must catch it).
inline void write_md17(const std::filesystem::path& file, AseEncoding enc, bool overlap_in_pyscf_order = false) {
  TestDb db(file);
  create_ase_tables(db, enc == AseEncoding::binary ? 9 : 8);
  for (const auto& r : references()) {
    const auto orca = file_positions(r.Z, true);
    const Eigen::MatrixXd H = to_file_order(r.run.result.fock[0], orca);
    const Eigen::MatrixXd S = to_file_order(r.run.S, overlap_in_pyscf_order ? file_positions(r.Z, false) : orca);
    const std::vector<std::pair<std::string, Eigen::MatrixXd>> arrays = {{"hamiltonian", H}, {"overlap", S}};
    const auto data = enc == AseEncoding::binary ? TestDb::blob_of(ase_binary_data(arrays))
                      : enc == AseEncoding::json ? TestDb::text_of(ase_json_data(arrays))
                                                 : TestDb::text_of(schnetpack_data(arrays));
    insert_ase_row(db, r.Z, r.pos_angstrom, data);
  }
}

}  // namespace hamlet::test
