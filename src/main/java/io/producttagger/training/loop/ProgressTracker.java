package io.producttagger.training.loop;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** Reports a fine-tune's progress with an ETA from the mean step time so far. */
final class ProgressTracker {
    private final Consumer<FineTune.Progress> out;
    private final int epochs;
    private final long totalSteps;
    private final long start;
    private long done;
    private String phase = "head";
    private int epoch;
    private int step;
    private int stepsPerEpoch;
    private double loss = Double.NaN;
    private double validation = Double.NaN;
    private List<FineTune.EpochPoint> history = List.of();

    ProgressTracker(Consumer<FineTune.Progress> out, int epochs, long totalSteps, long start) {
        this.out = out;
        this.epochs = epochs;
        this.totalSteps = totalSteps;
        this.start = start;
    }

    void step(String phaseName, int epochNumber, int stepNumber, int steps, float stepLoss) {
        phase = phaseName;
        epoch = epochNumber;
        step = stepNumber;
        stepsPerEpoch = steps;
        loss = stepLoss;
        done++;
        publish();
    }

    void epoch(double trainLoss, double validationAccuracy) {
        validation = validationAccuracy;
        List<FineTune.EpochPoint> next = new ArrayList<>(history);
        next.add(new FineTune.EpochPoint(epoch, phase, round4(trainLoss), round4(validationAccuracy)));
        history = List.copyOf(next); // one copy an epoch; every step's progress shares it
        publish();
    }

    private static double round4(double v) {
        return Double.isNaN(v) ? -1 : Math.round(v * 1e4) / 1e4;
    }

    private void publish() {
        double perStep = (System.nanoTime() - start) / 1e9 / Math.max(1, done);
        long eta = Math.round(perStep * Math.max(0, totalSteps - done));
        out.accept(new FineTune.Progress(phase, epoch, epochs, step, stepsPerEpoch, loss, validation, eta, history));
    }
}
