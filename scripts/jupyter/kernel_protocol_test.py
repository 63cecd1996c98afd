"""The rslab Jupyter kernel driven by jupyter_client, as JupyterLab and jupyter console drive it.

Run by Tests/ShellTests/KernelTests.swift (so by `make test`) with RSLAB_BINARY set:
    .build/jupyter-venv/bin/python scripts/jupyter/kernel_protocol_test.py
Exits non-zero with the failed check on the first failure.
"""

import json
import os
import queue
import subprocess
import sys
import tempfile
import time

import zmq
from jupyter_client import KernelManager
from jupyter_client.session import Session

RSLAB = os.path.realpath(os.environ["RSLAB_BINARY"])
checks = 0


def check(condition, what, detail=None):
    global checks
    if not condition:
        print(f"FAILED: {what}" + (f"\n  {detail!r}" if detail is not None else ""), file=sys.stderr)
        sys.exit(1)
    checks += 1


def run(kc, code, timeout=30):
    """Executes `code`; returns (reply content, [iopub messages for it up to idle])."""
    msg_id = kc.execute(code)
    reply = kc.get_shell_msg(timeout=timeout)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=timeout)
    return reply["content"], collect_iopub(kc, msg_id, timeout)


def collect_iopub(kc, msg_id, timeout=30):
    messages = []
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            m = kc.get_iopub_msg(timeout=max(0.1, deadline - time.time()))
        except queue.Empty:
            break
        if m["parent_header"].get("msg_id") != msg_id:
            continue
        messages.append(m)
        if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
            return messages
    check(False, f"iopub went idle for {msg_id}", [x["msg_type"] for x in messages])


def wait_idle(kc, msg_ids, timeout=30):
    """Reads iopub until every request in `msg_ids` has gone idle."""
    pending = set(msg_ids)
    deadline = time.time() + timeout
    while pending and time.time() < deadline:
        try:
            m = kc.get_iopub_msg(timeout=max(0.1, deadline - time.time()))
        except queue.Empty:
            break
        if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
            pending.discard(m["parent_header"].get("msg_id"))
    check(not pending, "iopub went idle for every request", pending)


def of_type(messages, t):
    return [m["content"] for m in messages if m["msg_type"] == t]


def stdout(messages):
    return "".join(c["text"] for c in of_type(messages, "stream") if c["name"] == "stdout")


def result(messages):
    results = of_type(messages, "execute_result")
    return results[0]["data"]["text/plain"] if results else None


def main():
    folder = tempfile.mkdtemp(prefix="rslab-kernel-")
    # Install the kernelspec where this test alone finds it.
    subprocess.run([RSLAB, "kernel", "install", "--prefix", folder], check=True, capture_output=True)
    spec_dir = os.path.join(folder, "share", "jupyter", "kernels", "rslab")
    spec = json.load(open(os.path.join(spec_dir, "kernel.json")))
    check(spec["argv"] == [RSLAB, "kernel", "-f", "{connection_file}"], "kernel.json argv", spec["argv"])
    check(spec["display_name"] == "RSL (rslab)" and spec["language"] == "rsl", "kernel.json names", spec)
    check(spec["interrupt_mode"] == "signal", "kernel.json interrupt_mode", spec)
    with open(os.path.join(spec_dir, "logo-64x64.png"), "rb") as f:
        logo = f.read()
    check(logo[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(logo[16:20], "big") == 64, "a 64x64 PNG logo")
    os.environ["JUPYTER_PATH"] = os.path.join(folder, "share", "jupyter")
    with open(os.path.join(folder, "loaded.rsl"), "w") as f:
        f.write("loaded_value = 7\n")

    km = KernelManager(kernel_name="rslab")
    km.start_kernel(cwd=folder, stderr=open(os.path.join(folder, "kernel.log"), "w"))
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=30)
        protocol(km, kc, folder)
    except SystemExit:
        print(open(os.path.join(folder, "kernel.log")).read(), file=sys.stderr)
        raise
    finally:
        kc.stop_channels()
        if km.is_alive():
            km.shutdown_kernel(now=True)
    print(f"kernel protocol: {checks} checks passed")


