"""Reference fixtures made by the real `transformers` library (run by scripts/setup.sh in .venv).

For each tiny random checkpoint built with transformers' own classes, save the checkpoint folder plus
reference.safetensors holding fixed input ids and transformers' fp32 logits, grads.safetensors with the gradients
of the LM loss on those ids, and reference.json with a
sliding-window perplexity computed as transformers' perplexity guide does. Also: a sharded checkpoint,
a dtype file (F16/BF16/I32/I64 against their float32 values), tokenizer ids for test texts and the real
model's logits and Moby Dick perplexity. Idempotent: skipped when the stamp matches this script.
Usage: python test/make_fixtures.py <out-dir>
"""
import hashlib
import json
import math
import os
import shutil
import sys

os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import torch
from safetensors.torch import save_file
from transformers import (AutoModelForCausalLM, AutoTokenizer, Gemma3Config, Gemma3ForCausalLM, Gemma3ForConditionalGeneration,
                          Gemma3TextConfig, SiglipVisionConfig, GPT2Config, GPT2LMHeadModel,
                          LlamaConfig, LlamaForCausalLM, MistralConfig, MistralForCausalLM, Phi3Config, Phi3ForCausalLM,
                          Qwen2Config, Qwen2ForCausalLM, Qwen3Config, Qwen3ForCausalLM)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REAL = os.path.join(ROOT, ".cache", "models", "smollm2-135m")
GEMMA = os.path.join(ROOT, ".cache", "models", "gemma3-270m")
V = 101

TINY = {
    "gpt2_tied": lambda: GPT2LMHeadModel(GPT2Config(vocab_size=V, n_embd=64, n_layer=2, n_head=4, n_positions=64, bos_token_id=0, eos_token_id=0)),
    "gpt2_untied": lambda: GPT2LMHeadModel(GPT2Config(vocab_size=V, n_embd=48, n_layer=2, n_head=3, n_inner=96,
                                                      n_positions=64, tie_word_embeddings=False, bos_token_id=0, eos_token_id=0)),
    "llama_gqa": lambda: LlamaForCausalLM(LlamaConfig(vocab_size=V, hidden_size=64, intermediate_size=112, num_hidden_layers=2,
                                                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128,
                                                      tie_word_embeddings=False, rope_theta=10000.0)),
    "llama_tied_headdim": lambda: LlamaForCausalLM(LlamaConfig(vocab_size=V, hidden_size=64, intermediate_size=96, num_hidden_layers=2,
                                                               num_attention_heads=4, num_key_value_heads=2, head_dim=24,
                                                               max_position_embeddings=128, tie_word_embeddings=True)),
    "llama3_rope": lambda: LlamaForCausalLM(LlamaConfig(vocab_size=V, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                                                        num_attention_heads=4, num_key_value_heads=1, max_position_embeddings=256,
                                                        tie_word_embeddings=True, rope_theta=500000.0,
                                                        rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                                                      "high_freq_factor": 4.0, "original_max_position_embeddings": 16})),
    "mistral_window": lambda: MistralForCausalLM(MistralConfig(vocab_size=V, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                                                               num_attention_heads=4, num_key_value_heads=2, sliding_window=8,
                                                               max_position_embeddings=128, tie_word_embeddings=False)),
    "qwen2_bias": lambda: Qwen2ForCausalLM(Qwen2Config(vocab_size=V, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                                                       num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128,
                                                       tie_word_embeddings=True)),
    # q/k norms, explicit head_dim, a sliding-window layer after max_window_layers
    "qwen3_qknorm": lambda: Qwen3ForCausalLM(Qwen3Config(vocab_size=V, hidden_size=64, intermediate_size=96, num_hidden_layers=2,
                                                         num_attention_heads=4, num_key_value_heads=2, head_dim=24,
                                                         max_position_embeddings=128, use_sliding_window=True, sliding_window=8,
                                                         max_window_layers=1, tie_word_embeddings=False)),
    # sliding / full layers (pattern 2) with their own RoPE bases (linear scaling on full layers), query_pre_attn_scalar,
    # final logit soft-capping, head_dim != hidden / heads
    "gemma3_text": lambda: Gemma3ForCausalLM(Gemma3TextConfig(vocab_size=V, hidden_size=64, intermediate_size=96, num_hidden_layers=3,
                                                              num_attention_heads=4, num_key_value_heads=2, head_dim=24, sliding_window=8,
                                                              sliding_window_pattern=2, query_pre_attn_scalar=20, final_logit_softcapping=5.0,
                                                              rope_theta=30000.0, rope_local_base_freq=500.0, max_position_embeddings=128,
                                                              rope_scaling={"rope_type": "linear", "factor": 4.0}, pad_token_id=0)),
    # fused qkv / gate_up, partial rotary, longrope (24-token ids use the long factors, 16-token windows the short ones)
    "phi3_longrope": lambda: Phi3ForCausalLM(Phi3Config(vocab_size=V, hidden_size=64, intermediate_size=96, num_hidden_layers=2,
                                                        num_attention_heads=4, num_key_value_heads=2, partial_rotary_factor=0.5,
                                                        max_position_embeddings=64, original_max_position_embeddings=16,
                                                        rope_scaling={"type": "longrope", "short_factor": [1.0, 1.25, 1.5, 2.0],
                                                                      "long_factor": [2.0, 3.0, 5.0, 8.0]},
                                                        bos_token_id=0, eos_token_id=0, pad_token_id=None)),
}

