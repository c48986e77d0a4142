package io.kadence.internal.runtime

import kotlinx.coroutines.Job
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.delay
import kotlinx.coroutines.isActive
import kotlinx.coroutines.launch
import org.slf4j.LoggerFactory

/**
 * Fires due timers, times out expired activity attempts, and runs the session sweep (dead hosts,
 * creation timeouts, waiting requests; see [SessionHosts]). On the real clock it sleeps until the
 * next timer (or a hint that an earlier one was created), waking at least every [leaseCheckMillis]
 * to look for expired leases. On a virtual clock it also moves time: when no worker is busy and
 * nothing is runnable, it jumps to the next timer or visibility time.
 */
internal class TimerService(private val engine: Engine, private val leaseCheckMillis: Long = 200) {
    private val log = LoggerFactory.getLogger(TimerService::class.java)
    private var job: Job? = null

    /** When the last pass looked at expired activities, sessions, schedules and retention ([System.nanoTime]). */
    private var lastHousekeeping = System.nanoTime() - HOUSEKEEPING_MILLIS * 1_000_000

    @Synchronized
    fun start() {
        if (job != null) return
        job = engine.scope.launch { run() }
    }

    fun stop() {
        val j = job ?: return
        kotlinx.coroutines.runBlocking { j.cancelAndJoin() }
    }

    /**
     * Jumps the virtual clock to the next wake time when nothing can make progress without it: no
     * task is runnable on a polled queue and no poller is claiming or running one. Runnable is
     * checked before idle, so a task claimed between the two checks is seen as in flight.
     */
    private fun jumpIfIdle(clock: VirtualClock, now: Long): Boolean {
        val store = engine.store
        if (store.hasRunnableTasks(now, engine.namespace, engine.polledQueues(TaskPoller.Kind.WORKFLOW), engine.polledQueues(TaskPoller.Kind.ACTIVITY))) return false
        if (!engine.workersIdle()) return false
        // A host had room again after the last pass: place waiting sessions before time moves on.
        if (engine.sessionHosts.isPlacementPending) return false
        val next = listOfNotNull(store.nextWakeTime(now), engine.sessionHosts.nextWakeTime(now), store.schedules.nextCheck()).minOrNull() ?: return false
        if (next <= now || !engine.workersIdle()) return false
        engine.sessionHosts.beforeTimeMoves(next)
        clock.advanceTo(next)
        engine.wakeAllPollers()
        return true
    }

    private suspend fun run() {
        val store = engine.store
        val clock = engine.clock
        while (kotlinx.coroutines.currentCoroutineContext().isActive) {
            try {
                val now = clock.now()
                val due = store.dueTimers(now, TIMER_BATCH)
                var worked = engine.fireTimers(due, now)
                engine.timersBehind = due.size >= TIMER_BATCH
                // While timers keep falling due (or are in flight with workers) the loop goes round every
                // few milliseconds; the rest (a query or more each, with deadlines that are not that tight)
                // is then looked at every HOUSEKEEPING_MILLIS. Under the virtual clock, every pass.
                val nanos = System.nanoTime()
                val busy = worked > 0 || engine.hasTimersAhead()
                if (!busy || clock is VirtualClock || nanos - lastHousekeeping >= HOUSEKEEPING_MILLIS * 1_000_000) {
                    lastHousekeeping = nanos
                    worked += store.expireActivities(now, 200)
                    worked += engine.sessionHosts.sweep(now)
                    worked += store.schedules.process(now, 100)
                    worked += engine.purgeIfDue(now)
                }
                if (worked > 0) continue
                if (clock is VirtualClock) {
                    if (clock.held) { engine.timerWake.await(5); continue }
                    var moved = false
                    engine.tryMovingTime { moved = jumpIfIdle(clock, now) }
                    if (moved) continue
                    engine.timerWake.await(5)
                } else {
                    val next = listOfNotNull(store.nextTimerDue(), store.schedules.nextCheck()).minOrNull()
                    val wait = if (next == null) leaseCheckMillis else (next - clock.now()).coerceIn(0, leaseCheckMillis)
                    when {
                        wait > 0 -> engine.timerWake.await(wait)
                        // What is due is in flight with workers (each wakes this loop when done): no spinning meanwhile.
                        engine.hasTimersAhead() -> engine.timerWake.await(AHEAD_POLL_MILLIS)
                    }
                }
            } catch (e: kotlinx.coroutines.CancellationException) {
                throw e
            } catch (e: Exception) {
                log.warn("timer service: ${e.message}; retrying", e)
                delay(100)
            }
        }
    }
}

/** How often expired activities, sessions, schedules and retention are looked at at most while timers keep falling due. */
private const val HOUSEKEEPING_MILLIS = 20L

/** How long a pass waits at most when what is due is in flight with workers. */
private const val AHEAD_POLL_MILLIS = 5L

/** Due timers fired per transaction. */
private const val TIMER_BATCH = 500
