"""jupyter_kernel_test's standard protocol tests against the real minitron kernel process."""
import unittest

import jupyter_kernel_test

import kutil


class MinitronKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "minitron"
    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = 'console.log("hello, world")'
    code_stderr = 'console.error("this goes to stderr")'
    code_generate_error = 'throw new Error("boom")'

    completion_samples = [
        {"text": "const zebraLongName = 1;\nzebraLo", "matches": {"zebraLongName"}},
        {"text": "Math.hyp", "matches": {"hypot"}},
        {"text": "mt.installHo", "matches": {"installHost"}},
    ]
    complete_code_samples = ["1", "const a = 1;", "function f(x: number) { return x; }", "for (let i = 0; i < 2; i++) {}"]
    incomplete_code_samples = ["function f() {", "const xs = [1,", "if (true) {"]
    invalid_code_samples = ["const = 1", "1 +* 2", ")"]

    code_execute_result = [
        {"code": "6*7", "result": "42"},
        {"code": "'a' + 'b'", "result": "'ab'"},
        {"code": "[1, 2, 3].length", "result": "3"},
        {"code": "mt.specParamCount", "mime": "text/plain"},
    ]
    code_history_pattern = "6*7"
    supported_history_operations = ("tail", "range", "search")

    code_display_data = [
        {"code": 'mt.display({ "text/html": "<b>hi</b>", "text/plain": "hi" })', "mime": "text/html"},
        {"code": "mt.display({ kind: 'train-history', rows: [{ step: 1, tokens: 8, loss: 2.5, lr: 0.001 }] })",
         "mime": "application/vnd.minitron.train-history+json"},
    ]
    code_inspect_sample = "Math.max"
    code_clear_output = "mt.clearOutput()"

    @classmethod
    def setUpClass(cls) -> None:
        cls.km, cls.kc = kutil.start()

    @classmethod
    def tearDownClass(cls) -> None:
        kutil.stop(cls.km, cls.kc)


if __name__ == "__main__":
    unittest.main()


# ---- conformance beyond jupyter_kernel_test: every reply's required fields, as ipykernel answers ---------------------

import time  # noqa: E402

import pytest  # noqa: E402
import zmq  # noqa: E402
from jupyter_client.session import Session  # noqa: E402
from jupyter_kernel_test.msgspec_v5 import validate_message  # noqa: E402

# The fields the messaging spec (5.5) requires in each reply with status 'ok'.
REQUIRED = {
    "kernel_info_reply": {"status", "protocol_version", "implementation", "implementation_version", "language_info",
                          "banner", "help_links", "supported_features"},
    "execute_reply": {"status", "execution_count", "user_expressions", "payload"},
    "inspect_reply": {"status", "found", "data", "metadata"},
    "complete_reply": {"status", "matches", "cursor_start", "cursor_end", "metadata"},
    "history_reply": {"status", "history"},
    "is_complete_reply": {"status"},
    "comm_info_reply": {"status", "comms"},
    "shutdown_reply": {"status", "restart"},
    "interrupt_reply": {"status"},
}
LANGUAGE_INFO = {"name", "version", "mimetype", "file_extension", "pygments_lexer", "codemirror_mode", "nbconvert_exporter"}


def request(kc, msg_type, content, channel="shell"):
    """Sends a request on shell or control and returns its validated reply."""
    msg = kc.session.msg(msg_type, content)
    getattr(kc, f"{channel}_channel").send(msg)
    get = kc.get_shell_msg if channel == "shell" else kc.get_control_msg
    while True:
        reply = get(timeout=30)
        if reply["parent_header"].get("msg_id") == msg["header"]["msg_id"]:
            break
    reply_type = msg_type.replace("_request", "_reply")
    validate_message(reply, reply_type, msg["header"]["msg_id"])
    missing = REQUIRED[reply_type] - set(reply["content"])
    assert not missing, f"{reply_type} lacks {missing}: {reply['content']}"
    return reply["content"]


@pytest.mark.parametrize("channel", ["shell", "control"])
def test_kernel_info_reply_is_spec_valid(kc, channel):
    info = request(kc, "kernel_info_request", {}, channel)
    assert info["protocol_version"] == "5.5"
    assert LANGUAGE_INFO <= set(info["language_info"])
    mode = info["language_info"]["codemirror_mode"]
    assert isinstance(mode, str) and mode == "typescript"
    assert info["supported_features"] == [] and info["debugger"] is False
    assert all({"text", "url"} <= set(link) for link in info["help_links"])


