"""The verifier's network (torch): MiniLM's encoder reading a (query, sentence) pair, one logit from [CLS].

Imported only to train the verifier and, once per weights file, to export it to ONNX; answering runs
the ONNX graph. The word-piece embeddings stay MiniLM's own (frozen while training), so the shipped
file holds only what training changed, stored as int8 rows with a scale each.
"""

from pathlib import Path

import numpy as np
import torch

from index.model_files import packaged_model_dir, verify_model_dir

WORD_EMBEDDINGS = "bert.embeddings.word_embeddings.weight"


class VerifierNet(torch.nn.Module):
    """all-MiniLM-L6-v2's first `layers` layers and a linear head on the [CLS] state; while training, a
    second head points at the answer's first and last word-piece (or at [CLS] when there is none), which
    makes the encoder find the answer rather than judge the sentence by its words. It is not shipped.

    >>> net = VerifierNet(layers=6)
    >>> net(input_ids, attention_mask, token_type_ids).shape
    torch.Size([batch])
    """

    def __init__(self, layers: int, attention: str = "sdpa") -> None:
        super().__init__()
        from transformers import BertModel
        from transformers.utils import logging as transformers_logging

        model_dir = packaged_model_dir()
        verify_model_dir(model_dir)
        # The embedding model's unused pooler is left out on purpose; its load report would only alarm.
        transformers_logging.disable_progress_bar()
        verbosity = transformers_logging.get_verbosity()
        transformers_logging.set_verbosity_error()
        try:
            self.bert = BertModel.from_pretrained(str(model_dir), local_files_only=True, add_pooling_layer=False,
                                                  attn_implementation=attention)
        finally:
            transformers_logging.set_verbosity(verbosity)
        self.bert.encoder.layer = self.bert.encoder.layer[:layers]
        self.bert.config.num_hidden_layers = layers
        self.bert.embeddings.word_embeddings.weight.requires_grad_(False)
        self.head = torch.nn.Linear(self.bert.config.hidden_size, 1)
        self.span: torch.nn.Linear | None = None

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                token_type_ids: torch.Tensor) -> torch.Tensor:
        """One logit per pair: positive when the sentence answers (supports) the query."""
        return self.head(self.states(input_ids, attention_mask, token_type_ids)[:, 0]).squeeze(-1)

    def states(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
               token_type_ids: torch.Tensor) -> torch.Tensor:
        """The encoder's last hidden states."""
        return self.bert(input_ids=input_ids, attention_mask=attention_mask,
                         token_type_ids=token_type_ids).last_hidden_state

    def with_span_head(self) -> "VerifierNet":
        """Add the answer-span head that training uses (start and end logits per word-piece)."""
        self.span = torch.nn.Linear(self.bert.config.hidden_size, 2)
        return self


def pack(net: VerifierNet) -> dict[str, np.ndarray]:
    """The trained parameters, matrices as int8 rows with one float32 scale each (half the bytes of
    fp16; the ONNX quantizer later derives the same per-row scales), the rest in float16."""
    packed = {}
    for name, tensor in net.state_dict().items():
        if name == WORD_EMBEDDINGS or name.startswith("span."):
            continue
        values = tensor.detach().float().numpy()
        if values.ndim == 2 and min(values.shape) > 1:
            scale = np.abs(values).max(axis=1, keepdims=True) / 127.0 + 1e-12
            packed[f"{name}.int8"] = np.round(values / scale).astype(np.int8)
            packed[f"{name}.scale"] = scale.astype(np.float32)
        else:
            packed[name] = values.astype(np.float16)
    return packed


def unpack(net: VerifierNet, packed: dict[str, np.ndarray]) -> VerifierNet:
    """`net` with the packed parameters loaded (its word-piece embeddings stay MiniLM's)."""
    state = {}
    for name in packed:
        if name.endswith(".scale"):
            continue
        if name.endswith(".int8"):
            base = name[: -len(".int8")]
            state[base] = torch.from_numpy(packed[name].astype(np.float32) * packed[f"{base}.scale"])
        else:
            state[name] = torch.from_numpy(packed[name].astype(np.float32))
    missing, unexpected = net.load_state_dict(state, strict=False)
    if unexpected or set(missing) - {WORD_EMBEDDINGS}:
        raise ValueError(f"verifier weights do not fit the network: missing {missing}, unexpected {unexpected}")
    return net


def save_packed(packed: dict[str, np.ndarray], path: Path) -> list[list]:
    """Write the packed parameters as one flat byte array (.npy, read without pickle); returns the layout
    (name, dtype, shape of each, in file order) that load_packed needs."""
    layout = [[name, str(values.dtype), list(values.shape)] for name, values in packed.items()]
    np.save(path, np.concatenate([np.ascontiguousarray(packed[name]).view(np.uint8).ravel() for name, _, _ in layout]))
    return layout


def load_packed(path: Path, layout: list[list]) -> dict[str, np.ndarray]:
    """The packed parameters save_packed wrote."""
    flat, packed, offset = np.load(path), {}, 0
    for name, dtype, shape in layout:
        size = int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize
        packed[name] = flat[offset:offset + size].view(dtype).reshape(shape)
        offset += size
    if offset != flat.size:
        raise ValueError(f"{path.name} holds {flat.size} bytes; its layout describes {offset}")
    return packed
