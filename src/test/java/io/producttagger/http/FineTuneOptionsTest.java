package io.producttagger.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** The one typed reader of fine-tune options, for JSON bodies and upload query strings alike: nothing coerced. */
class FineTuneOptionsTest {

    private static HttpProblem refusal(Runnable read) {
        HttpProblem p = assertThrows(HttpProblem.class, read::run);
        assertEquals(400, p.status());
        return p;
    }

    private static FineTuneOptions json(String body) {
        return FineTuneOptions.json(new JsonObject(body));
    }

    private static FineTuneOptions query(String... pairs) {
        MultiMap m = MultiMap.caseInsensitiveMultiMap();
        for (int i = 0; i < pairs.length; i += 2) {
            m.add(pairs[i], pairs[i + 1]);
        }
        return FineTuneOptions.query(m);
    }

    @Test
    void explicitJsonNullIsRefusedNamingTheOption() {
        for (String name : new String[] {"epochs", "batchSize", "learningRate", "validationFraction", "patience",
                "seed", "color", "baseModel", "name"}) {
            FineTuneOptions o = json("{\"" + name + "\":null}");
            HttpProblem p = refusal(() -> {
                o.integer(name, 1);
                o.decimal(name, 1);
                o.longInteger(name, 1);
                o.bool(name, true);
                o.string(name, "x");
            });
            assertTrue(p.getMessage().contains("'" + name + "' is null"), p.getMessage());
        }
    }

    @Test
    void wholeNumbersOutsideAnIntAreRefusedNotWrapped() {
        for (String big : new String[] {"4294967297", "18446744073709551616", "-4294967295", "1e30"}) {
            HttpProblem p = refusal(() -> json("{\"epochs\":" + big + "}").integer("epochs", 1));
            assertTrue(p.getMessage().contains("'epochs'") && p.getMessage().contains("32-bit"), p.getMessage());
            refusal(() -> query("batchSize", big).integer("batchSize", 1));
        }
        refusal(() -> json("{\"seed\":18446744073709551616}").longInteger("seed", 1));
        assertEquals(4294967297L, json("{\"seed\":4294967297}").longInteger("seed", 1));
    }

    @Test
    void fractionsAreRefusedForWholeNumberOptionsNotTruncated() {
        HttpProblem p = refusal(() -> json("{\"patience\":1.5}").integer("patience", 1));
        assertTrue(p.getMessage().contains("whole number") && p.getMessage().contains("1.5"), p.getMessage());
        refusal(() -> query("epochs", "2.5").integer("epochs", 1));
        assertEquals(3, json("{\"epochs\":3.0}").integer("epochs", 1), "3.0 is the whole number 3");
    }

    @Test
    void wrongJsonTypesAreRefusedNotConverted() {
        assertTrue(refusal(() -> json("{\"name\":true}").string("name", "x")).getMessage().contains("'name' must be text"));
        refusal(() -> json("{\"name\":5}").string("name", "x"));
        refusal(() -> json("{\"epochs\":\"5\"}").integer("epochs", 1));
        refusal(() -> json("{\"color\":\"true\"}").bool("color", false));
        refusal(() -> json("{\"color\":1}").bool("color", false));
        refusal(() -> json("{\"epochs\":[1]}").integer("epochs", 1));
        refusal(() -> json("{\"epochs\":{}}").integer("epochs", 1));
    }

    @Test
    void queryValuesThatAreNotNumbersOrBooleansAreRefused() {
        refusal(() -> query("epochs", "abc").integer("epochs", 1));
        refusal(() -> query("epochs", "").integer("epochs", 1));
        refusal(() -> query("epochs", " 5").integer("epochs", 1));
        refusal(() -> query("color", "maybe").bool("color", true));
        refusal(() -> query("color", "").bool("color", true));
        refusal(() -> query("learningRate", "NaN").decimal("learningRate", 1));
        HttpProblem p = refusal(() -> query("learningRate", "1e999").decimal("learningRate", 1));
        assertTrue(p.getMessage().contains("'learningRate'"), p.getMessage());
        assertEquals(8, query("epochs", "8").integer("epochs", 1));
        assertFalse(query("color", "false").bool("color", true));
        assertEquals(0.01, query("learningRate", "1e-2").decimal("learningRate", 1), 1e-12);
    }

    @Test
    void jsonInfinityFromAnOverflowingLiteralIsRefused() {
        refusal(() -> json("{\"learningRate\":1e999}").decimal("learningRate", 1));
    }

    @Test
    void unknownAndRepeatedOptionsAreRefused() {
        assertTrue(refusal(() -> json("{\"epoch\":3}")).getMessage().contains("unknown fine-tune option 'epoch'"));
        refusal(() -> query("dataset", "x"));
        assertTrue(refusal(() -> query("epochs", "1", "epochs", "2")).getMessage().contains("once"));
    }

    @Test
    void absentOptionsTakeTheirDefault() {
        FineTuneOptions o = json("{}");
        assertEquals(7, o.integer("epochs", 7));
        assertEquals("fashion", o.string("baseModel", "fashion"));
        assertTrue(o.bool("color", true));
    }
}
