"""PyTorch (float64) reference of the fused lm_head + loss: reads a JSON case on stdin, prints loss parts and gradients.

Student: h = E[ids] @ P.T, logits = h @ W.T with W = E (tied) or a separate lm_head; loss = klW * tau^2 * KL(teacher || student
at tau) (batchmean) + ceW * CE(logits, targets) over rows whose target is >= 0. With "topK": k, the teacher is cached
(torch.topk of its logits and their logsumexp) and KL is the one between the (k + 1)-outcome distributions "each of the
teacher's top k tokens, or the rest" (tau = 1); the top-k values, ids and lse are printed for the caller to feed.
"""
import json
import sys

import torch
import torch.nn.functional as F


def bucket_kl(logits, teacher, k):
    """Mean over rows of KL between the (k + 1)-outcome distributions (top k of the teacher, the rest)."""
    vals, ids = torch.topk(teacher, k, dim=-1)
    lse = torch.logsumexp(teacher, -1)
    lp = vals - lse[:, None]
    p = lp.exp()
    ls_k = F.log_softmax(logits, -1).gather(1, ids)
    p_rest = (1 - p.sum(-1)).clamp(min=0)
    q_rest = (1 - ls_k.exp().sum(-1)).clamp(min=1e-12)
    kl = (p * (lp - ls_k)).sum(-1) + p_rest * (p_rest.clamp(min=1e-12).log() - q_rest.log())
    return kl.mean(), {"values": vals.flatten().tolist(), "ids": ids.flatten().tolist(), "lse": lse.tolist()}


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
    extra = {}
    if c.get("topK"):
        kl, extra = bucket_kl(logits, teacher, c["topK"])
    else:
        kl = F.kl_div(F.log_softmax(logits / tau, -1), F.log_softmax(teacher / tau, -1), log_target=True, reduction="batchmean") * tau * tau
    tg = torch.tensor(c["targets"], dtype=torch.long)
    ce = F.cross_entropy(logits, tg, ignore_index=-1)
    (klw * kl + cew * ce).backward()
    out = {"kl": kl.item(), "ce": ce.item(), "gEmbed": e.grad.flatten().tolist(), "gProj": p.grad.flatten().tolist(), **extra}
    if not c["tied"]:
        out["gHead"] = w.grad.flatten().tolist()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
