package io.kadence.internal

import io.kadence.failure.InvalidArgumentException

/**
 * The rule for every id and name Kadence stores (workflow and schedule ids, task queues, activity
 * types, signal, query and update names, namespaces): not blank, at most [MAX_LENGTH] characters
 * (or the column's own limit), no NUL, valid Unicode (no lone surrogate). Anything else, quotes,
 * SQL, `../`, line breaks, is stored and found again exactly.
 */
@InternalKadenceApi
public object Names {
    /** The longest id or name, unless a column is shorter. */
    public const val MAX_LENGTH: Int = 1000

    /** Throws [InvalidArgumentException] naming [what] when [value] cannot be stored faithfully. */
    public fun check(what: String, value: String, max: Int = MAX_LENGTH) {
        if (value.isBlank()) throw InvalidArgumentException("$what must not be blank")
        if (value.length > max) throw InvalidArgumentException("$what is ${value.length} characters, over the limit of $max")
        if (value.any { it == '\u0000' }) throw InvalidArgumentException("$what must not contain NUL characters")
        for (i in value.indices) {
            val c = value[i]
            if (Character.isHighSurrogate(c) && (i + 1 >= value.length || !Character.isLowSurrogate(value[i + 1])) ||
                Character.isLowSurrogate(c) && (i == 0 || !Character.isHighSurrogate(value[i - 1]))
            ) throw InvalidArgumentException("$what contains a lone surrogate at index $i; it must be valid Unicode")
        }
    }
}
