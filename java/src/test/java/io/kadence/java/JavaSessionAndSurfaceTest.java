package io.kadence.java;

import io.kadence.client.SessionHostDescription;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sessions from Java and the cost of Java workflow threads (the Java-visible signatures: JavaSignatureScanTest). */
class JavaSessionAndSurfaceTest {
    public static final class Pipeline implements JavaWorkflow<String, String> {
        @Override public String run(WorkflowContext ctx, String name) {
            SessionFiles files = ctx.activities(SessionFiles.class, JavaWorkflowTest.STEPS);
            SessionOptions options = SessionOptions.newBuilder()
                    .creationTimeout(Duration.ofMinutes(1)).executionTimeout(Duration.ofMinutes(10)).resource("gpu", 1).build();
            return ctx.session(options, c -> {
                String local = files.download(name);
                String done = files.process(local);
                return c.sessionInfo().getHostId() + " " + done;
            });
        }
    }

    @Test
    void aJavaWorkflowRunsItsSessionStepsOnOneHostWithTheResourceItAskedFor() {
        try (Kadence kadence = JavaStores.open()) {
            kadence.newWorker("files", JavaStores.worker().build()).registerWorkflow(Pipeline.class).start();
            kadence.newWorker("files", JavaStores.worker().hostId("gpu-host").maxConcurrentSessions(4).sessionResource("gpu", 1).build())
                    .registerActivities(SessionFiles.class, new SessionFiles.On("gpu-host")).start();
            kadence.newWorker("files", JavaStores.worker().hostId("cpu-host").maxConcurrentSessions(4).build())
                    .registerActivities(SessionFiles.class, new SessionFiles.On("cpu-host")).start();
            List<WorkflowRun<String>> runs = new ArrayList<>();
            for (int i = 1; i <= 3; i++) {
                runs.add(kadence.client().start(Pipeline.class, "f" + i, WorkflowOptions.newBuilder().id("pipe-" + i).taskQueue("files").build()));
            }
            for (int i = 1; i <= 3; i++) {
                assertEquals("gpu-host processed(f" + i + "@gpu-host)@gpu-host", runs.get(i - 1).result(Duration.ofSeconds(30)));
            }
            for (SessionHostDescription h : kadence.client().sessionHosts("files")) {
                assertEquals(Map.of(), h.getUsed(), h.toString());
            }
        }
    }

    public static final class Waiter implements JavaWorkflow<Integer, Integer> {
        @Override public Integer run(WorkflowContext ctx, Integer count) {
            SignalChannel<Integer> numbers = ctx.signalChannel("n", Integer.class);
            int sum = 0;
            for (int i = 0; i < count; i++) sum += numbers.receive();
            return sum;
        }
    }

    @Test
    void workflowThreadsEndWhenTheWorkerDropsTheirRun() throws Exception {
        try (Kadence kadence = JavaStores.open()) {
            // No cache: every workflow task replays the run on a new thread and drops it after.
            kadence.newWorker("wait", JavaStores.worker().workflowCacheSize(0).build()).registerWorkflow(Waiter.class).start();
            WorkflowRun<Integer> run = kadence.client().start(Waiter.class, 5, WorkflowOptions.newBuilder().id("waiter").taskQueue("wait").build());
            for (int i = 1; i <= 5; i++) run.signal("n", i);
            assertEquals(15, run.result(Duration.ofSeconds(30)));
            long deadline = System.currentTimeMillis() + 10_000;
            while (!liveThreadsOf("waiter").isEmpty()) {
                assertTrue(System.currentTimeMillis() < deadline, "workflow threads still alive: " + liveThreadsOf("waiter"));
                Thread.sleep(20);
            }
        }
    }

    private static List<String> liveThreadsOf(String workflowId) {
        List<String> names = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && t.getName().equals("kadence-java-workflow " + workflowId)) names.add(t.getName());
        }
        return names;
    }
}
