// Converts the shipped Fashion-MNIST model at scale 2, fine-tunes one epoch on the sample data, prints the report.
// Run from the repository root: swift run convert-example
import BilinConvert
import BilinCore
import Foundation

let request = ConvertRequest(
    input: "fixtures/fmnist_mlp.h5", output: NSTemporaryDirectory() + "fmnist_mlp.bilinear.h5",
    conversion: ConversionOptions(scale: 2),
    training: TrainingOptions(epochs: 1, seed: 0),
    data: "fixtures/fmnist_sample.npz")
let report = try BilinearConversion.run(request, events: ConversionEvents(epochEnded: { record in
    print("epoch \(record.epoch): test accuracy \(record.testAccuracy)")
}))
print(report.renderText())
