import BilinCore

/// A dataset opened for a run: the feed the trainer reads, and what the report says about it.
public struct LoadedData: Sendable {
    public var feed: DataFeed
    /// The class names of an image folder, by label id; `nil` for stored arrays, whose labels are ids already.
    public var classNames: [String]?
    /// The images `skipBadImages` left out because they do not decode.
    public var skippedImages: [String] = []
}
