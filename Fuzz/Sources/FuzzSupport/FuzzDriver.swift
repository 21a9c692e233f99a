import BilinCore
import CFuzzerDriver
import Foundation

/// Runs libFuzzer with the process's arguments on one harness and exits with its status.
public enum FuzzDriver {
    /// - Parameter testOneInput: Reads one input; it must return normally for any input or throw a `BilinError`
    ///   (`FuzzDriver.expectBilinError`); a crash, sanitizer report, leak or timeout is what libFuzzer reports.
    public static func run(_ testOneInput: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> Never {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, testOneInput))
    }

    /// Runs `read`, accepting a `BilinError` (the documented failure) and stopping on any other error.
    public static func expectBilinError(_ read: () throws -> Void) {
        do { try read() } catch is BilinError {} catch { fatalError("not a BilinError: \(type(of: error)): \(error)") }
    }
}
