import Foundation

extension ToolRun {
    /// Runs the tool with a file-size limit (`RLIMIT_FSIZE`) of `bytes`: a write past it fails as on a full disk.
    /// The tool itself must ignore `SIGXFSZ` for the write to fail with EFBIG rather than kill it.
    public static func run(_ arguments: [String], fileSizeLimit bytes: Int) throws -> ToolRun {
        try run(arguments, through: ["/usr/bin/prlimit", "--fsize=\(bytes)", "--"])
    }

    /// Runs the tool as user `nobody` when the tests run as root, whom a folder's permissions do not stop; as
    /// anyone else, runs it unchanged.
    public static func runUnprivileged(_ arguments: [String]) throws -> ToolRun {
        guard getuid() == 0 else { return try run(arguments) }
        return try run(arguments, through: ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"])
    }
}
