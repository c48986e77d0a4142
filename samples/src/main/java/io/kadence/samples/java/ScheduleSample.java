package io.kadence.samples.java;

import io.kadence.client.ScheduleAction;
import io.kadence.client.ScheduleDescription;
import io.kadence.client.WorkflowStatus;
import io.kadence.java.JavaWorkflow;
import io.kadence.java.Kadence;
import io.kadence.java.ScheduleHandle;
import io.kadence.java.ScheduleOptions;
import io.kadence.java.WorkflowContext;
import io.kadence.schedule.OverlapPolicy;
import io.kadence.schedule.ScheduleHeaders;
import io.kadence.schedule.ScheduleSpec;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A schedule from Java: a report every second for three seconds, queueing an action behind the
 * previous report still runs.
 *
 *     mvn -q -pl samples -am compile exec:java -Dsample=io.kadence.samples.java.ScheduleSample
 */
public final class ScheduleSample {
    private ScheduleSample() {}

    public static final class Report implements JavaWorkflow<String, String> {
        @Override public String run(WorkflowContext ctx, String name) {
            return name + " for " + ctx.info().getHeaders().get(ScheduleHeaders.NOMINAL_TIME).replace("\"", "");
        }
    }

    public static List<String> run(Path dataDir) throws InterruptedException {
        try (Kadence kadence = Kadence.embedded(dataDir)) {
            kadence.newWorker("reports-java").registerWorkflow(Report.class).start();
            Instant start = Instant.now().truncatedTo(ChronoUnit.SECONDS).plusSeconds(2);
            ScheduleSpec spec = ScheduleSpec.every(Duration.ofSeconds(1)).between(start, start.plusSeconds(2));
            ScheduleHandle schedule = kadence.client().schedules().create("reports-" + UUID.randomUUID().toString().substring(0, 8), spec,
                    Report.class, "daily report", ScheduleOptions.newBuilder().taskQueue("reports-java").overlap(OverlapPolicy.BUFFER_ALL).build());
            List<Instant> planned = schedule.describe(5).getNextActionTimes();
            while (schedule.describe(0).getActionsTaken() < 3) {
                Thread.sleep(50);
            }
            ScheduleDescription d = schedule.describe(0);
            List<String> results = new ArrayList<>();
            for (ScheduleAction a : d.getRecentActions()) results.add(kadence.client().handle(a.getWorkflowId(), String.class).result());
            boolean ownTimes = true;
            for (int i = 0; i < planned.size(); i++) ownTimes &= results.get(i).equals("daily report for " + planned.get(i));
            schedule.delete();
            return List.of(
                    "planned " + planned.size() + " actions",
                    "actions taken: " + d.getActionsTaken() + ", skipped: " + d.getOverlapSkipped() + ", missed: " + d.getMissedCatchupWindow(),
                    "each run got its own nominal time: " + ownTimes);
        }
    }

    public static void main(String[] args) throws InterruptedException {
        run(Path.of("kadence-data-schedule-java")).forEach(System.out::println);
    }
}
