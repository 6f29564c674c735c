"""PyTorch (float64) reference of the fused lm_head + loss: reads a JSON case on stdin, prints loss parts and gradients.

Student: h = E[ids] @ P.T, logits = h @ W.T with W = E (tied) or a separate lm_head; loss = klW * tau^2 * KL(teacher || student
at tau) (batchmean) + ceW * CE(logits, targets) over rows whose target is >= 0.
"""
import json
import sys

import torch
import torch.nn.functional as F


def main() -> None:
    c = json.load(sys.stdin)
    n, d, v = c["n"], c["d"], c["v"]
    tau, klw, cew = c["tau"], c["klW"], c["ceW"]
    e = torch.tensor(c["embed"], dtype=torch.float64).reshape(v, d).requires_grad_(True)
    p = torch.tensor(c["proj"], dtype=torch.float64).reshape(d, d).requires_grad_(True)
    w = e if c["tied"] else torch.tensor(c["head"], dtype=torch.float64).reshape(v, d).requires_grad_(True)
    ids = torch.tensor(c["ids"], dtype=torch.long)
    h = e[ids] @ p.T
    logits = h @ w.T
    teacher = torch.tensor(c["teacher"], dtype=torch.float64).reshape(n, v)
    kl = F.kl_div(F.log_softmax(logits / tau, -1), F.log_softmax(teacher / tau, -1), log_target=True, reduction="batchmean") * tau * tau
    tg = torch.tensor(c["targets"], dtype=torch.long)
    ce = F.cross_entropy(logits, tg, ignore_index=-1)
    (klw * kl + cew * ce).backward()
    out = {"kl": kl.item(), "ce": ce.item(), "gEmbed": e.grad.flatten().tolist(), "gProj": p.grad.flatten().tolist()}
    if not c["tied"]:
        out["gHead"] = w.grad.flatten().tolist()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
