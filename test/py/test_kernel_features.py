"""jupyter_client-driven tests of the minitron kernel: rich displays, comms, interrupt, robustness, restart."""
import time
import uuid
from queue import Empty

import pytest

import kutil
from kutil import execute, iopub_until, of_type, result_text

SPEC = ("{ family: 'llama', vocabSize: 100, hiddenSize: 64, numLayers: 2, numHeads: 4, numKvHeads: 2, headDim: 16, "
        "ffnHiddenSize: 128, activation: 'silu', mlpType: 'gated', normType: 'rmsnorm', normEps: 1e-5, positional: 'rope', "
        "ropeTheta: 10000, ropeScaling: null, maxPositions: 128, tiedEmbeddings: true, qkvBias: false, oBias: false, "
        "mlpBias: false, slidingWindow: null, bosTokenId: null, eosTokenId: null }")


def send_shell(kc, msg_type, content):
    msg = kc.session.msg(msg_type, content)
    kc.shell_channel.send(msg)
    return msg["header"]["msg_id"]


# ---- preload and types ------------------------------------------------------------------------------------------

def test_mt_and_tf_preloaded_with_types(kc):
    reply, out = execute(kc, f"const spec: mt.ModelSpec = {SPEC};\nconst n: number = mt.specParamCount(spec);\n"
                             "const t = tf.tensor2d([[1, 2], [3, 4]]);\nconst s: number[] = t.shape;\n[n > 0, s]")
    assert reply["content"]["status"] == "ok", out
    assert result_text(out) == "[ true, [ 2, 2 ] ]"
    reply, out = execute(kc, "tf.sum(t).dataSync()[0]")
    assert result_text(out) == "10"


def test_type_error_points_at_cell_line(kc):
    reply, out = execute(kc, "const ok = 1;\nconst alsoOk = 2;\nconst bad: string = mt.specParamCount(spec);")
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "TSError"
    assert reply["content"]["evalue"].startswith("line 3:")
    tb = "\n".join(reply["content"]["traceback"])
    assert "3 | const bad: string" in tb and "^" in tb
    assert len(of_type(out, "error")) == 1


def test_inspect_and_complete_know_the_library(kc):
    kc.inspect("mt.display", cursor_pos=len("mt.disp"))
    reply = kc.get_shell_msg(timeout=30)
    assert reply["content"]["found"]
    assert "DisplayHandle" in reply["content"]["data"]["text/plain"]
    kc.complete("tf.tensor2")
    reply = kc.get_shell_msg(timeout=30)
    assert "tensor2d" in reply["content"]["matches"]
    assert reply["content"]["cursor_end"] == len("tf.tensor2")


# ---- displays -----------------------------------------------------------------------------------------------------

def test_last_value_of_library_object_is_rich_json(kc):
    reply, out = execute(kc, "spec")
    data = of_type(out, "execute_result")[0]["content"]["data"]
    payload = data["application/vnd.minitron.model-spec+json"]
    assert isinstance(payload, dict) and payload["hiddenSize"] == 64
    assert "text/plain" in data and "<table>" in data["text/html"]


def test_display_bundles_are_json_objects(kc):
    code = ("mt.display({ kind: 'arch-plan', from: spec, target: { hiddenSize: 32, ffnHiddenSize: 64, numHeads: 2, numLayers: 1 },"
            " keep: { heads: [[0, 1], []], neurons: [[0, 1], []], channels: [0, 1], layers: [0] } });\n"
            "mt.display({ 'application/vnd.plotly.v1+json': { data: [{ y: [1, 2] }], layout: {} }, 'text/plain': 'plot' });\n"
            "mt.displayBundle({ 'application/json': '{\"a\": 1}' });")
    reply, out = execute(kc, code)
    assert reply["content"]["status"] == "ok"
    shown = [m["content"]["data"] for m in of_type(out, "display_data")]
    assert len(shown) == 3
    plan = shown[0]["application/vnd.minitron.arch-plan+json"]
    assert isinstance(plan, dict) and plan["target"]["numLayers"] == 1
    assert isinstance(shown[1]["application/vnd.plotly.v1+json"], dict)
    assert shown[2]["application/json"] == {"a": 1}
    assert not of_type(out, "execute_result")  # display() returns a quiet handle


