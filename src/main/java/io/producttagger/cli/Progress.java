package io.producttagger.cli;

import java.io.PrintStream;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Builds progress bars: a live bar on a terminal, a plain line every few seconds when output goes to a log,
 * and none in quiet mode.
 */
final class Progress {

    private Progress() {}

    /**
     * Starts a bar.
     *
     * @param task what is progressing
     * @param total the amount at completion
     * @param unit the unit's name, e.g. {@code img}
     * @param quiet whether to print nothing
     */
    static ProgressBar start(String task, long total, String unit, boolean quiet, PrintStream out) {
        return start(task, 0, total, unit, quiet, out);
    }

    /**
     * Starts a bar that resumes from work already done, so speed and ETA count only this run's work.
     *
     * @param task what is progressing
     * @param initial the amount already done
     * @param total the amount at completion
     * @param unit the unit's name, e.g. {@code img}
     * @param quiet whether to print nothing
     */
    static ProgressBar start(String task, long initial, long total, String unit, boolean quiet, PrintStream out) {
        ProgressBarBuilder b = new ProgressBarBuilder().setTaskName(task).setInitialMax(total).showSpeed()
                .startsFrom(initial, java.time.Duration.ZERO)
                .setUnit(" " + unit, 1).setStyle(ProgressBarStyle.ASCII).setMaxRenderedLength(120);
        if (quiet) {
            b.setConsumer(new DelegatingProgressBarConsumer(line -> { }));
        } else if (System.console() == null) {
            b.setUpdateIntervalMillis(10_000).setConsumer(new DelegatingProgressBarConsumer(out::println, 120));
        } else {
            b.setUpdateIntervalMillis(250);
        }
        return b.build();
    }
}
