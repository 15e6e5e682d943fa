package io.producttagger.model;

import java.util.ArrayList;
import java.util.List;

/**
 * Writes the near-duplicate descriptor ({@link ModelOutput#DUPLICATES}) into a family's graph: what tells "the same
 * photo, transformed" from "a similar product", which the pooled embedding blurs.
 *
 * <p>Two parts, each of length 1, weighted so that the dot product of two descriptors is
 * {@code (regions + HUE_WEIGHT * hue) / (1 + HUE_WEIGHT)}:
 * <ul>
 *   <li><b>regions</b>: the last feature map averaged over four overlapping windows (a 2x2 R-MAC-style grid, each
 *   window two thirds of the map's side), each window's vector L2-normalised; their mean cosine keeps the layout
 *   that global pooling throws away.</li>
 *   <li><b>hue</b>: a soft histogram of the foreground's hue (24 bins, plus one for grey pixels), read from the
 *   model's preprocessed input at full size (at a quarter of it, the thin lines of a line drawing on a coloured
 *   backdrop blur into the backdrop's hue). The foreground is every pixel whose colour differs from the mean of
 *   the four corner pixels (the backdrop), so a new background colour hardly moves it, while two products
 *   drawn alike in different colours (a red and an orange lollipop) differ. Hue is the angle of the opponent
 *   colours {@code (r - g, (r + g - 2b) / sqrt 3)}, which a brightness or contrast change (the same scale and
 *   offset on every channel) leaves where it is; each bin's weight is a linear function of the two opponent
 *   values, so the histogram is a few element-wise operators.</li>
 * </ul>
 * The constants were chosen on the seed-1 near-duplicate set and checked on seeds 2 and 3 (README, "How well
 * duplicates and similar products are found").
 */
final class DuplicateDescriptor {

    /** The hue part's weight against the regions' (their cosines add as {@code 1 : HUE_WEIGHT}). */
    static final double HUE_WEIGHT = 0.3;
    /** Hue bins around the colour circle. */
    static final int HUE_BINS = 24;
    /** A bin takes a pixel within {@code acos(HUE_SHARPNESS)} (26 degrees) of its centre. */
    static final double HUE_SHARPNESS = 0.9;
    /** Below this chroma (in the input's -1..1 units) a pixel counts as grey. */
    static final double GREY_CHROMA = 0.15;
    /** A pixel whose channels differ from the backdrop's by more than this in sum (-1..1 units) is foreground. */
    static final double FOREGROUND = 0.2;

    private DuplicateDescriptor() {}

    /**
     * Writes the descriptor.
     *
     * @param input the graph's image input (the model's preprocessed pixels, three channels)
     * @param map the family's last feature map ({@link Architecture#writeFeatureMap})
     * @return a flat node, one unit-length vector per image
     */
    static MxGraph.Node write(MxGraph graph, MxGraph.Node input, MxGraph.Node map) {
        MxGraph.Node regions = graph.l2Normalize(regions(graph, map));
        MxGraph.Node hue = graph.l2Normalize(hue(graph, input));
        return graph.concat(List.of(graph.times(regions, Math.sqrt(1 / (1 + HUE_WEIGHT))),
                graph.times(hue, Math.sqrt(HUE_WEIGHT / (1 + HUE_WEIGHT)))));
    }

    /** The four windows' mean features, each of length 1, side by side. */
    private static MxGraph.Node regions(MxGraph graph, MxGraph.Node map) {
        int side = Math.min(map.height(), map.width());
        int size = (int) Math.ceil(2.0 * side / 3);
        List<MxGraph.Node> parts = new ArrayList<>();
        for (int top : new int[] {0, map.height() - size}) {
            for (int left : new int[] {0, map.width() - size}) {
                parts.add(graph.l2Normalize(graph.averagePooling(graph.window(map, top, left, size))));
            }
        }
        return graph.concat(parts);
    }

    /** The foreground's soft hue histogram and its grey share, unnormalised. */
    private static MxGraph.Node hue(MxGraph graph, MxGraph.Node input) {
        if (input.channels() != 3) {
            throw new ModelException.NotServable("the duplicate descriptor reads colour: the model's input has "
                    + input.channels() + " channel(s), not 3");
        }
        MxGraph.Node x = input;
        int h = x.height() - 1;
        int w = x.width() - 1;
        MxGraph.Node corners = graph.add(graph.add(graph.window(x, 0, 0, 1), graph.window(x, 0, w, 1)),
                graph.add(graph.window(x, h, 0, 1), graph.window(x, h, w, 1)));
        MxGraph.Node backdrop = graph.times(corners, 0.25);
        MxGraph.Node mask = graph.greater(graph.channelSum(graph.unary("abs",
                graph.broadcast("broadcast_sub", x, backdrop))), FOREGROUND);
        MxGraph.Node r = graph.channels(x, 0, 1);
        MxGraph.Node g = graph.channels(x, 1, 2);
        MxGraph.Node b = graph.channels(x, 2, 3);
        MxGraph.Node a = graph.broadcast("broadcast_sub", r, g);
        MxGraph.Node c = graph.times(graph.broadcast("broadcast_sub", graph.add(r, g), graph.times(b, 2)),
                1 / Math.sqrt(3));
        MxGraph.Node chroma = graph.plus(graph.unary("sqrt", graph.add(graph.unary("square", a),
                graph.unary("square", c))), 1e-6);
        List<MxGraph.Node> bins = new ArrayList<>();
        for (int k = 0; k < HUE_BINS; k++) {
            double angle = 2 * Math.PI * k / HUE_BINS;
            MxGraph.Node along = graph.add(graph.times(a, Math.cos(angle)), graph.times(c, Math.sin(angle)));
            MxGraph.Node lobe = graph.relu(graph.broadcast("broadcast_sub", along, graph.times(chroma,
                    HUE_SHARPNESS)));
            bins.add(graph.spatialSum(graph.broadcast("broadcast_mul", lobe, mask)));
        }
        MxGraph.Node grey = graph.relu(graph.plus(graph.times(chroma, -1), GREY_CHROMA));
        bins.add(graph.spatialSum(graph.broadcast("broadcast_mul", grey, mask)));
        return graph.concat(bins);
    }
}