def test_updatable_display_and_progress(kc):
    reply, out = execute(kc, "const h = mt.display('first', { displayId: 'my-id' });\nh.update('second');\n"
                             "const p = mt.progress(3, { label: 'steps', minIntervalMs: 0 });\np.tick(); p.tick(); p.done();")
    assert reply["content"]["status"] == "ok"
    first = of_type(out, "display_data")
    updates = of_type(out, "update_display_data")
    assert first[0]["content"]["transient"]["display_id"] == "my-id"
    assert updates[0]["content"]["transient"]["display_id"] == "my-id"
    assert updates[0]["content"]["data"]["text/plain"] == "second"
    bar_id = first[1]["content"]["transient"]["display_id"]
    bar_updates = [u for u in updates if u["content"]["transient"]["display_id"] == bar_id]
    assert bar_updates[-1]["content"]["data"]["application/vnd.minitron.progress+json"]["value"] == 3


def test_live_loss_updates_train_history(kc):
    reply, out = execute(kc, "const live = mt.liveLoss({ minIntervalMs: 0 });\n"
                             "for (let i = 0; i < 3; i++) live.push({ step: i, tokens: 8 * i, loss: 3 - i, lr: 1e-3 });")
    assert reply["content"]["status"] == "ok"
    ups = of_type(out, "update_display_data")
    rows = ups[-1]["content"]["data"]["application/vnd.minitron.train-history+json"]["rows"]
    assert [r["loss"] for r in rows] == [3, 2, 1]


# ---- comms ------------------------------------------------------------------------------------------------------

def test_comm_opened_by_kernel_round_trip(kc):
    reply, out = execute(kc, "const c = mt.openComm('minitron.test', { hello: 1 });\n"
                             "c.onMsg((d) => c.send({ echo: d }));\nc.onClose((d) => console.log('closed', JSON.stringify(d)));")
    assert reply["content"]["status"] == "ok", out
    opened = of_type(out, "comm_open")
    assert opened and opened[0]["content"]["target_name"] == "minitron.test" and opened[0]["content"]["data"] == {"hello": 1}
    comm_id = opened[0]["content"]["comm_id"]
    send_shell(kc, "comm_msg", {"comm_id": comm_id, "data": {"x": 1}})
    msg = iopub_until(kc, lambda m: m["msg_type"] == "comm_msg")
    assert msg["content"] == {"comm_id": comm_id, "data": {"echo": {"x": 1}}}
    send_shell(kc, "comm_close", {"comm_id": comm_id, "data": {"bye": True}})
    msg = iopub_until(kc, lambda m: m["msg_type"] == "stream")
    assert 'closed {"bye":true}' in msg["content"]["text"]
    kc.comm_info()
    info = kc.get_shell_msg(timeout=30)
    assert info["msg_type"] == "comm_info_reply" and comm_id not in info["content"]["comms"]


def test_comm_opened_by_frontend_round_trip(kc):
    reply, out = execute(kc, "mt.registerCommTarget('minitron.echo', (comm, data) => {\n"
                             "  comm.send({ got: data });\n"
                             "  comm.onMsg((d) => d.close ? comm.close({ reason: 'asked' }) : comm.send({ echo: d }));\n});")
    assert reply["content"]["status"] == "ok", out
    comm_id = uuid.uuid4().hex
    send_shell(kc, "comm_open", {"comm_id": comm_id, "target_name": "minitron.echo", "data": {"a": 1}})
    msg = iopub_until(kc, lambda m: m["msg_type"] == "comm_msg")
    assert msg["content"] == {"comm_id": comm_id, "data": {"got": {"a": 1}}}
    kc.comm_info(target_name="minitron.echo")
    info = kc.get_shell_msg(timeout=30)
    assert info["content"]["comms"] == {comm_id: {"target_name": "minitron.echo"}}
    send_shell(kc, "comm_msg", {"comm_id": comm_id, "data": {"n": 2}})
    assert iopub_until(kc, lambda m: m["msg_type"] == "comm_msg")["content"]["data"] == {"echo": {"n": 2}}
    send_shell(kc, "comm_msg", {"comm_id": comm_id, "data": {"close": True}})
    closed = iopub_until(kc, lambda m: m["msg_type"] == "comm_close")
    assert closed["content"] == {"comm_id": comm_id, "data": {"reason": "asked"}}
    # An unknown target is refused with comm_close.
    other = uuid.uuid4().hex
    send_shell(kc, "comm_open", {"comm_id": other, "target_name": "no.such.target", "data": {}})
    assert iopub_until(kc, lambda m: m["msg_type"] == "comm_close")["content"]["comm_id"] == other


