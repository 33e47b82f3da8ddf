"""Runs batches of model inputs side by side, one per core: what the embedder and the verifier share."""

import os
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

# ONNX Runtime fuses a residual Add and the LayerNorm after it into SkipLayerNormalization, whose CPU kernel
# took 6.5 times as long as the two ops apart (1.0 against 0.15 ms for 2 x 192 x 384, onnxruntime 1.32 on a
# Xeon): a fifth of a MiniLM forward pass. Sessions never fuse it; graphs exported with it keep it.
UNFUSED = ["SkipLayerNormFusion"]


class BatchPool:
    """Maps a function over batches, in input order, with up to `workers` at a time (0: one per core).

    Whole batches in parallel beat splitting each operator across cores: no per-operator barrier,
    so a core busy with another process delays only its own batch.

    >>> pool = BatchPool(workers=0, name="embed")
    >>> list(pool.map(len, [[1, 2], [3]]))
    [2, 1]
    """

    def __init__(self, workers: int, name: str) -> None:
        self.workers = workers or os.cpu_count() or 1
        self.name = name
        self._executor: ThreadPoolExecutor | None = None
        self._starting = threading.Lock()

    def map(self, function: Callable, batches: list) -> Iterable:
        """function(batch) for each batch, in order; in this thread when there is nothing to share out."""
        if len(batches) < 2 or self.workers < 2:
            return map(function, batches)
        with self._starting:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix=self.name)
        return self._executor.map(function, batches)


def one_core_session(model: Path):
    """An ONNX Runtime session that runs a batch on one core: the pool runs batches side by side instead."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return onnxruntime.InferenceSession(str(model), options, providers=["CPUExecutionProvider"],
                                        disabled_optimizers=UNFUSED)
