package io.kadence.schedule

import io.kadence.failure.InvalidArgumentException
import java.time.Instant
import java.time.LocalDate
import java.time.LocalDateTime
import java.time.ZoneId
import java.time.ZonedDateTime
import java.time.temporal.ChronoUnit

/**
 * The calendar times a cron expression or a calendar spec matches, to the minute: sets of allowed
 * minutes, hours, days of month, months and days of week. When both day fields are restricted a
 * day matches if either does (as in cron).
 */
internal class TimeMatcher(
    val minutes: Set<Int>,
    val hours: Set<Int>,
    val daysOfMonth: Set<Int>,
    val months: Set<Int>,
    /** 0 = Sunday … 6 = Saturday. */
    val daysOfWeek: Set<Int>,
    val domRestricted: Boolean,
    val dowRestricted: Boolean,
) {
    fun matchesDay(d: LocalDate): Boolean {
        val dom = d.dayOfMonth in daysOfMonth
        val dow = (d.dayOfWeek.value % 7) in daysOfWeek
        return when {
            domRestricted && dowRestricted -> dom || dow
            domRestricted -> dom
            dowRestricted -> dow
            else -> true
        }
    }

    fun matches(t: LocalDateTime): Boolean =
        t.monthValue in months && matchesDay(t.toLocalDate()) && t.hour in hours && t.minute in minutes

    /**
     * The first matching instant strictly after [after] in [zone]. Local times that do not exist (a
     * daylight-saving gap) are skipped; a local time that occurs twice (the clock set back) matches
     * once, at its first occurrence. Null when nothing matches within ten years.
     */
    fun nextAfter(after: Instant, zone: ZoneId): Instant? {
        var t = LocalDateTime.ofInstant(after, zone).truncatedTo(ChronoUnit.MINUTES).plusMinutes(1)
        val limit = t.plusYears(10)
        while (t.isBefore(limit)) {
            if (t.monthValue !in months) {
                t = t.toLocalDate().withDayOfMonth(1).plusMonths(1).atStartOfDay()
                continue
            }
            if (!matchesDay(t.toLocalDate())) {
                t = t.toLocalDate().plusDays(1).atStartOfDay()
                continue
            }
            if (t.hour !in hours) {
                t = t.truncatedTo(ChronoUnit.HOURS).plusHours(1)
                continue
            }
            if (t.minute !in minutes) {
                t = t.plusMinutes(1)
                continue
            }
            val offsets = zone.rules.getValidOffsets(t)
            if (offsets.isNotEmpty()) {
                val instant = ZonedDateTime.ofLocal(t, zone, offsets.first()).toInstant()
                if (instant.isAfter(after)) return instant
            }
            t = t.plusMinutes(1)
        }
        return null
    }

    companion object {
        private val monthNames = listOf("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
        private val dayNames = listOf("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")

        /** Parses a five-field cron expression (`minute hour day-of-month month day-of-week`) or a macro. */
        fun cron(expression: String): TimeMatcher {
            val expr = when (expression.trim().lowercase()) {
                "@yearly", "@annually" -> "0 0 1 1 *"
                "@monthly" -> "0 0 1 * *"
                "@weekly" -> "0 0 * * 0"
                "@daily", "@midnight" -> "0 0 * * *"
                "@hourly" -> "0 * * * *"
                else -> expression.trim()
            }
            val fields = expr.split(Regex("\\s+"))
            if (fields.size != 5) {
                throw InvalidArgumentException("cron expression '$expression' must have 5 fields (minute hour day-of-month month day-of-week), has ${fields.size}")
            }
            fun field(i: Int, name: String, range: IntRange, names: List<String>? = null, base: Int = 0) =
                parseField(expression, fields[i], name, range, names, base)
            val dow = field(4, "day-of-week", 0..7, dayNames).map { it % 7 }.toSet()
            return TimeMatcher(
                minutes = field(0, "minute", 0..59),
                hours = field(1, "hour", 0..23),
                daysOfMonth = field(2, "day-of-month", 1..31),
                months = field(3, "month", 1..12, monthNames, base = 1),
                daysOfWeek = dow,
                domRestricted = fields[2] != "*" && fields[2] != "?",
                dowRestricted = fields[4] != "*" && fields[4] != "?",
            )
        }

        private fun parseField(expression: String, text: String, name: String, range: IntRange, names: List<String>?, base: Int): Set<Int> {
            fun bad(why: String): Nothing = throw InvalidArgumentException("cron expression '$expression': $name field '$text' $why")
            fun value(s: String): Int {
                names?.indexOf(s.uppercase())?.takeIf { it >= 0 }?.let { return it + base }
                val v = s.toIntOrNull() ?: bad("has '$s', which is not a number${names?.let { " or a name" } ?: ""}")
                if (v !in range) bad("has $v, outside ${range.first}-${range.last}")
                return v
            }
            val out = sortedSetOf<Int>()
            for (part in text.split(',')) {
                if (part.isEmpty()) bad("has an empty list item")
                val (body, stepText) = part.split('/', limit = 2).let { it[0] to it.getOrNull(1) }
                val step = stepText?.let { it.toIntOrNull()?.takeIf { s -> s > 0 } ?: bad("has step '$it', which is not a positive number") } ?: 1
                val (from, to) = when {
                    body == "*" || body == "?" -> range.first to range.last
                    '-' in body -> body.split('-', limit = 2).let { value(it[0]) to value(it[1]) }
                    else -> value(body).let { it to (if (stepText != null) range.last else it) }
                }
                if (from > to) bad("has the range $from-$to, which runs backwards")
                for (v in from..to step step) out += v
            }
            return out
        }

        /** A matcher from calendar fields (each null = every value). */
        fun calendar(spec: CalendarSpec): TimeMatcher {
            fun set(field: List<IntRange>?, range: IntRange, name: String): Set<Int> {
                if (field == null) return range.toSet()
                val out = sortedSetOf<Int>()
                for (r in field) {
                    if (r.first < range.first || r.last > range.last || r.isEmpty()) {
                        throw InvalidArgumentException("calendar spec: $name range $r is outside ${range.first}..${range.last} or empty")
                    }
                    out += r
                }
                return out
            }
            return TimeMatcher(
                minutes = set(spec.minute, 0..59, "minute"),
                hours = set(spec.hour, 0..23, "hour"),
                daysOfMonth = set(spec.dayOfMonth, 1..31, "dayOfMonth"),
                months = set(spec.month, 1..12, "month"),
                daysOfWeek = spec.dayOfWeek?.map { it.value % 7 }?.toSet() ?: (0..6).toSet(),
                domRestricted = spec.dayOfMonth != null,
                dowRestricted = spec.dayOfWeek != null,
            )
        }
    }
}
