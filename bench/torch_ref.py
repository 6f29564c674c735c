"""PyTorch (CPU) side of each benchmark row, one row per process so peak RSS is per row.

    .venv/bin/python bench/torch_ref.py <row> <outDir>

Prints one JSON line. Same shapes, same weights and same token ids as bench/rows.ts.
"""
import json
import os
import resource
import sys
import time

import torch
import torch.nn.functional as F

REAL_MODEL_DIR = ".cache/models/smollm2-135m"


def time_it(fn, warmup, iters):
    for _ in range(warmup):
        fn()
    all_ms = []
    for _ in range(iters):
        t0 = time.perf_counter()
        fn()
        all_ms.append((time.perf_counter() - t0) * 1000)
    return sorted(all_ms)[len(all_ms) // 2]


def bench_ids(b, t, vocab):
    return (torch.arange(b * t, dtype=torch.int64) * 7919 + 13).remainder(vocab).reshape(b, t)


def sgemm():
    n = 1024
    g = torch.Generator().manual_seed(0)
    a = torch.rand(n, n, generator=g) * 2 - 1
    b = torch.rand(n, n, generator=g) * 2 - 1
    ms = time_it(lambda: torch.mm(a, b), 2, 10)
    return {"n": n, "torchGflops": 2 * n**3 / ms / 1e6, "torchMs": ms}


# ---- tiny model (bench/tiny_model.ts) ----
CFG = dict(vocab=512, dim=256, layers=2, heads=4, ffn=1024, eps=1e-5)


def tiny_shapes(c):
    out = [("embed", [c["vocab"], c["dim"]])]
    d, f = c["dim"], c["ffn"]
    for l in range(c["layers"]):
        out += [(f"l{l}.ln1", [d]), (f"l{l}.wq", [d, d]), (f"l{l}.wk", [d, d]), (f"l{l}.wv", [d, d]), (f"l{l}.wo", [d, d]),
                (f"l{l}.ln2", [d]), (f"l{l}.wg", [f, d]), (f"l{l}.wu", [f, d]), (f"l{l}.wd", [d, f])]
    return out + [("norm", [d])]


def rms(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def tiny_forward(c, p, ids):
    b, t = ids.shape
    h, hd = c["heads"], c["dim"] // c["heads"]
    x = p["embed"][ids.reshape(-1)]  # [B*T, D]
    heads = lambda y: y.reshape(b, t, h, hd).transpose(1, 2)  # [B, H, T, hd]
    for l in range(c["layers"]):
        a = rms(x, p[f"l{l}.ln1"], c["eps"])
        q, k, v = heads(a @ p[f"l{l}.wq"].T), heads(a @ p[f"l{l}.wk"].T), heads(a @ p[f"l{l}.wv"].T)
        ctx = F.scaled_dot_product_attention(q, k, v, is_causal=True)  # [B, H, T, hd]
        x = x + ctx.transpose(1, 2).reshape(b * t, c["dim"]) @ p[f"l{l}.wo"].T
        m = rms(x, p[f"l{l}.ln2"], c["eps"])
        x = x + (F.silu(m @ p[f"l{l}.wg"].T) * (m @ p[f"l{l}.wu"].T)) @ p[f"l{l}.wd"].T
    return rms(x, p["norm"], c["eps"]) @ p["embed"].T  # [B*T, V]


def kl(teacher_logits, student_logits):
    lt, ls = F.log_softmax(teacher_logits, -1), F.log_softmax(student_logits, -1)
    return (lt.exp() * (lt - ls)).sum(-1).mean()


def tiny_step(out_dir):
    d = os.path.join(out_dir, "tiny")
    meta = json.load(open(os.path.join(d, "meta.json")))
    flat = torch.frombuffer(bytearray(open(os.path.join(d, "weights.bin"), "rb").read()), dtype=torch.float32)
    off = 0
    teacher, student = {}, {}
    for target in (teacher, student):
        for name, shape in tiny_shapes(CFG):
            n = 1
            for s in shape:
                n *= s
            target[name] = flat[off:off + n].reshape(shape).clone()
            off += n
    for v in student.values():
        v.requires_grad_(True)
    ids = bench_ids(meta["B"], meta["T"], CFG["vocab"])
    opt = torch.optim.AdamW(student.values(), lr=1e-3, weight_decay=0.01)
    losses = []

    def step():
        with torch.no_grad():
            tl = tiny_forward(CFG, teacher, ids)
        loss = kl(tl, tiny_forward(CFG, student, ids))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        losses.append(loss.item())

    ms = time_it(step, 2, 8)
    n = meta["B"] * meta["T"]
    return {"B": meta["B"], "T": meta["T"], "stepMs": ms, "tokensPerS": n / (ms / 1000), "firstLosses": losses[:3]}


# ---- real model ----
def load_teacher():
    from transformers import AutoModelForCausalLM
    m = AutoModelForCausalLM.from_pretrained(REAL_MODEL_DIR, dtype=torch.float32)
    return m.eval()


def real_forward(b, t):
    m = load_teacher()
    ids = bench_ids(b, t, m.config.vocab_size)
    with torch.inference_mode():
        ms = time_it(lambda: m(input_ids=ids).logits, 1, 3)
    return {"B": b, "T": t, "forwardMs": ms, "tokensPerS": b * t / (ms / 1000)}


def half_width(teacher):
    """First half of hidden channels and MLP neurons, heads kept (head_dim explicit) - as bench/rows.ts halfWidth."""
    from transformers import LlamaConfig, LlamaForCausalLM
    c = teacher.config
    d, f = c.hidden_size // 2, c.intermediate_size // 2
    cfg = LlamaConfig(**{**c.to_dict(), "hidden_size": d, "intermediate_size": f, "head_dim": c.head_dim})
    sd = {}
    for name, w in teacher.state_dict().items():
        if "embed_tokens" in name or "lm_head" in name:
            w = w[:, :d]
        elif name.endswith("norm.weight"):
            w = w[:d]
        elif any(name.endswith(f"{p}_proj.weight") for p in "qkv"):
            w = w[:, :d]
        elif name.endswith("o_proj.weight"):
            w = w[:d, :]
        elif name.endswith("gate_proj.weight") or name.endswith("up_proj.weight"):
            w = w[:f, :d]
        elif name.endswith("down_proj.weight"):
            w = w[:d, :f]
        sd[name] = w.clone()
    s = LlamaForCausalLM(cfg)
    s.load_state_dict(sd, strict=False)
    s.tie_weights()
    return s.train()


def real_distill(b, t, warmup, iters):
    teacher = load_teacher()
    student = half_width(teacher)
    ids = bench_ids(b, t, teacher.config.vocab_size)
    opt = torch.optim.AdamW(student.parameters(), lr=1e-4, weight_decay=0.01)
    v = teacher.config.vocab_size
    losses = []

    def step():
        with torch.no_grad():
            tl = teacher(input_ids=ids).logits.reshape(b * t, v)
        loss = kl(tl, student(input_ids=ids).logits.reshape(b * t, v))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        losses.append(loss.item())

    ms = time_it(step, warmup, iters)
    return {"B": b, "T": t, "studentHidden": student.config.hidden_size, "stepMs": ms, "tokensPerS": b * t / (ms / 1000), "firstLosses": losses[:2]}


def main():
    row, out_dir = sys.argv[1], sys.argv[2]
    t0 = time.perf_counter()
    if row == "sgemm":
        res = sgemm()
    elif row == "tiny_step":
        res = tiny_step(out_dir)
    elif row == "real_forward":
        res = real_forward(8, 256)
    elif row == "real_distill":
        res = real_distill(int(os.environ.get("BENCH_B", 8)), int(os.environ.get("BENCH_T", 256)),
                           int(os.environ.get("BENCH_WARMUP", 2)), int(os.environ.get("BENCH_ITERS", 3)))
    else:
        raise SystemExit(f"bench/torch_ref.py: unknown row {row!r}")
    res.update(row=row, torchThreads=torch.get_num_threads(), torch=torch.__version__, wallS=time.perf_counter() - t0,
               peakRssMB=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(res))


if __name__ == "__main__":
    main()
