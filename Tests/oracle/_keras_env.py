"""Shared start-up for the Keras test oracles (keras_predict.py, keras_summary.py).

Import this BEFORE keras. It:
- forces KERAS_BACKEND=jax on CPU (TensorFlow is never imported);
- hides scikit-learn from Keras (keras.wrappers imports it when present: ~1.4 s for nothing);
- turns on JAX's persistent compilation cache, because building a loaded model runs each
  layer's initializer, and compiling those tiny XLA programs is most of the load time
  (tiny model: ~3-4 s the first time, ~0.4 s with the cache). The cache lives in
  $BILIN_ORACLE_JAX_CACHE (default <tmpdir>/bilin-convert-jax-cache); set it to "" to disable.
  A damaged or half-written entry only costs a recompile (JAX warns and carries on);
- keeps stderr quiet (Python warnings, absl logging) unless BILIN_ORACLE_VERBOSE=1, so that a
  failure is reported as the one line the oracle prints.
"""
import os
import sys
import tempfile

os.environ["KERAS_BACKEND"] = "jax"
os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
VERBOSE = os.environ.get("BILIN_ORACLE_VERBOSE", "") not in ("", "0")

if "sklearn" not in sys.modules:
    sys.modules["sklearn"] = None  # `import sklearn` now raises ImportError; Keras copes

if not VERBOSE:
    import warnings
    warnings.filterwarnings("ignore")
    try:
        import absl.logging
        absl.logging.set_verbosity(absl.logging.ERROR)
    except ImportError:
        pass

_cache = os.environ.get("BILIN_ORACLE_JAX_CACHE",
                        os.path.join(tempfile.gettempdir(), "bilin-convert-jax-cache"))
if _cache:
    try:
        import jax
        jax.config.update("jax_compilation_cache_dir", _cache)
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
        jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    except Exception:  # noqa: BLE001  (an old jax without these options: just slower)
        pass


def fail(msg, code=1):
    """Print msg as one line on stderr and exit non-zero."""
    print(" ".join(str(msg).split()), file=sys.stderr)
    sys.exit(code)


def load_model(path):
    """keras.saving.load_model(path, compile=False), no custom objects; one-line failure."""
    import keras
    if not os.path.exists(path):
        fail(f"load failed: {path}: no such file")
    try:
        return keras.saving.load_model(path, compile=False)
    except Exception as e:  # noqa: BLE001
        fail(f"load failed: {path}: {type(e).__name__}: {e}")
