import Foundation

/// The mean softmax cross-entropy of `(batch, classes)` logits against integer labels, its gradient with respect to
/// the logits, and how many rows the logits classify right.
public func softmaxCrossEntropy(logits: Tensor, labels: ArraySlice<Int32>) -> (loss: Float, gradient: Tensor, correct: Int) {
    let (rows, columns) = logits.matrixSize
    var probabilities = logits
    probabilities.applySoftmaxToRows()
    var loss: Double = 0
    var correct = 0
    let predictions = logits.rowArgmax()
    for (row, label) in labels.enumerated() {
        let index = row * columns + Int(label)
        loss -= Double(log(max(probabilities.scalars[index], 1e-12)))
        probabilities.scalars[index] -= 1
        if predictions[row] == Int(label) { correct += 1 }
    }
    let scale = 1 / Float(rows)
    for index in probabilities.scalars.indices { probabilities.scalars[index] *= scale }
    return (Float(loss / Double(rows)), probabilities, correct)
}

/// Knowledge distillation (Hinton et al. 2015): cross-entropy between the teacher's and the student's softmax at
/// temperature `T`, times `T²` so that its gradient keeps its size as `T` changes. Returns the loss and its gradient
/// with respect to the student's logits.
public func distillationLoss(studentLogits: Tensor, teacherLogits: Tensor, temperature: Float) -> (loss: Float, gradient: Tensor) {
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
    let scale = temperature / Float(rows)  // T² · (1/T) from the chain rule, averaged over the batch
    for index in gradient.scalars.indices {
        let target = teacher.scalars[index]
        if target > 0 { loss -= Double(target) * Double(log(max(student.scalars[index], 1e-12)) - log(target)) }
        gradient.scalars[index] = (student.scalars[index] - target) * scale
    }
    return (Float(loss / Double(rows)) * temperature * temperature, gradient)
}
