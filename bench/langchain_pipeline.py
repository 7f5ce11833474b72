"""The naive LangChain pipeline dalil's indexing is measured against, as a user would write it.

    .venv/bin/python bench/langchain_pipeline.py SOURCE.jsonl INDEX_DIR MODEL_DIR [QUESTIONS.json]

Reads articles (one JSON object with "text" per line), splits them with RecursiveCharacterTextSplitter(1000, 200),
embeds the chunks with the same e5 weights dalil uses, in float32 through sentence-transformers as
HuggingFaceEmbeddings runs them (with e5's "passage: " / "query: " prefixes), builds a langchain_community FAISS
store and saves it. The scale benchmark runs it in a child process, as it runs `dalil index build`, so both are
timed the same way: from a cold start to an index on disk. With QUESTIONS, it then times one retrieval per question
in process and prints {"chunks", "query_ms"} as JSON.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import torch
from langchain_community.vectorstores import FAISS
from langchain_core.embeddings import Embeddings
from langchain_text_splitters import RecursiveCharacterTextSplitter
from sentence_transformers import SentenceTransformer

from dalil.index.embedders.e5_files import sentence_transformers_folder


class E5(Embeddings):
    def __init__(self, model: SentenceTransformer) -> None:
        self.model = model

    def embed_documents(self, texts):
        return self.model.encode(texts, prompt="passage: ", normalize_embeddings=True).tolist()

    def embed_query(self, text):
        return self.model.encode([text], prompt="query: ", normalize_embeddings=True)[0].tolist()


def main(source: Path, index_dir: Path, model_dir: Path, questions: Path | None) -> None:
    torch.set_num_threads(os.cpu_count() or 1)
    embeddings = E5(SentenceTransformer(str(sentence_transformers_folder(model_dir)), device="cpu"))
    articles = [json.loads(line) for line in source.open(encoding="utf-8")]
    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    chunks = splitter.create_documents([a["text"] for a in articles], metadatas=[{"id": a["id"]} for a in articles])
    store = FAISS.from_documents(chunks, embeddings)
    store.save_local(str(index_dir))
    timings = []
    for question in json.loads(questions.read_text(encoding="utf-8")) if questions else []:
        started = time.perf_counter()
        store.similarity_search(question, k=5)
        timings.append((time.perf_counter() - started) * 1000)
    print(json.dumps({"chunks": len(chunks), "query_ms": timings}))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]) if len(sys.argv) > 4 else None)
