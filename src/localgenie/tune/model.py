"""The base model for training: the GGUF Genie already ships, dequantised into a transformers model.

No hub download: transformers reads the GGUF file itself (``from_pretrained(folder, gguf_file=...)``),
weights and config.  Token ids come from llama.cpp's tokenizer of the same file (`data`), so the
transformers tokenizer is never needed.  LoRA goes on the attention and MLP projections only: the
embedding is tied to the output head in these small models, and adapting either would change both
(and llama.cpp's LoRA and merge paths do not take it).
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import logging
import warnings
from pathlib import Path
from typing import Any

from ..errors import BadInput, ModelError
from .export import TARGET_MODULES

EXTRAS = ("torch", "transformers", "peft", "gguf")


def require_extras() -> None:
    """Fail before any work when the optional extra is not installed, saying how to install it."""
    missing = [name for name in EXTRAS if importlib.util.find_spec(name) is None]
    if missing:
        raise BadInput(
            f"tuning needs the optional extra 'tune' ({', '.join(missing)} missing): "
            "pip install -c constraints.txt -e '.[tune]' (install torch==2.13.0 first, the CPU build)"
        )


def load_base(path: Path) -> Any:
    """A float32 transformers causal LM holding the dequantised weights of the GGUF file ``path``."""
    import torch
    from transformers import AutoModelForCausalLM
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    logging.getLogger("transformers").setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
            warnings.simplefilter("ignore")
            model = AutoModelForCausalLM.from_pretrained(
                str(path.parent), gguf_file=path.name, dtype=torch.float32, local_files_only=True
            )
    except (ValueError, OSError, KeyError, RuntimeError) as exc:
        raise ModelError(f"transformers cannot load {path.name} for training: {exc}") from exc
    return model


def add_lora(model: Any, *, rank: int, alpha: int, dropout: float) -> Any:
    """``model`` wrapped by peft with LoRA on the projections (`TARGET_MODULES`); embedding and head stay
    frozen.  Raises `ModelError` if anything outside the projections ended up trainable."""
    from peft import LoraConfig, get_peft_model

    config = LoraConfig(
        r=rank,
        lora_alpha=alpha,
        lora_dropout=dropout,
        target_modules=list(TARGET_MODULES),
        bias="none",
        task_type="CAUSAL_LM",
    )
    wrapped = get_peft_model(model, config)
    strays = [n for n, p in wrapped.named_parameters() if p.requires_grad and ".lora_" not in n]
    if strays:
        raise ModelError(f"LoRA would train more than the projections: {strays[:3]}")
    return wrapped


def lora_state(model: Any) -> dict[str, Any]:
    """The adapter's tensors (what a checkpoint keeps), detached copies."""
    return {n: p.detach().clone() for n, p in model.named_parameters() if ".lora_" in n}


def load_lora_state(model: Any, state: dict[str, Any]) -> None:
    """Put checkpointed adapter tensors back into a freshly wrapped model (same names and shapes)."""
    import torch

    parameters = dict(model.named_parameters())
    missing = [name for name in state if name not in parameters]
    if missing or len(state) != sum(1 for n in parameters if ".lora_" in n):
        raise ModelError("the checkpoint's adapter does not fit this model (other base, rank or modules)")
    with torch.no_grad():
        for name, tensor in state.items():
            parameters[name].copy_(tensor)