# ---- interrupt and robustness ---------------------------------------------------------------------------------------

def interrupt_cell(km, kc, code, via_message=False, wait=1.5):
    """Runs code, interrupts it after `wait` s (again every 3 s until it answers, like a user pressing twice:
    a SIGINT that lands while the kernel is still compiling a never-yielding loop cannot stop it)."""
    msg_id = kc.execute(code)
    time.sleep(wait)
    t0 = time.monotonic()
    reply = None
    for _ in range(6):
        if via_message:
            kc.control_channel.send(kc.session.msg("interrupt_request", {}))
        else:
            km.interrupt_kernel()
        try:
            while reply is None:
                msg = kc.get_shell_msg(timeout=3)
                if msg["parent_header"].get("msg_id") == msg_id:
                    reply = msg
        except Empty:
            continue
        break
    assert reply is not None, "the cell did not stop after 6 interrupts"
    dt = time.monotonic() - t0
    out = []
    while True:
        msg = kc.get_iopub_msg(timeout=30)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            break
        out.append(msg)
    return reply, out, dt


@pytest.mark.parametrize("code,via_message", [
    ("globalThis.n1 = 0; while (true) { (globalThis as any).n1++; }", False),
    ("const x = tf.tensor([1, 2, 3]);\nfor (let step = 0; ; step++) {\n  const loss = tf.sum(x);\n"
     "  await loss.data();\n  loss.dispose();\n  (globalThis as any).n2 = step;\n}", False),
    ("async function train() {\n  for (let step = 0; ; step++) {\n    await new Promise((r) => setTimeout(r, 1));\n"
     "    (globalThis as any).n3 = step;\n  }\n}\nawait train();", True),
    # Library-style loops (built with new Function, so the kernel does not rewrite their awaits):
    ("const lib = new Function('mt', 'return async () => { for (let i = 1; ; i++) { globalThis.n4 = i; await mt.checkpoint(); } }')(mt);\n"
     "await lib();", False),
    ("const lib2 = new Function('return async () => { for (let i = 1; ; i++) { globalThis.n5 = i; "
     "await new Promise((r) => setImmediate(r)); } }')();\nawait lib2();", True),
], ids=["sync-loop-sigint", "async-training-loop-sigint", "timer-loop-interrupt-request", "library-checkpoint-loop",
        "library-setimmediate-loop"])
def test_interrupt_long_loop(kernel, code, via_message):
    km, kc = kernel
    kutil.drain(kc)
    reply, out, dt = interrupt_cell(km, kc, code, via_message)
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "Interrupted"
    assert dt < 20
    # The loop is really stopped: its counter no longer moves.
    counter = next(n for n in ("n1", "n2", "n3", "n4", "n5") if n in code)
    _, out = execute(kc, f"const a_{counter} = (globalThis as any).{counter};\nawait new Promise((r) => setTimeout(r, 300));\n"
                         f"[a_{counter} > 0, a_{counter} === (globalThis as any).{counter}]")
    assert result_text(out) == "[ true, true ]"
    reply, out = execute(kc, "1 + 1")
    assert result_text(out) == "2"


@pytest.mark.parametrize("via_message", [True, False], ids=["interrupt-request", "sigint"])
def test_interrupt_stops_distill_at_a_step_boundary(kernel, tmp_path, via_message):
    """The cell's stop signal (installed with mt.installHost) stops mt.distill between steps with a checkpoint."""
    km, kc = kernel
    kutil.drain(kc)
    out_dir = str(tmp_path / "run")
    tag = "via_msg" if via_message else "via_sig"
    setup = (f"const spec_{tag}: mt.ModelSpec = {SPEC};\n"
             f"const params_{tag}: mt.Params = {{}};\n"
             f"for (const [n, s] of mt.expectedShapes(spec_{tag})) params_{tag}[n] = tf.randomNormal(s, 0, 0.05, 'float32', 1);\n"
             f"const ids_{tag} = Array.from({{ length: 4096 }}, (_, i) => (i * 7) % 100);\n'ready'")
    reply, out = execute(kc, setup)
    assert reply["content"]["status"] == "ok", out
    code = (f"(globalThis as any).{tag} = 0;\n"
            f"await mt.distill({{ mode: 'ce', teacher: null, student: {{ spec: spec_{tag}, params: params_{tag} }}, data: ids_{tag},\n"
            f"  steps: 100000, batch: 2, seqLen: 32, outDir: {out_dir!r}, onStep: (row) => {{ (globalThis as any).{tag} = row.step; }} }});")
    reply, out, dt = interrupt_cell(km, kc, code, via_message, wait=3)
    assert reply["content"]["ename"] == "Interrupted"
    assert dt < 20
    time.sleep(1)  # the loop finishes its step, sees the aborted signal and writes the checkpoint
    reply, out = execute(kc, f"const a_{tag} = (globalThis as any).{tag};\nawait new Promise((r) => setTimeout(r, 500));\n"
                             f"const st_{tag} = JSON.parse(require('fs').readFileSync({out_dir!r} + '/checkpoint/state.json', 'utf8'));\n"
                             f"[a_{tag} > 0, a_{tag} === (globalThis as any).{tag}, st_{tag}.step === a_{tag}]")
    assert result_text(out) == "[ true, true, true ]", out


