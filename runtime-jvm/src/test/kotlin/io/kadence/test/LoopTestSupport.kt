package io.kadence.test

import io.kadence.Kadence
import io.kadence.activity.ActivityOptions
import io.kadence.client.WorkflowHandle
import io.kadence.dsl.workflow
import io.kadence.workflow.activity
import kotlinx.coroutines.delay
import kotlin.time.Duration
import kotlin.time.Duration.Companion.days
import kotlin.time.Duration.Companion.seconds

/**
 * Polls [condition] until it holds or [timeout] of real time passes; for outcomes that need real
 * threads to move (a watchdog, another worker), never for waiting on workflow timers.
 */
suspend fun <T : Any> eventually(what: String, timeout: Duration = 20.seconds, value: suspend () -> T?): T {
    val deadline = System.nanoTime() + timeout.inWholeNanoseconds
    while (true) {
        value()?.let { return it }
        if (System.nanoTime() > deadline) throw AssertionError("timed out after $timeout waiting for $what")
        delay(20)
    }
}

/** Task queue nobody serves: an activity scheduled there stays runnable, so the virtual clock cannot jump. */
const val UNSERVED_QUEUE = "unserved"

/**
 * Holds the virtual clock still: a run whose activity waits on a queue no worker polls keeps a
 * runnable task in the store, and the test kit only moves time when nothing is runnable.
 */
val ClockHold = workflow<Unit, Unit>("ClockHold") {
    activity<Unit>("hold", options = ActivityOptions(startToClose = 1.days, taskQueue = UNSERVED_QUEUE))
}

/** Starts [ClockHold] on a worker of its own; terminate the returned handle to let time move again. */
suspend fun Kadence.holdClock(): WorkflowHandle<Unit> {
    worker("clock-hold", TestStores.workerOptions()) { register(ClockHold) }.start()
    val h = client.start(ClockHold, Unit) { id = "clock-hold"; taskQueue = "clock-hold" }
    eventually("the clock-hold activity to be scheduled") { h.describe().pendingActivities.firstOrNull() }
    return h
}
