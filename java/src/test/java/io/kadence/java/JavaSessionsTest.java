package io.kadence.java;

import io.kadence.client.HostedSession;
import io.kadence.client.SessionHostDescription;
import io.kadence.failure.IllegalWorkflowStateException;
import io.kadence.failure.InvalidSessionTokenException;
import io.kadence.failure.SessionCreationTimeoutException;
import io.kadence.failure.SessionFailedException;
import io.kadence.history.ActivityCompleted;
import io.kadence.history.SessionCompleted;
import io.kadence.history.SessionFailed;
import io.kadence.java.testing.JavaTestKadence;
import io.kadence.workflow.SessionInfo;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sessions from Java: recreate tokens, completeSession, a creation timeout, and a host that goes away. */
class JavaSessionsTest {
    private static SessionOptions.Builder session() {
        return SessionOptions.newBuilder().creationTimeout(Duration.ofMinutes(1)).executionTimeout(Duration.ofMinutes(10));
    }

    private static SessionFiles files(WorkflowContext ctx) {
        return ctx.activities(SessionFiles.class, JavaWorkflowTest.STEPS);
    }

    private static void eventually(String what, BooleanSupplier condition) {
        long deadline = System.currentTimeMillis() + 20_000;
        while (!condition.getAsBoolean()) {
            assertTrue(System.currentTimeMillis() < deadline, "timed out waiting for " + what);
            Thread.onSpinWait();
        }
    }

    private static SessionHostDescription host(Kadence kadence, String hostId) {
        return kadence.client().sessionHosts("files").stream().filter(h -> h.getHostId().equals(hostId)).findFirst().orElseThrow();
    }

    private static void hosts(Kadence kadence, String... ids) {
        for (String id : ids) {
            kadence.newWorker("files", JavaStores.worker().hostId(id).maxConcurrentSessions(4).sessionResource("gpu", 1).build())
                    .registerActivities(SessionFiles.class, new SessionFiles.On(id)).start();
        }
    }

    /** Downloads in a GPU session and returns the host and the session's recreate token. */
    public static final class TokenMaker implements JavaWorkflow<String, String> {
        @Override public String run(WorkflowContext ctx, String name) {
            SessionFiles files = files(ctx);
            return ctx.session(session().resource("gpu", 1).build(), c -> {
                files.download(name);
                SessionInfo info = c.sessionInfo();
                return info.getHostId() + " " + info.recreateToken();
            });
        }
    }

    /** Opens a session from a token and says where it landed. */
    public static final class Recreator implements JavaWorkflow<String, String> {
        @Override public String run(WorkflowContext ctx, String token) {
            SessionFiles files = files(ctx);
            try {
                return ctx.session(session().recreateToken(token).build(), c -> {
                    SessionInfo info = c.sessionInfo();
                    return info.getHostId() + " " + info.getResources() + " " + files.download("b");
                });
            } catch (InvalidSessionTokenException e) {
                return "refused: " + e.getMessage();
            }
        }
    }

    @Test
    void aRecreateTokenBringsTheNextSessionBackToItsHostAndAGarbledOneIsRefused() {
        try (Kadence kadence = JavaStores.open()) {
            kadence.newWorker("files", JavaStores.worker().build()).registerWorkflow(TokenMaker.class).registerWorkflow(Recreator.class).start();
            hosts(kadence, "host-a", "host-b");
            String[] made = kadence.client().start(TokenMaker.class, "a", WorkflowOptions.newBuilder().id("maker").taskQueue("files").build())
                    .result(Duration.ofSeconds(30)).split(" ");
            String host = made[0];
            // Placement alone would alternate between the two hosts; the token asks for the first one each time.
            for (int i = 0; i < 3; i++) {
                assertEquals(host + " {gpu=1} b@" + host, kadence.client().start(Recreator.class, made[1],
                        WorkflowOptions.newBuilder().id("again-" + i).taskQueue("files").build()).result(Duration.ofSeconds(30)));
            }
            assertEquals("refused: the recreate token is garbled: it is not one made by sessionInfo().recreateToken() (pass it on unchanged)",
                    kadence.client().start(Recreator.class, "garbage", WorkflowOptions.newBuilder().id("bad").taskQueue("files").build())
                            .result(Duration.ofSeconds(30)));
            for (SessionHostDescription h : kadence.client().sessionHosts("files")) assertEquals(Map.of(), h.getUsed(), h.toString());
        }
    }

    /** Completes its session early (twice: the second is a no-op), then tries one more activity in the block. */
    public static final class EarlyFinisher implements JavaWorkflow<String, String> {
        @Override public String run(WorkflowContext ctx, String name) {
            SessionFiles files = files(ctx);
            return ctx.session(session().resource("gpu", 1).build(), c -> {
                String a = files.download(name);
                c.completeSession();
                c.completeSession();
                ctx.signalChannel("go", String.class).receive();
                String after;
                try {
                    after = files.process(a);
                } catch (IllegalWorkflowStateException e) {
                    after = e.getMessage();
                }
                return a + "; after completeSession: " + after;
            });
        }
    }

