# myelin — top-level commands. See README.md.
PYTHON    := /usr/bin/python3
BUILD_DIR ?= build
JOBS      ?= $(shell nproc)
CMAKE_ARGS ?=

.PHONY: all deps configure build install demo demo-erp demo-coba test test-nompi test-sanitize test-unit test-validation bench format clean

all: build

deps:
	@scripts/deps.sh

configure: deps
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release \
	  -DPython3_EXECUTABLE=$(PYTHON) $(CMAKE_ARGS) > $(BUILD_DIR).configure.log 2>&1 \
	  || (cat $(BUILD_DIR).configure.log; exit 1)

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

# The CLI into $(PREFIX)/bin and the Python package into Debian's
# $(PREFIX)/lib/python3.X/dist-packages (found by /usr/bin/python3).
PREFIX ?= /usr/local
install: build
	cmake --install $(BUILD_DIR) --prefix $(PREFIX)

# The main jobs on the built-in models: HNN's Jones 2009 ERP (270 cable cells, 170 ms;
# dipole.png shows the dipole above the raster) and COBA (4000 cells, 1 s), outputs in
# results/demo/erp/ and results/demo/coba/.
demo: demo-erp demo-coba

demo-erp: build
	$(BUILD_DIR)/bin/myelin run models/jones2009_erp.json -o results/demo/erp
	$(BUILD_DIR)/bin/myelin plot results/demo/erp
	@echo "demo: outputs in results/demo/erp/ (dipole.csv, dipole_smooth.csv, summary.json, spikes.h5, *.png)"

demo-coba: build
	$(BUILD_DIR)/bin/myelin run models/coba.json -o results/demo/coba
	$(BUILD_DIR)/bin/myelin plot results/demo/coba
	@echo "demo: outputs in results/demo/coba/ (summary.json, spikes.h5, traces.h5, *.png)"

test: build test-nompi test-sanitize
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)
	MYELIN_BUILD_DIR=$(abspath $(BUILD_DIR)) $(PYTHON) -m pytest -q tests/python tests/validation

# The same engine built without MPI: its unit tests, including several ranks in one
# process over the loopback transport (tests/unit/test_distributed.cpp).
test-nompi: deps
	@cmake -S . -B build-nompi -DCMAKE_BUILD_TYPE=Release -DMYELIN_WITH_MPI=OFF \
	  -DPython3_EXECUTABLE=$(PYTHON) > build-nompi.configure.log 2>&1 \
	  || (cat build-nompi.configure.log; exit 1)
	@cmake --build build-nompi -j $(JOBS) --target myelin_tests
	build-nompi/bin/myelin_tests --gtest_brief=1

# The unit tests built with AddressSanitizer and UndefinedBehaviorSanitizer (-O1, no
# MPI: several ranks still run in one process over the loopback transport). Any report
# fails the target.
test-sanitize: deps
	@cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" \
	  -DMYELIN_SANITIZE=ON -DMYELIN_WITH_MPI=OFF -DPython3_EXECUTABLE=$(PYTHON) \
	  > build-asan.configure.log 2>&1 || (cat build-asan.configure.log; exit 1)
	@cmake --build build-asan -j $(JOBS) --target myelin_tests
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  build-asan/bin/myelin_tests --gtest_brief=1

bench: build
	$(PYTHON) bench/run.py --build-dir $(BUILD_DIR)
	$(PYTHON) bench/parallel.py --build-dir $(BUILD_DIR)
	$(PYTHON) bench/hnn_sweep.py --build-dir $(BUILD_DIR)
	$(PYTHON) bench/process_cost.py --build-dir $(BUILD_DIR)
	$(PYTHON) bench/batch.py --build-dir $(BUILD_DIR)
	$(PYTHON) bench/pynn_coba.py --build-dir $(BUILD_DIR)

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf $(BUILD_DIR) $(BUILD_DIR).configure.log build-nompi build-nompi.configure.log build-asan build-asan.configure.log results
