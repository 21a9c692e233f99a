import BilinCore

/// Runs the ONNX oracle (`Tests/oracle/onnx_predict.py`): `onnx.checker.check_model(full_check=True)`, then
/// onnxruntime on CPU, with the test venv's Python (`PythonOracle.python`).
public enum ONNXOracle {
    /// onnxruntime's output of each model file on `input` (flat rows; reshaped to each model's input shape), all in
    /// one start-up. A model that fails the checker throws.
    public static func predictions(of models: [String], on input: Tensor, in folder: TemporaryFolder) throws -> [Tensor] {
        try PythonOracle.predictions(script: "onnx_predict.py", of: models, on: input, in: folder)
    }
}
