"""Embedder backends behind the ``index.embedder.Embedder`` seam."""
