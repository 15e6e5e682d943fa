package io.producttagger.http;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.producttagger.training.data.DatasetArchiveTestAccess;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The adversarial suite: 1,350 hostile inputs generated from a seed ({@code -Dadversarial.seed=N}, default 14)
 * across six families (image bytes, raw HTTP, multipart bodies, admin options, archives, data-set paths), sent
 * to the real listeners. Every case must get an answer whose status the case allows (a 200 only where the input
 * is valid), never a 5xx or silence; every 4xx must be an {@code application/problem+json} body with a detail;
 * and after every case both listeners are still healthy and nothing is left on disk: no temporary file, no
 * upload folder, nothing written under the data root or outside it. A failing case prints its seed, number and
 * the request it sent.
 */
class AdversarialSuiteTest {

    private static final long SEED = Long.getLong("adversarial.seed", 14);
    private static HostileFixture f;
    private static HostileInputs inputs;

    @BeforeAll
    static void start() throws Exception {
        f = new HostileFixture();
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (Stream<Path> files = Files.walk(f.data.resolve("few"))) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                entries.put("few/" + f.data.resolve("few").relativize(p), Files.readAllBytes(p));
            }
        }
        inputs = new HostileInputs(SEED, HostileFixture.TOKEN, DatasetArchiveTestAccess.zip(entries));
    }

    @AfterAll
    static void stop() throws Exception {
        f.close();
    }

    @TestFactory
    Stream<DynamicTest> everyHostileInputGetsAnAllowedAnswerAndLeavesNothingBehind() {
        List<HostileInputs.Case> cases = new ArrayList<>();
        cases.addAll(inputs.images(300));
        cases.addAll(inputs.http(250));
        cases.addAll(inputs.multipart(250));
        cases.addAll(inputs.adminOptions(250));
        cases.addAll(inputs.archives(200));
        cases.addAll(inputs.paths(100));
        assertTrue(cases.size() >= 1000, "at least 1,000 cases");
        List<DynamicTest> tests = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            HostileInputs.Case c = cases.get(i);
            int number = i;
            tests.add(DynamicTest.dynamicTest(c.family() + " #" + i + ": " + c.label(), () -> check(number, c)));
        }
        return tests.stream();
    }

    private static void check(int number, HostileInputs.Case c) throws Exception {
        Set<String> before = f.filesOnDisk();
        RawHttp.Answer a = RawHttp.send(f.port(c.admin()), c.request(), 20_000, false);
        String where = "seed " + SEED + ", case " + number + " (" + c.family() + ": " + c.label() + ") to the "
                + (c.admin() ? "admin" : "public") + " listener got " + a + "\nrequest:\n" + c.printable() + "\n";
        assertTrue(a.status() != 0 || c.allowed().contains(0) && a.closed(), "no answer: " + where);
        // 505 is the answer to an HTTP version other than 1.0/1.1, the one 5xx a client can cause
        assertTrue(a.status() < 500 || a.status() == 505 && c.allowed().contains(505), "a server error: " + where);
        assertTrue(c.allowed().contains(a.status()), "not one of " + c.allowed() + ": " + where);
        if (a.status() >= 400 && !(c.admin() && a.status() == 401 && a.body().isEmpty())) {
            assertTrue(Problem.MEDIA_TYPE.equals(a.headers().get("content-type")), "not a problem body: " + where);
            JsonObject p = new JsonObject(a.body());
            assertTrue(p.getInteger("status") == a.status() && p.getString("detail", "").length() > 10,
                    "a problem that names what was wrong: " + where);
        }
        assertTrue(f.healthy(), "a listener is no longer healthy after " + where);
        Set<String> after = f.filesOnDisk();
        assertTrue(before.equals(after), "files appeared or vanished: " + diff(before, after) + " after " + where);
    }

    private static String diff(Set<String> before, Set<String> after) {
        Set<String> added = new java.util.TreeSet<>(after);
        added.removeAll(before);
        Set<String> removed = new java.util.TreeSet<>(before);
        removed.removeAll(after);
        return "added " + added + ", removed " + removed;
    }
}
