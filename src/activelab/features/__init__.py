"""Feature extractors that turn raw inputs into vectors: sentence embeddings for text."""

from .embeddings import EMBEDDING_MODELS, SentenceEmbedder

__all__ = ["EMBEDDING_MODELS", "SentenceEmbedder"]
