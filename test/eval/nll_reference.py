"""Reference for test/eval/nll.test.ts: next-token cross-entropy of logits [B, T, V] against ids [B, T] and its
gradient w.r.t. the logits, by PyTorch (float64). Reads a JSON case on stdin, prints JSON."""
import json
import sys

import torch
import torch.nn.functional as F


def main() -> None:
    case = json.load(sys.stdin)
    b, t, v = case["shape"]
    logits = torch.tensor(case["logits"], dtype=torch.float64).reshape(b, t, v).requires_grad_(True)
    ids = torch.tensor(case["ids"], dtype=torch.long).reshape(b, t)
    per = F.cross_entropy(logits[:, :-1].reshape(-1, v), ids[:, 1:].reshape(-1), reduction="none")
    loss = per.mean()
    loss.backward()
    print(json.dumps({"per": per.tolist(), "loss": loss.item(), "grad": logits.grad.flatten().tolist()}))


if __name__ == "__main__":
    main()
