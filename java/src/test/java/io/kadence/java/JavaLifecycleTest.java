package io.kadence.java;

import io.kadence.activity.ActivityCanceledException;
import io.kadence.activity.ActivityCancellationType;
import io.kadence.activity.ActivityContext;
import io.kadence.client.WorkflowIdReusePolicy;
import io.kadence.failure.ActivityFailure;
import io.kadence.failure.PayloadTooLargeException;
import io.kadence.failure.TimeoutFailure;
import io.kadence.failure.WorkflowAlreadyStartedException;
import io.kadence.failure.WorkflowFailedException;
import io.kadence.history.HistoryEvent;
import io.kadence.history.WorkflowReset;
import io.kadence.history.WorkflowTaskCompleted;
import io.kadence.java.testing.JavaTestKadence;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Timeouts, retries, id policies, reset, dynamic workflows, heartbeats, cancellation and limits, from Java. */
class JavaLifecycleTest {
    public static final class Sleeper implements JavaWorkflow<Integer, String> {
        @Override public String run(WorkflowContext ctx, Integer days) {
            ctx.sleep(Duration.ofDays(days));
            return "slept " + days + " days";
        }
    }

    @Test
    void aRunTimeoutEndsTheRunAsTimedOut() {
        try (Kadence kadence = JavaStores.open()) {
            kadence.newWorker("sleep", JavaStores.worker().build()).registerWorkflow(Sleeper.class).start();
            WorkflowRun<String> run = kadence.client().start(Sleeper.class, 10,
                    WorkflowOptions.newBuilder().id("sleepy").taskQueue("sleep").runTimeout(Duration.ofDays(1)).build());
            WorkflowFailedException e = assertThrows(WorkflowFailedException.class, () -> run.result(Duration.ofSeconds(30)));
            assertEquals("TIMED_OUT", e.getStatus());
            assertInstanceOf(TimeoutFailure.class, e.getCause());
        }
    }

    public static final class Flaky implements JavaWorkflow<Integer, String> {
        @Override public String run(WorkflowContext ctx, Integer succeedOn) {
            int attempt = ctx.info().getAttempt();
            if (attempt < succeedOn) throw io.kadence.failure.ApplicationFailure.newFailure("attempt " + attempt + " failed", "Flaky");
            return "succeeded on attempt " + attempt;
        }
    }

    @Test
    void aWorkflowRetryPolicyRunsANewAttemptAndTheIdReusePolicyIsKept() {
        try (Kadence kadence = JavaStores.open()) {
            kadence.newWorker("flaky", JavaStores.worker().build()).registerWorkflow(Flaky.class).start();
            WorkflowOptions options = WorkflowOptions.newBuilder().id("flaky").taskQueue("flaky")
                    .retryPolicy(RetryPolicy.newBuilder().initialInterval(Duration.ofSeconds(1)).maximumAttempts(5).build())
                    .idReusePolicy(WorkflowIdReusePolicy.REJECT_DUPLICATE).build();
            assertEquals("succeeded on attempt 3", kadence.client().start(Flaky.class, 3, options).result(Duration.ofSeconds(30)));
            WorkflowAlreadyStartedException e = assertThrows(WorkflowAlreadyStartedException.class, () -> kadence.client().start(Flaky.class, 1, options));
            assertTrue(e.getMessage().contains("REJECT_DUPLICATE"), e.getMessage());
        }
    }

    public interface Steps {
        String step(String name);
    }

    static final class CountingSteps implements Steps {
        final AtomicInteger calls = new AtomicInteger();

        @Override public String step(String name) {
            calls.incrementAndGet();
            return name;
        }
    }

    public static final class TwoSteps implements JavaWorkflow<String, String> {
        @Override public String run(WorkflowContext ctx, String input) {
            Steps steps = ctx.activities(Steps.class, JavaWorkflowTest.STEPS);
            String a = steps.step("a");
            String note = ctx.signalChannel("note", String.class).receive();
            return a + "," + note + "," + steps.step("b");
        }
    }

    @Test
    void resetStartsANewRunFromATaskBoundaryAndGetsLaterSignalsAgain() {
        try (Kadence kadence = JavaStores.open()) {
            CountingSteps steps = new CountingSteps();
            kadence.newWorker("reset", JavaStores.worker().build()).registerWorkflow(TwoSteps.class).registerActivities(Steps.class, steps).start();
            WorkflowRun<String> run = kadence.client().start(TwoSteps.class, "", WorkflowOptions.newBuilder().id("two").taskQueue("reset").build());
            run.signal("note", "x");
            assertEquals("a,x,b", run.result(Duration.ofSeconds(30)));
            List<HistoryEvent> history = run.history();
            long firstBoundary = history.stream().filter(e -> e.getAttributes() instanceof WorkflowTaskCompleted).findFirst().orElseThrow().getEventId();
            WorkflowRun<String> reset = run.reset(firstBoundary, "redo from the start");
            assertEquals("a,x,b", reset.result(Duration.ofSeconds(30)));
            assertTrue(reset.history().stream().anyMatch(e -> e.getAttributes() instanceof WorkflowReset));
            assertEquals(4, steps.calls.get());
        }
    }

