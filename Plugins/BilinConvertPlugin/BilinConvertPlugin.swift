import Foundation
import PackagePlugin

/// Runs the `bilin-convert` tool with the given arguments, from the package's folder, so that relative paths name
/// files of the package: `swift package --allow-writing-to-package-directory bilin-convert Models/m.h5 --scale 2`.
@main
struct BilinConvertPlugin: CommandPlugin {
    func performCommand(context: PluginContext, arguments: [String]) async throws {
        let process = Process()
        process.executableURL = try context.tool(named: "bilin-convert").url
        process.arguments = arguments
        process.currentDirectoryURL = context.package.directoryURL
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw PluginFailure(description: "bilin-convert exited with status \(process.terminationStatus)")
        }
    }
}

struct PluginFailure: Error, CustomStringConvertible {
    var description: String
}
