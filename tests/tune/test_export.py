"""The weights round trip: GGUF → transformers (dequantised) → LoRA → merged GGUF → llama.cpp.

Before anything is trained on them, the dequantised transformers model must be the model llama.cpp
runs (same greedy tokens), and a merged adapter must change llama.cpp's output exactly as it changes
transformers' (which checks the tensor names and the query/key row permutation).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from localgenie.llm import GenerationOptions
from localgenie.llm.llamacpp import LlamaCppBackend
from localgenie.llm.models import tiny_model_path
from localgenie.structured.prompt import extraction_messages
from localgenie.tune.export import lora_deltas, model_geometry, permute_rows, write_merged
from localgenie.tune.model import add_lora, load_base, lora_state

torch = pytest.importorskip("torch")

SCHEMA = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
    "required": ["name", "age"],
}
TEXT = "My name is John and I am 30 years old."
TOKENS = 24


@pytest.fixture(scope="module")
def llama() -> LlamaCppBackend:
    return LlamaCppBackend(tiny_model_path(), n_ctx=1024)


@pytest.fixture(scope="module")
def prompt(llama: LlamaCppBackend) -> list[int]:
    return llama.format_prompt(extraction_messages(SCHEMA, TEXT))


def hf_greedy(model: Any, prompt: list[int]) -> list[int]:
    with torch.no_grad():
        out = model.generate(
            torch.tensor([prompt]),
            attention_mask=torch.ones(1, len(prompt), dtype=torch.long),
            max_new_tokens=TOKENS,
            do_sample=False,
            pad_token_id=2,
        )
    return [int(t) for t in out[0, len(prompt) :]]


def llama_greedy(backend: LlamaCppBackend) -> list[int]:
    # Unconstrained, so the whole distribution is compared, not just what a grammar allows.
    response = backend.prompt(extraction_messages(SCHEMA, TEXT), GenerationOptions(max_tokens=TOKENS))
    return [t.id for t in response.tokens() if t.id is not None]


def test_permute_rows_undoes_transformers_reverse_permutation() -> None:
    from transformers.modeling_gguf_pytorch_utils import LlamaTensorProcessor

    weights = np.arange(192 * 8, dtype=np.float32).reshape(192, 8)
    reverse = LlamaTensorProcessor()._reverse_permute_weights
    assert np.array_equal(permute_rows(reverse(weights, 9, 3), 3), weights)
    assert not np.array_equal(reverse(weights, 9, 3), weights)  # it is a real permutation


def llama_logits(path: Path, prompt: list[int]) -> Any:
    """llama.cpp's next-token logits after ``prompt``."""
    import llama_cpp

    llm = llama_cpp.Llama(model_path=str(path), n_ctx=1024, logits_all=True, verbose=False)
    try:
        llm.eval(prompt)
        return np.array(llm.scores[len(prompt) - 1], dtype=np.float64)
    finally:
        llm.close()


def hf_logits(model: Any, prompt: list[int]) -> Any:
    with torch.no_grad():
        return model(input_ids=torch.tensor([prompt])).logits[0, -1].double().numpy()


def distance(a: Any, b: Any) -> float:
    """Mean absolute difference of two logits vectors."""
    return float(np.abs(a - b).mean())


def test_merged_lora_runs_in_llama_cpp_as_it_does_in_transformers(
    tmp_path: Path, llama: LlamaCppBackend, prompt: list[int]
) -> None:
    base = tiny_model_path()
    model = load_base(base)
    model.eval()
    assert hf_greedy(model, prompt) == llama_greedy(llama), (
        "the dequantised model is not the one llama.cpp runs"
    )
    base_hf, base_llama = hf_logits(model, prompt), llama_logits(base, prompt)

    wrapped = add_lora(model, rank=8, alpha=16, dropout=0.0)
    trainable = {
        n.split(".lora_")[0].rsplit(".", 1)[-1] for n, p in wrapped.named_parameters() if p.requires_grad
    }
    assert trainable == {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}
    torch.manual_seed(0)
    with torch.no_grad():
        for name, parameter in wrapped.named_parameters():
            if ".lora_" in name:  # peft starts B at zero: give the adapter an effect to carry over
                parameter.normal_(0, 0.04)
    wrapped.eval()
    shift_hf = hf_logits(wrapped, prompt) - base_hf

    architecture, n_head, n_head_kv = model_geometry(base)
    deltas = lora_deltas(
        lora_state(wrapped), 16 / 8, architecture=architecture, n_head=n_head, n_head_kv=n_head_kv
    )
    assert len(deltas) == 30 * 7 and not any(
        "token_embd" in name or name == "output.weight" for name in deltas
    )
    # Without the query/key permutation the merged model is measurably another one: the check can fail.
    unpermuted = lora_deltas(
        lora_state(wrapped), 2.0, architecture="other", n_head=n_head, n_head_kv=n_head_kv
    )
    wrong = write_merged(base, unpermuted, tmp_path / "unpermuted.gguf", quantisation="f16")
    tuned_hf = base_hf + shift_hf
    wrong_error = distance(llama_logits(wrong, prompt), tuned_hf)
    noise = distance(base_llama, base_hf)  # llama.cpp's Q4_1 kernels vs transformers' float32
    wrong.unlink()
    for quantisation in ("f16", "q8_0"):
        path = write_merged(base, deltas, tmp_path / f"merged-{quantisation}.gguf", quantisation=quantisation)
        merged = llama_logits(path, prompt)
        # The adapter moves llama.cpp's logits as it moves transformers' (up to rounding).
        error = distance(merged, tuned_hf)
        print(f"{quantisation}: {error:.3f}, unpermuted {wrong_error:.3f}, shift {distance(shift_hf, 0):.3f}")
        if quantisation == "f16":  # exact weights: within the two implementations' own difference
            assert error < noise and error < 0.6 * wrong_error
        else:  # requantised to Q8_0, which adds its own rounding (~0.13 on the base alone)
            assert error < distance(shift_hf, 0)
        assert int(np.argmax(merged)) == int(np.argmax(tuned_hf))
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "merged-f16.gguf",
        "merged-q8_0.gguf",
    ]  # no partials
