"""Helpers for driving the real kernel process with jupyter_client."""
import os
import time
from queue import Empty
from typing import Any

from jupyter_client.manager import start_new_kernel

from conftest import KERNEL_NAME, NOTEBOOK_DIR

START_TIMEOUT = 90
TIMEOUT = 60


def start(env: dict[str, str] | None = None, stderr=None):
    """Starts the minitron kernel in a folder without node_modules (extra environment variables in env, its stderr to
    an open file if given); returns (manager, client)."""
    extra = {"env": {**os.environ, **env}} if env else {}
    if stderr is not None:
        extra["stderr"] = stderr
    return start_new_kernel(kernel_name=KERNEL_NAME, cwd=NOTEBOOK_DIR, startup_timeout=START_TIMEOUT, **extra)


def stop(km, kc) -> None:
    kc.stop_channels()
    km.shutdown_kernel(now=True)


def drain(kc) -> None:
    for ch in (kc.shell_channel, kc.iopub_channel):
        while True:
            try:
                ch.get_msg(timeout=0.05)
            except Empty:
                break


def collect(kc, msg_id: str, timeout: float = TIMEOUT) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Waits for the reply to msg_id and its iopub messages up to status idle; returns (reply, outputs)."""
    deadline = time.monotonic() + timeout
    outputs: list[dict[str, Any]] = []
    while True:
        msg = kc.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "status":
            if msg["content"]["execution_state"] == "idle":
                break
            continue
        if msg["msg_type"] != "execute_input":
            outputs.append(msg)
    while True:
        reply = kc.get_shell_msg(timeout=max(0.1, deadline - time.monotonic()))
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply, outputs


def execute(kc, code: str, timeout: float = TIMEOUT, **kw: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    return collect(kc, kc.execute(code, **kw), timeout)


def of_type(outputs: list[dict[str, Any]], msg_type: str) -> list[dict[str, Any]]:
    return [m for m in outputs if m["msg_type"] == msg_type]


def result_text(outputs: list[dict[str, Any]]) -> str:
    res = of_type(outputs, "execute_result")
    assert res, f"no execute_result in {outputs}"
    return res[-1]["content"]["data"]["text/plain"]


def iopub_until(kc, pred, timeout=30):
    """Reads iopub until pred(msg) is true; returns that message (queue.Empty after `timeout` seconds)."""
    deadline = time.monotonic() + timeout
    while True:
        msg = kc.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
        if pred(msg):
            return msg
