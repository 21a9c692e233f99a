/// The two layouts of a convolution kernel.
public enum ConvolutionKernel {
    /// A Keras kernel `(kh, kw, Cin, Cout)` as the `(Cin·kh·kw, Cout)` matrix whose rows follow the channel-major
    /// patch order of `LayerKind.bilinearConv2D`: row `(c·kh + i)·kw + j`.
    public static func channelMajor(_ kernel: Tensor) -> Tensor {
        precondition(kernel.rank == 4, "a convolution kernel is (kh, kw, Cin, Cout), got \(kernel.shape)")
        let (positions, channels, outputs) = (kernel.shape[0] * kernel.shape[1], kernel.shape[2], kernel.shape[3])
        return kernel.swappingLeadingAxes(outer: positions, middle: channels, inner: outputs).reshaped([channels * positions, outputs])
    }
}
