package io.producttagger.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.producttagger.config.TaggerConfig;
import io.producttagger.training.jobs.FineTuneJob;
import io.producttagger.training.loop.FineTuneRequest;
import io.producttagger.training.loop.FineTuneSettings;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The documents that restate the fine-tune settings (the admin OpenAPI, the console's form, the README's table)
 * agree with the code and with {@link TaggerConfig#KEYS}, the one place the defaults live.
 */
class FineTuneDocumentsTest {

    /** The settings a client may give, as the request record names them. */
    private static Set<String> settings() {
        return Arrays.stream(FineTuneSettings.class.getRecordComponents()).map(c -> c.getName())
                .collect(Collectors.toCollection(LinkedHashSet::new));
    }

    /** {@code headOnlyEpochs} → {@code finetune.head-only-epochs}. */
    private static String configKey(String setting) {
        return "finetune." + setting.replaceAll("([A-Z])", "-$1").toLowerCase();
    }

    private static String configDefault(String key) {
        return TaggerConfig.KEYS.stream().filter(k -> k.name().equals(key)).findFirst()
                .orElseThrow(() -> new AssertionError("no configuration key " + key)).defaultValue();
    }

    private static void assertSameValue(String where, String expected, Object documented) {
        String shown = String.valueOf(documented);
        if (expected.equals("true") || expected.equals("false")) {
            assertEquals(expected, shown, where);
        } else {
            assertEquals(0, new BigDecimal(expected).compareTo(new BigDecimal(shown)),
                    where + ": documented " + shown + ", configured " + expected);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o, String... path) {
        Object at = o;
        for (String p : path) {
            at = ((Map<String, Object>) at).get(p);
        }
        return (Map<String, Object>) at;
    }

    private static Map<String, Object> openApi() throws IOException {
        try (InputStream in = FineTuneDocumentsTest.class.getResourceAsStream("/admin-openapi.yaml")) {
            return new Yaml().load(in);
        }
    }

    @Test
    void phaseEnumListsEveryPhaseAJobReports() throws IOException {
        List<Object> documented = new ArrayList<>((List<Object>) map(openApi(), "components", "schemas",
                "FineTuneJob", "properties", "phase").get("enum"));
        documented.remove(null); // nullable: no phase before the job runs
        assertEquals(FineTuneJob.PHASES, documented);
    }

    @Test
    void requestSchemaListsExactlyTheSettingsAClientMayGive() throws IOException {
        Set<String> expected = new TreeSet<>(settings());
        expected.add("dataset");
        assertEquals(expected, new TreeSet<>(map(openApi(), "components", "schemas", "FineTuneRequest",
                "properties").keySet()));
    }

    @Test
    void uploadQueryParametersAreExactlyTheSettingsAClientMayGive() throws IOException {
        List<Map<String, Object>> parameters = (List<Map<String, Object>>) map(openApi(), "paths",
                "/admin/v1/fine-tunes", "post").get("parameters");
        assertEquals(new TreeSet<>(settings()), parameters.stream().map(p -> (String) p.get("name"))
                .collect(Collectors.toCollection(TreeSet::new)));
    }

    @Test
    void optionsTheApiReadsAreExactlyTheSettingsAClientMayGive() {
        assertEquals(new TreeSet<>(settings()), new TreeSet<>(FineTuneOptions.NAMES));
    }

    @Test
    void jobRequestSchemaListsExactlyWhatAJobRecords() throws IOException {
        Map<String, Object> described = FineTuneRequest.builder().setDataset(Path.of("shoes"))
                .setBase("fashion", null).build().described();
        assertEquals(new TreeSet<>(described.keySet()), new TreeSet<>(map(openApi(), "components", "schemas",
                "FineTuneJob", "properties", "request", "properties").keySet()));
    }

    @Test
    void jobRecordsEveryRequestSettingAndTheFewestImagesPerLabel() {
        Set<String> recorded = FineTuneRequest.builder().setDataset(Path.of("shoes")).setBase("fashion", null)
                .build().described().keySet();
        Set<String> expected = new TreeSet<>(settings());
        expected.add("dataset");
        expected.add("minImagesPerLabel");
        assertEquals(expected, new TreeSet<>(recorded));
    }

    @Test
    void requestSchemaDefaultsAreTheConfiguredOnes() throws IOException {
        Map<String, Object> properties = map(openApi(), "components", "schemas", "FineTuneRequest", "properties");
        int checked = 0;
        for (var e : properties.entrySet()) {
            Object documented = ((Map<String, Object>) e.getValue()).get("default");
            if (documented != null) {
                assertSameValue("FineTuneRequest." + e.getKey(), configDefault(configKey(e.getKey())), documented);
                checked++;
            }
        }
        assertTrue(checked >= 9, "only " + checked + " defaults documented");
    }

    @Test
    void uploadQueryParameterDefaultsAreTheConfiguredOnes() throws IOException {
        List<Map<String, Object>> parameters = (List<Map<String, Object>>) map(openApi(), "paths",
                "/admin/v1/fine-tunes", "post").get("parameters");
        int checked = 0;
        for (Map<String, Object> p : parameters) {
            Object documented = map(p, "schema").get("default");
            if (documented != null) {
                assertSameValue("query " + p.get("name"), configDefault(configKey((String) p.get("name"))),
                        documented);
                checked++;
            }
        }
        assertTrue(checked >= 9, "only " + checked + " defaults documented");
    }

    @Test
    void consoleFormDefaultsAreTheConfiguredOnes() throws IOException {
        String js;
        try (InputStream in = FineTuneDocumentsTest.class.getResourceAsStream("/console/admin.js")) {
            js = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        Matcher m = Pattern.compile("\\['(\\w+)', '[^']*', ([-0-9.]+), '[^']*'\\]").matcher(js);
        int checked = 0;
        while (m.find()) {
            assertTrue(settings().contains(m.group(1)), "the console offers an unknown setting " + m.group(1));
            assertSameValue("admin.js " + m.group(1), configDefault(configKey(m.group(1))), m.group(2));
            checked++;
        }
        assertTrue(checked >= 8, "found only " + checked + " console defaults");
    }

    @Test
    void readmeConfigurationTableShowsTheConfiguredFineTuneDefaults() throws IOException {
        Path readme = Path.of("README.md");
        assertTrue(Files.exists(readme), "run from the project folder");
        // a row: | `finetune.a` / `finetune.b` | `1` / `2` | ...
        Pattern row = Pattern.compile("^\\| ((?:`finetune\\.[a-z-]+`(?: / )?)+) \\| ((?:`[^`|]*`(?: / )?)+) \\|");
        Pattern tick = Pattern.compile("`([^`]*)`");
        Set<String> seen = new TreeSet<>();
        for (String line : Files.readAllLines(readme)) {
            Matcher m = row.matcher(line);
            if (!m.find()) {
                continue;
            }
            List<String> keys = tick.matcher(m.group(1)).results().map(r -> r.group(1)).toList();
            List<String> values = tick.matcher(m.group(2)).results().map(r -> r.group(1)).toList();
            assertEquals(keys.size(), values.size(), line);
            for (int i = 0; i < keys.size(); i++) {
                String configured = configDefault(keys.get(i));
                if (!configured.isEmpty()) { // an empty default is documented by what it stands for
                    assertEquals(configured, values.get(i), "README row of " + keys.get(i));
                }
                seen.add(keys.get(i));
            }
        }
        for (String s : settings()) {
            if (!s.equals("name")) {
                assertTrue(seen.contains(configKey(s)), "README has no row for " + configKey(s));
            }
        }
        assertFalse(seen.isEmpty());
    }
}
