package io.producttagger.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.producttagger.model.ModelException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** How failures of the model layer become problems. */
class ProblemTest {

    @Test
    void aFailedInferenceWorkerIsA503ToRetryNotA500() {
        Problem p = Problem.of(new CompletionException(new ModelException.WorkerFailed("the inference worker of "
                + "m@1 failed while scoring this image and is being replaced", new InternalError("native"))));
        assertEquals(503, p.status(), "FailureHandler adds Retry-After to every 503");
        assertEquals(Problem.TYPE_PREFIX + "worker_failed", p.toJson().getString("type"));
        assertTrue(p.detail().contains("retry after"), p.detail());
        assertTrue(!p.detail().contains("native"), "the error itself stays in the server log: " + p.detail());
    }
}
