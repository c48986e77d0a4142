package io.kadence.internal.runtime

/**
 * Paces new starts to what this instance can run without its due work waiting.
 *
 * The signal is how late each workflow task starts after it was due. One late task says little (a
 * burst of tasks due at once is drained in turn), so, as in CoDel, the smallest lag over a window of
 * [windowMillis] decides: if even the promptest task of a window started more than [targetMillis]
 * late, a queue is standing. Each such window cuts the start rate (the first to [DECREASE] of what
 * was admitted in it); each window without one raises it by a step, and once the rate has climbed
 * back to [MAX_RATE], starts are no longer paced. Holding starts back and then letting every waiting
 * one go at once (what a plain on/off gate does) only moves the burst: a second later their timers
 * are due together.
 */
internal class StartPace(
    private val targetMillis: Long,
    private val windowMillis: Long,
    private val staleMillis: Long,
    /** The longest a start waits for its turn; a start that waits that long takes the turn it then gets. */
    private val maxWaitMillis: Long = 1_000,
) {
    private var windowStart = Long.MIN_VALUE
    private var windowMin = Long.MAX_VALUE
    private var startsInWindow = 0
    @Volatile private var lagging = false
    @Volatile private var lastReport = Long.MIN_VALUE

    /** Starts per second; infinite: not paced. */
    private var rate = Double.POSITIVE_INFINITY
    /** Engine time (fractional millis) from which the next paced start may go. */
    private var nextStart = 0.0

    /**
     * Records a workflow task that started [lagMillis] after it was due, at engine time [now]. Returns
     * true when this report ends a lagging window with an on-time one (the instance has caught up).
     */
    @Synchronized
    fun taskStarted(lagMillis: Long, now: Long): Boolean {
        lastReport = now
        if (windowStart == Long.MIN_VALUE) {
            windowStart = now
            windowMin = lagMillis
            return false
        }
        if (now - windowStart < windowMillis) {
            if (lagMillis < windowMin) windowMin = lagMillis
            return false
        }
        val was = lagging
        lagging = windowMin > targetMillis
        val admitted = startsInWindow * 1000.0 / (now - windowStart)
        rate = when {
            lagging -> maxOf(MIN_RATE, (if (rate.isInfinite()) admitted else rate) * DECREASE)
            rate.isInfinite() -> rate
            rate >= MAX_RATE -> Double.POSITIVE_INFINITY
            else -> rate + maxOf(rate * INCREASE, MIN_RATE)
        }
        windowStart = now
        windowMin = lagMillis
        startsInWindow = 0
        return was && !lagging
    }

    /** True while the last full window had no task served on time, and tasks still start. */
    fun isLagging(now: Long): Boolean = lagging && now - lastReport < staleMillis

    /** Takes the next start's turn at engine time [now]: how many milliseconds it must wait first. */
    @Synchronized
    fun admit(now: Long): Long {
        startsInWindow++
        if (rate.isInfinite() || now - lastReport >= staleMillis) return 0
        // Turns are never booked past the longest wait: otherwise many waiting starts push the next turn
        // ever further ahead, all wait the full second, and all go at once when it ends.
        val at = maxOf(now.toDouble(), minOf(nextStart, (now + maxWaitMillis).toDouble()))
        nextStart = at + 1000.0 / rate
        return (at - now).toLong()
    }

    /** The current start rate per second (infinite when not paced), for tests. */
    @get:Synchronized val startsPerSecond: Double get() = rate

    private companion object {
        /** A lagging window sets the rate to this share of the starts it admitted. */
        const val DECREASE = 0.5
        /** A window on time raises the rate by this share (at least [MIN_RATE]). */
        const val INCREASE = 0.05
        /** The rate never goes below this many starts per second. */
        const val MIN_RATE = 20.0
        /** Pacing ends once the rate has climbed back to this many starts per second. */
        const val MAX_RATE = 10_000.0
    }
}
