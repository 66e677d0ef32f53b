"""Two reference baselines for the text benchmarks: TF-IDF + logistic regression, and frozen
all-MiniLM-L6-v2 sentence embeddings + logistic regression.

Both duck-type the parts of `EmotionClassifier` that `affectlab.text.evaluation` uses
(`predict_proba`, `predict`, `predict_vad`, `thresholds`, `map_proba`, `map_dev`, `indicator`,
`labels_`, `scheme`, `multi_label`), so the same evaluation functions score them. The label
bookkeeping, threshold tuning and ontology mapping come from `SchemeLabelModel`, which
`EmotionClassifier` shares.

    >>> base = TfidfBaseline("carer6").fit(train_texts, train_labels, dev=(dev_texts, dev_labels))
    >>> evaluation.evaluate_single(base, frame, "carer")

The regularisation strength C of the logistic regression is chosen on dev (macro-F1; for
multi-label, at thresholds tuned on dev), then per-label thresholds are tuned on dev for the
model's labels (multi-label) and for every scheme they map into. `fit_vad` adds a ridge
regression for valence, arousal and dominance, its alpha chosen on dev by mean Pearson r.
"""

from __future__ import annotations

import hashlib
import time
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from affectlab import metrics
from affectlab.ontology.label_model import (
    LABELS,
    SchemeLabelModel,
    check_vad_targets,
    is_multi,
    label_rows,
    scheme_name,
)
from affectlab.text.classifier import VAD, VAD_DIMS
from affectlab.text.encoder import DEFAULT_ENCODER
from affectlab.text.labels import check_texts, check_training_texts

C_GRID = (1.0, 4.0, 16.0)  # TF-IDF: sparse, unit-length rows
FROZEN_C_GRID = (0.25, 1.0, 4.0)  # standardised dense embeddings need less C
ALPHA_GRID = (0.25, 1.0, 4.0, 16.0, 64.0, 256.0, 1024.0)


