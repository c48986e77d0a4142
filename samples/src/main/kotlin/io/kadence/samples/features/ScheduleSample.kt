package io.kadence.samples.features

import io.kadence.client.WorkflowStatus
import io.kadence.dsl.workflow
import io.kadence.schedule.OverlapPolicy
import io.kadence.schedule.ScheduleHeaders
import io.kadence.schedule.ScheduleSpec
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import java.nio.file.Path
import java.time.Instant
import java.time.temporal.ChronoUnit
import kotlin.time.Duration.Companion.seconds

/** A report workflow: says which nominal time it was started for. */
val ScheduledReport = workflow<String, String>("ScheduledReport") { name ->
    "$name for ${info.headers.getValue(ScheduleHeaders.NOMINAL_TIME).trim('"')}"
}

/**
 * A schedule: a report every second for three seconds (an interval spec with start and end bounds),
 * running them one after another if one runs late (BUFFER_ALL). Real schedules use cron
 * (`ScheduleSpec.cron("0 2 * * *", ZoneId.of("Europe/Paris"))`), calendars or longer intervals.
 */
suspend fun runSchedule(dataDir: Path): List<String> = sample(dataDir) { batch ->
    worker("reports") { register(ScheduledReport) }.start()
    val start = Instant.now().truncatedTo(ChronoUnit.SECONDS).plusSeconds(2)
    val spec = ScheduleSpec.every(1.seconds).between(start, start.plusSeconds(2))
    val schedule = client.schedules.create("reports-$batch", spec, ScheduledReport, "daily report") { taskQueue = "reports"; overlap = OverlapPolicy.BUFFER_ALL }
    val planned = schedule.describe(nextActions = 5).nextActionTimes
    while (schedule.describe().actionsTaken < 3 || client.count(WorkflowStatus.RUNNING) > 0) delay(50)
    val d = schedule.describe()
    val results = d.recentActions.map { client.handle(ScheduledReport, it.workflowId!!).result() }
    schedule.delete()
    listOf(
        "planned ${planned.size} actions, one second apart: ${planned.zipWithNext().all { (a, b) -> b.epochSecond - a.epochSecond == 1L }}",
        "actions taken: ${d.actionsTaken}, skipped: ${d.overlapSkipped}, missed: ${d.missedCatchupWindow}",
        "each run got its own nominal time: ${results.zip(planned).all { (r, t) -> r == "daily report for $t" }}",
    )
}

/** `mvn -q -pl samples -am compile exec:java -Dsample=io.kadence.samples.features.ScheduleSampleKt` */
fun main() = runBlocking { printSample("schedule") { runSchedule(it) } }
