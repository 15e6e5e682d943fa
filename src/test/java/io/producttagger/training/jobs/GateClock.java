package io.producttagger.training.jobs;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

/**
 * A clock that stops a chosen thread the next time it reads the time, until the test lets it go. {@link FineTuneJobs}
 * reads the time for each change of a job's state after picking the job and before storing the change, so a test
 * can hold one thread there while another acts: an interleaving forced with latches rather than hoped for with
 * sleeps.
 */
final class GateClock extends Clock {

    /** The fine-tune queue's trainer thread. */
    static final Predicate<Thread> TRAINER = t -> t.getName().equals("fine-tune");

    /** Longest a test waits for a thread to arrive at a gate before it fails instead of hanging. */
    private static final long ARRIVAL_SECONDS = 120;

    private final List<Gate> armed = new CopyOnWriteArrayList<>();

    /** One stop: the first matching thread that reads the time waits there until {@link #release()}. */
    final class Gate {
        private final Predicate<Thread> which;
        private final AtomicReference<Thread> parked = new AtomicReference<>();
        private final CountDownLatch arrived = new CountDownLatch(1);
        private final CountDownLatch released = new CountDownLatch(1);

        private Gate(Predicate<Thread> which) {
            this.which = which;
        }

        /** Waits until a thread has stopped at this gate and returns it. */
        Thread awaitParked() throws InterruptedException {
            if (!arrived.await(ARRIVAL_SECONDS, TimeUnit.SECONDS)) {
                throw new AssertionError("no thread reached the gate");
            }
            return parked.get();
        }

        /** Lets the stopped thread (or the one still to come) go on. */
        void release() {
            armed.remove(this);
            released.countDown();
        }

        private boolean claim(Thread t) {
            return which.test(t) && parked.compareAndSet(null, t);
        }

        private void park() {
            arrived.countDown();
            try {
                released.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Arms a gate for the next time a thread matching {@code which} reads the time. */
    Gate parkNext(Predicate<Thread> which) {
        Gate gate = new Gate(which);
        armed.add(gate);
        return gate;
    }

    @Override
    public Instant instant() {
        Thread self = Thread.currentThread();
        for (Gate gate : armed) {
            if (gate.claim(self)) {
                armed.remove(gate);
                gate.park();
                break;
            }
        }
        return Instant.now();
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("a test clock has one zone");
    }
}
