package io.kadence.schedule

import io.kadence.failure.InvalidArgumentException
import kotlinx.serialization.Serializable
import kotlinx.serialization.Transient
import kotlinx.serialization.builtins.serializer
import java.time.DayOfWeek
import java.time.Instant
import java.time.ZoneId
import kotlin.time.Duration

/**
 * Calendar times by field, each a list of ranges (null = every value): `CalendarSpec(hour = listOf(9..17),
 * dayOfWeek = listOf(MONDAY, FRIDAY))` is every minute 0 of hours 9 to 17 on Mondays and Fridays when
 * [minute] is `listOf(0..0)`. Minute defaults to 0, so a calendar spec fires once per matching hour.
 */
@Serializable
public data class CalendarSpec(
    @get:JvmSynthetic val minute: List<@Serializable(with = IntRangeSerializer::class) IntRange>? = listOf(0..0),
    @get:JvmSynthetic val hour: List<@Serializable(with = IntRangeSerializer::class) IntRange>? = null,
    @get:JvmSynthetic val dayOfMonth: List<@Serializable(with = IntRangeSerializer::class) IntRange>? = null,
    @get:JvmSynthetic val month: List<@Serializable(with = IntRangeSerializer::class) IntRange>? = null,
    val dayOfWeek: List<DayOfWeek>? = null,
) {
    @Transient internal val matcher: TimeMatcher = TimeMatcher.calendar(this)

    /** Factories, for Java (whose code cannot write `listOf(9..17)`). */
    public companion object {
        /** A builder: `CalendarSpec.newBuilder().hours(9, 17).daysOfWeek(MONDAY, FRIDAY).build()`. */
        @JvmStatic public fun newBuilder(): CalendarSpecBuilder = CalendarSpecBuilder()
    }
}

/**
 * Builds a [CalendarSpec] from Java: each field takes inclusive ranges (`hours(9, 17)`) or single values
 * (`minutes(0, 30)` is a range 0..30 — use [minuteValues] for a list of values). Unset fields keep their
 * defaults: minute 0, every hour, day and month.
 */
public class CalendarSpecBuilder internal constructor() {
    private var minute: MutableList<IntRange>? = null
    private var hour: MutableList<IntRange>? = null
    private var dayOfMonth: MutableList<IntRange>? = null
    private var month: MutableList<IntRange>? = null
    private var dayOfWeek: MutableList<DayOfWeek>? = null

    /** Adds the minutes [from] to [to] (inclusive). */
    public fun minutes(from: Int, to: Int): CalendarSpecBuilder = apply { minute = (minute ?: ArrayList()).also { it += from..to } }
    /** Adds each of [values] as a minute. */
    public fun minuteValues(vararg values: Int): CalendarSpecBuilder = apply { minute = (minute ?: ArrayList()).also { l -> values.forEach { l += it..it } } }
    /** Adds the hours [from] to [to] (inclusive). */
    public fun hours(from: Int, to: Int): CalendarSpecBuilder = apply { hour = (hour ?: ArrayList()).also { it += from..to } }
    /** Adds each of [values] as an hour. */
    public fun hourValues(vararg values: Int): CalendarSpecBuilder = apply { hour = (hour ?: ArrayList()).also { l -> values.forEach { l += it..it } } }
    /** Adds the days of the month [from] to [to] (inclusive). */
    public fun daysOfMonth(from: Int, to: Int): CalendarSpecBuilder = apply { dayOfMonth = (dayOfMonth ?: ArrayList()).also { it += from..to } }
    /** Adds the months [from] to [to] (1-12, inclusive). */
    public fun months(from: Int, to: Int): CalendarSpecBuilder = apply { month = (month ?: ArrayList()).also { it += from..to } }
    /** Adds [days] as days of the week. */
    public fun daysOfWeek(vararg days: DayOfWeek): CalendarSpecBuilder = apply { dayOfWeek = (dayOfWeek ?: ArrayList()).also { it += days } }

