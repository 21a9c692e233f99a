import Foundation

/// The mean softmax cross-entropy of `(batch, classes)` logits against integer labels, its gradient with respect to
/// the logits, and how many rows the logits classify right.
///
/// `weights`, one per row, scale each row's term of the mean (a weight of 0 leaves the row out of the loss but not
/// out of `correct`); `nil` weighs every row 1.
public func softmaxCrossEntropy(logits: Tensor, labels: ArraySlice<Int32>, weights: [Float]? = nil) -> (loss: Float, gradient: Tensor, correct: Int) {
    let (rows, columns) = logits.matrixSize
    var probabilities = logits
    probabilities.applySoftmaxToRows()
    var loss: Double = 0
    var correct = 0
    let predictions = logits.rowArgmax()
    for (row, label) in labels.enumerated() {
        let index = row * columns + Int(label)
        loss -= Double(weights?[row] ?? 1) * Double(log(max(probabilities.scalars[index], 1e-12)))
        probabilities.scalars[index] -= 1
        if predictions[row] == Int(label) { correct += 1 }
    }
    scaleRows(&probabilities, by: weights, over: rows)
    return (Float(loss / Double(rows)), probabilities, correct)
}

/// Knowledge distillation (Hinton et al. 2015): cross-entropy between the teacher's and the student's softmax at
/// temperature `T`, times `T²` so that its gradient keeps its size as `T` changes. Returns the loss and its gradient
/// with respect to the student's logits. `weights` as for `softmaxCrossEntropy`.
public func distillationLoss(studentLogits: Tensor, teacherLogits: Tensor, temperature: Float, weights: [Float]? = nil) -> (loss: Float, gradient: Tensor) {
    let rows = studentLogits.shape[0]
    var student = studentLogits
    var teacher = teacherLogits
    for index in student.scalars.indices {
        student.scalars[index] /= temperature
        teacher.scalars[index] /= temperature
    }
    student.applySoftmaxToRows()
    teacher.applySoftmaxToRows()
    var loss: Double = 0
    var gradient = student
    let columns = studentLogits.shape[1]
    for index in gradient.scalars.indices {
        let target = teacher.scalars[index]
        if target > 0 {
            loss -= Double(weights?[index / columns] ?? 1) * Double(target) * Double(log(max(student.scalars[index], 1e-12)) - log(target))
        }
        gradient.scalars[index] = (student.scalars[index] - target) * temperature  // T² · (1/T) from the chain rule
    }
    scaleRows(&gradient, by: weights, over: rows)
    return (Float(loss / Double(rows)) * temperature * temperature, gradient)
}

/// Divides every row of a `(rows, columns)` gradient by `rows` (the mean over the batch), and multiplies row `r` by
/// `weights[r]` when there are weights.
private func scaleRows(_ gradient: inout Tensor, by weights: [Float]?, over rows: Int) {
    let columns = gradient.shape[1]
    for row in 0..<rows {
        let scale = (weights?[row] ?? 1) / Float(rows)
        for index in (row * columns)..<((row + 1) * columns) { gradient.scalars[index] *= scale }
    }
}
