"""The Jupyter widget protocol (2.1, as JupyterLab's stock manager speaks it) driven with jupyter_client: comm_open on
target jupyter.widget with model state, widget-view displays, updates both ways (binary buffers too), request_state,
the jupyter.widget.control request_states, button clicks, link and interact; prints the update round-trip latency."""
import statistics
import time
import uuid

import pytest

import kutil
from kutil import execute, iopub_until, of_type, result_text

VIEW_MIME = "application/vnd.jupyter.widget-view+json"


def send_comm(kc, comm_id, data, buffers=None):
    msg = kc.session.msg("comm_msg", {"comm_id": comm_id, "data": data})
    if buffers:
        msg["buffers"] = buffers
    kc.shell_channel.send(msg)
    return msg["header"]["msg_id"]


def opened(out, model_name):
    return [m for m in of_type(out, "comm_open") if m["content"]["data"]["state"].get("_model_name") == model_name]


def update_for(comm_id):
    return lambda m: m["msg_type"] == "comm_msg" and m["content"]["comm_id"] == comm_id and m["content"]["data"]["method"] == "update"


def test_slider_opens_models_and_displays_a_widget_view(kc):
    reply, out = execute(kc, "const sl = new mt.IntSlider({ min: 0, max: 10, value: 4, description: 'n' });\nsl")
    assert reply["content"]["status"] == "ok", reply["content"]
    (slider,) = opened(out, "IntSliderModel")
    c = slider["content"]
    assert c["target_name"] == "jupyter.widget" and slider["metadata"] == {"version": "2.1.0"}
    st = c["data"]["state"]
    assert (st["_model_module"], st["_model_module_version"], st["_view_name"]) == ("@jupyter-widgets/controls", "2.0.0", "IntSliderView")
    assert (st["value"], st["min"], st["max"], st["description"]) == (4, 0, 10, "n")
    layout_id = st["layout"].removeprefix("IPY_MODEL_")
    assert [m["content"]["comm_id"] for m in opened(out, "LayoutModel")].count(layout_id) == 1
    assert opened(out, "SliderStyleModel")
    view = of_type(out, "execute_result")[0]["content"]["data"][VIEW_MIME]
    assert view == {"version_major": 2, "version_minor": 0, "model_id": c["comm_id"]}


def test_updates_both_ways_and_request_state(kc):
    _, out = execute(kc, "const s2 = new mt.IntSlider({ value: 1 });\nconst seen: number[] = [];\n"
                         "s2.observe((c) => seen.push(c.new as number), ['value']);")
    sid = opened(out, "IntSliderModel")[0]["content"]["comm_id"]
    # Front end → kernel: the model and the observers see the value.
    send_comm(kc, sid, {"method": "update", "state": {"value": 7}, "buffer_paths": []})
    time.sleep(0.3)
    assert result_text(execute(kc, "[s2.value, seen]")[1]) == "[ 7, [ 7 ] ]"
    # Kernel → front end: setting the value sends an update.
    _, out = execute(kc, "s2.value = 3;")
    ups = [m for m in of_type(out, "comm_msg") if m["content"]["comm_id"] == sid]
    assert ups[0]["content"]["data"] == {"method": "update", "state": {"value": 3}, "buffer_paths": []}
    # request_state is answered with the full state.
    send_comm(kc, sid, {"method": "request_state"})
    full = iopub_until(kc, update_for(sid))["content"]["data"]["state"]
    assert full["value"] == 3 and full["_model_name"] == "IntSliderModel" and full["layout"].startswith("IPY_MODEL_")


def test_control_comm_request_states_lists_live_models(kc):
    _, out = execute(kc, "const s3 = new mt.FloatSlider({ value: 0.25 });")
    sid = opened(out, "FloatSliderModel")[0]["content"]["comm_id"]
    control = uuid.uuid4().hex
    kc.shell_channel.send(kc.session.msg("comm_open", {"comm_id": control, "target_name": "jupyter.widget.control", "data": {}}))
    send_comm(kc, control, {"method": "request_states"})
    msg = iopub_until(kc, lambda m: m["msg_type"] == "comm_msg" and m["content"]["comm_id"] == control)
    data = msg["content"]["data"]
    assert data["method"] == "update_states"
    entry = data["states"][sid]
    assert (entry["model_name"], entry["model_module"], entry["model_module_version"]) == ("FloatSliderModel", "@jupyter-widgets/controls", "2.0.0")
    assert entry["state"]["value"] == 0.25