def test_hundred_failing_cells_leave_kernel_healthy(kc):
    t0 = time.monotonic()
    for i in range(100):
        code = f"const bad{i}: number = 'x';" if i % 2 else f"throw new Error('fail {i}')"
        reply, out = execute(kc, code)
        assert reply["content"]["status"] == "error"
        assert len(of_type(out, "error")) == 1
    print(f"100 failing cells: {time.monotonic() - t0:.1f}s")
    reply, out = execute(kc, "const fine = 20 + 22;\nfine")
    assert reply["content"]["status"] == "ok" and result_text(out) == "42"


def test_unhandled_rejection_and_uncaught_exception_do_not_kill(kernel):
    km, kc = kernel
    kutil.drain(kc)
    reply, out = execute(kc, "Promise.reject(new Error('nobody catches me'));\n"
                             "setTimeout(() => { throw new Error('thrown from a timer'); }, 10);\n'scheduled'")
    assert reply["content"]["status"] == "ok"
    time.sleep(0.5)
    assert km.is_alive()
    reply, out = execute(kc, "'still alive'")
    assert result_text(out) == "'still alive'"


def test_restart_and_shutdown():
    km, kc = kutil.start()
    try:
        _, out = execute(kc, "const before = 1;\nbefore")
        assert result_text(out) == "1"
        km.restart_kernel(now=False)
        kc.wait_for_ready(timeout=kutil.START_TIMEOUT)
        reply, out = execute(kc, "typeof (globalThis as any).before === 'undefined' && mt !== undefined")
        assert reply["content"]["status"] == "ok" and result_text(out) == "true"
        reply, out = execute(kc, "before")  # state is gone after the restart
        assert reply["content"]["status"] == "error"
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=False)
    assert not km.is_alive()


def test_shutdown_request_exits_cleanly(tmp_path):
    """A shutdown_request (what JupyterLab and nbclient send) ends the process with status 0 and nothing on stderr
    after the start-up lines: no abort from the stdin thread's zeromq socket."""
    err_path = tmp_path / "kernel.stderr"
    with open(err_path, "w") as err:
        km, kc = kutil.start(stderr=err)
        proc = km.provisioner.process  # subprocess.Popen of the kernel
        try:
            _, out = execute(kc, "1 + 1")
            assert result_text(out) == "2"
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=False)
    assert not km.is_alive()
    assert proc.wait(timeout=10) == 0, err_path.read_text()
    assert "terminate called" not in err_path.read_text(), err_path.read_text()


def test_stop_on_error_aborts_queued_cells(kc):
    first = kc.execute("await new Promise((r) => setTimeout(r, 300));\nthrow new Error('first fails')")
    queued = kc.execute("'should not run'")
    reply, _ = kutil.collect(kc, first)
    assert reply["content"]["status"] == "error"
    reply, out = kutil.collect(kc, queued)
    assert reply["content"]["status"] == "aborted"
    assert not of_type(out, "execute_result")
    # Requests sent after the failure run normally; stop_on_error=False never aborts.
    first = kc.execute("await new Promise((r) => setTimeout(r, 300));\nthrow new Error('again')", stop_on_error=False)
    queued = kc.execute("'runs'")
    kutil.collect(kc, first)
    reply, out = kutil.collect(kc, queued)
    assert reply["content"]["status"] == "ok" and result_text(out) == "'runs'"


