"""Exports the packaged model to ONNX once, and quantizes it to int8, into a local cache folder."""

import json
import logging
import os
import warnings
from pathlib import Path

from index.model_files import file_sha256, verify_model_dir
from index.writer_lock import WriterLock

INPUTS = ("input_ids", "attention_mask", "token_type_ids")
# Bumped whenever a recipe changes (see model_name).
INT8_RECIPE = "int8q3"
# The fp32 graph: exported with eager attention and fused by onnxruntime's transformer optimizer.
FP32_GRAPH = "fp32-fused1"
HEADS, HIDDEN = 12, 384
# The one matrix left in fp32: it reads the first layer's GELU output, whose rare large values
# would set the whole tensor's int8 scale (measured here: min cosine to fp32 0.981 -> 0.992).
KEPT_FP32 = "/encoder/layer.0/output/dense/MatMul"


EXPORT_LOCK = "export.lock"  # one exporter per models folder at a time


def model_name(precision: str) -> str:
    """The model's name at a precision, naming its ONNX file and collection: it changes with the
    recipe, so vectors of different graphs never share a collection ("torch" is not exported)."""
    recipe = {"int8": INT8_RECIPE, "fp32": FP32_GRAPH}.get(precision, precision)
    return f"all-MiniLM-L6-v2-{recipe}"


def onnx_model_path(model_dir: Path, cache_dir: Path, precision: str) -> Path:
    """Path of the ONNX file for `precision` ("fp32" or "int8"), exporting it on first use."""
    fp32 = cache_dir / f"{model_name('fp32')}.onnx"
    target = cache_dir / f"{model_name(precision)}.onnx"
    if is_intact(target):
        return target
    verify_model_dir(model_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    # One exporter at a time: processes started together on a fresh machine would write the same
    # intermediate files and load each other's half-written graphs.
    with WriterLock(cache_dir, EXPORT_LOCK).held():
        if not is_intact(fp32):
            _export(model_dir, fp32)
        if precision == "int8" and not is_intact(target):
            quantize(fp32, target)
    return target


def is_intact(path: Path) -> bool:
    """True when the file exists and matches the hash recorded when it was written."""
    stamp = path.with_suffix(".sha256.json")
    if not (path.is_file() and stamp.is_file()):
        return False
    return json.loads(stamp.read_text())["sha256"] == file_sha256(path)


def _stamp(path: Path) -> None:
    path.with_suffix(".sha256.json").write_text(json.dumps({"sha256": file_sha256(path)}))


def _export(model_dir: Path, target: Path) -> None:
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as transformers_logging

    class LastHiddenState(torch.nn.Module):
        """Keyword-call wrapper: transformers 5 changed BertModel's positional signature."""

        def __init__(self, model: torch.nn.Module) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):  # noqa: D401
            return self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    # The weight-loading bar and warnings are about this one-time export, not the user's documents.
    transformers_logging.disable_progress_bar()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # Eager attention exports the classic BERT pattern that the optimizer fuses into one Attention op.
        model = AutoModel.from_pretrained(str(model_dir), local_files_only=True, attn_implementation="eager")
    export_graph(LastHiddenState(model.eval()), target, "last_hidden_state", {0: "batch", 1: "tokens"})


def export_graph(module, target: Path, output: str, output_axes: dict[int, str], skip_layer_norm: bool = True) -> None:
    """Trace a BERT-shaped torch module (input_ids, attention_mask, token_type_ids → `output`) to a
    fused ONNX graph at `target`, stamped with its hash. The module must use eager attention.

    `skip_layer_norm` also fuses each residual Add with the LayerNorm after it, as the embedder's graph
    always has been (the vectors in every index were computed so); a new graph should not (batch_pool.UNFUSED).
    """
    import torch

    # The tracer's warnings are about this one-time export, not the user's documents: the graph is
    # checked by its fusion below and by the tests of what runs it.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sample = tuple(torch.ones(2, 16, dtype=torch.long) for _ in INPUTS)
        axes = {name: {0: "batch", 1: "tokens"} for name in INPUTS} | {output: output_axes}
        exported = target.with_suffix(".export.onnx")
        with torch.no_grad():
            torch.onnx.export(
                module, sample, str(exported), input_names=list(INPUTS),
                output_names=[output], dynamic_axes=axes, opset_version=17, dynamo=False,
            )
    _fuse(exported, target, skip_layer_norm)
    exported.unlink()
    _stamp(target)


def _fuse(source: Path, target: Path, skip_layer_norm: bool) -> None:
    """Fuse attention, embedding + LayerNorm, bias + GELU (and residual + LayerNorm) into single ops."""
    from onnxruntime.transformers.fusion_options import FusionOptions
    from onnxruntime.transformers.optimizer import optimize_model

    options = FusionOptions("bert")
    options.enable_skip_layer_norm = skip_layer_norm
    fused = optimize_model(str(source), model_type="bert", num_heads=HEADS, hidden_size=HIDDEN,
                           optimization_options=options, opt_level=0)
    if fused.get_fused_operator_statistics().get("Attention", 0) == 0:
        raise RuntimeError("onnxruntime could not fuse the exported attention; refusing a slow graph")
    partial = target.with_suffix(".partial.onnx")
    fused.save_model_to_file(str(partial))
    os.replace(partial, target)


def quantize(source: Path, target: Path) -> None:
    """Weights to int8 (per-channel), activations quantized on the fly; the result stamped with its hash."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # Weights of every projection (Attention's fused QKV too) in int8 with per-channel scales;
    # activations quantized on the fly; one sensitive matrix kept in fp32 (KEPT_FP32).
    kept = [node.name for node in onnx.load(str(source)).graph.node if node.name.endswith(KEPT_FP32)]
    partial = target.with_suffix(".partial.onnx")
    # onnxruntime's quantizer advises "pre-processing" on the root logger; that advice is for
    # static quantization of vision models and only alarms users on first run.
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        quantize_dynamic(str(source), str(partial), weight_type=QuantType.QInt8, per_channel=True,
                         op_types_to_quantize=["MatMul", "Attention"], nodes_to_exclude=kept,
                         extra_options={"MatMulConstBOnly": True, "DefaultTensorType": onnx.TensorProto.FLOAT})
    finally:
        root.setLevel(level)
    os.replace(partial, target)
    _stamp(target)
