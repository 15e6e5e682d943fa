package io.producttagger.model;

import io.producttagger.vision.Normalization;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Writes the near-duplicate descriptor ({@link ModelOutput#DUPLICATES}) into a family's graph: what tells "the same
 * photo, transformed" from "a similar product", which the pooled embedding blurs.
 *
 * <p>Both parts read the input with its backdrop moved to white, what the originals sit on ({@link #onWhite}): the
 * backdrop's colour is the mean of the four corner pixels, and every pixel near it shifts by white minus that
 * colour, inside the graph, so that every path gets it and the embedding's graph stays as it was. A product put on
 * another backdrop then meets the network as it meets its original.
 *
 * <p>Two parts, each of length 1, weighted so that the dot product of two descriptors is
 * {@code (regions + HUE_WEIGHT * hue) / (1 + HUE_WEIGHT)}:
 * <ul>
 *   <li><b>regions</b>: the last feature map averaged over four overlapping windows (a 2x2 R-MAC-style grid, each
 *   window two thirds of the map's side), each window's vector L2-normalised; their mean cosine keeps the layout
 *   that global pooling throws away.</li>
 *   <li><b>hue</b>: a soft histogram of the foreground's hue (24 bins, plus one for grey pixels), read at the
 *   input's full size (at a quarter of it, the thin lines of a line drawing on a coloured backdrop blur into the
 *   backdrop's hue). The foreground is every pixel whose colour differs from the backdrop's (white by now), so a
 *   new background colour hardly moves it, while two products drawn alike in different colours (a red and an
 *   orange lollipop) differ. Hue is the angle of the opponent colours {@code (r - g, (r + g - 2b) / sqrt 3)},
 *   which a brightness or contrast change (the same scale and offset on every channel) leaves where it is; each
 *   bin's weight is a linear function of the two opponent values, so the histogram is a few element-wise
 *   operators.</li>
 * </ul>
 * The constants were chosen on the seed-1 near-duplicate set and checked on seeds 2, 3 and 4 (README, "How well
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
    /**
     * Half the width of the band around {@link #FOREGROUND} over which a pixel goes from backdrop (moved to white
     * in full) to product (left as it is).
     */
    static final double BACKDROP_BAND = 0.1;

    private DuplicateDescriptor() {}

    /**
     * Writes the descriptor.
     *
     * @param input the graph's image input (the model's preprocessed pixels, three channels)
     * @param normalization how the model's preprocessing maps a pixel to {@code input}'s values (where white is)
     * @param architecture the family whose last feature map ({@link Architecture#writeFeatureMap}) the regions read
     * @return a flat node, one unit-length vector per image, or empty when the family writes no feature map
     */
    static Optional<MxGraph.Node> write(MxGraph graph, MxGraph.Node input, Normalization normalization,
            Architecture architecture) {
        if (input.channels() != 3) {
            // a family without a feature map is refused for that first (LoadedModel), one with it for its input
            return architecture.writeFeatureMap(graph, input).map(map -> {
                throw new ModelException.NotServable("the duplicate descriptor reads colour: the model's input has "
                        + input.channels() + " channel(s), not 3");
            });
        }
        MxGraph.Node seen = onWhite(graph, input, normalization.forChannels(3));
        return architecture.writeFeatureMap(graph, seen).map(map -> {
            MxGraph.Node regions = graph.l2Normalize(regions(graph, map));
            MxGraph.Node hue = graph.l2Normalize(hue(graph, seen));
            return graph.concat(List.of(graph.times(regions, Math.sqrt(1 / (1 + HUE_WEIGHT))),
                    graph.times(hue, Math.sqrt(HUE_WEIGHT / (1 + HUE_WEIGHT)))));
        });
    }

    /** The backdrop's colour: the mean of the four corner pixels, N x 3 x 1 x 1. */
    private static MxGraph.Node backdrop(MxGraph graph, MxGraph.Node x) {
        int h = x.height() - 1;
        int w = x.width() - 1;
        MxGraph.Node corners = graph.add(graph.add(graph.window(x, 0, 0, 1), graph.window(x, 0, w, 1)),
                graph.add(graph.window(x, h, 0, 1), graph.window(x, h, w, 1)));
        return graph.times(corners, 0.25);
    }

    /** Each pixel's distance from the backdrop: the sum over channels of the absolute differences, N x 1 x H x W. */
    private static MxGraph.Node distance(MxGraph graph, MxGraph.Node x, MxGraph.Node backdrop) {
        return graph.channelSum(graph.unary("abs", graph.broadcast("broadcast_sub", x, backdrop)));
    }

    /**
     * The input with its backdrop moved to white, what the originals sit on: each pixel shifted by
     * {@code t x (white - backdrop)}, where {@code t} falls from 1 to 0 as the pixel's {@link #distance} from the
     * backdrop goes from {@code FOREGROUND - BACKDROP_BAND} to {@code FOREGROUND + BACKDROP_BAND}. The backdrop
     * itself becomes white, the product's edges, where the drawing's transparency let the backdrop through, move
     * part of the way, and the product's own colours stay; on white the shift is nothing.
     */
    private static MxGraph.Node onWhite(MxGraph graph, MxGraph.Node x, Normalization normalization) {
        MxGraph.Node backdrop = backdrop(graph, x);
        List<MxGraph.Node> shift = new ArrayList<>();
        for (int c = 0; c < 3; c++) {
            double white = (1 - normalization.mean()[c]) / normalization.std()[c];
            shift.add(graph.plus(graph.times(graph.channels(backdrop, c, c + 1), -1), white));
        }
        double high = FOREGROUND + BACKDROP_BAND;
        MxGraph.Node t = graph.clip(graph.plus(graph.times(distance(graph, x, backdrop), -1 / (2 * BACKDROP_BAND)),
                high / (2 * BACKDROP_BAND)), 0, 1);
        return graph.broadcast("broadcast_add", x, graph.broadcast("broadcast_mul", t, graph.concat(shift)));
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
    private static MxGraph.Node hue(MxGraph graph, MxGraph.Node x) {
        MxGraph.Node mask = graph.greater(distance(graph, x, backdrop(graph, x)), FOREGROUND);
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
