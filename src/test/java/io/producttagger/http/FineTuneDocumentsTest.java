package io.producttagger.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.producttagger.config.TaggerConfig;
import io.producttagger.training.jobs.FineTuneJob;
import io.producttagger.training.loop.FineTuneRequest;
import io.producttagger.training.loop.FineTuneSettings;
import io.producttagger.training.loop.Recipe;
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

    /** {@code finetune.head-only-epochs} → {@code headOnlyEpochs}. */
    private static String setting(String key) {
        return Pattern.compile("-([a-z])").matcher(key.substring("finetune.".length()))
                .replaceAll(r -> r.group(1).toUpperCase());
    }

    /** Every recipe's default of the setting an empty configuration default stands for. */
    private static String recipeDefaults(String key) {
        return Recipe.defaultsOf(setting(key));
    }

    private static void assertSameValue(String where, String expected, Object documented) {
        String shown = String.valueOf(documented);
        if (!expected.matches("-?[0-9.]+(E-?[0-9]+)?")) {
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

    /**
     * A setting with a configured default documents that default; one whose configured default is empty (the
     * recipe's) documents no default and names every recipe's in its description.
     */
    private static void assertDocumentedDefault(String where, String key, Object documented, Object description) {
        String configured = configDefault(key);
        if (configured.isEmpty()) {
            assertNull(documented, where + " documents a default; the recipe decides it");
            String expected = "Default: the recipe's (" + recipeDefaults(key) + ")";
            assertTrue(String.valueOf(description).contains(expected), where + " should say " + expected + ": "
                    + description);
        } else {
            assertSameValue(where, configured, documented);
        }
    }

    @Test
    void requestSchemaDefaultsAreTheConfiguredOrTheRecipesOnes() throws IOException {
        Map<String, Object> properties = map(openApi(), "components", "schemas", "FineTuneRequest", "properties");
        int checked = 0;
        for (String setting : settings()) {
            if (setting.equals("baseModel") || setting.equals("name")) {
                continue; // documented in words: a model name, or the base's
            }
            Map<String, Object> property = (Map<String, Object>) properties.get(setting);
            assertDocumentedDefault("FineTuneRequest." + setting, configKey(setting), property.get("default"),
                    property.get("description"));
            checked++;
        }
        assertEquals(settings().size() - 2, checked);
    }

    @Test
    void uploadQueryParameterDefaultsAreTheConfiguredOrTheRecipesOnes() throws IOException {
        List<Map<String, Object>> parameters = (List<Map<String, Object>>) map(openApi(), "paths",
                "/admin/v1/fine-tunes", "post").get("parameters");
        int checked = 0;
        for (Map<String, Object> p : parameters) {
            String name = (String) p.get("name");
            if (name.equals("baseModel") || name.equals("name")) {
                continue;
            }
            assertDocumentedDefault("query " + name, configKey(name), map(p, "schema").get("default"),
                    p.get("description"));
            checked++;
        }
        assertEquals(settings().size() - 2, checked);
    }

    @Test
    void consoleFormDefaultsAreTheConfiguredOnes() throws IOException {
        String js;
        try (InputStream in = FineTuneDocumentsTest.class.getResourceAsStream("/console/admin.js")) {
            js = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        // ['epochs', 'Epochs', 'tail 30, probe 30, images 20', '1'] or ['seed', 'Seed', 42, '1']
        String numbers = js.substring(js.indexOf("const NUMBERS = ["), js.indexOf("];", js.indexOf("const NUMBERS")));
        Matcher m = Pattern.compile("\\['(\\w+)', '[^']*', ([-0-9.]+|'[^']*'), '[^']*'\\]").matcher(numbers);
        int checked = 0;
        while (m.find()) {
            String setting = m.group(1);
            assertTrue(settings().contains(setting), "the console offers an unknown setting " + setting);
            String configured = configDefault(configKey(setting));
            if (m.group(2).startsWith("'")) {
                assertEquals("", configured, "admin.js shows recipe defaults for " + setting);
                assertEquals("'" + recipeDefaults(configKey(setting)) + "'", m.group(2), "admin.js " + setting);
            } else {
                assertSameValue("admin.js " + setting, configured, m.group(2));
            }
            checked++;
        }
        assertEquals(8, checked, "the console's number fields");
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
                if (configured.isEmpty() && !settings().contains(setting(keys.get(i)))) {
                    continue; // an empty default is documented by what it stands for (e.g. MODEL_ZOO/.jobs)
                }
                if (configured.isEmpty()) { // a recipe's setting
                    assertEquals("", values.get(i), "README row of " + keys.get(i));
                    assertTrue(line.contains(recipeDefaults(keys.get(i))), "README row of " + keys.get(i)
                            + " should name the recipes' defaults, " + recipeDefaults(keys.get(i)));
                } else {
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
