# The two commands of the README: `make demo` and `make test`. Both install what is missing first.
SHELL := /bin/bash
DEBIAN_PACKAGES := pkg-config python3-venv libhdf5-dev libopenblas-dev liblapacke-dev zlib1g-dev libpng-dev libjpeg62-turbo-dev libprotobuf-c-dev dataset-fashion-mnist time
FASHION_MNIST := /usr/share/datasets/fashion-mnist
VENV := .venv
BIN := .build/release/bilin-convert

.PHONY: setup system-packages python build demo test fuzz bench clean

setup: system-packages python

system-packages:
	@dpkg -s $(DEBIAN_PACKAGES) >/dev/null 2>&1 || { \
	  echo "installing $(DEBIAN_PACKAGES)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q $(DEBIAN_PACKAGES); }

# Python is a test oracle only (Keras loads what we export); the tool itself never needs it.
python: $(VENV)/.installed
$(VENV)/.installed: scripts/requirements-test.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r scripts/requirements-test.txt
	touch $@

build: system-packages
	swift build -c release

demo: build
	mkdir -p out
	$(BIN) fixtures/fmnist_mlp.h5 --scale 2 --data $(FASHION_MNIST) --epochs 1 -o out/fmnist_mlp.bilinear.h5 --json out/demo-report.json
	$(BIN) report fixtures/fmnist_mlp.h5 out/fmnist_mlp.bilinear.h5 --data $(FASHION_MNIST)

test: setup
	BILIN_PYTHON=$(CURDIR)/$(VENV)/bin/python swift test

# The libFuzzer harnesses of Fuzz/, 60 s each (longer runs: scripts/fuzz.sh --time/--runs); see Docs/robustness.md.
fuzz: system-packages
	scripts/fuzz.sh

# Speed against the peers (JAX, numpy/scipy) in one run; see Docs/benchmarks.md.
bench: setup
	Benchmarks/run.sh

clean:
	rm -rf .build out
