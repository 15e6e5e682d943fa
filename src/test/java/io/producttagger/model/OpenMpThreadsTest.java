package io.producttagger.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import io.producttagger.TestSupport;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class OpenMpThreadsTest {

    @BeforeAll
    static void engine() {
        TestSupport.offline();
        Engine.getEngine("MXNet"); // maps MXNet's OpenMP runtime into the process
    }

    @Test
    void limitOnOneThreadLeavesTheOthersAlone() throws InterruptedException {
        int mine = OpenMpThreads.ofCallingThread().orElseThrow();
        int other = mine + 2;
        AtomicInteger seen = new AtomicInteger();
        AtomicReference<Boolean> applied = new AtomicReference<>();
        Thread t = new Thread(() -> {
            applied.set(OpenMpThreads.limitCallingThread(other));
            seen.set(OpenMpThreads.ofCallingThread().orElseThrow());
        });
        t.start();
        t.join();
        assertTrue(applied.get(), "the OpenMP runtime of the MXNet native jar is found");
        assertEquals(other, seen.get());
        assertEquals(mine, OpenMpThreads.ofCallingThread().orElseThrow());
    }
}