def test_tensors_print_as_tfjs_summaries(kc):
    reply, out = execute(kc, "const tt = tf.tensor2d([[1, 2], [3, 4]]);\nconsole.log(tt);\ntt")
    assert reply["content"]["status"] == "ok"
    printed = "".join(m["content"]["text"] for m in of_type(out, "stream") if m["content"]["name"] == "stdout")
    assert "[[1, 2]," in printed and "[3, 4]]" in printed
    assert "[[1, 2]," in result_text(out)
    reply, out = execute(kc, "tt.dispose();\ntt")
    assert result_text(out) == "Tensor (disposed)"


# ---- stdin -------------------------------------------------------------------------------------------------------

def test_prompt_and_input_use_stdin_when_allowed(kc):
    msg_id = kc.execute("const who: string = prompt('name? ');\n"
                        "const pw: string = await mt.input('token: ', { password: true });\n`${who}/${pw.length}`",
                        allow_stdin=True)
    answers = iter(["ada", "s3cret"])
    seen = []
    for _ in range(2):
        req = kc.get_stdin_msg(timeout=30)
        assert req["msg_type"] == "input_request" and req["parent_header"]["msg_id"] == msg_id
        seen.append(req["content"])
        kc.input(next(answers))
    assert seen == [{"prompt": "name? ", "password": False}, {"prompt": "token: ", "password": True}]
    reply, out = kutil.collect(kc, msg_id)
    assert reply["content"]["status"] == "ok" and result_text(out) == "'ada/6'"
    # A default answers an empty line, as in a browser.
    msg_id = kc.execute("prompt('colour? ', 'blue')", allow_stdin=True)
    kc.get_stdin_msg(timeout=30)
    kc.input("")
    assert result_text(kutil.collect(kc, msg_id)[1]) == "'blue'"


def test_prompt_without_stdin_is_a_clear_error(kc):
    reply, out = execute(kc, "prompt('name? ')", allow_stdin=False)
    c = reply["content"]
    assert c["status"] == "error" and c["ename"] == "StdinError"
    assert "does not allow stdin" in c["evalue"] and "allow_stdin" in c["evalue"]
    with pytest.raises(Empty):
        kc.get_stdin_msg(timeout=0.5)


# ---- tfjs as documented ----------------------------------------------------------------------------------------------

def test_chained_ops_are_registered_and_typed(kc):
    code = ("const ca = tf.tensor2d([[1, 2], [3, 4]]);\nconst cb = tf.tensor2d([[0.5, -1], [2, 0]]);\n"
            "const chained: tf.Scalar = ca.matMul(cb).add(1).relu().mean();\n"
            "const functional = tf.mean(tf.relu(tf.add(tf.matMul(ca, cb), 1)));\n"
            "const cat = tf.tensor([1, 2, 3]).concat(tf.tensor([4])).reshape([2, 2]).transpose().flatten();\n"
            "[chained.dataSync()[0] === functional.dataSync()[0], Array.from(cat.dataSync()),\n"
            " tf.tensor([1, 2, 3]).sum().arraySync(), tf.tensor([-1.5]).abs().asScalar().arraySync()]")
    reply, out = execute(kc, code)
    assert reply["content"]["status"] == "ok", out
    assert result_text(out) == "[ true, [ 1, 3, 2, 4 ], 6, 1.5 ]"
    # Chained ops are typed: a wrong argument is a type error, not a run-time surprise.
    reply, out = execute(kc, "tf.tensor([1, 2]).sum('not an axis' as unknown as boolean[])")
    assert reply["content"]["ename"] == "TSError"


def test_fastest_backend_chosen_at_start_without_banner(kc):
    reply, out = execute(kc, "const bi = mt.backendInfo();\n[bi !== null, bi?.requested, bi?.tfjsBackend === tf.getBackend()]")
    assert result_text(out) == "[ true, 'auto', true ]", out
    reply, out = execute(kc, "tf.ones([2, 2]).sum().dataSync()[0]")
    assert result_text(out) == "4"
    text = "".join(m["content"]["text"] for m in of_type(out, "stream"))
    assert "tfjs-node" not in text and "Hi, looks like" not in text


# ---- TypeScript as users write it ------------------------------------------------------------------------------------

