# hotlase: `make demo` runs the default study, `make test` runs the tests; both set up first.
PY := .venv/bin/python
export OMPI_MCA_rmaps_base_oversubscribe := 1
export PYTHONWARNINGS := ignore::UserWarning:numpy.core.getlimits

.PHONY: setup demo test test-fast typecheck bench ladder clean

setup:
	@scripts/setup.sh

demo: setup
	@$(PY) -m hotlase.jobs.cli demo

test: setup
	@$(PY) scripts/typecheck.py
	@$(PY) -m pytest -q --name-slow --durations=15 tests

typecheck: setup
	@$(PY) scripts/typecheck.py

test-fast: setup
	@$(PY) -m pytest -q -m "not slow and not integration" tests

bench: setup
	@$(PY) -m benchmarks.run

# the default study's grid ladder of its spectrum and field runs (about 1.5 h on 2 cores), recorded with the source so every
# default run reports its error bars (docs/convergence.md "Recorded ladders")
LADDER_DIR ?= runs/converge-default
ladder: setup
	@$(PY) -m hotlase.jobs.cli converge examples/default.toml --resolutions 12.5,10,7.5,5 --kinds spectrum,fields --np 2 --out $(LADDER_DIR)
	@$(PY) scripts/record_ladder.py $(LADDER_DIR)

clean:
	rm -rf runs .pytest_cache
