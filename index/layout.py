"""File names inside one index generation."""

STORE_FILE = "store.sqlite"
CHUNK_VECTORS = "chunks.faiss"
SENTENCE_VECTORS = "sentences.faiss"
