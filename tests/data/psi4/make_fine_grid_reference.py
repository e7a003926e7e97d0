# Psi4 1.3.2 script that produced tests/support/psi4_fine_grid_reference.hpp (geometries from psi4_reference.hpp).
# Run: PYTHONPATH=/usr/lib/x86_64-linux-gnu /usr/bin/python3 make_fine_grid_reference.py
import psi4, json, sys
sys.path.insert(0,'/work/shared/reference/psi4')
from geometries import MOLS
psi4.set_memory('4 GB'); psi4.set_num_threads(1)
psi4.core.set_output_file('fine_grid.out', False)
out={}
for name in ["benzene","ethanol"]:
    mol=psi4.geometry(MOLS[name]+"\nunits angstrom\nsymmetry c1\nno_reorient\nno_com\n")
    for rad,sph in [(150,974)]:
        psi4.set_options({"basis":"def2-svp","scf_type":"df","e_convergence":1e-10,"d_convergence":1e-9,"puream":True,
                          "dft_radial_points":rad,"dft_spherical_points":sph})
        e,wfn=psi4.energy("b3lyp",return_wfn=True,molecule=mol)
        out[f"{name}/{rad}x{sph}"]={"energy":e,"eps":wfn.epsilon_a().to_array().tolist()}
        json.dump(out,open('fine_grid.json','w'),indent=1)
        psi4.core.clean()