    /** The calendar spec. */
    public fun build(): CalendarSpec = CalendarSpec(minute ?: listOf(0..0), hour, dayOfMonth, month, dayOfWeek)
}

/** Every [everyMillis], offset by [phaseMillis] from the Unix epoch (`every 1 h, phase 15 min` = at :15 each hour). */
@Serializable
public data class IntervalSpec(val everyMillis: Long, val phaseMillis: Long = 0) {
    init {
        if (everyMillis <= 0) throw InvalidArgumentException("an interval must be positive, was ${everyMillis}ms")
        if (phaseMillis < 0 || phaseMillis >= everyMillis) throw InvalidArgumentException("an interval's phase must be in [0, every), was ${phaseMillis}ms")
    }

    internal fun nextAfter(after: Instant): Instant {
        val t = after.toEpochMilli()
        val k = Math.floorDiv(t - phaseMillis, everyMillis) + 1
        return Instant.ofEpochMilli(k * everyMillis + phaseMillis)
    }

    public companion object {
        /** Every [every], offset by [phase]. */
        @JvmSynthetic public fun of(every: Duration, phase: Duration = Duration.ZERO): IntervalSpec = IntervalSpec(every.inWholeMilliseconds, phase.inWholeMilliseconds)
    }
}

/**
 * When a schedule acts: the union of its [cron] expressions, [calendars] and [intervals] (cron and
 * calendars in [timeZone]), from [startAt] to [endAt] (inclusive, both optional), minus the times
 * [exclude] matches. Each action is delayed by up to [jitterMillis], by an amount fixed per
 * nominal time (so retries and other schedulers agree).
 *
 * Daylight-saving time: a local time that does not exist (the clock jumps forward) is skipped; one
 * that occurs twice (the clock goes back) fires once, at its first occurrence.
 */
