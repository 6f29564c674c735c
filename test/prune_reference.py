"""Independent reference for the importance and prune tests, computed with transformers + PyTorch.

  make <out-dir>           tiny random checkpoints (llama GQA, gpt2, qwen2 with bias) in <out-dir>/<name>/, each with
                           calib.json (token batches) and expected.json (importance scores from forward hooks, depth metrics).
  logits <request.json> <out.json>
                           request: {"ids": [[...]], "models": [{"dir": ..., "plan": optional ArchPlan json, "source": optional dir}]}
                           "plan"+"source": slice the source checkpoint's torch weights here (independently of the TS code)
                           and run the slice; otherwise load "dir" with AutoModelForCausalLM. Writes {"logits": [[[...]]] per model}.
"""
import json
import os
import sys

import torch
import torch.nn.functional as F
from transformers import AutoModelForCausalLM, Gemma3TextConfig, GPT2Config, LlamaConfig, Phi3Config, Qwen2Config, Qwen3Config

AGGS = ("mean", "l2", "var")
torch.manual_seed(0)


def configs():
    common = dict(vocab_size=96, tie_word_embeddings=True)
    return {
        "llama_gqa": LlamaConfig(hidden_size=48, intermediate_size=80, num_hidden_layers=4, num_attention_heads=6,
                                 num_key_value_heads=2, head_dim=8, max_position_embeddings=64, rms_norm_eps=1e-5,
                                 rope_theta=10000.0, **common),
        "qwen2_bias": Qwen2Config(hidden_size=32, intermediate_size=64, num_hidden_layers=3, num_attention_heads=4,
                                  num_key_value_heads=2, max_position_embeddings=64, rms_norm_eps=1e-6,
                                  rope_theta=10000.0, tie_word_embeddings=False, vocab_size=96),
        "gpt2": GPT2Config(n_embd=32, n_layer=3, n_head=4, n_inner=64, n_positions=64, vocab_size=96,
                           resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0, bos_token_id=0, eos_token_id=0),
        "qwen3": Qwen3Config(hidden_size=32, intermediate_size=64, num_hidden_layers=3, num_attention_heads=4,
                             num_key_value_heads=2, head_dim=12, max_position_embeddings=64, rms_norm_eps=1e-6, **common),
        "gemma3_text": Gemma3TextConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=3, num_attention_heads=4,
                                        num_key_value_heads=2, head_dim=12, sliding_window=4, sliding_window_pattern=2,
                                        query_pre_attn_scalar=10, final_logit_softcapping=8.0, rope_local_base_freq=100.0,
                                        max_position_embeddings=64, pad_token_id=0, **common),
        "phi3": Phi3Config(hidden_size=32, intermediate_size=64, num_hidden_layers=3, num_attention_heads=4, num_key_value_heads=2,
                           partial_rotary_factor=0.5, max_position_embeddings=64, bos_token_id=0, eos_token_id=0, pad_token_id=None,
                           **common),
    }


def layers_of(model):
    return model.transformer.h if hasattr(model, "transformer") else model.model.layers


def agg(x, how, dim):
    if how == "mean":
        return x.mean(dim)
    if how == "l2":
        return x.pow(2).sum(dim).sqrt()
    return x.var(dim, unbiased=False)


def both_aggs(v):
    """v: [B, T, U] non-negative values -> {"seq/batch": [U]}"""
    return {f"{s}/{b}": agg(agg(v, s, 1), b, 0).tolist() for s in AGGS for b in AGGS}


