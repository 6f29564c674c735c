"""Reference for test/distill/teacher_cache.test.ts: the forward KL between the teacher's top-k + rest-bucket distribution
and the student's distribution on the same k + 1 outcomes, with torch.topk / logsumexp / autograd in float64."""
import json
import sys

import torch
import torch.nn.functional as F

case = json.load(sys.stdin)
n, v = case["shape"]
k = case["topk"]
te = torch.tensor(case["teacher"], dtype=torch.float64).reshape(n, v)
s = torch.tensor(case["student"], dtype=torch.float64).reshape(n, v).requires_grad_(True)
vals, idx = torch.topk(te, k, dim=-1)
lp = vals - torch.logsumexp(te, -1, keepdim=True)
p = lp.exp()
p_rest = (1 - p.sum(-1)).clamp_min(0)
ls = F.log_softmax(s, -1).gather(-1, idx)
q_rest = (1 - ls.exp().sum(-1)).clamp_min(1e-12)
kl = (p * (lp - ls)).sum(-1) + torch.where(p_rest > 0, p_rest * (p_rest.clamp_min(1e-12).log() - q_rest.log()), torch.zeros_like(p_rest))
loss = kl.mean()
loss.backward()
full = F.kl_div(F.log_softmax(s, -1), F.log_softmax(te, -1), log_target=True, reduction="batchmean")
print(json.dumps({"loss": loss.item(), "grad": s.grad.flatten().tolist(), "full_kl": full.item()}))
