#pragma once
// Seeded train/validation/test splits of a dataset (`hamlet data split`). Only converged entries
// are split (the others are not training data). Modes:
//   molecule: entries grouped by molecule identity (so conformers of one molecule never land in
//             two splits); groups shuffled with the seed, then cut by entry counts;
//   size:     groups ordered by atom count (ties by identity, then index): train on the smallest,
//             test on the largest, an extrapolation test; the seed is not used;
//   entry:    entries shuffled with the seed and cut, ignoring identity.
// Molecule identity: formula, charge, multiplicity and a Weisfeiler–Lehman hash of the bond
// graph (bond: distance < sum of covalent radii + 0.45 Å), so that thermal conformers of one
// molecule share it while isomers do not. A conformer stretched past that (rare at 300 K with
// `data sample` defaults) counts as another molecule.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "data/dataset.hpp"

namespace hamlet::data {

class DatasetReader;

enum class SplitMode { molecule, size, entry };

struct SplitOptions {
  double train = 0.8, validation = 0.1, test = 0.1;  // fractions of the entries, summing to 1
  SplitMode mode = SplitMode::molecule;
  std::uint64_t seed = 0;
};

struct Split {
  std::vector<std::int64_t> train, validation, test;  // entry indices (input indices), ascending
};

// Throws hamlet::Error for fractions that are negative or do not sum to 1.
Split make_split(const DatasetReader& reader, const SplitOptions& options);

// "CH4|q=0|m=1|<16 hex digits>" from atomic numbers, positions, charge and multiplicity.
std::string molecule_identity(const Entry& entry);

SplitMode split_mode_from_name(const std::string& name);  // "molecule", "size", "entry"
std::string split_mode_name(SplitMode mode);

// JSON with the dataset path, options, counts and the three index lists; written atomically.
void write_split(const std::filesystem::path& path, const std::filesystem::path& dataset, const SplitOptions& options,
                 const Split& split);
Split read_split(const std::filesystem::path& path);

}  // namespace hamlet::data