def taps(model, name):
    """Registers hooks; returns a dict of lists of per-batch tensors keyed by (tap, layer)."""
    store, hooks = {}, []
    gpt2 = hasattr(model, "transformer")
    cfg = model.config
    nh = cfg.num_attention_heads
    for l, blk in enumerate(layers_of(model)):
        def put(key, val):
            store.setdefault(key, []).append(val.detach().float())
        attn = blk.attn if gpt2 else blk.self_attn
        o = attn.c_proj if gpt2 else attn.o_proj
        down = blk.mlp.c_proj if gpt2 else blk.mlp.down_proj
        # phi3: the gate is the first half of the fused gate_up_proj output
        fc1 = blk.mlp.c_fc if gpt2 else getattr(blk.mlp, "gate_proj", None) or blk.mlp.gate_up_proj
        F_ = cfg.n_inner if gpt2 else cfg.intermediate_size
        # the MLP input norm: gemma3 pre_feedforward_layernorm (its post_attention_layernorm normalises the attention output)
        n1, n2 = (blk.ln_1, blk.ln_2) if gpt2 else (blk.input_layernorm, getattr(blk, "pre_feedforward_layernorm", blk.post_attention_layernorm))
        hooks.append(o.register_forward_pre_hook(lambda m, a, l=l: put(("attn_ctx", l), a[0].reshape(*a[0].shape[:2], nh, -1))))
        hooks.append(down.register_forward_pre_hook(lambda m, a, l=l: put(("mlp_act", l), a[0])))
        hooks.append(fc1.register_forward_hook(lambda m, a, out, l=l: put(("mlp_fc1", l), out[..., :F_])))
        hooks.append(n1.register_forward_hook(lambda m, a, out, l=l: put(("attn_norm", l), out)))
        hooks.append(n2.register_forward_hook(lambda m, a, out, l=l: put(("mlp_norm", l), out)))
        hooks.append(blk.register_forward_pre_hook(lambda m, a, kw, l=l: put(("block_in", l), a[0] if a else kw["hidden_states"]), with_kwargs=True))
        hooks.append(blk.register_forward_hook(lambda m, a, out, l=l: put(("block_out", l), out[0] if isinstance(out, tuple) else out)))
    return store, hooks


def lm_loss(model, ids):
    logits = model(ids, use_cache=False).logits.float()
    return F.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]), ids[:, 1:].reshape(-1))


class without:
    """Context: the model with the given layers removed (restored on exit)."""

    def __init__(self, model, drop):
        self.model, self.drop = model, drop

    def __enter__(self):
        m = self.model
        self.inner = m.transformer if hasattr(m, "transformer") else m.model
        self.attr = "h" if hasattr(m, "transformer") else "layers"
        self.orig = getattr(self.inner, self.attr)
        self.n = m.config.num_hidden_layers
        self.types = getattr(m.config, "layer_types", None)
        keep = [b for i, b in enumerate(self.orig) if i not in self.drop]
        setattr(self.inner, self.attr, torch.nn.ModuleList(keep))
        m.config.num_hidden_layers = len(keep)
        if self.types is not None:  # gemma3/qwen3 pick each layer's mask and RoPE by position in layer_types
            m.config.layer_types = [t for i, t in enumerate(self.types) if i not in self.drop]
        return m

    def __exit__(self, *a):
        setattr(self.inner, self.attr, self.orig)
        self.model.config.num_hidden_layers = self.n
        if self.types is not None:
            self.model.config.layer_types = self.types


def removed_ppl(model, batches, drop):
    with without(model, drop) as m:
        return float(torch.tensor(sum(lm_loss(m, b).item() for b in batches) / len(batches)).exp())