TEXTS = [
    "Call me Ishmael. Some years ago—never mind how long precisely—having little or no money in my purse,",
    "  leading spaces, tabs\tand\nnew lines\n\n",
    "Numbers 1234567 and 3.14159; code: def f(x): return x**2  # comment",
    "Unicode: café, naïve, Ελληνικά, 日本語, emoji 🐋🚢!",
    "",
]


def randomize(model: torch.nn.Module, seed: int) -> None:
    """Non-trivial weights everywhere (norm weights and biases included) so parity tests see every tensor."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("norm.weight") or ".ln_" in name and name.endswith("weight") or name.startswith("transformer.ln_f.weight"):
                p.copy_(1.0 + 0.2 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(0.15 * torch.randn(p.shape, generator=g))


def hf_ppl(model, ids: torch.Tensor, seq_len: int, stride: int, bos=None) -> dict:
    """Sliding-window perplexity as transformers' perplexity guide, counting exactly the scored tokens. With a `bos`
    id, it goes before every window (not scored) and a window's first token is scored too."""
    n = ids.shape[1]
    nll_sum, count, prev_end = 0.0, 0, 0
    for begin in range(0, n, stride):
        end = min(begin + seq_len, n)
        trg = end - prev_end
        inp = ids[:, begin:end]
        if bos is not None:
            inp = torch.cat([torch.full((ids.shape[0], 1), bos, dtype=ids.dtype), inp], 1)
        labels = inp.clone()
        labels[:, :-trg] = -100
        with torch.no_grad():
            loss = model(inp, labels=labels).loss.item()
        scored = int((labels[:, 1:] != -100).sum())
        nll_sum += loss * scored
        count += scored
        prev_end = end
        if end == n:
            break
    return {"ppl": math.exp(nll_sum / count), "nll": nll_sum / count, "tokens": count, "seqLen": seq_len, "stride": stride}