def test_binary_buffers_both_ways(kc):
    _, out = execute(kc, "const img = new mt.Widget(mt.controlsModel('Image'), { value: new Uint8Array([137, 80, 78, 71]), format: 'png', width: '', height: '' });")
    iid = opened(out, "ImageModel")[0]["content"]["comm_id"]
    ups = [m for m in of_type(out, "comm_msg") if m["content"]["comm_id"] == iid]
    assert ups[0]["content"]["data"]["buffer_paths"] == [["value"]] and ups[0]["buffers"][0] == b"\x89PNG"
    send_comm(kc, iid, {"method": "update", "state": {}, "buffer_paths": [["value"]]}, buffers=[b"\x01\x02\x03"])
    time.sleep(0.3)
    assert result_text(execute(kc, "const dv = img.get('value') as unknown as DataView;\n[dv.byteLength, dv.getUint8(2)]")[1]) == "[ 3, 3 ]"


def test_button_click_link_and_interact(kc):
    _, out = execute(kc, "let clicks = 0;\nconst btn = new mt.Button({ description: 'go' });\nbtn.onClick(() => { clicks++; });")
    bid = opened(out, "ButtonModel")[0]["content"]["comm_id"]
    send_comm(kc, bid, {"method": "custom", "content": {"event": "click"}})
    send_comm(kc, bid, {"method": "custom", "content": {"event": "click"}})
    time.sleep(0.3)
    assert result_text(execute(kc, "clicks")[1]) == "2"
    _, out = execute(kc, "const la = new mt.IntSlider({ value: 1 });\nconst lb = new mt.IntSlider({ value: 9 });\nmt.link([la, 'value'], [lb, 'value']);")
    a_id, b_id = [m["content"]["comm_id"] for m in opened(out, "IntSliderModel")]
    send_comm(kc, a_id, {"method": "update", "state": {"value": 6}, "buffer_paths": []})
    assert iopub_until(kc, update_for(b_id))["content"]["data"]["state"] == {"value": 6}
    _, out = execute(kc, "const ia = mt.interact(({ n, on }) => on ? `n*2=${n * 2}` : 'off', { n: new mt.IntSlider({ value: 2 }), on: new mt.Checkbox({ value: true }) });\nia")
    (outw,) = opened(out, "OutputModel")
    oid = outw["content"]["comm_id"]
    box = opened(out, "VBoxModel")[0]["content"]["data"]["state"]
    assert box["children"][-1] == f"IPY_MODEL_{oid}" and len(box["children"]) == 3
    assert of_type(out, "execute_result")[0]["content"]["data"][VIEW_MIME]["model_id"] == opened(out, "VBoxModel")[0]["content"]["comm_id"]
    n_id = opened(out, "IntSliderModel")[0]["content"]["comm_id"]
    send_comm(kc, n_id, {"method": "update", "state": {"value": 21}, "buffer_paths": []})
    shown = iopub_until(kc, lambda m: update_for(oid)(m) and m["content"]["data"]["state"].get("outputs"))
    assert shown["content"]["data"]["state"]["outputs"][0]["data"]["text/plain"] == "n*2=42"


def test_round_trip_latency(kc):
    """Front end moves a slider → kernel (link) → update of the linked slider back on iopub."""
    _, out = execute(kc, "const ra = new mt.IntSlider();\nconst rb = new mt.IntSlider();\nmt.link([ra, 'value'], [rb, 'value']);")
    a_id, b_id = [m["content"]["comm_id"] for m in opened(out, "IntSliderModel")]
    times = []
    for v in range(1, 31):
        t0 = time.perf_counter()
        send_comm(kc, a_id, {"method": "update", "state": {"value": v}, "buffer_paths": []})
        msg = iopub_until(kc, update_for(b_id))
        times.append(time.perf_counter() - t0)
        assert msg["content"]["data"]["state"] == {"value": v}
    print(f"widget update round trip over 30 moves: median {statistics.median(times) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms")
