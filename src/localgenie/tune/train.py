"""`tune`: LoRA fine-tuning of a shipped model on an examples file, on the CPU, back into a GGUF file.

One epoch: every training item once (shuffled), the loss on the answer tokens only, an optimiser step
every ``batch_size`` items; then the held-out loss, the adapter merged into a GGUF file, and that file
scored on the held-out examples by `localgenie.evaluation` through the real llama.cpp backend and
grammar: the exact match reported is the one `genie eval` would report, of the file that ships.

Every epoch ends with a checkpoint (adapter, optimiser, schedule, history) written atomically, so
a crash, a full disk or Ctrl-C loses at most the epoch in progress and ``resume=True`` carries on.
The best epoch so far (held-out exact match, then loss) is always at ``model.gguf``: an interrupted
run leaves a usable model.  Training stops early after ``patience`` epochs without improvement.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import math
import os
import random
import resource
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..config import default_threads
from ..errors import BadInput, ModelError
from ..evaluation.metrics import TaskResult, summarise
from ..evaluation.run import score
from ..llm.llamacpp import LlamaCppBackend
from ..llm.models import (
    TUNED_CARD,
    TUNED_FILE,
    check_tuned_name,
    resolve_model_path,
    tuned_models_dir,
)
from .data import TrainingItem, file_sha256, prepare
from .export import QUANTISATIONS, TARGET_MODULES, Quantisation, lora_deltas, model_geometry, write_merged
from .model import add_lora, load_base, load_lora_state, lora_state, require_extras

Status = Literal["training", "complete", "stopped early", "interrupted"]
CHECKPOINT = "checkpoint"
EVAL_CONTEXT = 4096


@dataclass(frozen=True)
class TuneOptions:
    """How to tune.  The defaults suit a few hundred examples on ``tiny``."""

    base: str = "tiny"
    epochs: int = 3
    eval_split: float = 0.2
    learning_rate: float = 5e-4
    rank: int = 16
    alpha: int = 32
    dropout: float = 0.05
    batch_size: int = (
        4  # items per optimiser step (gradients accumulated: one sequence at a time, no padding)
    )
    patience: int = 1  # epochs without a better held-out score before stopping
    max_length: int = 2048  # prompt + answer tokens; longer items are skipped
    max_steps: int | None = None  # items per epoch at most (quick trials and tests)
    seed: int = 0
    quantisation: Quantisation = "q8_0"
    bf16: bool = True  # bfloat16 autocast: ~1.6x faster on CPUs with AVX-512 BF16, master weights float32
    baseline: bool = True  # score the untuned base on the held-out examples first (the "before")

    def check(self) -> None:
        problems = []
        if self.epochs < 1:
            problems.append("--epochs must be at least 1")
        if self.rank < 1:
            problems.append("--rank must be at least 1")
        if self.batch_size < 1:
            problems.append("--batch-size must be at least 1")
        if not self.learning_rate > 0:
            problems.append("--learning-rate must be positive")
        if self.patience < 1:
            problems.append("--patience must be at least 1")
        if self.quantisation not in QUANTISATIONS:
            problems.append(f"--quantisation must be one of {', '.join(QUANTISATIONS)}")
        if problems:
            raise BadInput("; ".join(problems))


@dataclass(frozen=True)
class EpochResult:
    epoch: int
    train_loss: float
    eval_loss: float
    eval_exact_match: float
    eval_field_f1: float
    seconds: float
    items: int


@dataclass(frozen=True)
class TuneEvent:
    """Progress, for a progress bar: ``kind`` is ``start`` (``total`` = items per epoch), ``step`` (one
    item trained, ``loss``), ``evaluate`` (``total`` = held-out items), ``scored`` (one scored),
    ``epoch`` (``result`` set), ``baseline`` (``result`` holds the base model's scores)."""

    kind: Literal["start", "step", "evaluate", "scored", "epoch", "baseline"]
    epoch: int
    done: int = 0
    total: int = 0
    loss: float | None = None
    result: EpochResult | None = None


@dataclass
class TuneResult:
    """What `tune` made: ``path`` (the GGUF, ``--model tuned:NAME``), the model card and its file."""

    name: str
    path: Path
    card_path: Path
    card: dict[str, Any]
    epochs: list[EpochResult] = field(default_factory=list)
    status: Status = "complete"
    skipped: list[tuple[int, str]] = field(default_factory=list)


def tune(
    examples: str | Path,
    name: str,
    options: TuneOptions | None = None,
    *,
    resume: bool = False,
    force: bool = False,
    on_event: Callable[[TuneEvent], None] | None = None,
) -> TuneResult:
    """Fine-tune ``options.base`` on an examples file (the `genie eval` format) into ``tuned:NAME``.

    Refuses (`BadInput`) an existing name unless ``force`` (start again) or ``resume`` (continue from
    its last checkpoint, with the options it was started with and the same examples file); fewer than
    20 usable examples; bad options.  Ctrl-C writes the card as ``interrupted`` and re-raises.
    """
    require_extras()
    folder = tuned_models_dir() / check_tuned_name(name)
    state = _prepare_folder(folder, name, resume=resume, force=force)
    if state is not None:
        options = TuneOptions(**state["options"])
    options = options or TuneOptions()
    options.check()
    run = _Run(folder, name, Path(examples), options, state, on_event or (lambda event: None))
    return run.go()


def _prepare_folder(folder: Path, name: str, *, resume: bool, force: bool) -> dict[str, Any] | None:
    """The saved state to resume from, or ``None`` for a fresh start (the folder emptied when forced)."""
    state_file = folder / CHECKPOINT / "state.json"
    if resume:
        if not state_file.is_file():
            raise BadInput(
                f"tuned model {name!r} has no checkpoint to resume from; start it without --resume"
            )
        loaded: dict[str, Any] = json.loads(state_file.read_text(encoding="utf-8"))
        return loaded
    if folder.exists() and any(folder.iterdir()):
        if not force:
            raise BadInput(
                f"a tuned model named {name!r} already exists ({folder}): pick another --name, --force to "
                "replace it, or --resume to continue its training"
            )
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return None


class _Run:
    def __init__(
        self,
        folder: Path,
        name: str,
        examples: Path,
        options: TuneOptions,
        state: dict[str, Any] | None,
        emit: Callable[[TuneEvent], None],
    ) -> None:
        self.folder, self.name, self.examples, self.options, self.emit = folder, name, examples, options, emit
        self.state = state
        self.checkpoint = folder / CHECKPOINT
        self.started = time.perf_counter()
        self.history: list[EpochResult] = [EpochResult(**e) for e in (state or {}).get("history", [])]
        self.baseline: dict[str, Any] | None = (state or {}).get("baseline")
        self.best: int | None = (state or {}).get("best_epoch")
        self.previous_seconds: float = (state or {}).get("seconds", 0.0)
        self.status: Status = "training"

    def go(self) -> TuneResult:
        import torch

        options = self.options
        torch.set_num_threads(default_threads())
        self.base_path = resolve_model_path(options.base)
        tokens = LlamaCppBackend(self.base_path, n_ctx=512)
        try:
            self.data = prepare(
                self.examples,
                tokens,
                eval_split=options.eval_split,
                seed=options.seed,
                max_length=options.max_length,
            )
        finally:
            tokens.close()
        if self.state is not None and self.state["data_sha256"] != self.data.sha256:
            raise BadInput(
                f"{self.examples} is not the examples file this model was started on (sha256 differs); "
                "resume with the same file, or start again with --force"
            )
        self.base_sha256 = (self.state or {}).get("base_sha256") or file_sha256(self.base_path)
        if self.baseline is None and options.baseline:
            results = self._score(self.base_path, 0)
            self.baseline = _figures(results)
            self.emit(
                TuneEvent("baseline", 0, result=self._as_epoch(0, math.nan, math.nan, self.baseline, 0, 0))
            )
        self.geometry = model_geometry(self.base_path)
        model = add_lora(
            load_base(self.base_path), rank=options.rank, alpha=options.alpha, dropout=options.dropout
        )
        per_epoch = min(len(self.data.train), options.max_steps or len(self.data.train))
        total_steps = math.ceil(per_epoch / options.batch_size) * options.epochs
        optimiser = torch.optim.AdamW(
            [p for p in model.parameters() if p.requires_grad], lr=options.learning_rate
        )
        warmup = max(1, total_steps // 10)
        schedule = torch.optim.lr_scheduler.LambdaLR(
            optimiser,
            lambda step: min(
                (step + 1) / warmup, max(0.0, (total_steps - step) / (total_steps - warmup + 1))
            ),
        )
        first = 1
        if self.state is not None:
            saved = torch.load(self.checkpoint / "training.pt", weights_only=True)
            load_lora_state(model, saved["adapter"])
            optimiser.load_state_dict(saved["optimiser"])
            schedule.load_state_dict(saved["schedule"])
            first = int(self.state["epoch"]) + 1
        try:
            for epoch in range(first, options.epochs + 1):
                if self._should_stop():
                    self.status = "stopped early"
                    break
                result = self._epoch(model, optimiser, schedule, epoch, per_epoch)
                self.history.append(result)
                self._save_checkpoint(model, optimiser, schedule, epoch)
            else:
                self.status = "complete"
        except KeyboardInterrupt:
            self.status = "interrupted"
            if self.history:
                self._write_card()
            raise
        except (MemoryError, RuntimeError) as exc:
            if isinstance(exc, RuntimeError) and "alloc" not in str(exc):
                raise
            self.status = "interrupted"
            if self.history:
                self._write_card()
            raise ModelError(
                "out of memory while training: "
                + self._kept()
                + "; close other programs, lower --max-length, "
                "or train a smaller --base, then run again with --resume"
            ) from None
        card = self._write_card()
        return TuneResult(
            self.name,
            self.folder / TUNED_FILE,
            self.folder / TUNED_CARD,
            card,
            list(self.history),
            self.status,
            [(s.line, s.reason) for s in self.data.skipped],
        )

    # -- one epoch --------------------------------------------------------------------------------

    def _epoch(self, model: Any, optimiser: Any, schedule: Any, epoch: int, per_epoch: int) -> EpochResult:
        import torch

        started = time.perf_counter()
        options = self.options
        order = list(self.data.train)
        random.Random(f"{options.seed}:{epoch}").shuffle(order)
        order = order[:per_epoch]
        self.emit(TuneEvent("start", epoch, 0, len(order)))
        model.train()
        losses: list[float] = []
        optimiser.zero_grad(set_to_none=True)
        for index, item in enumerate(order, 1):
            loss = self._loss(model, item)
            (loss / options.batch_size).backward()
            if index % options.batch_size == 0 or index == len(order):
                torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], 1.0)
                optimiser.step()
                schedule.step()
                optimiser.zero_grad(set_to_none=True)
            losses.append(float(loss.detach()))
            self.emit(TuneEvent("step", epoch, index, len(order), loss=sum(losses[-20:]) / len(losses[-20:])))
        model.eval()
        with torch.no_grad():
            eval_losses = [float(self._loss(model, item)) for item in self.data.eval]
        candidate = self.checkpoint / f"epoch-{epoch}.gguf"
        self._export(model, candidate)
        figures = _figures(self._score(candidate, epoch))
        result = self._as_epoch(
            epoch, _mean(losses), _mean(eval_losses), figures, time.perf_counter() - started, len(order)
        )
        best = self.history[self.best - 1] if self.best else None
        if best is None or _better(result, best):
            os.replace(candidate, self.folder / TUNED_FILE)
            self.best = epoch
        else:
            candidate.unlink(missing_ok=True)
        self.emit(TuneEvent("epoch", epoch, result=result))
        return result

    def _loss(self, model: Any, item: TrainingItem) -> Any:
        """Mean cross-entropy of the answer tokens (the prompt is context, not a target); logits are
        computed for the answer's positions only (the output layer over a 49k vocabulary is a large
        share of the work)."""
        import torch

        ids = torch.tensor([list(item.prompt) + list(item.target)])
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.options.bf16):
            logits = model(input_ids=ids, logits_to_keep=len(item.target) + 1).logits
        predicted = logits[0, :-1].float()
        return torch.nn.functional.cross_entropy(predicted, torch.tensor(list(item.target)))

    def _export(self, model: Any, target: Path) -> None:
        architecture, n_head, n_head_kv = self.geometry
        scaling = self.options.alpha / self.options.rank
        deltas = lora_deltas(
            lora_state(model), scaling, architecture=architecture, n_head=n_head, n_head_kv=n_head_kv
        )
        try:
            write_merged(
                self.base_path,
                deltas,
                target,
                quantisation=self.options.quantisation,
                name=f"genie tuned:{self.name}",
                threads=default_threads(),
            )
        except OSError as exc:
            raise ModelError(f"cannot write {target}: {exc.strerror or exc}; " + self._kept()) from None

    def _score(self, path: Path, epoch: int) -> list[TaskResult]:
        """The held-out examples through the real llama.cpp backend and grammar (`genie eval`'s scoring)."""
        backend = LlamaCppBackend(path, n_ctx=EVAL_CONTEXT)
        results = []
        try:
            self.emit(TuneEvent("evaluate", epoch, 0, len(self.data.eval)))
            for index, item in enumerate(self.data.eval, 1):
                results.append(score(item.example, backend))
                self.emit(TuneEvent("scored", epoch, index, len(self.data.eval)))
        finally:
            backend.close()
        return results

    def _as_epoch(
        self, epoch: int, train: float, held: float, figures: dict[str, Any], seconds: float, items: int
    ) -> EpochResult:
        return EpochResult(epoch, train, held, figures["exact_match"], figures["field_f1"], seconds, items)

    def _should_stop(self) -> bool:
        """``patience`` epochs in a row without beating the best one."""
        if self.best is None:
            return False
        return len(self.history) - self.best >= self.options.patience

    # -- files ------------------------------------------------------------------------------------

    def _kept(self) -> str:
        if not self.history:
            return "no epoch had finished, so nothing was kept"
        return (
            f"the checkpoint of epoch {self.history[-1].epoch} is kept and {self.folder / TUNED_FILE} holds "
            f"the best epoch ({self.best})"
        )

    def _save_checkpoint(self, model: Any, optimiser: Any, schedule: Any, epoch: int) -> None:
        import torch

        self.checkpoint.mkdir(parents=True, exist_ok=True)
        state = {
            "epoch": epoch,
            "options": dataclasses.asdict(self.options),
            "data_sha256": self.data.sha256,
            "base_sha256": self.base_sha256,
            "history": [dataclasses.asdict(e) for e in self.history],
            "baseline": self.baseline,
            "best_epoch": self.best,
            "seconds": self._seconds(),
        }
        try:
            partial = self.checkpoint / "training.pt.partial"
            torch.save(
                {
                    "adapter": lora_state(model),
                    "optimiser": optimiser.state_dict(),
                    "schedule": schedule.state_dict(),
                },
                partial,
            )
            os.replace(partial, self.checkpoint / "training.pt")
            _write_json(self.checkpoint / "state.json", state)
            self._write_card()
        except OSError as exc:
            previous = f"epoch {epoch - 1}" if epoch > 1 else "none"
            raise ModelError(
                f"cannot write the checkpoint of epoch {epoch} ({exc.strerror or exc}): the previous one "
                f"({previous}) is kept; free disk space and run again with --resume"
            ) from None

    def _seconds(self) -> float:
        return self.previous_seconds + time.perf_counter() - self.started

    def _write_card(self) -> dict[str, Any]:
        best = self.history[self.best - 1] if self.best else None
        card: dict[str, Any] = {
            "name": self.name,
            "model": f"tuned:{self.name}",
            "status": self.status,
            "base": self.options.base,
            "base_file": self.base_path.name,
            "base_sha256": self.base_sha256,
            "data_file": str(self.examples),
            "data_sha256": self.data.sha256,
            "examples": {
                "train": len(self.data.train),
                "eval": len(self.data.eval),
                "skipped": [{"line": s.line, "reason": s.reason} for s in self.data.skipped],
            },
            "method": f"LoRA r={self.options.rank} alpha={self.options.alpha} on "
            f"{', '.join(TARGET_MODULES)}, merged",
            "quantisation": self.options.quantisation,
            "options": dataclasses.asdict(self.options),
            "metrics": {
                "best_epoch": self.best,
                "eval_exact_match": best.eval_exact_match if best else None,
                "eval_field_f1": best.eval_field_f1 if best else None,
                "eval_loss": best.eval_loss if best else None,
                "base_eval_exact_match": (self.baseline or {}).get("exact_match"),
                "base_eval_field_f1": (self.baseline or {}).get("field_f1"),
            },
            "epochs": [dataclasses.asdict(e) for e in self.history],
            "seconds": round(self._seconds(), 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        }
        _write_json(self.folder / TUNED_CARD, card)
        return card


def _figures(results: list[TaskResult]) -> dict[str, Any]:
    overall: dict[str, Any] = summarise(results)["overall"]
    return overall


def _better(new: EpochResult, old: EpochResult) -> bool:
    if new.eval_exact_match != old.eval_exact_match:
        return new.eval_exact_match > old.eval_exact_match
    return new.eval_loss < old.eval_loss


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else math.nan


def _write_json(path: Path, value: Any) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(value, indent=2), encoding="utf-8")
    os.replace(partial, path)


__all__ = ["EpochResult", "TuneEvent", "TuneOptions", "TuneResult", "tune"]