def tiny_fixtures(out: str) -> None:
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(0, V, (2, 24), generator=g)
    ppl_ids = torch.randint(0, V, (1, 61), generator=g)
    for i, (name, make) in enumerate(TINY.items()):
        torch.manual_seed(i)
        model = make().eval()
        randomize(model, 100 + i)
        d = os.path.join(out, name)
        model.save_pretrained(d)
        with torch.no_grad():
            logits = model(ids).logits.float().contiguous()
        save_file({"ids": ids.contiguous(), "logits": logits, "ppl_ids": ppl_ids.contiguous()}, os.path.join(d, "reference.safetensors"))
        # Gradients of the mean next-token cross-entropy on `ids` w.r.t. every parameter (tied ones once).
        model.zero_grad()
        loss = model(ids, labels=ids).loss
        loss.backward()
        grads = {n: p.grad.float().contiguous() for n, p in model.named_parameters() if p.grad is not None}
        grads["loss"] = loss.detach().float().reshape(1)
        save_file(grads, os.path.join(d, "grads.safetensors"))
        model.zero_grad()
        ref = {"ppl": hf_ppl(model, ppl_ids, 16, 8), "ppl_bos1": hf_ppl(model, ppl_ids, 16, 8, bos=1), "family": model.config.model_type}
        with open(os.path.join(d, "reference.json"), "w") as f:
            json.dump(ref, f, indent=1)
        print(f"[fixtures] {name}: logits {tuple(logits.shape)} ppl {ref['ppl']['ppl']:.4f}")
    # Sharded copy of one model (model.safetensors.index.json + shards).
    model = TINY["llama_gqa"]().eval()
    randomize(model, 7)
    d = os.path.join(out, "llama_sharded")
    model.save_pretrained(d, max_shard_size="40KB")
    with torch.no_grad():
        save_file({"ids": ids.contiguous(), "logits": model(ids).logits.contiguous()}, os.path.join(d, "reference.safetensors"))
    print(f"[fixtures] llama_sharded: {len([f for f in os.listdir(d) if f.endswith('.safetensors')]) - 1} shards")
    # The text model of a multimodal Gemma 3 checkpoint (weights under language_model.model.*, a tiny vision tower beside).
    text = Gemma3TextConfig(vocab_size=V, hidden_size=64, intermediate_size=96, num_hidden_layers=2, num_attention_heads=4,
                            num_key_value_heads=2, head_dim=16, sliding_window=8, sliding_window_pattern=2, max_position_embeddings=128,
                            pad_token_id=0)
    vision = SiglipVisionConfig(hidden_size=16, intermediate_size=32, num_hidden_layers=1, num_attention_heads=2, image_size=28, patch_size=14)
    torch.manual_seed(11)
    model = Gemma3ForConditionalGeneration(Gemma3Config(text_config=text, vision_config=vision, mm_tokens_per_image=4, image_token_index=100,
                                                        boi_token_index=98, eoi_token_index=99)).eval()
    randomize(model, 11)
    d = os.path.join(out, "gemma3_multimodal")
    model.save_pretrained(d)
    with torch.no_grad():  # text-only ids (below the image tokens)
        save_file({"ids": (ids % 98).contiguous(), "logits": model(ids % 98).logits.float().contiguous()}, os.path.join(d, "reference.safetensors"))
    print("[fixtures] gemma3_multimodal: text model of a Gemma 3 multimodal checkpoint")
    # Dtypes: the same values stored as F16, BF16, I32, I64 next to their float32 reading.
    x = torch.randn(3, 5, generator=g) * 3
    t = {"f16": x.half(), "bf16": x.bfloat16(), "f32": x, "i32": torch.arange(-7, 8, dtype=torch.int32).reshape(3, 5),
         "i64": torch.arange(-7, 8, dtype=torch.int64).reshape(3, 5)}
    save_file(t, os.path.join(out, "dtypes.safetensors"))
    save_file({"f16": x.half().float(), "bf16": x.bfloat16().float()}, os.path.join(out, "dtypes_as_f32.safetensors"))


def moby_dick_text() -> str:
    d = os.path.join(ROOT, "node_modules", "@stdlib", "datasets-moby-dick", "data")
    parts = ["etymology", "extracts"] + [f"chapter_{i}" for i in range(1, 136)] + ["epilogue"]
    return "\n\n".join(open(os.path.join(d, p + ".txt"), encoding="utf-8").read().strip() for p in parts)


