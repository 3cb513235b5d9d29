"""Model adapters: class scores for any classifier, committees, named model factories,
semi-supervised variants chosen by cross-validation, and PyTorch networks with MC
dropout (extra ``torch``; imported only when fitted)."""

from ._outputs import class_probabilities, class_scores, has_probabilities
from .committee import fit_committee, seed_unset_random_states
from .factory import MODEL_NAMES, make_model, make_text_vectorizer
from .model_choice import ModelChoice, choose_semi_supervised
from .semi_supervised import SEMI_SUPERVISED_METHODS, SemiSupervisedClassifier
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
    "SemiSupervisedClassifier",
    "SEMI_SUPERVISED_METHODS",
    "ModelChoice",
    "choose_semi_supervised",
]