def test_shorthand_destructuring_and_closures_name_earlier_cells(kc):
    assert execute(kc, "const teacherS = { name: 't' };\nlet studentS = 2;\nlet pS = 1, qS = 2;")[0]["content"]["status"] == "ok"
    reply, out = execute(kc, "const oS = { teacherS, studentS };\nJSON.stringify(oS)")
    assert reply["content"]["status"] == "ok", reply["content"]
    assert result_text(out) == """'{"teacherS":{"name":"t"},"studentS":2}'"""
    # Destructuring assignment with shorthand targets writes the earlier cell's variables, not stray globals.
    reply, out = execute(kc, "({ pS, qS } = { pS: 10, qS: 20 });\n[pS, qS, typeof (globalThis as any).pS]")
    assert result_text(out) == "[ 10, 20, 'undefined' ]"
    reply, out = execute(kc, "const { name: nameS } = teacherS;\n[qS, pS] = [pS, qS];\nconst closS = () => `${nameS}:${studentS}:${pS}`;\nclosS()")
    assert result_text(out) == "'t:2:20'"
    execute(kc, "studentS = 5;")
    assert result_text(execute(kc, "closS()")[1]) == "'t:5:20'"
    # Type errors in a line with shorthands point at the cell's own columns.
    reply, _ = execute(kc, "const wrongS: string = { teacherS, nopeS };")
    assert reply["content"]["ename"] == "TSError"
    tb = "\n".join(reply["content"]["traceback"])
    assert "column 36: Cannot find name 'nopeS'" in tb


def test_redeclaring_let_and_const_last_definition_wins(kc):
    execute(kc, "let reD = 1;\nconst reC = 'a';")
    reply, out = execute(kc, "const reD = 'now a string';\nlet reC = 2;\n[reD.toUpperCase(), reC + 1]")
    assert reply["content"]["status"] == "ok", reply["content"]
    assert result_text(out) == "[ 'NOW A STRING', 3 ]"
    assert result_text(execute(kc, "typeof reD")[1]) == "'string'"


def test_runtime_error_shows_cell_line_and_hides_executor_frames(kc):
    code = ("function deepS(n: number) {\n  const s: { x?: { y: number } } = {};\n  return s.x!.y + n;\n}\n"
            "const fineS = 1;\ndeepS(3)")
    reply, out = execute(kc, code)
    c = reply["content"]
    assert c["ename"] == "TypeError" and "reading 'y'" in c["evalue"]
    tb = "\n".join(c["traceback"])
    assert c["traceback"][0].endswith(f"TypeError\x1b[0m: {c['evalue']}")
    assert "line 3, column" in tb and "3 |   return s.x!.y + n;" in tb and "line 6, column 1" in tb
    for hidden in ("node:vm", "tslab", "kernel/dist", "evalmachine", "runInThisContext"):
        assert hidden not in tb, tb
    # A library error: its message first, no compiled dist/ source line before it.
    reply, _ = execute(kc, "const libErrS = 1;\nmt.readLine('never asked')", allow_stdin=False)
    assert reply["content"]["ename"] == "StdinError"
    first = reply["content"]["traceback"][0]
    tb = "\n".join(reply["content"]["traceback"])
    assert reply["content"]["evalue"] in first and "dist/" not in first and "line 2, column 4" in tb
    assert "dist/host/stdin.js" in tb  # library frames stay


def test_full_stack_with_debug_env():
    km, kc = kutil.start(env={"MINITRON_KERNEL_DEBUG": "1"})
    try:
        reply, _ = execute(kc, "throw new Error('debug me')")
        tb = "\n".join(reply["content"]["traceback"])
        assert "Error: debug me" in tb and "tslab" in tb
    finally:
        kutil.stop(km, kc)


def test_interrupt_while_waiting_for_input(kernel):
    km, kc = kernel
    kutil.drain(kc)
    msg_id = kc.execute("await new Promise((r) => setTimeout(r, 10));\nconst never = await mt.input('waiting: ');", allow_stdin=True)
    assert kc.get_stdin_msg(timeout=30)["content"]["prompt"] == "waiting: "
    kc.control_channel.send(kc.session.msg("interrupt_request", {}))
    reply, _ = kutil.collect(kc, msg_id, timeout=20)
    assert reply["content"]["status"] == "error" and reply["content"]["ename"] == "Interrupted"
    # A late answer to the abandoned request is ignored; the next prompt gets its own.
    kc.input("late")
    time.sleep(0.5)
    msg_id = kc.execute("prompt('again? ')", allow_stdin=True)
    assert kc.get_stdin_msg(timeout=30)["content"]["prompt"] == "again? "
    kc.input("fresh")
    assert result_text(kutil.collect(kc, msg_id)[1]) == "'fresh'"
