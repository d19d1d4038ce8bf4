"""lithm: learning in the machine, to share or not to share?

A small PyTorch package that reproduces Ott, Linstead, LaHaye & Baldi (2020), "Learning in the
machine: To share or not to share?": free convolutions (locally connected layers), the paper's
networks, batched augmentations, the cross-validation protocol, the training loop, metrics, a
resumable experiment runner, and the analysis behind the book's tables and figures.

>>> import torch, lithm
>>> layer = lithm.FreeConv2d(1, 4, 3, input_size=8)
>>> layer(torch.zeros(2, 1, 8, 8)).shape
torch.Size([2, 4, 6, 6])
>>> lithm.count_parameters(lithm.build_model("mnist", "fcn"))
4010058
"""

__version__ = "0.1.0"

from lithm import augment
from lithm.config import RunConfig
from lithm.data import DataMissingError, ImageData, load_dataset, split, to_float
from lithm.experiments import EXPERIMENTS, PROFILES, expand
from lithm.layers import FreeConv2d
from lithm.metrics import accuracy, filter_distance
from lithm.models import build_model, count_parameters
from lithm.runner import run_grid
from lithm.sentences import Sentences, say
from lithm.store import CorruptResultError, ResultsStore, load_model
from lithm.train import pick_device, train

# The verdicts and findings (lithm.verdicts, lithm.findings) need pandas: they are imported on
# first use, so `import lithm` stays light.
_LAZY = {
    "OUTCOMES": "verdicts", "Verdict": "verdicts", "claim_verdict": "verdicts",
    "compare": "verdicts", "verdict_table": "verdicts", "all_findings": "findings",
}  # fmt: skip


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"lithm.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'lithm' has no attribute {name!r}")


__all__ = [
    "EXPERIMENTS",
    "PROFILES",
    "OUTCOMES",
    "CorruptResultError",
    "DataMissingError",
    "FreeConv2d",
    "ImageData",
    "ResultsStore",
    "RunConfig",
    "Sentences",
    "Verdict",
    "__version__",
    "accuracy",
    "all_findings",
    "augment",
    "build_model",
    "claim_verdict",
    "compare",
    "count_parameters",
    "expand",
    "filter_distance",
    "load_dataset",
    "load_model",
    "pick_device",
    "run_grid",
    "say",
    "split",
    "to_float",
    "train",
    "verdict_table",
]
