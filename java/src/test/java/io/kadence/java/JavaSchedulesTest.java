package io.kadence.java;

import io.kadence.client.Backfill;
import io.kadence.client.ScheduleAction;
import io.kadence.client.ScheduleDescription;
import io.kadence.client.WorkflowSummary;
import io.kadence.failure.ScheduleNotFoundException;
import io.kadence.java.testing.JavaTestKadence;
import io.kadence.schedule.CalendarSpec;
import io.kadence.schedule.OverlapPolicy;
import io.kadence.schedule.ScheduleHeaders;
import io.kadence.schedule.ScheduleSpec;
import org.junit.jupiter.api.Test;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Schedules from Java, on the virtual clock (which starts at 2026-01-01T00:00Z, a Thursday). */
class JavaSchedulesTest {
    /** Waits for a "go" signal, then returns its tag and the nominal time its schedule started it for. */
    public static final class Gate implements JavaWorkflow<String, String> {
        @Override public String run(WorkflowContext ctx, String tag) {
            String go = ctx.signalChannel("go", String.class).receive();
            return tag + "@" + ctx.info().getHeaders().get(ScheduleHeaders.NOMINAL_TIME).replace("\"", "") + " " + go;
        }
    }

    private static <T> T await(CompletableFuture<T> f) {
        try {
            return f.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static void eventually(String what, BooleanSupplier condition) {
        long deadline = System.currentTimeMillis() + 20_000;
        while (!condition.getAsBoolean()) {
            assertTrue(System.currentTimeMillis() < deadline, "timed out waiting for " + what);
            Thread.onSpinWait();
        }
    }

    private static ScheduleOptions.Builder options() {
        return ScheduleOptions.newBuilder().taskQueue("sched");
    }

    private static List<String> runIds(Kadence kadence, String scheduleId) {
        return kadence.client().list(null, "Gate", 1000).stream().map(WorkflowSummary::getWorkflowId)
                .filter(id -> id.startsWith(scheduleId + "-")).sorted().toList();
    }

    @Test
    void aBackfillOfSeveralRangesAppliesEachRangesOwnOverlapPolicy() {
        try (Kadence kadence = JavaStores.open()) {
            JavaTestKadence.holdTime(kadence);
            kadence.newWorker("sched", JavaStores.worker().build()).registerWorkflow(Gate.class).start();
            ScheduleHandle schedule = await(kadence.client().schedules().createAsync("backfilled", ScheduleSpec.cron("0 10 * * *"), Gate.class, "b",
                    options().paused("backfill only").build()));
            // Three runs alongside each other, then one more that SKIP drops: the previous run is still open.
            int taken = await(schedule.backfillAsync(
                    new Backfill(Instant.parse("2025-12-01T10:00:00Z"), Instant.parse("2025-12-03T10:00:00Z"), OverlapPolicy.ALLOW_ALL),
                    new Backfill(Instant.parse("2025-12-10T00:00:00Z"), Instant.parse("2025-12-10T23:59:59Z"), OverlapPolicy.SKIP)));
            assertEquals(4, taken);
            eventually("the backfill", () -> schedule.describe(0).getRecentActions().size() == 4);
            ScheduleDescription d = await(schedule.describeAsync(0));
            assertEquals(1, d.getOverlapSkipped());
            assertEquals(List.of("backfill", "backfill", "backfill", "backfill"), d.getRecentActions().stream().map(ScheduleAction::getSource).toList());
            assertEquals(Instant.parse("2025-12-10T10:00:00Z"), d.getRecentActions().stream().filter(a -> a.getWorkflowId() == null).findFirst().orElseThrow().getNominalTime());
            assertEquals(List.of("backfilled-2025-12-01T10:00:00Z", "backfilled-2025-12-02T10:00:00Z", "backfilled-2025-12-03T10:00:00Z"), runIds(kadence, "backfilled"));
            WorkflowRun<String> second = kadence.client().handle("backfilled-2025-12-02T10:00:00Z", String.class);
            second.signal("go", "went");
            assertEquals("b@2025-12-02T10:00:00Z went", second.result(Duration.ofSeconds(30)));
            assertTrue(d.getPaused());
            assertEquals("backfill only", d.getNote());
        }
    }

    @Test
    void updateChangesTheSpecThePolicyAndTheCatchUpWindowAndTheAsyncTwinsWork() {
        try (Kadence kadence = JavaStores.open()) {
            JavaTestKadence.holdTime(kadence);
            kadence.newWorker("sched", JavaStores.worker().build()).registerWorkflow(Gate.class).start();
            ScheduleHandle schedule = kadence.client().schedules().create("yearly", ScheduleSpec.cron("0 0 1 1 *"), Gate.class, "y",
                    options().catchupWindow(Duration.ofHours(1)).build());
            ScheduleDescription before = schedule.describe(1);
            assertEquals(List.of(Instant.parse("2027-01-01T00:00:00Z")), before.getNextActionTimes());
            assertEquals(Duration.ofHours(1), before.getCatchupWindow());
            assertEquals(OverlapPolicy.SKIP, before.getOverlap());

            // Fridays at 09:00 and 09:30, with up to 5 s of jitter; buffer every overlapping action; a 10-minute window.
            ScheduleSpec fridays = ScheduleSpec.calendar(CalendarSpec.newBuilder().hourValues(9).minuteValues(0, 30).daysOfWeek(DayOfWeek.FRIDAY).build())
                    .withJitter(Duration.ofSeconds(5));
            await(schedule.updateAsync(fridays, OverlapPolicy.BUFFER_ALL, Duration.ofMinutes(10)));
            ScheduleDescription after = schedule.describe(3);
            assertEquals(List.of(Instant.parse("2026-01-02T09:00:00Z"), Instant.parse("2026-01-02T09:30:00Z"), Instant.parse("2026-01-09T09:00:00Z")),
                    after.getNextActionTimes());
            assertEquals(OverlapPolicy.BUFFER_ALL, after.getOverlap());
            assertEquals(Duration.ofMinutes(10), after.getCatchupWindow());
            assertEquals(5_000, after.getSpec().getJitterMillis());

            // Nulls keep what the schedule has.
            schedule.update(null, null, Duration.ofMinutes(20));
            ScheduleDescription kept = schedule.describe(1);
            assertEquals(fridays, kept.getSpec());
            assertEquals(OverlapPolicy.BUFFER_ALL, kept.getOverlap());
            assertEquals(Duration.ofMinutes(20), kept.getCatchupWindow());

            await(schedule.pauseAsync("quiet week"));
            assertTrue(schedule.describe(0).getPaused());
            await(schedule.triggerAsync(OverlapPolicy.ALLOW_ALL));
            eventually("the triggered run", () -> runIds(kadence, "yearly").size() == 1);
            await(schedule.unpauseAsync(null));
            assertEquals(false, schedule.describe(0).getPaused());
            assertEquals(List.of("yearly"), await(kadence.client().schedules().listAsync()).stream().map(ScheduleDescription::getId).toList());

            await(schedule.deleteAsync());
            assertThrows(ScheduleNotFoundException.class, () -> schedule.describe(0));
            ExecutionException e = assertThrows(ExecutionException.class, () -> schedule.updateAsync(null, OverlapPolicy.SKIP, null).get(30, TimeUnit.SECONDS));
            assertInstanceOf(ScheduleNotFoundException.class, e.getCause());
        }
    }
}
