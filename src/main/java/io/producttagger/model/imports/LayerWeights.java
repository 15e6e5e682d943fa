package io.producttagger.model.imports;

/**
 * The weights of one layer of a source network in the layout of the DJL block that takes them: a convolution's
 * OIHW kernel ({@code [C, 1, kh, kw]} for a depthwise one) or a linear layer's {@code [out, in]} matrix, and one bias
 * per output.
 */
public interface LayerWeights {

    /** Returns where in the source they come from (a node or operator), for messages. */
    String node();

    /** Returns the kernel, row-major in {@link #kernelShape}. */
    float[] kernel();

    /** Returns the kernel's shape. */
    long[] kernelShape();

    /** Returns the bias, one per output. */
    float[] bias();
}
