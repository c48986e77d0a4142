package io.kadence.test

import io.kadence.failure.InvalidArgumentException
import io.kadence.schedule.CalendarSpec
import io.kadence.schedule.IntervalSpec
import io.kadence.schedule.ScheduleSpec
import java.time.DayOfWeek
import java.time.Instant
import java.time.ZoneId
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.hours
import kotlin.time.Duration.Companion.minutes

/** Schedule specs: cron with time zones and DST, calendars, intervals with phase, bounds, exclusions, jitter. */
class ScheduleSpecTest {
    private fun t(s: String) = Instant.parse(s)

    @Test
    fun `a daily cron fires once a day, 365 times in a year`() {
        val spec = ScheduleSpec.cron("0 10 * * *")
        assertEquals(t("2026-01-01T10:00:00Z"), spec.nextAfter(t("2026-01-01T00:00:00Z")))
        assertEquals(t("2026-01-02T10:00:00Z"), spec.nextAfter(t("2026-01-01T10:00:00Z")))
        assertEquals(365, spec.timesBetween(t("2026-01-01T00:00:00Z"), t("2026-12-31T23:59:59Z")).size)
    }

    @Test
    fun `cron fields take ranges, lists, steps and names`() {
        val spec = ScheduleSpec.cron("*/15 9-17 * * MON-FRI")
        // 2026-01-05 is a Monday: 9 hours x 4 quarter hours x 5 days.
        val week = spec.timesBetween(t("2026-01-05T00:00:00Z"), t("2026-01-11T23:59:59Z"))
        assertEquals(9 * 4 * 5, week.size)
        assertEquals(t("2026-01-05T09:00:00Z"), week.first())
        assertEquals(t("2026-01-09T17:45:00Z"), week.last())
        assertEquals(listOf(t("2026-02-01T00:00:00Z"), t("2026-03-01T00:00:00Z")),
            ScheduleSpec.cron("@monthly").timesBetween(t("2026-01-15T00:00:00Z"), t("2026-03-10T00:00:00Z")))
    }

    @Test
    fun `a local time skipped by daylight saving does not fire, and a repeated one fires once`() {
        val berlin = ZoneId.of("Europe/Berlin")
        val spec = ScheduleSpec.cron("30 2 * * *", berlin)
        // 2026-03-29: 02:00 -> 03:00 local; 02:30 does not exist that day.
        assertEquals(
            listOf(t("2026-03-28T01:30:00Z"), t("2026-03-30T00:30:00Z")),
            spec.timesBetween(t("2026-03-28T00:00:00Z"), t("2026-03-30T23:00:00Z")),
        )
        // 2026-10-25: 03:00 -> 02:00 local; 02:30 happens twice and fires at the first (CEST, UTC+2).
        assertEquals(
            listOf(t("2026-10-24T00:30:00Z"), t("2026-10-25T00:30:00Z"), t("2026-10-26T01:30:00Z")),
            spec.timesBetween(t("2026-10-24T00:00:00Z"), t("2026-10-26T23:00:00Z")),
        )
    }

    @Test
    fun `intervals have a phase, calendars and exclusions combine, and bounds are inclusive`() {
        val hourly = ScheduleSpec.every(1.hours, phase = 15.minutes)
        assertEquals(t("2026-01-01T11:15:00Z"), hourly.nextAfter(t("2026-01-01T10:20:00Z")))
        assertEquals(t("2026-01-01T10:15:00Z"), hourly.nextAfter(t("2026-01-01T10:14:59Z")))

        val weekdays = ScheduleSpec.cron("0 10 * * *").excluding(CalendarSpec(minute = null, dayOfWeek = listOf(DayOfWeek.SATURDAY, DayOfWeek.SUNDAY)))
        assertEquals(5, weekdays.timesBetween(t("2026-01-05T00:00:00Z"), t("2026-01-11T23:59:59Z")).size)

        val officeHours = ScheduleSpec(calendars = listOf(CalendarSpec(hour = listOf(9..11, 14..14), dayOfWeek = listOf(DayOfWeek.MONDAY))))
        assertEquals(
            listOf("09:00", "10:00", "11:00", "14:00"),
            officeHours.timesBetween(t("2026-01-05T00:00:00Z"), t("2026-01-05T23:59:59Z")).map { it.toString().substring(11, 16) },
        )

        val bounded = ScheduleSpec.cron("0 10 * * *").between(t("2026-01-02T10:00:00Z"), t("2026-01-04T10:00:00Z"))
        assertEquals(
            listOf(t("2026-01-02T10:00:00Z"), t("2026-01-03T10:00:00Z"), t("2026-01-04T10:00:00Z")),
            bounded.timesBetween(t("2025-12-01T00:00:00Z"), t("2026-02-01T00:00:00Z")),
        )
        assertEquals(null, bounded.nextAfter(t("2026-01-04T10:00:00Z")))
    }

    @Test
    fun `jitter is within bounds and the same for the same nominal time`() {
        val spec = ScheduleSpec.cron("* * * * *").withJitter(30.minutes)
        val times = spec.timesBetween(t("2026-01-01T00:00:00Z"), t("2026-01-01T23:59:00Z"))
        val jitters = times.map { spec.jitterFor("nightly", it) }
        assertTrue(jitters.all { it in 0..30 * 60_000L })
        assertEquals(jitters, times.map { spec.jitterFor("nightly", it) })
        assertTrue(jitters.toSet().size > 100, "jitter should spread actions out")
    }

    @Test
    fun `bad specs are refused with messages that say what is wrong`() {
        assertEquals(
            "cron expression '0 25 * * *': hour field '25' has 25, outside 0-23",
            assertFailsWith<InvalidArgumentException> { ScheduleSpec.cron("0 25 * * *") }.message,
        )
        assertEquals(
            "cron expression '0 10 * *' must have 5 fields (minute hour day-of-month month day-of-week), has 4",
            assertFailsWith<InvalidArgumentException> { ScheduleSpec.cron("0 10 * *") }.message,
        )
        assertEquals("schedule spec: unknown time zone 'Mars/Olympus'", assertFailsWith<InvalidArgumentException> { ScheduleSpec(cron = listOf("@daily"), timeZone = "Mars/Olympus") }.message)
        assertFailsWith<InvalidArgumentException> { IntervalSpec(60_000, 60_000) }
        assertFailsWith<InvalidArgumentException> { ScheduleSpec() }
    }
}
