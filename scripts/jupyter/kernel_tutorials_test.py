"""Every tutorial run through the rslab kernel with nbclient, compared with `rslab notebook`.

For each tutorials/*.rsl (training at RSLAB_STEPS=2): `rslab notebook` writes the reference
notebook; the same cells, outputs cleared, are executed by nbclient against the rslab
kernel. The executed notebook must pass nbformat.validate; per cell, its printed text and
echoed values must equal the reference's (timing lines aside), its pictures must be the
same number of image/png outputs, and each training progress display must end on its
final step.

Run by Tests/ShellTests/KernelTests.swift with RSLAB_BINARY set. Optional arguments name
tutorials to run (default: all); RSLAB_KERNEL_NOTEBOOKS=DIR keeps the executed notebooks.
"""

import base64
import copy
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import nbformat
from nbclient import NotebookClient

RSLAB = os.path.realpath(os.environ["RSLAB_BINARY"])
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TIMING = re.compile(r"\d(\.\d+)? ?(µs|ms|s|it/s)\b|\btime: ")
FINAL_BAR = re.compile(r"\] (\d+)/\1\b")


def fail(what, detail=""):
    print(f"FAILED: {what}\n{detail}", file=sys.stderr)
    sys.exit(1)


def untimed(text):
    return "\n".join(line for line in text.split("\n") if not TIMING.search(line))


def summary(cell):
    """What a code cell showed: text per stream, echoed values, error, PNG count, progress bars."""
    out = {"stdout": "", "stderr": "", "results": [], "errors": [], "pngs": 0, "bars": []}
    for o in cell.get("outputs", []):
        t = o["output_type"]
        if t == "stream":
            out[o["name"]] += o["text"]
        elif t == "execute_result":
            out["results"].append(o["data"]["text/plain"])
        elif t == "error":
            out["errors"].append(o["evalue"])
        elif t == "display_data":
            if "image/png" in o["data"]:
                png = base64.b64decode(o["data"]["image/png"])
                if png[:8] != b"\x89PNG\r\n\x1a\n":
                    fail("an image/png output that is not a PNG")
                out["pngs"] += 1
            else:
                out["bars"].append(o["data"]["text/plain"])
    out["stdout"] = untimed(out["stdout"])
    out["stderr"] = untimed(out["stderr"])
    out["results"] = [untimed(r) for r in out["results"]]
    return out


def main():
    names = sys.argv[1:] or [os.path.basename(p) for p in sorted(glob.glob(os.path.join(ROOT, "tutorials", "*.rsl")))]
    work = tempfile.mkdtemp(prefix="rslab-nbclient-")
    subprocess.run([RSLAB, "kernel", "install", "--prefix", work], check=True, capture_output=True)
    os.environ["JUPYTER_PATH"] = os.path.join(work, "share", "jupyter")
    os.environ["RSLAB_STEPS"] = "2"
    os.environ["RSLAB_FIGURES"] = os.path.join(work, "figures")
    keep = os.environ.get("RSLAB_KERNEL_NOTEBOOKS")
    for name in names:
        started = time.time()
        reference_path = os.path.join(work, name + ".reference.ipynb")
        done = subprocess.run([RSLAB, "notebook", os.path.join("tutorials", name), "-o", reference_path],
                              cwd=ROOT, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            fail(f"rslab notebook {name}", done.stderr)
        reference = nbformat.read(reference_path, as_version=4)
        nb = copy.deepcopy(reference)
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs = []
                cell.execution_count = None
        NotebookClient(nb, timeout=600, kernel_name="rslab", resources={"metadata": {"path": ROOT}}).execute()
        try:
            nbformat.validate(nb)
        except nbformat.ValidationError as e:
            fail(f"{name}: the kernel's notebook does not validate", str(e))
        if nb.metadata.get("kernelspec", {}).get("name") != "rslab":
            fail(f"{name}: notebook metadata names the rslab kernel", nb.metadata)
        pngs = 0
        for i, (ran, ref) in enumerate(zip(nb.cells, reference.cells)):
            if ran.cell_type != "code":
                continue
            got, want = summary(ran), summary(ref)
            for key in ("stdout", "stderr", "results", "errors", "pngs"):
                if got[key] != want[key]:
                    fail(f"{name} cell {i + 1}: {key} differs from rslab notebook's",
                         f"kernel:    {got[key]!r}\nreference: {want[key]!r}")
            for bar in got["bars"]:
                if not FINAL_BAR.search(bar):
                    fail(f"{name} cell {i + 1}: a progress display that does not end on its last step", bar)
            pngs += got["pngs"]
        if keep:
            os.makedirs(keep, exist_ok=True)
            nbformat.write(nb, os.path.join(keep, name.replace(".rsl", ".ipynb")))
        code_cells = sum(1 for c in nb.cells if c.cell_type == "code")
        bars = sum(len(summary(c)["bars"]) for c in nb.cells if c.cell_type == "code")
        print(f"{name}: {code_cells} code cells equal to rslab notebook's, {pngs} image/png outputs, "
              f"{bars} progress displays, {time.time() - started:.1f} s")


if __name__ == "__main__":
    main()
