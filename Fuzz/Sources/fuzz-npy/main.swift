import FuzzSupport

// One .npy array's bytes → NumPyArray (magic, version, header dict, sizes), then converted as images and labels.
FuzzDriver.run { data, size in
    let bytes = [UInt8](UnsafeBufferPointer(start: data, count: size))
    FuzzDriver.expectBilinError { try DatasetArrays.readNPY(bytes) }
    return 0
}