class _LinearBaseline(SchemeLabelModel):
    """Features (defined by subclasses) + logistic regression for labels, ridge for V/A/D."""

    name = "linear baseline"

    default_Cs: tuple[float, ...] = C_GRID

    def __init__(self, scheme: str | None = None, multi_label: bool | None = None, *,
                 Cs: Sequence[float] | None = None, alphas: Sequence[float] = ALPHA_GRID,
                 max_iter: int = 1000, schemes: Sequence[str] | None = None,
                 n_jobs: int | None = None) -> None:
        self.scheme = None if scheme is None else scheme_name(scheme)
        self.multi_label = multi_label
        self.Cs = tuple(float(c) for c in (self.default_Cs if Cs is None else Cs))
        self.alphas = tuple(float(a) for a in alphas)
        self.max_iter = max_iter
        self.schemes = None if schemes is None else list(schemes)
        self.n_jobs = n_jobs
        self.labels_: list[str] | None = None
        self.thresholds_: dict[str, dict[str, float]] = {}
        self.info_: dict[str, Any] = {}
        self._heads: dict[str, Any] = {}

    # ---- features (subclasses) -----------------------------------------------------------
    def _fit_features(self, head: str, texts: list[str]) -> Any:
        """Fit the feature extractor of `head` on `texts` and return their features."""
        raise NotImplementedError

    def _features(self, head: str, texts: list[str]) -> Any:
        """Features of `texts` for `head` (after `_fit_features`)."""
        raise NotImplementedError

    # ---- labels --------------------------------------------------------------------------
    def fit(self, texts: Sequence[str], labels: Sequence[Any], *,
            dev: tuple[Sequence[str], Sequence[Any]] | None = None) -> _LinearBaseline:
        """Fit the label head; with `dev`, choose C on it and tune the thresholds on it.

        Without `dev` the middle value of the C grid is used and thresholds stay at 0.5.
        """
        started = time.perf_counter()
        texts = check_training_texts(texts, "texts")
        if len(labels) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
        multi = is_multi(labels) if self.multi_label is None else self.multi_label
        self.multi_label = multi
        rows = label_rows(labels)
        self.labels_ = self._label_order(rows)
        y = self._targets(rows, multi)
        x = self._fit_features(LABELS, texts)
        self.thresholds_ = {}
        if dev is None:
            c = self.Cs[len(self.Cs) // 2]
            self._heads[LABELS] = self._fit_head(x, y, c)
            search: dict[str, float] = {}
        else:
            dev_texts = check_texts(dev[0])
            dev_rows = label_rows(dev[1])
            x_dev = self._features(LABELS, dev_texts)
            search = {}
            best: tuple[float, float, Any] | None = None
            for c in self.Cs:
                head = self._fit_head(x, y, c)
                score = self._dev_score(self._head_proba(head, x_dev), dev_rows)
                search[f"C={c:g}"] = score
                if best is None or score > best[0]:
                    best = (score, c, head)
            assert best is not None
            _, c, self._heads[LABELS] = best
            self.tune_thresholds(dev_texts, dev[1], self.schemes)
        self.info_["labels"] = {"C": c, "dev macro-F1 per C": search, "train texts": len(texts),
                                "seconds": round(time.perf_counter() - started, 2)}
        return self

    def _fit_head(self, x: Any, y: np.ndarray, c: float) -> Any:
        from sklearn.linear_model import LogisticRegression
        from sklearn.multiclass import OneVsRestClassifier

        lr = LogisticRegression(C=c, max_iter=self.max_iter)
        with _one_blas_thread(), warnings.catch_warnings():
            # labels absent from a small training set get a constant predictor
            warnings.filterwarnings("ignore", message="Label .* is present in all training")
            if self.multi_label:
                return OneVsRestClassifier(lr, n_jobs=self.n_jobs).fit(x, y)
            if len(np.unique(y)) < 2:
                raise ValueError("single-label training needs at least two distinct labels")
            return lr.fit(x, y)

    def _head_proba(self, head: Any, x: Any) -> np.ndarray:
        assert self.labels_ is not None
        probs = np.asarray(head.predict_proba(x), dtype=np.float64)
        if self.multi_label:
            return probs
        out = np.zeros((probs.shape[0], len(self.labels_)))
        out[:, np.asarray(head.classes_, dtype=int)] = probs  # labels unseen in training: 0
        return out

    def _dev_score(self, probs: np.ndarray, rows: list[list[Any]]) -> float:
        assert self.labels_ is not None
        if self.multi_label:
            gold = self.indicator(rows)
            pred = metrics.apply_thresholds(probs, metrics.tune_thresholds(gold, probs))
            return float(metrics.multilabel_f1(gold, pred))
        index = self._label_index()
        gold = [self.labels_[index(r[0])] for r in rows]
        pred = [self.labels_[i] for i in probs.argmax(1)]
        return float(metrics.macro_f1(gold, pred, labels=self.labels_))

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """(n, labels) probabilities: one-vs-rest sigmoids (multi-label) or a softmax."""
        if LABELS not in self._heads:
            raise RuntimeError(f"this {type(self).__name__} has no label head; call fit()")
        texts = check_texts(texts)
        assert self.labels_ is not None
        if not texts:
            return np.zeros((0, len(self.labels_)))
        return self._head_proba(self._heads[LABELS], self._features(LABELS, texts))

    # ---- V/A/D ---------------------------------------------------------------------------
    def fit_vad(self, texts: Sequence[str], targets: Any, *,
                dev: tuple[Sequence[str], Any] | None = None) -> _LinearBaseline:
        """Ridge regression for (n, 3) V/A/D targets; alpha chosen on `dev` by mean Pearson r."""
        from sklearn.linear_model import Ridge

        started = time.perf_counter()
        texts = check_training_texts(texts, "V/A/D texts")
        y = check_vad_targets(targets, len(texts))
        x = self._fit_features(VAD, texts)
        search: dict[str, float] = {}
        if dev is None:
            alpha = self.alphas[len(self.alphas) // 2]
            self._heads[VAD] = Ridge(alpha=alpha).fit(x, y)
        else:
            x_dev = self._features(VAD, check_texts(dev[0]))
            y_dev = np.asarray(dev[1], dtype=np.float64)
            best: tuple[float, float, Any] | None = None
            for a in self.alphas:
                with _one_blas_thread():
                    head = Ridge(alpha=a).fit(x, y)
                pred = head.predict(x_dev)
                score = float(np.mean([metrics.pearson(y_dev[:, i], pred[:, i])
                                       for i in range(3)]))
                search[f"alpha={a:g}"] = score
                if best is None or score > best[0]:
                    best = (score, a, head)
            assert best is not None
            _, alpha, self._heads[VAD] = best
        self.info_["vad"] = {"alpha": alpha, "dev mean r per alpha": search,
                             "train texts": len(texts), "dims": list(VAD_DIMS),
                             "seconds": round(time.perf_counter() - started, 2)}
        return self

    def predict_vad(self, texts: Sequence[str]) -> np.ndarray:
        """(n, 3) valence, arousal, dominance on the scale of the training targets."""
        if VAD not in self._heads:
            raise ValueError(f"this {type(self).__name__} has no V/A/D head; call fit_vad()")
        texts = check_texts(texts)
        if not texts:
            return np.zeros((0, 3))
        return np.asarray(self._heads[VAD].predict(self._features(VAD, texts)), dtype=np.float64)

    @property
    def has_vad(self) -> bool:
        return VAD in self._heads

    def __repr__(self) -> str:
        heads = ", ".join(self._heads) or "not fitted"
        return f"{type(self).__name__}(scheme={self.scheme!r}, heads: {heads})"


class TfidfBaseline(_LinearBaseline):
    """Word 1-2 gram TF-IDF (sublinear tf, min_df=2) + logistic regression / ridge.

    Each head (labels, V/A/D) has its own vocabulary, fitted on that head's training texts.
    """

    name = "TF-IDF + LR"

    def __init__(self, scheme: str | None = None, multi_label: bool | None = None, *,
                 min_df: int = 2, ngram_range: tuple[int, int] = (1, 2), **options: Any) -> None:
        super().__init__(scheme, multi_label, **options)
        self.min_df = min_df
        self.ngram_range = ngram_range
        self._vectorizers: dict[str, Any] = {}

    def _fit_features(self, head: str, texts: list[str]) -> Any:
        from sklearn.feature_extraction.text import TfidfVectorizer

        vec = TfidfVectorizer(ngram_range=self.ngram_range, sublinear_tf=True,
                              min_df=self.min_df)
        x = vec.fit_transform(texts)
        self._vectorizers[head] = vec
        return x

    def _features(self, head: str, texts: list[str]) -> Any:
        return self._vectorizers[head].transform(texts)


class FrozenEncoderBaseline(_LinearBaseline):
    """Mean-pooled embeddings of a frozen encoder (all-MiniLM-L6-v2 by default), standardised,
    + logistic regression / ridge. Embeddings are cached per list of texts within the object.

    `progress` is True (a bar of its own) or a `rich.progress.Progress` to add bars to.
    """

    name = "frozen MiniLM + LR"
    default_Cs = FROZEN_C_GRID

    def __init__(self, scheme: str | None = None, multi_label: bool | None = None, *,
                 encoder: str = DEFAULT_ENCODER, max_length: int = 128, batch_size: int = 64,
                 progress: Any = False, allow_download: bool = False, **options: Any) -> None:
        super().__init__(scheme, multi_label, **options)
        self.encoder = str(encoder)
        self.max_length = max_length
        self.batch_size = batch_size
        self.progress = progress
        self.allow_download = allow_download
        self._tokenizer: Any = None
        self._model: Any = None
        self._cache: dict[str, np.ndarray] = {}
        self._scalers: dict[str, Any] = {}

    def _fit_features(self, head: str, texts: list[str]) -> Any:
        from sklearn.preprocessing import StandardScaler

        scaler = StandardScaler().fit(self.embed(texts))
        self._scalers[head] = scaler
        return scaler.transform(self.embed(texts))

    def _features(self, head: str, texts: list[str]) -> Any:
        return self._scalers[head].transform(self.embed(texts))

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """(n, dim) mean-pooled token states, from the cache when these texts were seen."""
        texts = list(texts)
        key = _texts_key(texts)
        if key not in self._cache:
            self._cache[key] = self._encode(texts)
        return self._cache[key]

    def _encode(self, texts: list[str]) -> np.ndarray:
        import torch

        from affectlab.text.encoder import (
            bucketed,
            encoder_max_length,
            load_encoder,
            mean_pool,
            token_lengths,
        )

        if self._model is None:
            self._tokenizer, self._model = load_encoder(self.encoder,
                                                        allow_download=self.allow_download)
        tok, model = self._tokenizer, self._model
        width = min(self.max_length, encoder_max_length(tok, model))
        out = np.zeros((len(texts), model.config.hidden_size), dtype=np.float32)
        if not texts:
            return out
        ids, _ = token_lengths(tok, texts, width)
        with _bar(self.progress, f"embedding {len(texts):,} texts", len(texts)) as advance, \
                torch.inference_mode():
            for batch in bucketed(ids, self.batch_size, tok.pad_token_id):
                hidden = model(input_ids=batch.input_ids,
                               attention_mask=batch.attention_mask).last_hidden_state
                out[batch.index] = mean_pool(hidden, batch.attention_mask).float().numpy()
                advance(len(batch.index))
        return out


def _one_blas_thread() -> Any:
    """BLAS on one thread: lbfgs makes many tiny BLAS calls, and on a busy machine a thread pool
    makes them an order of magnitude slower (measured: 0.43 s against 0.036 s on 5,000 texts)."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def _texts_key(texts: list[str]) -> str:
    digest = hashlib.sha1(usedforsecurity=False)
    for t in texts:
        digest.update(t.encode("utf-8", "surrogatepass"))
        digest.update(b"\x00")
    return f"{len(texts)}:{digest.hexdigest()}"


class _bar:
    """A context giving an `advance(n)` function: the shared progress bar, a task on a caller's
    own rich display (benchmarks show several at once), or nothing when progress is off."""

    def __init__(self, progress: Any, description: str, total: int) -> None:
        self.progress, self.description, self.total = progress, description, total
        self._own: Any = None
        self._task: Any = None

    def __enter__(self) -> Any:
        progress = self.progress
        if progress is True or not progress:  # the shared bar (it honours --quiet), or none
            from affectlab.core.progress import progress_bar

            self._own = progress_bar(bool(progress), self.total, self.description)
            return self._own.__enter__()
        self._task = progress.add_task(self.description, total=self.total)
        return lambda n: progress.advance(self._task, n)

    def __exit__(self, *exc: object) -> None:
        if self._own is not None:
            self._own.__exit__(*exc)
        elif self.progress and self._task is not None:
            self.progress.remove_task(self._task)
