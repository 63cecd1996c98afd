"""Every tutorial run through the rslab kernel with nbclient, compared with `rslab notebook`.

For each tutorials/*.rsl (training at RSLAB_STEPS=2): `rslab notebook` writes the reference
notebook; the same cells, outputs cleared, are executed by nbclient against the rslab
kernel. The executed notebook must pass nbformat.validate; per cell, its printed text and
echoed values must equal the reference's (timing lines aside), its pictures must be the
same number of image/png outputs, and each training progress display must end on its
final step. Finally a notebook written by `rslab notebook` is re-executed without naming a
kernel: its metadata must lead nbclient to the rslab kernel.

Run by Tests/ShellTests/KernelTests.swift with RSLAB_BINARY set. Optional arguments name
tutorials to run (default: all); RSLAB_KERNEL_NOTEBOOKS=DIR keeps the executed notebooks.
"""

import base64
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
    """`text` without timing lines, with the cells of a table's `seconds` column masked and
    the two runs' picture folders named alike."""
    text = re.sub(r"figures-(kernel|reference)", "figures", text)  # each run's own picture folder
    lines = [line for line in text.split("\n") if not TIMING.search(line)]
    column = None
    for i, line in enumerate(lines):
        header = re.search(r"\bseconds\b", line)
        if header:
            column = header.span()
            continue
        if column:
            masked = re.sub(r"\S+", lambda m: "#" if m.start() < column[1] and m.end() > column[0] else m.group(0), line)
            lines[i] = " ".join(masked.split())  # the column's width follows its values
    return "\n".join(lines)


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


def read_cells(path):
    """(kind, source) of each cell of a jupytext percent-format script, split as rslab
    notebook splits it (checked against its notebook below)."""
    lines = [line.rstrip("\r") for line in open(path, encoding="utf-8").read().split("\n")]
    if lines and lines[-1] == "":
        lines.pop()
    cells, kind, body, seen = [], "code", [], False

    def flush():
        while body and not body[0].strip(" \t"):
            body.pop(0)
        while body and not body[-1].strip(" \t"):
            body.pop()
        if kind == "markdown":
            cells.append(("markdown", "\n".join(l[2:] if l.startswith("# ") else ("" if l == "#" else l) for l in body)))
        elif seen or body:
            cells.append(("code", "\n".join(body)))

    for line in lines:
        rest = line[4:] if line.startswith("# %%") else line[3:] if line.startswith("#%%") else None
        if rest is not None and (rest == "" or rest[0] in " \t"):
            flush()
            seen, body = True, []
            kind = "markdown" if "[markdown]" in rest or "[md]" in rest else "code"
        else:
            body.append(line)
    flush()
    return cells


def cell_of(cell):
    kind, source = cell
    return nbformat.v4.new_markdown_cell(source) if kind == "markdown" else nbformat.v4.new_code_cell(source)


def main():
    names = sys.argv[1:] or [os.path.basename(p) for p in sorted(glob.glob(os.path.join(ROOT, "tutorials", "*.rsl")))]
    work = tempfile.mkdtemp(prefix="rslab-nbclient-")
    subprocess.run([RSLAB, "kernel", "install", "--prefix", work], check=True, capture_output=True)
    os.environ["JUPYTER_PATH"] = os.path.join(work, "share", "jupyter")
    os.environ["RSLAB_STEPS"] = "2"
    os.environ["RSLAB_FIGURES"] = os.path.join(work, "figures-kernel")
    keep = os.environ.get("RSLAB_KERNEL_NOTEBOOKS")
    for name in names:
        started = time.time()
        reference_path = os.path.join(work, name + ".reference.ipynb")
        # The reference run and the kernel run go side by side (one core each), with
        # their own picture folders.
        env = dict(os.environ, RSLAB_FIGURES=os.path.join(work, "figures-reference"))
        with open(os.path.join(work, name + ".reference.log"), "w+") as log:
            reference_run = subprocess.Popen([RSLAB, "notebook", os.path.join("tutorials", name), "-o", reference_path],
                                             cwd=ROOT, env=env, stdout=log, stderr=log)
            nb = nbformat.v4.new_notebook()
            nb.cells = [cell_of(c) for c in read_cells(os.path.join(ROOT, "tutorials", name))]
            nb.metadata = {"kernelspec": {"name": "rslab", "display_name": "RSL (rslab)", "language": "rsl"}}
            NotebookClient(nb, timeout=600, kernel_name="rslab", resources={"metadata": {"path": ROOT}}).execute()
            if reference_run.wait(timeout=600) != 0:
                log.seek(0)
                fail(f"rslab notebook {name}", log.read())
        reference = nbformat.read(reference_path, as_version=4)
        if [c.source for c in reference.cells] != [c.source for c in nb.cells]:
            fail(f"{name}: the cells read here differ from rslab notebook's",
                 f"{[c.source[:40] for c in reference.cells]}\n{[c.source[:40] for c in nb.cells]}")
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

    # A notebook written by `rslab notebook` names its kernel: re-executed without saying
    # which kernel to use, it runs on rslab (as JupyterLab reopens it).
    reopened = nbformat.read(os.path.join(work, names[0] + ".reference.ipynb"), as_version=4)
    before = [summary(c) for c in reopened.cells if c.cell_type == "code"]
    NotebookClient(reopened, timeout=600, resources={"metadata": {"path": ROOT}}).execute()
    after = [summary(c) for c in reopened.cells if c.cell_type == "code"]
    for key in ("stdout", "results", "pngs"):
        if [b[key] for b in before] != [a[key] for a in after]:
            fail(f"{names[0]} re-executed from rslab notebook's own file: {key} differs")
    print(f"{names[0]}: rslab notebook's .ipynb re-executes on the kernel its metadata names")


if __name__ == "__main__":
    main()
