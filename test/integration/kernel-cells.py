"""Runs cells in a live hopscope kernel (Debian's jupyter_client), as a person would in a
notebook, with interrupts between them: the harness for kernel-session.test.ts.

Usage: /usr/bin/python3 kernel-cells.py SCRIPT.json
SCRIPT is a list of steps: {"code": "..."} runs a cell to its end, {"code": "...",
"interruptAfter": seconds} starts it and interrupts the kernel (SIGINT, as Jupyter's
interrupt button does) after that long. Prints one JSON line per step: the cell's reply
status, the time it took, its stdout and stderr. Every wait is bounded.
"""
import json
import sys
import time

from jupyter_client.manager import start_new_kernel

CELL_TIMEOUT_S = 60


def collect(kc, msg_id, deadline):
    out = {"status": None, "stdout": "", "stderr": ""}
    while time.monotonic() < deadline:
        try:
            msg = kc.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
        except Exception:
            break
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        t, c = msg["msg_type"], msg["content"]
        if t == "stream":
            out[c["name"]] += c["text"]
        elif t == "error":
            out["stderr"] += c.get("ename", "") + ": " + c.get("evalue", "") + "\n"
        elif t == "status" and c["execution_state"] == "idle":
            break
    while time.monotonic() < deadline:
        try:
            reply = kc.get_shell_msg(timeout=max(0.1, deadline - time.monotonic()))
        except Exception as e:
            out["status"] = "no reply: " + repr(e)
            break
        if reply["parent_header"].get("msg_id") == msg_id and reply["msg_type"] == "execute_reply":
            out["status"] = reply["content"].get("status")
            break
    return out


def main():
    steps = json.load(open(sys.argv[1]))
    km, kc = start_new_kernel(kernel_name="hopscope", startup_timeout=60)
    try:
        for step in steps:
            t0 = time.monotonic()
            msg_id = kc.execute(step["code"], stop_on_error=False)
            if "interruptAfter" in step:
                time.sleep(step["interruptAfter"])
                km.interrupt_kernel()
            out = collect(kc, msg_id, t0 + CELL_TIMEOUT_S)
            out["seconds"] = round(time.monotonic() - t0, 3)
            print(json.dumps(out), flush=True)
            if out["status"] != "ok":
                # tslab drops every request that arrives within 200 ms of a failed cell.
                time.sleep(0.5)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


main()
