package io.kadence.internal.ids

import java.util.UUID
import java.util.concurrent.ThreadLocalRandom

/**
 * New run ids, and the workflow id of a start that gives none: UUIDs laid out as RFC 9562's version
 * 7, the milliseconds since the epoch in the top 48 bits and 74 random bits below.
 *
 * Every table that holds rows per run is indexed by run id (history events, timers, workflow and
 * activity tasks, the runs themselves). With version-4 UUIDs the runs in flight at any moment are
 * spread over the whole of each index, so every step of every run writes into a page of its own,
 * and on H2 each commit rewrites every page it touched. Ids that start with the time put runs started
 * close together next to each other in every index: the steps of runs in flight land on the same
 * few pages, which stay cached. Workflow ids key `current_runs`, which every start writes. The ids
 * are still unique (74 random bits per millisecond) and still read as ordinary UUIDs; nothing may
 * read meaning into their order.
 */
public object OrderedIds {
    /** A new id, from the wall clock (not a workflow's clock: the order only serves locality). */
    public fun next(): String = at(System.currentTimeMillis())

    /** The id [next] would make at [epochMillis]. */
    public fun at(epochMillis: Long): String {
        val random = ThreadLocalRandom.current()
        val high = (epochMillis shl 16) or 0x7000L or (random.nextLong() and 0x0FFFL)
        val low = (random.nextLong() and 0x3FFF_FFFF_FFFF_FFFFL) or Long.MIN_VALUE
        return UUID(high, low).toString()
    }
}
