"""Reference for test/distill/optim.test.ts: AdamW steps and clip_grad_norm_ by PyTorch (float32); JSON on stdin and stdout."""
import json
import sys

import torch


def main() -> None:
    case = json.load(sys.stdin)
    ps = [torch.tensor(p["data"], dtype=torch.float32).reshape(p["shape"]).requires_grad_(True) for p in case["params"]]
    decay = [p for p, c in zip(ps, case["params"]) if c["decay"]]
    no_decay = [p for p, c in zip(ps, case["params"]) if not c["decay"]]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": case["wd"]}, {"params": no_decay, "weight_decay": 0.0}],
        lr=case["lrs"][0], betas=(case["beta1"], case["beta2"]), eps=case["eps"],
    )
    norms = []
    for step, lr in enumerate(case["lrs"]):
        for g in opt.param_groups:
            g["lr"] = lr
        for p, c in zip(ps, case["params"]):
            p.grad = torch.tensor(c["grads"][step], dtype=torch.float32).reshape(c["shape"])
        norms.append(torch.nn.utils.clip_grad_norm_(ps, case["clip"]).item())
        opt.step()
    json.dump({"params": [p.detach().flatten().tolist() for p in ps], "norms": norms}, sys.stdout)


if __name__ == "__main__":
    main()