def protocol(km, kc, folder):
    # kernel_info
    kc.kernel_info()
    info = kc.get_shell_msg(timeout=10)["content"]
    check(info["protocol_version"] == "5.3", "protocol_version 5.3", info)
    check(info["language_info"]["name"] == "rsl" and info["language_info"]["file_extension"] == ".rsl", "language_info", info)

    # A value's echo, with busy/execute_input/idle around it.
    reply, msgs = run(kc, "x = 21\nx * 2")
    check(reply["status"] == "ok", "x * 2 runs", reply)
    check(result(msgs) == "42", "the echo of x * 2", msgs)
    types = [m["msg_type"] for m in msgs]
    check(types[0] == "status" and msgs[0]["content"]["execution_state"] == "busy", "busy first", types)
    check("execute_input" in types and types[-1] == "status", "execute_input, then idle last", types)
    count = reply["execution_count"]

    # A print.
    reply, msgs = run(kc, 'print("hello", x)')
    check(stdout(msgs) == "hello 21\n", "print goes to the stdout stream", msgs)
    check(reply["execution_count"] == count + 1, "execution_count counts cells", reply)

    # An error with its RSL location, then a cell that still works.
    reply, msgs = run(kc, "y = 1\nz = no_such_name")
    check(reply["status"] == "error" and reply["ename"] == "RSLError", "an error reply", reply)
    cell = f"In[{reply['execution_count']}]:2:5"
    check(any(cell in line for line in reply["traceback"]), f"the traceback names {cell}", reply["traceback"])
    check(of_type(msgs, "error") and "no_such_name" in of_type(msgs, "error")[0]["evalue"], "an error on iopub", msgs)
    reply, msgs = run(kc, "x + y")
    check(reply["status"] == "ok" and result(msgs) == "22", "the cell after an error works and sees earlier variables", msgs)

    # After a failing cell, a cell already queued behind it is aborted (stop_on_error), as
    # "Run All" expects; with stop_on_error false it runs.
    failing = kc.execute("i = 0\nwhile i < 3000000\n  i = i + 1\nend\nno_such_name")
    queued = kc.execute("queued_ran = 1")
    replies = {}
    while len(replies) < 2:
        m = kc.get_shell_msg(timeout=30)
        replies[m["parent_header"]["msg_id"]] = m["content"]
    check(replies[failing]["status"] == "error" and replies[queued]["status"] == "aborted",
          "a cell queued behind a failing one is aborted", replies)
    wait_idle(kc, {failing, queued})
    reply, msgs = run(kc, "queued_ran")
    check(reply["status"] == "error", "the aborted cell did not run", reply)
    failing = kc.execute("i = 0\nwhile i < 3000000\n  i = i + 1\nend\nno_such_name", stop_on_error=False)
    queued = kc.execute("queued_ran = 1")
    replies = {}
    while len(replies) < 2:
        m = kc.get_shell_msg(timeout=30)
        replies[m["parent_header"]["msg_id"]] = m["content"]
    check(replies[queued]["status"] == "ok", "with stop_on_error false the queued cell runs", replies)
    wait_idle(kc, {failing, queued})

    # A picture becomes image/png.
    reply, msgs = run(kc, 'plot_xy([1, 2, 3], [1, 4, 9], path: "curve.png")')
    pngs = [c for c in of_type(msgs, "display_data") if "image/png" in c["data"]]
    check(reply["status"] == "ok" and len(pngs) == 1, "a plot is one image/png display", msgs)

    # Training: one progress display, updated in place, left on its final step.
    reply, msgs = run(kc, 'lab, unl = ssl_split(fashion_mnist(split: "test"), per_class: 2, seed: 0, unlabeled: 64)\n'
                          'run = train(convnet(width: 8, seed: 0), fixmatch(), labeled: lab, unlabeled: unl, steps: 3, batch: 8, mu: 2)',
                      timeout=120)
    shown = [m["content"] for m in msgs if m["msg_type"] == "display_data" and "image/png" not in m["content"]["data"]]
    updates = of_type(msgs, "update_display_data")
    check(reply["status"] == "ok" and len(shown) == 1 and updates, "one progress display, then updates", [m["msg_type"] for m in msgs])
    display_id = shown[0]["transient"]["display_id"]
    check(all(u["transient"]["display_id"] == display_id for u in updates), "updates name the display", updates)
    check(" 3/3 " in updates[-1]["data"]["text/plain"] + " ", "the last update is the final step", updates[-1])

    # Completion: the REPL's completer; a function completes with "(".
    kc.complete("ssl_sp", 6)
    c = kc.get_shell_msg(timeout=10)["content"]
    check("ssl_split(" in c["matches"] and c["cursor_start"] == 0 and c["cursor_end"] == 6, "ssl_sp completes to ssl_split(", c)
    code = "a = 1\nb = ssl_sp"
    kc.complete(code, len(code))
    c = kc.get_shell_msg(timeout=10)["content"]
    check("ssl_split(" in c["matches"] and c["cursor_start"] == len("a = 1\nb = ") and c["cursor_end"] == len(code),
          "completion on a later line replaces only the word", c)
    kc.complete("x", 1)
    c = kc.get_shell_msg(timeout=10)["content"]
    check("x" in c["matches"], "a variable completes (without a parenthesis)", c)

    # Inspect: the builtin's documentation, as :help prints it.
    kc.inspect("fixmatch", 8)
    c = kc.get_shell_msg(timeout=10)["content"]
    check(c["found"] and "fixmatch" in c["data"]["text/plain"], "inspect of fixmatch", c)
    kc.inspect("train(", 6)
    c = kc.get_shell_msg(timeout=10)["content"]
    check(c["found"] and "train" in c["data"]["text/plain"], "inspect just after a call's parenthesis", c)
    kc.inspect("no_such_thing", 5)
    c = kc.get_shell_msg(timeout=10)["content"]
    check(c["status"] == "ok" and not c["found"], "inspect of an unknown name", c)

    # is_complete: the REPL's continuation rule.
    kc.is_complete("fn f(x)")
    c = kc.get_shell_msg(timeout=10)["content"]
    check(c["status"] == "incomplete" and "indent" in c, "fn f(x) is incomplete", c)
    kc.is_complete("fn f(x)\n  x * 2\nend")
    c = kc.get_shell_msg(timeout=10)["content"]
    check(c["status"] == "complete", "a closed function is complete", c)

    # Meta commands work in cells.
    reply, msgs = run(kc, ":vars")
    check(reply["status"] == "ok" and "x " in stdout(msgs) and "21" in stdout(msgs), ":vars lists x", msgs)
    reply, msgs = run(kc, ":time x * 3")
    check(result(msgs) == "63" and "time: " in stdout(msgs), ":time echoes and times", msgs)
    reply, msgs = run(kc, ":help fixmatch")
    check("fixmatch" in stdout(msgs), ":help fixmatch", msgs)
    reply, msgs = run(kc, ":load loaded.rsl")
    check("loaded loaded.rsl" in stdout(msgs), ":load", msgs)
    reply, msgs = run(kc, "loaded_value")
    check(result(msgs) == "7", "a :load-ed variable", msgs)
    reply, msgs = run(kc, ":nonsense")
    check(reply["status"] == "error", "an unknown :command is an error reply", reply)

    # comm_info and history.
    kc.comm_info()
    c = kc.get_shell_msg(timeout=10)["content"]
    check(c["status"] == "ok" and c["comms"] == {}, "comm_info is empty", c)
    kc.history(hist_access_type="tail", n=2)
    c = kc.get_shell_msg(timeout=10)["content"]
    check(c["status"] == "ok" and len(c["history"]) == 2 and c["history"][-1][2] == ":nonsense", "history tail", c)
    kc.history(hist_access_type="search", pattern=":*", unique=True)
    c = kc.get_shell_msg(timeout=10)["content"]
    check([h[2] for h in c["history"]] == [":vars", ":time x * 3", ":help fixmatch", ":load loaded.rsl", ":nonsense"],
          "history search with a glob", c)

    # Interrupt by signal (interrupt_mode "signal"): the running cell stops, variables stay.
    msg_id = kc.execute("counter = 0\nwhile true\n  counter = counter + 1\nend")
    time.sleep(1.0)
    km.interrupt_kernel()
    reply = kc.get_shell_msg(timeout=20)["content"]
    check(reply["status"] == "error" and "interrupt" in reply["evalue"].lower(), "SIGINT stops a while-true cell with an error reply", reply)
    collect_iopub(kc, msg_id)
    reply, msgs = run(kc, "counter > 0 and x == 21")
    check(result(msgs) == "true", "the next cell sees the interrupted cell's and earlier variables", msgs)

    # Interrupt through the control channel's interrupt_request. While the cell runs, the
    # heartbeat and the control channel still answer.
    msg_id = kc.execute("while true\n  counter = counter + 1\nend")
    time.sleep(1.0)
    ctx = zmq.Context.instance()
    hb = ctx.socket(zmq.REQ)
    hb.linger = 0
    hb.connect(f"{km.transport}://{km.ip}:{km.hb_port}")
    hb.send(b"ping")
    check(hb.poll(3000) and hb.recv() == b"ping", "the heartbeat echoes while a cell runs")
    hb.close()
    kc.control_channel.send(kc.session.msg("kernel_info_request", {}))
    info = kc.get_control_msg(timeout=5)
    check(info["msg_type"] == "kernel_info_reply", "kernel_info on the control channel while a cell runs", info)
    request = kc.session.msg("interrupt_request", {})
    kc.control_channel.send(request)
    control_reply = kc.get_control_msg(timeout=10)
    check(control_reply["msg_type"] == "interrupt_reply" and control_reply["content"]["status"] == "ok", "interrupt_reply", control_reply)
    reply = kc.get_shell_msg(timeout=20)["content"]
    check(reply["status"] == "error" and "interrupt" in reply["evalue"].lower(), "interrupt_request stops the cell", reply)
    collect_iopub(kc, msg_id)

    # Messages that are wrongly signed, unsigned, malformed or unknown are dropped or
    # ignored, never executed, and the kernel keeps serving.
    raw = ctx.socket(zmq.DEALER)
    raw.linger = 0
    raw.connect(f"{km.transport}://{km.ip}:{km.shell_port}")
    forged = Session(key=b"not-the-key", username="intruder")
    forged.send(raw, "execute_request", {"code": "forged = 1", "silent": False, "store_history": True,
                                         "user_expressions": {}, "allow_stdin": False})
    unsigned = Session(key=b"", username="intruder")
    unsigned.send(raw, "execute_request", {"code": "unsigned = 1", "silent": False, "store_history": True,
                                           "user_expressions": {}, "allow_stdin": False})
    raw.send_multipart([b"<IDS|MSG>", b"0", b"{"])                       # too few frames
    bad_json = [b"{not json", b"{}", b"{}", b"{}"]
    raw.send_multipart([b"<IDS|MSG>", kc.session.sign(bad_json)] + bad_json)  # signed, bad JSON
    raw.send_multipart([b"no delimiter at all"])
    kc.session.send(raw, "no_such_request", {})                          # signed, unknown type
    check(raw.poll(1500) == 0, "no reply to forged, unsigned or malformed messages")
    raw.close()
    reply, msgs = run(kc, "forged")
    check(reply["status"] == "error" and "forged" in reply["evalue"], "the forged cell never ran", reply)
    reply, msgs = run(kc, "unsigned")
    check(reply["status"] == "error", "the unsigned cell never ran", reply)
    reply, msgs = run(kc, "x")
    check(result(msgs) == "21", "the kernel still serves after malformed messages", msgs)
    log = open(os.path.join(folder, "kernel.log")).read()
    check("wrong signature" in log and "missing signature" in log and "unknown message type 'no_such_request'" in log,
          "dropped messages are logged", log)

    # Restart: a fresh session.
    km.restart_kernel(now=False)
    kc.wait_for_ready(timeout=30)
    reply, msgs = run(kc, "x")
    check(reply["status"] == "error", "a restarted kernel has forgotten x", reply)

    # Shutdown: the kernel replies and exits by itself with status 0.
    kc.shutdown()
    c = kc.get_control_msg(timeout=10)
    check(c["msg_type"] == "shutdown_reply" and c["content"]["status"] == "ok", "shutdown_reply", c)
    process = km.provisioner.process
    deadline = time.time() + 10
    while process.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    check(process.poll() == 0, "the kernel exits with status 0 after shutdown", process.poll())


if __name__ == "__main__":
    main()
