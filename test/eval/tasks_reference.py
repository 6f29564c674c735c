"""Reference for test/eval/tasks.test.ts: transformers scores the same token ids — greedy last-word exact match and
summed log-likelihood multiple choice — on the real model."""
import json
import sys

import torch
from transformers import AutoModelForCausalLM

case = json.load(sys.stdin)
model = AutoModelForCausalLM.from_pretrained(case["model"], torch_dtype=torch.float32).eval()
lw, mc = [], []
with torch.no_grad():
    for it in case["lastWord"]:
        seq = it["context"] + it["target"][:-1]
        logits = model(torch.tensor([seq])).logits[0]
        n = len(it["context"])
        pred = logits[n - 1:n - 1 + len(it["target"])].argmax(-1).tolist()
        lw.append(pred == it["target"])
    for it in case["mc"]:
        scores = []
        for c in it["choices"]:
            seq = it["context"] + c
            logp = torch.log_softmax(model(torch.tensor([seq])).logits[0], -1)
            n = len(it["context"])
            scores.append(sum(logp[n - 1 + j, t].item() for j, t in enumerate(c)))
        mc.append(max(range(len(scores)), key=lambda j: scores[j]) == it["label"])
print(json.dumps({"lastWord": lw, "mc": mc}))