@Serializable
public data class ScheduleSpec(
    val cron: List<String> = emptyList(),
    val calendars: List<CalendarSpec> = emptyList(),
    val intervals: List<IntervalSpec> = emptyList(),
    val timeZone: String = "UTC",
    val startAtMillis: Long? = null,
    val endAtMillis: Long? = null,
    val jitterMillis: Long = 0,
    val exclude: List<CalendarSpec> = emptyList(),
) {
    @Transient private val zone: ZoneId = try {
        ZoneId.of(timeZone)
    } catch (e: Exception) {
        throw InvalidArgumentException("schedule spec: unknown time zone '$timeZone'")
    }
    @Transient private val cronMatchers: List<TimeMatcher> = cron.map(TimeMatcher::cron)

    init {
        if (cron.isEmpty() && calendars.isEmpty() && intervals.isEmpty()) {
            throw InvalidArgumentException("a schedule spec needs at least one cron expression, calendar or interval")
        }
        if (jitterMillis < 0) throw InvalidArgumentException("schedule jitter must not be negative")
        if (startAtMillis != null && endAtMillis != null && endAtMillis < startAtMillis) {
            throw InvalidArgumentException("schedule spec ends (${Instant.ofEpochMilli(endAtMillis)}) before it starts (${Instant.ofEpochMilli(startAtMillis)})")
        }
    }

    /** The first nominal time strictly after [after], or null when there is none (past [endAtMillis]). */
    public fun nextAfter(after: Instant): Instant? {
        var from = after
        startAtMillis?.let { s -> if (from.toEpochMilli() < s) from = Instant.ofEpochMilli(s - 1) }
        repeat(100_000) {
            val candidates = cronMatchers.mapNotNull { it.nextAfter(from, zone) } +
                calendars.mapNotNull { it.matcher.nextAfter(from, zone) } +
                intervals.map { it.nextAfter(from) }
            val next = candidates.minOrNull() ?: return null
            if (endAtMillis != null && next.toEpochMilli() > endAtMillis) return null
            val local = java.time.LocalDateTime.ofInstant(next, zone)
            if (exclude.none { it.matcher.matches(local) }) return next
            from = next
        }
        return null
    }

    /** The nominal times in [from, to] (both inclusive), at most [max]. */
    public fun timesBetween(from: Instant, to: Instant, max: Int = 100_000): List<Instant> {
        val out = ArrayList<Instant>()
        var t = nextAfter(from.minusMillis(1)) ?: return out
        while (!t.isAfter(to) && out.size < max) {
            out += t
            t = nextAfter(t) ?: break
        }
        return out
    }

    /** How long after nominal time [t] its action runs: a fixed pseudo-random part of [jitterMillis] for [scheduleId]. */
    public fun jitterFor(scheduleId: String, t: Instant): Long {
        if (jitterMillis == 0L) return 0
        val h = (scheduleId.hashCode().toLong() * 31 + t.toEpochMilli()) * -0x61c8864680b583ebL
        return Math.floorMod(h xor (h ushr 29), jitterMillis + 1)
    }

    public companion object {
        /** A spec of one cron expression in [zone]. */
        @JvmStatic @JvmOverloads
        public fun cron(expression: String, zone: ZoneId = ZoneId.of("UTC")): ScheduleSpec = ScheduleSpec(cron = listOf(expression), timeZone = zone.id)

        /** A spec of the times [calendar] matches, read in [zone] (for Java). */
        @JvmStatic @JvmOverloads
        public fun calendar(calendar: CalendarSpec, zone: ZoneId = ZoneId.of("UTC")): ScheduleSpec = ScheduleSpec(calendars = listOf(calendar), timeZone = zone.id)

        /** A spec of one interval (for Java): every [every], offset by [phase] from the epoch. */
        @JvmStatic @JvmOverloads
        public fun every(every: java.time.Duration, phase: java.time.Duration = java.time.Duration.ZERO): ScheduleSpec =
            ScheduleSpec(intervals = listOf(IntervalSpec(every.toMillis(), phase.toMillis())))

        /** A spec of one interval. */
        @JvmSynthetic public fun every(every: Duration, phase: Duration = Duration.ZERO): ScheduleSpec = ScheduleSpec(intervals = listOf(IntervalSpec.of(every, phase)))
    }

    /** This spec with a jitter of up to [jitter]. */
    @JvmSynthetic public fun withJitter(jitter: Duration): ScheduleSpec = copy(jitterMillis = jitter.inWholeMilliseconds)

    /** This spec with a jitter of up to [jitter] (for Java). */
    public fun withJitter(jitter: java.time.Duration): ScheduleSpec = copy(jitterMillis = jitter.toMillis())

    /** This spec bounded to [start, end] (inclusive). */
    public fun between(start: Instant?, end: Instant?): ScheduleSpec = copy(startAtMillis = start?.toEpochMilli(), endAtMillis = end?.toEpochMilli())

    /** This spec minus the times [calendars] match. */
    public fun excluding(vararg calendars: CalendarSpec): ScheduleSpec = copy(exclude = exclude + calendars)

}

/** Stores an [IntRange] as `[first, last]`. */
internal object IntRangeSerializer : kotlinx.serialization.KSerializer<IntRange> {
    private val delegate: kotlinx.serialization.KSerializer<List<Int>> =
        kotlinx.serialization.builtins.ListSerializer(Int.serializer())
    override val descriptor: kotlinx.serialization.descriptors.SerialDescriptor = delegate.descriptor
    override fun serialize(encoder: kotlinx.serialization.encoding.Encoder, value: IntRange): Unit =
        encoder.encodeSerializableValue(delegate, listOf(value.first, value.last))
    override fun deserialize(decoder: kotlinx.serialization.encoding.Decoder): IntRange {
        val pair = decoder.decodeSerializableValue(delegate)
        return pair[0]..pair[1]
    }
}
