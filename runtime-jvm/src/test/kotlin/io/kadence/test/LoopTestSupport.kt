package io.kadence.test

import io.kadence.Kadence
import io.kadence.testing.TestKadence
import kotlinx.coroutines.delay
import kotlin.time.Duration
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

/** Holds the virtual clock still until [releaseClock], so a test can act while a run waits on a timer. */
fun Kadence.holdClock() = TestKadence.holdTime(this)

/** Lets the virtual clock jump ahead again. */
fun Kadence.releaseClock() = TestKadence.releaseTime(this)

/** A task queue no worker polls: activities scheduled there wait forever. */
const val UNSERVED_QUEUE = "unserved"