    @Test
    void completeSessionReleasesTheHostAtOnceAndRefusesLaterCallsInTheBlock() {
        try (Kadence kadence = JavaStores.open()) {
            kadence.newWorker("files", JavaStores.worker().build()).registerWorkflow(EarlyFinisher.class).start();
            hosts(kadence, "host-a");
            WorkflowRun<String> run = kadence.client().start(EarlyFinisher.class, "a", WorkflowOptions.newBuilder().id("early").taskQueue("files").build());
            eventually("the session to be completed", () -> run.history().stream().anyMatch(e -> e.getAttributes() instanceof SessionCompleted));
            // Still inside the block (waiting for "go"), the host is free again.
            assertEquals(Map.of(), host(kadence, "host-a").getUsed());
            run.signal("go", "now");
            String result = run.result(Duration.ofSeconds(30));
            assertTrue(result.startsWith("a@host-a; after completeSession: workflow 'early' called an activity in session "), result);
            assertTrue(result.endsWith("after the session was completed or its block ended; call activities in the session before completeSession() and inside its block"), result);
            assertEquals(1, run.history().stream().filter(e -> e.getAttributes() instanceof SessionCompleted).count());
        }
    }

    /** Asks for more GPUs than any host has. */
    public static final class Greedy implements JavaWorkflow<String, String> {
        @Override public String run(WorkflowContext ctx, String name) {
            try {
                return ctx.session(session().resource("gpu", 2).build(), c -> "placed on " + c.sessionInfo().getHostId());
            } catch (SessionCreationTimeoutException e) {
                return e.getMissingResources() + " | " + e.getMessage();
            }
        }
    }

    @Test
    void noRoomWithinTheCreationTimeoutIsASessionCreationTimeoutNamingTheMissingResources() {
        try (Kadence kadence = JavaStores.open()) {
            kadence.newWorker("files", JavaStores.worker().build()).registerWorkflow(Greedy.class).start();
            hosts(kadence, "host-a");
            assertEquals("{gpu=2} | no session for workflow 'greedy' within its creation timeout of 1m on task queue 'files' "
                            + "(asked for gpu=2, sessions=1): no live host had gpu=2 free (host-a: gpu 0/1 used)",
                    kadence.client().start(Greedy.class, "x", WorkflowOptions.newBuilder().id("greedy").taskQueue("files").build()).result(Duration.ofSeconds(30)));
        }
    }

    /** Holds a session open until "go"; when its host goes away it opens another one elsewhere. */
    public static final class Survivor implements JavaWorkflow<String, String> {
        @Override public String run(WorkflowContext ctx, String name) {
            SessionFiles files = files(ctx);
            try {
                return ctx.session(session().build(), c -> {
                    files.download(name);
                    ctx.signalChannel("go", String.class).receive();
                    return "the session was never failed";
                });
            } catch (SessionFailedException e) {
                String again = ctx.session(session().build(), c -> c.sessionInfo().getHostId() + " " + files.download("again"));
                return "session on " + e.getHostId() + " failed; then " + again;
            }
        }
    }

    @Test
    void aSessionWhoseHostGoesAwayFailsAfterItsHeartbeatTimeoutAndTheWorkflowRecoversOnAnotherHost() {
        try (Kadence kadence = JavaStores.open()) {
            JavaTestKadence.holdTime(kadence);
            kadence.newWorker("files", JavaStores.worker().build()).registerWorkflow(Survivor.class).start();
            Worker hostA = kadence.newWorker("files", JavaStores.worker().hostId("host-a").maxConcurrentSessions(4).build())
                    .registerActivities(SessionFiles.class, new SessionFiles.On("host-a")).start();
            WorkflowRun<String> run = kadence.client().start(Survivor.class, "a", WorkflowOptions.newBuilder().id("survivor").taskQueue("files").build());
            eventually("the download", () -> run.history().stream().anyMatch(e -> e.getAttributes() instanceof ActivityCompleted));
            List<HostedSession> open = host(kadence, "host-a").getSessions();
            assertEquals(List.of("survivor"), open.stream().map(HostedSession::getWorkflowId).toList());
            assertEquals(Duration.ofSeconds(20), open.get(0).getHeartbeatTimeout());
            assertEquals(Duration.ZERO, host(kadence, "host-a").getGracePeriod());

            kadence.newWorker("files", JavaStores.worker().hostId("host-b").maxConcurrentSessions(4).build())
                    .registerActivities(SessionFiles.class, new SessionFiles.On("host-b")).start();
            hostA.close(); // host-a is gone for good: no grace period, so its session's heartbeat timeout (20 s) decides
            JavaTestKadence.advance(kadence, Duration.ofSeconds(30));
            assertEquals("session on host-a failed; then host-b again@host-b", run.result(Duration.ofSeconds(30)));
            SessionFailed failed = run.history().stream().map(e -> e.getAttributes()).filter(a -> a instanceof SessionFailed)
                    .map(a -> (SessionFailed) a).findFirst().orElseThrow();
            assertEquals("host-a", failed.getHostId());
            assertTrue(host(kadence, "host-a").getSilentFor().compareTo(Duration.ofSeconds(30)) >= 0, host(kadence, "host-a").toString());
        }
    }
}