def expected(model, batches, k_window=2):
    store, hooks = taps(model, "")
    with torch.no_grad():
        for b in batches:
            model(b)
    for h in hooks:
        h.remove()
    L = len(layers_of(model))
    cat = {k: torch.cat(v, 0) for k, v in store.items()}
    out = {"heads": {}, "neurons": {}, "neurons_fc1": {}, "channels": {}}
    for key in both_aggs(torch.zeros(1, 1, 1)):
        out["heads"][key] = [both_aggs(cat[("attn_ctx", l)].norm(dim=-1))[key] for l in range(L)]
        out["neurons"][key] = [both_aggs(cat[("mlp_act", l)].abs())[key] for l in range(L)]
        out["neurons_fc1"][key] = [both_aggs(cat[("mlp_fc1", l)].abs())[key] for l in range(L)]
        ch = None
        for l in range(L):
            for t in ("attn_norm", "mlp_norm"):
                s = torch.tensor(both_aggs(cat[(t, l)].abs())[key])
                ch = s if ch is None else ch + s
        out["channels"][key] = ch.tolist()
    out["bi"] = [1 - F.cosine_similarity(cat[("block_in", l)], cat[("block_out", l)], dim=-1).mean().item() for l in range(L)]
    with torch.no_grad():
        base = sum(lm_loss(model, b).item() for b in batches) / len(batches)
        out["base_loss"] = base
        out["ppl"] = [removed_ppl(model, batches, [l]) for l in range(L)]
        out["blocks"] = {"k": k_window, "scores": [removed_ppl(model, batches, list(range(s, s + k_window))) for s in range(L - k_window + 1)]}
    model.zero_grad()
    loss = sum(lm_loss(model, b) for b in batches) / len(batches)
    loss.backward()
    tay = []
    for blk in layers_of(model):
        tay.append(sum((p * p.grad).abs().sum().item() for p in blk.parameters()))
    out["taylor"] = tay
    # Multiple-choice items on token ids: log-likelihood of each choice given the context, per removed layer.
    g = torch.Generator().manual_seed(3)
    items = [{"context": torch.randint(0, 96, (5,), generator=g).tolist(),
              "choices": [torch.randint(0, 96, (n,), generator=g).tolist() for n in (2, 3, 2)],
              "label": int(torch.randint(0, 3, (1,), generator=g))} for i in range(8)]
    out["mc_items"] = items

    def lls_of(m):
        res = []
        with torch.no_grad():
            for it in items:
                lls = []
                for c in it["choices"]:
                    ids = torch.tensor([it["context"] + c])
                    lp = m(ids, use_cache=False).logits.float().log_softmax(-1)[0]
                    n = len(it["context"])
                    lls.append(sum(lp[n - 1 + j, c[j]].item() for j in range(len(c))))
                res.append(lls)
        return res

    def acc(lls):
        return sum(int(max(range(len(x)), key=lambda i: x[i]) == it["label"]) for x, it in zip(lls, items)) / len(items)
    out["mc_ll"] = lls_of(model)
    out["mc_base"] = acc(out["mc_ll"])
    out["mc"] = []
    for l in range(L):
        with without(model, [l]) as m:
            out["mc"].append(acc(lls_of(m)))
    return out


def char_tokenizer():
    """A 96-token character tokenizer (printable ASCII + <unk>) so CLI tests can tokenise text for the tiny models."""
    from tokenizers import Regex, Tokenizer, models, pre_tokenizers
    vocab = {"<unk>": 0, **{chr(c): c - 31 for c in range(32, 127)}}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Split(Regex("."), behavior="isolated")
    return tok


def make(root):
    for name, cfg in configs().items():
        d = os.path.join(root, name)
        os.makedirs(d, exist_ok=True)
        torch.manual_seed(1)
        model = AutoModelForCausalLM.from_config(cfg).float().eval()
        with torch.no_grad():  # larger-than-default random weights so the scores spread out
            for n, p in model.named_parameters():
                if p.dim() == 2:
                    p.normal_(0, 0.15)
                elif "norm" in n or "ln_" in n:
                    p.uniform_(0.5, 1.5)
                else:
                    p.normal_(0, 0.1)
        model.save_pretrained(d, safe_serialization=True)
        if name == "llama_gqa":
            char_tokenizer().save(os.path.join(d, "tokenizer.json"))
        g = torch.Generator().manual_seed(2)
        batches = [torch.randint(0, cfg.vocab_size, (2, 12), generator=g) for _ in range(2)]
        with open(os.path.join(d, "calib.json"), "w") as f:
            json.dump([b.tolist() for b in batches], f)
        with open(os.path.join(d, "expected.json"), "w") as f:
            json.dump(expected(model, batches), f)