def test_execute_reply_fields_and_user_expressions(kc):
    c = request(kc, "execute_request", {"code": "const ue = 20;", "silent": False, "store_history": True,
                                        "user_expressions": {"double": "ue * 2", "bad": "nope.x"}, "allow_stdin": False,
                                        "stop_on_error": True})
    assert c["status"] == "ok" and c["payload"] == []
    assert c["user_expressions"]["double"] == {"status": "ok", "data": {"text/plain": "40"}, "metadata": {}}
    bad = c["user_expressions"]["bad"]
    assert bad["status"] == "error" and bad["ename"] and "nope" in bad["evalue"]
    msg = kc.session.msg("execute_request", {"code": "throw new Error('x')", "silent": False, "store_history": True,
                                             "user_expressions": {}, "allow_stdin": False, "stop_on_error": False})
    kc.shell_channel.send(msg)
    reply, _ = kutil.collect(kc, msg["header"]["msg_id"])
    assert REQUIRED["execute_reply"] | {"ename", "evalue", "traceback"} <= set(reply["content"])


def test_inspect_complete_history_is_complete_replies(kc):
    kutil.execute(kc, "const inspectMe = [1, 2, 3];")
    c = request(kc, "inspect_request", {"code": "inspectMe", "cursor_pos": 4, "detail_level": 0})
    assert c["found"] and "number[]" in c["data"]["text/plain"]
    c = request(kc, "inspect_request", {"code": "   ", "cursor_pos": 1, "detail_level": 0})
    assert c == {"status": "ok", "found": False, "data": {}, "metadata": {}}
    c = request(kc, "complete_request", {"code": "inspectM", "cursor_pos": 8})
    assert "inspectMe" in c["matches"] and (c["cursor_start"], c["cursor_end"]) == (0, 8)
    c = request(kc, "history_request", {"output": True, "raw": True, "hist_access_type": "tail", "n": 1})
    assert c["history"][-1][2] == ["const inspectMe = [1, 2, 3];", None]
    assert request(kc, "is_complete_request", {"code": "if (x) {"}) == {"status": "incomplete", "indent": "  "}
    assert request(kc, "is_complete_request", {"code": "const = 1"}) == {"status": "invalid"}
    assert request(kc, "is_complete_request", {"code": "await f()"}) == {"status": "complete"}


def test_comm_info_lists_open_comms_with_target_names(kc):
    kutil.execute(kc, "const ci1 = mt.openComm('minitron.a');\nconst ci2 = mt.openComm('minitron.b');")
    names = sorted(v["target_name"] for v in request(kc, "comm_info_request", {})["comms"].values())
    assert names.count("minitron.a") >= 1 and names.count("minitron.b") >= 1
    only_a = request(kc, "comm_info_request", {"target_name": "minitron.a"})["comms"]
    assert only_a and all(v == {"target_name": "minitron.a"} for v in only_a.values())
    kutil.execute(kc, "ci1.close(); ci2.close();")
    assert not request(kc, "comm_info_request", {"target_name": "minitron.a"})["comms"]


def test_interrupt_reply_when_idle(kc):
    assert request(kc, "interrupt_request", {}, "control") == {"status": "ok"}


def _subscribe(kernel, topic: bytes):
    """A raw SUB socket on the kernel's XPUB iopub; returns the first message it receives (deserialized)."""
    km = kernel[0]
    ctx = zmq.Context.instance()
    sub = ctx.socket(zmq.SUB)
    try:
        sub.setsockopt(zmq.SUBSCRIBE, topic)
        sub.connect(f"{km.transport}://{km.ip}:{km.iopub_port}")
        assert sub.poll(10_000), "no iopub_welcome within 10 s"
        frames = sub.recv_multipart()
        session = Session(key=km.session.key, signature_scheme=km.session.signature_scheme)
        idents, parts = session.feed_identities(frames)
        return idents, session.deserialize(parts)
    finally:
        sub.close(linger=0)


@pytest.mark.parametrize("topic", [b"", b"minitron-topic"])
def test_iopub_is_xpub_and_welcomes_each_subscription(kernel, topic):
    idents, msg = _subscribe(kernel, topic)
    assert msg["msg_type"] == "iopub_welcome"
    assert msg["content"] == {"subscription": topic.decode()}
    assert msg["parent_header"] == {}
    assert idents == ([topic] if topic else [])
    # A second subscriber to the same topic is welcomed too.
    assert _subscribe(kernel, topic)[1]["msg_type"] == "iopub_welcome"


def test_shutdown_reply_on_control():
    km, kc = kutil.start()
    try:
        content = request(kc, "shutdown_request", {"restart": False}, "control")
        assert content == {"status": "ok", "restart": False}
        deadline = time.monotonic() + 20
        while km.is_alive() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not km.is_alive()
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
