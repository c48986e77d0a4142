package io.kadence.test.process

import io.kadence.Kadence
import io.kadence.dsl.workflow
import io.kadence.schedule.ScheduleHeaders

/** Returns the nominal time it was started for. */
val Tick = workflow<String, String>("Tick") { _ -> info.headers.getValue(ScheduleHeaders.NOMINAL_TIME).trim('"') }

/**
 * Child process of the schedule kill test: a worker (and so a scheduler) on a shared PostgreSQL
 * schema. Prints `READY`, then runs until killed.
 *
 *     ScheduleWorkerMain <jdbcUrl> <user>
 */
fun main(args: Array<String>) {
    val kadence = Kadence.connect(args[0], args[1], "")
    kadence.worker("ticks") { register(Tick) }.start()
    println("READY")
    System.out.flush()
    Thread.sleep(Long.MAX_VALUE)
}
