"""A LoRA adapter → one merged GGUF file that llama.cpp (and so every Genie command) loads as it is.

Why merged and not a GGUF LoRA adapter loaded at run time (llama-cpp-python 0.3.36 has
``Llama(lora_path=...)``): on ``tiny`` an adapter on the seven projections of every layer cut decode
speed to about 0.4× of the base model, because every projection becomes three matrix products.
Merged weights cost nothing at run time.

Why Q8_0 and not the base's own Q4_1: the base weights *are* the dequantised Q4_1 values, so the
merged weights sit a small delta away from the Q4_1 grid, and quantising them back to Q4_1 rounds most
of that delta away, undoing the training.  Q8_0 keeps it (and ran at 0.97× the base's decode speed on
``tiny``); F16 keeps it exactly.

Tensor names follow llama.cpp's (``blk.N.attn_q.weight``).  llama.cpp's converter stores the query and
key projections of ``llama`` models with their rows permuted (rotary pairs interleaved), and
transformers undoes that when it loads the GGUF; the delta is permuted back the same way here.
"""

from __future__ import annotations

import ctypes
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from ..errors import ModelError

Quantisation = Literal["q8_0", "f16"]
QUANTISATIONS: tuple[Quantisation, ...] = ("q8_0", "f16")

# transformers' module names → llama.cpp's tensor names, for the projections LoRA adapts.
PROJECTIONS = {
    "self_attn.q_proj": "attn_q",
    "self_attn.k_proj": "attn_k",
    "self_attn.v_proj": "attn_v",
    "self_attn.o_proj": "attn_output",
    "mlp.gate_proj": "ffn_gate",
    "mlp.up_proj": "ffn_up",
    "mlp.down_proj": "ffn_down",
}
TARGET_MODULES = tuple(name.split(".")[-1] for name in PROJECTIONS)
_LORA_KEY = re.compile(
    r"(?:.*\.)?layers\.(\d+)\.(self_attn\.\w+|mlp\.\w+)\.lora_([AB])(?:\.default)?\.weight"
)


def gguf_name(layer: int, module: str) -> str:
    """``(3, "self_attn.q_proj")`` → ``"blk.3.attn_q.weight"``."""
    if module not in PROJECTIONS:
        raise ValueError(f"no GGUF tensor for module {module!r}")
    return f"blk.{layer}.{PROJECTIONS[module]}.weight"


