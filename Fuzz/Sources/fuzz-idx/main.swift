import FuzzSupport

// One IDX file (named .gz when it starts with the gzip magic) → IDXFile, then converted as images and as labels.
FuzzDriver.run { data, size in
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    let path = FuzzInput.file(bytes, extension: bytes.starts(with: [0x1F, 0x8B]) ? "idx.gz" : "idx")
    FuzzDriver.expectBilinError { try DatasetArrays.readIDX(path: path) }
    return 0
}
