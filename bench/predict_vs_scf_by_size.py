#!/usr/bin/env python3
"""How the prediction's speed-up over hamlet's own SCF grows with the molecule's size.

Usage: bench/predict_vs_scf_by_size.py MODEL.pt [--carbons 6 13 20 27] [--threads 2]
                                       [--hamlet build/bin/hamlet] [--workdir DIR]
For all-trans n-alkanes C_nH_2n+2 (built here: C-C 1.53 A, C-C-C 112 deg, C-H 1.09 A,
tetrahedral H; elements of any QM9 model), runs `hamlet scf` (DF-B3LYP/def2-SVP, hamlet's
defaults: SAD guess, grid 2 with the level-0 start grid) and `hamlet predict MODEL` on three
copies of the structure, and prints per size: atoms, basis functions, SCF wall seconds and
iterations, the prediction's seconds per structure (S and H_SAP + network + eigenproblem, as
`hamlet predict` reports them) and the ratio. The speed does not depend on the model's
accuracy; chains longer than the training molecules are outside its domain (the prediction's
extrapolation check may flag them). Wall times on a quiet machine; not a test.
"""
import argparse, json, math, os, re, subprocess, sys, tempfile, time


def alkane_xyz(n):
    """All-trans C_nH_2n+2 in the xy plane (Angstrom), as XYZ text."""
    cc, ch, ccc = 1.53, 1.09, math.radians(112.0)
    dx, dy = cc * math.sin(ccc / 2), cc * math.cos(ccc / 2)
    carbons = [(i * dx, (i % 2) * dy, 0.0) for i in range(n)]
    sub = lambda a, b: tuple(x - y for x, y in zip(a, b))
    add = lambda a, b: tuple(x + y for x, y in zip(a, b))
    scale = lambda a, s: tuple(x * s for x in a)
    unit = lambda a: scale(a, 1.0 / math.sqrt(sum(x * x for x in a)))
    atoms = [("C", c) for c in carbons]
    z = (0.0, 0.0, 1.0)
    half_hch = math.radians(54.75)  # half the H-C-H angle of a CH2 group
    for i, c in enumerate(carbons):
        neighbours = [carbons[j] for j in (i - 1, i + 1) if 0 <= j < n]
        if len(neighbours) == 2:  # CH2: in the plane bisecting C-C-C, out of the chain's plane
            away = unit(add(unit(sub(c, neighbours[0])), unit(sub(c, neighbours[1]))))
            for sign in (1, -1):
                d = unit(add(scale(away, math.cos(half_hch)), scale(z, sign * math.sin(half_hch))))
                atoms.append(("H", add(c, scale(d, ch))))
        else:  # CH3 (n >= 2): staggered, one H in the chain's plane
            axis = unit(sub(c, neighbours[0]))
            perp = unit((axis[1], -axis[0], 0.0))  # in-plane, perpendicular to the C-C bond
            if i % 2 == 1:
                perp = scale(perp, -1)
            tilt = math.radians(70.5)
            for w in (perp, add(scale(perp, -0.5), scale(z, math.sqrt(3) / 2)),
                      add(scale(perp, -0.5), scale(z, -math.sqrt(3) / 2))):
                d = unit(add(scale(axis, math.cos(tilt)), scale(w, math.sin(tilt))))
                atoms.append(("H", add(c, scale(d, ch))))
    lines = [str(len(atoms)), f"n-alkane C{n}H{2 * n + 2}, all-trans (bench/predict_vs_scf_by_size.py)"]
    lines += [f"{s} {p[0]:.6f} {p[1]:.6f} {p[2]:.6f}" for s, p in atoms]
    return "\n".join(lines) + "\n", len(atoms)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("--carbons", type=int, nargs="+", default=[6, 13, 20, 27])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--hamlet", default=os.path.join(os.path.dirname(__file__), "..", "build", "bin", "hamlet"))
    ap.add_argument("--workdir", default=None, help="keep the structures and outputs here")
    a = ap.parse_args()
    if any(n < 2 for n in a.carbons):
        sys.exit("--carbons: at least 2")
    work = a.workdir or tempfile.mkdtemp(prefix="hamlet-size-")
    os.makedirs(work, exist_ok=True)
    print(f"# {os.uname().nodename}, {os.cpu_count()} cores, {a.threads} threads, model {a.model}, in {work}")
    print(f"{'molecule':>10} {'atoms':>5} {'nbf':>5} {'SCF s':>8} {'iter':>4} {'predict s':>9} "
          f"{'(S+H_SAP':>8} {'network':>8} {'eig)':>7} {'SCF/predict':>11}")
    for n in a.carbons:
        xyz, natoms = alkane_xyz(n)
        one = os.path.join(work, f"c{n}.xyz")
        three = os.path.join(work, f"c{n}x3.xyz")
        open(one, "w").write(xyz)
        open(three, "w").write(xyz * 3)
        out_json = os.path.join(work, f"scf_c{n}.json")
        t0 = time.time()
        subprocess.run([a.hamlet, "scf", one, "--basis", "def2-svp", "--method", "b3lyp", "--df",
                        "--threads", str(a.threads), "--json", out_json],
                       check=True, stdout=subprocess.DEVNULL)
        scf_seconds = time.time() - t0
        scf = json.load(open(out_json))
        p = subprocess.run([a.hamlet, "predict", a.model, three, "--out", os.path.join(work, f"pred_c{n}.h5"),
                            "--threads", str(a.threads)], check=True, capture_output=True, text=True)
        m = re.search(r"per structure ([0-9.]+) s for S and H_SAP, ([0-9.]+) s network, ([0-9.]+) s eigenproblem",
                      p.stdout + p.stderr)
        if not m:
            sys.exit("could not read the per-structure times of hamlet predict:\n" + p.stdout + p.stderr)
        inputs, network, eig = (float(x) for x in m.groups())
        predict = inputs + network + eig
        print(f"{'C%dH%d' % (n, 2 * n + 2):>10} {natoms:>5} {scf['nbf']:>5} {scf_seconds:>8.2f} "
              f"{scf['iterations']:>4} {predict:>9.4f} {inputs:>8.4f} {network:>8.4f} {eig:>7.4f} "
              f"{scf_seconds / predict:>10.0f}x", flush=True)


if __name__ == "__main__":
    main()