def permute_rows(weights: npt.NDArray[np.float32], n_head: int) -> npt.NDArray[np.float32]:
    """llama.cpp's ``permute`` of a query/key projection's rows (the inverse of transformers' reverse)."""
    rows = weights.shape[0]
    return np.ascontiguousarray(
        weights.reshape(n_head, 2, rows // n_head // 2, *weights.shape[1:])
        .swapaxes(1, 2)
        .reshape(weights.shape)
    )


def lora_deltas(
    state: Mapping[str, Any], scaling: float, *, architecture: str, n_head: int, n_head_kv: int
) -> dict[str, npt.NDArray[np.float32]]:
    """``scaling · B @ A`` for every adapted projection in a peft state dict, by GGUF tensor name, in the
    GGUF file's row order (``(out, in)`` like the tensor's numpy view)."""
    pairs: dict[tuple[int, str], dict[str, Any]] = {}
    for key, tensor in state.items():
        match = _LORA_KEY.fullmatch(key)
        if match:
            pairs.setdefault((int(match[1]), match[2]), {})[match[3]] = tensor
    deltas: dict[str, npt.NDArray[np.float32]] = {}
    for (layer, module), pair in sorted(pairs.items()):
        if set(pair) != {"A", "B"}:
            raise ModelError(f"adapter for layer {layer} {module} lacks lora_A or lora_B")
        a = np.asarray(pair["A"].detach().float().cpu().numpy(), dtype=np.float32)
        b = np.asarray(pair["B"].detach().float().cpu().numpy(), dtype=np.float32)
        delta = (b @ a) * np.float32(scaling)
        if architecture == "llama" and module == "self_attn.q_proj":
            delta = permute_rows(delta, n_head)
        elif architecture == "llama" and module == "self_attn.k_proj":
            delta = permute_rows(delta, n_head_kv)
        deltas[gguf_name(layer, module)] = delta
    return deltas


def model_geometry(base: Path) -> tuple[str, int, int]:
    """``(architecture, n_head, n_head_kv)`` from a GGUF file's metadata."""
    import gguf

    reader = gguf.GGUFReader(str(base))
    architecture = str(reader.fields["general.architecture"].contents())
    n_head = int(reader.fields[f"{architecture}.attention.head_count"].contents())
    kv = reader.fields.get(f"{architecture}.attention.head_count_kv")
    return architecture, n_head, int(kv.contents()) if kv is not None else n_head


def write_merged(
    base: Path,
    deltas: Mapping[str, npt.NDArray[np.float32]],
    target: Path,
    *,
    quantisation: Quantisation = "q8_0",
    name: str | None = None,
    threads: int = 2,
) -> Path:
    """Write ``base`` + ``deltas`` to ``target`` (atomically: a partial file is never left at ``target``).

    Every other tensor and all metadata (tokenizer, chat template) are copied as they are; the merged
    tensors are written as F16 and, for ``q8_0``, the whole file is then quantised by llama.cpp's own
    quantiser (`llama_cpp.llama_model_quantize`).
    """
    import gguf

    if quantisation not in QUANTISATIONS:
        raise ValueError(f"quantisation must be one of {', '.join(QUANTISATIONS)}, not {quantisation!r}")
    reader = gguf.GGUFReader(str(base))
    names = {tensor.name for tensor in reader.tensors}
    unknown = sorted(set(deltas) - names)
    if unknown:
        raise ModelError(f"{base.name} has no tensor {unknown[0]} (the adapter was trained on another model)")
    target.parent.mkdir(parents=True, exist_ok=True)
    f16 = target.with_name(f"{target.name}.{os.getpid()}.f16.partial")
    final = target.with_name(f"{target.name}.{os.getpid()}.partial")
    try:
        architecture = str(reader.fields["general.architecture"].contents())
        writer = gguf.GGUFWriter(str(f16), architecture)
        for field in reader.fields.values():
            if field.name == "general.architecture" or field.name.startswith("GGUF."):
                continue
            value_type = field.types[0]
            sub_type = field.types[-1] if value_type == gguf.GGUFValueType.ARRAY else None
            value = field.contents()
            if field.name == "general.name" and name:
                value = name
            if field.name == "general.file_type":
                value = int(gguf.LlamaFileType.MOSTLY_F16)
            writer.add_key_value(field.name, value, value_type, sub_type=sub_type)
        for tensor in reader.tensors:
            if tensor.name in deltas:
                weights = gguf.quants.dequantize(tensor.data, tensor.tensor_type).astype(np.float32)
                delta = deltas[tensor.name]
                if weights.shape != delta.shape:
                    raise ModelError(
                        f"{tensor.name}: delta {delta.shape} does not fit weights {weights.shape}"
                    )
                writer.add_tensor(tensor.name, (weights + delta).astype(np.float16))
            else:
                writer.add_tensor(
                    tensor.name, tensor.data, raw_shape=tensor.data.shape, raw_dtype=tensor.tensor_type
                )
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_tensors_to_file()
        writer.close()
        del reader
        if quantisation == "f16":
            os.replace(f16, target)
        else:
            quantise(f16, final, threads=threads)
            os.replace(final, target)
    finally:
        f16.unlink(missing_ok=True)
        final.unlink(missing_ok=True)
    return target


def quantise(source: Path, target: Path, *, threads: int = 2) -> None:
    """Q8_0 with llama.cpp's quantiser (tensors already quantised, the embedding, are requantised)."""
    import llama_cpp
    from llama_cpp._utils import suppress_stdout_stderr

    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = llama_cpp.LLAMA_FTYPE_MOSTLY_Q8_0
    params.allow_requantize = True
    params.nthread = threads
    with suppress_stdout_stderr(disable=False):  # llama.cpp logs a line per tensor
        status = llama_cpp.llama_model_quantize(
            str(source).encode(), str(target).encode(), ctypes.byref(params)
        )
    if status != 0 or not target.is_file():
        raise ModelError(f"llama.cpp could not quantise {source.name} (status {status}); is the disk full?")