def slice_llama(src, plan):
    """Slices a llama-family checkpoint by an ArchPlan with plain torch indexing (independent of the TS slicer)."""
    model = AutoModelForCausalLM.from_pretrained(src, dtype=torch.float32)
    cfg = model.config
    sd = model.state_dict()
    hd = getattr(cfg, "head_dim", None) or cfg.hidden_size // cfg.num_attention_heads
    ch = torch.tensor(plan["keep"]["channels"])
    new = {}
    Q, KV, F_ = cfg.num_attention_heads * hd, cfg.num_key_value_heads * hd, cfg.intermediate_size
    for j, l in enumerate(plan["keep"]["layers"]):
        p = f"model.layers.{l}."
        heads = torch.tensor([h * hd + d for h in plan["keep"]["heads"][l] for d in range(hd)])
        neu = torch.tensor(plan["keep"]["neurons"][l])
        # phi3's fused rows: kept query rows then every K and V row (GQA keeps KV heads); kept gate rows then the same up rows
        qkv = torch.cat([heads, torch.arange(Q, Q + 2 * KV)])
        gate_up = torch.cat([neu, neu + F_])
        for k, v in sd.items():
            if not k.startswith(p):
                continue
            s = k[len(p):]
            if "layernorm" in s:
                v = v[ch]
            elif s.startswith("self_attn.qkv_proj"):
                v = v[qkv][:, ch]
            elif s.startswith("mlp.gate_up_proj"):
                v = v[gate_up][:, ch]
            elif s.startswith("self_attn.q_proj"):
                v = v[heads][:, ch] if v.dim() == 2 else v[heads]
            elif s.startswith(("self_attn.k_proj", "self_attn.v_proj")):
                v = v[:, ch] if v.dim() == 2 else v
            elif s.startswith("self_attn.o_proj"):
                v = v[ch][:, heads] if v.dim() == 2 else v[ch]
            elif s.startswith(("mlp.gate_proj", "mlp.up_proj")):
                v = v[neu][:, ch] if v.dim() == 2 else v[neu]
            elif s.startswith("mlp.down_proj"):
                v = v[ch][:, neu] if v.dim() == 2 else v[ch]
            new[f"model.layers.{j}.{s}"] = v
    new["model.embed_tokens.weight"] = sd["model.embed_tokens.weight"][:, ch]
    new["model.norm.weight"] = sd["model.norm.weight"][ch]
    if "lm_head.weight" in sd and not cfg.tie_word_embeddings:
        new["lm_head.weight"] = sd["lm_head.weight"][:, ch]
    t = plan["target"]
    d = cfg.to_dict()
    types = d.pop("layer_types", None)
    if types is not None and cfg.model_type in ("gemma3_text", "qwen3"):
        d["layer_types"] = [types[l] for l in plan["keep"]["layers"]]
    cfg2 = type(cfg).from_dict({**d, "hidden_size": t["hiddenSize"], "intermediate_size": t["ffnHiddenSize"],
                                "num_attention_heads": t["numHeads"], "num_hidden_layers": t["numLayers"], "head_dim": hd})
    small = AutoModelForCausalLM.from_config(cfg2).float().eval()
    missing, unexpected = small.load_state_dict(new, strict=False)
    assert not unexpected and all("lm_head" in m for m in missing), (missing, unexpected)
    if cfg.tie_word_embeddings:
        small.tie_weights()
    return small


def logits(req_path, out_path):
    req = json.load(open(req_path))
    ids = torch.tensor(req["ids"])
    res = []
    for m in req["models"]:
        if m.get("plan") is not None:
            model = slice_llama(m["source"], m["plan"])
        else:
            model = AutoModelForCausalLM.from_pretrained(m["dir"], dtype=torch.float32).eval()
        with torch.no_grad():
            res.append(model(ids).logits.float().tolist())
    json.dump({"logits": res}, open(out_path, "w"))


if __name__ == "__main__":
    torch.set_num_threads(1)
    if sys.argv[1] == "make":
        make(sys.argv[2])
    elif sys.argv[1] == "logits":
        logits(sys.argv[2], sys.argv[3])
    else:
        sys.exit(f"unknown mode {sys.argv[1]}")
