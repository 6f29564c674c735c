"""Reference values for test/distill: reads a JSON case on stdin, prints losses and gradients computed by PyTorch (float64)."""
import json
import sys

import torch
import torch.nn.functional as F


def t(x, shape):
    return torch.tensor(x, dtype=torch.float64).reshape(shape)


def main() -> None:
    case = json.load(sys.stdin)
    shape = case["shape"]  # [N, V]
    tau = case["tau"]
    k = case["topk"]
    out = {}

    def run(name, fn):
        s = t(case["student"], shape).requires_grad_(True)
        te = t(case["teacher"], shape)
        loss = fn(te, s)
        loss.backward()
        out[name] = {"loss": loss.item(), "grad": s.grad.flatten().tolist()}

    def fwd(te, s):
        lt = F.log_softmax(te / tau, -1)
        ls = F.log_softmax(s / tau, -1)
        return F.kl_div(ls, lt, log_target=True, reduction="batchmean") * tau * tau

    def rev(te, s):
        lt = F.log_softmax(te / tau, -1)
        ls = F.log_softmax(s / tau, -1)
        return (ls.exp() * (ls - lt)).sum(-1).mean() * tau * tau

    def topk(te, s):
        vals, idx = torch.topk(te / tau, k, dim=-1)
        lt = F.log_softmax(vals, -1)
        ls = F.log_softmax(s / tau, -1).gather(-1, idx)
        return (lt.exp() * (lt - ls)).sum(-1).mean() * tau * tau

    def ce(te, s):
        tg = torch.tensor(case["targets"], dtype=torch.long)
        return F.cross_entropy(s, tg)

    run("forward_kl", fwd)
    run("reverse_kl", rev)
    run("topk_kl", topk)
    run("ce", ce)

    st = case["state"]
    for kind in ("cosine", "mse"):
        xs = t(st["student"], st["sshape"]).requires_grad_(True)
        xt = t(st["teacher"], st["tshape"])
        w = t(st["proj"], st["pshape"]).requires_grad_(True)
        p = xs @ w.T
        if kind == "cosine":
            loss = (1 - F.cosine_similarity(p, xt, dim=-1, eps=1e-12)).mean()
        else:
            loss = F.mse_loss(p, xt)
        loss.backward()
        out["state_" + kind] = {"loss": loss.item(), "grad": xs.grad.flatten().tolist(), "grad_proj": w.grad.flatten().tolist()}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
