"""`genie tune`: LoRA fine-tuning of a shipped model on your examples, on the CPU, back into a GGUF file.

    from localgenie.tune import tune, TuneOptions
    result = tune("examples.jsonl", "invoices", TuneOptions(base="tiny", epochs=3))
    localgenie.extract(text, schema, model="tuned:invoices")

An apps-level package: the core (``llm``, ``structured``) never imports it; ``llm.models`` resolves
``tuned:NAME`` from the files it writes.  Needs the optional extra ``tune`` (transformers, peft, gguf).
"""

from .data import MIN_EXAMPLES, Dataset, TrainingItem, generation_target, prepare
from .export import QUANTISATIONS, write_merged
from .train import EpochResult, TuneEvent, TuneOptions, TuneResult, tune

__all__ = [
    "MIN_EXAMPLES",
    "QUANTISATIONS",
    "Dataset",
    "EpochResult",
    "TrainingItem",
    "TuneEvent",
    "TuneOptions",
    "TuneResult",
    "generation_target",
    "prepare",
    "tune",
    "write_merged",
]
