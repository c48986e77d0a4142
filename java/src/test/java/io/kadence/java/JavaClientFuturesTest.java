package io.kadence.java;

import io.kadence.client.WorkflowStatus;
import io.kadence.failure.QueryFailedException;
import io.kadence.failure.WorkflowFailedException;
import io.kadence.history.HistoryEvent;
import io.kadence.history.WorkflowReset;
import io.kadence.history.WorkflowSignaled;
import io.kadence.history.WorkflowTaskCompleted;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CompletableFuture twin of every client call, and query errors, from Java. */
class JavaClientFuturesTest {
    /** Counts "tick" signals until "stop"; queries read the count, an update adds to it. */
    public static final class Ticks implements JavaWorkflow<Integer, Integer> {
        private int ticks;

        @Override public Integer run(WorkflowContext ctx, Integer start) {
            ticks = start;
            ctx.onQuery("ticks", () -> ticks);
            ctx.onQuery("atLeast", Integer.class, n -> ticks >= n);
            ctx.onUpdate("add", Integer.class, Integer.class, null, n -> {
                ticks += n;
                return ticks;
            });
            SignalChannel<String> signals = ctx.signalChannel("tick", String.class);
            while (!signals.receive().equals("stop")) ticks++;
            return ticks;
        }
    }

    /** The future's value; a failed future throws what the blocking twin would have thrown. */
    private static <T> T await(CompletableFuture<T> f) {
        try {
            return f.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new AssertionError(e);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** The exception a failed future carries (what the blocking twin throws). */
    private static Throwable failureOf(CompletableFuture<?> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(30, TimeUnit.SECONDS));
        return e.getCause();
    }

    /** Polls [read] until it returns [expected], for at most 20 s (a query fails until the first workflow task is done). */
    private static <T> void eventually(String what, T expected, Supplier<T> read) {
        long deadline = System.currentTimeMillis() + 20_000;
        Object last = null;
        while (System.currentTimeMillis() < deadline) {
            try {
                last = read.get();
                if (expected.equals(last)) return;
            } catch (RuntimeException e) {
                last = e;
            }
            Thread.onSpinWait();
        }
        throw new AssertionError(what + ": expected " + expected + ", last saw " + last);
    }

    private static WorkflowOptions id(String id) {
        return WorkflowOptions.newBuilder().id(id).taskQueue("futures").build();
    }

    @Test
    void startSignalQueryUpdateDescribeHistoryListCountAndResultHaveFutureTwins() {
        try (Kadence kadence = JavaStores.open()) {
            kadence.newWorker("futures", JavaStores.worker().build()).registerWorkflow(Ticks.class).start();
            WorkflowClient client = kadence.client();
            WorkflowRun<Integer> run = await(client.startAsync(Ticks.class, 0, id("ticks")));
            await(run.signalAsync("tick", "tick"));
            await(run.signalAsync("tick", "tick", "request-1"));
            await(run.signalAsync("tick", "tick", "request-1")); // the same request id: delivered once
            eventually("two ticks", 2, () -> await(run.queryAsync("ticks", Integer.class)));
            assertEquals(12, await(run.updateAsync("add", 10, Integer.class)));
            assertEquals(17, await(run.updateAsync("add", 5, Integer.class, "update-1")));
            assertEquals(17, await(run.updateAsync("add", 5, Integer.class, "update-1"))); // the same update id: applied once
            assertEquals(true, await(run.queryAsync("atLeast", Boolean.class, 17)));
            assertEquals(false, await(run.queryAsync("atLeast", Boolean.class, 18)));

            WorkflowRun<Integer> again = await(client.signalWithStartAsync(Ticks.class, 100, "tick", "tick", id("ticks")));
            assertEquals(run.runId(), again.runId());
            eventually("three ticks and the update", 18, () -> run.query("ticks", Integer.class));

            assertEquals(WorkflowStatus.RUNNING, await(run.describeAsync()).getStatus());
            assertEquals(1, await(client.countAsync(WorkflowStatus.RUNNING, "Ticks")));
            assertEquals(List.of("ticks"), await(client.listAsync(null, "Ticks", 10)).stream().map(s -> s.getWorkflowId()).toList());
            assertEquals(List.of(), await(client.sessionHostsAsync(null)));

            await(run.signalAsync("tick", "stop"));
            assertEquals(18, await(run.resultAsync(Duration.ofSeconds(30))));
            List<HistoryEvent> history = await(run.historyAsync());
            assertEquals(4, history.stream().filter(e -> e.getAttributes() instanceof WorkflowSignaled).count());
            assertEquals(history, run.history());
        }
    }

    @Test
    void cancelTerminateAndResetHaveFutureTwins() {
        try (Kadence kadence = JavaStores.open()) {
            kadence.newWorker("futures", JavaStores.worker().build()).registerWorkflow(Ticks.class).start();
            WorkflowClient client = kadence.client();

            WorkflowRun<Integer> canceled = client.start(Ticks.class, 0, id("cancel-me"));
            await(canceled.cancelAsync("not needed"));
            WorkflowFailedException c = assertInstanceOf(WorkflowFailedException.class, failureOf(canceled.resultAsync()));
            assertEquals("CANCELED", c.getStatus());

            WorkflowRun<Integer> terminated = client.start(Ticks.class, 0, id("terminate-me"));
            await(terminated.terminateAsync("enough"));
            assertEquals(WorkflowStatus.TERMINATED, await(terminated.describeAsync()).getStatus());

            WorkflowRun<Integer> once = client.start(Ticks.class, 0, id("reset-me"));
            once.signal("tick", "tick");
            once.signal("tick", "stop");
            assertEquals(1, once.result(Duration.ofSeconds(30)));
            long boundary = once.history().stream().filter(e -> e.getAttributes() instanceof WorkflowTaskCompleted).findFirst().orElseThrow().getEventId();
            WorkflowRun<Integer> reset = await(once.resetAsync(boundary, "run it again"));
            assertNotEquals(once.runId(), reset.runId());
            // The new run gets the signals after the boundary again.
            assertEquals(1, await(reset.resultAsync()));
            assertTrue(reset.history().stream().anyMatch(e -> e.getAttributes() instanceof WorkflowReset));
        }
    }

    @Test
    void aQueryOfAnUnknownNameOrWithAnArgumentOfTheWrongTypeFailsWithQueryFailedException() {
        try (Kadence kadence = JavaStores.open()) {
            kadence.newWorker("futures", JavaStores.worker().build()).registerWorkflow(Ticks.class).start();
            WorkflowRun<Integer> run = kadence.client().start(Ticks.class, 3, id("queried"));
            eventually("the first workflow task", 3, () -> run.query("ticks", Integer.class));

            QueryFailedException unknown = assertThrows(QueryFailedException.class, () -> run.query("nope", Integer.class));
            assertTrue(unknown.getMessage().contains("known queries: [atLeast, ticks]"), unknown.getMessage());
            assertEquals("nope", unknown.getQueryName());
            QueryFailedException wrongArg = assertThrows(QueryFailedException.class, () -> run.query("atLeast", Boolean.class, "many"));
            assertTrue(wrongArg.getMessage().contains("could not be decoded"), wrongArg.getMessage());
            // The future twin fails with the same exception.
            assertInstanceOf(QueryFailedException.class, failureOf(run.queryAsync("nope", Integer.class)));
        }
    }
}