def real_fixtures(out: str) -> None:
    if not os.path.exists(os.path.join(REAL, "model.safetensors")):
        print(f"[fixtures] {REAL} missing: skipping real-model fixtures")
        return
    tok = AutoTokenizer.from_pretrained(REAL)
    text = moby_dick_text()
    texts = TEXTS + [text[:5000]]
    with open(os.path.join(out, "tokenizer_ids.json"), "w") as f:
        json.dump([{"text": s, "ids": tok(s, add_special_tokens=False)["input_ids"]} for s in texts], f)
    model = AutoModelForCausalLM.from_pretrained(REAL, dtype=torch.float32).eval()
    ids_all = tok(text, add_special_tokens=False, return_tensors="pt")["input_ids"]
    ids = ids_all[:, 1000:1032]
    with torch.no_grad():
        logits = model(ids).logits.contiguous()
    save_file({"ids": ids.contiguous(), "logits": logits}, os.path.join(out, "real_reference.safetensors"))
    # Held-out perplexity: the first 2048 tokens of Moby Dick, windows of 256 with stride 256.
    ref = {"moby_dick_tokens_total": int(ids_all.shape[1]), "ppl_2048": hf_ppl(model, ids_all[:, :2048], 256, 256)}
    with open(os.path.join(out, "real_reference.json"), "w") as f:
        json.dump(ref, f, indent=1)
    print(f"[fixtures] real model: Moby Dick ppl (2048 tokens) {ref['ppl_2048']['ppl']:.4f}")


def gemma_fixtures(out: str) -> None:
    """The second real model (Gemma 3 270M): logits on 32 Moby Dick tokens and the Moby Dick perplexity, as for SmolLM2."""
    if not os.path.exists(os.path.join(GEMMA, "model.safetensors")):
        print(f"[fixtures] {GEMMA} missing: skipping Gemma 3 270M fixtures")
        return
    tok = AutoTokenizer.from_pretrained(GEMMA)
    model = AutoModelForCausalLM.from_pretrained(GEMMA, dtype=torch.float32).eval()
    ids_all = tok(moby_dick_text()[:20000], add_special_tokens=False, return_tensors="pt")["input_ids"]
    ids = ids_all[:, 1000:1032]
    with torch.no_grad():
        logits = model(ids).logits.contiguous()
    save_file({"ids": ids.contiguous(), "logits": logits}, os.path.join(out, "gemma3_270m_reference.safetensors"))
    ref = {"ppl_2048": hf_ppl(model, ids_all[:, :2048], 256, 256),
           "ppl_2048_bos": hf_ppl(model, ids_all[:, :2048], 256, 256, bos=model.config.bos_token_id)}
    with open(os.path.join(out, "gemma3_270m_reference.json"), "w") as f:
        json.dump(ref, f, indent=1)
    print(f"[fixtures] Gemma 3 270M: Moby Dick ppl (2048 tokens) {ref['ppl_2048']['ppl']:.4f}, with BOS {ref['ppl_2048_bos']['ppl']:.4f}")


def main(out: str) -> None:
    h = hashlib.sha1(open(__file__, "rb").read()).hexdigest()
    real_ok = os.path.exists(os.path.join(REAL, "model.safetensors"))
    gemma_ok = os.path.exists(os.path.join(GEMMA, "model.safetensors"))
    stamp = os.path.join(out, ".stamp")
    want = f"{h} real={real_ok} gemma={gemma_ok} torch={torch.__version__}"
    if os.path.exists(stamp) and open(stamp).read() == want:
        print("[fixtures] up to date")
        return
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    torch.set_num_threads(2)
    tiny_fixtures(out)
    real_fixtures(out)
    gemma_fixtures(out)
    with open(stamp, "w") as f:
        f.write(want)


if __name__ == "__main__":
    main(sys.argv[1])
