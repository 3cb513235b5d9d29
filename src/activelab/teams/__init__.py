"""Teams of annotators: agreement between them and aggregation of their labels.

Library code: knows no task and nothing of the server.
"""

from .aggregation import AGGREGATIONS, Consensus, DawidSkene, majority_vote, model_consensus
from .agreement import (
    MISSING,
    AgreementReport,
    agreement_report,
    cohen_kappa_matrix,
    counts_table,
    fleiss_kappa,
    fleiss_kappa_per_class,
    krippendorff_alpha,
    krippendorff_alpha_per_class,
    per_label_agreement,
)
from .overlap import label_posterior, needs_another_label

__all__ = ["AGGREGATIONS", "Consensus", "DawidSkene", "majority_vote", "model_consensus",
           "MISSING", "AgreementReport", "agreement_report", "cohen_kappa_matrix",
           "counts_table", "fleiss_kappa", "fleiss_kappa_per_class", "krippendorff_alpha",
           "krippendorff_alpha_per_class", "per_label_agreement", "label_posterior",
           "needs_another_label"]
