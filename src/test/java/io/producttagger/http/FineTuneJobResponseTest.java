package io.producttagger.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.producttagger.training.jobs.FineTuneJob;
import io.producttagger.training.loop.FineTune;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The API shape of a fine-tune job: pinned as literal JSON and against the admin OpenAPI document, so that
 * renaming something inside training shows up here, not in clients.
 */
class FineTuneJobResponseTest {

    private static FineTuneJob succeeded() {
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("dataset", "photos");
        request.put("baseModel", "fashion@1");
        request.put("name", "shoes");
        return FineTuneJob.builder().setId("j1").setState(FineTuneJob.SUCCEEDED).optRequest(request)
                .optCreated("2026-12-01T10:00:00Z").optUpdated("2026-12-01T10:05:00Z").optPhase("full").optEpoch(2)
                .optEpochs(2).optStep(3).optStepsPerEpoch(3).optLoss(0.25).optValidationAccuracy(0.75)
                .optEtaSeconds(0L).optHistory(List.of(new FineTune.EpochPoint(1, "head", 0.5, 0.5),
                        new FineTune.EpochPoint(2, "full", 0.25, 0.75)))
                .optModel("shoes").optVersion("2").optReport(Map.of("top1", 0.75))
                .optSkipped(List.of(Map.of("file", "bags/x.jpg", "reason", "not an image"))).build();
    }

    @Test
    void aJobAnswersWithTheFieldNamesAndShapesOfTheApi() {
        assertEquals("{\"id\":\"j1\",\"state\":\"succeeded\",\"request\":{\"dataset\":\"photos\",\"baseModel\":"
                + "\"fashion@1\",\"name\":\"shoes\"},\"upload\":null,\"phase\":\"full\",\"epoch\":2,\"epochs\":2,"
                + "\"step\":3,\"stepsPerEpoch\":3,\"loss\":0.25,\"validationAccuracy\":0.75,\"etaSeconds\":0,"
                + "\"history\":[{\"epoch\":1,\"phase\":\"head\",\"loss\":0.5,\"validationAccuracy\":0.5},"
                + "{\"epoch\":2,\"phase\":\"full\",\"loss\":0.25,\"validationAccuracy\":0.75}],\"model\":\"shoes\","
                + "\"version\":\"2\",\"report\":{\"top1\":0.75},\"skipped\":[{\"file\":\"bags/x.jpg\",\"reason\":"
                + "\"not an image\"}],\"error\":null,\"created\":\"2026-12-01T10:00:00Z\",\"updated\":"
                + "\"2026-12-01T10:05:00Z\"}", JsonObject.mapFrom(FineTuneJobResponse.of(succeeded())).encode());
    }

    @Test
    @SuppressWarnings("unchecked")
    void aJobsNestedFieldsAreTheOnesTheOpenApiDocumentNames() throws Exception {
        Map<String, Object> schemas;
        try (InputStream in = FineTuneJobResponseTest.class.getResourceAsStream(AdminOpenApiRoutes.DOCUMENT)) {
            Map<String, Object> doc = new org.yaml.snakeyaml.Yaml().load(in);
            schemas = (Map<String, Object>) ((Map<String, Object>) doc.get("components")).get("schemas");
        }
        Map<String, Object> job = (Map<String, Object>) ((Map<String, Object>) schemas.get("FineTuneJob"))
                .get("properties");
        JsonObject answer = JsonObject.mapFrom(FineTuneJobResponse.of(succeeded()));
        assertEquals(List.copyOf(job.keySet()), List.copyOf(answer.fieldNames()));
        Map<String, Object> historyItem = (Map<String, Object>) ((Map<String, Object>) job.get("history")).get("items");
        assertEquals(List.copyOf(((Map<String, Object>) historyItem.get("properties")).keySet()),
                List.copyOf(answer.getJsonArray("history").getJsonObject(0).fieldNames()));
        Map<String, Object> skipped = (Map<String, Object>) schemas.get("Skipped");
        assertEquals(List.copyOf(((Map<String, Object>) skipped.get("properties")).keySet()),
                List.copyOf(answer.getJsonArray("skipped").getJsonObject(0).fieldNames()));
    }

    @Test
    void aSubmissionAndAListingAnswerWithTheirDocumentedFields() {
        assertEquals("{\"id\":\"j1\",\"status\":\"/admin/v1/fine-tunes/j1\",\"state\":\"queued\"}",
                JsonObject.mapFrom(new FineTuneJobResponse.Accepted("j1", "/admin/v1/fine-tunes/j1", "queued"))
                        .encode());
        JsonObject listing = JsonObject.mapFrom(FineTuneJobResponse.listing(List.of(succeeded())));
        assertEquals(List.of("jobs"), List.copyOf(listing.fieldNames()));
        assertEquals(JsonObject.mapFrom(FineTuneJobResponse.of(succeeded())), listing.getJsonArray("jobs")
                .getJsonObject(0));
    }
}