    @Test
    void aDynamicJavaWorkflowHandlesTypesWithoutAClass() {
        try (Kadence kadence = JavaStores.open()) {
            kadence.newWorker("dyn", JavaStores.worker().build())
                    .registerDynamicWorkflow((ctx, type, input) -> {
                        ctx.sleep(Duration.ofMinutes(1));
                        return type + " got " + input;
                    })
                    .start();
            // Started by type name: Java never builds a WorkflowDefinition (whose body is a Kotlin suspend lambda).
            assertEquals("Unregistered got \"hi\"", kadence.client().start("Unregistered", "hi", String.class,
                    WorkflowOptions.newBuilder().id("dyn-1").taskQueue("dyn").build()).result(Duration.ofSeconds(30)));
        }
    }

    public interface Watcher {
        String watch(String tag);
    }

    /** Heartbeats until told it is canceled. */
    static final class HeartbeatingWatcher implements Watcher {
        volatile String stoppedBy = "";

        @Override public String watch(String tag) {
            ActivityContext ctx = ActivityContext.current();
            for (int i = 0; i < 3_000; i++) {
                try {
                    Thread.sleep(5);
                    ctx.heartbeat(i);
                } catch (ActivityCanceledException e) {
                    stoppedBy = "canceled after " + i + " heartbeats";
                    throw e;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
            return "watched " + tag;
        }
    }

    public static final class Watches implements JavaWorkflow<String, String> {
        @Override public String run(WorkflowContext ctx, String tag) {
            Watcher watcher = ctx.activities(Watcher.class, ActivityOptions.newBuilder()
                    .startToCloseTimeout(Duration.ofMinutes(1)).heartbeatTimeout(Duration.ofSeconds(5))
                    .cancellationType(ActivityCancellationType.WAIT_CANCELLATION_COMPLETED).build());
            Promise<String> watching = ctx.async(() -> watcher.watch(tag));
            try {
                return "not canceled: " + watching.get();
            } catch (io.kadence.failure.CanceledFailure e) {
                // The workflow was canceled: wait, shielded, for the activity to finish its own cancellation.
                return ctx.runDetached(() -> {
                    try {
                        return "not canceled: " + watching.get();
                    } catch (io.kadence.failure.CanceledFailure | ActivityFailure f) {
                        return "canceled, and the activity has stopped";
                    }
                });
            }
        }
    }

    @Test
    void blockingJavaActivitiesHeartbeatAndSeeTheirCancellation() {
        try (Kadence kadence = JavaStores.open()) {
            JavaTestKadence.holdTime(kadence);
            HeartbeatingWatcher watcher = new HeartbeatingWatcher();
            kadence.newWorker("watch", JavaStores.worker().build()).registerWorkflow(Watches.class).registerActivities(Watcher.class, watcher).start();
            WorkflowRun<String> run = kadence.client().start(Watches.class, "door", WorkflowOptions.newBuilder().id("watch").taskQueue("watch").build());
            long deadline = System.currentTimeMillis() + 20_000;
            while (run.describe().getPendingActivities().stream().noneMatch(a -> a.getRunning())) {
                assertTrue(System.currentTimeMillis() < deadline, "the activity never started");
                Thread.onSpinWait();
            }
            run.cancel("enough");
            assertEquals("canceled, and the activity has stopped", run.result(Duration.ofSeconds(30)));
            assertTrue(watcher.stoppedBy.startsWith("canceled after "), watcher.stoppedBy);
        }
    }

    @Test
    void aPayloadOverTheLimitIsRefusedAtTheClient() {
        try (Kadence kadence = JavaStores.open()) {
            String big = "x".repeat(3 * 1024 * 1024);
            PayloadTooLargeException e = assertThrows(PayloadTooLargeException.class, () -> kadence.client().start(Sleeper.class, 1,
                    WorkflowOptions.newBuilder().id("big").taskQueue("sleep").build()).signal("huge", big));
            assertTrue(e.getMessage().contains("over the limit of 2097152 bytes"), e.getMessage());
        }
    }
}
