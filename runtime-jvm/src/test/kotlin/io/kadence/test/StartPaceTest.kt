package io.kadence.test

import io.kadence.internal.runtime.StartPace
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertTrue

/** The start pace, driven with explicit engine times: no clock, no sleeping. */
class StartPaceTest {
    private val target = 30L
    private val window = 100L
    private val stale = 200L

    @Test
    fun `starts are not paced while tasks start on time`() {
        val pace = StartPace(target, window, stale)
        for (t in 0L..1_000L step 10) {
            assertFalse(pace.taskStarted(5, t))
            assertEquals(0, pace.admit(t))
        }
        assertFalse(pace.isLagging(1_000))
        assertEquals(Double.POSITIVE_INFINITY, pace.startsPerSecond)
    }

    @Test
    fun `one late task in a window with an on-time one is a burst, not a queue`() {
        val pace = StartPace(target, window, stale)
        pace.taskStarted(500, 0)
        pace.taskStarted(10, 50)
        pace.taskStarted(500, 100) // ends the window: its smallest lag was 10
        assertFalse(pace.isLagging(100))
        assertEquals(0, pace.admit(100))
    }

    @Test
    fun `a window without an on-time task cuts the rate and spaces starts, and on-time windows bring it back`() {
        val pace = StartPace(target, window, stale)
        // 100 starts admitted in the first window, every task in it late.
        for (i in 0 until 100) pace.admit(i.toLong())
        pace.taskStarted(80, 0)
        pace.taskStarted(60, 99)
        assertFalse(pace.taskStarted(70, 100))
        assertTrue(pace.isLagging(100))
        assertEquals(500.0, pace.startsPerSecond, 1e-9, "half of the 1,000 starts/s admitted")
        // Starts asked for at once go 2 ms after one another.
        val waits = (0 until 8).map { pace.admit(100) }
        assertEquals(listOf(0L, 2L, 4L, 6L, 8L, 10L, 12L, 14L), waits)

        // Still late a window later: cut again, from the rate, not from what was admitted.
        assertFalse(pace.taskStarted(50, 200))
        assertEquals(250.0, pace.startsPerSecond, 1e-9)

        // On time: the window that ends the lag reports the catch-up once.
        pace.taskStarted(5, 250)
        assertTrue(pace.taskStarted(5, 300))
        assertFalse(pace.isLagging(300))
        assertEquals(270.0, pace.startsPerSecond, 1e-9, "raised by 20 a second, since 5 % of 250 is less")
        assertFalse(pace.taskStarted(5, 400))

        // Rising 5 % a window, the rate reaches the ceiling and pacing ends.
        var t = 400L
        while (pace.startsPerSecond.isFinite()) {
            t += window
            pace.taskStarted(5, t)
        }
        assertEquals(0, pace.admit(t))
    }

    @Test
    fun `the rate never drops below twenty starts a second`() {
        val pace = StartPace(target, window, stale)
        var t = 0L
        repeat(30) {
            pace.taskStarted(1_000, t)
            t += window
        }
        assertEquals(20.0, pace.startsPerSecond, 1e-9)
        pace.admit(t)
        assertEquals(50, pace.admit(t), "one start every 50 ms")
    }

    @Test
    fun `turns are not booked past the longest wait`() {
        val pace = StartPace(target, window, stale, maxWaitMillis = 1_000)
        var t = 0L
        repeat(30) {
            pace.taskStarted(1_000, t)
            t += window
        }
        assertEquals(20.0, pace.startsPerSecond, 1e-9)
        // 40 starts at once, one turn every 50 ms: the 21st and later wait the longest wait, no more.
        val waits = (0 until 40).map { pace.admit(t) }
        assertEquals((0 until 20).map { it * 50L } + List(20) { 1_000L }, waits)
        // Once they have gone, the next start's turn is one interval after the last, not 20 intervals later.
        pace.taskStarted(1_000, t + 1_000)
        assertEquals(50, pace.admit(t + 1_000), "booked without the cap, it would wait another second")
    }

    @Test
    fun `with no task starting for a while, a lag seen before holds nothing back`() {
        val pace = StartPace(target, window, stale)
        pace.taskStarted(500, 0)
        pace.taskStarted(500, 100)
        assertTrue(pace.isLagging(150))
        assertEquals(20.0, pace.startsPerSecond, 1e-9, "no start was admitted in the lagging window")
        assertFalse(pace.isLagging(100 + stale))
        assertEquals(0, pace.admit(100 + stale))
        assertEquals(0, pace.admit(100 + stale), "not paced while stale")
    }
}
