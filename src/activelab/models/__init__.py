"""Model adapters: class scores for any classifier, committees, named model factories,
and PyTorch networks with MC dropout (extra ``torch``; imported only when fitted)."""

from ._outputs import class_probabilities, class_scores, has_probabilities
from .committee import fit_committee, seed_unset_random_states
from .factory import MODEL_NAMES, make_model, make_text_vectorizer
from .torch_nets import TorchCNNClassifier, TorchMLPClassifier

__all__ = [
    "class_probabilities",
    "class_scores",
    "has_probabilities",
    "fit_committee",
    "seed_unset_random_states",
    "MODEL_NAMES",
    "make_model",
    "make_text_vectorizer",
    "TorchMLPClassifier",
    "TorchCNNClassifier",
]
